"""The shapes of the read API's answers.

Each class is at once the OpenAPI schema of an answer and the code that reads it off the model:
ninja validates what the resolvers return against the declared types, so the published schema
cannot drift from the JSON. Resolvers read only what the endpoint's queryset has already loaded
(``select_related``/``prefetch_related`` in ``views.py``), never the database row by row.
"""

import datetime
from typing import Literal

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from ..due import DuePrecision
from ..models import (
    ActionStatus,
    AttendanceRole,
    DocumentKind,
    MeetingFormat,
    MeetingStatus,
    MembershipStatus,
    OutcomeKind,
    OutcomeStrength,
    OwnerRole,
    ParticipantKind,
)

MeetingStatusValue = Literal[*MeetingStatus.values]
MeetingFormatValue = Literal[*MeetingFormat.values]
ParticipantKindValue = Literal[*ParticipantKind.values]
MembershipStatusValue = Literal[*MembershipStatus.values]
AttendanceRoleValue = Literal[*AttendanceRole.values]
OutcomeKindValue = Literal[*OutcomeKind.values]
OutcomeStrengthValue = Literal[*OutcomeStrength.values]
ActionStatusValue = Literal[*ActionStatus.values]
OwnerRoleValue = Literal[*OwnerRole.values]
DocumentKindValue = Literal[*DocumentKind.values]
DuePrecisionValue = Literal[*DuePrecision.values]


def absolute(context, path):
    return context["request"].build_absolute_uri(path)


def api_url(context, name, **kwargs):
    return absolute(context, reverse(f"api:{name}", kwargs=kwargs))


def published_meeting(meeting):
    """The meeting if the public may see it, else None: a reference never leaks a draft."""
    return meeting if meeting is not None and meeting.is_published else None


class ErrorOut(Schema):
    """Why a request was refused: a sentence, and for query values the messages per parameter."""

    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class PageOut(Schema):
    """What every list answers: the total, links to the neighbouring pages, and this page's rows."""

    count: int = Field(description="Rows matching the filters, on all pages.")
    next: str | None = Field(description="Address of the next page, or null on the last.")
    previous: str | None = Field(description="Address of the previous page, or null on the first.")


class ParticipantRefOut(Schema):
    slug: str
    name: str
    url: str = Field(description="The participant's public page.")
    api_url: str

    @staticmethod
    def resolve_url(participant, context):
        return absolute(context, participant.get_absolute_url())

    @staticmethod
    def resolve_api_url(participant, context):
        return api_url(context, "participant_detail", slug=participant.slug)


class MeetingRefOut(Schema):
    slug: str
    title: str
    url: str = Field(description="The meeting's public page.")
    api_url: str

    @staticmethod
    def resolve_url(meeting, context):
        return absolute(context, meeting.get_absolute_url())

    @staticmethod
    def resolve_api_url(meeting, context):
        return api_url(context, "meeting_detail", slug=meeting.slug)


class MeetingOut(MeetingRefOut):
    type: str = Field(description="Slug of the meeting type (the `type` filter).")
    type_name: str
    number: int | None = Field(description="Its number in the series, where it has one.")
    start_date: datetime.date | None
    end_date: datetime.date | None
    date_as_published: str = Field(description="The date as the source gives it, where it differs.")
    city: str
    country: str | None = Field(description="ISO 3166-1 alpha-2 code of the host country.")
    venue: str
    format: MeetingFormatValue
    status: MeetingStatusValue
    summary: str
    themes: list[str] = Field(description="Slugs of its themes.")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_type(meeting):
        return meeting.meeting_type.slug

    @staticmethod
    def resolve_type_name(meeting):
        return meeting.meeting_type.name

    @staticmethod
    def resolve_country(meeting):
        return meeting.country.code or None

    @staticmethod
    def resolve_themes(meeting):
        return [theme.slug for theme in meeting.themes.all()]


class OwnerOut(Schema):
    participant: ParticipantRefOut
    role: OwnerRoleValue


