"""Old addresses of meetings: recorded by hand or on a change of slug, answered with a 301."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.models import OldAddress
from tests.admin_forms import inline_management, meeting_form_data, page_version
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_an_old_website_address_redirects_for_good_to_the_meeting(client):
    meeting = MeetingFactory(slug="fifth-ministerial-conference")
    OldAddress.objects.create(meeting=meeting, path="/event/ministerial-conference-2013/")

    response = client.get("/event/ministerial-conference-2013/")

    assert response.status_code == 301
    assert response["Location"] == "/meetings/fifth-ministerial-conference/"


def test_an_unknown_old_address_is_still_not_found(client):
    assert client.get("/event/never-was/").status_code == 404


def test_a_drafts_old_address_is_not_given_away(client):
    meeting = MeetingFactory(published_at=None)
    OldAddress.objects.create(meeting=meeting, path="/event/secret/")

    assert client.get("/event/secret/").status_code == 404


def test_a_scheduled_meetings_old_address_waits_for_publication(client):
    meeting = MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    OldAddress.objects.create(meeting=meeting, path="/event/soon/")

    assert client.get("/event/soon/").status_code == 404


def test_a_change_of_slug_keeps_the_old_address_working(client):
    meeting = MeetingFactory(slug="eighth-ahg-som")
    meeting.slug = "eighth-ahg-senior-officials-meeting"
    meeting.save()

    response = client.get("/meetings/eighth-ahg-som/")

    assert response.status_code == 301
    assert response["Location"] == "/meetings/eighth-ahg-senior-officials-meeting/"


def test_returning_to_an_old_slug_makes_it_live_again(client):
    meeting = MeetingFactory(slug="first")
    meeting.slug = "second"
    meeting.save()
    meeting.slug = "first"
    meeting.save()

    assert set(meeting.old_addresses.values_list("path", flat=True)) == {"/meetings/second/"}
    assert client.get("/meetings/first/").status_code == 200
    assert client.get("/meetings/second/").status_code == 301


def test_saving_without_a_change_of_slug_records_nothing():
    meeting = MeetingFactory()
    meeting.title = "Renamed"
    meeting.save()
    meeting.save(update_fields=["title"])

    assert not OldAddress.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (
            "https://www.baliprocess.net/event/ministerial-conference-2016/",
            "/event/ministerial-conference-2016/",
        ),
        ("event/ministerial-conference-2016", "/event/ministerial-conference-2016/"),
        (" /event/a-b/?lang=en ", "/event/a-b/"),
    ],
)
def test_an_old_address_is_stored_as_a_path(typed, stored):
    old_address = OldAddress(meeting=MeetingFactory(), path=typed)
    old_address.full_clean()
    assert old_address.path == stored


def test_the_current_address_is_not_an_old_one():
    meeting = MeetingFactory(slug="current")
    with pytest.raises(ValidationError, match="current address"):
        OldAddress(meeting=meeting, path="/meetings/current/").full_clean()


def test_a_slug_changed_in_the_admin_is_recorded_and_old_addresses_are_entered_inline(editor_client):
    meeting = MeetingFactory(slug="old-slug", published_at=None)
    data = meeting_form_data(
        meeting.meeting_type,
        slug="new-slug",
        version=page_version(editor_client, meeting),
        **inline_management("old_addresses", 1),
        **{"old_addresses-0-path": "https://www.baliprocess.net/event/som-2014/"},
    )

    response = editor_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(meeting.old_addresses.values_list("path", flat=True)) == {
        "/meetings/old-slug/",
        "/event/som-2014/",
    }
