from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import ActionItem, ActionOwner, ProgressUpdate
from .filters import DueYearFilter, OverdueFilter


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


class ActionOwnerInline(admin.TabularInline):
    model = ActionOwner
    extra = 1
    autocomplete_fields = ["participant"]


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["date", "status", "percent_complete", "note", "meeting", "recorded_by"]
    readonly_fields = ["recorded_by"]
    autocomplete_fields = ["meeting"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "owner_names", "due", "status", "overdue"]
    list_filter = [
        "status",
        OverdueFilter,
        "due_precision",
        DueYearFilter,
        ("owners", admin.RelatedOnlyFieldListFilter),
        "outcome__meeting__meeting_type",
        "themes",
    ]
    list_select_related = ["outcome__meeting"]
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
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["outcome", "position", "title", "description", "themes"]}),
        (_("Due"), {"fields": ["due_as_published", ("due_date", "due_precision"), "due_at_next"]}),
        (
            _("Status"),
            {
                "fields": [
                    "status",
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
        period = action_item.due_period
        if period is None:
            return action_item.due_as_published or "—"
        return str(period)

    @admin.display(description=_("overdue"))
    def overdue(self, action_item):
        if action_item.is_overdue(timezone.localdate()):
            return format_html('<strong class="overdue">{}</strong>', _("Overdue"))
        return ""

    def save_model(self, request, obj, form, change):
        timeframe = obj.fill_due_from_words()
        super().save_model(request, obj, form, change)
        report_derived_due(self, request, obj, timeframe)

    def save_formset(self, request, form, formset, change):
        if formset.model is ProgressUpdate:
            for update_form in formset.forms:
                if update_form.instance.pk is None and update_form.has_changed():
                    update_form.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ["date", "action_item", "status", "meeting", "recorded_by"]
    list_filter = ["status"]
    list_select_related = ["action_item", "meeting", "recorded_by"]
    search_fields = ["note", "action_item__title"]
    autocomplete_fields = ["action_item", "meeting"]
    date_hierarchy = "date"
    readonly_fields = ["recorded_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
