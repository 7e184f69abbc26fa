import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_public_pages_carry_the_security_headers(client):
    response = client.get(reverse("meetings:home"), secure=True)

    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "nonce-" not in csp  # a cacheable page: no per-request nonce
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_admin_login_works_under_the_policy(client):
    response = client.get(reverse("admin:login"), secure=True)
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_cookies_are_secure_http_only_and_host_prefixed(client, django_user_model):
    django_user_model.objects.create_user("editor", password="a-long-password-1", is_staff=True)
    login = client.get(reverse("admin:login"), secure=True)
    csrf = login.cookies["__Host-csrftoken"]
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "a-long-password-1", "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_production_settings_pass_the_deployment_checks():
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(
        DJANGO_SECRET_KEY="a-production-like-secret-key-of-more-than-fifty-characters-0123456789",
        DJANGO_ALLOWED_HOSTS="record.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "address",
    [
        "/no-such%00page/",
        "/meetings/?q=a%00b",
        "/search/?q=%00",
        "/api/meetings/?q=x%00",
        "/actions/?owner%00=x",
    ],
)
def test_a_nul_character_in_the_address_is_a_bad_request(client, address):
    response = client.get(address)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
