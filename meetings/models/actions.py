"""Follow-up action items that outcomes set off, their owners and their progress timeline."""

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..due import DuePeriod, DuePrecision
from ..timeframes import parse_timeframe
from .constraints import AS_PUBLISHED_MAX_LENGTH, ShowableText, choice_label, choices_constraint
from .meetings import Meeting, MeetingStatus
from .outcomes import Document, Outcome
from .participants import Participant
from .reference import MeetingType, Theme


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)
# The columns ActionItem.change_status() sets.
STATUS_FIELDS = ["status", "superseded_by", "fulfilled_by_meeting", "fulfilled_by_document", "updated_at"]


class ActionItemQuerySet(models.QuerySet):
    def published(self):
        """Actions of published meetings.

        Written as ``outcome.meeting_id IN (published meetings)``, the shape in which a count or an
        aggregate over many actions reads fastest. A list read in order a page at a time wants
        ``published_for_listing()``.
        """
        return self.filter(outcome__meeting__in=Meeting.objects.published())

    def published_for_listing(self):
        """The actions of ``published()``, tested on each action's own meeting row.

        The shape a list read in order, a page at a time, needs: the database walks the index of
        the ordering and checks each action's meeting as it reaches it (the row joins the meeting
        anyway). Given ``published()``, SQLite starts from the meetings and sorts every action.
        """
        return self.filter(Meeting.objects.published_condition("outcome__meeting__"))

    def open(self):
        """Actions still to be done: not started or in progress."""
        return self.filter(self.status_conditions()["open"])

    def closed(self):
        return self.exclude(self.status_conditions()["open"])

    def overdue(self, today=None):
        """Open actions whose due period ended before ``today``.

        ``due_date`` is the last day of the period, so the last day itself is not overdue and the
        day after is.
        """
        return self.filter(self.status_conditions(today)["overdue"])

    @staticmethod
    def status_conditions(today=None, prefix=""):
        """What each status tally counts, by name: every status; ``open`` and ``overdue`` as
        ``open()`` and ``overdue()`` filter; ``withdrawn`` (cancelled or superseded).

        ``prefix`` reaches the action from another model: ``"action_item__"`` from an ownership.
        """
        today = today or timezone.localdate()
        status, due_date = f"{prefix}status", f"{prefix}due_date"
        is_open = Q(**{f"{status}__in": OPEN_STATUSES})
        return {
            **{value: Q(**{status: value}) for value in ActionStatus.values},
            "open": is_open,
            "overdue": is_open & Q(**{f"{due_date}__lt": today}),
            "withdrawn": Q(**{f"{status}__in": (ActionStatus.CANCELLED, ActionStatus.SUPERSEDED)}),
        }

    @staticmethod
    def tally_aggregates(today=None, prefix=""):
        """``total`` and a count per ``status_conditions``, for ``aggregate()`` or grouped ``annotate()``."""
        # Counting the status, which every action has, rather than the key: over the actions
        # alone, the index of due dates and statuses then holds all the query reads.
        counted = f"{prefix}status"
        return {
            "total": models.Count(counted),
            **{
                name: models.Count(counted, filter=condition)
                for name, condition in ActionItemQuerySet.status_conditions(today, prefix).items()
            },
        }

    def status_tallies(self, today=None):
        """How many of these actions there are in all, in each status, open, overdue and withdrawn.

        One aggregate query: ``{"total": 9, "not_started": 2, ..., "open": 5, "overdue": 1, ...}``.
        """
        return self.order_by().aggregate(**self.tally_aggregates(today))

    def published_status_tallies(self, today=None):
        """``published().status_tallies()``, counted without joining every action to its meeting.

        The tallies of all these actions less those of the meetings not published (drafts and
        meetings scheduled for publication, few at any time). The first reads the actions alone:
        unfiltered, an index-only scan of ``action_due_date_status``, where ``published()`` joins
        each action to its outcome and its meeting. Two aggregate queries.
        """
        today = today or timezone.localdate()
        everything = self.status_tallies(today)
        unpublished = self.filter(outcome__meeting__in=Meeting.objects.unpublished()).status_tallies(today)
        return {name: count - unpublished[name] for name, count in everything.items()}

    def due_between(self, start, end):
        return self.filter(due_date__gte=start, due_date__lte=end)

    def with_owners(self):
        """Each action's ownerships with their participants, leads first, as every page lists them."""
        ownerships = ActionOwner.objects.select_related("participant").order_by("role", "participant__name")
        return self.prefetch_related(models.Prefetch("ownerships", queryset=ownerships))

    def with_updates(self):
        """Each action's progress updates, its timeline: oldest first, with the meeting of each."""
        updates = ProgressUpdate.objects.select_related("meeting").order_by("date", "created_at", "pk")
        return self.prefetch_related(models.Prefetch("progress_updates", queryset=updates))

    def with_last_report(self):
        """Each action with ``last_reported``: the date of its latest progress update, or None.

        A subquery per action, each an index-only lookup of ``progress_update_action_date``: cheap
        for a page of actions; sorting a whole archive by it is measured in docs/performance.md.
        """
        reports = ProgressUpdate.objects.filter(action_item=OuterRef("pk"))
        return self.annotate(last_reported=Subquery(reports.order_by("-date").values("date")[:1]))

    def for_review_at(self, meeting):
        """Open actions a meeting should review: due by its last day, reported to the body that
        convenes it, or due at the next meeting of its type (the carried-over list).

        Actions set off at this meeting or at a later one are not carried over to it.
        """
        reasons = Q()
        last_day = meeting.end_date or meeting.start_date
        if last_day:
            reasons |= Q(due_date__lte=last_day)
        if meeting.convening_body_id:
            reasons |= Q(reported_to=meeting.convening_body_id)
        if meeting.meeting_type_id:
            reasons |= Q(due_at_next=meeting.meeting_type_id)
        if not reasons:
            return self.none()
        review = self.open().filter(reasons).exclude(outcome__meeting=meeting.pk)
        if meeting.start_date:
            review = review.exclude(outcome__meeting__start_date__gt=meeting.start_date)
        return review

    def date_by_next_meetings(self, previously=()):
        """Date actions due "at the next meeting of type X" by that meeting, once it is on the record.

        The next meeting is the first published, not cancelled meeting of the type that starts after
        the action's own meeting. ``previously`` holds meetings as they were before a change to them
        (rows read before it, or unsaved copies): one that was then an action's next meeting, and is
        no longer (returned to draft, cancelled, moved, given another type, deleted), takes back the
        date it gave; the action is dated by its next meeting now or, with none, undated again.
        Callers include the actions of the types of ``previously`` too.

        Called explicitly after a write to meetings or actions, never from a signal. One
        transaction, in which the record's version moves and the tallies follow when a due date
        does (a bulk update sends no signal). Returns the actions whose due date changed.
        """
        # The modules read the models: imported when first needed, once both are loaded.
        from .. import tallies, versions

        next_meeting_start = (
            Meeting.objects.published()
            .filter(
                meeting_type=OuterRef("due_at_next"),
                start_date__gt=OuterRef("outcome__meeting__start_date"),
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("start_date", "pk")
            .values("start_date")[:1]
        )
        dated_then = Q()
        for meeting in previously:
            if meeting.gives_due_dates:
                dated_then |= Q(
                    due_at_next=meeting.meeting_type_id,
                    due_date=meeting.start_date,
                    due_precision=DuePrecision.DAY,
                    outcome__meeting__start_date__lt=meeting.start_date,
                )
        candidates = (
            self.filter(due_at_next__isnull=False)
            .annotate(next_meeting_start=Subquery(next_meeting_start))
            .filter(Q(next_meeting_start__isnull=False) | dated_then)
        )
        now = timezone.now()
        with transaction.atomic():
            changed = []
            for action_item in candidates:
                due = (
                    (action_item.next_meeting_start, DuePrecision.DAY)
                    if action_item.next_meeting_start
                    else (None, "")
                )
                if (action_item.due_date, action_item.due_precision) != due:
                    action_item.due_date, action_item.due_precision = due
                    action_item.updated_at = now
                    changed.append(action_item)
            if changed:
                ActionItem.objects.bulk_update(changed, ["due_date", "due_precision", "updated_at"])
                tallies.refresh(action_item.pk for action_item in changed)
                versions.bump()
                # In the revision being written, with the dates they now have (an update sends no signal).
                if reversion.is_active():
                    for action_item in changed:
                        reversion.add_to_revision(action_item)
        return changed


class ActionItem(ShowableText, models.Model):
    """Something an outcome asks someone to do, tracked until it is done."""

    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("outcome")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owners = models.ManyToManyField(
        Participant,
        through="ActionOwner",
        related_name="action_items",
        blank=True,
        verbose_name=_("owners"),
    )
    due_as_published = models.CharField(
        _("timeframe as published"),
        max_length=AS_PUBLISHED_MAX_LENGTH,
        blank=True,
        help_text=_('The words of the record: "first half of 2015", "late 2015".'),
    )
    due_date = models.DateField(
        _("due by"),
        null=True,
        blank=True,
        help_text=_("The last day of the due period: 30 June 2015 for the first half of 2015."),
    )
    due_precision = models.CharField(_("due precision"), max_length=8, choices=DuePrecision, blank=True)
    due_at_next = models.ForeignKey(
        MeetingType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("due at the next meeting of"),
        help_text=_('For "before the next Ministerial Conference": dated once that meeting is set.'),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus, default=ActionStatus.NOT_STARTED
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    fulfilled_by_meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fulfilled_action_items",
        verbose_name=_("fulfilled by meeting"),
    )
    fulfilled_by_document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fulfilled_action_items",
        verbose_name=_("fulfilled by document"),
    )
    reported_to = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_action_items",
        verbose_name=_("reports to"),
        help_text=_("The body that reviews its progress."),
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="action_items", verbose_name=_("themes"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["outcome", "position", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            # Due date first: the tracker lists in due-date order and filters by status within it
            # (a status-first index leads SQLite to sort every open action for one page of the
            # overdue list). Holding both columns, it also serves the tallies as an index-only scan.
            models.Index(fields=["due_date", "status"], name="action_due_date_status"),
            # The tracker's "recently updated" view reads the newest changes first and stops after a page.
            models.Index(fields=["-updated_at", "-id"], name="action_updated_newest"),
        ]
        constraints = [
            choices_constraint("action_status_valid", "status", ActionStatus),
            choices_constraint("action_due_precision_valid", "due_precision", DuePrecision, allow_blank=True),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True, due_precision="")
                | (Q(due_date__isnull=False) & ~Q(due_precision="")),
                name="action_due_date_has_precision",
                violation_error_message=_("A due date needs its precision, and a precision its date."),
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(status=ActionStatus.SUPERSEDED),
                name="action_superseded_by_needs_status",
                violation_error_message=_("Only a superseded action names what superseded it."),
            ),
            models.CheckConstraint(
                condition=~Q(superseded_by=models.F("pk")),
                name="action_not_superseded_by_itself",
                violation_error_message=_("An action cannot supersede itself."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:action_detail", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        errors = {}
        if self.due_date and not self.due_precision:
            errors["due_precision"] = _("Say how precise the due date is: day, month, quarter, half or year.")
        elif self.due_precision and not self.due_date:
            errors["due_date"] = _("Give the last day of the due period.")
        elif self.due_date and not self.due_period.is_aligned:
            period = DuePeriod.containing(self.due_precision, self.due_date)
            errors["due_date"] = _(
                "A due date of this precision is the last day of its period: %(end)s for %(period)s."
            ) % {"end": period.end.isoformat(), "period": period}
        if self.superseded_by_id and self.status != ActionStatus.SUPERSEDED:
            errors["superseded_by"] = _("Only a superseded action names what superseded it.")
        if self.superseded_by_id and self.pk and self.superseded_by_id == self.pk:
            errors["superseded_by"] = _("An action cannot supersede itself.")
        if errors:
            raise ValidationError(errors)

    @property
    def due_period(self):
        if not self.due_date or not self.due_precision:
            return None
        return DuePeriod(self.due_precision, self.due_date)

    @property
    def due_label(self):
        """The deadline as people say it: "H1 2015", "by Mar 2016", "at the next Ministerial Conference"."""
        period = self.due_period
        if period is not None:
            if period.precision in (DuePrecision.DAY, DuePrecision.MONTH):
                return _("by %(period)s") % {"period": period}
            return str(period)
        if self.due_at_next_id:
            return _("at the next %(meeting_type)s") % {"meeting_type": self.due_at_next}
        return ""

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None):
        """The Python twin of ``ActionItemQuerySet.overdue()``, for one loaded action."""
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today

    def change_status(
        self,
        status,
        *,
        by,
        note="",
        meeting=None,
        date=None,
        percent_complete=None,
        fulfilled_by_meeting=None,
        fulfilled_by_document=None,
        superseded_by=None,
        only_status=False,
    ):
        """Move the action to ``status`` and record it on its timeline: both are saved, or neither.

        Every path that changes a status (the admin form, its bulk actions, an import) goes through
        here, so the timeline says who changed what and when. ``by`` is the user who made the change
        (None for a command run without one). Completing can name the meeting or document that
        fulfilled the action. The whole row is saved, with what the caller set on it before (the admin
        form, a revert, an import); ``only_status`` saves the status and what goes with it alone, for
        a caller that set nothing else (a bulk change). Returns the new ProgressUpdate.
        """
        if status not in ActionStatus.values:
            raise ValueError(f"'{status}' is not an action status")
        with transaction.atomic():
            self.status = status
            if status == ActionStatus.SUPERSEDED:
                self.superseded_by = superseded_by or self.superseded_by
            else:
                self.superseded_by = None
            if status == ActionStatus.COMPLETED:
                self.fulfilled_by_meeting = fulfilled_by_meeting or self.fulfilled_by_meeting
                self.fulfilled_by_document = fulfilled_by_document or self.fulfilled_by_document
                if percent_complete is None:
                    percent_complete = 100
            self.save(update_fields=STATUS_FIELDS if only_status else None)
            return ProgressUpdate.objects.create(
                action_item=self,
                date=date or timezone.localdate(),
                status=status,
                note=note,
                meeting=meeting,
                percent_complete=percent_complete,
                recorded_by=by,
            )

    def follow_update(self, update):
        """Take the status of a progress update an editor has just added, if it is the latest one."""
        if update.status == self.status or self.progress_updates.latest().pk != update.pk:
            return False
        self.status = update.status
        if self.status != ActionStatus.SUPERSEDED:
            self.superseded_by = None
        self.save(update_fields=["status", "superseded_by", "updated_at"])
        return True

    def fill_due_from_words(self, reference=None):
        """Propose a due date from the timeframe as published, without saving.

        Only fills what is empty: an editor's due date or meeting type is never overwritten.
        ``reference`` dates relative words ("within 12 months"); it defaults to the start of the
        action's meeting. Returns the Timeframe understood, or None when there was nothing to do.
        """
        if not self.due_as_published or self.due_date:
            return None
        if reference is None and self.outcome_id:
            reference = self.outcome.meeting.start_date
        timeframe = parse_timeframe(self.due_as_published, reference=reference)
        if timeframe.period is not None:
            self.due_date, self.due_precision = timeframe.period.end, timeframe.period.precision
        if timeframe.next_meeting_of and not self.due_at_next_id:
            self.due_at_next = meeting_type_named(timeframe.next_meeting_of)
        return timeframe


def meeting_type_named(words):
    """The meeting type the words name ("Ministerial Conference"), or None when not exactly one."""
    words = " ".join(words.split())
    exact = list(MeetingType.objects.filter(Q(name__iexact=words) | Q(plural_name__iexact=words))[:2])
    if len(exact) == 1:
        return exact[0]
    close = list(MeetingType.objects.filter(name__icontains=words)[:2])
    return close[0] if len(close) == 1 else None


class OwnerRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    SUPPORT = "support", _("Support")


class ActionOwner(ShowableText, models.Model):
    """A participant responsible for an action item, as its lead or in support."""

    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("action item")
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="action_ownerships", verbose_name=_("participant")
    )
    role = models.CharField(_("role"), max_length=8, choices=OwnerRole, default=OwnerRole.LEAD)

    class Meta:
        ordering = ["role", "participant__name"]
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "participant"],
                name="action_owner_once_per_action",
                violation_error_message=_("This participant already owns this action."),
            ),
            choices_constraint("action_owner_role_valid", "role", OwnerRole),
        ]

    def __str__(self):
        return f"{self.participant} ({choice_label(OwnerRole, self.role)})"


