"""A participant's record in summary, as its public page shows it.

A member state attends thousands of meetings and owns thousands of actions over the years, so its
page counts them (grouped queries) and lists only the latest few; every figure links to the public
list that shows its rows: ``/meetings/?participant=&year=`` and ``/actions/?owner=&status=``, which
count the same records (published ones, by the same filters).

Each figure and each list's choice of rows is remembered per participant until the record changes
(``versions.cached``): counts, labels, addresses and ids, never model instances. Only the few rows
listed are read on every request, by primary key.
"""

import math
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from . import tallies, versions
from .filters import list_url
from .models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Meeting,
    MeetingStatus,
    Membership,
    Outcome,
)
from .models.functions import Year
from .models.outcomes import DECISION_KINDS
from .versions import first_rows

RECENT_MEETINGS = 10
SCHEDULED_MEETINGS = 5
RECENT_OPEN_ACTIONS = 10
BODY_DECISIONS = 10


@dataclass
class AttendanceYear:
    """The meetings a participant attended in one year (None: date not known), by role."""

    year: int | None
    meetings: int = 0
    roles: list = field(default_factory=list)
    url: str = ""
    # Tenths of the busiest year's count, for the length of its bar (a class, not a style: CSP).
    share: int = 0


def published_attendances(participant):
    return Attendance.objects.filter(participant=participant, meeting__in=Meeting.objects.published())


def attended(participant):
    """Its attendance at published meetings held: what "attended" counts. A meeting scheduled,
    postponed or cancelled has not been attended, whoever is listed for it."""
    return Attendance.objects.filter(participant=participant, meeting__in=Meeting.objects.published().held())


def attendance_by_year(participant):
    """Published meetings held that it attended, per year, newest year first, with the count in
    each role.

    One grouped query, remembered. Each dated year, and each role in it, links to the meeting list
    filtered by participant, year (role) and status held, which lists as many meetings (one
    attendance per participant and meeting).
    """
    return versions.cached(
        f"attendance-by-year:{participant.pk}", lambda: count_attendance_by_year(participant)
    )


def count_attendance_by_year(participant):
    rows = (
        attended(participant)
        .values("role", year=Year("meeting__start_date"))
        .annotate(meetings=Count("pk"))
        .order_by()
    )
    role_order = {role.value: position for position, role in enumerate(AttendanceRole)}
    years = {}
    for row in sorted(rows, key=lambda row: role_order.get(row["role"], len(role_order))):
        year = years.setdefault(row["year"], AttendanceYear(row["year"]))
        year.meetings += row["meetings"]
        year.roles.append(
            {"role": row["role"], "label": AttendanceRole(row["role"]).label, "meetings": row["meetings"]}
        )
    held = MeetingStatus.HELD.value
    busiest = max((year.meetings for year in years.values()), default=0)
    for year in years.values():
        year.share = math.ceil(10 * year.meetings / busiest)
        if year.year is None:
            continue
        query = {"participant": participant.slug, "year": year.year, "status": held}
        year.url = list_url("meetings:meeting_list", **query)
        for role in year.roles:
            role["url"] = list_url("meetings:meeting_list", **query, role=role["role"])
    return sorted(years.values(), key=lambda year: (year.year is None, -(year.year or 0)))


def recent_attendances(participant, limit=RECENT_MEETINGS):
    """The latest published meetings held that the participant attended, with its role at each.

    Only dated meetings are "latest" (those of unknown date are counted under their own heading),
    so the meetings' date index serves the order: PostgreSQL cannot walk it with undated meetings
    last (30 ms against 3 ms for a member state at 10,000 meetings).
    """
    dated = attended(participant).filter(meeting__start_date__isnull=False)
    ordering = ("-meeting__start_date", "-meeting__pk")
    chosen = first_rows(f"recent-attendances:{participant.pk}:{limit}", dated, ordering, limit)
    return list(chosen.select_related("meeting__meeting_type"))


def scheduled_attendances(participant, limit=SCHEDULED_MEETINGS):
    """The published meetings scheduled that it is listed for, soonest first, and how many there
    are: ``(count, [Attendance, ...])``. Few at any time; the count is remembered with the choice."""
    scheduled = published_attendances(participant).filter(meeting__status=MeetingStatus.SCHEDULED)
    ordering = ("meeting__start_date", "meeting__pk")
    count = versions.cached(f"scheduled-attendances-count:{participant.pk}", scheduled.count)
    if not count:
        return 0, []
    chosen = first_rows(f"scheduled-attendances:{participant.pk}:{limit}", scheduled, ordering, limit)
    return count, list(chosen.select_related("meeting__meeting_type"))


