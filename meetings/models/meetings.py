"""Meetings and who attended them, in what role."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.db.models.lookups import IsNull, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ..uploads import IMAGE_TYPES, MAX_IMAGE_BYTES, FileTypeValidator, hero_image_path
from .constraints import (
    AS_PUBLISHED_MAX_LENGTH,
    ShowableText,
    choice_label,
    choices_constraint,
    dates_in_order_constraint,
    dates_in_order_error,
)
from .participants import Participant, ParticipantKind
from .reference import MeetingType, Theme


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIRTUAL = "virtual", _("Virtual")
    HYBRID = "hybrid", _("Hybrid")


class Unindexed(models.Func):
    """A column's value in a form SQLite does not look up by an index: unary plus.

    PostgreSQL plans from statistics and needs no such hint: there it is the plain column.
    """

    template = "+%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


class MeetingQuerySet(models.QuerySet):
    @staticmethod
    def published_condition(prefix=""):
        """What ``published()`` asks of a meeting, as a condition.

        ``prefix`` reaches the meeting from another model: ``"outcome__meeting__"`` from an action.
        """
        # Now() is evaluated by the database when the query runs, so a queryset built once (a
        # filter's choices, a module-level constant) still sees scheduled publications come due.
        return Q(**{f"{prefix}published_at__isnull": False, f"{prefix}published_at__lte": Now()})

    def published(self):
        """Meetings the public may see: publication time set and reached."""
        return self.filter(self.published_condition())

    @staticmethod
    def listing_condition(prefix=""):
        """``published_condition()``, worded for a list read in date order a page at a time.

        With the publication time indexed, SQLite reads every published meeting through that index
        and then sorts them all; with the test on each row instead (``Unindexed``), it walks the
        date index and stops after the page (page 200 of 10,000 meetings: 64 ms to 16 ms).
        """
        published_at = Unindexed(f"{prefix}published_at", output_field=models.DateTimeField())
        return Q(IsNull(published_at, False), LessThanOrEqual(published_at, Now()))

    def published_for_listing(self):
        """``published()``, worded for a list read in date order a page at a time."""
        return self.filter(self.listing_condition())

    def unpublished(self):
        """Every meeting ``published()`` leaves out: drafts and those scheduled for publication.

        Worded as what they are, not as what is not published, so that the publication index finds
        these few (the tallies' readers take them away) rather than every meeting being read.
        """
        return self.filter(Q(published_at__isnull=True) | Q(published_at__gt=Now()))

    def drafts(self):
        return self.filter(published_at__isnull=True)

    def published_or_scheduled(self):
        """Meetings with a publication time: public, or to be at that time (the complement of drafts)."""
        return self.filter(published_at__isnull=False)

    def scheduled_for_publication(self):
        return self.filter(published_at__gt=Now())

    def with_last_day(self):
        return self.annotate(last_day=Coalesce("end_date", "start_date"))

    def upcoming(self, today=None):
        """Meetings not yet over, soonest first; cancelled ones are not coming up."""
        today = today or timezone.localdate()
        return (
            self.with_last_day()
            .filter(last_day__gte=today)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("start_date", "pk")
        )

    def past(self, today=None):
        """Meetings whose last day has gone, newest first."""
        today = today or timezone.localdate()
        return self.with_last_day().filter(last_day__lt=today).order_by("-start_date", "-pk")

    def held(self):
        """Meetings that took place, as the record says: not those scheduled, postponed or cancelled.
        Attendance counts only at these: a participant listed for a meeting to come has not attended."""
        return self.filter(status=MeetingStatus.HELD)

    def in_year(self, year):
        return self.filter(start_date__year=year)


class Meeting(ShowableText, models.Model):
    """One meeting of the forum or of one of its bodies, as it is put on the public record."""

    meeting_type = models.ForeignKey(
        MeetingType, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("type")
    )
    number = models.PositiveSmallIntegerField(
        _("number"), null=True, blank=True, help_text=_("Its number in the series: 8 for the Eighth.")
    )
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("Part of the public address. Changing it breaks links that others cite."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    date_as_published = models.CharField(
        _("date as published"),
        max_length=AS_PUBLISHED_MAX_LENGTH,
        blank=True,
        help_text=_("The date exactly as the source gives it, where it differs or is vague."),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    format = models.CharField(
        _("format"), max_length=16, choices=MeetingFormat, default=MeetingFormat.IN_PERSON
    )
    status = models.CharField(_("status"), max_length=16, choices=MeetingStatus, default=MeetingStatus.HELD)
    purpose = models.TextField(_("purpose"), blank=True)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("One or two sentences for lists and search results.")
    )
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    hero_image = models.ImageField(
        _("image"),
        upload_to=hero_image_path,
        blank=True,
        validators=[FileTypeValidator(IMAGE_TYPES, MAX_IMAGE_BYTES)],
        help_text=_("PNG, JPEG or WebP, at most 5 MB."),
    )
    hero_image_alt = models.CharField(
        _("image description"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it."),
    )
    convening_body = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="convened_meetings",
        limit_choices_to={"kind": ParticipantKind.FORUM_BODY},
        verbose_name=_("convening body"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sub_meetings",
        verbose_name=_("held under"),
        help_text=_(
            "The meeting this one was held under, such as a workshop of a senior officials' meeting."
        ),
    )
    related_meetings = models.ManyToManyField("self", blank=True, verbose_name=_("related meetings"))
    themes = models.ManyToManyField(Theme, blank=True, related_name="meetings", verbose_name=_("themes"))
    attendance_summary = models.TextField(
        _("attendance as published"),
        blank=True,
        help_text=_("The attendance sentence or counts as the source gives them."),
    )
    attendance_complete = models.BooleanField(
        _("attendance list complete"),
        default=False,
        help_text=_("Tick when every participant the source names is entered below."),
    )
    source_urls = models.TextField(
        _("sources"), blank=True, help_text=_("Addresses of the published record, one per line.")
    )
    published_at = models.DateTimeField(
        _("published"),
        null=True,
        blank=True,
        help_text=_("Empty: a draft. In the future: published at that time."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        permissions = [("publish_meeting", _("Can publish, unpublish and schedule meetings"))]
        indexes = [
            models.Index(F("start_date").desc(), F("id").desc(), name="meeting_start_date_desc"),
            models.Index(fields=["meeting_type", "number"], name="meeting_type_number"),
            # A meeting page's previous and next meeting of its type, by date: one probe each.
            models.Index(fields=["meeting_type", "start_date", "id"], name="meeting_type_start_date"),
            models.Index(fields=["published_at"], name="meeting_published_at"),
            # The public list's country and status filters.
            models.Index(fields=["country"], name="meeting_country"),
            models.Index(fields=["status"], name="meeting_status"),
        ]
        constraints = [
            choices_constraint("meeting_status_valid", "status", MeetingStatus),
            choices_constraint("meeting_format_valid", "format", MeetingFormat),
            dates_in_order_constraint("meeting_dates_in_order"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=False),
                name="meeting_end_date_needs_start_date",
                violation_error_message=_("An end date needs a start date."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="meeting_not_held_under_itself",
                violation_error_message=_("A meeting cannot be held under itself."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        old_slug = getattr(self, "_loaded_slug", None)
        update_fields = kwargs.get("update_fields")
        slug_changed = bool(old_slug) and old_slug != self.slug
        slug_changed = slug_changed and (update_fields is None or "slug" in update_fields)
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if slug_changed:
                OldAddress.objects.get_or_create(
                    path=OldAddress.meeting_path(old_slug), defaults={"meeting": self}
                )
                # Back at a slug it once had: that address is live again, not a redirect.
                self.old_addresses.filter(path=OldAddress.meeting_path(self.slug)).delete()
        self._loaded_slug = self.slug

    def get_absolute_url(self):
        return reverse("meetings:meeting_detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        meeting = super().from_db(db, field_names, values, **kwargs)
        # Remembered so that a change of slug keeps the old address working (see save()).
        meeting._loaded_slug = meeting.__dict__.get("slug")
        return meeting

    def clean(self):
        super().clean()
        dates_in_order_error(self.start_date, self.end_date)
        if self.end_date and not self.start_date:
            raise ValidationError({"start_date": _("An end date needs a start date.")})
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A meeting cannot be held under itself.")})
        validate_url = URLValidator()
        for line_number, url in enumerate(self.source_url_list, start=1):
            try:
                validate_url(url)
            except ValidationError:
                raise ValidationError(
                    {
                        "source_urls": _("Line %(line)s is not a web address: %(url)s")
                        % {"line": line_number, "url": url}
                    }
                ) from None

    @property
    def source_url_list(self):
        return [line.strip() for line in self.source_urls.splitlines() if line.strip()]

    @property
    def is_published(self):
        return self.published_at is not None and self.published_at <= timezone.now()

    @property
    def gives_due_dates(self):
        """Whether it may date actions due at the next meeting of its type: published, not cancelled
        and dated, as ``ActionItemQuerySet.date_by_next_meetings()`` asks of a next meeting."""
        return self.is_published and self.status != MeetingStatus.CANCELLED and self.start_date is not None

    @property
    def publication_state(self):
        if self.published_at is None:
            return "draft"
        return "published" if self.published_at <= timezone.now() else "scheduled"

    @property
    def place(self):
        return ", ".join(part for part in (self.city, self.country.name if self.country else "") if part)

    @property
    def dates_display(self):
        """The dates in words: "6 August 2014", "26–28 May 2014", "30 Nov – 2 Dec 2015"."""
        start, end = self.start_date, self.end_date
        if not start:
            return self.date_as_published
        if not end or end == start:
            return f"{start.day} {start:%B %Y}"
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {end:%B %Y}"
        if start.year == end.year:
            return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
        return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def normalise_path(address):
    """The path of ``address`` as stored: "https://x.org/event/a-b" and "event/a-b" give "/event/a-b/"."""
    path = urlsplit(address.strip()).path if "://" in address else address.strip().split("?")[0]
    path = "/" + path.strip("/")
    return path if path == "/" else path + "/"


class OldAddress(ShowableText, models.Model):
    """A path a meeting was once published at, here or on the old website, kept as a permanent redirect."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="old_addresses", verbose_name=_("meeting")
    )
    path = models.CharField(
        _("old address"),
        max_length=500,
        unique=True,
        help_text=_('A path such as "/event/ministerial-conference-2016/", or the whole old web address.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        constraints = [
            models.CheckConstraint(
                condition=Q(path__startswith="/") & Q(path__endswith="/"),
                name="old_address_is_a_path",
                violation_error_message=_("An old address is a path that starts and ends with “/”."),
            ),
        ]

    def __str__(self):
        return self.path

    @staticmethod
    def meeting_path(slug):
        return f"/meetings/{slug}/"

    def clean(self):
        super().clean()
        self.path = normalise_path(self.path)
        if self.path == "/":
            raise ValidationError({"path": _("Give the old page's path, not the site's home.")})
        if self.meeting_id and self.path == OldAddress.meeting_path(self.meeting.slug):
            raise ValidationError({"path": _("This is the meeting's current address.")})


class AttendanceRole(models.TextChoices):
    CO_CHAIR = "co_chair", _("Co-Chair")
    CO_HOST = "co_host", _("Co-host")
    HOST = "host", _("Host")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")
    PARTICIPANT = "participant", _("Participant")
    SPECIAL_GUEST = "special_guest", _("Special guest")
    SPEAKER = "speaker", _("Speaker")
    APOLOGIES = "apologies", _("Apologies")
    ABSENT = "absent", _("Absent")


class Attendance(ShowableText, models.Model):
    """A participant at a meeting in a role; the role belongs here, not on the participant."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("meeting")
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("participant"),
    )
    role = models.CharField(_("role"), max_length=16, choices=AttendanceRole, default=AttendanceRole.MEMBER)
    person = models.CharField(
        _("person"), max_length=200, blank=True, help_text=_('Name, title or office: "Co-Managers".')
    )
    note = models.CharField(_("note"), max_length=AS_PUBLISHED_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["meeting", "position", "participant__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"],
                name="attendance_once_per_meeting",
                violation_error_message=_("This participant is already listed for this meeting."),
            ),
            choices_constraint("attendance_role_valid", "role", AttendanceRole),
        ]
        indexes = [
            models.Index(fields=["participant", "role"], name="attendance_participant_role"),
            # A meeting's attendance in its order (its page, the admin list).
            models.Index(fields=["meeting", "position"], name="attendance_meeting_position"),
        ]

    def __str__(self):
        return f"{self.participant} ({choice_label(AttendanceRole, self.role)})"
