"""The tracker's charts: their numbers and the geometry the SVG templates draw them with.

Unfiltered, each chart reads the tallies kept on write (``meetings.tallies``); filtered, the
charts read the filtered actions once for the status chart and the overdue line together
(``year_counts``), and their ownerships for the owner chart, and do the rest in Python
(``filtered_charts``). Either way their cost does not grow with the number of years, owners or
meetings. The templates in templates/includes/charts/ only place what is computed here.
"""

import datetime
import math
from bisect import bisect_right
from collections import Counter
from itertools import groupby

from django.db.models import Case, Count, Exists, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import tallies
from .models import OPEN_STATUSES, ActionItem, ActionOwner, ActionStatus, Participant, ProgressUpdate
from .models.functions import Year
from .tracker import ranked_groups

ONE_DAY = datetime.timedelta(days=1)

CHART_WIDTH = 640
AXIS_LEFT = 44
AXIS_RIGHT = 12
PLOT_TOP = 12
PLOT_HEIGHT = 220
AXIS_BOTTOM = 28
OWNER_ROW = 26
OWNER_LABEL_LENGTH = 28
# The owners drawn one by one; the rest are summed in one "All others" row.
OWNERS_DRAWN = 15
# Safe widths in px of the characters of a 12 px label (the widest of common sans-serif fonts,
# DejaVu Sans among them, rounded up), so the label column measured by characters always holds
# the longest label drawn: M and W are widest, then other capitals and digits, then the rest.
WIDEST_CHARACTERS = frozenset("MWmw@%")
LABEL_CHARACTER_WIDTHS = (12.0, 8.8, 7.6)
LABEL_GAP = 8
# The owner chart's columns after the label: overdue and open counts, then the completion bar
# with its rate, then the median days.
COUNT_COLUMN = 48
RATE_ROOM = 40
MEDIAN_COLUMN = 60
# How the overdue line reads an action's timeline (charts.count_overdue): open throughout, counted
# in the database; with a closing update, replayed; never open, only counted among those charted.
THROUGHOUT, REPLAYED, NEVER_OPEN = 1, 2, 0


def tick_scale(largest, ticks=4):
    """Round tick values from 0 that cover ``largest``: steps of 1, 2 or 5 times a power of ten."""
    if largest <= 0:
        return [0, 1]
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(multiple * power for multiple in (1, 2, 5, 10) if multiple * power >= raw)
    top = math.ceil(largest / step) * step
    return list(range(0, top + 1, step))


def y_axis(ticks):
    """Tick marks with their y position in the plot, top value at PLOT_TOP."""
    top = ticks[-1]
    return [{"value": value, "y": round(PLOT_TOP + PLOT_HEIGHT * (1 - value / top), 1)} for value in ticks]


def label_every(count, room):
    """Label every nth category so the labels along the x axis do not overlap."""
    return max(1, math.ceil(count * 34 / room))


def status_legend():
    return [{"status": status.value, "label": status.label} for status in ActionStatus]


def filtered_charts(action_items, today=None) -> dict:
    """The three charts of ``action_items`` (a filtered set), each read once: the actions counted by
    year for the status chart and the overdue line in one query, their owners for the owner chart."""
    today = today or timezone.localdate()
    counted = year_counts(action_items, today)
    return {
        "status_chart": status_by_year(action_items, counted=counted),
        "owner_chart": owner_completion(action_items),
        "overdue_chart": overdue_over_time(action_items, today, counted=counted),
    }


