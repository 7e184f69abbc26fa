"""Broken services and cache bypass attempts: the site answers, says what is wrong, and recovers.

With the cache down, pages are rendered uncached; with the database unreachable or locked, pages
and the API answer 503 with Retry-After (JSON under /api/) and /healthz says which service is down.
A forged session cookie or an unknown query parameter does not make a page render anew.
"""

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings import caching
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/meetings/", "/meetings/fault-meeting/", "/actions/", "/feeds/meetings/", "/api/meetings/"]


@pytest.fixture
def meeting():
    return MeetingFactory(slug="fault-meeting", title="A meeting read while things break")


@pytest.fixture
def redis_down(settings):
    """The shared cache as production configures it, at an address where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    assert type(caches["default"]).__module__ == "django_redis.cache"


def database_down(execute, sql, params, many, context):
    raise OperationalError("database is locked")


@pytest.mark.parametrize("url", PAGES)
def test_with_the_cache_down_pages_are_rendered_uncached(client, meeting, redis_down, url):
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Cache" not in response or response["X-Cache"] == "miss"


def test_with_the_cache_down_the_health_check_says_so(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


@pytest.mark.parametrize("url", ["/", "/meetings/fault-meeting/", "/actions/"])
def test_with_the_database_locked_pages_answer_503_with_retry_after(meeting, url):
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(database_down):
        response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "unavailable for a moment" in response.content.decode()
    # Nothing of it was cached: once the database answers, so does the page.
    assert client.get(url).status_code == 200


def test_with_the_database_locked_the_api_answers_503_in_json(meeting):
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(database_down):
        response = client.get("/api/meetings/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "10"
    assert "unavailable" in response.json()["detail"]


def test_with_the_database_locked_the_health_check_says_so():
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(database_down):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_the_health_check_reads_a_table_not_just_the_connection():
    with CaptureQueriesContext(connection) as captured:
        Client().get("/healthz")
    assert any("meetings_recordversion" in query["sql"] for query in captured.captured_queries)


def test_other_server_errors_under_the_api_are_json(monkeypatch, meeting):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("meetings.api.views.meeting_rows", broken)
    response = Client(raise_request_exception=False).get("/api/meetings/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error: it has been logged."}


@pytest.mark.parametrize("url", ["/meetings/", "/meetings/fault-meeting/"])
def test_a_forged_session_cookie_is_served_from_the_cache(meeting, url):
    client = Client()
    assert client.get(url)["X-Cache"] == "miss"
    client.cookies["__Host-sessionid"] = "garbage-that-names-no-session"

    response = client.get(url)

    assert response["X-Cache"] == "hit"


def test_a_live_session_still_bypasses_the_cache(editor_client, meeting):
    Client().get("/meetings/")

    assert "X-Cache" not in editor_client.get("/meetings/")


def test_unknown_query_parameters_are_in_neither_the_key_nor_the_page(client, meeting):
    first = client.get("/meetings/?year=2014")
    assert first["X-Cache"] == "miss"

    again = client.get("/meetings/?utm_source=x&year=2014&nonce=123")

    assert again.status_code == 200
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    rendered = Client().get("/actions/?cachebuster=1&status=open")
    assert "cachebuster" not in rendered.content.decode()


def test_one_page_is_cached_once_whatever_the_order_of_its_parameters(client, meeting):
    assert client.get("/actions/?status=open&sort=due")["X-Cache"] == "miss"

    assert client.get("/actions/?sort=due&status=open")["X-Cache"] == "hit"


def test_every_parameter_the_public_filters_read_is_recognised():
    from meetings.filters import ActionFilter, MeetingFilter, ParticipantFilter

    for filterset in (ActionFilter, MeetingFilter, ParticipantFilter):
        assert set(filterset.base_filters) <= caching.recognised_parameters(), filterset
