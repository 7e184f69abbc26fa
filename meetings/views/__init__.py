"""Public pages, one module per concept. Thin views: querysets own the rules, templates the shape."""

from .actions import ActionDetailView, ActionListView
from .home import HomeView
from .meetings import MeetingDetailView, MeetingListView
from .participants import ParticipantDetailView, ParticipantListView
from .search import SearchView

__all__ = [
    "ActionDetailView",
    "ActionListView",
    "HomeView",
    "MeetingDetailView",
    "MeetingListView",
    "ParticipantDetailView",
    "ParticipantListView",
    "SearchView",
]
