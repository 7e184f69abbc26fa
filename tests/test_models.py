import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from meetings.due import DuePeriod
from meetings.models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Meeting,
    Membership,
    Outcome,
    OutcomeStrength,
    OwnerRole,
    Participant,
    ProgressUpdate,
)
from meetings.models.constraints import choice_label
from tests.factories import (
    ActionItemFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)


def violates(constraint_name, create):
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        create()
    message = str(raised.value)
    # SQLite names check constraints in its message but not unique ones; PostgreSQL names both.
    assert constraint_name in message or (
        connection.vendor == "sqlite" and message.startswith("UNIQUE constraint failed")
    ), message


@pytest.mark.parametrize(
    ("name", "create"),
    [
        ("meeting_dates_in_order", lambda: MeetingFactory(end_date=datetime.date(2014, 8, 5))),
        ("meeting_status_valid", lambda: MeetingFactory(status="adjourned")),
        ("meeting_format_valid", lambda: MeetingFactory(format="telepathic")),
        (
            "meeting_end_date_needs_start_date",
            lambda: MeetingFactory(start_date=None, end_date=datetime.date(2014, 8, 6)),
        ),
        ("participant_kind_valid", lambda: ParticipantFactory(kind="planet")),
        ("participant_state_has_country", lambda: ParticipantFactory(country="")),
        (
            "membership_dates_in_order",
            lambda: MembershipFactory(
                start_date=datetime.date(2014, 1, 2), end_date=datetime.date(2014, 1, 1)
            ),
        ),
        ("membership_status_valid", lambda: MembershipFactory(status="friend")),
        ("action_status_valid", lambda: ActionItemFactory(status="stalled")),
        ("action_due_date_has_precision", lambda: ActionItemFactory(due_date=datetime.date(2015, 6, 30))),
        ("action_due_date_has_precision", lambda: ActionItemFactory(due_precision="half")),
        ("action_due_precision_valid", lambda: ActionItemFactory(due_date=TODAY, due_precision="decade")),
        ("outcome_kind_valid", lambda: OutcomeFactory(kind="mumbled")),
        ("attendance_role_valid", lambda: AttendanceFactory(role="heckler")),
    ],
)
def test_the_database_refuses_what_breaks_an_invariant(name, create):
    violates(name, create)


def test_one_attendance_per_participant_and_meeting():
    attendance = AttendanceFactory()
    violates(
        "attendance_once_per_meeting",
        lambda: AttendanceFactory(meeting=attendance.meeting, participant=attendance.participant),
    )


def test_outcome_numbers_are_unique_within_a_meeting():
    outcome = OutcomeFactory(position=1)
    violates("outcome_number_unique_per_meeting", lambda: OutcomeFactory(meeting=outcome.meeting, position=1))


def test_aliases_are_unique_whatever_their_case():
    ParticipantAliasFactory(name="Vietnam")
    violates("participant_alias_unique_name", lambda: ParticipantAliasFactory(name="VIETNAM"))


def test_a_meeting_cannot_be_held_under_itself():
    meeting = MeetingFactory()
    meeting.parent = meeting
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_clean_explains_a_meeting_ending_before_it_starts():
    meeting = MeetingFactory.build(end_date=datetime.date(2014, 8, 5))
    with pytest.raises(ValidationError) as raised:
        meeting.clean()
    assert raised.value.message_dict == {"end_date": ["The end date cannot be before the start date."]}


def test_clean_points_at_the_bad_source_line():
    meeting = MeetingFactory.build(source_urls="https://example.org/a\nnot a url")
    with pytest.raises(ValidationError) as raised:
        meeting.clean()
    assert raised.value.message_dict == {"source_urls": ["Line 2 is not a web address: not a url"]}


def test_clean_asks_a_state_for_its_country():
    with pytest.raises(ValidationError) as raised:
        ParticipantFactory.build(country="").clean()
    assert "country" in raised.value.message_dict


def test_clean_asks_a_due_date_for_its_precision_and_alignment():
    action = ActionItemFactory.build(due_date=datetime.date(2015, 6, 30))
    with pytest.raises(ValidationError) as raised:
        action.clean()
    assert "due_precision" in raised.value.message_dict

    action = ActionItemFactory.build(due_date=datetime.date(2015, 3, 31), due_precision="half")
    with pytest.raises(ValidationError) as raised:
        action.clean()
    assert raised.value.message_dict["due_date"] == [
        "A due date of this precision is the last day of its period: 2015-06-30 for H1 2015."
    ]


def test_published_excludes_drafts_and_scheduled_meetings():
    published = MeetingFactory()
    MeetingFactory(published_at=None)
    MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    assert list(Meeting.objects.published()) == [published]


def test_upcoming_and_past_split_on_the_last_day():
    today = datetime.date(2026, 11, 27)
    ending_today = MeetingFactory(start_date=today - datetime.timedelta(days=2), end_date=today)
    ended_yesterday = MeetingFactory(start_date=today - datetime.timedelta(days=1))
    next_month = MeetingFactory(start_date=today + datetime.timedelta(days=30), status="scheduled")
    MeetingFactory(start_date=today + datetime.timedelta(days=40), status="cancelled")
    undated = MeetingFactory(start_date=None, end_date=None)

    assert list(Meeting.objects.upcoming(today)) == [ending_today, next_month]
    assert list(Meeting.objects.past(today)) == [ended_yesterday]
    assert undated not in Meeting.objects.upcoming(today) and undated not in Meeting.objects.past(today)


