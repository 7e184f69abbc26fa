"""Staff views: download the record, and upload a records file with a preview before it is applied."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import ExtractYear
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.models import Version

from ..admin.locking import by_whom
from ..models import ActionItem, Meeting, Outcome, Participant
from .export import build_records, dumps
from .importer import (
    CREATED,
    KIND_NAMES,
    UPDATED,
    RecordError,
    RecordsImport,
    RecordsInvalid,
    parse_records,
)
from .importer.rights import import_refusals

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A download from the browser must end well inside a worker's timeout (30 s): building the records
# of 500 meetings took 9 s on a loaded 2-core machine. More is for `manage.py export_records`.
MAX_EXPORT_MEETINGS = 500
STAGING_DIR = "records-imports"
TOKEN_SALT = "meetings.records.import"
TOKEN_MAX_AGE = 3600
IMPORT_PERMISSIONS = [
    "meetings.add_meeting",
    "meetings.change_meeting",
    "meetings.delete_meeting",
    "meetings.add_participant",
    "meetings.change_participant",
]


class RecordsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Records file"),
        help_text=_("A JSON document in the records format, as written by “Export records”."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class RecordsConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def _check_permissions(request):
    if not request.user.has_perms(IMPORT_PERMISSIONS):
        raise PermissionDenied


def _check_rights(request, records_import):
    """Refuse an import that would publish, schedule or change a public meeting, unless a publisher's."""
    errors = import_refusals(records_import, request.user)
    if errors:
        raise RecordsInvalid(errors)


def _record_versions(records_import) -> dict:
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


def _changed_since_preview(previewed: dict, now: dict) -> list:
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
                    str(
                        _(
                            "was changed %(by)s, since the preview: nothing was imported. Upload the file "
                            "again to see what it would change now."
                        )
                    )
                    % {"by": by},
                )
            )
    return errors


def _context(request, **extra):
    return {
        **admin.site.each_context(request),
        "title": _("Import records"),
        "opts": Meeting._meta,
        **extra,
    }


def _changes(records_import):
    """[(kind name, [(slug, state)])] of what the import creates or updates."""
    listed = []
    for kind, changes in records_import.changes.items():
        changed = [(slug, state) for slug, state in changes.items() if state != "unchanged"]
        if changed:
            listed.append((KIND_NAMES[kind], changed))
    return listed


def records_export_view(request):
    """The record as one records file for download: whole, or one year of meetings when the whole
    is more than a browser download should carry (MAX_EXPORT_MEETINGS)."""
    if not request.user.has_perm("meetings.view_meeting"):
        raise PermissionDenied
    meetings = Meeting.objects.all()
    year = request.GET.get("year", "").strip()
    if year:
        if not year.isdigit() or not 1 <= int(year) <= 9999:
            return _export_choice(request, error=_("“%(year)s” is not a year.") % {"year": year[:20]})
        meetings = meetings.filter(start_date__year=int(year))
    count = meetings.count()
    if count > MAX_EXPORT_MEETINGS or (year and not count):
        return _export_choice(request, year=year, count=count)
    slugs = list(meetings.values_list("slug", flat=True)) if year else None
    text = dumps(build_records(meeting_slugs=slugs))
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    part = f"-{year}" if year else ""
    filename = f"balitracker-records{part}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_choice(request, **extra):
    """Why the whole record is not offered in one download, and the years that can be."""
    years = (
        Meeting.objects.exclude(start_date=None)
        .annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(meetings=Count("pk"))
        .order_by("-year")
    )
    context = {
        **_context(request),
        "title": _("Export records"),
        "total": Meeting.objects.count(),
        "limit": MAX_EXPORT_MEETINGS,
        "years": years,
        "undated": Meeting.objects.filter(start_date=None).count(),
        **extra,
    }
    status = 400 if extra.get("error") or extra.get("year") else 200
    return TemplateResponse(request, "admin/records/export.html", context, status=status)


def records_import_view(request):
    """Upload a records file, see what it would change, then apply it."""
    _check_permissions(request)
    if request.method == "POST" and "token" in request.POST:
        return _apply(request)
    form = RecordsUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(request, "admin/records/import.html", _context(request, form=form))
    content = form.cleaned_data["file"].read()
    try:
        records_import = RecordsImport(parse_records(content))
        summary = records_import.apply(dry_run=True, user=request.user)
        _check_rights(request, records_import)
    except RecordsInvalid as invalid:
        return TemplateResponse(
            request, "admin/records/import.html", _context(request, form=form, errors=invalid.errors)
        )
    if records_import.kept_updates:
        messages.info(request, _kept_message(records_import))
    name = default_storage.save(f"{STAGING_DIR}/{uuid.uuid4().hex}.json", ContentFile(content))
    token = signing.dumps(
        {"name": name, "user": request.user.pk, "versions": _record_versions(records_import)}, salt=TOKEN_SALT
    )
    return TemplateResponse(
        request,
        "admin/records/import.html",
        _context(
            request,
            filename=form.cleaned_data["file"].name,
            summary=[(KIND_NAMES[kind], counts) for kind, counts in summary.items()],
            changes=_changes(records_import),
            confirm_form=RecordsConfirmForm(initial={"token": token}),
        ),
    )


def _apply(request):
    form = RecordsConfirmForm(request.POST)
    try:
        staged = signing.loads(form.data.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        staged = None
    if not staged or staged.get("user") != request.user.pk or not default_storage.exists(staged["name"]):
        messages.error(request, _("This preview has expired or was already applied. Upload the file again."))
        return redirect("records_import")
    with default_storage.open(staged["name"], "rb") as staged_file:
        content = staged_file.read()
    try:
        records_import = RecordsImport(parse_records(content))
        if records_import.validate():
            raise RecordsInvalid(records_import.errors)
        _check_rights(request, records_import)
        with transaction.atomic():
            # What the preview showed, or nothing: an editor's change since then is never overwritten.
            changed = _changed_since_preview(staged.get("versions", {}), _record_versions(records_import))
            if changed:
                raise RecordsInvalid(changed)
            summary = records_import.apply(user=request.user)
    except RecordsInvalid as invalid:
        # The database changed since the preview in a way that makes the file invalid now.
        return TemplateResponse(
            request,
            "admin/records/import.html",
            _context(request, form=RecordsUploadForm(), errors=invalid.errors),
        )
    default_storage.delete(staged["name"])
    _log(request, records_import)
    messages.success(
        request,
        _("Records imported. %(summary)s")
        % {
            "summary": "; ".join(
                f"{KIND_NAMES[kind]}: {counts[CREATED]} created, {counts[UPDATED]} updated"
                for kind, counts in summary.items()
            )
        },
    )
    if records_import.kept_updates:
        messages.info(request, _kept_message(records_import))
    return redirect("admin:meetings_meeting_changelist")


def _kept_message(records_import):
    count = len(records_import.kept_updates)
    return ngettext(
        "%(count)d progress update in the database is not in the file; it is kept.",
        "%(count)d progress updates in the database are not in the file; they are kept.",
        count,
    ) % {"count": count}


def _log(request, records_import):
    """Put the import in the admin's history of each meeting and participant it wrote."""
    for kind, model in (("meetings", Meeting), ("participants", Participant)):
        for state, flag in ((CREATED, ADDITION), (UPDATED, CHANGE)):
            slugs = [slug for slug, change in records_import.changes[kind].items() if change == state]
            if slugs:
                LogEntry.objects.log_actions(
                    user_id=request.user.pk,
                    queryset=model.objects.filter(slug__in=slugs),
                    action_flag=flag,
                    change_message=str(_("Imported from a records file.")),
                )
