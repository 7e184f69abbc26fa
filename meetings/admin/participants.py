from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from ..models import Membership, MembershipStatus, Participant, ParticipantAlias
from .filters import ForumMembershipFilter
from .history import HistoryAdmin
from .locking import VersionedAdmin
from .revert import ParticipantRevert


class ParticipantAliasInline(admin.TabularInline):
    model = ParticipantAlias
    extra = 1
    verbose_name_plural = _("other names (used to recognise this participant in pasted and imported text)")


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "participant"
    extra = 0
    fields = ["body", "status", "start_date", "end_date", "granted_by", "ended_by", "note", "source_url"]
    autocomplete_fields = ["body", "granted_by", "ended_by"]


@admin.register(Participant)
class ParticipantAdmin(VersionedAdmin, HistoryAdmin):
    ordering = ["name"]  # the counts group the rows, which drops the model's ordering
    list_display = ["name", "short_name", "kind", "country", "forum_status", "meeting_count"]
    list_filter = ["kind", ForumMembershipFilter]
    search_fields = ["name", "short_name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ParticipantAliasInline, MembershipInline]
    revert_class = ParticipantRevert
    fieldsets = [
        (None, {"fields": ["kind", "name", "short_name", "slug", "country"]}),
        (_("About"), {"fields": ["description", "website", "contact_email"]}),
    ]

    def get_queryset(self, request):
        current_status = (
            Membership.objects.current().of_forum().filter(participant=OuterRef("pk")).values("status")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                meeting_count=Count("attendances", distinct=True),
                forum_status=Subquery(current_status),
            )
        )

    @admin.display(description=_("forum status today"), ordering="forum_status")
    def forum_status(self, participant):
        if not participant.forum_status:
            return "—"
        return MembershipStatus(participant.forum_status).label

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, participant):
        return participant.meeting_count


@admin.register(Membership)
class MembershipAdmin(VersionedAdmin, HistoryAdmin):
    list_display = ["participant", "status", "body", "start_date", "end_date"]
    list_filter = ["status", "body", "participant__kind"]
    search_fields = ["participant__name", "participant__short_name", "note"]
    list_select_related = ["participant", "body"]
    autocomplete_fields = ["participant", "body", "granted_by", "ended_by"]
