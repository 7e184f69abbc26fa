"""The reference data and the demo record that `make demo` loads (fixtures/reference.json, demo.json)."""

import datetime

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from meetings.models import (
    ActionItem,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    RecordVersion,
    Theme,
)

pytestmark = pytest.mark.django_db

SEED = "eighth-ahg-senior-officials-meeting"
TIP_WORKING_GROUP = "working-group-on-trafficking-in-persons"


def load():
    call_command("loaddata", "reference", "demo", verbosity=0)


@pytest.fixture
def loaded():
    load()


@pytest.fixture
def seed_meeting(loaded):
    return Meeting.objects.get(slug=SEED)


def current_forum_memberships(status):
    return Membership.objects.of_forum().current().filter(status=status)


def test_45_member_states_are_current_members_of_the_forum(loaded):
    members = current_forum_memberships("member").filter(participant__kind="state")
    assert members.values("participant").distinct().count() == 45
    assert Participant.objects.states().filter(memberships__in=members).exclude(country="").count() == 45


def test_four_member_organisations(loaded):
    members = current_forum_memberships("member").filter(participant__kind="international_organisation")
    assert sorted(members.values_list("participant__short_name", flat=True)) == [
        "ILO",
        "IOM",
        "UNHCR",
        "UNODC",
    ]
    assert set(members.values_list("participant__slug", flat=True)) == {"ilo", "iom", "unhcr", "unodc"}


def test_attested_observers_carry_the_unconfirmed_status_note(loaded):
    observers = current_forum_memberships("observer")
    assert observers.filter(participant__kind="state").count() == 14
    assert observers.filter(participant__kind="international_organisation").count() == 13
    assert all(
        note.startswith("Attested as an observer; current status not confirmed")
        for note in observers.values_list("note", flat=True)
    )
    assert not observers.filter(source_url="").exists()


def test_forum_bodies_and_the_partner(loaded):
    bodies = dict(Participant.objects.forum_bodies().values_list("slug", "short_name"))
    assert bodies == {
        "ad-hoc-group": "AHG",
        "steering-group": "",
        TIP_WORKING_GROUP: "",
        "working-group-on-disruption-of-criminal-networks": "",
        "teg-rr": "TEG-RR",
        "rso": "RSO",
        "rilon": "RILON",
    }
    jclec = Participant.objects.get(slug="jclec")
    assert (jclec.kind, jclec.short_name) == ("partner", "JCLEC")


def test_australia_and_indonesia_co_chair_the_forum(loaded):
    co_chairs = current_forum_memberships("co_chair").values_list("participant__slug", flat=True)
    assert sorted(co_chairs) == ["australia", "indonesia"]


def test_ahg_and_steering_group_members(loaded):
    ahg = Membership.objects.current().filter(body__slug="ad-hoc-group", status="member")
    assert ahg.filter(participant__kind="state").count() == 16
    assert set(
        ahg.filter(participant__kind="international_organisation").values_list("participant__slug", flat=True)
    ) == {
        "iom",
        "unhcr",
        "unodc",
    }
    steering = Membership.objects.filter(body__slug="steering-group", status="member")
    assert set(steering.values_list("participant__slug", flat=True)) == {
        "australia",
        "indonesia",
        "new-zealand",
        "thailand",
        "iom",
        "unhcr",
    }


def test_first_ministerial_conference_participants_start_on_its_first_day(loaded):
    viet_nam = Membership.objects.of_forum().get(participant__slug="viet-nam", status="member")
    assert viet_nam.start_date == datetime.date(2002, 2, 26)
    # Not at the 2002 conference: its start is not known.
    maldives = Membership.objects.of_forum().get(participant__slug="maldives", status="member")
    assert maldives.start_date is None
    assert not Membership.objects.filter(end_date__isnull=False).exclude(participant__slug="unodc").exists()


def test_loading_twice_changes_and_duplicates_nothing(loaded):
    # The record's version counts the saves of loading, which is its purpose, not a change of data.
    models = [model for model in apps.get_app_config("meetings").get_models() if model is not RecordVersion]

    def snapshot():
        return {
            model._meta.label: serializers.serialize("json", model._default_manager.order_by("pk"))
            for model in models
        }

    before = snapshot()
    load()
    assert snapshot() == before
    assert Participant.objects.count() == 45 + 4 + 14 + 13 + 7 + 1


