"""New outcomes and action items take the next number, and a clash of numbers names its rows."""

import pytest
from django.urls import reverse

from meetings.models import ActionItem, Outcome
from tests.admin_forms import add_inline_rows, form_fields, posted
from tests.factories import ActionItemFactory, MeetingFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

DJANGO_DUPLICATE = "Please correct the duplicate data"


def meeting_page(client, meeting):
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    return url, client.get(url)


def outcome_page(client, outcome):
    url = reverse("admin:meetings_outcome_change", args=[outcome.pk])
    return url, client.get(url)


def outcome_rows(count):
    return [{"kind": "agreed", "text": f"Outcome entered {n}."} for n in range(1, count + 1)]


def numbers_by_text(meeting):
    return list(meeting.outcomes.order_by("pk").values_list("text", "position"))


def test_nine_new_outcomes_saved_at_once_on_the_meeting_page_are_numbered_1_to_9(editor_client):
    meeting = MeetingFactory(published_at=None)
    url, page = meeting_page(editor_client, meeting)
    data = add_inline_rows(page, posted(page), "outcomes", outcome_rows(9))

    response = editor_client.post(url, data)

    assert response.status_code == 302
    assert numbers_by_text(meeting) == [(f"Outcome entered {n}.", n) for n in range(1, 10)]


def test_new_outcomes_follow_the_highest_number_given_or_saved(editor_client):
    meeting = MeetingFactory(published_at=None)
    OutcomeFactory(meeting=meeting, position=1, text="Saved first.")
    OutcomeFactory(meeting=meeting, position=4, text="Saved fourth.")
    url, page = meeting_page(editor_client, meeting)
    data = posted(page)
    rows = [
        {"kind": "noted", "text": "Blank before."},
        {"kind": "noted", "text": "Given seven.", "position": "7"},
        {"kind": "noted", "text": "Blank after."},
    ]
    add_inline_rows(page, data, "outcomes", rows)

    assert editor_client.post(url, data).status_code == 302

    assert numbers_by_text(meeting) == [
        ("Saved first.", 1),
        ("Saved fourth.", 4),
        ("Blank before.", 8),
        ("Given seven.", 7),
        ("Blank after.", 9),
    ]


def test_a_new_outcome_row_shows_a_blank_number_and_is_not_saved_untouched(editor_client):
    meeting = MeetingFactory(published_at=None)
    OutcomeFactory(meeting=meeting, position=1)
    url, page = meeting_page(editor_client, meeting)
    fields = dict(form_fields(page.content.decode(), "meeting_form"))

    assert fields["outcomes-0-position"] == "1"
    assert fields["outcomes-1-position"] == ""  # the extra row
    assert fields["outcomes-__prefix__-position"] == ""  # what "Add another" clones
    assert "Left blank, it takes the number after the highest in use." in page.text
    assert editor_client.post(url, posted(page)).status_code == 302
    assert meeting.outcomes.count() == 1


def test_new_rows_sharing_a_number_are_named_in_one_readable_message(editor_client):
    meeting = MeetingFactory(published_at=None)
    OutcomeFactory(meeting=meeting, position=1, text="Saved first.")
    url, page = meeting_page(editor_client, meeting)
    data = posted(page)
    add_inline_rows(
        page,
        data,
        "outcomes",
        [
            {"kind": "noted", "text": "Third.", "position": "2"},
            {"kind": "noted", "text": "Fourth."},
            {"kind": "noted", "text": "Fifth.", "position": "2"},
        ],
    )

    response = editor_client.post(url, data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][1].formset
    assert formset.non_form_errors() == [
        "Outcomes #3 and #5 both have number 2.",
        "Give each its own number, or leave it blank to take the next.",
    ]
    assert formset.forms[2].errors["position"] == ["Outcomes #3 and #5 both have number 2."]
    assert DJANGO_DUPLICATE not in response.text
    assert meeting.outcomes.count() == 1


def test_a_new_row_with_the_number_of_a_saved_outcome_names_that_outcome(editor_client):
    meeting = MeetingFactory(published_at=None)
    OutcomeFactory(meeting=meeting, position=1, text="Saved first.")
    url, page = meeting_page(editor_client, meeting)
    new_row = {"kind": "noted", "text": "New.", "position": "1"}
    data = add_inline_rows(page, posted(page), "outcomes", [new_row])

    response = editor_client.post(url, data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][1].formset
    assert formset.non_form_errors()[0] == "Outcomes “1. Saved first.” and #3 both have number 1."
    assert DJANGO_DUPLICATE not in response.text


def test_new_action_items_on_the_outcome_page_take_the_next_positions(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    ActionItemFactory(outcome=outcome, position=2, title="Saved.")
    url, page = outcome_page(editor_client, outcome)
    rows = [{"title": f"Entered {n}", "status": "not_started"} for n in (1, 2, 3)]
    data = add_inline_rows(page, posted(page), "action_items", rows)

    assert editor_client.post(url, data).status_code == 302

    assert list(outcome.action_items.order_by("pk").values_list("title", "position")) == [
        ("Saved.", 2),
        ("Entered 1", 3),
        ("Entered 2", 4),
        ("Entered 3", 5),
    ]


def test_a_new_outcome_on_its_own_page_takes_the_next_number_of_its_meeting(editor_client):
    meeting = MeetingFactory(published_at=None)
    OutcomeFactory(meeting=meeting, position=3)
    url = reverse("admin:meetings_outcome_add")
    page = editor_client.get(url)
    assert dict(form_fields(page.content.decode(), "outcome_form"))["position"] == ""
    data = posted(page)
    data.update({"meeting": [str(meeting.pk)], "kind": ["agreed"], "text": ["Added on its own page."]})

    assert editor_client.post(url, data).status_code == 302

    assert Outcome.objects.get(text="Added on its own page.").position == 4


def test_an_outcome_given_a_number_its_meeting_holds_is_refused_by_name(editor_client):
    meeting = MeetingFactory(published_at=None)
    OutcomeFactory(meeting=meeting, position=3, text="Members agreed to meet again.")
    url = reverse("admin:meetings_outcome_add")
    data = posted(editor_client.get(url))
    data.update({"meeting": [str(meeting.pk)], "position": ["3"], "kind": ["agreed"], "text": ["Clash."]})

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["position"] == [
        "Outcome “3. Members agreed to meet again.” of this meeting already has number 3."
    ]
    assert not Outcome.objects.filter(text="Clash.").exists()


def test_renumbering_an_outcome_to_a_free_number_on_its_page_is_kept(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None), position=3)
    OutcomeFactory(meeting=outcome.meeting, position=4)
    url, page = outcome_page(editor_client, outcome)
    data = posted(page)
    data["position"] = ["9"]

    assert editor_client.post(url, data).status_code == 302

    outcome.refresh_from_db()
    assert outcome.position == 9


def test_a_new_action_item_on_its_own_page_takes_the_next_position_of_its_outcome(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    ActionItemFactory(outcome=outcome, position=5)
    url = reverse("admin:meetings_actionitem_add")
    data = posted(editor_client.get(url))
    data.update({"outcome": [str(outcome.pk)], "title": ["Added on its own page"]})

    assert editor_client.post(url, data).status_code == 302

    assert ActionItem.objects.get(title="Added on its own page").position == 6
