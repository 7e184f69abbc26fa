"""A folder of old pages from the admin: uploaded as several pages or a .zip, imported by the task
worker page by page, followed on the task's page, reported page by page and as CSV; bad uploads
refused whole with a reason, a page that fails reported while the rest go on, a worker stopped
mid-way leaving a failed task that still says what was written."""

import csv
import datetime
import io
import json
import os
import re
import time
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from reversion.models import Revision

from meetings import jobs, tasks
from meetings.legacy import folder, importing, upload
from meetings.models import Job, JobKind, Meeting
from tests import legacy_pages
from tests.legacy_pages import (
    ABOUT_PAGE,
    DISAGREEING_PAGE,
    HTML_PAGE,
    TYPO_PAGE,
    VIRTUAL_PAGE,
    page_file,
    staged_files,
    zip_file,
)
from tests.tasks import run_worker

URL = "/admin/old-pages/import-folder/"
editor = legacy_pages.editor


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_folder(client, *files):
    """Upload ``files``, run the task worker, and give the task's page."""
    response = client.post(URL, {"pages": list(files)})
    assert response.status_code == 302, response.content.decode()[:2000]
    run_worker()
    return client.get(response.url)


# Uploading and the report ------------------------------------------------------------------------


def test_the_meetings_list_offers_the_import_of_a_folder_beside_the_one_page(editor, client):
    page = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert f'href="{URL}"' in page and 'href="/admin/old-pages/import/"' in page


def test_several_pages_are_imported_by_the_task_worker_one_revision_a_page(editor, client):
    revisions_before = Revision.objects.count()

    page = import_folder(client, page_file("virtual.txt", VIRTUAL_PAGE), page_file("third.html", HTML_PAGE))

    job = page.context["job"]
    assert job.kind == JobKind.LEGACY_IMPORT and job.status == "SUCCESSFUL"
    assert job.user == editor
    assert (job.step, job.done, job.total) == ("", 2, 2)
    assert set(Meeting.objects.values_list("slug", flat=True)) == {
        "ninth-steering-group-meeting",
        "third-ministerial-conference-2009",
    }
    assert not Meeting.objects.filter(published_at__isnull=False).exists()
    assert Revision.objects.count() == revisions_before + 2
    assert job.result["totals"] == {
        "pages": 2,
        "written": 2,
        "skipped": 0,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "names_not_matched": 0,
        "conflicts": 1,
    }
    # The uploaded pages are not kept once imported.
    assert staged_files() == []
    tasks_list = client.get(reverse("admin:meetings_job_changelist")).content.decode()
    assert "2 pages read; 2 drafts made or updated; 0 skipped" in tasks_list


def test_the_report_links_each_draft_to_its_page_in_the_admin_with_names_and_conflicts(editor, client):
    page = import_folder(client, page_file("virtual.txt", VIRTUAL_PAGE), page_file("about.txt", ABOUT_PAGE))

    content = page.content.decode()
    meeting = Meeting.objects.get(slug="ninth-steering-group-meeting")
    change = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    assert f'<a href="{change}">ninth-steering-group-meeting</a> (made)' in content
    # The name no participant answers to, and what the page leaves to decide.
    assert "does not read as a span of days" in content
    assert "Skipped: it holds no meeting (no meeting&#x27;s title with a date was found)." in content
    assert "2 pages read of 2: 1 written, 1 skipped." in content
    assert "Drafts: 1 made, 0 updated, 0 unchanged." in content
    assert "Download old-pages-report.csv" in content


def test_the_report_is_downloadable_as_csv_one_row_a_page(editor, client):
    page = import_folder(client, page_file("virtual.txt", VIRTUAL_PAGE), page_file("about.txt", ABOUT_PAGE))
    job = page.context["job"]

    response = client.get(reverse("records_job_file", kwargs={"token": job.token}))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="old-pages-report.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == folder.CSV_COLUMNS
    virtual, about = rows
    assert (virtual["page"], virtual["written"], virtual["created"]) == (
        "virtual.txt",
        "yes",
        "ninth-steering-group-meeting",
    )
    assert virtual["url"] == "https://www.example.org/event/ninth-meeting-of-the-steering-group/"
    assert "does not read as a span of days" in virtual["conflicts"]
    assert (about["written"], about["created"]) == ("no", "")
    assert about["skipped"].startswith("holds no meeting")


