"""The admin's "Import an old page": paste or upload, review beside the source words, create the draft."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from meetings.models import Meeting, ParticipantAlias
from meetings.roles import EDITOR
from tests.admin_forms import staff_in
from tests.legacy_pages import ABOUT_PAGE, HTML_PAGE, VIRTUAL_PAGE

URL = "/admin/old-pages/import/"
# A page naming a participant by a name the reference data does not know.
UNKNOWN_NAME_PAGE = VIRTUAL_PAGE.replace("Iran was unable to attend.", "Persia was unable to attend.")


@pytest.fixture
def editor(db, client, django_user_model):
    call_command("loaddata", "reference", verbosity=0)
    user = staff_in(EDITOR, django_user_model)
    client.force_login(user)
    return user


def token_of(response):
    return response.context["token"]


def test_the_meetings_list_offers_the_import_of_an_old_page(editor, client):
    response = client.get(reverse("admin:meetings_meeting_changelist"))
    assert f'href="{URL}"' in response.content.decode()


def test_the_review_shows_each_field_beside_the_words_it_came_from(editor, client):
    response = client.post(URL, {"text": UNKNOWN_NAME_PAGE})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ninth Meeting of the Steering Group" in page
    # The date as published, its source line, and why no day was chosen.
    assert "23-23 July 2020" in page and "Date: 23-23 July 2020" in page
    assert "does not read as a span of days" in page
    # The name no participant answers to, with a choice of whose other name it is.
    assert "Persia" in page and 'name="alias-0"' in page
    assert "Create the draft" in page
    assert Meeting.objects.count() == 0


def test_creating_the_draft_adds_the_other_names_chosen_and_writes_one_draft(editor, client):
    review = client.post(URL, {"text": UNKNOWN_NAME_PAGE})
    iran = ParticipantAlias.objects.model.participant.field.related_model.objects.get(slug="iran")
    response = client.post(
        URL, {"token": token_of(review), "names": "1", "name-0": "Persia", "alias-0": str(iran.pk)}
    )
    meeting = Meeting.objects.get(slug="ninth-steering-group-meeting")
    assert response.status_code == 302
    assert response.url == reverse("admin:meetings_meeting_change", args=[meeting.pk])
    assert meeting.published_at is None
    assert ParticipantAlias.objects.filter(participant=iran, name="Persia").exists()
    assert meeting.attendances.get(participant=iran).role == "apologies"
    version = Version.objects.get_for_object(meeting).get()
    assert version.revision.user == editor
    assert version.revision.comment.startswith(
        "Imported from the old website's page https://www.example.org/"
    )


def test_a_saved_html_page_can_be_uploaded(editor, client):
    upload = SimpleUploadedFile("page.html", HTML_PAGE.encode("utf-8"), content_type="text/html")
    review = client.post(URL, {"page": upload})
    assert "Third Ministerial Conference" in review.content.decode()
    client.post(URL, {"token": token_of(review), "names": "0"})
    assert Meeting.objects.get().source_urls == "https://www.example.org/event/third-ministerial-conference/"


def test_an_empty_form_a_page_without_a_meeting_and_a_stale_review_are_explained(editor, client):
    empty = client.post(URL, {"text": "  "})
    assert empty.status_code == 200
    assert "or choose the saved page." in empty.content.decode()
    about = client.post(URL, {"text": ABOUT_PAGE})
    assert about.status_code == 400
    assert "The page holds no meeting" in about.content.decode()
    stale = client.post(URL, {"token": "not-a-token"}, follow=True)
    assert "This review has expired" in stale.content.decode()
    assert Meeting.objects.count() == 0


def test_a_page_whose_meeting_is_published_is_not_changed_from_the_review(editor, client):
    review = client.post(URL, {"text": VIRTUAL_PAGE})
    client.post(URL, {"token": token_of(review), "names": "0"})
    Meeting.objects.update(published_at="2021-01-01T00:00:00Z")
    again = client.post(URL, {"text": VIRTUAL_PAGE})
    assert "its meeting is published now" in again.content.decode()
    assert "Create the draft" not in again.content.decode()
    refused = client.post(URL, {"token": token_of(again), "names": "0"})
    assert "is already published as" in refused.content.decode()


def test_only_staff_who_may_add_meetings_import_pages(db, client, django_user_model):
    assert client.get(URL).status_code == 302  # to the login page
    user = django_user_model.objects.create_user("viewer", password="a-long-password-1", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
