from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers as admin_helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import ActionItem, ActionOwner, ActionStatus, Document, Meeting, ProgressUpdate
from ..rights import may_change_part, refusal
from ..text import showable_text_validator
from .filters import DueYearFilter, OverdueFilter, OwnerFilter
from .history import HistoryAdmin
from .locking import VersionedAdmin
from .numbering import NumberedForm
from .pagination import KeysFirstPaginator
from .publishing import LockedWithMeetingAdmin, LockedWithMeetingInline, RightsInline
from .revert import ActionItemRevert


def report_derived_due(model_admin, request, action_item, timeframe):
    """Tell the editor what was read from the timeframe as published, so they confirm or correct it."""
    if timeframe is None:
        return
    words = action_item.due_as_published
    if timeframe.period is not None:
        model_admin.message_user(
            request,
            _('"%(action)s": due %(period)s (by %(end)s), read from "%(words)s". Check it or change it.')
            % {
                "action": action_item,
                "period": timeframe.period,
                "end": f"{timeframe.period.end.day} {timeframe.period.end:%B %Y}",
                "words": words,
            },
            messages.INFO,
        )
    elif timeframe.next_meeting_of:
        if action_item.due_at_next_id:
            message = _(
                '"%(action)s": due at the next %(type)s, read from "%(words)s"; '
                "it is dated once that meeting is scheduled."
            )
            level = messages.INFO
        else:
            message = _(
                '"%(action)s": no meeting type is called "%(type)s"; choose it under '
                '"due at the next meeting of".'
            )
            level = messages.WARNING
        model_admin.message_user(
            request,
            message
            % {
                "action": action_item,
                "type": action_item.due_at_next or timeframe.next_meeting_of,
                "words": words,
            },
            level,
        )
    elif timeframe.understood:
        model_admin.message_user(
            request,
            _('"%(action)s": "%(words)s" gives no due date; it stays undated.')
            % {"action": action_item, "words": words},
            messages.INFO,
        )
    else:
        model_admin.message_user(
            request,
            _('"%(action)s": the timeframe "%(words)s" was not understood; give the due date yourself.')
            % {"action": action_item, "words": words},
            messages.WARNING,
        )


class ActionOwnerInline(LockedWithMeetingInline, admin.TabularInline):
    model = ActionOwner
    extra = 1
    autocomplete_fields = ["participant"]


