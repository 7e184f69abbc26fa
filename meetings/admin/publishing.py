"""Who may publish, and what an editor without that right may not touch.

A meeting with a publication time (published, or scheduled to be) is locked for staff without the
publish permission: they see it, but cannot change or delete it, nor its attendance, outcomes and
documents. They cannot set a publication time either.
"""

from ..models import Meeting
from ..roles import PUBLISH_PERMISSION


def can_publish(request):
    return request.user.has_perm(PUBLISH_PERMISSION)


def locked_for(request, meeting):
    """Whether ``meeting`` is public (or scheduled to be) and the user may not publish."""
    return meeting is not None and meeting.published_at is not None and not can_publish(request)


class LockedWithMeetingInline:
    """An inline of the meeting page, read-only where its meeting is locked for this user."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not locked_for(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not locked_for(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not locked_for(request, obj)


class LockedWithMeetingAdmin:
    """The admin of a part of a meeting (attendance, outcome, document), locked with its meeting."""

    meeting_field = "meeting"

    def _meeting_of(self, part):
        return getattr(part, self.meeting_field, None) if part is not None else None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not locked_for(request, self._meeting_of(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not locked_for(request, self._meeting_of(obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.meeting_field and not can_publish(request):
            # New parts go to drafts only; choosing a published meeting is refused as an invalid choice.
            kwargs["queryset"] = Meeting.objects.drafts()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