@pytest.mark.parametrize(
    ("published", "slug"),
    [
        ("Afghanistan", "afghanistan"),
        ("Australia", "australia"),
        ("Bangladesh", "bangladesh"),
        ("Indonesia", "indonesia"),
        ("Malaysia", "malaysia"),
        ("Maldives", "maldives"),
        ("Myanmar", "myanmar"),
        ("New Zealand", "new-zealand"),
        ("Philippines", "philippines"),
        ("Sri Lanka", "sri-lanka"),
        ("Thailand", "thailand"),
        ("United States", "united-states"),
        ("Vietnam", "viet-nam"),
        ("Office of the United Nations High Commissioner for Refugees", "unhcr"),
        ("UNHCR", "unhcr"),
        ("International Organization for Migration", "iom"),
        ("IOM", "iom"),
        ("Canada", "canada"),
        ("United Nations Office on Drugs and Crime", "unodc"),
        ("UNODC", "unodc"),
        ("Regional Support Office", "rso"),
        ("RSO", "rso"),
    ],
)
def test_every_name_in_the_attendance_sentence_resolves(seed_meeting, published, slug):
    assert published in seed_meeting.attendance_summary
    assert Participant.objects.resolve(published).slug == slug


@pytest.mark.parametrize(
    ("published", "slug"),
    [
        ("Laos", "lao-pdr"),
        ("Türkiye", "turkey"),
        ("United States of America", "united-states"),
        ("USA", "united-states"),
        ("Hong Kong", "hong-kong-sar"),
        ("China (Macau SAR)", "macau-sar"),
        ("Democratic Republic of Korea", "democratic-peoples-republic-of-korea"),
        ("Timor Leste", "timor-leste"),
        ("UNTAET/East Timor", "timor-leste"),
        ("Bali Process Ad Hoc Group", "ad-hoc-group"),
        ("Jakarta Centre for Law Enforcement Cooperation", "jclec"),
        ("Regional Immigration Liaison Officer Network", "rilon"),
    ],
)
def test_other_published_names_resolve(loaded, published, slug):
    assert Participant.objects.resolve(published).slug == slug


def test_no_alias_repeats_its_participants_own_name(loaded):
    for alias in ParticipantAlias.objects.select_related("participant"):
        own = {alias.participant.name.lower(), alias.participant.short_name.lower()}
        assert alias.name.lower() not in own


def test_seed_meeting_record(seed_meeting):
    assert seed_meeting.meeting_type.slug == "ahg-senior-officials-meeting"
    assert (seed_meeting.number, seed_meeting.start_date, seed_meeting.end_date) == (
        8,
        datetime.date(2014, 8, 6),
        datetime.date(2014, 8, 6),
    )
    assert (seed_meeting.city, seed_meeting.country.code, seed_meeting.status) == ("Canberra", "AU", "held")
    assert seed_meeting.convening_body.slug == "ad-hoc-group"
    assert seed_meeting.attendance_complete
    assert seed_meeting.purpose.startswith("The purpose of the meeting was to review progress")
    assert seed_meeting in Meeting.objects.published()
    assert not Document.objects.exists()


def test_seed_meeting_attendance_roles_in_published_order(seed_meeting):
    attendance = list(seed_meeting.attendances.select_related("participant").order_by("position"))
    assert len(attendance) == 18
    assert [a.position for a in attendance] == list(range(1, 19))
    roles = {a.participant.slug: a.role for a in attendance}
    assert [slug for slug, role in roles.items() if role == "co_chair"] == ["australia", "indonesia"]
    members = [a for a in attendance if a.role == "member"]
    assert sum(a.participant.kind == "state" for a in members) == 11
    assert {a.participant.slug for a in members if a.participant.kind != "state"} == {"unhcr", "iom"}
    assert [slug for slug, role in roles.items() if role == "observer"] == ["canada", "unodc"]
    rso = next(a for a in attendance if a.participant.slug == "rso")
    assert (rso.role, rso.person) == ("participant", "Co-Managers")
    assert next(a for a in attendance if a.participant.slug == "australia").note == "Host"
    assert attendance[-6].participant.slug == "viet-nam"


