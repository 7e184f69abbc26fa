"""The action tracker's read side shared by its pages, its exports, the API and the meeting page.

The rows a tracker list shows, and its groupings by owner or meeting with their counts by status.
The counts come from ``ActionItemQuerySet.tally_aggregates``, the one statement of what open,
overdue and withdrawn mean in a count, or, for every published action, from the tallies kept on
write (``meetings.tallies``), which count the same.
"""

from django.db.models import Exists, F, OuterRef, Subquery

from . import tallies, versions
from .models import ActionItem, ActionOwner, Meeting, Outcome, Participant

# Soonest deadline first, undated last.
TRACKER_ORDER = (F("due_date").asc(nulls_last=True), "outcome__meeting__start_date", "pk")


def tracker_queryset():
    """Published actions with what a list row shows, in ``TRACKER_ORDER``."""
    return (
        ActionItem.objects.published_for_listing()
        .select_related("outcome__meeting__meeting_type", "due_at_next")
        .with_owners()
        .order_by(*TRACKER_ORDER)
    )


def action_groups(action_items, group, today=None):
    """One row per owner or per meeting of the whole filtered set, with its counts by status.

    A single grouped query (``values()`` then ``annotate()``), so the paginator pages through groups
    and every count covers all the filtered actions, not just those of one page. An action with two
    owners counts under each.
    """
    filtered = action_items.order_by().values("pk")
    if group == "owner":
        return (
            ActionOwner.objects.filter(action_item__in=filtered)
            .values(slug=F("participant__slug"), name=F("participant__name"))
            .annotate(**ActionItem.objects.tally_aggregates(today, prefix="action_item__"))
            .order_by("name", "slug")
        )
    return (
        ActionItem.objects.filter(pk__in=filtered)
        .values(
            slug=F("outcome__meeting__slug"),
            name=F("outcome__meeting__title"),
            start_date=F("outcome__meeting__start_date"),
        )
        .annotate(**ActionItem.objects.tally_aggregates(today))
        .order_by(F("start_date").desc(nulls_last=True), "name", "slug")
    )


def ranked_groups(rows):
    """Groups with the most overdue actions first, then the most open, then by name.

    The order of the tracker's groups by owner and of the charts' owners: who is most behind first.
    """
    return sorted(rows, key=lambda row: (-row["overdue"], -row["open"], row["name"] or "", row["slug"] or ""))


def grouped_rows(action_items, group, key, *, filtered):
    """The rows of the tracker grouped by ``group``, for its paginator, remembered under ``key``.

    By owner: every published action from the tallies, or the filtered ones in one grouped query.
    By meeting, a page of groups at a time (``MeetingGroups``): there is a group for every meeting.
    """
    if group == "meeting":
        return MeetingGroups(action_items, key, filtered=filtered)
    if filtered:
        return versions.cached(f"action-groups:owner:{key}", lambda: list(action_groups(action_items, group)))
    return versions.cached("action-groups:owner:all", owner_groups)


def remembered_owner_counts():
    """``tallies.owner_counts()``, remembered: the groups by owner and the unowned read it both."""
    return versions.cached("owner-counts", tallies.owner_counts)


def owner_groups():
    """``action_groups(ActionItem.objects.published(), "owner")``, from the tallies."""
    counts = remembered_owner_counts()
    owners = (
        Participant.objects.filter(pk__in=[owner for owner in counts if owner is not None])
        .order_by("name", "slug")
        .values_list("pk", "slug", "name")
    )
    return [{"slug": slug, "name": name, **counts[pk]} for pk, slug, name in owners]


def unowned_groups_tally(action_items, key, *, filtered):
    """The counts of the actions without an owner: from the tallies when nothing filters them."""
    if filtered:
        return versions.cached(f"action-unowned:{key}", lambda: unowned_tally(action_items))
    return versions.cached(
        "action-unowned:all", lambda: remembered_owner_counts().get(None) or tallies.blank_counts()
    )


class MeetingGroups:
    """The tracker's groups by meeting, newest meeting first, as its paginator reads them.

    A group for each published meeting with a filtered action: the number of them is one query
    over the meetings (an ``Exists`` on the actions' index by meeting), and a page is its meetings
    and their counts, two queries over the actions of those meetings alone. Each is remembered
    until the record changes.
    """

    ordered = True

    def __init__(self, action_items, key, *, filtered=True, today=None):
        self.action_items = action_items.order_by()
        self.key = key
        self.filtered = filtered
        self.today = today

    def meetings(self):
        if self.filtered:
            with_actions = Exists(self.action_items.filter(outcome__meeting=OuterRef("pk")))
        else:
            # Any action makes a group, and the published test is the meeting's own. An outcome
            # with an action, tested through the outcomes' index by meeting.
            with_actions = Exists(
                Outcome.objects.filter(meeting=OuterRef("pk")).filter(
                    Exists(ActionItem.objects.filter(outcome=OuterRef("pk")))
                )
            )
        return (
            Meeting.objects.published()
            .filter(with_actions)
            .order_by(F("start_date").desc(nulls_last=True), "-pk")
        )

    def counted_meetings(self):
        """``meetings()``, worded for counting them all. Unfiltered, the id of one action of each
        meeting, not an ``Exists``: PostgreSQL counted that as a join of every outcome with every
        action (110 to 130 ms at 10,000 meetings, after ANALYZE), and finds this one per meeting,
        by the outcomes' index by meeting and the actions' by outcome (46 to 54 ms; SQLite does
        either per meeting, 10 ms). For a page of them in date order, it reads the ``Exists`` better
        (11 ms against 43)."""
        if self.filtered:
            return self.meetings()
        any_action = ActionItem.objects.filter(outcome__meeting=OuterRef("pk")).order_by().values("pk")[:1]
        return (
            Meeting.objects.published()
            .alias(any_action=Subquery(any_action))
            .filter(any_action__isnull=False)
        )

    def count(self):
        return versions.cached(
            f"action-groups:meeting:{self.key}:count", lambda: self.counted_meetings().count()
        )

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        return versions.cached(
            f"action-groups:meeting:{self.key}:{start}:{stop}", lambda: self.rows(start, stop)
        )

    def rows(self, start, stop):
        meetings = list(self.meetings().values_list("pk", "slug", "title", "start_date")[start:stop])
        of_these = [pk for pk, *_ in meetings]
        counted = ActionItem.objects.filter(outcome__meeting__in=of_these)
        if self.filtered:
            # By key, as action_groups counts: a filter through a many-to-many relation repeats rows.
            counted = counted.filter(
                pk__in=self.action_items.filter(outcome__meeting__in=of_these).values("pk")
            )
        # Unfiltered, every action of these meetings (published, as the page chose them): the
        # tracker's own test of publication made PostgreSQL read every meeting (20 ms against 2).
        counts = {
            row.pop("outcome__meeting"): row
            for row in counted.values("outcome__meeting")
            .annotate(**ActionItem.objects.tally_aggregates(self.today))
            .order_by()
        }
        return [
            {"slug": slug, "name": title, "start_date": start_date, **counts[pk]}
            for pk, slug, title, start_date in meetings
        ]


def unowned_tally(action_items, today=None):
    """The counts by status of the filtered actions that name no owner, in one query."""
    return (
        ActionItem.objects.filter(pk__in=action_items.order_by().values("pk"))
        .exclude(Exists(ActionOwner.objects.filter(action_item=OuterRef("pk"))))
        .status_tallies(today)
    )
