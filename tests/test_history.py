"""History of the record: who changed what and when, shown as a diff in the admin, with revert."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings.admin.locking import meeting_version
from meetings.models import ActionItem, Attendance, Meeting, Outcome
from meetings.records import build_records, dumps
from meetings.roles import EDITOR
from tests.factories import (
    ActionItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OutcomeFactory,
    ParticipantFactory,
)
from tests.test_admin import inline_management, meeting_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def change_form_data(meeting, **overrides):
    return meeting_form_data(
        meeting.meeting_type,
        **{
            "title": meeting.title,
            "slug": meeting.slug,
            "number": "",
            "version": meeting_version(meeting.pk),
            **overrides,
        },
    )


def test_a_change_in_the_admin_is_kept_with_who_and_when(editor_client):
    meeting = MeetingFactory(published_at=None, summary="First words.")
    participant = ParticipantFactory(name="Australia")
    data = change_form_data(
        meeting,
        summary="Second words.",
        **inline_management("attendances", 1),
        **{"attendances-0-participant": participant.pk, "attendances-0-role": "co_chair"},
        **{"attendances-0-position": "0"},
    )

    response = editor_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 302
    latest = meeting.history.latest()
    assert latest.history_user.username == "editor"
    assert latest.history_type == "~"
    assert latest.summary == "Second words."
    assert timezone.now() - latest.history_date < datetime.timedelta(minutes=5)
    attendance = Attendance.history.get()
    assert (attendance.history_type, attendance.history_user.username) == ("+", "editor")


def test_the_history_page_shows_a_readable_diff_without_timestamps(editor_client):
    meeting = MeetingFactory(published_at=None, summary="First words.")
    editor_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        change_form_data(meeting, summary="Second words."),
    )

    response = editor_client.get(reverse("admin:meetings_meeting_history", args=[meeting.pk]))

    changed = [
        (str(change["field"]), change["old"], change["new"])
        for record in response.context["page_obj"]
        for change in getattr(record, "history_delta_changes", [])
    ]
    assert ("Summary", "First words.", "Second words.") in changed
    assert not {field for field, _old, _new in changed} & {"Updated at", "Created at"}
    content = response.content.decode()
    assert "First words." in content
    assert "Second words." in content
    assert "editor" in content


def test_revert_restores_an_older_version(editor_client):
    meeting = MeetingFactory(published_at=None, summary="Right words.")
    first = meeting.history.get()
    meeting.summary = "Wrong words."
    meeting.save()
    url = reverse("admin:meetings_meeting_simple_history", args=[meeting.pk, first.history_id])
    form = editor_client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if name != "hero_image" and form[name].value() is not None
    }
    data.update({"themes": [], "related_meetings": []})
    if "published_at" in form.fields:
        data.update({"published_at_0": "", "published_at_1": ""})

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert meeting.summary == "Right words."
    assert meeting.history.count() == 3


def test_an_editor_cannot_revert_a_published_meeting(client, django_user_model):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(user)
    meeting = MeetingFactory(published_at=None)
    draft_version = meeting.history.get()
    meeting.published_at = timezone.now()
    meeting.save()
    url = reverse("admin:meetings_meeting_simple_history", args=[meeting.pk, draft_version.history_id])

    assert client.get(url).context["revert_disabled"] is True
    assert client.post(url, {"title": "x"}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.is_published


def test_publishing_in_bulk_is_kept_with_who(editor_client):
    meeting = MeetingFactory(published_at=None)

    editor_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "publish_now", "_selected_action": [meeting.pk]},
    )

    latest = meeting.history.latest()
    assert latest.published_at is not None
    assert latest.history_user.username == "editor"


def test_dating_actions_by_the_next_meeting_is_kept_in_their_history():
    meeting_type = MeetingTypeFactory()
    earlier = MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2014, 8, 6))
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=earlier), due_at_next=meeting_type)
    MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2015, 3, 1))

    ActionItem.objects.all().date_by_next_meetings()

    assert action_item.history.latest().due_date == datetime.date(2015, 3, 1)


def test_an_import_from_the_admin_is_kept_with_who(editor_client):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(slug="imported")))
    AttendanceFactory(meeting=action_item.outcome.meeting)
    text = dumps(build_records())
    Meeting.objects.all().delete()
    for model in (Meeting, Attendance, Outcome, ActionItem):
        model.history.all().delete()
    upload = SimpleUploadedFile("records.json", text.encode(), content_type="application/json")
    preview = editor_client.post(reverse("records_import"), {"file": upload})

    editor_client.post(reverse("records_import"), {"token": preview.context["confirm_form"].initial["token"]})

    for model in (Meeting, Attendance, Outcome, ActionItem):
        created = model.history.filter(history_type="+")
        assert created.exists(), model
        assert {record.history_user.username for record in created} == {"editor"}, model
