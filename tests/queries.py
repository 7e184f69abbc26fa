"""Counting the SQL queries of one page load, for the tests that compare small and large records."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_get(client, url, data=None):
    """How many queries a successful GET of ``url`` (with ``data`` as its query string) makes."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200, url
    return len(captured)
