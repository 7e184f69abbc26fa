"""Who may change the record: one rule, asked by every path that writes it.

A meeting's record is its own fields and links, its attendance, its outcomes, their action items
(title, description, owners, timeframe and due date, the outcome they come from, what fulfilled or
superseded them) and its documents. Once the meeting has a publication time, published or scheduled
to be, its record changes only with the publish permission: the admin's forms, inlines, bulk actions,
deletes, moves of a part into or out of it, imports and reverts all ask ``may_change``. A move
is a change of both records, the one left and the one joined.

Progress is the exception: whoever may add progress updates records an action's progress, on a
published meeting's actions too: a status reached, with its note, its date and the meeting where it
was reported. It is public at once, names who recorded it, and is never changed or deleted.

A document is public only through a published meeting (``Document.objects.published()``): its
own, or, for a document of no meeting, one whose outcome cites it. It is locked the same way: by its
meeting, or, without one, by every published or scheduled meeting whose outcomes cite it.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from .models import ActionItem, ActionOwner, Attendance, Document, Meeting, OldAddress, Outcome
from .roles import PUBLISH_PERMISSION

type User = AbstractBaseUser | AnonymousUser
# A record held by a meeting's record, and how to reach that meeting from it.
type Part = Meeting | Attendance | OldAddress | Outcome | ActionItem | ActionOwner | Document


def may_publish(user: User) -> bool:
    """Whether ``user`` may publish, unpublish and schedule meetings, and so change their record."""
    return user.has_perm(PUBLISH_PERMISSION)


def is_locked(meeting: Meeting | None) -> bool:
    """Whether ``meeting``'s record is public or scheduled to be, for publishers alone to change."""
    return meeting is not None and meeting.published_at is not None


def may_change(user: User, meeting: Meeting | None) -> bool:
    """Whether ``user`` may change what ``meeting`` records (None: a record of no meeting yet)."""
    return not is_locked(meeting) or may_publish(user)


def meeting_of(part: Part | None) -> Meeting | None:
    """The meeting whose record holds ``part`` (None for None, or for a document of no meeting)."""
    if part is None or isinstance(part, Meeting):
        return part
    if isinstance(part, ActionOwner):
        part = part.action_item if part.action_item_id else None
    if isinstance(part, ActionItem):
        part = part.outcome if part.outcome_id else None
    if part is None or part.meeting_id is None:
        return None
    return part.meeting


def locking_meetings(document: Document) -> list[Meeting]:
    """The published or scheduled meetings whose record holds ``document``, as it stands (saved or not).

    Its own meeting, if it has one (an outcome of another meeting citing it does not make it
    public); without one, the meetings whose outcomes cite it.
    """
    if document.meeting_id is not None:
        return [document.meeting] if is_locked(document.meeting) else []
    if document.pk is None:
        return []
    return list(
        Meeting.objects.published_or_scheduled()
        .filter(outcomes__documents=document)
        .distinct()
        .order_by("pk")
    )


def may_change_document(user: User, document: Document) -> bool:
    """Whether ``user`` may change, or delete, ``document`` as it stands."""
    return may_publish(user) or not locking_meetings(document)


def may_change_part(user: User, part: Part) -> bool:
    """Whether ``user`` may change, or delete, ``part`` of a meeting's record."""
    if isinstance(part, Document):
        return may_change_document(user, part)
    return may_change(user, meeting_of(part))


def refusal(meeting: Meeting) -> str:
    """Why a change to ``meeting``'s record is refused, in words for a form or a page."""
    return _("“%(meeting)s” is published or scheduled to be: only a publisher may change its record.") % {
        "meeting": meeting
    }