def year_counts(action_items, today) -> list[dict]:
    """These actions counted in one query, as the status chart and the overdue line read them.

    Grouped by the year of their meeting and their status (the status chart), and, for those the
    overdue line charts (a due date and a dated meeting: ``charted``), by the year they were late
    from (the later of the two), whether that is before today, and how their timeline reads
    (``count_overdue``); with the earliest meeting date of each group.
    """
    charted = Q(due_date__isnull=False, outcome__meeting__start_date__isnull=False)
    closing = ProgressUpdate.objects.filter(action_item=OuterRef("pk")).exclude(status__in=OPEN_STATUSES)
    updated = ProgressUpdate.objects.filter(action_item=OuterRef("pk"))
    late_from = Greatest("due_date", "outcome__meeting__start_date")
    rows = (
        ActionItem.objects.filter(pk__in=action_items.order_by().values("pk"))
        .alias(late_from=late_from)
        .values(
            "status",
            meeting_year=Year("outcome__meeting__start_date"),
            charted=Case(When(charted, then=True), default=False),
            year=Case(When(charted, then=Year(late_from))),
            late=Case(When(charted & Q(late_from__lt=today), then=True), default=False),
            # The progress updates are looked at for the actions charted alone.
            timeline=Case(
                When(~charted, then=Value(NEVER_OPEN)),
                When(Exists(closing), then=Value(REPLAYED)),
                When(Q(status__in=OPEN_STATUSES) | Exists(updated), then=Value(THROUGHOUT)),
                default=Value(NEVER_OPEN),
            ),
        )
        .annotate(count=Count("pk"), first=Min("outcome__meeting__start_date"))
        .order_by()
    )
    return list(rows)


def status_by_year(action_items=None, counted=None):
    """Actions by status per year of the meeting that set them off: stacked bars.

    ``action_items`` None charts every published action, from the tallies (``meetings.tallies``);
    a filtered set is counted in one query, or read from its ``year_counts`` (``counted``).
    """
    if action_items is None:
        by_year = tallies.status_by_year()
    else:
        by_year = count_status_by_year(action_items, counted)
    dated = [year for year in by_year if year is not None]
    # Every year between the first and the last, so a year without actions shows as a gap.
    years = list(range(min(dated), max(dated) + 1)) if dated else []
    if None in by_year:
        years.append(None)
    totals = [sum(by_year.get(year, {}).values()) for year in years]
    ticks = tick_scale(max(totals, default=0))
    scale = PLOT_HEIGHT / ticks[-1]
    room = CHART_WIDTH - AXIS_LEFT - AXIS_RIGHT
    band = room / max(len(years), 1)
    every = label_every(len(years), room)
    bars = []
    for index, (year, total) in enumerate(zip(years, totals, strict=True)):
        label = str(year) if year is not None else _("Undated")
        bottom = PLOT_TOP + PLOT_HEIGHT
        segments = []
        counts = []
        for status in ActionStatus:
            count = by_year.get(year, {}).get(status.value, 0)
            counts.append({"status": status.value, "label": status.label, "count": count})
            if not count:
                continue
            height = count * scale
            bottom -= height
            segments.append(
                {
                    "status": status.value,
                    "label": status.label,
                    "count": count,
                    "y": round(bottom, 1),
                    "height": round(height, 1),
                }
            )
        bars.append(
            {
                "label": label,
                "year": year,
                "total": total,
                "counts": counts,
                "segments": segments,
                "x": round(AXIS_LEFT + index * band + band * 0.15, 1),
                "width": round(band * 0.7, 1),
                "centre": round(AXIS_LEFT + index * band + band / 2, 1),
                "show_label": index % every == 0,
            }
        )
    return {
        "bars": bars,
        "ticks": y_axis(ticks),
        "legend": status_legend(),
        "total": sum(totals),
        **frame(),
    }


def count_status_by_year(action_items, counted=None):
    """{year: {status: count}} of these actions, from their ``year_counts`` (one query)."""
    by_year = {}
    for row in year_counts(action_items, timezone.localdate()) if counted is None else counted:
        statuses = by_year.setdefault(row["meeting_year"], {})
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["count"]
    return by_year


def frame():
    """The shared frame of the column charts: size, plot area and axis positions."""
    return {
        "width": CHART_WIDTH,
        "height": PLOT_TOP + PLOT_HEIGHT + AXIS_BOTTOM,
        "left": AXIS_LEFT,
        "right": CHART_WIDTH - AXIS_RIGHT,
        "baseline": PLOT_TOP + PLOT_HEIGHT,
        "label_y": PLOT_TOP + PLOT_HEIGHT + 18,
    }


