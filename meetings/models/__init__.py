"""The domain of the forum's record, one module per concept."""

from .actions import (
    OPEN_STATUSES,
    ActionItem,
    ActionOwner,
    ActionStatus,
    DigestSent,
    OwnerRole,
    ProgressUpdate,
)
from .jobs import Job, JobKind
from .meetings import Attendance, AttendanceRole, Meeting, MeetingFormat, MeetingStatus, OldAddress
from .outcomes import Document, DocumentKind, Outcome, OutcomeKind, OutcomeStrength, strength_of
from .participants import Membership, MembershipStatus, Participant, ParticipantAlias, ParticipantKind
from .reference import MeetingType, Theme
from .tallies import ActionTally, ActionTallyMark, AttendanceTally, AttendanceTallyMark, TallyKind
from .versions import RecordVersion

__all__ = [
    "OPEN_STATUSES",
    "ActionItem",
    "ActionOwner",
    "ActionStatus",
    "ActionTally",
    "ActionTallyMark",
    "Attendance",
    "AttendanceTally",
    "AttendanceTallyMark",
    "DigestSent",
    "AttendanceRole",
    "Document",
    "DocumentKind",
    "Job",
    "JobKind",
    "Meeting",
    "MeetingFormat",
    "MeetingStatus",
    "MeetingType",
    "OldAddress",
    "Membership",
    "MembershipStatus",
    "Outcome",
    "OutcomeKind",
    "OutcomeStrength",
    "OwnerRole",
    "Participant",
    "ParticipantAlias",
    "ParticipantKind",
    "ProgressUpdate",
    "RecordVersion",
    "TallyKind",
    "Theme",
    "strength_of",
]
