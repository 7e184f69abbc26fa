"""The read-only JSON API at ``/api/``: published records, the public lists' filters, limit/offset pages.

Each list takes the query parameters of its public page (declared here for the OpenAPI schema,
applied by the page's own filter set), so a page's address and its API address filter alike:
``/meetings/?type=x&year=2014`` and ``/api/meetings/?type=x&year=2014``. A bad value answers 400
with what was wrong; an unknown record 404; both as ``{"detail": ..., "errors": {...}}``.
"""

from typing import Literal

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Path, Query, Schema, Swagger
from ninja.errors import HttpError, ValidationError

from ..filters import SEARCH_MAX_LENGTH, ActionFilter, ParticipantFilter, query_with
from ..models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Document,
    DocumentKind,
    Meeting,
    MeetingStatus,
    Membership,
    MembershipStatus,
    Outcome,
    OutcomeKind,
    OutcomeStrength,
    Participant,
    ParticipantKind,
)
from ..tracker import tracker_queryset
from . import popolo, schemas
from .filters import DocumentFilter, InvalidQuery, OpenMeetingFilter, OutcomeFilter, apply_filters

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# Row ids are 64-bit; a larger number is no row, and some databases cannot even compare it.
MAX_ID = 2**63 - 1
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 10**9

api = NinjaAPI(
    title="Bali Process record API",
    version="1",
    description=(
        "Read-only JSON of the published record: meetings, participants, outcomes, action items and "
        "documents. Lists take the query parameters of the matching public page and answer in pages "
        "of `limit` rows from `offset`, with `count` and `next`/`previous` links. Meetings and "
        "participants are identified by slug, outcomes, actions and documents by integer id; every "
        "row links to its public page (`url`). Responses carry an ETag: send it back in "
        "If-None-Match to get 304 Not Modified while nothing on the record has changed."
    ),
    urls_namespace="api",
    # No validator badge: it would load an image from another site, which the CSP forbids anyway.
    # No deep links: Swagger UI puts each operation's link inside the button that opens it, a
    # control within a control that keyboards and screen readers cannot tell apart.
    docs=Swagger(settings={"validatorUrl": None, "deepLinking": False}),
)

NOT_FOUND = {404: schemas.ErrorOut}
BAD_QUERY = {400: schemas.ErrorOut}


@api.exception_handler(InvalidQuery)
def invalid_query(request, error):
    return api.create_response(
        request,
        {"detail": _("Some query values are not valid: %s") % error.explanation(), "errors": error.errors},
        status=400,
    )


@api.exception_handler(ValidationError)
def invalid_parameters(request, error):
    errors = {}
    for problem in error.errors:
        name = str(problem["loc"][-1]) if problem.get("loc") else "request"
        errors.setdefault(name, []).append(problem["msg"])
    return invalid_query(request, InvalidQuery(errors))


@api.exception_handler(Http404)
def not_found(request, error):
    return api.create_response(request, {"detail": str(error) or _("Not found.")}, status=404)


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")


def neighbours(request, page, count):
    """The addresses of the pages before and after ``page`` of ``count`` rows (None at either end)."""

    def address(offset):
        query = query_with(request.GET, limit=str(page.limit), offset=str(offset))
        return f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"

    following = page.offset + page.limit
    return (
        address(max(min(page.offset, count) - page.limit, 0)) if page.offset > 0 else None,
        address(following) if following < count else None,
    )


def paginate(request, rows, page):
    """One page of ``rows`` with the total and the addresses of the pages either side."""
    count = rows.count()
    results = list(rows[page.offset : page.offset + page.limit])
    previous, following = neighbours(request, page, count)
    return {"count": count, "next": following, "previous": previous, "results": results}


SlugPath = Path[str, {"pattern": SLUG_PATTERN, "max_length": 200, "description": "The record's slug."}]
IdPath = Path[int, {"ge": 1, "le": MAX_ID, "description": "The record's id."}]


# Meetings


class MeetingQuery(Schema):
    q: str | None = Field(None, max_length=SEARCH_MAX_LENGTH, description="Words in title, summary, place.")
    year: int | None = Field(None, ge=1, le=9999, description="Year the meeting started.")
    type: str | None = Field(None, pattern=SLUG_PATTERN, description="Meeting type slug.")
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code.")
    participant: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of a participant.")
    role: Literal[*AttendanceRole.values] | None = Field(
        None, description="With `participant`: the role it attended in (`observer`, `member`...)."
    )
    theme: str | None = Field(None, pattern=SLUG_PATTERN, description="Theme slug.")
    status: Literal[*MeetingStatus.values] | None = None
    sort: Literal["newest", "oldest", "title"] | None = Field(None, description="Newest first by default.")


def meeting_rows():
    return (
        Meeting.objects.published()
        .select_related("meeting_type")
        .prefetch_related("themes")
        .order_by(F("start_date").desc(nulls_last=True), "-pk")
    )


