"""The editors' interface: one module per concept, registered on import."""

from . import actions, deleting, jobs, meetings, outcomes, participants, reference  # noqa: F401
