import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_check_reports_database_and_cache(client):
    response = client.get(reverse("meetings:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_health_check_fails_when_the_cache_is_down(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get(reverse("meetings:healthz"))
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"
    assert "Traceback" not in response.content.decode()
