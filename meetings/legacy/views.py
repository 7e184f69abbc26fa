"""The admin's "Import an old page" and "Import a folder of old pages".

One page: paste or upload it, review what was read, create the draft.

The review shows every field read beside the words it came from, the names no participant answers
to (each with "add as other name of …"), and what the page leaves to decide, each disagreement with
its choices (``decisions``); nothing is written until the editor creates the draft, in one click,
through the same path as ``import_pages``. The page travels in a signed token with the choices it
offered, so a choice posted that the review did not offer is refused, never applied.

A folder: several saved pages, or a .zip of them, are checked at once (``upload``), kept in the
storage and imported by the task worker (``folder``); the editor is sent to the task's page, which
shows its progress and then the report. Both need the same rights.
"""

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import jobs, revisions, tasks
from ..admin.locking import last_change
from ..models import Job, JobKind, Meeting, Participant, ParticipantAlias
from . import folder
from .decisions import offered
from .importing import LegacyImport, draft_versions
from .upload import MAX_PAGE_BYTES, MAX_PAGES, UploadRefused, read_upload, stage

TOKEN_SALT = "meetings.legacy.import_page"
TOKEN_MAX_AGE = 3600
PERMISSIONS = ["meetings.add_meeting", "meetings.change_meeting"]
FIELD_LABELS = [
    ("title", gettext_lazy("Title")),
    ("type", gettext_lazy("Meeting type")),
    ("number", gettext_lazy("Number")),
    ("date_as_published", gettext_lazy("Date as published")),
    ("start_date", gettext_lazy("Start date")),
    ("end_date", gettext_lazy("End date")),
    ("city", gettext_lazy("City")),
    ("country", gettext_lazy("Country")),
    ("format", gettext_lazy("Format")),
    ("convening_body", gettext_lazy("Convening body")),
    ("purpose", gettext_lazy("Purpose")),
    ("attendance_summary", gettext_lazy("Attendance summary")),
]
# The words each field was read from, by the name the drafter gives them.
FIELD_SOURCES = {
    "title": "title",
    "type": "title",
    "number": "title",
    "date_as_published": "date",
    "start_date": "date",
    "end_date": "date",
    "city": "place",
    "country": "place",
    "purpose": "purpose",
    "attendance_summary": "attendance",
}
CHOICE_NAMES = {"date": gettext_lazy("the date"), "place": gettext_lazy("the place")}


class PageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Page text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=gettext_lazy("The page's text as copied from the old website."),
    )
    page = forms.FileField(
        label=gettext_lazy("Or the saved page"),
        required=False,
        help_text=gettext_lazy("The page saved from the browser (HTML), or its text."),
    )
    url = forms.URLField(
        label=gettext_lazy("Its address"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Where the page was on the old website, if the text does not say."),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("page")
        if upload is not None:
            if upload.size > MAX_PAGE_BYTES:
                raise forms.ValidationError(_("The file is larger than 2 MB; an old page is much smaller."))
            cleaned["content"] = upload.read()
            cleaned["name"] = upload.name
        elif cleaned.get("text", "").strip():
            cleaned["content"] = cleaned["text"]
            cleaned["name"] = _("the pasted page")
        else:
            raise forms.ValidationError(_("Paste the page's text or choose the saved page."))
        content = cleaned["content"]
        if cleaned.get("url") and not _has_address(content):
            text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
            if "<" not in text[:200]:
                cleaned["content"] = f"URL: {cleaned['url']}\n\n{text}"
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input, as Django's documentation shows it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,.htm,.html,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class FolderForm(forms.Form):
    pages = MultipleFileField(
        label=gettext_lazy("Saved pages, or a .zip of them"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pages"].help_text = _(
            "Choose several pages saved from the old website (.txt, .htm or .html), or one .zip of a "
            "folder of them; in a .zip, files other than pages (a saved page's images and scripts) are "
            "left out. At most %(count)s pages at once."
        ) % {"count": MAX_PAGES}

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["read"] = read_upload(cleaned.get("pages") or [])
        except UploadRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return cleaned


def _has_address(content) -> bool:
    head = content[:300].decode("utf-8", errors="replace") if isinstance(content, bytes) else content[:300]
    return head.lstrip().upper().startswith("URL:") or "canonical" in head


def _context(request, **extra):
    return {
        **admin.site.each_context(request),
        "title": _("Import an old page"),
        "opts": Meeting._meta,
        **extra,
    }


def import_page_view(request):
    """Paste or upload an old website page, review its draft, create it."""
    if not request.user.has_perms(PERMISSIONS):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _create(request)
    form = PageForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(request, "admin/legacy/import_page.html", _context(request, form=form))
    return _review(request, form.cleaned_data["content"], form.cleaned_data["name"])


def import_folder_view(request):
    """Upload several saved pages or a .zip of them; the task worker imports them, page by page."""
    if not request.user.has_perms(PERMISSIONS):
        raise PermissionDenied
    if request.method != "POST":
        return _folder_form(request, FolderForm())
    try:
        form = FolderForm(request.POST, request.FILES)
    except TooManyFilesSent:
        # Django stops reading the request past DATA_UPLOAD_MAX_NUMBER_FILES: the message says what to do.
        error = _("More files were chosen than can be sent at once; put them in a .zip.")
        return _folder_form(request, FolderForm(), status=400, errors=[error])
    if not form.is_valid():
        return _folder_form(request, form, status=400)
    upload = form.cleaned_data["read"]
    files = form.cleaned_data["pages"]
    given = files[0].name if len(files) == 1 else _("%(count)s files") % {"count": len(files)}
    job = jobs.start(
        tasks.import_old_pages,
        JobKind.LEGACY_IMPORT,
        _("Import of %(count)s old pages from %(given)s") % {"count": len(upload.pages), "given": given},
        user=request.user,
        parameters={"pages": stage(upload), "left_out": upload.left_out, "given": given},
    )
    return redirect("records_job", token=job.token)


def folder_report_json_view(request, token):
    """The report of a folder's import as JSON, for the editor who started it (or who sees every task)."""
    job = get_object_or_404(Job.objects.visible_to(request.user), token=token, kind=JobKind.LEGACY_IMPORT)
    if not job.finished:
        return HttpResponse(
            _("The import has not finished yet; its report can be downloaded once it has."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(folder.report_json(job), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{folder.REPORT_JSON_FILENAME}"'
    return response


def _folder_form(request, form, status=200, errors=()):
    return TemplateResponse(
        request,
        "admin/legacy/import_folder.html",
        _context(request, form=form, title=_("Import a folder of old pages"), errors=list(errors)),
        status=status,
    )


def _review(request, content, name, errors=(), choices=None, status=200):
    content = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    importer = LegacyImport(user=request.user)
    result = importer.read(content, name, choices)
    draft = result.draft
    if draft is None or not draft.meetings:
        return TemplateResponse(
            request,
            "admin/legacy/import_page.html",
            _context(
                request, form=PageForm(), errors=[_("The page %(problem)s.") % {"problem": result.problem}]
            ),
            status=400,
        )
    versions = draft_versions([record["slug"] for record in draft.meetings])
    token = signing.dumps(
        {
            "content": content,
            "name": name,
            "user": request.user.pk,
            "choices": offered(draft.conflicts),
            "drafts": versions,
        },
        salt=TOKEN_SALT,
        compress=True,
    )
    published = importer.published(draft)
    existing = [
        (meeting, *last_change(meeting))
        for meeting in Meeting.objects.filter(slug__in=versions).exclude(pk__in=[m.pk for m in published])
    ]
    meetings = []
    for record in draft.meetings:
        sources = draft.sources.get(record["slug"], {})
        meetings.append(
            {
                "record": record,
                "fields": [
                    (label, record[field], sources.get(FIELD_SOURCES.get(field, ""), ""))
                    for field, label in FIELD_LABELS
                ],
                "outcomes": [
                    (outcome, sources.get(f"outcomes[{index}]", ""))
                    for index, outcome in enumerate(record["outcomes"])
                ],
            }
        )
    participants = Participant.objects.order_by("name").only("pk", "name")
    return TemplateResponse(
        request,
        "admin/legacy/import_page.html",
        _context(
            request,
            draft=draft,
            meetings=meetings,
            token=token,
            participants=participants,
            published=published,
            existing=existing,
            errors=list(errors),
        ),
        status=status,
    )


def _create(request):
    try:
        staged = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        staged = None
    if not staged or staged.get("user") != request.user.pk:
        messages.error(request, _("This review has expired. Paste or upload the page again."))
        return redirect("legacy_import_page")
    choices, refused = _choices(request.POST, staged.get("choices", {}))
    if refused:
        return _review(request, staged["content"], staged["name"], errors=refused, status=400)
    aliases = [
        (request.POST.get(f"alias-{index}", ""), request.POST.get(f"name-{index}", "").strip())
        for index in range(int(request.POST.get("names", 0) or 0))
    ]
    aliases = [(pk, name) for pk, name in aliases if pk and name]
    if aliases and not request.user.has_perm("meetings.change_participant"):
        raise PermissionDenied
    errors = []
    with transaction.atomic():
        for pk, name in aliases:
            participant = Participant.objects.filter(pk=pk).first() if pk.isdigit() else None
            if participant is None:
                errors.append(_("No participant was chosen for “%(name)s”.") % {"name": name})
                continue
            try:
                with (
                    transaction.atomic(),
                    revisions.revision(request.user, _("Other name added from an old page.")),
                ):
                    ParticipantAlias.objects.create(participant=participant, name=name[:200])
            except IntegrityError:
                errors.append(_("“%(name)s” already names another participant.") % {"name": name})
        if errors:
            transaction.set_rollback(True)
    if errors:
        return _review(request, staged["content"], staged["name"], errors=errors, choices=choices)
    importer = LegacyImport(user=request.user)
    result = importer.read(staged["content"], staged["name"], choices)
    if result.ok:
        with transaction.atomic():
            # The drafts as the review showed them, or no write: someone else (a folder's import, an
            # editor on the draft's page) may have made or changed them since.
            reviewed = staged.get("drafts", {})
            slugs = [meeting["slug"] for meeting in result.draft.meetings]
            list(Meeting.objects.select_for_update().filter(slug__in=slugs).values_list("pk"))
            changed = _changed_since_review(reviewed, draft_versions(slugs))
            if changed:
                return _review(
                    request, staged["content"], staged["name"], errors=changed, choices=choices, status=409
                )
            importer.write(result)
    if not result.ok:
        return _review(
            request,
            staged["content"],
            staged["name"],
            errors=[_("The page %(problem)s.") % {"problem": result.problem}],
            choices=choices,
        )
    meeting = Meeting.objects.get(slug=result.draft.meetings[0]["slug"])
    if result.created:
        message = _(
            "The draft “%(title)s” was made from the page; review it and publish it when it is right."
        )
    elif result.updated:
        message = _("The draft “%(title)s” made from the page before was updated as you reviewed it.")
    else:
        message = _("The draft “%(title)s” made from the page before was already as you reviewed it.")
    messages.success(request, message % {"title": meeting.title})
    return redirect(reverse("admin:meetings_meeting_change", args=[meeting.pk]))


def _changed_since_review(reviewed: dict[str, str], now: dict[str, str]) -> list[str]:
    """Why the drafts ``now`` are not those the review showed (``reviewed``), one sentence each."""
    reasons = []
    for meeting in Meeting.objects.filter(slug__in=[slug for slug in now if now[slug] != reviewed.get(slug)]):
        who, when = last_change(meeting)
        what = _("made") if meeting.slug not in reviewed else _("changed")
        reasons.append(
            _(
                "While you reviewed the page, its draft “%(title)s” was %(what)s by %(who)s at %(time)s; "
                "nothing was written. It is shown below as it is now: create the draft again to update it "
                "with this review."
            )
            % {
                "title": meeting.title,
                "what": what,
                "who": who or _("someone"),
                "time": localtime(when).strftime("%Y-%m-%d %H:%M") if when else _("an unknown time"),
            }
        )
    for slug in sorted(set(reviewed) - set(now)):
        reasons.append(
            _("While you reviewed the page, its draft %(slug)s was deleted; nothing was written.")
            % {"slug": slug}
        )
    return reasons


def _choices(posted, offered_choices: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """The editor's choices ({"date": "body"}), and a refusal for each that the review did not offer.

    The choices offered are signed into the review's token; anything else posted (a value edited in
    the browser, a choice the page never had) is refused rather than taken for the default.
    """
    choices, refused = {}, []
    for field_name, value in posted.items():
        if not field_name.startswith("choice-"):
            continue
        key = field_name.removeprefix("choice-")
        if value not in offered_choices.get(key, []):
            refused.append(
                _("“%(value)s” is not a choice this page offered for %(key)s; nothing was made.")
                % {"value": value[:50], "key": CHOICE_NAMES.get(key, key[:20])}
            )
            continue
        choices[key] = value
    return choices, refused