@api.get(
    "/", response=schemas.IndexOut, url_name="index", summary="Addresses of the API's lists", tags=["index"]
)
def index(request):
    def address(name):
        return request.build_absolute_uri(reverse(f"api:{name}"))

    return {
        "meetings": address("meeting_list"),
        "participants": address("participant_list"),
        "outcomes": address("outcome_list"),
        "actions": address("action_list"),
        "documents": address("document_list"),
        "popolo": address("popolo"),
        "openapi": address("openapi-json"),
        "docs": address("openapi-view"),
    }


@api.get(
    "/meetings/",
    response={200: schemas.MeetingPageOut, **BAD_QUERY},
    url_name="meeting_list",
    summary="Published meetings, newest first",
    tags=["meetings"],
)
def meeting_list(request, filters: Query[MeetingQuery], page: Query[PageQuery]):
    return paginate(request, apply_filters(OpenMeetingFilter, request.GET, meeting_rows()), page)


@api.get(
    "/meetings/{slug}/",
    response={200: schemas.MeetingDetailOut, **BAD_QUERY, **NOT_FOUND},
    url_name="meeting_detail",
    summary="One meeting's record: attendance, outcomes with their actions, documents",
    tags=["meetings"],
)
def meeting_detail(request, slug: SlugPath):
    action_items = ActionItem.objects.order_by("position", "pk").prefetch_related(
        Prefetch("ownerships", queryset=ActionOwner.objects.select_related("participant"))
    )
    outcomes = Outcome.objects.order_by("position", "pk").prefetch_related(
        "concerns",
        "themes",
        Prefetch("documents", queryset=Document.objects.published(), to_attr="published_documents"),
        Prefetch("action_items", queryset=action_items),
    )
    meeting = (
        Meeting.objects.published()
        .select_related("meeting_type", "parent", "convening_body")
        .prefetch_related(
            "themes",
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("participant").order_by(
                    "position", "participant__name", "pk"
                ),
            ),
            Prefetch("outcomes", queryset=outcomes),
            Prefetch("documents", queryset=Document.objects.order_by("position", "title", "pk")),
        )
        .filter(slug=slug)
        .first()
    )
    if meeting is None:
        raise HttpError(404, _("No published meeting has the slug “%s”.") % slug)
    return meeting


# Participants


class ParticipantQuery(Schema):
    q: str | None = Field(None, max_length=SEARCH_MAX_LENGTH, description="Name, short name or alias.")
    kind: Literal[*ParticipantKind.values] | None = None
    status: Literal[*MembershipStatus.values, ParticipantFilter.NO_MEMBERSHIP] | None = Field(
        None, description="Status in the forum today; `none` for neither member nor observer."
    )


@api.get(
    "/participants/",
    response={200: schemas.ParticipantPageOut, **BAD_QUERY},
    url_name="participant_list",
    summary="States, organisations, forum bodies and other participants, by name",
    tags=["participants"],
)
def participant_list(request, filters: Query[ParticipantQuery], page: Query[PageQuery]):
    participants = Participant.objects.order_by("name", "pk")
    return paginate(request, apply_filters(ParticipantFilter, request.GET, participants), page)


@api.get(
    "/participants/{slug}/",
    response={200: schemas.ParticipantDetailOut, **BAD_QUERY, **NOT_FOUND},
    url_name="participant_detail",
    summary="One participant with its other names and its memberships over time",
    tags=["participants"],
)
def participant_detail(request, slug: SlugPath):
    memberships = Membership.objects.select_related("body").order_by(
        F("start_date").asc(nulls_first=True), "pk"
    )
    participant = (
        Participant.objects.prefetch_related("aliases", Prefetch("memberships", queryset=memberships))
        .filter(slug=slug)
        .first()
    )
    if participant is None:
        raise HttpError(404, _("No participant has the slug “%s”.") % slug)
    return participant


# Outcomes


class OutcomeQuery(Schema):
    meeting: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of a published meeting.")
    kind: Literal[*OutcomeKind.values] | None = Field(None, description="The outcome's verb.")
    strength: Literal[*OutcomeStrength.values] | None = None
    theme: str | None = Field(None, pattern=SLUG_PATTERN, description="Theme slug.")
    concerns: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of a participant it is about.")


def outcome_rows():
    return (
        Outcome.objects.published()
        .select_related("meeting")
        .prefetch_related(
            "concerns",
            "themes",
            Prefetch("documents", queryset=Document.objects.published(), to_attr="published_documents"),
            Prefetch(
                "action_items", queryset=ActionItem.objects.only("pk", "outcome").order_by("position", "pk")
            ),
        )
        .order_by(F("meeting__start_date").desc(nulls_last=True), "-meeting__pk", "position", "pk")
    )


@api.get(
    "/outcomes/",
    response={200: schemas.OutcomePageOut, **BAD_QUERY},
    url_name="outcome_list",
    summary="What published meetings decided, recommended or noted, newest meeting first",
    tags=["outcomes"],
)
def outcome_list(request, filters: Query[OutcomeQuery], page: Query[PageQuery]):
    return paginate(request, apply_filters(OutcomeFilter, request.GET, outcome_rows()), page)


