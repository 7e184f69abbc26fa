"""Long work as tasks: queued in the database (django-tasks-db), run by its worker command, followed
on a page that never waits for it; two editors' imports, a broken file, a worker killed mid-import
and a worker gone for good; public exports prepared as files; the admin's list of tasks and its rights.
"""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from reversion.models import Revision

from meetings import exports, jobs, tasks
from meetings.models import Job, JobKind, Meeting
from meetings.records import build_records, dumps
from meetings.roles import ADMINISTRATOR, EDITOR, PUBLISHER
from meetings.views import prepared
from tests.admin_forms import apply_preview, first_version, staff_in, upload_records
from tests.factories import ActionItemFactory, AttendanceFactory, MeetingFactory
from tests.tasks import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def a_task(user=None, kind=JobKind.RECORDS_EXPORT, description="The whole record"):
    return jobs.start(tasks.export_records, kind, description, user=user)


# The worker -------------------------------------------------------------------------------------


def test_a_task_is_queued_in_the_database_and_run_by_the_db_worker_command():
    MeetingFactory()
    job = a_task()
    queued = DBTaskResult.objects.get(pk=job.task_result_id)
    assert queued.status == "READY"
    assert queued.task_path == "meetings.tasks.export_records"
    assert queued.args_kwargs == {"args": [job.pk], "kwargs": {}}

    run_worker()

    job.refresh_from_db()
    assert job.task_result.status == "SUCCESSFUL"
    assert job.task_result.return_value == {"job": job.pk}
    assert (job.step, job.done, job.total) == ("", 1, 1)
    assert job.file_available


def test_progress_is_written_to_the_job_as_a_loop_goes():
    job = a_task()
    progress = jobs.Progress(job, interval=0)
    seen = []
    for _item in progress(["a", "b", "c"], "checking"):
        seen.append(Job.objects.values_list("step", "done", "total").get(pk=job.pk))
    assert seen == [("checking", 0, 3), ("checking", 1, 3), ("checking", 2, 3)]
    assert Job.objects.values_list("done", "total").get(pk=job.pk) == (3, 3)
    # The same figures through the cache, which the web servers read during a long transaction.
    assert jobs.live_progress(Job.objects.get(pk=job.pk))["done"] == 3


def test_an_import_reports_its_progress_meeting_by_meeting(django_user_model):
    for _ in range(3):
        MeetingFactory(published_at=None)
    text = dumps(build_records())
    Meeting.objects.all().delete()
    client = logged_in(staff_in(EDITOR, django_user_model))

    preview = upload_records(client, text)

    job = preview.context["job"]
    assert job.task_result.status == "SUCCESSFUL"
    # The last loop the preview went through: writing, in its rolled-back transaction.
    assert (job.done, job.total) == (3, 3)
    assert not Meeting.objects.exists()


# Two editors, bad input, a worker killed ---------------------------------------------------------


def test_two_editors_import_at_once_and_the_second_apply_finds_the_first_has_changed_the_meeting(
    django_user_model,
):
    meeting = MeetingFactory(slug="shared", summary="As exported.", published_at=None)
    first_version(meeting)
    document = json.loads(dumps(build_records()))
    first, second = (
        logged_in(staff_in(EDITOR, django_user_model)),
        logged_in(staff_in(PUBLISHER, django_user_model)),
    )
    document["meetings"][0]["summary"] = "From the first editor."
    first_preview = upload_records(first, json.dumps(document), name="first.json")
    document["meetings"][0]["summary"] = "From the second editor."
    second_preview = upload_records(second, json.dumps(document), name="second.json")
    assert first_preview.context["may_apply"] and second_preview.context["may_apply"]
    revisions_before = Revision.objects.count()

    applied = apply_preview(first, first_preview)
    refused = apply_preview(second, second_preview)

    assert applied.context["job"].status == "SUCCESSFUL"
    # One import, one revision.
    assert Revision.objects.count() == revisions_before + 1
    assert refused.context["job"].status == "FAILED"
    content = refused.content.decode()
    assert "The file has 1 error; nothing was imported." in content
    assert "meetings[shared]" in content and "was changed by editor-user" in content
    assert Meeting.objects.get().summary == "From the first editor."
    assert Revision.objects.count() == revisions_before + 1


def test_a_broken_file_is_refused_with_its_errors_and_nothing_is_written(django_user_model):
    client = logged_in(staff_in(EDITOR, django_user_model))
    broken = SimpleUploadedFile("broken.json", b'{"format": "balitracker-records",')
    not_json = client.post(reverse("records_import"), {"file": broken})
    assert not_json.status_code == 200
    assert "is not JSON" in not_json.content.decode()
    assert not Job.objects.exists() and not default_storage.listdir("")[1]

    document = {"format": "balitracker-records", "version": 1, "meetings": [{"slug": "x"}]}
    refused = upload_records(client, json.dumps(document))

    job = refused.context["job"]
    assert job.status == "FAILED"
    assert job.reason.startswith("The file has ") and job.reason.endswith("nothing was imported.")
    assert refused.context["errors"]
    assert not refused.context["may_apply"]
    assert not Meeting.objects.exists()


