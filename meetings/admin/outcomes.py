from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import ActionItem, ActionOwner, Outcome, OwnerRole, Participant
from .actions import report_derived_due
from .history import HistoryAdmin
from .locking import VersionedAdmin
from .numbering import BlankNumberForm, NumberedForm, NumberedInlineFormSet
from .publishing import HidesLockedParents, LockedWithMeetingAdmin, LockedWithMeetingInline
from .revert import OutcomeRevert


class ActionItemInlineForm(BlankNumberForm):
    """An action item on its outcome's page, with its lead owners editable in place."""

    lead_owners = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(ActionItem._meta.get_field("owners"), admin.site),
        label=_("lead owners"),
        help_text=_("Supporting owners are set on the action item's own page."),
    )

    class Meta:
        model = ActionItem
        fields = ["position", "title", "status", "due_as_published", "due_date", "due_precision"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["lead_owners"] = [
                ownership.participant_id
                for ownership in self.instance.ownerships.all()
                if ownership.role == OwnerRole.LEAD
            ]

    def save_lead_owners(self):
        """Make the lead owners exactly those chosen, leaving supporting owners alone."""
        action_item = self.instance
        chosen = set(self.cleaned_data.get("lead_owners") or [])
        ownerships = {ownership.participant: ownership for ownership in action_item.ownerships.all()}
        for participant, ownership in ownerships.items():
            if ownership.role == OwnerRole.LEAD and participant not in chosen:
                ownership.delete()
        for participant in chosen:
            ownership = ownerships.get(participant)
            if ownership is None:
                ActionOwner.objects.create(action_item=action_item, participant=participant)
            elif ownership.role != OwnerRole.LEAD:
                ownership.role = OwnerRole.LEAD
                ownership.save(update_fields=["role"])


class ActionItemInline(LockedWithMeetingInline, admin.StackedInline):
    model = ActionItem
    form = ActionItemInlineForm
    formset = NumberedInlineFormSet
    extra = 1
    show_change_link = True
    fields = [
        ("position", "status"),
        "title",
        "lead_owners",
        ("due_as_published", "due_date", "due_precision"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("ownerships")


class OutcomeAdminForm(NumberedForm):
    parent_field = "meeting"
    unique_numbers = True


@admin.register(Outcome)
class OutcomeAdmin(VersionedAdmin, HidesLockedParents, LockedWithMeetingAdmin, HistoryAdmin):
    form = OutcomeAdminForm
    draft_lookup = "meeting__in"
    ordering = ["meeting", "position", "pk"]  # the action count groups the rows: keep an order
    list_display = ["__str__", "meeting", "kind", "strength", "action_item_count"]
    list_filter = ["kind", "meeting__meeting_type", "themes"]
    list_select_related = ["meeting"]
    search_fields = ["text", "meeting__title", "addressed_to"]
    autocomplete_fields = ["meeting", "concerns", "themes", "documents"]
    fields = ["meeting", ("position", "kind"), "text", "addressed_to", "concerns", "themes", "documents"]
    inlines = [ActionItemInline]
    revert_class = OutcomeRevert
    save_on_top = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(action_item_count=Count("action_items"))

    @admin.display(description=_("strength"))
    def strength(self, outcome):
        return outcome.get_strength_display()

    @admin.display(description=_("action items"), ordering="action_item_count")
    def action_item_count(self, outcome):
        return outcome.action_item_count

    def save_formset(self, request, form, formset, change):
        derived = []
        if formset.model is ActionItem:
            for action_form in formset.forms:
                if action_form.has_changed() and not _deleted(action_form):
                    timeframe = action_form.instance.fill_due_from_words(form.instance.meeting.start_date)
                    derived.append((action_form.instance, timeframe))
        super().save_formset(request, form, formset, change)
        for action_item, timeframe in derived:
            report_derived_due(self, request, action_item, timeframe)
        if formset.model is ActionItem:
            for action_form in formset.forms:
                if action_form.instance.pk and action_form.has_changed() and not _deleted(action_form):
                    action_form.save_lead_owners()


def _deleted(form):
    return form.cleaned_data.get("DELETE", False) if hasattr(form, "cleaned_data") else False