def test_the_report_is_downloadable_as_json_beside_the_csv(editor, client):
    page = import_folder(client, page_file("virtual.txt", VIRTUAL_PAGE), page_file("about.txt", ABOUT_PAGE))
    job = page.context["job"]
    address = reverse("legacy_import_report_json", kwargs={"token": job.token})
    links = re.findall(r'<a class="button" href="([^"]+)">Download ([^<]+)</a>', page.content.decode())
    assert links == [
        (reverse("records_job_file", kwargs={"token": job.token}), "old-pages-report.csv"),
        (address, "old-pages-report.json"),
    ]

    response = client.get(address)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="old-pages-report.json"'
    report = json.loads(response.content)
    assert (report["given"], report["of"], report["totals"]["written"]) == ("2 files", 2, 1)
    virtual, about = report["pages"]
    assert (virtual["page"], virtual["written"], virtual["created"]) == (
        "virtual.txt",
        True,
        ["ninth-steering-group-meeting"],
    )
    assert virtual["url"] == "https://www.example.org/event/ninth-meeting-of-the-steering-group/"
    assert any("does not read as a span of days" in c["conflict"] for c in virtual["conflicts"])
    assert (about["written"], about["skipped"][:16]) == (False, "holds no meeting")


def test_the_json_report_is_for_the_editor_who_started_the_import_once_it_has_finished(
    editor, client, django_user_model
):
    response = client.post(URL, {"pages": [page_file("virtual.txt", VIRTUAL_PAGE)]})
    job = Job.objects.get()
    address = reverse("legacy_import_report_json", kwargs={"token": job.token})
    queued = client.get(address)
    assert queued.status_code == 409
    assert (
        queued.content.decode()
        == "The import has not finished yet; its report can be downloaded once it has."
    )
    run_worker()
    assert client.get(address).status_code == 200
    other = django_user_model.objects.create_user("other", password="a-long-password-1", is_staff=True)
    other.groups.add(*editor.groups.all())
    client.force_login(other)
    assert client.get(address).status_code == 404
    assert client.get(response.url).status_code == 404


def test_a_zip_of_a_folder_is_imported_leaving_out_what_is_not_a_page(editor, client):
    archive = zip_file(
        {
            "old-site/virtual.txt": VIRTUAL_PAGE,
            "old-site/third.htm": HTML_PAGE,
            "old-site/third_files/logo.png": b"\x89PNG\r\n",
            "old-site/third_files/site.js": "alert(1)",
        }
    )

    page = import_folder(client, archive)

    job = page.context["job"]
    assert job.result["totals"]["written"] == 2
    assert job.parameters["left_out"] == 2
    assert [row["page"] for row in job.result["pages"]] == [
        "pages.zip: old-site/virtual.txt",
        "pages.zip: old-site/third.htm",
    ]
    assert "2 files of the upload were not pages and were left out." in page.content.decode()
    assert Meeting.objects.count() == 2


def test_pages_imported_again_update_their_drafts_and_a_published_one_is_refused(editor, client):
    import_folder(client, page_file("virtual.txt", VIRTUAL_PAGE), page_file("third.html", HTML_PAGE))
    Meeting.objects.filter(slug="third-ministerial-conference-2009").update(
        published_at="2021-01-01T00:00:00Z"
    )
    changed = VIRTUAL_PAGE.replace("Members noted the progress", "Members welcomed the progress")

    page = import_folder(client, page_file("virtual.txt", changed), page_file("third.html", HTML_PAGE))

    report = {row["page"]: row for row in page.context["job"].result["pages"]}
    assert report["virtual.txt"]["updated"] == ["ninth-steering-group-meeting"]
    assert report["third.html"]["skipped"].startswith(
        "is already published as “Third Ministerial Conference”"
    )
    assert "(updated)" in page.content.decode()
    assert Meeting.objects.count() == 2


# A page that fails, a worker stopped -----------------------------------------------------------


def test_a_page_that_fails_to_write_is_reported_and_the_rest_are_imported(editor, client, monkeypatch):
    class FailsOnTheTypo(importing.RecordsImport):
        def apply(self, **options):
            if any(
                meeting["slug"] == "workshop-on-document-fraud"
                for meeting in self.source.document["meetings"]
            ):
                raise RuntimeError("unforeseen")
            return super().apply(**options)

    monkeypatch.setattr(importing, "RecordsImport", FailsOnTheTypo)

    page = import_folder(
        client,
        page_file("typo.txt", TYPO_PAGE),
        page_file("virtual.txt", VIRTUAL_PAGE),
        page_file("broken.html", "\x00\x01 not a page at all"),
    )

    job = page.context["job"]
    assert job.status == "SUCCESSFUL"
    report = {row["page"]: row for row in job.result["pages"]}
    assert report["typo.txt"]["skipped"] == "could not be written (an error the log describes)"
    assert report["typo.txt"]["created"] == []
    assert report["virtual.txt"]["written"]
    assert not report["broken.html"]["written"]
    assert list(Meeting.objects.values_list("slug", flat=True)) == ["ninth-steering-group-meeting"]