class ActionSummaryOut(Schema):
    id: int
    title: str
    status: ActionStatusValue
    overdue: bool = Field(description="Open, and its due period has ended. Derived, never stored.")
    due: str | None = Field(description="The due period: YYYY, YYYY-H1, YYYY-Q3, YYYY-MM or YYYY-MM-DD.")
    due_date: datetime.date | None = Field(description="The last day of the due period.")
    due_precision: DuePrecisionValue | None
    due_as_published: str = Field(description="The timeframe in the record's own words.")
    owners: list[OwnerOut]
    url: str = Field(description="The action's public page.")
    api_url: str

    @staticmethod
    def resolve_overdue(action_item):
        return action_item.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_due(action_item):
        period = action_item.due_period
        return period.code if period else None

    @staticmethod
    def resolve_due_precision(action_item):
        return action_item.due_precision or None

    @staticmethod
    def resolve_owners(action_item):
        return list(action_item.ownerships.all())

    @staticmethod
    def resolve_url(action_item, context):
        return absolute(context, action_item.get_absolute_url())

    @staticmethod
    def resolve_api_url(action_item, context):
        return api_url(context, "action_detail", action_id=action_item.pk)


class ActionOut(ActionSummaryOut):
    description: str
    outcome: int = Field(description="Id of the outcome that set the action off.")
    meeting: str = Field(description="Slug of the meeting of that outcome.")
    themes: list[str]
    fulfilled_by_meeting: str | None = Field(description="Slug of the meeting where it was fulfilled.")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_outcome(action_item):
        return action_item.outcome_id

    @staticmethod
    def resolve_meeting(action_item):
        return action_item.outcome.meeting.slug

    @staticmethod
    def resolve_themes(action_item):
        return [theme.slug for theme in action_item.themes.all()]

    @staticmethod
    def resolve_fulfilled_by_meeting(action_item):
        meeting = published_meeting(action_item.fulfilled_by_meeting)
        return meeting.slug if meeting else None


class ProgressUpdateOut(Schema):
    date: datetime.date
    status: ActionStatusValue
    note: str
    percent_complete: int | None
    meeting: str | None = Field(description="Slug of the meeting where it was reported.")

    @staticmethod
    def resolve_meeting(update):
        meeting = published_meeting(update.meeting)
        return meeting.slug if meeting else None


class ActionDetailOut(ActionOut):
    progress_updates: list[ProgressUpdateOut] = Field(description="The timeline, oldest first.")

    @staticmethod
    def resolve_progress_updates(action_item):
        return list(action_item.progress_updates.all())


class DocumentOut(Schema):
    id: int
    title: str
    kind: DocumentKindValue
    language: str = Field(description="ISO 639-1 code.")
    link: str | None = Field(description="Where the document itself is; null while it is not online.")
    published_on: datetime.date | None
    meeting: str | None = Field(description="Slug of the meeting whose record holds it.")
    translation_of: int | None = Field(description="Id of the document this one translates.")
    url: str = Field(
        description="The public page that lists it: its meeting's, or the outcome's that cites it."
    )
    api_url: str

    @staticmethod
    def resolve_link(document, context):
        return absolute(context, document.link) if document.link else None

    @staticmethod
    def resolve_meeting(document):
        return document.meeting.slug if document.meeting_id else None

    @staticmethod
    def resolve_translation_of(document):
        return document.translation_of_id

    @staticmethod
    def resolve_url(document, context):
        if document.meeting_id:
            return absolute(context, document.meeting.get_absolute_url())
        # A document of no meeting is public only through an outcome citing it (``document_rows``).
        return absolute(context, reverse("meetings:outcome_detail", kwargs={"pk": document.cited_at_outcome}))

    @staticmethod
    def resolve_api_url(document, context):
        return api_url(context, "document_detail", document_id=document.pk)


class OutcomeSummaryOut(Schema):
    id: int
    position: int = Field(description="Its number in the meeting's record.")
    kind: OutcomeKindValue = Field(description="The verb of the outcome.")
    strength: OutcomeStrengthValue = Field(description="What the verb makes it: decision and so on.")
    text: str
    addressed_to: str
    concerns: list[str] = Field(description="Slugs of the participants it is about.")
    themes: list[str]
    documents: list[int] = Field(description="Ids of its documents.")
    url: str = Field(description="The outcome's own public page, its permanent address.")
    api_url: str

    @staticmethod
    def resolve_strength(outcome):
        return outcome.strength.value

    @staticmethod
    def resolve_concerns(outcome):
        return [participant.slug for participant in outcome.concerns.all()]

    @staticmethod
    def resolve_themes(outcome):
        return [theme.slug for theme in outcome.themes.all()]

    @staticmethod
    def resolve_documents(outcome):
        return [document.pk for document in outcome.published_documents]

    @staticmethod
    def resolve_url(outcome, context):
        return absolute(context, outcome.get_absolute_url())

    @staticmethod
    def resolve_api_url(outcome, context):
        return api_url(context, "outcome_detail", outcome_id=outcome.pk)


