"""Schemathesis against /api/openapi.json: generated requests find no server error and no answer
that breaks the schema.

The schema is read through the WSGI application as a client would read it; the generated requests
go through it too, in process, on the test database with the demo record loaded, so lists answer
with real rows. Generation is deterministic and bounded (a fixed number of examples for each
operation, no example database, no time-based health checks), so a run is repeatable and short.
"""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from balitracker.wsgi import application

# Schemathesis's WSGI client sends ``Host: localhost``.
HOST = "localhost"
MAX_EXAMPLES = 40
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

CONFIG = schemathesis.Config.from_dict(
    {"generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"}}
)
# Reading the schema touches no table: the OpenAPI document describes the code, not the record.
with override_settings(ALLOWED_HOSTS=[HOST]):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)


@pytest.fixture
def demo_record(db, settings):
    settings.ALLOWED_HOSTS = [HOST]
    call_command("loaddata", "reference", "demo", verbosity=0)
    # The WSGI handler closes a connection inside a transaction at the end of each request, as a
    # server should; the test's transaction must survive, so do what Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_within_its_schema(case, demo_record):
    case.call_and_validate(checks=CHECKS)
