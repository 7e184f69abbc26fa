from django.contrib import admin
from django.db.models import Count

from ..models import MeetingType, Theme
from .history import HistoryAdmin
from .locking import VersionedAdmin


@admin.register(MeetingType)
class MeetingTypeAdmin(VersionedAdmin, HistoryAdmin):
    # Counting meetings groups the rows, which drops the model's ordering: keep it for autocomplete.
    ordering = ["position", "name"]
    list_display = ["name", "slug", "position", "meeting_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_count=Count("meetings"))

    @admin.display(description="meetings", ordering="meeting_count")
    def meeting_count(self, meeting_type):
        return meeting_type.meeting_count


@admin.register(Theme)
class ThemeAdmin(VersionedAdmin, HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
