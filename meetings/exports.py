"""The action tracker out of the site: CSV and XLSX of the filtered list, and an iCalendar of deadlines.

Each builder takes the actions already filtered (the same filter set as the page); the views only
pick the format and set the headers. Spreadsheets hold at most MAX_ROWS actions: a long archive has
hundreds of thousands, which no request should try to write (the whole tracker as XLSX took a
worker past 1.5 GB and past its timeout). CSV is written as it is read, a chunk of rows at a time;
XLSX through openpyxl's write-only mode, which keeps no cells in memory.
"""

import csv
import io

import icalendar
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import calendars
from .models import ActionStatus
from .text import showable

# The most actions one file holds; a larger export is refused with the count and how to narrow it.
MAX_ROWS = 20_000
# Larger CSV and XLSX files are written by the task worker (meetings/tasks.py): 2,000 actions take
# about 2 s to write as XLSX, well inside a request; 15,000 took 15 s.
IMMEDIATE_ROWS = 2_000
# Rows read from the database at a time (with their owners), so memory stays flat however long.
CHUNK = 1_000

COLUMNS = [
    "id",
    "url",
    "title",
    "status",
    "overdue",
    "due",
    "due_label",
    "due_date",
    "due_as_published",
    "lead_owners",
    "supporting_owners",
    "meeting",
    "meeting_date",
    "outcome",
    "fulfilled_by_meeting",
    "updated_at",
]

# RFC 5545 VTODO statuses; superseded work is no longer to be done, as cancelled.
ICAL_TODO_STATUS = {
    ActionStatus.NOT_STARTED: "NEEDS-ACTION",
    ActionStatus.IN_PROGRESS: "IN-PROCESS",
    ActionStatus.COMPLETED: "COMPLETED",
    ActionStatus.CANCELLED: "CANCELLED",
    ActionStatus.SUPERSEDED: "CANCELLED",
}


# A cell starting with one of these is a formula to a spreadsheet program (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """``value`` as a spreadsheet shows it: editors' text starting like a formula gets a leading quote.

    Text is cleaned of what no output can carry (meetings/text.py): XLSX is XML 1.0, and openpyxl
    refuses a control character with an error that would end the whole file.
    """
    if not isinstance(value, str):
        return value
    value = showable(value)
    if value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def spreadsheet_row(action_item, absolute_url, today):
    return [spreadsheet_cell(value) for value in action_row(action_item, absolute_url, today)]


def action_row(action_item, absolute_url, today):
    """One action as a row of plain values, in the order of COLUMNS."""
    ownerships = action_item.ownerships.all()
    meeting = action_item.outcome.meeting
    period = action_item.due_period
    fulfilled_by = action_item.fulfilled_by_meeting
    return [
        action_item.pk,
        absolute_url(action_item.get_absolute_url()),
        action_item.title,
        action_item.status,
        "yes" if action_item.is_overdue(today) else "no",
        period.code if period else "",
        str(action_item.due_label),
        action_item.due_date.isoformat() if action_item.due_date else "",
        action_item.due_as_published,
        "; ".join(o.participant.name for o in ownerships if o.role == "lead"),
        "; ".join(o.participant.name for o in ownerships if o.role != "lead"),
        meeting.title,
        meeting.start_date.isoformat() if meeting.start_date else "",
        action_item.outcome.text,
        fulfilled_by.title if fulfilled_by and fulfilled_by.is_published else "",
        action_item.updated_at.date().isoformat(),
    ]


class Echo:
    """A file-like object that hands back what is written, for csv.writer feeding a stream."""

    def write(self, value):
        return value


def rows(action_items, progress=None):
    """The actions a chunk at a time; counted by ``progress(items, step, total)`` if given."""
    action_items_iterator = action_items.iterator(chunk_size=CHUNK)
    if progress:
        return progress(action_items_iterator, "writing", total=action_items.count())
    return action_items_iterator


def actions_csv(action_items, absolute_url, progress=None):
    """The CSV as an iterator of lines, read from the database a chunk at a time."""
    writer = csv.writer(Echo())
    today = timezone.localdate()
    yield writer.writerow(COLUMNS)
    for action_item in rows(action_items, progress):
        yield writer.writerow(spreadsheet_row(action_item, absolute_url, today))


def actions_xlsx(action_items, absolute_url, progress=None):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    today = timezone.localdate()
    for action_item in rows(action_items, progress):
        sheet.append(spreadsheet_row(action_item, absolute_url, today))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def percent_complete(action_item):
    """The latest reported percentage, or what the status implies."""
    if action_item.status == ActionStatus.COMPLETED:
        return 100
    if action_item.latest_percent is not None:
        return action_item.latest_percent
    return 0


def actions_calendar(action_items, absolute_url):
    """Deadlines as all-day events and each action as a to-do, each linking back to its page.

    UIDs derive from the action's id only and SEQUENCE from its last change, so a subscribed
    calendar updates entries in place when a deadline is edited. At most ``calendars.MAX_EVENTS``
    actions, the latest due first (a calendar of 7,600 actions was 6 MB and took 7 s to build); the
    calendar's description then says where the others are.
    """

    def elsewhere(chosen):
        return _(
            "Narrow the filters (by status, owner, meeting or due dates) for the others, or read every "
            "action a page at a time from %(api)s."
        ) % {"api": absolute_url(reverse("api:action_list"))}

    chosen, note = calendars.latest_first(
        action_items,
        (F("due_date").desc(nulls_last=True), "-pk"),
        what=_("actions"),
        elsewhere=elsewhere,
    )
    calendar = calendars.new_calendar("Action tracker", "Bali Process actions", note)
    for action_item in chosen:
        url = absolute_url(action_item.get_absolute_url())
        updated_at = action_item.updated_at
        summary = action_item.title
        description = action_item.outcome.text
        if action_item.due_as_published:
            description = f"{description}\n\nTimeframe as published: {action_item.due_as_published}"
        if action_item.due_date:
            calendar.add_component(
                calendars.all_day_event(
                    f"action-{action_item.pk}-due",
                    action_item.due_date,
                    action_item.due_date,
                    updated_at,
                    summary=f"Due: {summary}",
                    description=description,
                    url=url,
                )
            )
        todo = calendars.identify(icalendar.Todo(), f"action-{action_item.pk}", updated_at)
        calendars.describe(todo, summary=summary, description=description, url=url)
        todo.add("status", ICAL_TODO_STATUS[action_item.status])
        todo.add("percent-complete", percent_complete(action_item))
        if action_item.due_date:
            todo.add("due", action_item.due_date)
        calendar.add_component(todo)
    return calendar.to_ical()