@api.get(
    "/outcomes/{outcome_id}/",
    response={200: schemas.OutcomeOut, **BAD_QUERY, **NOT_FOUND},
    url_name="outcome_detail",
    summary="One outcome",
    tags=["outcomes"],
)
def outcome_detail(request, outcome_id: IdPath):
    outcome = outcome_rows().filter(pk=outcome_id).first()
    if outcome is None:
        raise HttpError(404, _("No published outcome has the id %s.") % outcome_id)
    return outcome


# Action items


class ActionQuery(Schema):
    q: str | None = Field(None, max_length=SEARCH_MAX_LENGTH, description="Words in the action or outcome.")
    status: Literal["open", "overdue", *ActionStatus.values] | None = None
    owner: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of an owning participant.")
    meeting: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of a published meeting.")
    type: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of the meeting's type.")
    theme: str | None = Field(None, pattern=SLUG_PATTERN, description="Theme slug.")
    due_after: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, inclusive.")
    due_before: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, inclusive.")


def action_rows():
    return tracker_queryset().select_related("fulfilled_by_meeting").prefetch_related("themes")


@api.get(
    "/actions/",
    response={200: schemas.ActionPageOut, **BAD_QUERY},
    url_name="action_list",
    summary="Follow-up action items of published meetings, soonest deadline first",
    tags=["actions"],
)
def action_list(request, filters: Query[ActionQuery], page: Query[PageQuery]):
    # The tracker page's ``group`` and ``sort`` arrange that page; undeclared here, they are ignored
    # like any other parameter: the API's order is its own, soonest deadline first.
    query = query_with(request.GET, group=None, sort=None)
    return paginate(request, apply_filters(ActionFilter, query, action_rows()), page)


@api.get(
    "/actions/{action_id}/",
    response={200: schemas.ActionDetailOut, **BAD_QUERY, **NOT_FOUND},
    url_name="action_detail",
    summary="One action item with its progress timeline",
    tags=["actions"],
)
def action_detail(request, action_id: IdPath):
    action_item = action_rows().with_updates().filter(pk=action_id).first()
    if action_item is None:
        raise HttpError(404, _("No published action has the id %s.") % action_id)
    return action_item


# Documents


class DocumentQuery(Schema):
    meeting: str | None = Field(None, pattern=SLUG_PATTERN, description="Slug of a published meeting.")
    kind: Literal[*DocumentKind.values] | None = None
    language: str | None = Field(None, max_length=8, description="ISO 639-1 code: en, id, th.")


def document_rows():
    # A document of no meeting is public through an outcome that cites it: the first one listed.
    citing = (
        Outcome.objects.published()
        .filter(documents=OuterRef("pk"))
        .order_by(F("meeting__start_date").asc(nulls_last=True), "meeting", "position")
    )
    return (
        Document.objects.published()
        .select_related("meeting")
        .annotate(
            cited_at_outcome=Subquery(citing.values("pk")[:1]),
        )
        .order_by(F("meeting__start_date").desc(nulls_last=True), "-meeting__pk", "position", "title", "pk")
    )


@api.get(
    "/documents/",
    response={200: schemas.DocumentPageOut, **BAD_QUERY},
    url_name="document_list",
    summary="Documents of published meetings and those their outcomes cite, newest meeting first",
    tags=["documents"],
)
def document_list(request, filters: Query[DocumentQuery], page: Query[PageQuery]):
    return paginate(request, apply_filters(DocumentFilter, request.GET, document_rows()), page)


@api.get(
    "/documents/{document_id}/",
    response={200: schemas.DocumentOut, **BAD_QUERY, **NOT_FOUND},
    url_name="document_detail",
    summary="One document",
    tags=["documents"],
)
def document_detail(request, document_id: IdPath):
    document = document_rows().filter(pk=document_id).first()
    if document is None:
        raise HttpError(404, _("No published document has the id %s.") % document_id)
    return document


# Popolo


class PopoloQuery(Schema):
    limit: int = Field(
        popolo.EVENTS_PER_PAGE, ge=1, le=popolo.MAX_EVENTS_PER_PAGE, description="Events per page."
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Events to skip.")


@api.get(
    "/popolo.json",
    response={200: popolo.PopoloOut, **BAD_QUERY},
    by_alias=True,
    url_name="popolo",
    summary="Participants, memberships and meetings as Popolo organizations, memberships and events",
    description=(
        "Every organization and membership, and one page of the published meetings as events, oldest "
        "first (`limit` events from `offset`). The number of events is in the `X-Total-Count` header "
        'and the pages either side in `Link` (`rel="next"`, `rel="prev"`), so the document stays plain '
        "Popolo."
    ),
    tags=["popolo"],
)
def popolo_document(request, response: HttpResponse, page: Query[PopoloQuery]):
    meetings = popolo.published_events()
    count = meetings.count()
    previous, following = neighbours(request, page, count)
    links = [
        f'<{address}>; rel="{rel}"' for rel, address in (("prev", previous), ("next", following)) if address
    ]
    if links:
        response["Link"] = ", ".join(links)
    response["X-Total-Count"] = str(count)
    return popolo.popolo_export(request.build_absolute_uri, meetings[page.offset : page.offset + page.limit])
