"""How the admin applies ``meetings.rights``: who may publish, and what the rest may not touch.

A meeting with a publication time (published, or scheduled to be) is locked for staff without the
publish permission, and so is everything its record holds: they see it, but cannot change or
delete it, add to it, or move a part into it or out of it. They cannot set a publication time
either. An action item's progress stays open to them: its status, with a note, on its page, and new
entries of its timeline.

Django drops silently what a user may not do on a page (a read-only field, an inline row they may
not change, a choice the widget did not offer); here each of those, posted anyway, is refused with a
message on the form and nothing is saved.
"""

from django.core.exceptions import ValidationError
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from ..models import Document, Meeting
from ..rights import (
    locking_meetings,
    may_change,
    may_change_document,
    may_change_part,
    may_publish,
    meeting_of,
    refusal,
)

# The fields that choose where a part of the record belongs, by (model name, field name): their
# autocomplete offers a user who may not publish only drafts' meetings and outcomes.
PARENT_FIELDS = {
    ("attendance", "meeting"),
    ("outcome", "meeting"),
    ("document", "meeting"),
    ("actionitem", "outcome"),
}


def can_publish(request):
    return may_publish(request.user)


def locked_for(request, meeting):
    """Whether ``meeting`` is public (or scheduled to be) and the user may not publish."""
    return not may_change(request.user, meeting)


def posted_changes(form, names):
    """The fields among ``names`` that the POST gives another value than the form's initial one.

    Only fields the POST carries count: a browser sends no value for a read-only or disabled
    field. Disabled fields count too, which Django otherwise keeps as they were without a word.
    """
    changed = []
    for name in names:
        field = form.fields.get(name)
        key = form.add_prefix(name)
        if field is None or (key not in form.data and f"{key}_0" not in form.data):
            continue
        value = field.widget.value_from_datadict(form.data, form.files, key)
        disabled, field.disabled = field.disabled, False
        try:
            if field.has_changed(form.get_initial_for_field(field, name), value):
                changed.append(name)
        finally:
            field.disabled = disabled
    return changed


class RecordRightsForm:
    """The form of a part of a meeting's record, with the rights of the user who opened it.

    ``locked_fields`` are shown disabled and a change to one is refused; ``parent_fields`` choose
    the meeting or outcome the part belongs to, and choosing one the user may not change is refused.
    """

    rights_user = None
    locked_fields = ()
    locked_refusal = ""
    parent_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.locked_fields:
            if name in self.fields:
                self.fields[name].disabled = True

    def clean(self):
        cleaned_data = super().clean()
        changed = posted_changes(self, self.locked_fields)
        if changed:
            labels = get_text_list([str(self.fields[name].label).lower() for name in changed], _("and"))
            raise ValidationError(
                _("%(refusal)s Not saved: %(fields)s.") % {"refusal": self.locked_refusal, "fields": labels},
                code="locked",
            )
        for name in self.parent_fields:
            if name in self.fields and (self.instance.pk is None or name in self.changed_data):
                meeting = meeting_of(cleaned_data.get(name))
                if not may_change(self.rights_user, meeting):
                    self.add_error(name, ValidationError(refusal(meeting), code="locked"))
        return cleaned_data


class DocumentRightsForm(RecordRightsForm):
    """A document's form: it may not go where it would be public, or be held by a locked meeting."""

    def clean(self):
        cleaned_data = super().clean()
        if "meeting" in self.fields and not self.has_error("meeting"):
            proposed = Document(pk=self.instance.pk, meeting=cleaned_data.get("meeting"))
            if not may_change_document(self.rights_user, proposed):
                meetings = locking_meetings(proposed)
                if proposed.meeting_id is not None:
                    message = refusal(proposed.meeting)
                else:
                    message = _(
                        "Without a meeting, this document would be public through %(meetings)s, whose "
                        "outcomes cite it: only a publisher may change their record."
                    ) % {"meetings": get_text_list([f"“{meeting}”" for meeting in meetings], _("and"))}
                self.add_error("meeting", ValidationError(message, code="locked"))
        return cleaned_data


class RightsFormSet:
    """An inline's formset that refuses, with a message, the rows its rights leave out."""

    may_add = may_change = may_delete = True
    refusal = ""

    def clean(self):
        super().clean()
        refused = False
        for form in self.initial_forms:
            fields = [name for name in form.fields if name not in ("id", self.fk.name)]
            if not self.may_change and posted_changes(form, fields):
                refused = True
            if not self.may_delete and form.data.get(form.add_prefix("DELETE")):
                refused = True
        if not self.may_add:
            refused = refused or any(posted_changes(form, form.fields) for form in self.extra_forms)
        if refused:
            raise ValidationError(self.refusal, code="locked")


class RightsInline:
    """An inline whose formset refuses what the user may not do, rather than dropping it."""

    def inline_refusal(self, request, obj):
        meeting = meeting_of(obj)
        return refusal(meeting) if meeting is not None else ""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        rights = {
            "may_add": self.has_add_permission(request, obj),
            "may_change": self.has_change_permission(request, obj),
            "may_delete": self.has_delete_permission(request, obj),
            "refusal": self.inline_refusal(request, obj),
        }
        return type(formset.__name__, (RightsFormSet, formset), rights)


class LockedWithMeetingInline(RightsInline):
    """An inline of a page of a meeting's record, read-only where that meeting is locked for the user."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and may_change(request.user, meeting_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_change(request.user, meeting_of(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_change(request.user, meeting_of(obj))


class LockedWithMeetingAdmin:
    """The admin of a part of a meeting's record (attendance, outcome, action item, document).

    The part is locked with the meeting that holds it. ``parent_fields`` choose that meeting, or
    the outcome that leads to it. ``open_fields`` stay open on a locked part to anyone who may
    change such parts: an action item's progress.
    """

    parent_fields = ("meeting",)
    open_fields = ()
    rights_form = RecordRightsForm

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or bool(self.open_fields) or may_change_part(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_change_part(request.user, obj))

    def locked_fields(self, request, obj, form):
        """The fields of ``form`` the user may not change on ``obj``: all but the open ones, if locked."""
        if obj is None or may_change_part(request.user, obj):
            return ()
        return tuple(name for name in form.base_fields if name not in self.open_fields)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        locked = self.locked_fields(request, obj, form)
        rights = {
            "rights_user": request.user,
            "parent_fields": self.parent_fields,
            "locked_fields": locked,
            "locked_refusal": refusal(meeting_of(obj)) if locked else "",
        }
        return type(form.__name__, (self.rights_form, form), rights)


class HidesLockedParents:
    """The admin of meetings or outcomes: their autocomplete for a part's parent offers a user who may
    not publish only drafts' (the part's form refuses the others too). ``draft_lookup`` reaches the
    meeting from a row."""

    draft_lookup = "pk__in"

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = (request.GET.get("model_name"), request.GET.get("field_name"))
        if source in PARENT_FIELDS and not can_publish(request):
            queryset = queryset.filter(**{self.draft_lookup: Meeting.objects.drafts()})
        return queryset, may_have_duplicates
