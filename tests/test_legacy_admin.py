"""The admin's "Import an old page": paste or upload, review beside the source words, create the draft."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from meetings.models import Meeting, ParticipantAlias
from meetings.roles import PUBLISHER
from tests import legacy_pages
from tests.admin_forms import staff_in
from tests.legacy_pages import ABOUT_PAGE, DISAGREEING_PAGE, HTML_PAGE, VIRTUAL_PAGE
from tests.tasks import run_worker

URL = "/admin/old-pages/import/"
editor = legacy_pages.editor
# A page naming a participant by a name the reference data does not know.
UNKNOWN_NAME_PAGE = VIRTUAL_PAGE.replace("Iran was unable to attend.", "Persia was unable to attend.")


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


# Conflicts to decide ---------------------------------------------------------------------------


class Radios(HTMLParser):
    """{name: [(value, checked)]} of a page's radio buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.choices = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "radio":
            self.choices.setdefault(attrs["name"], []).append((attrs["value"], "checked" in attrs))


def choices_of(response):
    parser = Radios()
    parser.feed(response.content.decode())
    return parser.choices


def text_of(response):
    """The page's words, as read: tags dropped, entities resolved, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_each_disagreement_offers_its_readings_with_the_words_each_came_from(editor, client):
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    assert choices_of(review) == {
        "choice-date": [("header", False), ("body", False), ("published", True)],
        "choice-place": [("header", True), ("body", False)],
    }
    date_choice = text_of(review)
    assert "The header's date: 8 February 2023 to 10 February 2023" in date_choice
    assert "Date: 08 - 10 February 2023" in date_choice
    assert "The first sentence's date: 10 February 2023" in date_choice
    assert "On 10 February 2023, Australia and Indonesia co-chaired" in date_choice
    assert "No day: keep “08 - 10 February 2023” as the date as published only" in date_choice


def test_the_draft_is_made_with_the_readings_chosen(editor, client):
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    client.post(URL, {"token": token_of(review), "names": "0", "choice-date": "body", "choice-place": "body"})
    meeting = Meeting.objects.get()
    assert (str(meeting.start_date), str(meeting.end_date), meeting.date_as_published) == (
        "2023-02-10",
        "2023-02-10",
        "10 February 2023",
    )
    assert (meeting.city, meeting.country.code) == ("Jakarta", "ID")


def test_the_header_s_dates_can_be_chosen_over_the_default_of_none(editor, client):
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    client.post(URL, {"token": token_of(review), "names": "0", "choice-date": "header"})
    meeting = Meeting.objects.get()
    assert (str(meeting.start_date), str(meeting.end_date)) == ("2023-02-08", "2023-02-10")
    assert meeting.date_as_published == "08 - 10 February 2023"
    assert (meeting.city, meeting.country.code) == ("Bangkok", "TH")


def test_without_a_choice_the_date_is_kept_as_published_only_and_the_header_s_place(editor, client):
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    client.post(URL, {"token": token_of(review), "names": "0"})
    meeting = Meeting.objects.get()
    assert (meeting.start_date, meeting.end_date, meeting.date_as_published) == (
        None,
        None,
        "08 - 10 February 2023",
    )
    assert meeting.city == "Bangkok"


@pytest.mark.parametrize(
    "tampered",
    [{"choice-date": "guess"}, {"choice-date": "published", "choice-venue": "header"}],
    ids=["a value not offered", "a choice the page never had"],
)
def test_a_choice_the_review_did_not_offer_is_refused_and_nothing_is_made(editor, client, tampered):
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    refused = client.post(URL, {"token": token_of(review), "names": "0", **tampered})
    assert refused.status_code == 400
    assert "is not a choice this page offered" in refused.content.decode()
    assert "nothing was made" in refused.content.decode()
    # The review is shown again, to choose again.
    assert "Create the draft" in refused.content.decode()
    assert Meeting.objects.count() == 0


def test_a_token_from_another_editor_or_edited_is_refused(editor, client, django_user_model):
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    token = token_of(review)
    client.force_login(staff_in(PUBLISHER, django_user_model))
    expired = client.post(URL, {"token": token, "names": "0", "choice-date": "body"}, follow=True)
    assert "This review has expired" in expired.content.decode()
    client.force_login(editor)
    edited = client.post(URL, {"token": token[:-2] + "xx", "names": "0"}, follow=True)
    assert "This review has expired" in edited.content.decode()
    assert Meeting.objects.count() == 0


# Two editors at once: a folder's import and a review of one of its pages ---------------------------


@pytest.fixture
def folder_editor(editor, django_user_model, settings, tmp_path):
    """A second editor, with a client of their own, who imports folders."""
    settings.MEDIA_ROOT = tmp_path / "media"
    other = django_user_model.objects.create_user(
        "folder-editor", password="a-long-password-1", is_staff=True
    )
    other.groups.add(*editor.groups.all())
    other_client = Client()
    other_client.force_login(other)
    return other, other_client


def upload_folder(client, *pages):
    files = [
        SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain") for name, text in pages
    ]
    response = client.post("/admin/old-pages/import-folder/", {"pages": files})
    assert response.status_code == 302
    return response.url


def test_a_review_whose_draft_a_folder_import_made_meanwhile_is_refused_then_updates_it(
    editor, client, folder_editor
):
    other, other_client = folder_editor
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    upload_folder(other_client, ("disagreeing.txt", DISAGREEING_PAGE))
    run_worker()
    meeting = Meeting.objects.get()
    assert meeting.start_date is None

    refused = client.post(URL, {"token": token_of(review), "names": "0", "choice-date": "body"})

    assert refused.status_code == 409
    page = " ".join(html.unescape(refused.content.decode()).split())
    assert (
        "While you reviewed the page, its draft “Tenth Meeting of the Steering Group” was made by "
        "folder-editor at " in page
    )
    assert "nothing was written. It is shown below as it is now" in page
    assert "This page was imported before: creating the draft updates it, as reviewed here:" in page
    meeting.refresh_from_db()
    assert meeting.start_date is None and Version.objects.get_for_object(meeting).count() == 1

    # Reviewed again, as it is now: the editor's choice updates the folder's draft.
    updated = client.post(URL, {"token": token_of(refused), "names": "0", "choice-date": "body"})

    assert updated.status_code == 302
    meeting.refresh_from_db()
    assert str(meeting.start_date) == "2023-02-10"
    assert [v.revision.user for v in Version.objects.get_for_object(meeting)] == [editor, other]
    messages = [str(m) for m in get_messages(updated.wsgi_request)]
    assert messages == [
        "The draft “Tenth Meeting of the Steering Group” made from the page before was updated as you "
        "reviewed it."
    ]


def test_a_folder_import_leaves_a_draft_an_editor_made_after_the_upload_as_they_made_it(
    editor, client, folder_editor
):
    other, other_client = folder_editor
    task_page = upload_folder(
        other_client, ("disagreeing.txt", DISAGREEING_PAGE), ("virtual.txt", VIRTUAL_PAGE)
    )
    review = client.post(URL, {"text": DISAGREEING_PAGE})
    client.post(URL, {"token": token_of(review), "names": "0", "choice-date": "body"})

    run_worker()

    report = {row["page"]: row for row in other_client.get(task_page).context["job"].result["pages"]}
    assert report["disagreeing.txt"]["skipped"].startswith(
        "has a draft, “Tenth Meeting of the Steering Group” (tenth-steering-group-meeting), that editor-user "
        "changed at "
    )
    assert report["disagreeing.txt"]["skipped"].endswith(
        "while this import ran; it was left as it is: import the page again to update it"
    )
    assert report["virtual.txt"]["created"] == ["ninth-steering-group-meeting"]
    meeting = Meeting.objects.get(slug="tenth-steering-group-meeting")
    assert str(meeting.start_date) == "2023-02-10"
    assert [v.revision.user for v in Version.objects.get_for_object(meeting)] == [editor]


def test_a_draft_written_by_another_import_at_the_same_moment_is_explained_not_a_server_error(
    editor, client, monkeypatch
):
    from django.db import IntegrityError

    from meetings.legacy import importing

    class WrittenAtTheSameMoment(importing.RecordsImport):
        def apply(self, **options):
            raise IntegrityError("UNIQUE constraint failed: meetings_meeting.slug")

    review = client.post(URL, {"text": VIRTUAL_PAGE})
    monkeypatch.setattr(importing, "RecordsImport", WrittenAtTheSameMoment)

    response = client.post(URL, {"token": token_of(review), "names": "0"})

    assert response.status_code == 200
    assert (
        "The page was being written by another import at the same moment, whose draft was kept."
        in html.unescape(response.content.decode())
    )
    assert Meeting.objects.count() == 0