def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_written_and_the_task_failed(
    django_user_model, monkeypatch
):
    for _ in range(2):
        AttendanceFactory(meeting=MeetingFactory(published_at=None))
    text = dumps(build_records())
    Meeting.objects.all().delete()
    client = logged_in(staff_in(EDITOR, django_user_model))
    preview = upload_records(client, text)
    revisions_before = Revision.objects.count()
    report = jobs.Progress.report

    def killed_after_the_first_meeting(self, step, done, total, force=False):
        report(self, step, done, total, force)
        if self.job.kind == JobKind.IMPORT_APPLY and step == "importing" and done == 1:
            # What db_worker does on a second SIGTERM or Ctrl-C while a task runs: sys.exit(1).
            raise SystemExit(1)

    monkeypatch.setattr(jobs.Progress, "report", killed_after_the_first_meeting)

    page = apply_preview(client, preview)

    job = page.context["job"]
    assert job.task_result.status == "FAILED"
    assert job.task_result.exception_class_path == "builtins.SystemExit"
    assert job.reason == "It stopped on an unexpected error (SystemExit); nothing was written."
    assert job.reason in page.content.decode()
    assert not Meeting.objects.exists()
    assert Revision.objects.count() == revisions_before
    # The upload is kept: the preview can be tried again.
    assert default_storage.exists(job.parameters["staged"])


def test_a_task_whose_worker_vanished_is_marked_failed_once_it_shows_no_sign_of_life(
    django_user_model, settings
):
    editor = staff_in(EDITOR, django_user_model)
    job = a_task(editor)
    job.task_result.claim("a-worker-since-killed")
    fresh = a_task(editor)
    fresh.task_result.claim("a-worker-still-busy")
    an_hour_ago = timezone.now() - datetime.timedelta(minutes=settings.TASK_STALE_MINUTES + 1)
    Job.objects.filter(pk=job.pk).update(updated_at=an_hour_ago)
    # django-tasks-db has no heartbeat: a task whose worker died stays RUNNING.
    assert DBTaskResult.objects.get(pk=job.task_result_id).status == "RUNNING"

    page = logged_in(editor).get(reverse("records_job", kwargs={"token": job.token}))

    stale = DBTaskResult.objects.get(pk=job.task_result_id)
    assert stale.status == "FAILED"
    assert stale.exception_class_path == "meetings.jobs.WorkerLost"
    assert "stopped giving any sign of life" in page.content.decode()
    assert DBTaskResult.objects.get(pk=fresh.task_result_id).status == "RUNNING"


def test_a_task_no_worker_has_picked_up_is_explained_at_once(django_user_model):
    editor = staff_in(EDITOR, django_user_model)
    job = a_task(editor)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))

    page = logged_in(editor).get(reverse("records_job", kwargs={"token": job.token}))

    assert page.status_code == 200
    content = page.content.decode()
    assert "no worker has picked it up yet" in content
    assert "manage.py db_worker" in content
    assert '<meta http-equiv="refresh" content="2">' in content


# Public exports ---------------------------------------------------------------------------------


@pytest.fixture
def many_actions(monkeypatch):
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 2)
    return [ActionItemFactory(title=f"Action {n}") for n in range(3)]


def immediate_csv(client, monkeypatch):
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 1000)
    response = client.get(reverse("meetings:action_export_csv"))
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 2)
    return b"".join(response.streaming_content)


