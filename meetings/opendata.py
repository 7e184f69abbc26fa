"""HTTP for the record as data: conditional GET and open CORS on the API, feeds and calendars.

The ETag is a digest of the record's version: for each table the public record is read from, its
row count and latest ``updated_at``, the latest entry of its history where it keeps one (every save
and delete through the admin or the importer writes one, rows without a timestamp of their own
included), plus how many meetings are published now (a scheduled
publication comes due without any row changing) and today's date (overdue and upcoming are derived
from it). Any edit, addition or deletion changes it, so a client that sends it back in
``If-None-Match`` gets 304 only when nothing it could see has changed; working it out is one query,
and a 304 spares the view's queries. There is no Last-Modified: a deletion or an unpublication
does not move any ``max(updated_at)``, so a date would tell a reader nothing changed when it had.
"""

import hashlib

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, set_response_etag

from .models import (
    ActionItem,
    ActionOwner,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    Theme,
)

# Each table the open data reads, with its change timestamp (None: rows without one, edited only
# through a parent whose own ``updated_at`` moves; their count still catches additions and deletions).
TRACKED_TABLES = [
    (Meeting, "updated_at"),
    (MeetingType, "updated_at"),
    (Theme, "updated_at"),
    (Participant, "updated_at"),
    (ParticipantAlias, None),
    (Membership, "updated_at"),
    (Attendance, None),
    (Outcome, "updated_at"),
    (Document, "updated_at"),
    (ActionItem, "updated_at"),
    (ActionOwner, None),
    (ProgressUpdate, "created_at"),
]

OPEN_PATH_PREFIXES = ("/api/", "/feeds/")
OPEN_PATH_SUFFIXES = ("/calendar.ics",)
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
DESCRIPTION_PATHS = {"/api/openapi.json", "/api/docs"}


def record_version():
    """A string that changes whenever anything the public can read changes, from one query."""
    quote = connection.ops.quote_name
    parts = []
    for model, stamp in TRACKED_TABLES:
        table = quote(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        if stamp:
            parts.append(f"(SELECT MAX({quote(model._meta.get_field(stamp).column)}) FROM {table})")
        history = getattr(model, "history", None)
        if history is not None:
            parts.append(f"(SELECT MAX({quote('history_date')}) FROM {quote(history.model._meta.db_table)})")
    published_at = quote(Meeting._meta.get_field("published_at").column)
    parts.append(
        f"(SELECT COUNT(*) FROM {quote(Meeting._meta.db_table)} "
        f"WHERE {published_at} IS NOT NULL AND {published_at} <= %s)"
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), [connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    return "|".join(str(value) for value in (*row, timezone.localdate(now)))


def record_etag(request):
    """The ETag of this address's answer: the record's version, for this host, path and query."""
    key = f"{record_version()}|{request.get_host()}|{request.get_full_path()}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def is_open_data(path):
    return path.startswith(OPEN_PATH_PREFIXES) or path == "/calendar.ics" or path.endswith(OPEN_PATH_SUFFIXES)


class OpenDataMiddleware:
    """For the API, feeds and calendars: ETag and 304 Not Modified, and CORS open for reading.

    Anyone may read the published record from a page on another site, without credentials, so
    ``Access-Control-Allow-Origin: *``; a preflight (a script sending If-None-Match) is answered
    here. Only successful answers get an ETag: an error is never cached as the resource.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_open_data(request.path_info) or request.method not in READ_METHODS:
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = self.preflight()
        else:
            response = self.conditional(request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        return response

    def conditional(self, request):
        if request.method == "OPTIONS":
            return self.get_response(request)
        if request.path_info in DESCRIPTION_PATHS:
            return self.conditional_on_content(request)
        etag = record_etag(request)
        response = get_conditional_response(request, etag=etag)
        if response is not None:
            response.headers["ETag"] = etag
            return response
        response = self.get_response_to_head(request)
        if response.status_code == 200:
            response.headers.setdefault("ETag", etag)
        return response

    def conditional_on_content(self, request):
        """The schema and its docs describe the code, not the record: their ETag is their content's."""
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming:
            return response
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)

    def get_response_to_head(self, request):
        """Django's views answer HEAD as GET without a body; ninja's allow GET only, so do it here."""
        if request.method != "HEAD" or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        request.method = "GET"
        response = self.get_response(request)
        request.method = "HEAD"
        if not response.streaming:
            length = len(response.content)
            response.content = b""
            response.headers["Content-Length"] = str(length)
        return response

    @staticmethod
    def preflight():
        response = HttpResponse(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
        return response
