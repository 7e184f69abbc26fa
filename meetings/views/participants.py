from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView

from ..filters import ParticipantFilter
from ..models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    Meeting,
    Membership,
    Participant,
    ParticipantKind,
)
from .filtering import ActiveFiltersMixin
from .pagination import ForgivingPaginationMixin

KIND_ORDER = Case(
    *(When(kind=kind.value, then=Value(position)) for position, kind in enumerate(ParticipantKind)),
    default=Value(len(ParticipantKind)),
)


def current_forum_memberships():
    """Memberships of the forum itself in force today, for the status shown beside a name."""
    return Prefetch(
        "memberships",
        queryset=Membership.objects.current(timezone.localdate()).of_forum().order_by("status"),
        to_attr="current_forum_memberships",
    )


class ParticipantListView(ActiveFiltersMixin, ForgivingPaginationMixin, FilterView):
    """``/participants/``: states, organisations and bodies, grouped by kind."""

    filterset_class = ParticipantFilter
    template_name = "meetings/participant_list.html"
    paginate_by = 100
    strict = False

    def get_queryset(self):
        attended_published = Attendance.objects.filter(
            participant=OuterRef("pk"), meeting__in=Meeting.objects.published()
        )
        return (
            Participant.objects.annotate(
                kind_order=KIND_ORDER,
                meeting_count=Count(
                    "attendances",
                    filter=Q(attendances__meeting__in=Meeting.objects.published()),
                    distinct=True,
                ),
                has_attended=Exists(attended_published),
            )
            .prefetch_related(current_forum_memberships())
            .order_by("kind_order", "name")
        )


class ParticipantDetailView(DetailView):
    """``/participants/<slug>/``: membership history, meetings attended year by year, actions owned."""

    template_name = "meetings/participant_detail.html"

    def get_queryset(self):
        return Participant.objects.prefetch_related(
            "aliases",
            current_forum_memberships(),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related(
                    "body", "granted_by__meeting", "ended_by__meeting"
                ).order_by("body__name", "start_date", "pk"),
                to_attr="membership_history",
            ),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = self.object
        attendances = (
            Attendance.objects.filter(participant=participant, meeting__in=Meeting.objects.published())
            .select_related("meeting__meeting_type")
            .order_by(F("meeting__start_date").desc(nulls_last=True), "-meeting__pk")
        )
        ownerships = (
            ActionOwner.objects.filter(
                participant=participant, action_item__in=ActionItem.objects.published()
            )
            .select_related("action_item__outcome__meeting", "action_item__due_at_next")
            .order_by("action_item__due_date", "action_item__pk")
        )
        context.update(
            attendances_by_year=self.group_by_year(attendances),
            actions_by_status=self.group_by_status(ownerships),
            body_members=(
                Membership.objects.current(timezone.localdate())
                .filter(body=participant)
                .select_related("participant")
                .order_by("status", "participant__name")
                if participant.kind == ParticipantKind.FORUM_BODY
                else []
            ),
        )
        return context

    @staticmethod
    def group_by_year(attendances):
        years = []
        for attendance in attendances:
            start = attendance.meeting.start_date
            year = start.year if start else None
            if not years or years[-1]["year"] != year:
                years.append({"year": year, "attendances": []})
            years[-1]["attendances"].append(attendance)
        return years

    @staticmethod
    def group_by_status(ownerships):
        """Actions by status, open ones first; each ownership carries its role (lead or support)."""
        by_status = {}
        for ownership in ownerships:
            by_status.setdefault(ownership.action_item.status, []).append(ownership)
        return [
            {"status": status.value, "label": status.label, "ownerships": by_status[status.value]}
            for status in ActionStatus
            if status.value in by_status
        ]
