"""The record in Popolo (https://www.popoloproject.com/specs/): organizations, memberships, events.

Civic-tech tools read Popolo without learning our format. Participants are organizations (Popolo's
persons are people, and the record names states and bodies, not people); the forum itself is one
more organization, ``FORUM_ID``, which the memberships of the forum point to. Meetings are events
whose attendees are the participating organizations, each with its role at that meeting.
Published meetings only; participants and memberships are public as they stand.

The events come in pages (``?limit=&offset=``, ``EVENTS_PER_PAGE`` by default), the oldest first:
the whole record is 31 MB on 10,000 meetings, which took 21 s and 630 MB to build. Each page is a
Popolo document of its own, with every organization and membership (they grow with the participants,
not with the meetings), so each attendee it names is found in it; the total and the next and
previous pages are given as HTTP headers (``X-Total-Count``, ``Link``), which leaves the document
plain Popolo.
"""

from django.db.models import F, Prefetch
from ninja import Field, Schema

from ..models import Attendance, Meeting, Membership, Participant

FORUM_ID = "bali-process"
FORUM_NAME = "Bali Process"
ISO_SCHEME = "ISO 3166-1 alpha-2"
# Events in one page of the document by default, and at most (about 0.3 and 1.7 MB).
EVENTS_PER_PAGE = 100
MAX_EVENTS_PER_PAGE = 500


class PopoloIdentifier(Schema):
    identifier: str
    scheme: str


class PopoloOtherName(Schema):
    name: str
    note: str | None = None


class PopoloLink(Schema):
    url: str
    note: str | None = None


class PopoloOrganization(Schema):
    id: str
    name: str
    classification: str = Field(description="The participant's kind: state, forum_body, ...")
    other_names: list[PopoloOtherName]
    identifiers: list[PopoloIdentifier]
    links: list[PopoloLink]
    updated_at: str | None = None


class PopoloMember(Schema):
    type: str = Field(alias="@type")
    id: str


class PopoloMembership(Schema):
    id: str
    label: str
    role: str = Field(description="member, observer or co_chair.")
    member: PopoloMember
    organization_id: str
    start_date: str | None
    end_date: str | None


class PopoloAttendee(PopoloMember):
    role: str = Field(description="The attendance role at this meeting: member, observer, host, ...")
    note: str | None = None


class PopoloEvent(Schema):
    id: str
    name: str
    description: str | None
    classification: str = Field(description="Slug of the meeting type.")
    start_date: str | None
    end_date: str | None
    location: str | None
    status: str
    organization_id: str = Field(description="The convening body, or the forum itself.")
    parent_id: str | None
    attendees: list[PopoloAttendee]
    identifiers: list[PopoloIdentifier]
    sources: list[PopoloLink]
    updated_at: str


class PopoloOut(Schema):
    organizations: list[PopoloOrganization]
    memberships: list[PopoloMembership]
    events: list[PopoloEvent]


def organization(participant, absolute_url):
    names = []
    if participant.short_name:
        names.append({"name": participant.short_name, "note": "abbreviation"})
    names += [{"name": alias.name, "note": "alias"} for alias in participant.aliases.all()]
    identifiers = [{"identifier": participant.slug, "scheme": "balitracker"}]
    if participant.country:
        identifiers.append({"identifier": participant.country.code, "scheme": ISO_SCHEME})
    links = [{"url": absolute_url(participant.get_absolute_url()), "note": "record page"}]
    if participant.website:
        links.append({"url": participant.website, "note": "website"})
    return {
        "id": participant.slug,
        "name": participant.name,
        "classification": participant.kind,
        "other_names": names,
        "identifiers": identifiers,
        "links": links,
        "updated_at": participant.updated_at.isoformat(),
    }


def membership(row):
    where = row.body.name if row.body_id else FORUM_NAME
    return {
        "id": f"membership-{row.pk}",
        "label": f"{row.get_status_display()} of {where}",
        "role": row.status,
        "member": {"@type": "Organization", "id": row.participant.slug},
        "organization_id": row.body.slug if row.body_id else FORUM_ID,
        "start_date": row.start_date.isoformat() if row.start_date else None,
        "end_date": row.end_date.isoformat() if row.end_date else None,
    }


def event(meeting, absolute_url):
    parent = meeting.parent if meeting.parent and meeting.parent.is_published else None
    sources = [{"url": absolute_url(meeting.get_absolute_url()), "note": "record page"}]
    sources += [{"url": url, "note": "published record"} for url in meeting.source_url_list]
    return {
        "id": meeting.slug,
        "name": meeting.title,
        "description": meeting.summary or meeting.purpose or None,
        "classification": meeting.meeting_type.slug,
        "start_date": meeting.start_date.isoformat() if meeting.start_date else None,
        "end_date": (meeting.end_date or meeting.start_date).isoformat() if meeting.start_date else None,
        "location": ", ".join(part for part in (meeting.venue, meeting.place) if part) or None,
        "status": meeting.status,
        "organization_id": meeting.convening_body.slug if meeting.convening_body else FORUM_ID,
        "parent_id": parent.slug if parent else None,
        "attendees": [
            {
                "@type": "Organization",
                "id": attendance.participant.slug,
                "role": attendance.role,
                "note": attendance.person or None,
            }
            for attendance in meeting.attendances.all()
        ],
        "identifiers": [{"identifier": meeting.slug, "scheme": "balitracker"}],
        "sources": sources,
        "updated_at": meeting.updated_at.isoformat(),
    }


def published_events():
    """The published meetings in the order the document's pages walk them, oldest first."""
    return (
        Meeting.objects.published()
        .select_related("meeting_type", "parent", "convening_body")
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("participant").order_by(
                    "position", "participant__name", "pk"
                ),
            )
        )
        .order_by(F("start_date").asc(nulls_last=True), "pk")
    )


def popolo_export(absolute_url, meetings):
    """A Popolo document of every organization and membership and of ``meetings`` (a page of
    ``published_events()``) as events, in a fixed number of queries."""
    participants = Participant.objects.prefetch_related("aliases").order_by("name", "pk")
    memberships = Membership.objects.select_related("participant", "body").order_by(
        "participant__name", F("start_date").asc(nulls_first=True), "pk"
    )
    forum = {
        "id": FORUM_ID,
        "name": FORUM_NAME,
        "classification": "forum",
        "other_names": [],
        "identifiers": [],
        "links": [{"url": absolute_url("/"), "note": "record"}],
        "updated_at": None,
    }
    return {
        "organizations": [forum, *(organization(participant, absolute_url) for participant in participants)],
        "memberships": [membership(row) for row in memberships],
        "events": [event(meeting, absolute_url) for meeting in meetings],
    }
