"""Meetings as iCalendar (RFC 5545): the filtered list at ``/calendar.ics``, one meeting's download.

A subscribed calendar updates entries in place, so each event keeps the same UID for life
(``meeting-<id>@balitracker``: the row id, not the slug, which an editor may correct) and
carries SEQUENCE and LAST-MODIFIED. SEQUENCE is the minute of the meeting's ``updated_at``
counted from the Unix epoch: it grows with every edit without a stored counter, and stays well
inside the 32-bit integer calendar programs keep it in.

Meetings are all-day events (the record keeps dates, not times), so DTEND is the day after the
last day, as RFC 5545 wants. A meeting without a date is left out: it has nowhere to go.
"""

import datetime

import icalendar
from django.utils import timezone

from .exports import UID_DOMAIN
from .models import MeetingStatus


def event_status(meeting, today):
    """TENTATIVE while a scheduled or postponed meeting lies ahead; CONFIRMED once held or due."""
    if meeting.status == MeetingStatus.CANCELLED:
        return "CANCELLED"
    if meeting.status == MeetingStatus.POSTPONED:
        return "TENTATIVE"
    if meeting.status == MeetingStatus.SCHEDULED and meeting.start_date > today:
        return "TENTATIVE"
    return "CONFIRMED"


def sequence(meeting):
    return int(meeting.updated_at.timestamp() // 60)


def meeting_event(meeting, absolute_url, today):
    url = absolute_url(meeting.get_absolute_url())
    last_day = meeting.end_date or meeting.start_date
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@{UID_DOMAIN}")
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", sequence(meeting))
    event.add("dtstart", meeting.start_date)
    event.add("dtend", last_day + datetime.timedelta(days=1))
    event.add("summary", meeting.title)
    description = "\n\n".join(part for part in (meeting.summary or meeting.purpose, url) if part)
    event.add("description", description)
    event.add("url", url)
    event.add("status", event_status(meeting, today))
    location = ", ".join(part for part in (meeting.venue, meeting.place) if part)
    if location:
        event.add("location", location)
    event.add("categories", [meeting.meeting_type.name])
    event.add("transp", "TRANSPARENT")
    return event


def meetings_calendar(meetings, absolute_url, name):
    """The meetings that have a date, as a calendar; returns its bytes."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Bali Process record//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    today = timezone.localdate()
    for meeting in meetings:
        if meeting.start_date:
            calendar.add_component(meeting_event(meeting, absolute_url, today))
    return calendar.to_ical()
