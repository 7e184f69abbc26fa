"""Change-list filters the built-in ones do not cover."""

from django.contrib import admin
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Membership


class YearFilter(admin.SimpleListFilter):
    """Filter by the year of a date field, offering only the years that have records."""

    title = _("year")
    parameter_name = "year"
    date_field = "start_date"

    def lookups(self, request, model_admin):
        years = (
            model_admin.get_queryset(request)
            .exclude(**{f"{self.date_field}__isnull": True})
            .annotate(filter_year=ExtractYear(self.date_field))
            .order_by("-filter_year")
            .values_list("filter_year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.date_field}__year": int(value)})
        return queryset


class DueYearFilter(YearFilter):
    title = _("due year")
    parameter_name = "due_year"
    date_field = "due_date"


class PublicationFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("scheduled", _("Scheduled")),
            ("published", _("Published")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "draft":
            return queryset.drafts()
        if value == "scheduled":
            return queryset.scheduled_for_publication()
        if value == "published":
            return queryset.published()
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("open", _("Open, not overdue")),
            ("undated", _("No due date")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        today = timezone.localdate()
        if value == "overdue":
            return queryset.overdue(today)
        if value == "open":
            return queryset.open().exclude(pk__in=queryset.overdue(today).values("pk"))
        if value == "undated":
            return queryset.filter(due_date__isnull=True)
        return queryset


class ForumMembershipFilter(admin.SimpleListFilter):
    """Participants by their membership of the forum today."""

    title = _("forum membership today")
    parameter_name = "membership"

    def lookups(self, request, model_admin):
        return [*Membership._meta.get_field("status").choices, ("none", _("None"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        current = Membership.objects.current().of_forum()
        if value == "none":
            return queryset.exclude(pk__in=current.values("participant"))
        return queryset.filter(pk__in=current.filter(status=value).values("participant"))
