"""Paste attendance: the sentence as published, read into participants; what matches nobody is reported."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from reversion.models import Version

from meetings.attendance_paste import Resolver, candidates, clean_name, paste_attendance, read_names
from meetings.roles import EDITOR
from tests.factories import (
    AttendanceFactory,
    ForumBodyFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
)

SEED_PAGE = Path(settings.BASE_DIR).parent / "shared" / "data" / "seed-page.txt"
SEED_SENTENCES = {
    "members": (
        "In attendance were representatives from Afghanistan, Australia, Bangladesh, Indonesia, Malaysia, "
        "Maldives, Myanmar, New Zealand, Philippines, Sri Lanka, Thailand, United States, and Vietnam "
        "as well as representatives from the Office of the United Nations High Commissioner for Refugees "
        "(UNHCR) and the International Organization for Migration (IOM)."
    ),
    "observers": (
        "Canada and the United Nations Office on Drugs and Crime (UNODC) attended the meeting as observers."
    ),
    "rso": "The Regional Support Office (RSO) Co-Managers also participated in the meeting.",
}
STATES = [
    "Afghanistan",
    "Australia",
    "Bangladesh",
    "Indonesia",
    "Malaysia",
    "Maldives",
    "Myanmar",
    "New Zealand",
    "Philippines",
    "Sri Lanka",
    "Thailand",
    "United States",
    "Viet Nam",
    "Canada",
]
ORGANISATIONS = {
    "UNHCR": "Office of the United Nations High Commissioner for Refugees",
    "IOM": "International Organization for Migration",
    "UNODC": "United Nations Office on Drugs and Crime",
}


class Known:
    """A resolver over a fixed set of names, for reading without a database."""

    def __init__(self, *names, aliases=None):
        self.names = {name.casefold(): name for name in names}
        self.aliases = {alias.casefold(): name for alias, name in (aliases or {}).items()}

    def __call__(self, name):
        return self.names.get(name.casefold()) or self.aliases.get(name.casefold())


SEED_KNOWN = Known(
    *STATES,
    *ORGANISATIONS.values(),
    "Regional Support Office",
    aliases={
        "Vietnam": "Viet Nam",
        **ORGANISATIONS,
        "RSO": "Regional Support Office",
    },
)


def read(text, known=SEED_KNOWN):
    return [(name.text, name.participant) for name in read_names(text, Resolver(known))]


# Reading the seed page's sentences


def test_the_seed_page_holds_the_sentences_read_here():
    if not SEED_PAGE.exists():
        pytest.skip(f"{SEED_PAGE} is missing: the sentences are checked against the published page")
    page = " ".join(SEED_PAGE.read_text(encoding="utf-8").split())
    for sentence in SEED_SENTENCES.values():
        assert sentence in page


def test_the_members_sentence_reads_as_thirteen_states_and_two_organisations():
    assert read(SEED_SENTENCES["members"]) == [
        *((state, state) for state in STATES[:12]),
        ("Vietnam", "Viet Nam"),
        (
            "Office of the United Nations High Commissioner for Refugees (UNHCR)",
            "Office of the United Nations High Commissioner for Refugees",
        ),
        ("International Organization for Migration (IOM)", "International Organization for Migration"),
    ]


def test_and_inside_a_name_does_not_split_it():
    assert read(SEED_SENTENCES["observers"]) == [
        ("Canada", "Canada"),
        ("United Nations Office on Drugs and Crime (UNODC)", "United Nations Office on Drugs and Crime"),
    ]


def test_words_after_an_acronym_name_people_of_the_body():
    assert read(SEED_SENTENCES["rso"]) == [
        ("Regional Support Office (RSO) Co-Managers", "Regional Support Office")
    ]


def test_the_three_sentences_pasted_together_read_in_order():
    names = read(" ".join(SEED_SENTENCES.values()))
    assert [participant for _text, participant in names] == [
        *STATES[:13],
        ORGANISATIONS["UNHCR"],
        ORGANISATIONS["IOM"],
        "Canada",
        ORGANISATIONS["UNODC"],
        "Regional Support Office",
    ]


def test_a_name_known_only_by_its_acronym_resolves_through_it():
    known = Known("UNHCR")
    assert read("representatives from the Office of the UNHCR (UNHCR).", known) == [
        ("Office of the UNHCR (UNHCR)", "UNHCR")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Australia, Indonesia.", ["Australia", "Indonesia"]),
        ("Australia and Indonesia", ["Australia", "Indonesia"]),
        ("Australia; Indonesia; and Thailand.", ["Australia", "Indonesia", "Thailand"]),
        ("Australia, Indonesia, and Thailand...", ["Australia", "Indonesia", "Thailand"]),
        ("Australia as well as Indonesia", ["Australia", "Indonesia"]),
        ("Representatives of Australia and Indonesia attended.", ["Australia", "Indonesia"]),
        ("Delegations from Australia & Indonesia were present.", ["Australia", "Indonesia"]),
        ("The meeting was attended by Australia and Indonesia", ["Australia", "Indonesia"]),
        ("  Australia ,\n\n Indonesia  ", ["Australia", "Indonesia"]),
        ("australia, INDONESIA", ["Australia", "Indonesia"]),
    ],
)
def test_list_forms_are_read(text, expected):
    known = Known("Australia", "Indonesia", "Thailand")
    assert [participant for _text, participant in read(text, known)] == expected


def test_names_that_match_nobody_are_kept_whole_not_dropped():
    known = Known("Afghanistan", "Canada")
    assert read("Afghanistan, Atlantis and Narnia, and Canada.", known) == [
        ("Afghanistan", "Afghanistan"),
        ("Atlantis and Narnia", None),
        ("Canada", "Canada"),
    ]


def test_an_unknown_name_with_and_next_to_a_known_one_is_split_from_it():
    known = Known("Canada")
    assert read("Bosnia and Herzegovina and Canada", known) == [
        ("Bosnia and Herzegovina", None),
        ("Canada", "Canada"),
    ]


def test_a_name_with_and_that_is_known_whole_stays_whole():
    known = Known("Trinidad and Tobago", "Canada")
    assert read("Trinidad and Tobago and Canada", known) == [
        ("Trinidad and Tobago", "Trinidad and Tobago"),
        ("Canada", "Canada"),
    ]


def test_empty_and_wordy_text_reads_as_nothing():
    assert read("") == []
    assert read("In attendance were representatives from .") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and the Office of X", "Office of X"),
        ("representatives from the IOM.", "IOM"),
        ("  Viet   Nam ", "Viet Nam"),
    ],
)
def test_clean_name(text, expected):
    assert clean_name(text) == expected


def test_candidates_of_a_name_with_its_acronym():
    assert candidates("Regional Support Office (RSO) Co-Managers") == [
        "Regional Support Office (RSO) Co-Managers",
        "Regional Support Office Co-Managers",
        "Regional Support Office",
        "RSO",
    ]
    assert candidates("A (X) and B (Y)") == ["A (X) and B (Y)"]


# Against the database


@pytest.fixture
def seed_participants(db):
    participants = {
        name: ParticipantFactory(name=name, slug=name.lower().replace(" ", "-")) for name in STATES
    }
    ParticipantAliasFactory(participant=participants["Viet Nam"], name="Vietnam")
    for short, name in ORGANISATIONS.items():
        participants[short] = OrganisationFactory(name=name, short_name=short, slug=short.lower())
    participants["RSO"] = ForumBodyFactory(name="Regional Support Office", short_name="RSO", slug="rso")
    return participants


def test_pasting_the_members_sentence_adds_them_in_order(seed_participants):
    meeting = MeetingFactory()

    result = paste_attendance(meeting, SEED_SENTENCES["members"], "member")

    assert result.unresolved == []
    assert [attendance.participant.name for attendance in meeting.attendances.order_by("position")] == [
        *STATES[:13],
        ORGANISATIONS["UNHCR"],
        ORGANISATIONS["IOM"],
    ]
    assert set(meeting.attendances.values_list("role", flat=True)) == {"member"}


def test_pasting_again_adds_nothing_twice_and_reports_who_was_listed(seed_participants):
    meeting = MeetingFactory()
    AttendanceFactory(
        meeting=meeting, participant=seed_participants["Australia"], role="co_chair", position=1
    )

    result = paste_attendance(meeting, SEED_SENTENCES["members"], "member")
    again = paste_attendance(meeting, SEED_SENTENCES["members"], "member")

    assert [name.participant.name for name, _attendance in result.already_listed] == ["Australia"]
    assert meeting.attendances.get(participant=seed_participants["Australia"]).role == "co_chair"
    assert again.added == []
    assert len(again.already_listed) == 15
    assert meeting.attendances.count() == 15
    assert meeting.attendances.order_by("position").first().participant.name == "Australia"


def test_names_matching_nobody_are_listed_and_nothing_is_created(seed_participants):
    meeting = MeetingFactory()
    participants_before = seed_participants["Canada"].__class__.objects.count()

    result = paste_attendance(meeting, "Canada, Atlantis and the Republic of Narnia (RoN).", "observer")

    # Two unknown names joined by "and" cannot be told from one: the editor sees the words as written.
    assert result.unresolved == ["Atlantis and the Republic of Narnia (RoN)"]
    assert [attendance.participant.name for attendance in result.added] == ["Canada"]
    assert seed_participants["Canada"].__class__.objects.count() == participants_before


def test_a_participant_named_twice_is_added_once(seed_participants):
    meeting = MeetingFactory()

    result = paste_attendance(meeting, "Vietnam, Viet Nam and viet-nam", "member")

    assert [attendance.participant.name for attendance in result.added] == ["Viet Nam"]
    assert [name.text for name in result.repeated] == ["Viet Nam", "viet-nam"]


def test_a_paste_asks_the_database_once_per_form_of_a_name(seed_participants, django_assert_max_num_queries):
    meeting = MeetingFactory()
    text = " ".join(SEED_SENTENCES.values())
    with django_assert_max_num_queries(60):
        paste_attendance(meeting, text, "member", dry_run=True)
    assert not meeting.attendances.exists()


# In the admin


def paste_url(meeting):
    return reverse("admin:meetings_meeting_paste_attendance", args=[meeting.pk])


def test_the_meeting_page_links_to_paste_attendance(editor_client):
    meeting = MeetingFactory()
    response = editor_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert paste_url(meeting) in response.content.decode()


def test_the_paste_form_opens(editor_client):
    response = editor_client.get(paste_url(MeetingFactory()))
    assert response.status_code == 200
    assert "attendance sentence" in response.content.decode()


def test_pasting_in_the_admin_adds_and_reports(editor_client, seed_participants):
    meeting = MeetingFactory()
    text = SEED_SENTENCES["observers"] + " Atlantis also attended."

    response = editor_client.post(paste_url(meeting), {"text": text, "role": "observer"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "2 participants added as Observer" in content
    assert "1 name matches no participant" in content
    assert "Atlantis" in content
    assert set(meeting.attendances.values_list("participant__short_name", "role")) == {
        ("", "observer"),
        ("UNODC", "observer"),
    }
    revision = Version.objects.get_for_object(meeting).get().revision
    assert revision.user.username == "editor"
    assert revision.version_set.filter(content_type__model="attendance").count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"text": "", "role": "member"},
        {"text": "Canada", "role": "king"},
        {"text": "x" * 20_001, "role": "member"},
    ],
)
def test_a_bad_paste_is_a_form_error(editor_client, data):
    meeting = MeetingFactory()
    response = editor_client.post(paste_url(meeting), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not meeting.attendances.exists()


def test_an_editor_cannot_paste_into_a_published_meeting(client, django_user_model, seed_participants):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(user)
    published, draft = MeetingFactory(), MeetingFactory(published_at=None)

    assert client.post(paste_url(published), {"text": "Canada", "role": "member"}).status_code == 403
    assert client.post(paste_url(draft), {"text": "Canada", "role": "member"}).status_code == 200
    assert not published.attendances.exists()
    assert draft.attendances.count() == 1


def test_an_unknown_meeting_is_not_found(editor_client):
    assert (
        editor_client.get(reverse("admin:meetings_meeting_paste_attendance", args=[999999])).status_code
        == 404
    )