class ProgressUpdateInline(RightsInline, admin.TabularInline):
    """The action's timeline: entries are added, never changed or deleted once saved.

    Progress is open on a published meeting's actions too: an entry is public at once, recorded
    by whoever added it.
    """

    model = ProgressUpdate
    extra = 0
    fields = ["date", "status", "percent_complete", "note", "meeting", "recorded_by"]
    readonly_fields = ["recorded_by"]
    autocomplete_fields = ["meeting"]
    verbose_name = _("progress update (saved ones are kept as they are; add a new one to correct)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meeting", "recorded_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def inline_refusal(self, request, obj):
        return _("Saved progress updates are kept as they are: add a new one to correct one.")


class ActionItemAdminForm(NumberedForm):
    parent_field = "outcome"

    status_note = forms.CharField(
        label=_("note on the status change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded on the timeline with the new status, your name and today's date."),
        validators=[showable_text_validator(_("Note on the status change"))],
    )

    class Meta:
        model = ActionItem
        fields = [
            "outcome",
            "position",
            "title",
            "description",
            "themes",
            "due_as_published",
            "due_date",
            "due_precision",
            "due_at_next",
            "status",
            "superseded_by",
            "fulfilled_by_meeting",
            "fulfilled_by_document",
            "reported_to",
        ]

    def clean(self):
        cleaned_data = super().clean()
        # Only a superseded action names what superseded it: a status change clears it, as
        # ActionItem.change_status does, where the field is locked too (a published action's).
        if self.fields["superseded_by"].disabled and cleaned_data.get("status") != ActionStatus.SUPERSEDED:
            cleaned_data["superseded_by"] = None
        return cleaned_data


class StatusChangeForm(forms.Form):
    """The note and context an editor gives when moving several actions to a status at once."""

    note = forms.CharField(
        label=_("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[showable_text_validator(_("Note"))],
    )
    date = forms.DateField(label=_("date"), initial=timezone.localdate, help_text=_("YYYY-MM-DD"))
    meeting = forms.ModelChoiceField(
        Meeting.objects.order_by("-start_date", "-pk"),
        label=_("reported at"),
        required=False,
        help_text=_("The meeting where the progress was reported, if any."),
    )
    fulfilled_by_meeting = forms.ModelChoiceField(
        Meeting.objects.order_by("-start_date", "-pk"), label=_("fulfilled by meeting"), required=False
    )
    fulfilled_by_document = forms.ModelChoiceField(
        Document.objects.order_by("title", "pk"), label=_("fulfilled by document"), required=False
    )

    def __init__(self, *args, status, action_items, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.status, self.action_items, self.user = status, action_items, user
        if status != ActionStatus.COMPLETED:
            del self.fields["fulfilled_by_meeting"]
            del self.fields["fulfilled_by_document"]

    def clean(self):
        """Each action's new timeline entry as the progress admin would take it; and what fulfilled
        the actions is theirs to say only who may change their record."""
        cleaned_data = super().clean()
        # Read once: an error added on a field takes it out of cleaned_data.
        date, meeting = cleaned_data.get("date"), cleaned_data.get("meeting")
        if date:
            for action_item in self.action_items:
                update = ProgressUpdate(
                    action_item=action_item, date=date, status=self.status, meeting=meeting
                )
                try:
                    update.clean()
                except ValidationError as error:
                    for field, messages in error.message_dict.items():
                        for message in messages:
                            if message not in self.errors.get(field, []):
                                self.add_error(field, message)
        if cleaned_data.get("fulfilled_by_meeting") or cleaned_data.get("fulfilled_by_document"):
            for action_item in self.action_items:
                if not may_change_part(self.user, action_item):
                    message = _("“%(action)s”: %(refusal)s Mark it without saying what fulfilled it.") % {
                        "action": action_item,
                        "refusal": refusal(action_item.outcome.meeting),
                    }
                    self.add_error(None, message)
        return cleaned_data


@admin.register(ActionItem)
class ActionItemAdmin(VersionedAdmin, LockedWithMeetingAdmin, HistoryAdmin):
    parent_fields = ("outcome",)
    # Progress is open on a locked action: its status, with a note that goes on its timeline.
    open_fields = ("status", "status_note")
    list_display = ["title", "meeting", "owner_names", "due", "status", "overdue"]
    list_filter = [
        "status",
        OverdueFilter,
        "due_precision",
        DueYearFilter,
        ("owners", OwnerFilter),
        "outcome__meeting__meeting_type",
        "themes",
    ]
    list_select_related = ["outcome__meeting", "due_at_next"]
    search_fields = [
        "title",
        "description",
        "due_as_published",
        "outcome__text",
        "outcome__meeting__title",
        "owners__name",
        "owners__short_name",
    ]
    autocomplete_fields = [
        "outcome",
        "due_at_next",
        "superseded_by",
        "fulfilled_by_meeting",
        "fulfilled_by_document",
        "reported_to",
        "themes",
    ]
    inlines = [ActionOwnerInline, ProgressUpdateInline]
    # The latest outcomes' actions first, each outcome's in their order, read from the index of
    # the action's outcome. Ordered by the meetings' dates (the model's ordering), SQLite sorts
    # every action for each page (300 ms at 312,000 actions, keys alone).
    ordering = ["-outcome_id", "position", "pk"]
    paginator = KeysFirstPaginator
    show_full_result_count = False
    revert_class = ActionItemRevert
    form = ActionItemAdminForm
    actions = ["mark_in_progress", "mark_completed", "mark_cancelled"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["outcome", "position", "title", "description", "themes"]}),
        (_("Due"), {"fields": ["due_as_published", ("due_date", "due_precision"), "due_at_next"]}),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "status_note",
                    "superseded_by",
                    "fulfilled_by_meeting",
                    "fulfilled_by_document",
                    "reported_to",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("owners")

    @admin.display(description=_("meeting"), ordering="outcome__meeting__start_date")
    def meeting(self, action_item):
        return action_item.outcome.meeting

    @admin.display(description=_("owners"))
    def owner_names(self, action_item):
        return ", ".join(owner.display_name for owner in action_item.owners.all()) or "—"

    @admin.display(description=_("due"), ordering="due_date")
    def due(self, action_item):
        return action_item.due_label or action_item.due_as_published or "—"

    @admin.display(description=_("overdue"))
    def overdue(self, action_item):
        if action_item.is_overdue(timezone.localdate()):
            return format_html('<strong class="overdue">{}</strong>', _("Overdue"))
        return ""

    def save_model(self, request, obj, form, change):
        # On a locked action only its progress changes: no due date read from its words either.
        timeframe = obj.fill_due_from_words() if may_change_part(request.user, obj) else None
        status_changed = "status" in form.changed_data if change else obj.status != ActionStatus.NOT_STARTED
        if status_changed:
            obj.change_status(obj.status, by=request.user, note=form.cleaned_data.get("status_note", ""))
        else:
            super().save_model(request, obj, form, change)
            if form.cleaned_data.get("status_note"):
                obj.change_status(obj.status, by=request.user, note=form.cleaned_data["status_note"])
        report_derived_due(self, request, obj, timeframe)
        if obj.due_at_next_id and ActionItem.objects.filter(pk=obj.pk).date_by_next_meetings():
            obj.refresh_from_db(fields=["due_date", "due_precision"])
            self.message_user(
                request,
                _('"%(action)s" is due at the next %(type)s, on %(date)s.')
                % {"action": obj, "type": obj.due_at_next, "date": obj.due_date.isoformat()},
                messages.INFO,
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProgressUpdate:
            super().save_formset(request, form, formset, change)
            return
        new_updates = []
        for update_form in formset.forms:
            if update_form.instance.pk is None and update_form.has_changed():
                update_form.instance.recorded_by = request.user
                new_updates.append(update_form.instance)
        super().save_formset(request, form, formset, change)
        for update in new_updates:
            form.instance.follow_update(update)

    @admin.action(description=_("Mark as in progress, with a note"))
    def mark_in_progress(self, request, queryset):
        return self._change_status(request, queryset, ActionStatus.IN_PROGRESS, "mark_in_progress")

    @admin.action(description=_("Mark as completed, with a note and what fulfilled them"))
    def mark_completed(self, request, queryset):
        return self._change_status(request, queryset, ActionStatus.COMPLETED, "mark_completed")

    @admin.action(description=_("Mark as cancelled, with a note"))
    def mark_cancelled(self, request, queryset):
        return self._change_status(request, queryset, ActionStatus.CANCELLED, "mark_cancelled")

    def _change_status(self, request, queryset, status, action_name):
        """Ask for a note on a confirmation page (a plain form: no JavaScript needed), then apply."""
        form = StatusChangeForm(
            request.POST if "apply" in request.POST else None,
            status=status,
            action_items=list(queryset.select_related("outcome__meeting").order_by("pk")),
            user=request.user,
        )
        if form.is_bound and form.is_valid():
            changed = skipped = 0
            with transaction.atomic():
                # Each action as it is now, locked until all are written, its status compared and
                # only its status written: a change made meanwhile is neither overwritten nor lost.
                ids = list(queryset.values_list("pk", flat=True))
                for action_item in ActionItem.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
                    if action_item.status == status:
                        skipped += 1
                        continue
                    action_item.change_status(
                        status,
                        by=request.user,
                        note=form.cleaned_data["note"],
                        date=form.cleaned_data["date"],
                        meeting=form.cleaned_data["meeting"],
                        fulfilled_by_meeting=form.cleaned_data.get("fulfilled_by_meeting"),
                        fulfilled_by_document=form.cleaned_data.get("fulfilled_by_document"),
                        only_status=True,
                    )
                    changed += 1
            label = ActionStatus(status).label.lower()
            self.message_user(
                request,
                ngettext(
                    "%(count)d action marked %(status)s.", "%(count)d actions marked %(status)s.", changed
                )
                % {"count": changed, "status": label},
                messages.SUCCESS,
            )
            if skipped:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d action already was %(status)s and was left as it is.",
                        "%(count)d actions already were %(status)s and were left as they are.",
                        skipped,
                    )
                    % {"count": skipped, "status": label},
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Mark as %(status)s") % {"status": ActionStatus(status).label.lower()},
            "opts": self.model._meta,
            "action_items": queryset.select_related("outcome__meeting"),
            "form": form,
            "action_name": action_name,
            "status_label": ActionStatus(status).label,
            "action_checkbox_name": admin_helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/meetings/actionitem/change_status.html", context)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(VersionedAdmin, HistoryAdmin):
    list_display = ["date", "action_item", "status", "meeting", "recorded_by"]
    list_filter = ["status"]
    list_select_related = ["action_item", "meeting", "recorded_by"]
    search_fields = ["note", "action_item__title"]
    autocomplete_fields = ["action_item", "meeting"]
    date_hierarchy = "date"
    readonly_fields = ["recorded_by"]

    # The timeline is the history: an entry is added, never changed or deleted.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            obj.action_item.follow_update(obj)
