"""iCalendar (RFC 5545): meetings at ``/calendar.ics`` and one meeting's download; action deadlines.

A subscribed calendar updates entries in place, so each entry keeps the same UID for life
(``meeting-<id>@balitracker``: the row id, not the slug, which an editor may correct) and
carries SEQUENCE and LAST-MODIFIED. SEQUENCE is the minute of the record's ``updated_at``
counted from the Unix epoch: it grows with every edit without a stored counter, and stays well
inside the 32-bit integer calendar programs keep it in.

Meetings and deadlines are all-day events (the record keeps dates, not times), so DTEND is the day
after the last day, as RFC 5545 wants. A meeting without a date is left out: it has nowhere to go.
Every calendar and entry is built by ``new_calendar``, ``all_day_event``, ``identify`` and
``describe`` below, which clean the text they are given (meetings/text.py): RFC 5545 text holds no
control character but tab, and the library escapes line breaks in text values, but writes the
calendar's name (X-WR-CALNAME, a property it does not know) as it is given, and fails on a line break.

A calendar holds at most ``MAX_EVENTS`` entries, the latest first chosen: subscribed calendars are
fetched again every few hours by every subscriber, and the whole record (10,000 meetings, 5 MB) is
no subscription. When more meet the filters, the calendar's description (X-WR-CALDESC, and RFC 7986's
DESCRIPTION) says how many were left out and how to reach them: a filter, or the API's pages.
"""

import datetime
from collections.abc import Callable

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import MeetingStatus
from .text import one_line, showable

UID_DOMAIN = "balitracker"
# The most meetings (or actions) one calendar holds: about 0.3 MB of meetings, a year's worth of a
# 10,000-meeting archive, and under the page cache's limit for one answer.
MAX_EVENTS = 500


def new_calendar(product, name, description=""):
    """An empty calendar named ``name``, made by ``product`` ("Meetings", "Action tracker")."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Bali Process record//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", one_line(name))
    if description:
        calendar.add("x-wr-caldesc", one_line(description))
        calendar.add("description", showable(description))
    return calendar


def latest_first(rows, ordering, *, what, elsewhere: Callable[[list], str]):
    """At most ``MAX_EVENTS`` of ``rows``, the first in ``ordering``, and the calendar's note when some
    are left out (else ""): ``what`` names the rows ("meetings"); ``elsewhere(chosen)`` says where to
    read the others.

    One query while the rows fit; the count is read only when they do not.
    """
    chosen = list(rows.order_by(*ordering)[: MAX_EVENTS + 1])
    if len(chosen) <= MAX_EVENTS:
        return chosen, ""
    chosen = chosen[:MAX_EVENTS]
    note = _(
        "This calendar holds the %(shown)s latest of the %(total)s %(what)s that meet its filters. "
        "%(elsewhere)s"
    ) % {
        "shown": f"{MAX_EVENTS:,}",
        "total": f"{rows.order_by().count():,}",
        "what": what,
        "elsewhere": elsewhere(chosen),
    }
    return chosen, note


def sequence(updated_at):
    return int(updated_at.timestamp() // 60)


def identify(component, uid, updated_at):
    """Give an event or to-do what a subscribed calendar updates it by: UID, SEQUENCE, LAST-MODIFIED."""
    component.add("uid", f"{uid}@{UID_DOMAIN}")
    component.add("dtstamp", updated_at)
    component.add("last-modified", updated_at)
    component.add("sequence", sequence(updated_at))
    return component


def describe(component, *, summary, description, url):
    """Give an event or to-do its title (on one line), its description and the address of its page."""
    component.add("summary", one_line(summary))
    component.add("description", showable(description))
    component.add("url", url)
    return component


def all_day_event(uid, first_day, last_day, updated_at, *, summary, description, url):
    """An all-day event from ``first_day`` to ``last_day`` that takes no time in a busy calendar."""
    event = describe(
        identify(icalendar.Event(), uid, updated_at), summary=summary, description=description, url=url
    )
    event.add("dtstart", first_day)
    event.add("dtend", last_day + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def event_status(meeting, today):
    """TENTATIVE while a scheduled or postponed meeting lies ahead; CONFIRMED once held or due."""
    if meeting.status == MeetingStatus.CANCELLED:
        return "CANCELLED"
    if meeting.status == MeetingStatus.POSTPONED:
        return "TENTATIVE"
    if meeting.status == MeetingStatus.SCHEDULED and meeting.start_date > today:
        return "TENTATIVE"
    return "CONFIRMED"


def meeting_event(meeting, absolute_url, today):
    url = absolute_url(meeting.get_absolute_url())
    description = "\n\n".join(part for part in (meeting.summary or meeting.purpose, url) if part)
    event = all_day_event(
        f"meeting-{meeting.pk}",
        meeting.start_date,
        meeting.end_date or meeting.start_date,
        meeting.updated_at,
        summary=meeting.title,
        description=description,
        url=url,
    )
    event.add("status", event_status(meeting, today))
    location = one_line(", ".join(part for part in (meeting.venue, meeting.place) if part))
    if location:
        event.add("location", location)
    event.add("categories", [one_line(meeting.meeting_type.name)])
    return event


def meetings_calendar(meetings, absolute_url, name, description=""):
    """The meetings that have a date, as a calendar; returns its bytes."""
    calendar = new_calendar("Meetings", name, description)
    today = timezone.localdate()
    for meeting in meetings:
        if meeting.start_date:
            calendar.add_component(meeting_event(meeting, absolute_url, today))
    return calendar.to_ical()
