"""Reverting a record to one of its versions, with the rows of its record as they were then.

A meeting comes back with its attendance, outcomes and documents; an outcome with its action items
and their owners; an action item with its owners; a participant with its other names. Each
module says what its kind of record brings back and what it leaves alone.

What every revert does, as its confirmation page lists it before anything is written:

- the record's own fields and links take their values of then;
- rows of its parts added since are removed; those deleted since come back, with their old ids
  where free; those changed since take their old values (and links);
- progress updates, the timeline of an action, are never removed or edited: they come back with an
  action item that comes back, and a status that goes back is recorded by a new update;
- what history did not keep (a row from before its history began, a value pointing to a record
  since deleted, a name another record now holds) is left as it is, and named.

Everything is written in one transaction, each row with the user, one moment and the reason
"Reverted to the version of <date> by <user>". The page carries a digest of the plan it showed; if
the record changed in between, nothing is written and the new plan is shown.

The package, by concept: ``plans`` (what a revert does to each row, in words), ``rows``
(``RecordRevert``: rows planned from their history and written back), ``meetings``, ``outcomes``,
``action_items`` and ``participants`` (what each kind brings back), ``pages`` (the confirmation
page and its POST, for their admins).
"""

from .action_items import ActionItemRevert
from .meetings import MeetingRevert
from .outcomes import OutcomeRevert
from .pages import RevertAdmin, RevertForm
from .participants import ParticipantRevert
from .plans import StaleRevert, selected, when

__all__ = [
    "ActionItemRevert",
    "MeetingRevert",
    "OutcomeRevert",
    "ParticipantRevert",
    "RevertAdmin",
    "RevertForm",
    "StaleRevert",
    "selected",
    "when",
]