def test_a_large_action_export_is_offered_as_a_file_to_prepare(client, many_actions):
    response = client.get(reverse("meetings:action_export_xlsx"), {"status": "open"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "3 actions meet these filters" in content
    assert f'action="{reverse("meetings:prepare_export")}"' in content
    assert 'name="query" value="status=open"' in content


def test_a_prepared_export_shows_its_progress_then_the_file(client, many_actions, monkeypatch):
    started = client.post(reverse("meetings:prepare_export"), {"format": "csv", "query": ""})
    assert started.status_code == 302
    waiting = client.get(started.url)
    assert "waiting for a worker" in waiting.content.decode()
    assert waiting["Cache-Control"].startswith("max-age=0")

    run_worker()

    ready = client.get(started.url)
    job = ready.context["job"]
    file_url = reverse("meetings:prepared_file", kwargs={"token": job.token})
    assert file_url in ready.content.decode()
    download = client.get(file_url)
    assert download["Content-Disposition"] == 'attachment; filename="actions.csv"'
    assert b"".join(download.streaming_content) == immediate_csv(client, monkeypatch)
    assert (job.done, job.total) == (3, 3)
    assert job.user is None


def test_the_same_export_asked_for_twice_is_prepared_once_until_the_record_changes(client, many_actions):
    first = client.post(reverse("meetings:prepare_export"), {"format": "xlsx", "query": "status=open"})
    again = client.post(reverse("meetings:prepare_export"), {"format": "xlsx", "query": "status=open"})
    assert first.url == again.url
    ActionItemFactory()
    changed = client.post(reverse("meetings:prepare_export"), {"format": "xlsx", "query": "status=open"})
    assert changed.url != first.url
    assert Job.objects.count() == 2


def test_a_prepared_file_expires(client, many_actions):
    started = client.post(reverse("meetings:prepare_export"), {"format": "csv", "query": ""})
    run_worker()
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    page = client.get(started.url)

    assert "no longer kept" in page.content.decode()
    assert not default_storage.exists(job.file)
    assert client.get(reverse("meetings:prepared_file", kwargs={"token": job.token})).status_code == 410


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"format": "pdf", "query": ""}, "Unknown file format."),
        ({"format": "csv", "query": "due_after=someday"}, "Some filters could not be used"),
    ],
)
def test_a_bad_export_request_is_refused_with_the_reason(client, many_actions, posted, message):
    response = client.post(reverse("meetings:prepare_export"), posted)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_an_export_larger_than_one_file_holds_is_refused_before_it_is_queued(
    client, many_actions, monkeypatch
):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    response = client.post(reverse("meetings:prepare_export"), {"format": "csv", "query": ""})
    assert response.status_code == 400
    assert "one file holds at most 2" in response.content.decode()
    assert not Job.objects.exists()


def test_too_many_public_exports_at_once_are_asked_to_wait(client, many_actions, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_PUBLIC_JOBS", 1)
    client.post(reverse("meetings:prepare_export"), {"format": "csv", "query": ""})
    response = client.post(reverse("meetings:prepare_export"), {"format": "xlsx", "query": ""})
    assert response.status_code == 503
    assert response["Retry-After"] == "120"


def test_a_staff_tasks_page_is_not_a_public_export_page(client, django_user_model):
    job = a_task(staff_in(EDITOR, django_user_model))
    assert client.get(reverse("meetings:prepared_export", kwargs={"token": job.token})).status_code == 404
    assert client.get(reverse("meetings:prepared_file", kwargs={"token": job.token})).status_code == 404


# The admin's list of tasks ----------------------------------------------------------------------


def test_the_tasks_list_shows_each_role_what_it_may_see(django_user_model):
    editor, publisher, administrator = (
        staff_in(role, django_user_model) for role in (EDITOR, PUBLISHER, ADMINISTRATOR)
    )
    MeetingFactory()
    editors = a_task(editor, description="The editor's export")
    a_task(publisher, description="The publisher's export")
    a_task(None, kind=JobKind.ACTIONS_EXPORT, description="A reader's export")
    run_worker()
    url = reverse("admin:meetings_job_changelist")

    def listed(user):
        return [str(job) for job in logged_in(user).get(url).context["cl"].result_list]

    assert listed(editor) == ["The editor's export"]
    assert listed(publisher) == ["The publisher's export"]
    assert sorted(listed(administrator)) == [
        "A reader's export",
        "The editor's export",
        "The publisher's export",
    ]
    page = logged_in(editor).get(url).content.decode()
    assert "Successful" in page and reverse("records_job_file", kwargs={"token": editors.token}) in page
    assert (
        logged_in(publisher).get(reverse("records_job", kwargs={"token": editors.token})).status_code == 404
    )
    assert (
        logged_in(publisher).get(reverse("records_job_file", kwargs={"token": editors.token})).status_code
        == 404
    )
    assert (
        logged_in(administrator).get(reverse("records_job", kwargs={"token": editors.token})).status_code
        == 200
    )


def test_only_staff_with_the_view_permission_see_the_tasks_list(client, django_user_model):
    url = reverse("admin:meetings_job_changelist")
    assert client.get(url).status_code == 302
    clerk = django_user_model.objects.create_user("clerk", password="a-long-password-1", is_staff=True)
    assert logged_in(clerk).get(url).status_code == 403
    assert not Group.objects.get(name=EDITOR).permissions.filter(codename="view_every_job").exists()
    assert not Group.objects.get(name=PUBLISHER).permissions.filter(codename="view_every_job").exists()


def test_the_tasks_list_makes_no_query_per_row(django_user_model, django_assert_max_num_queries):
    administrator = staff_in(ADMINISTRATOR, django_user_model)
    client = logged_in(administrator)
    for _ in range(3):
        a_task(administrator)
    url = reverse("admin:meetings_job_changelist")
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(30):
        a_task(administrator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
