"""The history of a record in the admin: one entry per save, in words, and revert after a confirmation.

``HistoryAdmin`` is django-reversion's ``VersionAdmin``: each add, change, delete and bulk action
of the admin is one revision, naming the user and the admin's own change message. Its history page
is the record's timeline (``timeline``); following an entry opens a page that lists what reverting
to that version would change and writes nothing (``revert``); confirming writes it all in one
transaction. Who may revert: whoever may change the record and every row the revert writes, and,
for the record of a meeting that is public or scheduled to be, only a publisher.
"""

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.models import Version

from .. import revisions
from ..models import ActionItem, ActionOwner, Attendance, Document, Meeting, OldAddress, Outcome
from ..rights import locking_meetings, may_change_part, meeting_of
from .revert import RowRevert, StaleRevert, when
from .timeline import Timeline

# The records whose meeting's publication decides who may change them (``rights.Part``).
RIGHTS_TYPES = (Meeting, Attendance, OldAddress, Outcome, ActionItem, ActionOwner, Document)


class RevertForm(forms.Form):
    """The confirmation of a revert: the digest of the plan the editor saw."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


def permission_name(permission):
    """``meetings.delete_attendance`` in words: "delete attendance"."""
    action, _sep, model_name = permission.partition(".")[2].partition("_")
    return f"{action} {apps.get_model('meetings', model_name)._meta.verbose_name}"


class HistoryAdmin(VersionAdmin):
    """An admin whose saves are revisions, with the record's timeline and revert (see the module).

    ``revert_class`` plans and writes a revert (default: the record's own fields and links).
    """

    object_history_template = "admin/history/object_history.html"
    # The admin's own change lists (VersionAdmin's adds a "recover deleted" link; see get_urls).
    change_list_template = None
    revert_template = "admin/history/revert.html"
    revert_class = None
    history_per_page = 50

    def get_urls(self):
        """The admin's own pages and the revert of a version; not VersionAdmin's "recover" pages.

        Those revert the whole revision the deleted row was last saved in, which holds its record
        with every other part: a deleted part comes back through its record's revert instead.
        """
        opts = self.model._meta
        revision = path(
            "<path:object_id>/history/<int:version_id>/",
            self.admin_site.admin_view(self.revision_view),
            name=f"{opts.app_label}_{opts.model_name}_revision",
        )
        return [revision, *super(VersionAdmin, self).get_urls()]

    def delete_view(self, request, object_id, extra_context=None):
        with self.create_revision(request):
            return super().delete_view(request, object_id, extra_context)

    def get_revert_class(self):
        return self.revert_class or RowRevert.of(self.model)

    def _history_pk(self, object_id):
        try:
            return self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None

    def _admin_url(self, name, *args):
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args, current_app=self.admin_site.name
        )

    def history_view(self, request, object_id, extra_context=None):
        """The timeline of the record and its parts, a page of revisions at a time."""
        request.current_app = self.admin_site.name
        opts = self.model._meta
        pk = self._history_pk(object_id)
        obj = self.get_object(request, str(pk))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        timeline = Timeline(self.model, pk)
        timeline.per_page = self.history_per_page
        page_obj = timeline.page(request.GET.get(PAGE_VAR))
        revert_disabled = bool(self.revert_refusals(request, obj))
        title = _("View history: %s") if revert_disabled else _("Change history: %s")
        context = {
            **self.admin_site.each_context(request),
            "title": title % force_str(obj),
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": page_obj.paginator.num_pages > 1,
            "module_name": capfirst(force_str(opts.verbose_name_plural)),
            "object": obj,
            "opts": opts,
            "app_label": opts.app_label,
            "part_names": [
                capfirst(part._meta.verbose_name_plural) for part, _key in revisions.parts_of(self.model)
            ],
            "revert_disabled": revert_disabled,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Revert to a version: a page lists what would change (nothing is written), then a POST
        writes it all in one transaction."""
        request.current_app = self.admin_site.name
        opts = self.model._meta
        pk = self._history_pk(object_id)
        version = get_object_or_404(
            Version.objects.get_for_object_reference(self.model, pk).select_related("revision"), pk=version_id
        )
        history_url = self._admin_url("history", pk)
        record = self.model._default_manager.filter(pk=pk).first()
        if record is None:
            raise Http404
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        revert_class = self.get_revert_class()
        plan = revert_class(record, version)
        refusals = self.revert_refusals(request, record, plan)
        if request.method == "POST":
            if refusals:
                raise PermissionDenied
            form = RevertForm(request.POST)
            try:
                if not form.is_valid():
                    raise StaleRevert
                plan.apply(request.user, form.cleaned_data["digest"])
            except StaleRevert:
                self.message_user(
                    request,
                    _(
                        "The record changed since this page was opened. Nothing was written: check what the "
                        "revert would change now, then revert again."
                    ),
                    messages.WARNING,
                )
                record = self.model._default_manager.get(pk=pk)
                plan = revert_class(record, version)
            except IntegrityError as error:
                self.message_user(
                    request,
                    _("The revert could not be written, and nothing was changed: %(error)s")
                    % {"error": error},
                    messages.ERROR,
                )
            else:
                reason = plan.reason(request.user)
                self.log_change(request, record, reason)
                self.message_user(request, reason, messages.SUCCESS)
                return redirect(self._admin_url("change", pk))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revert “%(record)s” to its version of %(date)s")
            % {"record": record, "date": when(version.revision.date_created)},
            "opts": opts,
            "original": record,
            "version": version,
            "plan": plan,
            "refusals": refusals,
            "revert_disabled": bool(refusals),
            "form": RevertForm(initial={"digest": plan.digest()}),
            "history_url": history_url,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.revert_template, context)

    def revert_refusals(self, request, record, plan=None):
        """Why this user may not revert ``record`` (by ``plan``), in words; empty when they may.

        A revert changes the record as it is into the record as it was: both must be the user's to
        change (``rights``), a version that named a published meeting included.
        """
        user = request.user
        for part in (record, plan.as_it_was() if plan is not None else None):
            if isinstance(part, RIGHTS_TYPES) and not may_change_part(user, part):
                if isinstance(record, Meeting):
                    return [
                        _(
                            "This meeting is public or scheduled to be: only a publisher may change it, "
                            "and so revert it."
                        )
                    ]
                meetings = [meeting_of(part)] if meeting_of(part) else locking_meetings(part)
                return [
                    _(
                        "Its meeting “%(meeting)s” is public or scheduled to be: only a publisher may change "
                        "it, and so revert this %(kind)s."
                    )
                    % {"meeting": meeting, "kind": self.model._meta.verbose_name}
                    for meeting in meetings
                ]
        if not self.has_change_permission(request, record):
            return [_("You may not change %(kinds)s.") % {"kinds": self.model._meta.verbose_name_plural}]
        if plan is not None:
            missing = [name for name in plan.needed_permissions() if not user.has_perm(name)]
            if missing:
                names = ", ".join(sorted(permission_name(name) for name in missing))
                return [_("This revert needs permissions you do not have: %(names)s.") % {"names": names}]
        return []
