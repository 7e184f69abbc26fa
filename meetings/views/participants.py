from django.db.models import Case, Prefetch, Value, When
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView

from .. import attendance_tallies, participation, versions
from ..filters import ParticipantFilter
from ..models import (
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
        return (
            Participant.objects.annotate(kind_order=KIND_ORDER)
            .prefetch_related(current_forum_memberships())
            .order_by("kind_order", "name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = meetings_attended()
        context["object_list"] = list(context["object_list"])
        for participant in context["object_list"]:
            participant.meeting_count = counts.get(participant.pk, 0)
        return context


def meetings_attended():
    """How many published meetings each participant attended, of those held: {participant id: count}.

    From the tallies kept on write (``meetings.attendance_tallies``), not counted among every row of
    attendance (hundreds of thousands in a long archive); remembered until the record changes.
    """
    return versions.cached("meetings-attended", lambda: dict(attendance_tallies.by_participant()))


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
        scheduled_count, scheduled = participation.scheduled_attendances(participant)
        is_body = participant.kind == ParticipantKind.FORUM_BODY
        decision_count, decisions = participation.body_decisions(participant) if is_body else (0, [])
        meetings_attended = sum(year.meetings for year in years)
        open_count = next(tally["count"] for tally in action_tallies if tally["status"] == "open")
        context.update(
            attendance_by_year=years,
            meetings_attended=meetings_attended,
            recent_attendances=participation.recent_attendances(participant, meetings_attended),
            scheduled_count=scheduled_count,
            scheduled_attendances=scheduled,
            action_total=action_total,
            action_tallies=action_tallies,
            recent_open_ownerships=participation.recent_open_ownerships(participant, open_count),
            body_decision_count=decision_count,
            body_decisions=decisions,
            body_members=(
                Membership.objects.current(timezone.localdate())
                .filter(body=participant)
                .select_related("participant")
                .order_by("status", "participant__name")
                if is_body
                else []
            ),
        )
        return context
