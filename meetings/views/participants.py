from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView

from .. import participation
from ..filters import ParticipantFilter
from ..models import (
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
    """``/participants/<slug>/``: membership history, and in summary the meetings attended year by
    year and the actions owned by status, with the latest of each (``meetings.participation``)."""

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
        years = participation.attendance_by_year(participant)
        action_total, action_tallies = participation.action_tallies(participant)
        context.update(
            attendance_by_year=years,
            meetings_attended=sum(year.meetings for year in years),
            recent_attendances=participation.recent_attendances(participant),
            action_total=action_total,
            action_tallies=action_tallies,
            recent_open_ownerships=participation.recent_open_ownerships(participant),
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
