"""The admin's import and export of records, as work for the task worker (meetings/tasks.py).

An import is two tasks. The preview reads the uploaded file (kept in the storage meanwhile, and read
from it as a stream, so that memory holds a batch of its meetings at a time), checks
it, tries it in a transaction that is rolled back, checks the editor's rights and records what it
would change, with the version of each existing record it changes. The editor confirms on the
job's page; the apply then reads the same file, checks it again, and writes it in one transaction as
one revision, or nothing at all if any record it changes was changed by someone else since the
preview (who and when are named).

The uploaded file is kept under ``STAGING_DIR`` until the apply has written it. One that no task
will read again (its preview failed or expired unapplied, or its apply failed) is removed by
``remove_abandoned_uploads`` (``manage.py remove_abandoned_uploads``, run daily).
"""

import datetime
import io
import tempfile

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reversion.models import Version

from ..admin.locking import by_whom
from ..jobs import Progress, Refused, store_file
from ..models import ActionItem, Job, JobKind, Meeting, Outcome, Participant
from .export import write_records
from .importer import CREATED, KIND_NAMES, UPDATED, RecordError, RecordsFile, RecordsImport, RecordsInvalid
from .importer.rights import import_refusals

STAGING_DIR = "records-imports"
# A preview older than this is not applied: upload the file again to see what it would change now.
PREVIEW_MAX_AGE = datetime.timedelta(hours=1)
# An upload is stored a moment before its preview is queued: one newer than this is never removed.
ABANDONED_AFTER = datetime.timedelta(hours=1)

IMPORT_PERMISSIONS = [
    "meetings.add_meeting",
    "meetings.change_meeting",
    "meetings.delete_meeting",
    "meetings.add_participant",
    "meetings.change_participant",
]


def record_versions(records_import: RecordsImport) -> dict:
    """{"kind:slug": latest version id} of the existing records the import changes, parts included
    (a meeting's outcomes and action items, whose saves are versions of their own): any edit of
    them since the preview moves it."""
    updated = {
        kind: [slug for slug, state in records_import.changes[kind].items() if state == UPDATED]
        for kind in ("meetings", "participants")
    }
    meetings = dict(Meeting.objects.filter(slug__in=updated["meetings"]).values_list("pk", "slug"))
    participants = Participant.objects.filter(slug__in=updated["participants"]).values_list("pk", "slug")
    outcomes = Outcome.objects.filter(meeting_id__in=meetings).values_list("pk", "meeting_id")
    action_items = ActionItem.objects.filter(outcome__meeting_id__in=meetings).values_list(
        "pk", "outcome__meeting_id"
    )
    owners = [
        (Meeting, {pk: f"meetings:{slug}" for pk, slug in meetings.items()}),
        (Participant, {pk: f"participants:{slug}" for pk, slug in participants}),
        (Outcome, {pk: f"meetings:{meetings[meeting_id]}" for pk, meeting_id in outcomes}),
        (ActionItem, {pk: f"meetings:{meetings[meeting_id]}" for pk, meeting_id in action_items}),
    ]
    latest = {}
    for model, owner in owners:
        if not owner:
            continue
        rows = (
            Version.objects.get_for_model(model)
            .filter(object_id__in=[str(pk) for pk in owner])
            .values("object_id")
            .annotate(last=Max("pk"))
            .values_list("object_id", "last")
        )
        for object_id, last in rows:
            key = owner[int(object_id)]
            latest[key] = max(latest.get(key, 0), last)
    return latest


def changed_since_preview(previewed: dict, now: dict) -> list:
    """RecordErrors for the records changed by someone else since the preview: who, and when."""
    errors = []
    for key in sorted(set(previewed) | set(now)):
        if previewed.get(key) != now.get(key):
            kind, slug = key.split(":", 1)
            version = Version.objects.select_related("revision__user").filter(pk=now.get(key)).first()
            by = (
                by_whom(version.revision.user, version.revision.date_created)
                if version
                else by_whom(None, None)
            )
            errors.append(
                RecordError(
                    f"{kind}[{slug}]",
                    _(
                        "was changed %(by)s, since the preview: nothing was imported. Upload the file "
                        "again to see what it would change now."
                    )
                    % {"by": by},
                )
            )
    return errors


def changes(records_import: RecordsImport) -> list:
    """[[kind name, [[slug, state]]]] of what the import creates or updates."""
    listed = []
    for kind, states in records_import.changes.items():
        changed = [[slug, state] for slug, state in states.items() if state != "unchanged"]
        if changed:
            listed.append([str(KIND_NAMES[kind]), changed])
    return listed


def kept_message(records_import: RecordsImport) -> str:
    count = records_import.kept_count
    if not count:
        return ""
    return ngettext(
        "%(count)d progress update in the database is not in the file; it is kept.",
        "%(count)d progress updates in the database are not in the file; they are kept.",
        count,
    ) % {"count": count}