def owned_published(participant):
    """The participant's ownerships of published actions: one per action, as an owner is named once.

    Read from the participant's ownerships, not from every action with an ``Exists`` test: at 10,000
    meetings (312,000 actions) that is 30 ms against 120 ms on SQLite. The tracker's ``owner`` filter
    finds the same actions.
    """
    return ActionOwner.objects.filter(
        participant=participant, action_item__outcome__meeting__in=Meeting.objects.published()
    )


# The tallies shown, in this order, each as the tracker's status filter value.
TALLIES = [
    ("open", _("Open"), _("Not started or in progress")),
    ("overdue", _("Overdue"), _("Open past their timeframe")),
    *((status.value, status.label, "") for status in ActionStatus),
]


def action_tallies(participant, today=None):
    """The actions the participant owns, counted by status from the tallies in three queries.

    Returns ``(total, tallies)``; each tally links to the tracker filtered by owner and status.
    """

    def count():
        # The tallies kept on write (meetings.tallies) count what the tracker's owner filter lists.
        counted = tallies.owner_counts(today, participant=participant)
        return counted.get(participant.pk) or tallies.blank_counts()

    # The version's key moves with the day, so a remembered overdue count is today's.
    counts = versions.cached(f"owned-action-tallies:{participant.pk}:{today}", count)
    shown = [
        {
            "status": value,
            "label": label,
            "hint": hint,
            "count": counts[value],
            "url": list_url("meetings:action_list", owner=participant.slug, status=value),
        }
        for value, label, hint in TALLIES
    ]
    return counts["total"], shown


def recent_open_ownerships(participant, limit=RECENT_OPEN_ACTIONS):
    """The participant's open actions set off most recently (at dated meetings, as for the latest
    meetings), each with its role (lead or support)."""
    ordering = (
        "-action_item__outcome__meeting__start_date",
        "-action_item__outcome__meeting__pk",
        "action_item__outcome__position",
        "action_item__position",
        "action_item__pk",
    )
    open_ones = owned_published(participant).filter(
        ActionItem.objects.status_conditions(prefix="action_item__")["open"],
        action_item__outcome__meeting__start_date__isnull=False,
    )
    chosen = first_rows(f"recent-open-ownerships:{participant.pk}:{limit}", open_ones, ordering, limit)
    return list(chosen.select_related("action_item__outcome__meeting", "action_item__due_at_next"))


@dataclass
class BodyDecision:
    """A published outcome about a forum body, with the memberships of the body it began or ended."""

    outcome: Outcome
    began: list = field(default_factory=list)
    ended: list = field(default_factory=list)


def body_decisions(body, limit=BODY_DECISIONS):
    """The decisions that set a forum body up or changed its membership, earliest first, and how
    many there are: ``(count, [BodyDecision, ...])``.

    The record links a membership to the outcome that began or ended it (``granted_by``,
    ``ended_by``); that a decision set the body up is not recorded as such, so the decisions that
    concern the body (``Outcome.concerns``) stand for it. The earliest first: a body's first
    decisions are those that established it. Count and choice are remembered; the outcomes shown
    and their memberships of this body are read by id, two queries.
    """
    memberships = Membership.objects.filter(body=body)
    concerning = Outcome.concerns.through.objects.filter(participant=body, outcome__kind__in=DECISION_KINDS)
    # Each side read by its own index (a body's few memberships and concerns) and each outcome's
    # meeting tested by its key, never every outcome tested: 3.8 s for the count on SQLite at
    # 10,000 meetings with Exists() and published(), a millisecond this way.
    about = Outcome.objects.published_for_listing().filter(
        Q(pk__in=memberships.values("granted_by"))
        | Q(pk__in=memberships.values("ended_by"))
        | Q(pk__in=concerning.values("outcome"))
    )
    ordering = ("meeting__start_date", "meeting__pk", "position", "pk")
    count = versions.cached(f"body-decisions-count:{body.pk}", about.count)
    chosen = list(
        first_rows(f"body-decisions:{body.pk}:{limit}", about, ordering, limit).select_related("meeting")
    )
    decisions = {outcome.pk: BodyDecision(outcome) for outcome in chosen}
    shown = list(decisions)
    changed = memberships.filter(Q(granted_by__in=shown) | Q(ended_by__in=shown)).select_related(
        "participant"
    )
    for membership in changed.order_by("participant__name", "pk") if shown else []:
        if membership.granted_by_id in decisions:
            decisions[membership.granted_by_id].began.append(membership)
        if membership.ended_by_id in decisions:
            decisions[membership.ended_by_id].ended.append(membership)
    return count, list(decisions.values())
