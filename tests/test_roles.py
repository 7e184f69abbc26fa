"""The editorial roles, operation by operation, on every path that writes: forms, bulk actions, import."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance, Meeting
from meetings.records import build_records, dumps
from meetings.roles import ADMINISTRATOR, EDITOR, PUBLISHER, ROLES
from tests.admin_forms import import_records, inline_management, meeting_form_data, page_version, staff_in
from tests.factories import AttendanceFactory, MeetingFactory, MeetingTypeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LAST_WEEK = NOW - datetime.timedelta(days=7)
NEXT_WEEK = NOW + datetime.timedelta(days=7)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def change_data(client, meeting, **overrides):
    fields = {"title": meeting.title, "slug": meeting.slug, "number": "", "published_at_0": ""}
    fields["version"] = page_version(client, meeting)
    fields["published_at_1"] = ""
    return meeting_form_data(meeting.meeting_type, **{**fields, **overrides})


def post_change(client, meeting, **overrides):
    return client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]), change_data(client, meeting, **overrides)
    )


def bulk(client, action, meeting):
    return client.post(
        reverse("admin:meetings_meeting_changelist"), {"action": action, "_selected_action": [meeting.pk]}
    )


def records_of(meeting_kwargs):
    """A records file of one meeting made with ``meeting_kwargs``, then the database emptied of it."""
    AttendanceFactory(meeting=MeetingFactory(slug="imported-meeting", **meeting_kwargs))
    text = dumps(build_records())
    Meeting.objects.all().delete()
    return text


# Each operation does one thing through the admin and answers whether it took effect.


def add_draft(client):
    meeting_type = MeetingTypeFactory()
    client.post(reverse("admin:meetings_meeting_add"), meeting_form_data(meeting_type))
    return Meeting.objects.filter(slug="eighth-ahg-senior-officials-meeting").exists()


def change_draft(client):
    meeting = MeetingFactory(published_at=None)
    post_change(client, meeting, summary="Corrected.")
    meeting.refresh_from_db()
    return meeting.summary == "Corrected."


def schedule_in_form(client):
    meeting = MeetingFactory(published_at=None)
    post_change(client, meeting, published_at_0=NEXT_WEEK.strftime("%Y-%m-%d"), published_at_1="09:00:00")
    meeting.refresh_from_db()
    return meeting.publication_state == "scheduled"


def publish_in_form(client):
    meeting = MeetingFactory(published_at=None)
    post_change(client, meeting, published_at_0=LAST_WEEK.strftime("%Y-%m-%d"), published_at_1="09:00:00")
    meeting.refresh_from_db()
    return meeting.is_published


def change_published(client):
    meeting = MeetingFactory(published_at=LAST_WEEK)
    post_change(
        client,
        meeting,
        summary="Corrected.",
        published_at_0=LAST_WEEK.strftime("%Y-%m-%d"),
        published_at_1=LAST_WEEK.strftime("%H:%M:%S"),
    )
    meeting.refresh_from_db()
    return meeting.summary == "Corrected."


def change_scheduled(client):
    meeting = MeetingFactory(published_at=NEXT_WEEK)
    post_change(
        client,
        meeting,
        summary="Corrected.",
        published_at_0=NEXT_WEEK.strftime("%Y-%m-%d"),
        published_at_1=NEXT_WEEK.strftime("%H:%M:%S"),
    )
    meeting.refresh_from_db()
    return meeting.summary == "Corrected."


def delete_draft(client):
    meeting = MeetingFactory(published_at=None)
    client.post(reverse("admin:meetings_meeting_delete", args=[meeting.pk]), {"post": "yes"})
    return not Meeting.objects.filter(pk=meeting.pk).exists()


def delete_published(client):
    meeting = MeetingFactory(published_at=LAST_WEEK)
    client.post(reverse("admin:meetings_meeting_delete", args=[meeting.pk]), {"post": "yes"})
    return not Meeting.objects.filter(pk=meeting.pk).exists()


def bulk_delete_published(client):
    meeting = MeetingFactory(published_at=LAST_WEEK)
    client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "delete_selected", "_selected_action": [meeting.pk], "post": "yes"},
    )
    return not Meeting.objects.filter(pk=meeting.pk).exists()


def bulk_publish(client):
    meeting = MeetingFactory(published_at=None)
    bulk(client, "publish_now", meeting)
    meeting.refresh_from_db()
    return meeting.is_published


def bulk_unpublish(client):
    meeting = MeetingFactory(published_at=LAST_WEEK)
    bulk(client, "return_to_draft", meeting)
    meeting.refresh_from_db()
    return meeting.published_at is None


def publish_actions_offered(client):
    MeetingFactory()
    response = client.get(reverse("admin:meetings_meeting_changelist"))
    choices = dict(response.context["action_form"].fields["action"].choices)
    return "publish_now" in choices and "return_to_draft" in choices


def change_attendance_of_published(client):
    attendance = AttendanceFactory(meeting=MeetingFactory(published_at=LAST_WEEK), person="")
    client.post(
        reverse("admin:meetings_attendance_change", args=[attendance.pk]),
        {
            "version": page_version(client, attendance),
            "meeting": attendance.meeting_id,
            "participant": attendance.participant_id,
            "role": "observer",
            "person": "",
            "note": "",
            "position": "0",
        },
    )
    attendance.refresh_from_db()
    return attendance.role == "observer"


def add_attendance_to_published(client):
    meeting = MeetingFactory(published_at=LAST_WEEK)
    participant = ParticipantFactory()
    client.post(
        reverse("admin:meetings_attendance_add"),
        {"meeting": meeting.pk, "participant": participant.pk, "role": "member", "position": "0"},
    )
    return Attendance.objects.filter(meeting=meeting).exists()


def add_attendance_in_draft_form(client):
    meeting = MeetingFactory(published_at=None)
    participant = ParticipantFactory()
    post_change(
        client,
        meeting,
        **inline_management("attendances", 1),
        **{"attendances-0-participant": participant.pk, "attendances-0-role": "member"},
        **{"attendances-0-position": "0"},
    )
    return meeting.attendances.exists()


def import_draft(client):
    text = records_of({"published_at": None})
    import_records(client, text)
    return Meeting.objects.filter(slug="imported-meeting").exists()


def import_published(client):
    text = records_of({"published_at": LAST_WEEK})
    import_records(client, text)
    return Meeting.objects.filter(slug="imported-meeting").exists()


def import_change_of_published(client):
    text = records_of({"published_at": LAST_WEEK, "summary": "Corrected."})
    MeetingFactory(slug="imported-meeting", published_at=LAST_WEEK, summary="As first published.")
    import_records(client, text)
    return Meeting.objects.get(slug="imported-meeting").summary == "Corrected."


def manage_staff_accounts(client):
    return client.get(reverse("admin:auth_user_changelist")).status_code == 200


# operation: allowed for (Editor, Publisher, Administrator)
MATRIX = {
    add_draft: (True, True, True),
    change_draft: (True, True, True),
    add_attendance_in_draft_form: (True, True, True),
    delete_draft: (True, True, True),
    import_draft: (True, True, True),
    schedule_in_form: (False, True, True),
    publish_in_form: (False, True, True),
    change_published: (False, True, True),
    change_scheduled: (False, True, True),
    delete_published: (False, True, True),
    bulk_delete_published: (False, True, True),
    bulk_publish: (False, True, True),
    bulk_unpublish: (False, True, True),
    publish_actions_offered: (False, True, True),
    change_attendance_of_published: (False, True, True),
    add_attendance_to_published: (False, True, True),
    import_published: (False, True, True),
    import_change_of_published: (False, True, True),
    manage_staff_accounts: (False, False, True),
}


@pytest.mark.parametrize(
    ("role", "operation", "allowed"),
    [(role, operation, row[index]) for operation, row in MATRIX.items() for index, role in enumerate(ROLES)],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_role_may_or_may_not(client, django_user_model, role, operation, allowed):
    client.force_login(staff_in(role, django_user_model))
    assert operation(client) is allowed


def test_the_roles_exist_with_the_publish_permission_for_publishers_only():
    holders = set(
        Group.objects.filter(permissions__codename="publish_meeting").values_list("name", flat=True)
    )
    assert holders == {PUBLISHER, ADMINISTRATOR}
    assert Group.objects.get(name=EDITOR).permissions.filter(codename="change_meeting").exists()
    assert not Group.objects.get(name=PUBLISHER).permissions.filter(content_type__app_label="auth").exists()


def test_an_editor_sees_a_published_meeting_read_only(client, django_user_model):
    client.force_login(staff_in(EDITOR, django_user_model))
    meeting = MeetingFactory(published_at=LAST_WEEK)

    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_an_editor_sees_the_publication_time_of_a_draft_but_cannot_set_it(client, django_user_model):
    client.force_login(staff_in(EDITOR, django_user_model))
    meeting = MeetingFactory(published_at=None)

    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert "published_at" not in response.context["adminform"].form.fields


def test_an_editors_import_that_would_publish_names_the_meeting(client, django_user_model):
    client.force_login(staff_in(EDITOR, django_user_model))
    text = records_of({"published_at": LAST_WEEK})

    response = import_records(client, text)

    assert [str(error) for error in response.context["errors"]] == [
        "meetings[0]: publishes or schedules a meeting: only a publisher may"
    ]