def owner_completion(action_items=None):
    """Per owner: overdue and open actions, completion rate and median days to complete, the
    owners most behind first.

    The question a reader brings is "who is behind?": completion rates alone, of owners that all
    complete 35-43 % of their actions, do not answer it, and in alphabetical order they hide who
    needs chasing. So owners are ranked as the tracker's groups by owner rank them
    (``tracker.ranked_groups``: most overdue, then most open, then by name) and each row shows its
    overdue and open counts before its completion bar. The first OWNERS_DRAWN are drawn; the rest
    are summed in one ``others`` row (``None`` when there are none), whose median cannot be made
    from theirs and is left out.

    The completion rate counts completed actions among those not cancelled or superseded. Days to
    complete run from the start of the action's meeting to the date of the latest "completed"
    progress update of an action that is completed now; actions without either date are left out
    of the median, never guessed. ``action_items`` None charts every published action, from the
    tallies; a filtered set is counted in one query.
    """
    counted = tallied_owners() if action_items is None else count_owners(action_items)
    ranked = ranked_groups(counted)
    owners = []
    for owner in ranked[:OWNERS_DRAWN]:
        short_name, median = owner.pop("short_name"), owner.pop("median")
        owners.append(
            {
                **owner,
                "short_label": shorten(short_name or owner["name"]),
                "rate": completion_rate(owner),
                "median_days": round(median) if median is not None else None,
            }
        )
    rest = ranked[OWNERS_DRAWN:]
    others = None
    if rest:
        summed = {
            name: sum(owner[name] for owner in rest)
            for name in ("total", "open", "overdue", "completed", "withdrawn")
        }
        others = {**summed, "owners": len(rest), "rate": completion_rate(summed)}
    label_width = math.ceil(max((label_room(owner["short_label"]) for owner in owners), default=0))
    label_x = label_width + LABEL_GAP
    overdue_x = label_x + COUNT_COLUMN
    open_x = overdue_x + COUNT_COLUMN
    bar_x = open_x + 12
    median_x = CHART_WIDTH - AXIS_RIGHT
    bar_room = median_x - MEDIAN_COLUMN - RATE_ROOM - bar_x
    for index, owner in enumerate(owners):
        owner["y"] = PLOT_TOP + 18 + index * OWNER_ROW
        owner["text_y"] = owner["y"] + 13
        owner["bar_width"] = round(bar_room * (owner["rate"] or 0) / 100, 1)
        owner["value_x"] = bar_x + owner["bar_width"] + 6
    return {
        "owners": owners,
        "others": others,
        "width": CHART_WIDTH,
        "height": PLOT_TOP + 18 + len(owners) * OWNER_ROW + 8,
        "label_width": label_width,
        "label_x": label_width,
        "overdue_x": overdue_x,
        "open_x": open_x,
        "bar_x": bar_x,
        "bar_room": bar_room,
        "bar_end": bar_x + bar_room,
        "median_x": median_x,
        "heading_y": PLOT_TOP + 6,
    }


def completion_rate(counts: dict) -> int | None:
    """Completed actions among those not cancelled or superseded, in per cent; None without any."""
    countable = counts["total"] - counts["withdrawn"]
    return round(100 * counts["completed"] / countable) if countable else None


