"""A participant's record in summary, as its public page shows it.

A member state attends thousands of meetings and owns thousands of actions over the years, so its
page counts them (grouped queries) and lists only the latest few; every figure links to the public
list that shows its rows: ``/meetings/?participant=&year=`` and ``/actions/?owner=&status=``, which
count the same records (published ones, by the same filters).

Each figure and each list's choice of rows is remembered per participant until the record changes
(``versions.cached``): counts, labels, addresses and ids, never model instances. Only the few rows
listed are read on every request, by primary key.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db import connections, models, router
from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from . import attendance_tallies, tallies, versions
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
from .models.meetings import Unindexed
from .models.outcomes import DECISION_KINDS
from .versions import first_rows

RECENT_MEETINGS = 10
SCHEDULED_MEETINGS = 5
RECENT_OPEN_ACTIONS = 10
BODY_DECISIONS = 10
# On SQLite a participant with at least this many rows has its latest found by walking the meetings
# newest first (the date index) until as many meetings have one; with fewer, by sorting all its
# rows. At 10,000 meetings a member state attends 3,800 and owns 4,100 open actions: 10 and 24 ms
# sorted, under a millisecond walked; walked, a participant with a few rows would read every meeting
# instead. PostgreSQL plans the sorted query well from its statistics, and the walk badly: it read
# every open action of a 203-meeting archive to find the participant's, so it does not walk.
WALK_FROM = 500
WALKS_ON = {"sqlite"}


@dataclass
class AttendanceYear:
    """The meetings a participant attended in one year (None: date not known), by role."""

    year: int | None
    meetings: int = 0
    roles: list = field(default_factory=list)
    url: str = ""
    # Tenths of the busiest year's count, for the length of its bar (a class, not a style: CSP).
    share: int = 0


def attended(participant):
    """Its attendance at published meetings held: what "attended" counts. A meeting scheduled,
    postponed or cancelled has not been attended, whoever is listed for it."""
    return Attendance.objects.filter(participant=participant, meeting__in=Meeting.objects.published().held())


def attendance_by_year(participant):
    """Published meetings held that it attended, per year, newest year first, with the count in
    each role.

    From the tallies kept on write (``meetings.attendance_tallies``), two queries, remembered. Each
    dated year, and each role in it, links to the meeting list filtered by participant, year (role)
    and status held, which lists as many meetings (one attendance per participant and meeting).
    """
    return versions.cached(
        f"attendance-by-year:{participant.pk}", lambda: count_attendance_by_year(participant)
    )


def count_attendance_by_year(participant):
    counted = attendance_tallies.by_year_and_role(participant)
    rows = [{"year": year, "role": role, "meetings": count} for (year, role), count in counted.items()]
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


def of_newest_meetings(rows, meetings, limit, to_meeting="meeting"):
    """The ``rows`` of the newest ``limit`` dated ``meetings`` that have any (``to_meeting``: the
    path from a row to its meeting): the latest ``limit`` rows in meeting order are among them.

    Worded so that SQLite walks the meetings' date index and looks each meeting's rows up by their
    own index, stopping at ``limit`` meetings: ``rows`` and ``meetings`` test the participant, the
    publication and the status on each row (``Unindexed``), or it would read every row of the
    participant through that index and sort them. Used on SQLite only (``WALKS_ON``).
    """
    having = (
        meetings.filter(Exists(rows.filter(**{to_meeting: OuterRef("pk")})), start_date__isnull=False)
        .order_by("-start_date", "-pk")
        .values("pk")[:limit]
    )
    return rows.filter(**{f"{to_meeting}__in": having})


def walks(model, count):
    """Whether to find the latest of ``count`` rows of ``model`` by walking the newest meetings."""
    return count >= WALK_FROM and connections[router.db_for_read(model)].vendor in WALKS_ON


def of_participant_unindexed(model, participant):
    return model.objects.filter(
        Exact(Unindexed("participant", output_field=models.BigIntegerField()), participant.pk)
    )


def recent_attendances(participant, attended_count, limit=RECENT_MEETINGS):
    """The latest published meetings held that the participant attended, with its role at each;
    ``attended_count`` is how many it attended (``attendance_by_year``), to choose the way to them.

    Only dated meetings are "latest" (those of unknown date are counted under their own heading),
    so the meetings' date index serves the order: PostgreSQL cannot walk it with undated meetings
    last (30 ms against 3 ms for a member state at 10,000 meetings).
    """
    dated = attended(participant).filter(meeting__start_date__isnull=False)
    if walks(Attendance, attended_count):
        held = Exact(Unindexed("status", output_field=models.CharField()), MeetingStatus.HELD)
        meetings = Meeting.objects.published_for_listing().filter(held)
        dated = of_newest_meetings(of_participant_unindexed(Attendance, participant), meetings, limit)
    ordering = ("-meeting__start_date", "-meeting__pk")
    chosen = first_rows(f"recent-attendances:{participant.pk}:{limit}", dated, ordering, limit)
    return list(chosen.select_related("meeting__meeting_type"))


def scheduled_attendances(participant, limit=SCHEDULED_MEETINGS):
    """The published meetings scheduled that it is listed for, soonest first (undated last), and
    how many there are: ``(count, [Attendance, ...])``.

    Few at any time, so their keys are read from the meetings scheduled (their status's index, each
    one's attendance by its key) and sorted here, count and choice remembered together: in date
    order with a limit, the databases walked every meeting's date from the oldest to reach the
    newest, the scheduled (PostgreSQL 40 ms, SQLite 12 ms through the participant's attendance, for
    a member state at 10,000 meetings; 1 ms this way).
    """
    meetings = Meeting.objects.filter(Meeting.objects.listing_condition(), status=MeetingStatus.SCHEDULED)
    scheduled = of_participant_unindexed(Attendance, participant).filter(meeting__in=meetings)

    def choose():
        keys = sorted(
            scheduled.values_list("meeting__start_date", "meeting__pk", "pk"),
            key=lambda key: (key[0] is None, key[0] or datetime.date.min, key[1]),
        )
        return len(keys), [pk for _date, _meeting, pk in keys[:limit]]

    count, chosen = versions.cached(f"scheduled-attendances:{participant.pk}:{limit}", choose)
    if not count:
        return 0, []
    rows = Attendance.objects.filter(pk__in=chosen).select_related("meeting__meeting_type").in_bulk()
    return count, [rows[pk] for pk in chosen if pk in rows]


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


def recent_open_ownerships(participant, open_count, limit=RECENT_OPEN_ACTIONS):
    """The participant's open actions set off most recently (at dated meetings, as for the latest
    meetings), each with its role (lead or support); ``open_count`` is how many it owns
    (``action_tallies``), to choose the way to them."""
    ordering = (
        "-action_item__outcome__meeting__start_date",
        "-action_item__outcome__meeting__pk",
        "action_item__outcome__position",
        "action_item__position",
        "action_item__pk",
    )
    is_open = ActionItem.objects.status_conditions(prefix="action_item__")["open"]
    open_ones = owned_published(participant).filter(
        is_open, action_item__outcome__meeting__start_date__isnull=False
    )
    if walks(ActionOwner, open_count):
        owning = of_participant_unindexed(ActionOwner, participant).filter(is_open)
        meetings = Meeting.objects.published_for_listing()
        open_ones = of_newest_meetings(owning, meetings, limit, to_meeting="action_item__outcome__meeting")
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
    # 10,000 meetings with Exists() and published(), a millisecond this way. One list of ids (a
    # union), not three tests joined by OR, which PostgreSQL answered by reading every outcome (27
    # and 44 ms for the count and the choice, against 1 ms).
    ids = memberships.values("granted_by").union(memberships.values("ended_by"), concerning.values("outcome"))
    about = Outcome.objects.published_for_listing().filter(pk__in=ids)
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
