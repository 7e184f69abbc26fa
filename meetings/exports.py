"""The action tracker out of the site: CSV and XLSX of the filtered list, and an iCalendar of deadlines.

Each builder takes the actions already filtered (the same filter set as the page); the views only
pick the format and set the headers. Spreadsheets hold at most MAX_ROWS actions: a long archive has
hundreds of thousands, which no request should try to write (the whole tracker as XLSX took a
worker past 1.5 GB and past its timeout). CSV is written as it is read, a chunk of rows at a time;
XLSX through openpyxl's write-only mode, which keeps no cells in memory.

CSV keeps the machine column names of COLUMNS, for programs; the workbook is for people: headings
and labels in words, dates as dates, column widths, its header row frozen with a filter on each
column, and a second sheet saying what was exported, with which filters and when.
"""

import csv
import datetime
import io

import icalendar
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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

# The workbook's columns: heading, width in characters, and whether it holds dates.
WORKBOOK_COLUMNS = [
    ("ID", 8, False),
    ("Action", 60, False),
    ("Status", 13, False),
    ("Overdue", 9, False),
    ("Due by", 12, True),
    ("Deadline", 24, False),
    ("Timeframe as published", 28, False),
    ("Lead owners", 30, False),
    ("Supporting owners", 30, False),
    ("Meeting", 44, False),
    ("Meeting date", 13, True),
    ("Outcome", 70, False),
    ("Fulfilled by meeting", 36, False),
    ("Last reported", 13, True),
    ("Last updated", 13, True),
    ("Page", 42, False),
]
# How the workbook shows a date: 30 Jun 2015, whatever the reader's locale does with numbers.
DATE_FORMAT = "d mmm yyyy"

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


def workbook_row(action_item, absolute_url, today):
    """One action as the workbook shows it, in the order of WORKBOOK_COLUMNS: words, not codes."""
    ownerships = action_item.ownerships.all()
    meeting = action_item.outcome.meeting
    fulfilled_by = action_item.fulfilled_by_meeting
    return [
        action_item.pk,
        action_item.title,
        str(action_item.get_status_display()),
        "Yes" if action_item.is_overdue(today) else "No",
        action_item.due_date,
        str(action_item.due_label),
        action_item.due_as_published,
        "; ".join(o.participant.name for o in ownerships if o.role == "lead"),
        "; ".join(o.participant.name for o in ownerships if o.role != "lead"),
        meeting.title,
        meeting.start_date,
        action_item.outcome.text,
        fulfilled_by.title if fulfilled_by and fulfilled_by.is_published else "",
        getattr(action_item, "last_reported", None),
        timezone.localtime(action_item.updated_at).date(),
        absolute_url(action_item.get_absolute_url()),
    ]


def workbook_cells(sheet, values, date_columns):
    """A row for the sheet: text neutralised (spreadsheet_cell), dates as cells shown as dates.

    Only the dates are made cells here: the sheet makes its own of plain values, and a cell made
    twice over for every value was most of a large workbook's time.
    """
    cells = [spreadsheet_cell(value) for value in values]
    for index in date_columns:
        if isinstance(cells[index], datetime.date):
            cells[index] = WriteOnlyCell(sheet, value=cells[index])
            cells[index].number_format = DATE_FORMAT
    return cells


def heading_cells(sheet, headings):
    cells = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        cells.append(cell)
    return cells


def actions_xlsx(action_items, absolute_url, progress=None, about=()):
    """The workbook: a sheet of actions, then one saying what it holds (``about``: pairs of a
    label and a value, such as each filter in force, from the view); ``progress`` counts the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    # Widths go before the first row: write-only sheets write their columns' settings first.
    for number, (_heading, width, _dated) in enumerate(WORKBOOK_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(heading_cells(sheet, [heading for heading, _width, _dated in WORKBOOK_COLUMNS]))
    date_columns = {index for index, (_heading, _width, dated) in enumerate(WORKBOOK_COLUMNS) if dated}
    today = timezone.localdate()
    written = 0
    for action_item in rows(action_items, progress):
        sheet.append(workbook_cells(sheet, workbook_row(action_item, absolute_url, today), date_columns))
        written += 1
    # The filter's range is written after the rows, when the sheet is closed.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(WORKBOOK_COLUMNS))}{written + 1}"
    about_sheet(workbook, [("Actions", written), *about])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def about_sheet(workbook, facts):
    """The workbook's second sheet: what it holds and when it was exported, a fact a row."""
    sheet = workbook.create_sheet("About")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90
    title = WriteOnlyCell(sheet, value="Bali Process action tracker: export")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    exported_at = timezone.localtime().replace(microsecond=0, tzinfo=None)
    when = WriteOnlyCell(sheet, value=exported_at)
    when.number_format = "d mmm yyyy hh:mm"
    sheet.append(heading_cells(sheet, [f"Exported ({timezone.get_current_timezone_name()})"]) + [when])
    for label, value in facts:
        sheet.append(heading_cells(sheet, [label]) + [WriteOnlyCell(sheet, value=spreadsheet_cell(value))])


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