def test_a_worker_stopped_mid_way_leaves_the_task_failed_and_the_pages_written_before_it(
    editor, client, monkeypatch
):
    read_staged = folder.read_staged

    def stopped_on_the_second_page(importer, name, staged):
        if name == "virtual.txt":
            # What db_worker does on a second SIGTERM or Ctrl-C while a task runs: sys.exit(1).
            raise SystemExit(1)
        return read_staged(importer, name, staged)

    monkeypatch.setattr(folder, "read_staged", stopped_on_the_second_page)
    # A page a batch: the first is written before the second is read.
    monkeypatch.setattr(importing, "BATCH_PAGES", 1)

    page = import_folder(
        client,
        page_file("third.html", HTML_PAGE),
        page_file("virtual.txt", VIRTUAL_PAGE),
        page_file("disagreeing.txt", DISAGREEING_PAGE),
    )

    job = page.context["job"]
    assert job.status == "FAILED"
    assert job.task_result.exception_class_path == "builtins.SystemExit"
    assert job.reason == (
        "It stopped on an unexpected error (SystemExit); the pages its report lists as written were "
        "written, each whole; the page it was on and those after it were not."
    )
    assert [row["page"] for row in job.result["pages"]] == ["third.html"]
    assert list(Meeting.objects.values_list("slug", flat=True)) == ["third-ministerial-conference-2009"]
    content = page.content.decode()
    assert "The import stopped before its end" in content and "third-ministerial-conference-2009" in content
    assert staged_files() == []


def test_a_killed_worker_s_import_is_marked_failed_by_the_existing_sweep(editor, client, settings):
    response = client.post(URL, {"pages": [page_file("virtual.txt", VIRTUAL_PAGE)]})
    job = Job.objects.get()
    job.task_result.claim("a-worker-since-killed")
    past = job.updated_at - datetime.timedelta(minutes=settings.TASK_STALE_MINUTES + 1)
    Job.objects.filter(pk=job.pk).update(updated_at=past)

    assert staged_files() == ["0001.txt"]

    page = client.get(response.url)

    job.refresh_from_db()
    assert job.status == "FAILED"
    assert job.task_result.exception_class_path == "meetings.jobs.WorkerLost"
    assert "stopped giving any sign of life" in page.content.decode()
    # The pages it was given are removed with it, folder and all.
    assert staged_files() == [] and default_storage.listdir(upload.STAGING_DIR) == ([], [])


def aged(staged, hours):
    """Make the staged pages ``staged`` ([[name, stored]]) look ``hours`` old."""
    moment = time.time() - hours * 3600
    for _name, stored in staged:
        os.utime(default_storage.path(stored), (moment, moment))
    return staged


def test_uploads_no_task_will_read_are_removed_by_the_command_and_the_others_kept(editor, capsys):
    def staged_pages(text="x"):
        return upload.stage(upload.Pages(pages=[("a.txt", text.encode()), ("b.txt", b"y")]))

    never_queued = aged(staged_pages(), 2)
    just_staged = staged_pages()
    queued = jobs.start(
        tasks.import_old_pages,
        JobKind.LEGACY_IMPORT,
        "Queued",
        user=editor,
        parameters={"pages": aged(staged_pages(), 2), "given": "2"},
    )
    failed = jobs.start(
        tasks.import_old_pages,
        JobKind.LEGACY_IMPORT,
        "Failed",
        user=editor,
        parameters={"pages": aged(staged_pages(), 2), "given": "2"},
    )
    failed.task_result.claim("a-worker")
    failed.task_result.set_failed(RuntimeError("gone"))
    folder_of = {
        name: staged[0][1].rsplit("/", 1)[0]
        for name, staged in [
            ("never queued", never_queued),
            ("just staged", just_staged),
            ("queued", queued.parameters["pages"]),
            ("failed", failed.parameters["pages"]),
        ]
    }

    call_command("remove_abandoned_uploads")

    *removed, total = capsys.readouterr().out.splitlines()
    assert sorted(removed) == sorted(f"removed {folder_of[name]}" for name in ("never queued", "failed"))
    assert total == "2 abandoned uploads removed."
    left = set(default_storage.listdir(upload.STAGING_DIR)[0])
    assert left == {folder_of["just staged"].rsplit("/", 1)[1], folder_of["queued"].rsplit("/", 1)[1]}
    with pytest.raises(CommandError, match="--hours cannot be negative"):
        call_command("remove_abandoned_uploads", "--hours", "-1")


# Bad uploads ------------------------------------------------------------------------------------


def refused(client, *files):
    response = client.post(URL, {"pages": list(files)})
    assert response.status_code == 400
    assert not Job.objects.exists() and staged_files() == []
    return " ".join(response.content.decode().split())