def test_seed_meeting_has_nine_outcomes_with_their_verbs(seed_meeting):
    outcomes = list(seed_meeting.outcomes.order_by("position"))
    assert [o.kind for o in outcomes] == [
        "endorsed",
        "endorsed",
        "other",
        "endorsed",
        "agreed",
        "welcomed",
        "agreed",
        "tasked",
        "granted",
    ]
    assert [o.position for o in outcomes] == list(range(1, 10))
    assert outcomes[1].addressed_to == "Ministers"
    assert outcomes[8].text == (
        "The United Nations Office on Drugs and Crime (UNODC) was granted full membership of the "
        "Bali Process Ad Hoc Group."
    )
    assert set(outcomes[2].concerns.values_list("slug", flat=True)) == {"rso", "jclec"}
    assert {"australia", "indonesia", TIP_WORKING_GROUP} <= set(
        outcomes[3].concerns.values_list("slug", flat=True)
    )
    assert set(outcomes[7].concerns.values_list("slug", flat=True)) == {"rso", "rilon"}
    assert "unodc" in outcomes[8].concerns.values_list("slug", flat=True)


def test_actions_are_not_started_and_dated_only_where_the_page_gives_a_timeframe(loaded):
    actions = ActionItem.objects.filter(outcome__meeting__slug=SEED)
    assert actions.count() == 11
    assert set(actions.values_list("status", flat=True)) == {"not_started"}
    assert not ProgressUpdate.objects.exists()
    assert list(actions.filter(due_date__isnull=False).values_list("outcome__position", flat=True)) == [4]
    rso_actions = actions.filter(owners__slug="rso").values_list("outcome__position", flat=True)
    assert sorted(rso_actions) == [6, 6, 8, 8]


def test_tip_working_group_first_meeting_is_due_in_h1_2015(loaded):
    action = ActionItem.objects.get(outcome__meeting__slug=SEED, outcome__position=4)
    assert str(action.due_period) == "H1 2015"
    assert action.due_as_published == "first half of 2015"
    assert action.due_date == datetime.date(2015, 6, 30)
    assert sorted(action.ownerships.values_list("participant__slug", "role")) == [
        ("australia", "lead"),
        ("indonesia", "lead"),
    ]


def test_unodc_moved_from_observer_to_member_of_the_ahg(loaded):
    granted = Outcome.objects.get(meeting__slug=SEED, position=9)
    observer = Membership.objects.get(participant__slug="unodc", body__slug="ad-hoc-group", status="observer")
    member = Membership.objects.get(participant__slug="unodc", body__slug="ad-hoc-group", status="member")
    assert (observer.end_date, observer.ended_by) == (datetime.date(2014, 8, 6), granted)
    assert (member.start_date, member.end_date, member.granted_by) == (
        datetime.date(2014, 8, 6),
        None,
        granted,
    )
    assert "4th" in observer.note and "7th" in observer.note


def test_australia_and_indonesia_co_chair_the_tip_working_group(loaded):
    appointed = Outcome.objects.get(meeting__slug=SEED, position=4)
    co_chairs = Membership.objects.filter(body__slug=TIP_WORKING_GROUP, status="co_chair")
    assert sorted(co_chairs.values_list("participant__slug", "start_date", "granted_by")) == [
        ("australia", datetime.date(2014, 8, 6), appointed.pk),
        ("indonesia", datetime.date(2014, 8, 6), appointed.pk),
    ]


def test_workshop_is_held_under_the_seed_meeting(seed_meeting):
    workshop = Meeting.objects.get(meeting_type__slug="workshop")
    assert workshop.parent == seed_meeting
    assert (workshop.start_date, workshop.end_date, workshop.date_as_published) == (
        datetime.date(2014, 5, 26),
        datetime.date(2014, 5, 28),
        "26-28 May 2014",
    )
    assert (workshop.city, workshop.country.code, workshop.convening_body.slug) == (
        "Bangkok",
        "TH",
        "ad-hoc-group",
    )
    assert not workshop.attendance_complete


def test_fifth_ministerial_conference_is_related_both_ways(seed_meeting):
    fifth = Meeting.objects.get(slug="fifth-ministerial-conference")
    assert (fifth.number, fifth.start_date, fifth.country.code) == (5, datetime.date(2013, 4, 2), "ID")
    assert list(seed_meeting.related_meetings.all()) == [fifth]
    assert list(fifth.related_meetings.all()) == [seed_meeting]


def test_reference_vocabularies(loaded):
    assert MeetingType.objects.count() == 8
    assert not MeetingType.objects.filter(plural_name="").exists()
    assert Theme.objects.count() == 10
    assert Attendance.objects.count() == 18


def test_every_loaded_instance_passes_full_clean(loaded):
    for model in apps.get_app_config("meetings").get_models():
        if hasattr(model, "instance_type"):
            continue  # history rows, written by the history as links are set, not loaded
        for instance in model._default_manager.all():
            instance.full_clean()