class OutcomeOut(OutcomeSummaryOut):
    meeting: str = Field(description="Slug of its meeting.")
    actions: list[int] = Field(description="Ids of the actions it set off.")

    @staticmethod
    def resolve_meeting(outcome):
        return outcome.meeting.slug

    @staticmethod
    def resolve_actions(outcome):
        return [action_item.pk for action_item in outcome.action_items.all()]


class OutcomeInMeetingOut(OutcomeSummaryOut):
    actions: list[ActionSummaryOut]

    @staticmethod
    def resolve_actions(outcome):
        return list(outcome.action_items.all())


class AttendanceOut(Schema):
    participant: ParticipantRefOut
    role: AttendanceRoleValue
    person: str
    note: str


class MeetingDetailOut(MeetingOut):
    purpose: str
    body: str = Field(description="Markdown.")
    attendance_summary: str = Field(description="The attendance sentence or counts as published.")
    attendance_complete: bool = Field(description="Whether every participant the source names is listed.")
    source_urls: list[str]
    convening_body: ParticipantRefOut | None
    parent: MeetingRefOut | None = Field(description="The meeting this one was held under.")
    attendance: list[AttendanceOut]
    outcomes: list[OutcomeInMeetingOut]
    documents: list[DocumentOut]

    @staticmethod
    def resolve_source_urls(meeting):
        return meeting.source_url_list

    @staticmethod
    def resolve_parent(meeting):
        return published_meeting(meeting.parent)

    @staticmethod
    def resolve_attendance(meeting):
        return list(meeting.attendances.all())

    @staticmethod
    def resolve_outcomes(meeting):
        return list(meeting.outcomes.all())

    @staticmethod
    def resolve_documents(meeting):
        return list(meeting.documents.all())


class ParticipantOut(ParticipantRefOut):
    short_name: str
    kind: ParticipantKindValue
    country: str | None = Field(description="ISO 3166-1 alpha-2 code, for states and territories.")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_country(participant):
        return participant.country.code or None


class MembershipOut(Schema):
    status: MembershipStatusValue
    body: str | None = Field(description="Slug of the forum body, or null for the forum itself.")
    start_date: datetime.date | None
    end_date: datetime.date | None

    @staticmethod
    def resolve_body(membership):
        return membership.body.slug if membership.body_id else None


class ParticipantDetailOut(ParticipantOut):
    description: str
    website: str
    aliases: list[str] = Field(description="Other names it is published under.")
    memberships: list[MembershipOut] = Field(description="Its status in the forum and its bodies over time.")
    meetings_url: str = Field(description="API address of the meetings it attended.")
    actions_url: str = Field(description="API address of the actions it owns.")

    @staticmethod
    def resolve_aliases(participant):
        return [alias.name for alias in participant.aliases.all()]

    @staticmethod
    def resolve_memberships(participant):
        return list(participant.memberships.all())

    @staticmethod
    def resolve_meetings_url(participant, context):
        return f"{api_url(context, 'meeting_list')}?participant={participant.slug}"

    @staticmethod
    def resolve_actions_url(participant, context):
        return f"{api_url(context, 'action_list')}?owner={participant.slug}"


class MeetingPageOut(PageOut):
    results: list[MeetingOut]


class ParticipantPageOut(PageOut):
    results: list[ParticipantOut]


class OutcomePageOut(PageOut):
    results: list[OutcomeOut]


class ActionPageOut(PageOut):
    results: list[ActionOut]


class DocumentPageOut(PageOut):
    results: list[DocumentOut]


class IndexOut(Schema):
    meetings: str
    participants: str
    outcomes: str
    actions: str
    documents: str
    popolo: str
    openapi: str
    docs: str
