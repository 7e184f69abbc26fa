"""Two editors saving the same meeting: the second is told, and nothing of theirs overwrites the first."""

import pytest
from django.test import Client
from django.urls import reverse

from meetings.models import Meeting
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_editor_client(django_user_model):
    user = django_user_model.objects.create_superuser("second", "second@example.org", "a-long-password-2")
    other = Client()
    other.force_login(user)
    return other


def form_data(response):
    """What a browser would post back from the change form it was given, unchanged."""
    form = response.context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if name != "hero_image" and form[name].value() is not None
    }
    data.update({"themes": [], "related_meetings": []})
    published_at = form["published_at"].value()
    data.update(
        {
            "published_at_0": published_at.strftime("%Y-%m-%d") if published_at else "",
            "published_at_1": published_at.strftime("%H:%M:%S.%f") if published_at else "",
        }
    )
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        # The blank extra rows are left out, as if the browser had sent them untouched.
        data[management.add_prefix("TOTAL_FORMS")] = management["INITIAL_FORMS"].value()
    return data


def test_the_second_of_two_saves_from_the_same_version_is_refused(editor_client, second_editor_client):
    meeting = MeetingFactory(summary="As opened.")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    first_form = form_data(editor_client.get(url))
    second_form = form_data(second_editor_client.get(url))

    first = editor_client.post(url, {**first_form, "summary": "The first editor's words."})
    second = second_editor_client.post(url, {**second_form, "summary": "The second editor's words."})

    assert first.status_code == 302
    assert second.status_code == 200
    errors = second.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("This meeting was changed by editor at ")
    assert "since you opened it. Nothing was saved" in errors[0]
    assert "Nothing was saved" in second.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).summary == "The first editor's words."


def test_saving_again_after_reopening_the_form_works(editor_client):
    meeting = MeetingFactory()
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    assert (
        editor_client.post(url, {**form_data(editor_client.get(url)), "summary": "One."}).status_code == 302
    )
    assert (
        editor_client.post(url, {**form_data(editor_client.get(url)), "summary": "Two."}).status_code == 302
    )
    assert Meeting.objects.get(pk=meeting.pk).summary == "Two."


def test_a_form_without_its_version_is_refused(editor_client):
    meeting = MeetingFactory(summary="Kept.")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = form_data(editor_client.get(url))
    del data["version"]

    response = editor_client.post(url, {**data, "summary": "Lost."})

    assert response.status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).summary == "Kept."


def test_a_meeting_saved_elsewhere_after_the_form_opened_is_not_overwritten(editor_client):
    meeting = MeetingFactory(summary="As opened.")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = form_data(editor_client.get(url))
    meeting.summary = "Saved by an import meanwhile."
    meeting.save()

    response = editor_client.post(url, {**data, "summary": "Stale edit."})

    assert response.status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).summary == "Saved by an import meanwhile."
