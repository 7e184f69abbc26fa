"""The history of a record in the admin: who changed what and when, field by field, with revert."""

from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from .history_records import link_fields, snapshot_links
from .timeline import Timeline

REASON_LENGTH = 100  # the length of django-simple-history's change reason column


def history_moment(request):
    """One time for every history record a request writes: one save of a page is one moment.

    A meeting and the attendance, outcomes and documents saved with it then share their date, so
    that the meeting's version of that moment includes what its inlines changed (see revert).
    """
    if not hasattr(request, "_history_moment"):
        request._history_moment = timezone.now()
    return request._history_moment


def short_reason(text):
    text = str(text)
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def record_other_side(instance, added_ids, removed_ids, moment=None):
    """Give each meeting linked or unlinked through a symmetrical field a history entry of its own.

    Django writes both directions of the link but tells only ``instance``'s history; the other
    meeting's page shows the related meetings too, so its history says so, with the reason.
    """
    model = type(instance)
    for other in model.objects.filter(pk__in=set(added_ids) | set(removed_ids)).order_by("pk"):
        reason = _("Linked from “%(title)s”") if other.pk in added_ids else _("Unlinked from “%(title)s”")
        other._change_reason = short_reason(reason % {"title": instance})
        other._history_date = moment or getattr(instance, "_history_date", None) or timezone.now()
        other.save(update_fields=["updated_at"])


def is_symmetrical_link(model, link_field):
    return link_field.remote_field.symmetrical and link_field.related_model is model


def ids_of(values):
    return {getattr(value, "pk", value) for value in values or ()}


class LinksInHistoryForm:
    """A model form whose many-to-many changes go into the history entry of the same save.

    Saving each link field sends its own signal, and django-simple-history would write an entry per
    field and per direction (removed, then added). The links are saved without those, and the
    entry the save just wrote keeps them as they now are: one save, one entry.
    """

    def _save_m2m(self):
        instance = self.instance
        model = type(instance)
        changed = [f for f in link_fields(model) if f.name in self.changed_data]
        before = {f.name: ids_of(self.initial.get(f.name)) for f in changed}
        instance.skip_history_when_saving = True
        try:
            super()._save_m2m()
        finally:
            del instance.skip_history_when_saving
        if not changed:
            return
        record = instance.history.first()
        if record is not None:
            snapshot_links(record, instance, changed)
        for link_field in changed:
            if is_symmetrical_link(model, link_field):
                after = ids_of(self.cleaned_data.get(link_field.name))
                old = before[link_field.name]
                record_other_side(instance, after - old, old - after)


class HistoryAdmin(SimpleHistoryAdmin):
    """An admin whose "History" page lists every saved version with its changes, and can revert to one.

    The page is one timeline of the record and of its parts (``history_parts``): a participant's
    other names, an action's owners and progress updates, a meeting's attendance, outcomes and
    documents. Following one of the record's own entries reverts to that version: for meetings,
    outcomes, action items and participants, a confirmation page lists what would change, parts
    included, before anything is written (``revert.RevertAdmin``); other records open the version in
    the change form, and saving it makes it the current version (and a new entry in the history).
    """

    object_history_template = "admin/history/object_history.html"
    history_parts = ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if link_fields(self.model) and not issubclass(form, LinksInHistoryForm):
            form = type(form.__name__, (LinksInHistoryForm, form), {})
        return form

    def save_model(self, request, obj, form, change):
        obj._history_date = history_moment(request)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        moment = history_moment(request)
        for inline_form in formset.forms:
            inline_form.instance._history_date = moment
        super().save_formset(request, form, formset, change)

    def _history_pk(self, object_id):
        try:
            return self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Anything but ids is no version: 404, where the lookup would fail on the number.
        self._history_pk(object_id)
        if not str(version_id).isdigit():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The timeline of the record and its parts, a page of entries at a time."""
        request.current_app = self.admin_site.name
        opts = self.model._meta
        pk = self._history_pk(object_id)
        obj = self.get_object(request, str(pk))
        if obj is None:
            # A deleted record keeps its history: shown as it last was.
            record = self.model.history.filter(**{opts.pk.attname: pk}).first()
            if record is None:
                raise Http404
            obj = record.instance
        if not self.has_view_history_or_change_history_permission(request, obj):
            raise PermissionDenied
        timeline = Timeline(self.model, pk, self.history_parts)
        timeline.per_page = self.history_list_per_page
        page_obj = timeline.page(request.GET.get(PAGE_VAR))
        user_type = self.content_type_model_cls.objects.get_for_model(get_user_model())
        revert_disabled = self.revert_disabled(request, obj)
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
            "part_names": [capfirst(part.model._meta.verbose_name_plural) for part in self.history_parts],
            "admin_user_view": f"admin:{user_type.app_label}_{user_type.model}_change",
            "revert_disabled": revert_disabled,
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_template, context)
