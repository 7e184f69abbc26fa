"""Login throttling: a username from one address is locked out after 5 failures, for a cool-off time."""

import datetime
import logging

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from balitracker.client_ip import client_ip

pytestmark = pytest.mark.django_db

ATTACKER = "192.0.2.66"
EDITOR_ADDRESS = "198.51.100.7"
PASSWORD = "a-long-password-1"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", "editor@example.org", PASSWORD, is_staff=True)


def log_in(client, username, password, address):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def fail_five_times(client, username="editor", address=ATTACKER):
    for _attempt in range(5):
        log_in(client, username, "wrong-password-guess", address)


def test_the_right_password_works(client, editor):
    assert log_in(client, "editor", PASSWORD, EDITOR_ADDRESS).status_code == 302


def test_four_failures_do_not_lock_out(client, editor):
    for _attempt in range(4):
        assert log_in(client, "editor", "wrong-password-guess", ATTACKER).status_code == 200
    assert log_in(client, "editor", PASSWORD, ATTACKER).status_code == 302


def test_five_failures_lock_that_username_from_that_address_even_with_the_right_password(client, editor):
    fail_five_times(client)

    response = log_in(client, "editor", PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_editor_can_still_log_in_from_their_own_address(client, editor):
    fail_five_times(client)

    assert log_in(client, "editor", PASSWORD, EDITOR_ADDRESS).status_code == 302


def test_other_usernames_from_the_same_address_are_not_locked(client, editor, django_user_model):
    django_user_model.objects.create_user("publisher", "p@example.org", PASSWORD, is_staff=True)
    fail_five_times(client)

    assert log_in(client, "publisher", PASSWORD, ATTACKER).status_code == 302


def test_the_lockout_ends_after_the_cool_off_time(client, editor, settings):
    fail_five_times(client)
    assert log_in(client, "editor", PASSWORD, ATTACKER).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(hours=2)
    )

    assert log_in(client, "editor", PASSWORD, ATTACKER).status_code == 302


def test_failures_and_the_lockout_are_logged(client, editor, caplog):
    with caplog.at_level(logging.INFO, logger="axes"):
        fail_five_times(client)

    messages = [record.getMessage() for record in caplog.records if record.name.startswith("axes")]
    assert any("AXES: New login failure" in message for message in messages)
    assert any("Locking out" in message and "editor" in message for message in messages)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        ("0", "203.0.113.9", "10.0.0.2", "10.0.0.2"),
        ("1", "203.0.113.9", "10.0.0.2", "203.0.113.9"),
        ("1", "6.6.6.6, 203.0.113.9", "10.0.0.2", "203.0.113.9"),
        ("2", "203.0.113.9", "10.0.0.2", "10.0.0.2"),
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(
    rf, monkeypatch, proxies, forwarded, remote, expected
):
    monkeypatch.setenv("DJANGO_TRUSTED_PROXY_COUNT", proxies)
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected
