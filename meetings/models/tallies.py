from django.db import models
from django.utils.translation import gettext_lazy as _

from .constraints import ShowableText
from .participants import Participant


class TallyKind(models.TextChoices):
    """What a tally row counts: each kind fills some of the key columns (see ``meetings.tallies``)."""

    STATUS = "status", _("actions by status and year due")
    STATUS_MONTH = "status_m", _("open actions by status and month due")
    STATUS_DAY = "status_d", _("open actions by status and day due")
    OWNER = "owner", _("ownerships by owner, status and year due")
    OWNER_MONTH = "owner_m", _("open ownerships by owner, status and month due")
    OWNER_DAY = "owner_d", _("open ownerships by owner, status and day due")
    YEAR = "year", _("actions by year of their meeting and status")
    DATED = "dated", _("actions with a due date and a dated meeting, by year of the meeting")
    LATE = "late", _("overdue at the end of these years")
    LATE_NOW = "late_now", _("overdue at the end of a day between these dates")
    DAYS = "days", _("completed ownerships by owner and days to complete")
    DAYS_RANGE = "days_r", _("completed ownerships by owner and range of days to complete")


class ActionTally(ShowableText, models.Model):
    """How many actions (or ownerships) share one key: counts kept up to date on every write.

    The aggregates the tracker's groupings, its charts and a participant's page read, so that they
    need not count every action. A key may be spread over several rows (two writers at once may both
    add a row for a new key): every reader sums the rows of a key.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=TallyKind)
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_tallies",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=16, blank=True)
    year = models.SmallIntegerField(_("year"), null=True, blank=True)
    until_year = models.SmallIntegerField(_("until year"), null=True, blank=True)
    day = models.DateField(_("day"), null=True, blank=True)
    until_day = models.DateField(_("until day"), null=True, blank=True)
    days = models.IntegerField(_("days"), null=True, blank=True)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("action tally")
        verbose_name_plural = _("action tallies")
        indexes = [
            # Each holds every column its readers read, count included: they read the index alone.
            models.Index(
                fields=["kind", "day", "participant", "status", "year", "until_year", "until_day", "count"],
                name="action_tally_key",
            ),
            models.Index(fields=["kind", "days", "participant", "count"], name="action_tally_days"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.count}"


class ActionTallyMark(ShowableText, models.Model):
    """What one action adds to the tallies now, so that a change takes away exactly what it added.

    Keyed by the action's id without a foreign key: the mark outlives a deleted action until its
    share is taken away.
    """

    action_item_id = models.BigIntegerField(_("action item"), primary_key=True)
    shares = models.JSONField(_("shares"), default=list)

    class Meta:
        verbose_name = _("action tally mark")
        verbose_name_plural = _("action tally marks")

    def __str__(self):
        return str(self.action_item_id)


class AttendanceTally(ShowableText, models.Model):
    """How many meetings held a participant attended in one year and role, published or not:
    counts kept up to date on every write (``meetings.attendance_tallies``).

    A participant's page and the list of participants read them instead of counting every row of
    attendance. As with ``ActionTally``, a key may be spread over several rows: readers sum them.
    """

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="attendance_tallies",
        verbose_name=_("participant"),
    )
    # None: the meeting's date is not known.
    year = models.SmallIntegerField(_("year"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=16)
    meetings = models.IntegerField(_("meetings"), default=0)

    class Meta:
        verbose_name = _("attendance tally")
        verbose_name_plural = _("attendance tallies")
        indexes = [
            # Every column its readers read: they read the index alone.
            models.Index(fields=["participant", "year", "role", "meetings"], name="attendance_tally_key"),
        ]

    def __str__(self):
        return f"{self.participant_id} {self.year} {self.role}: {self.meetings}"


class AttendanceTallyMark(ShowableText, models.Model):
    """The key one row of attendance is counted under now (none: not counted, its meeting not held),
    so that a change takes away exactly what it added.

    Keyed by the attendance's id without a foreign key: the mark outlives a deleted row until its
    count is taken away.
    """

    attendance_id = models.BigIntegerField(_("attendance"), primary_key=True)
    participant_id = models.BigIntegerField(_("participant"))
    year = models.SmallIntegerField(_("year"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=16)

    class Meta:
        verbose_name = _("attendance tally mark")
        verbose_name_plural = _("attendance tally marks")

    def __str__(self):
        return str(self.attendance_id)