class ProgressUpdate(ShowableText, models.Model):
    """One dated entry of an action's timeline: a status reached, a note, where it was reported."""

    action_item = models.ForeignKey(
        ActionItem,
        on_delete=models.CASCADE,
        related_name="progress_updates",
        verbose_name=_("action item"),
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=16, choices=ActionStatus)
    note = models.TextField(_("note"), blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name=_("reported at"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action_item", "date", "created_at", "pk"]
        get_latest_by = ["date", "created_at"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [
            # The progress feed reads the newest updates first and stops after a page.
            models.Index(fields=["-date", "-created_at", "-id"], name="progress_update_newest"),
            # An action's latest report (ActionItemQuerySet.with_last_report) read from the index alone.
            models.Index(fields=["action_item", "-date"], name="progress_update_action_date"),
        ]
        constraints = [
            choices_constraint("progress_update_status_valid", "status", ActionStatus),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                name="progress_update_percent_at_most_100",
                violation_error_message=_("Percent complete is at most 100."),
            ),
        ]

    def __str__(self):
        return f"{self.date}: {choice_label(ActionStatus, self.status)}"

    def clean(self):
        """An entry records what happened: not after today, not before its action was set off, and
        reported at a meeting that had begun by then and was not cancelled."""
        super().clean()
        if not self.date:
            return
        errors = {}
        if self.date > timezone.localdate():
            errors["date"] = _("A progress update records what has happened: its date cannot be after today.")
        try:
            action_item = self.action_item
        except ActionItem.DoesNotExist:
            action_item = None  # checked before its action is chosen, as an import does
        set_off = action_item.outcome.meeting if action_item and action_item.outcome_id else None
        if set_off and set_off.start_date and self.date < set_off.start_date:
            errors["date"] = _(
                "“%(action)s” was set off at “%(meeting)s” on %(start)s: its progress cannot be dated before."
            ) % {"action": action_item, "meeting": set_off, "start": set_off.start_date.isoformat()}
        if self.meeting_id and self.meeting.status == MeetingStatus.CANCELLED:
            errors["meeting"] = _("“%(meeting)s” was cancelled: nothing was reported there.") % {
                "meeting": self.meeting
            }
        elif self.meeting_id and self.meeting.start_date and self.meeting.start_date > self.date:
            errors["meeting"] = _(
                "“%(meeting)s” began on %(start)s, after this update's date: it was not reported there."
            ) % {"meeting": self.meeting, "start": self.meeting.start_date.isoformat()}
        if errors:
            raise ValidationError(errors)


class DigestSent(ShowableText, models.Model):
    """A reminder digest sent to a participant's focal point on a day: at most one a day."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="digests_sent", verbose_name=_("participant")
    )
    date = models.DateField(_("date"))
    email = models.EmailField(_("sent to"))
    action_count = models.PositiveIntegerField(_("actions listed"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "participant__name"]
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "date"],
                name="digest_once_per_participant_and_day",
                violation_error_message=_("This participant already had its digest on this day."),
            ),
        ]

    def __str__(self):
        return f"{self.participant} {self.date}"