@pytest.mark.parametrize(
    ("status", "due", "overdue_on_last_day", "overdue_day_after"),
    [
        ("not_started", DuePeriod.half(2015, 1), False, True),
        ("in_progress", DuePeriod.month(2016, 3), False, True),
        ("in_progress", DuePeriod.quarter(2016, 4), False, True),
        ("not_started", DuePeriod.year(2015), False, True),
        ("not_started", DuePeriod.day(datetime.date(2015, 3, 27)), False, True),
        ("completed", DuePeriod.half(2015, 1), False, False),
        ("cancelled", DuePeriod.half(2015, 1), False, False),
        ("superseded", DuePeriod.half(2015, 1), False, False),
    ],
)
def test_overdue_means_open_and_past_the_end_of_its_period(
    status, due, overdue_on_last_day, overdue_day_after
):
    action = ActionItemFactory(status=status, due_date=due.end, due_precision=due.precision)
    day_after = due.end + datetime.timedelta(days=1)

    assert (action in ActionItem.objects.overdue(today=due.end)) is overdue_on_last_day
    assert (action in ActionItem.objects.overdue(today=day_after)) is overdue_day_after
    assert action.is_overdue(day_after) is overdue_day_after


def test_an_undated_action_is_never_overdue():
    action = ActionItemFactory()
    assert action not in ActionItem.objects.overdue(today=datetime.date(2100, 1, 1))


def test_open_excludes_completed_cancelled_and_superseded_actions():
    open_ones = {ActionItemFactory(status="not_started"), ActionItemFactory(status="in_progress")}
    for status in ("completed", "cancelled", "superseded"):
        ActionItemFactory(status=status)
    assert set(ActionItem.objects.open()) == open_ones


def test_actions_of_unpublished_meetings_are_not_published():
    visible = ActionItemFactory()
    ActionItemFactory(outcome__meeting__published_at=None)
    assert list(ActionItem.objects.published()) == [visible]


def test_outcome_strength_follows_its_verb():
    assert OutcomeFactory.build(kind="endorsed").strength == OutcomeStrength.DECISION
    assert OutcomeFactory.build(kind="encouraged").strength == OutcomeStrength.RECOMMENDATION
    assert OutcomeFactory.build(kind="welcomed").strength == OutcomeStrength.INFORMATION
    decision = OutcomeFactory(kind="granted")
    OutcomeFactory(kind="noted")
    assert list(Outcome.objects.of_strength(OutcomeStrength.DECISION)) == [decision]


def test_participants_resolve_by_name_short_name_and_alias():
    viet_nam = ParticipantFactory(name="Viet Nam", slug="viet-nam", country="VN")
    ParticipantAliasFactory(participant=viet_nam, name="Vietnam")
    unhcr = OrganisationFactory(
        name="Office of the United Nations High Commissioner for Refugees", short_name="UNHCR"
    )

    assert Participant.objects.resolve("vietnam") == viet_nam
    assert Participant.objects.resolve("  Viet   Nam ") == viet_nam
    assert Participant.objects.resolve("UNHCR") == unhcr
    assert Participant.objects.resolve("Atlantis") is None
    assert Participant.objects.resolve("") is None


def test_current_memberships_respect_their_dates():
    body = ForumBodyFactory()
    unodc = OrganisationFactory()
    MembershipFactory(participant=unodc, body=body, status="observer", end_date=datetime.date(2014, 8, 6))
    member = MembershipFactory(
        participant=unodc, body=body, status="member", start_date=datetime.date(2014, 8, 6)
    )

    assert list(Membership.objects.current(on=datetime.date(2020, 1, 1))) == [member]
    assert Membership.objects.current(on=datetime.date(2014, 8, 6)).count() == 2


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (datetime.date(2014, 8, 6), datetime.date(2014, 8, 6), "6 August 2014"),
        (datetime.date(2014, 5, 26), datetime.date(2014, 5, 28), "26–28 May 2014"),
        (datetime.date(2015, 11, 30), datetime.date(2015, 12, 2), "30 November – 2 December 2015"),
        (datetime.date(2015, 12, 30), datetime.date(2016, 1, 2), "30 December 2015 – 2 January 2016"),
    ],
)
def test_meeting_dates_read_as_people_write_them(start, end, shown):
    assert MeetingFactory.build(start_date=start, end_date=end).dates_display == shown


def test_a_queryset_built_before_a_publication_comes_due_still_sees_it():
    published = Meeting.objects.published()  # built now, evaluated later, as a filter's choices are
    scheduled = MeetingFactory(published_at=timezone.now() + datetime.timedelta(milliseconds=300))
    assert scheduled not in published.all()
    time.sleep(0.4)
    assert scheduled in published.all()


def test_a_document_may_be_recorded_by_its_title_alone():
    document = DocumentFactory(url="", title="Co-Chairs' Statement")

    document.full_clean()

    assert not document.is_online
    assert document.link is None


def test_the_words_as_published_hold_a_sentence():
    words = "to be reported " + "at the meeting of senior officials following the conference " * 30
    meeting = MeetingFactory(date_as_published=words[:2000])
    action_item = ActionItemFactory(due_as_published=words[:2000])
    attendance = AttendanceFactory(note=words[:2000])

    for row in (meeting, action_item, attendance):
        row.full_clean()
        row.refresh_from_db()
    assert meeting.date_as_published == words[:2000]


@pytest.mark.parametrize(
    ("model", "field", "choices"),
    [
        (Attendance, "role", AttendanceRole),
        (ActionOwner, "role", OwnerRole),
        (ProgressUpdate, "status", ActionStatus),
    ],
)
def test_a_choice_label_is_what_the_fields_display_gives_for_every_value_and_an_unknown_one(
    model, field, choices
):
    for value in [*choices.values, "retired"]:
        row = model(**{field: value})
        assert choice_label(choices, value) == getattr(row, f"get_{field}_display")()