def histogram_median(counts):
    """``statistics.median`` of the values ``counts`` holds ({value: how many}), not empty."""
    size = sum(counts.values())
    middle = [(size - 1) // 2, size // 2]
    values, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            values.append(value)
            middle.pop(0)
        if not middle:
            break
    return values[0] if size % 2 else (values[0] + values[1]) / 2


def owner_row(slug, name, short_name, counts, median, timed):
    """One owner's figures as the owner chart reads them, from the tallies or counted afresh:
    ``counts`` as ``status_tallies`` has them, ``median`` days to complete over ``timed`` actions."""
    return {
        "slug": slug,
        "name": name,
        "short_name": short_name,
        "total": counts["total"],
        "open": counts["open"],
        "overdue": counts["overdue"],
        "completed": counts[ActionStatus.COMPLETED],
        "withdrawn": counts["withdrawn"],
        "median": median,
        "timed": timed,
    }


def tallied_owners():
    """Each owner of published actions with its counts and days to complete, from the tallies."""
    counts = tallies.owner_counts()
    medians = tallies.median_days()
    participants = Participant.objects.filter(pk__in=[owner for owner in counts if owner is not None])
    return [
        owner_row(slug, name, short_name, counts[pk], *medians.get(pk, (None, 0)))
        for pk, slug, name, short_name in participants.values_list("pk", "slug", "name", "short_name")
    ]


def count_owners(action_items):
    """Each owner of these actions with its counts and days to complete.

    The counts in one grouped query; the days (a completed action's meeting to its latest
    "completed" update) read for the completed actions alone, whose owners' medians need every
    value; and the owners' names. Three queries, however many actions: counting every ownership in
    Python took 1.6 s for the 340,000 ownerships of the open actions of a 10,000-meeting archive.
    """
    ownerships = ActionOwner.objects.filter(action_item__in=action_items.order_by().values("pk"))
    counted = {
        row.pop("participant"): row
        for row in ownerships.values("participant")
        .annotate(**ActionItem.objects.tally_aggregates(prefix="action_item__"))
        .order_by()
    }
    completed_on = (
        ProgressUpdate.objects.filter(action_item=OuterRef("action_item"), status=ActionStatus.COMPLETED)
        .order_by("-date", "-created_at", "-pk")
        .values("date")[:1]
    )
    days = {}
    timed = (
        ownerships.filter(action_item__status=ActionStatus.COMPLETED)
        .annotate(completed_on=Subquery(completed_on))
        .values_list("participant", "completed_on", "action_item__outcome__meeting__start_date")
    )
    for participant, completed, meeting_date in timed.iterator(chunk_size=5000):
        if completed and meeting_date:
            days.setdefault(participant, Counter())[(completed - meeting_date).days] += 1
    owners = Participant.objects.filter(pk__in=list(counted)).values_list("pk", "slug", "name", "short_name")
    return [
        owner_row(
            slug,
            name,
            short_name,
            counted[pk],
            histogram_median(days[pk]) if pk in days else None,
            sum(days[pk].values()) if pk in days else 0,
        )
        for pk, slug, name, short_name in owners.order_by("name", "slug")
    ]


def label_room(label: str) -> float:
    """The width in px that ``label`` takes at most, drawn as a 12 px chart label."""
    widest, capital, other = LABEL_CHARACTER_WIDTHS
    return sum(
        widest
        if character in WIDEST_CHARACTERS
        else capital
        if character.isupper() or character.isdigit()
        else other
        for character in label
    )


def shorten(label):
    if len(label) <= OWNER_LABEL_LENGTH:
        return label
    return label[: OWNER_LABEL_LENGTH - 1].rstrip() + "…"


def overdue_over_time(action_items=None, today=None, counted=None):
    """How many actions were open and past due at the end of each year, up to today.

    An action counts from the year of its meeting. Its status on a day is that of its latest
    progress update by then; before its first update it was open; with no update at all, only its
    present status is known and stands for every year. "At the end of a year" means on 31 December
    after the day is over, so an action due that day is overdue; for the present year, today.
    ``action_items`` None charts every published action, from the tallies (of today); a filtered
    set is counted in one query (or read from its ``year_counts`` of today, ``counted``) and the
    timelines of those with a closing update replayed here.
    """
    today = today or timezone.localdate()
    if action_items is None and today == timezone.localdate():
        first_year, total, counts = tallies.overdue_counts(today)
    else:
        first_year, total, counts = count_overdue(action_items, today, counted)
    # No year to count: no action with a due date and a dated meeting, or all set after this year.
    if first_year is None or first_year > today.year:
        return {"points": [], "ticks": y_axis(tick_scale(0)), "total": 0, **frame()}
    points = [
        {"year": year, "count": counts[year], "to_date": year == today.year}
        for year in range(first_year, today.year + 1)
    ]
    ticks = tick_scale(max(point["count"] for point in points))
    room = CHART_WIDTH - AXIS_LEFT - AXIS_RIGHT
    band = room / len(points)
    every = label_every(len(points), room)
    for index, point in enumerate(points):
        point["x"] = round(AXIS_LEFT + index * band + band / 2, 1)
        point["y"] = round(PLOT_TOP + PLOT_HEIGHT * (1 - point["count"] / ticks[-1]), 1)
        # Counted from the last, so the present year always has its label.
        point["show_label"] = (len(points) - 1 - index) % every == 0
    return {
        "points": points,
        "polyline": " ".join(f"{point['x']},{point['y']}" for point in points),
        "ticks": y_axis(ticks),
        "total": total,
        **frame(),
    }


def count_overdue(action_items, today, counted=None):
    """(first year, actions charted, {year: overdue at its end}) of these actions.

    An action whose every progress update (if it has any) is open, and which is open now if it has
    none, was open throughout (``tallies.open_spans``): it is overdue at every year end after its
    meeting and its due date, so those are counted by the year of the later, in the database, in
    the query that counts the actions (``year_counts``, or ``counted``, its rows of today). Only
    the actions with a closing update are read with their timelines and replayed here: under the
    open or overdue filter there are none, and that query is not made. One or two queries.
    """
    if action_items is None:
        action_items = ActionItem.objects.published()
    if counted is None:
        counted = year_counts(action_items, today)
    kinds = [row for row in counted if row["charted"]]
    if not kinds:
        return None, 0, {}
    first_year = min(row["first"] for row in kinds).year
    years = list(range(first_year, today.year + 1))
    cutoffs, read_on = year_ends(years, today)
    # Counted as differences (one more from a year, one fewer after a run): once per action and open
    # span, not once per action and year.
    changes = [0] * (len(years) + 1)
    for row in kinds:
        if row["timeline"] == THROUGHOUT and row["late"]:
            # Past due at the cutoff of its year and every one after (any day of a past year
            # stands for it; one of this year is before today).
            changes[bisect_right(cutoffs, datetime.date(row["year"], 1, 1))] += row["count"]
            changes[len(years)] -= row["count"]
    if any(row["timeline"] == REPLAYED for row in kinds):
        charted = ActionItem.objects.filter(
            pk__in=action_items.order_by().values("pk"),
            due_date__isnull=False,
            outcome__meeting__start_date__isnull=False,
        )
        closing = ProgressUpdate.objects.filter(action_item=OuterRef("pk")).exclude(status__in=OPEN_STATUSES)
        replayed(charted.filter(Exists(closing)), cutoffs, read_on, changes)
    counts, running = {}, 0
    for index, year in enumerate(years):
        running += changes[index]
        counts[year] = running
    return first_year, sum(row["count"] for row in kinds), counts


def year_ends(years, today):
    """Each year's cutoff (the day after its last, or today for the present year: due before it is
    overdue) and the day its status is read as it begins (today's updates are already the present
    status). Both only grow with the year, so an action counts in a run of years found by bisection.
    """
    cutoffs = [today if year == today.year else datetime.date(year + 1, 1, 1) for year in years]
    read_on = [
        today + ONE_DAY if year == today.year else cutoff for year, cutoff in zip(years, cutoffs, strict=True)
    ]
    return cutoffs, read_on


def replayed(action_items, cutoffs, read_on, changes):
    """Add to ``changes`` the open and past-due runs of years of these actions, from their timelines."""
    rows = action_items.values_list(
        "pk",
        "due_date",
        "status",
        "outcome__meeting__start_date",
        "progress_updates__date",
        "progress_updates__status",
    ).order_by("pk", "progress_updates__date", "progress_updates__created_at", "progress_updates__pk")
    for _pk, action_rows in groupby(rows.iterator(chunk_size=5000), key=lambda row: row[0]):
        action_rows = list(action_rows)
        _, due_date, status, meeting_date, _, _ = action_rows[0]
        updates = [(row[4], row[5]) for row in action_rows if row[4] is not None]
        # Years whose cutoff is after both the meeting and the due date.
        first = bisect_right(cutoffs, max(meeting_date, due_date))
        # Open on day D within a span (after, until) when after < D <= until (tallies.open_spans).
        for after, until in tallies.open_spans(status, updates):
            start = max(first, 0 if after is None else bisect_right(read_on, after))
            stop = len(cutoffs) if until is None else bisect_right(read_on, until)
            if start < stop:
                changes[start] += 1
                changes[stop] -= 1
