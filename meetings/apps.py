from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meeting records")

    def ready(self):
        from . import attendance_tallies, revisions, tallies, versions
        from .roles import sync_roles_after_migrate

        # Every change to the public record moves its version, the key of cached pages and ETags.
        versions.connect()
        # Every change to an action's status, dates, owners or timeline keeps the tallies (meetings.tallies).
        tallies.connect()
        # Every change to attendance, or to its meeting, keeps what was attended counted
        # (meetings.attendance_tallies).
        attendance_tallies.connect()
        # Every save is one revision of the record with its parts.
        revisions.register()

        # After every migrate, so that permissions of models added since join the editorial roles.
        post_migrate.connect(sync_roles_after_migrate, sender=self, dispatch_uid="meetings.sync_roles")