def _staged_import(job: Job, progress: Progress) -> RecordsImport:
    """The staged file, read and checked: the editor's rights on it too."""
    user = job.user
    if user is None or not user.is_active or not user.has_perms(IMPORT_PERMISSIONS):
        raise Refused(_("You may not import records."))
    name = job.parameters["staged"]
    if not default_storage.exists(name):
        raise Refused(_("The uploaded file is no longer kept: it was already applied. Upload it again."))
    try:
        # Read from the storage as a stream, a batch of meetings at a time (``RecordsImport``).
        records_import = RecordsImport(RecordsFile.in_storage(name), progress=progress, rights_of=user)
        if records_import.validate():
            raise RecordsInvalid(records_import.errors, records_import.error_count)
        refusals = import_refusals(records_import, user)
        if refusals:
            raise RecordsInvalid(refusals)
    except RecordsInvalid as invalid:
        raise _refused(invalid) from invalid
    return records_import


def _refused(invalid: RecordsInvalid) -> Refused:
    return Refused(
        ngettext(
            "The file has %(count)d error; nothing was imported.",
            "The file has %(count)d errors; nothing was imported.",
            invalid.count,
        )
        % {"count": invalid.count},
        invalid.errors,
    )


def preview_import(job: Job, progress: Progress) -> None:
    """What the staged file would change, tried in a transaction that is rolled back."""
    records_import = _staged_import(job, progress)
    try:
        summary = records_import.apply(dry_run=True, user=job.user)
    except RecordsInvalid as invalid:
        raise _refused(invalid) from invalid
    job.result = {
        "summary": [[str(KIND_NAMES[kind]), counts] for kind, counts in summary.items()],
        "changes": changes(records_import),
        "kept": kept_message(records_import),
        "versions": record_versions(records_import),
        "previewed_at": timezone.now().isoformat(),
    }


def apply_import(job: Job, progress: Progress) -> None:
    """Write what the preview showed, in one transaction, or nothing."""
    preview = Job.objects.get(pk=job.parameters["preview"])
    records_import = _staged_import(job, progress)
    try:
        with transaction.atomic():
            # What the preview showed, or nothing: an editor's change since then is never overwritten.
            changed = changed_since_preview(
                preview.result.get("versions", {}), record_versions(records_import)
            )
            if changed:
                raise RecordsInvalid(changed)
            summary = records_import.apply(user=job.user)
            _log(job.user, records_import)
    except RecordsInvalid as invalid:
        raise _refused(invalid) from invalid
    default_storage.delete(job.parameters["staged"])
    job.result = {
        "summary": [[str(KIND_NAMES[kind]), counts] for kind, counts in summary.items()],
        "changes": changes(records_import),
        "kept": kept_message(records_import),
    }


def _log(user, records_import: RecordsImport) -> None:
    """Put the import in the admin's history of each meeting and participant it wrote."""
    for kind, model in (("meetings", Meeting), ("participants", Participant)):
        for state, flag in ((CREATED, ADDITION), (UPDATED, CHANGE)):
            slugs = [slug for slug, change in records_import.changes[kind].items() if change == state]
            if slugs:
                LogEntry.objects.log_actions(
                    user_id=user.pk,
                    queryset=model.objects.filter(slug__in=slugs),
                    action_flag=flag,
                    change_message=str(_("Imported from a records file.")),
                )


def export_records(job: Job, progress: Progress) -> None:
    """The records file of the whole record, or of one year's meetings, kept for download."""
    year = job.parameters.get("year")
    slugs = None
    if year:
        slugs = list(Meeting.objects.filter(start_date__year=year).values_list("slug", flat=True))
        if not slugs:
            raise Refused(_("No meeting was held in %(year)s.") % {"year": year})
    part = f"-{year}" if year else ""
    # Written meeting by meeting to a temporary file, and stored from it: memory holds a chunk.
    with tempfile.TemporaryFile("w+b") as handle:
        stream = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        write_records(stream, meeting_slugs=slugs, progress=progress)
        stream.flush()
        handle.seek(0)
        store_file(job, File(handle), f"balitracker-records{part}-{timezone.localdate():%Y-%m-%d}.json")
        stream.detach()


def remove_abandoned_uploads(older_than: datetime.timedelta = ABANDONED_AFTER) -> list[str]:
    """Remove the uploaded records files that no task will read, older than ``older_than``; the
    names removed. A file is kept while its preview or apply is queued or running, and while its
    preview, successful and not yet applied, may still be applied (``PREVIEW_MAX_AGE``)."""
    if not default_storage.exists(STAGING_DIR):
        return []
    now = timezone.now()
    waiting = Job.objects.filter(
        kind__in=[JobKind.IMPORT_PREVIEW, JobKind.IMPORT_APPLY],
        task_result__status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    appliable = Job.objects.filter(
        kind=JobKind.IMPORT_PREVIEW,
        task_result__status=TaskResultStatus.SUCCESSFUL,
        task_result__finished_at__gte=now - PREVIEW_MAX_AGE,
    )
    kept = {
        parameters.get("staged") for parameters in (waiting | appliable).values_list("parameters", flat=True)
    }
    removed = []
    for name in default_storage.listdir(STAGING_DIR)[1]:
        stored = f"{STAGING_DIR}/{name}"
        if stored in kept or default_storage.get_modified_time(stored) > now - older_than:
            continue
        default_storage.delete(stored)
        removed.append(stored)
    return removed
