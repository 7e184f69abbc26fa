"""The confirmation page of a revert and its POST, for each admin whose records revert with their parts.

Following an entry of a record's history opens a page that lists what reverting to that version
would change, and writes nothing; confirming writes it all in one transaction, if the record is
still as it was when the page was opened. Who may revert: whoever may change the record and every
row the revert writes, and, for the record of a meeting that is public or scheduled to be, only a
publisher (as for any other change to it).
"""

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from ...models import Meeting
from ..publishing import can_publish
from .plans import StaleRevert, when, with_targets


class RevertForm(forms.Form):
    """The confirmation of a revert: the digest of the plan the editor saw."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


def permission_name(permission):
    """``meetings.delete_attendance`` in words: "delete attendance"."""
    action, _sep, model_name = permission.partition(".")[2].partition("_")
    return f"{action} {apps.get_model('meetings', model_name)._meta.verbose_name}"


class RevertAdmin:
    """An admin whose records revert with their parts, after a confirmation page (see ``revert``).

    ``revert_class`` plans and writes the revert; ``meeting_lookup`` finds, from a ``Meeting``, the
    record whose meeting locks it for staff who may not publish (None: no meeting locks it).
    """

    revert_class = None
    revert_template = "admin/history/revert.html"
    meeting_lookup = None

    def _admin_url(self, name, *args):
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args, current_app=self.admin_site.name
        )

    def revert_disabled(self, request, obj=None):
        if super().revert_disabled(request, obj):
            return True
        if obj is None or self.meeting_lookup is None or can_publish(request):
            return False
        return Meeting.objects.filter(published_at__isnull=False, **{self.meeting_lookup: obj.pk}).exists()

    def locked_meetings(self, request, plan):
        """The meetings ``plan`` changes that are public or scheduled, where the user may not publish."""
        if can_publish(request):
            return []
        return list(
            Meeting.objects.filter(pk__in=plan.meeting_ids(), published_at__isnull=False).order_by("pk")
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Revert to a version: a page lists what would change (nothing is written), then a POST
        writes it all in one transaction."""
        request.current_app = self.admin_site.name
        model, opts = self.model, self.model._meta
        pk = self._history_pk(object_id)
        if not str(version_id).isdigit():
            raise Http404
        version = get_object_or_404(
            with_targets(model.history.all(), model), id=pk, history_id=int(version_id)
        )
        history_url = self._admin_url("history", pk)
        current = with_targets(model.objects.all(), model)
        record = current.filter(pk=pk).first()
        if record is None:
            self.message_user(
                request,
                _("This %(kind)s was deleted: it cannot be reverted.") % {"kind": opts.verbose_name},
                messages.ERROR,
            )
            return redirect(history_url)
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        plan = self.revert_class(record, version)
        refusals = self.revert_refusals(request, record, plan)
        if request.method == "POST":
            # The version may have been a draft's; whether it can be restored depends on the record now.
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
                record = current.get(pk=pk)
                plan = self.revert_class(record, version)
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
            % {"record": record, "date": when(version.history_date)},
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

    def revert_refusals(self, request, record, plan):
        """Why this user may not write ``plan``, in words (empty when they may)."""
        locked = self.locked_meetings(request, plan)
        if locked:
            if isinstance(record, Meeting):
                return [
                    _(
                        "This meeting is public or scheduled to be: only a publisher may change it, and so "
                        "revert it."
                    )
                ]
            return [
                _(
                    "Its meeting “%(meeting)s” is public or scheduled to be: only a publisher may change it, "
                    "and so revert this %(kind)s."
                )
                % {"meeting": meeting, "kind": self.model._meta.verbose_name}
                for meeting in locked
            ]
        if not self.has_change_permission(request, record):
            return [_("You may not change %(kinds)s.") % {"kinds": self.model._meta.verbose_name_plural}]
        missing = [name for name in plan.needed_permissions() if not request.user.has_perm(name)]
        if missing:
            names = ", ".join(sorted(permission_name(name) for name in missing))
            return [_("This revert needs permissions you do not have: %(names)s.") % {"names": names}]
        return []