def test_an_upload_without_pages_or_with_another_kind_of_file_is_refused_whole(editor, client):
    assert "Choose the saved pages, or a .zip of them." in refused(client)
    assert "“notes.docx” is not a saved page (.txt, .htm or .html) nor a .zip of them" in refused(
        client, page_file("virtual.txt", VIRTUAL_PAGE), page_file("notes.docx", "x")
    )
    assert "The upload holds no page" in refused(client, zip_file({"logo.png": b"\x89PNG"}))


def test_a_file_that_is_not_a_zip_is_refused(editor, client):
    fake = SimpleUploadedFile("pages.zip", b"PK\x03\x04 but not really", content_type="application/zip")
    assert "“pages.zip” is not a readable .zip file." in refused(client, fake)


def test_a_zip_with_too_many_files_or_pages_is_refused(editor, client, monkeypatch):
    monkeypatch.setattr(upload, "MAX_MEMBERS", 5)
    many_files = zip_file({f"page-{n}.png": b"x" for n in range(6)})
    assert "holds more than 5 files" in refused(client, many_files)
    monkeypatch.setattr(upload, "MAX_PAGES", 2)
    many_pages = zip_file({f"page-{n}.txt": VIRTUAL_PAGE for n in range(3)})
    assert "More than 2 pages were given; import them in parts of at most 2." in refused(client, many_pages)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(editor, client):
    bomb = zip_file({"page.txt": b"\0" * (upload.MAX_PAGE_BYTES - 1)})
    message = refused(client, bomb)
    assert "“pages.zip: page.txt” inflates" in message and "that is a zip bomb, not a page" in message


def test_a_zip_whose_member_is_larger_than_a_page_is_refused_whatever_its_header_says(editor, client):
    large = "x" * (upload.MAX_PAGE_BYTES + 10)
    stored = zip_file({"page.txt": large}, compression=zipfile.ZIP_STORED)
    assert "“pages.zip: page.txt” is larger than 2.0 MB" in refused(client, stored)


def test_pages_too_large_together_are_refused(editor, client, monkeypatch):
    monkeypatch.setattr(upload, "MAX_PAGES_BYTES", len(VIRTUAL_PAGE) + 10)
    pages = zip_file({"a.txt": VIRTUAL_PAGE, "b.txt": VIRTUAL_PAGE})
    assert "The pages of “pages.zip” would weigh" in refused(client, pages)
    separate = [page_file("a.txt", VIRTUAL_PAGE), page_file("b.txt", VIRTUAL_PAGE)]
    assert "The pages weigh more than" in refused(client, *separate)


def test_more_files_than_a_request_may_carry_are_refused_with_what_to_do(editor, client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [page_file(f"page-{n}.txt", VIRTUAL_PAGE) for n in range(3)]
    assert "put them in a .zip" in refused(client, *files)


# Rights -----------------------------------------------------------------------------------------


def test_only_staff_who_may_add_meetings_import_a_folder(db, client, django_user_model):
    assert client.get(URL).status_code == 302  # to the login page
    user = django_user_model.objects.create_user("viewer", password="a-long-password-1", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"pages": [page_file("virtual.txt", VIRTUAL_PAGE)]}).status_code == 403
    assert not Job.objects.exists()


def test_another_editor_does_not_see_the_import_s_page(editor, client, django_user_model):
    response = client.post(URL, {"pages": [page_file("virtual.txt", VIRTUAL_PAGE)]})
    other = django_user_model.objects.create_user("other", password="a-long-password-1", is_staff=True)
    other.groups.add(*editor.groups.all())
    client.force_login(other)
    assert client.get(response.url).status_code == 404


def test_the_job_s_progress_is_counted_in_pages(editor):
    job = jobs.start(
        tasks.import_old_pages,
        JobKind.LEGACY_IMPORT,
        "Two pages",
        user=editor,
        parameters={
            "pages": upload.stage(upload.Pages(pages=[("a.txt", b"x"), ("b.txt", b"y")])),
            "given": "2",
        },
    )
    run_worker()
    job.refresh_from_db()
    assert (job.done, job.total) == (2, 2)
    assert job.result["totals"]["skipped"] == 2


def test_the_report_page_costs_eleven_queries_for_two_pages_as_for_six(editor, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_of_report(count):
        files = [
            page_file(f"page-{n}.txt", VIRTUAL_PAGE.replace("ninth-meeting", f"meeting-{n}"))
            for n in range(count)
        ]
        address = client.post(URL, {"pages": files}).url
        run_worker()
        with CaptureQueriesContext(connection) as queries:
            page = client.get(address)
        assert page.context["job"].result["totals"]["written"] == count
        return len(queries)

    # The session, the user, the job with its task, the sweep of stale tasks, the meetings linked.
    assert queries_of_report(2) == queries_of_report(6) == 11
