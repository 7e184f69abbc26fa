import datetime
import json
import os
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import revisions
from meetings.jobs import open_file as job_file
from meetings.models import Job, JobKind, Meeting, Outcome
from meetings.records import build_records, dumps, staged
from meetings.records import views as records_views
from meetings.roles import EDITOR
from tests.admin_forms import apply_preview, staff_in, upload_records
from tests.factories import AttendanceFactory, MeetingFactory, OutcomeFactory
from tests.tasks import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def records_file():
    """A records file of one meeting, and an empty database to import it into."""
    AttendanceFactory(meeting=MeetingFactory(slug="eighth-ahg-senior-officials-meeting"))
    text = dumps(build_records())
    Meeting.objects.all().delete()
    return text


def upload(text, name="records.json"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/json")


def test_meeting_list_links_to_import_and_export(editor_client):
    response = editor_client.get(reverse("admin:meetings_meeting_changelist"))
    assert reverse("records_import").encode() in response.content
    assert reverse("records_export").encode() in response.content


def test_upload_shows_a_preview_and_writes_nothing_until_confirmed(editor_client, records_file):
    response = editor_client.post(reverse("records_import"), {"file": upload(records_file)})
    # The preview is a task: the editor is sent to its page, where it waits for a worker.
    assert response.status_code == 302
    queued = editor_client.get(response.url)
    assert "waiting for a worker" in queued.content.decode()
    assert not queued.context["may_apply"]

    run_worker()
    preview = editor_client.get(response.url)
    assert preview.context["job"].result["summary"][3] == [
        "meetings",
        {"created": 1, "updated": 0, "unchanged": 0},
    ]
    assert b"eighth-ahg-senior-officials-meeting" in preview.content
    assert preview.context["may_apply"]
    assert not Meeting.objects.exists()

    applied = apply_preview(editor_client, preview)
    assert "Importing records.json gave:" in applied.content.decode()
    meeting = Meeting.objects.get(slug="eighth-ahg-senior-officials-meeting")
    assert meeting.attendances.count() == 1
    assert LogEntry.objects.filter(
        object_id=str(meeting.pk), change_message="Imported from a records file."
    ).exists()

    # The same preview cannot be applied twice: the second confirmation finds the first import.
    again = editor_client.post(preview.wsgi_request.path, follow=True)
    assert "This preview was already applied." in again.content.decode()
    assert Job.objects.filter(kind=JobKind.IMPORT_APPLY).count() == 1


def test_upload_with_errors_lists_them_and_writes_nothing(editor_client, records_file):
    document = json.loads(records_file)
    document["meetings"][0]["attendance"][0]["participant"] = "vietnam"
    response = upload_records(editor_client, json.dumps(document))
    assert response.status_code == 200
    assert [str(error) for error in response.context["errors"]] == [
        "meetings[0].attendance[0].participant: no participant 'vietnam'"
    ]
    assert "The file has 1 error; nothing was imported." in response.content.decode()
    assert not response.context["may_apply"]
    assert response.context["job"].status == "FAILED"
    assert not Meeting.objects.exists()


def test_upload_of_something_that_is_not_json_is_explained(editor_client):
    response = editor_client.post(reverse("records_import"), {"file": upload("<html>")})
    assert response.status_code == 200
    assert "is not JSON" in response.content.decode()
    assert not Job.objects.exists()


def test_another_editors_preview_cannot_be_seen_or_applied(editor_client, records_file, django_user_model):
    preview = upload_records(editor_client, records_file)
    other = Client()
    other.force_login(staff_in(EDITOR, django_user_model))
    assert other.get(preview.wsgi_request.path).status_code == 404
    assert other.post(preview.wsgi_request.path).status_code == 404
    assert not Meeting.objects.exists()


def test_import_needs_staff_and_permissions(client, django_user_model):
    assert client.get(reverse("records_import")).status_code == 302  # to the admin login
    clerk = django_user_model.objects.create_user("clerk", password="a-long-password-1", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("records_import")).status_code == 403
    assert client.get(reverse("records_export")).status_code == 403


def test_export_downloads_the_whole_record(editor_client):
    MeetingFactory(slug="eighth-ahg-senior-officials-meeting")
    response = editor_client.get(reverse("records_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="balitracker-records-')
    assert response.content.decode() == dumps(build_records())


def test_export_of_a_record_too_big_for_one_download_offers_it_year_by_year(editor_client, monkeypatch):
    monkeypatch.setattr(records_views, "MAX_EXPORT_MEETINGS", 2)
    for day in (1, 2, 3):
        MeetingFactory(start_date=datetime.date(2014, 3, day))
    MeetingFactory(slug="the-2015-one", start_date=datetime.date(2015, 5, 1))
    response = editor_client.get(reverse("records_export"))
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert "The record holds 4 meetings." in page
    assert "python manage.py export_records" in page
    assert '<a href="?year=2015">' in page
    assert '<a href="?year=2014">' not in page

    one_year = editor_client.get(reverse("records_export"), {"year": "2015"})
    assert one_year["Content-Disposition"].startswith('attachment; filename="balitracker-records-2015-')
    assert [meeting["slug"] for meeting in json.loads(one_year.content)["meetings"]] == ["the-2015-one"]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("abc", "“abc” is not a year."),
        ("1999", "No meeting is dated 1999: there is nothing to export for it."),
    ],
)
def test_export_of_a_year_that_cannot_be_downloaded_says_why(editor_client, monkeypatch, year, message):
    monkeypatch.setattr(records_views, "MAX_EXPORT_MEETINGS", 2)
    for day in (1, 2, 3):
        MeetingFactory(start_date=datetime.date(2014, 3, day))
    response = editor_client.get(reverse("records_export"), {"year": year})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_year_too_big_for_one_download_is_prepared_by_the_task_worker(editor_client, monkeypatch):
    monkeypatch.setattr(records_views, "MAX_EXPORT_MEETINGS", 2)
    for day in (1, 2, 3):
        MeetingFactory(start_date=datetime.date(2014, 3, day))
    MeetingFactory(start_date=datetime.date(2015, 3, 1))
    offer = editor_client.get(reverse("records_export"), {"year": "2014"})
    assert offer.status_code == 200
    assert "2014 has 3 meetings, more than one download holds (2)." in offer.content.decode()
    assert "Prepare the file of 2014" in offer.content.decode()

    started = editor_client.post(reverse("records_export"), {"year": "2014"})
    assert started.status_code == 302
    run_worker()
    page = editor_client.get(started.url)
    job = page.context["job"]
    assert job.status == "SUCCESSFUL"
    assert job.done == job.total == 3
    file_url = reverse("records_job_file", kwargs={"token": job.token})
    assert file_url in page.content.decode()
    download = editor_client.get(file_url)
    assert download["Content-Disposition"].startswith('attachment; filename="balitracker-records-2014-')
    slugs = [meeting.slug for meeting in Meeting.objects.filter(start_date__year=2014)]
    assert b"".join(download.streaming_content).decode() == dumps(build_records(meeting_slugs=slugs))
    # Stored under a name nobody can guess, not the download's.
    assert job.file.startswith("prepared/") and "2014" not in job.file


def test_the_whole_record_too_big_for_one_download_is_prepared_by_the_task_worker(editor_client, monkeypatch):
    monkeypatch.setattr(records_views, "MAX_EXPORT_MEETINGS", 1)
    MeetingFactory()
    MeetingFactory()
    assert (
        "Prepare the whole record as a file" in editor_client.get(reverse("records_export")).content.decode()
    )
    started = editor_client.post(reverse("records_export"))
    run_worker()
    job = editor_client.get(started.url).context["job"]
    with job_file(job) as stored:
        assert stored.read().decode() == dumps(build_records())


def test_an_import_confirmed_after_someone_else_changed_its_records_writes_nothing(
    editor_client, django_user_model
):
    meeting = MeetingFactory(slug="edited-meanwhile", summary="As exported.")
    outcome = OutcomeFactory(meeting=meeting, text="As exported.")
    document = build_records()
    document["meetings"][0]["summary"] = "From the file."
    preview = upload_records(editor_client, dumps(document))
    # Meanwhile a second editor changes one of the meeting's outcomes on its own page.
    other = Client()
    other.force_login(
        django_user_model.objects.create_superuser("second", "s@example.org", "a-long-password-2")
    )
    with revisions.revision(django_user_model.objects.get(username="second")):
        outcome.text = "Corrected meanwhile."
        outcome.save()

    response = apply_preview(editor_client, preview)

    assert response.status_code == 200
    assert response.context["job"].status == "FAILED"
    content = response.content.decode()
    assert "meetings[edited-meanwhile]" in content
    assert "was changed by second" in content
    assert Meeting.objects.get().summary == "As exported."
    assert Outcome.objects.get().text == "Corrected meanwhile."


def test_an_import_confirmed_with_its_records_unchanged_since_the_preview_is_written(editor_client):
    meeting = MeetingFactory(slug="unchanged-meanwhile", summary="As exported.")
    with revisions.revision():
        revisions.add(meeting)
    document = build_records()
    document["meetings"][0]["summary"] = "From the file."
    preview = upload_records(editor_client, dumps(document))

    response = apply_preview(editor_client, preview)

    assert response.context["job"].status == "SUCCESSFUL"
    assert Meeting.objects.get().summary == "From the file."


def aged(stored, hours):
    moment = time.time() - hours * 3600
    os.utime(default_storage.path(stored), (moment, moment))
    return stored


def test_uploads_no_task_will_read_are_removed_by_the_command_and_the_others_kept(
    editor_client, records_file, capsys
):
    def uploaded(run=True):
        response = editor_client.post(reverse("records_import"), {"file": upload(records_file)})
        if run:
            run_worker()
        job = Job.objects.select_related("task_result").get(token=response.url.rstrip("/").rsplit("/", 1)[1])
        return job, aged(job.parameters["staged"], 2)

    appliable, appliable_file = uploaded()
    expired, expired_file = uploaded()
    type(expired.task_result).objects.filter(pk=expired.task_result.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=2)
    )
    queued, queued_file = uploaded(run=False)
    applied, _file = uploaded()
    apply_preview(editor_client, editor_client.get(reverse("records_job", args=[applied.token])))
    orphan = aged(default_storage.save(f"{staged.STAGING_DIR}/orphan.json", ContentFile(b"{}")), 2)
    just_stored = default_storage.save(f"{staged.STAGING_DIR}/new.json", ContentFile(b"{}"))

    call_command("remove_abandoned_uploads")

    *removed, total = capsys.readouterr().out.splitlines()
    assert sorted(removed) == sorted(f"removed {name}" for name in (expired_file, orphan))
    assert total == "2 abandoned uploads removed."
    left = {f"{staged.STAGING_DIR}/{name}" for name in default_storage.listdir(staged.STAGING_DIR)[1]}
    assert left == {appliable_file, queued_file, just_stored}
