import copy
from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Func, IntegerField, OuterRef, Subquery
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter

from .. import attendance_tallies, revisions, tallies, versions
from ..models import ActionItem, Attendance, Document, Meeting, OldAddress, Outcome
from .filters import PublicationFilter, YearFilter
from .history import HistoryAdmin
from .locking import VersionedAdmin
from .numbering import BlankNumberForm, NumberedInlineFormSet
from .pagination import KeysFirstPaginator
from .paste import paste_attendance_view
from .publishing import (
    DocumentRightsForm,
    HidesLockedParents,
    LockedWithMeetingAdmin,
    LockedWithMeetingInline,
    can_publish,
    locked_for,
)
from .revert import MeetingRevert


def count_of(rows):
    """How many ``rows`` there are, as a correlated subquery for ``annotate()``."""
    counted = rows.order_by().annotate(row_count=Func("pk", function="COUNT")).values("row_count")
    return Subquery(counted, output_field=IntegerField())


class AttendanceInline(LockedWithMeetingInline, admin.TabularInline):
    model = Attendance
    extra = 3
    fields = ["participant", "role", "person", "note", "position"]
    autocomplete_fields = ["participant"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant")


class OutcomeFormSet(NumberedInlineFormSet):
    unique_numbers = True


class OutcomeInline(LockedWithMeetingInline, admin.StackedInline):
    model = Outcome
    form = BlankNumberForm
    formset = OutcomeFormSet
    extra = 1
    fields = [("position", "kind"), "text", "addressed_to", "action_items_link"]
    readonly_fields = ["action_items_link"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(action_item_count=Count("action_items"))

    @admin.display(description=_("action items"))
    def action_items_link(self, outcome):
        if not outcome.pk:
            return _("Save the meeting first, then add this outcome's action items.")
        url = reverse("admin:meetings_outcome_change", args=[outcome.pk])
        count = outcome.action_item_count
        label = ngettext("Edit its %(count)d action item", "Edit its %(count)d action items", count) % {
            "count": count
        }
        return format_html('<a href="{}">{}</a>', url, label if count else _("Add action items"))


class DocumentInline(LockedWithMeetingInline, admin.TabularInline):
    model = Document
    extra = 1
    fields = ["title", "kind", "url", "file", "language", "position"]


class OldAddressInline(LockedWithMeetingInline, admin.TabularInline):
    model = OldAddress
    extra = 0
    fields = ["path", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name_plural = _("old addresses (they redirect here for good; a change of slug adds one)")


@admin.register(Meeting)
class MeetingAdmin(VersionedAdmin, HidesLockedParents, HistoryAdmin):
    revert_class = MeetingRevert
    ordering = ["-start_date", "-pk"]
    list_display = [
        "title",
        "meeting_type",
        "number",
        "start_date",
        "city",
        "country_name",
        "status",
        "publication",
        "attendance_count",
        "outcome_count",
    ]
    list_display_links = ["title"]
    list_filter = [
        "meeting_type",
        YearFilter,
        ("country", CountryFilter),
        "status",
        PublicationFilter,
        "format",
        "themes",
    ]
    list_select_related = ["meeting_type"]
    search_fields = ["title", "slug", "city", "venue", "purpose", "summary", "date_as_published"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["meeting_type", "parent", "convening_body", "related_meetings", "themes"]
    inlines = [AttendanceInline, OutcomeInline, DocumentInline, OldAddressInline]
    actions = ["publish_now", "return_to_draft"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["meeting_type", "number", "title", "slug", "status", "published_at"]}),
        (
            _("When and where"),
            {
                "fields": [
                    ("start_date", "end_date"),
                    "date_as_published",
                    ("city", "country"),
                    "venue",
                    "format",
                ]
            },
        ),
        (_("Record"), {"fields": ["purpose", "summary", "body", "themes"]}),
        (_("Attendance as published"), {"fields": ["attendance_summary", "attendance_complete"]}),
        (_("Links"), {"fields": ["convening_body", "parent", "related_meetings", "source_urls"]}),
        (_("Image"), {"fields": ["hero_image", "hero_image_alt"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # Counted per meeting in a subquery, not by joining the rows and grouping: the list counts
        # only its page's meetings, and its total, the year filter and the date hierarchy read
        # the meetings table alone (a join of every attendance and outcome, 30 s at 10,000 meetings).
        return (
            super()
            .get_queryset(request)
            .annotate(
                attendance_count=count_of(Attendance.objects.filter(meeting=OuterRef("pk"))),
                outcome_count=count_of(Outcome.objects.filter(meeting=OuterRef("pk"))),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_publish(request):
            readonly.append("published_at")
        return readonly

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not locked_for(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not locked_for(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request)

    def get_urls(self):
        paste = path(
            "<path:object_id>/paste-attendance/",
            self.admin_site.admin_view(partial(paste_attendance_view, self)),
            name="meetings_meeting_paste_attendance",
        )
        return [paste, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        # As it was, read in the transaction of the change (the admin's form is one).
        before = Meeting.objects.filter(pk=obj.pk).first() if change else None
        if not can_publish(request):
            # On every path (the form, a revert to an older version): the publication time stays.
            obj.published_at = before.published_at if before else None
        super().save_model(request, obj, form, change)
        date_actions_by([obj], previously=[before] if before else [])

    def delete_model(self, request, obj):
        # A meeting's delete cascades to hundreds of rows: the version moves once, and the tallies
        # take away the shares of its actions and attendance in one pass, not one of each a row.
        with transaction.atomic(), versions.deferred(), tallies.deferred(), attendance_tallies.deferred():
            super().delete_model(request, obj)
            date_actions_by([], previously=[obj])

    def delete_queryset(self, request, queryset):
        # The bulk "delete" action is not one transaction of the admin's: it is made one here.
        with transaction.atomic(), versions.deferred(), tallies.deferred(), attendance_tallies.deferred():
            meetings = list(Meeting.objects.filter(pk__in=queryset.values("pk")))
            super().delete_queryset(request, queryset)
            date_actions_by([], previously=meetings)

    def save_related(self, request, form, formsets, change):
        before = set(form.initial.get("related_meetings") or ()) if change else set()
        before = {getattr(meeting, "pk", meeting) for meeting in before}
        super().save_related(request, form, formsets, change)
        # The link goes both ways: the meetings linked or unlinked are changed too, in this revision.
        after = {meeting.pk for meeting in form.cleaned_data.get("related_meetings") or ()}
        revisions.add(*Meeting.objects.filter(pk__in=before ^ after))

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, meeting):
        # By the field's own lookup, not the admin's: that flattens the list of every country once
        # per row (half the time of a page of 100 meetings).
        return meeting.country.name or self.get_empty_value_display()

    @admin.display(description=_("publication"), ordering="published_at")
    def publication(self, meeting):
        return {"draft": _("Draft"), "scheduled": _("Scheduled"), "published": _("Published")}[
            meeting.publication_state
        ]

    @admin.display(description=_("attendance"), ordering="attendance_count")
    def attendance_count(self, meeting):
        return meeting.attendance_count

    @admin.display(description=_("outcomes"), ordering="outcome_count")
    def outcome_count(self, meeting):
        return meeting.outcome_count

    @admin.action(description=_("Publish selected meetings now"), permissions=["publish"])
    def publish_now(self, request, queryset):
        with transaction.atomic():
            _before, published = _set_published_at(
                request, queryset, timezone.now(), published_at__isnull=True
            )
            date_actions_by(published)
        count = len(published)
        self.message_user(
            request,
            ngettext("Published %(count)d meeting.", "Published %(count)d meetings.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Return selected meetings to draft"), permissions=["publish"])
    def return_to_draft(self, request, queryset):
        with transaction.atomic():
            before, drafts = _set_published_at(request, queryset, None, published_at__isnull=False)
            # The due dates these meetings gave other actions go back with them.
            date_actions_by(drafts, previously=before)
        count = len(drafts)
        self.message_user(
            request,
            ngettext("%(count)d meeting is a draft again.", "%(count)d meetings are drafts again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


def _set_published_at(request, meetings, published_at, **still):
    """Save each meeting (not a bulk update), so that the action's revision holds each one.

    ``still`` is what makes a selected meeting one to change (a draft, to publish): it is asked of
    the rows as they are locked, so that a meeting changed since (scheduled by another publisher) is
    left as it now is. Only the publication time is written: nothing else of the row is overwritten.
    Returns the meetings as they were and as they are. Called in the transaction of the action, which
    dates actions by them too.
    """
    # Lock the meetings alone, by id, without the admin queryset's counts of their rows.
    ids = list(meetings.values_list("pk", flat=True))
    meetings = list(Meeting.objects.select_for_update().filter(pk__in=ids, **still))
    before = [copy.copy(meeting) for meeting in meetings]
    for meeting in meetings:
        meeting.published_at = published_at
        meeting.save(update_fields=["published_at", "updated_at"])
    return before, meetings


def date_actions_by(meetings, previously=()):
    """Date again the actions due at the next meeting of the types of ``meetings`` (as they are now)
    and of ``previously`` (meetings as they were before the change, or deleted since): see
    ``ActionItemQuerySet.date_by_next_meetings``. Called in the transaction of the change."""
    types = {meeting.meeting_type_id for meeting in [*meetings, *previously]}
    if not types:
        return []
    return ActionItem.objects.filter(due_at_next__in=types).date_by_next_meetings(previously=previously)


@admin.register(Attendance)
class AttendanceAdmin(VersionedAdmin, LockedWithMeetingAdmin, HistoryAdmin):
    list_display = ["participant", "meeting", "role", "person", "note"]
    list_filter = ["role", "meeting__meeting_type", "participant__kind"]
    list_select_related = ["participant", "meeting"]
    search_fields = ["participant__name", "participant__short_name", "meeting__title", "person"]
    autocomplete_fields = ["meeting", "participant"]
    # Newest meetings first, each in its order: the index of meetings by date and
    # attendance_meeting_position give this order, where the model's ordering (by participant name
    # within a position too) has every row sorted for each page.
    ordering = ["meeting", "position", "pk"]
    paginator = KeysFirstPaginator
    show_full_result_count = False


@admin.register(Document)
class DocumentAdmin(VersionedAdmin, LockedWithMeetingAdmin, HistoryAdmin):
    # A document is locked by its meeting, or without one by the meetings that cite it: its form
    # checks both, where it is and where it would go.
    parent_fields = ()
    rights_form = DocumentRightsForm
    list_display = ["title", "kind", "meeting", "language", "published_on"]
    list_filter = ["kind", "language"]
    list_select_related = ["meeting"]
    search_fields = ["title", "url", "meeting__title"]
    autocomplete_fields = ["meeting", "translation_of"]
