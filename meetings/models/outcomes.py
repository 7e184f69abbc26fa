"""What a meeting decided, recommended or noted, and the documents of its record."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..uploads import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, FileTypeValidator, document_file_path
from .constraints import ShowableText, choices_constraint
from .meetings import Meeting
from .participants import Participant
from .reference import Theme


class OutcomeStrength(models.TextChoices):
    DECISION = "decision", _("Decision")
    RECOMMENDATION = "recommendation", _("Recommendation")
    INFORMATION = "information", _("Information")


class OutcomeKind(models.TextChoices):
    ENDORSED = "endorsed", _("Endorsed")
    ADOPTED = "adopted", _("Adopted")
    APPROVED = "approved", _("Approved")
    AGREED = "agreed", _("Agreed")
    DECIDED = "decided", _("Decided")
    ESTABLISHED = "established", _("Established")
    GRANTED = "granted", _("Granted")
    TASKED = "tasked", _("Tasked")
    DIRECTED = "directed", _("Directed")
    COMMITTED = "committed", _("Committed")
    RECOMMENDED = "recommended", _("Recommended")
    CALLED_FOR = "called_for", _("Called for")
    REQUESTED = "requested", _("Requested")
    ENCOURAGED = "encouraged", _("Encouraged")
    SUPPORTED = "supported", _("Supported")
    WELCOMED = "welcomed", _("Welcomed")
    NOTED = "noted", _("Noted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RECALLED = "recalled", _("Recalled")
    RECOGNISED = "recognised", _("Recognised")
    REAFFIRMED = "reaffirmed", _("Reaffirmed")
    COMMENDED = "commended", _("Commended")
    EXPRESSED_CONCERN = "expressed_concern", _("Expressed concern")
    DISCUSSED = "discussed", _("Discussed")
    PRESENTED = "presented", _("Presented")
    REVIEWED = "reviewed", _("Reviewed")
    LAUNCHED = "launched", _("Launched")
    OTHER = "other", _("Other")


DECISION_KINDS = frozenset(
    {
        "endorsed",
        "adopted",
        "approved",
        "agreed",
        "decided",
        "established",
        "granted",
        "tasked",
        "directed",
        "committed",
    }
)
RECOMMENDATION_KINDS = frozenset({"recommended", "called_for", "requested", "encouraged", "supported"})


def strength_of(kind):
    """The weight an outcome's verb carries: a decision binds, a recommendation asks, the rest inform."""
    if kind in DECISION_KINDS:
        return OutcomeStrength.DECISION
    if kind in RECOMMENDATION_KINDS:
        return OutcomeStrength.RECOMMENDATION
    return OutcomeStrength.INFORMATION


class OutcomeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(meeting__in=Meeting.objects.published())

    def published_for_listing(self):
        """``published()``, worded for a list read newest first a page at a time, as
        ``MeetingQuerySet.published_for_listing()`` is: the test on each outcome's meeting, so that
        the outcomes' own order is walked and left after a page, rather than every published
        outcome read through the meetings' publication index and sorted (2 ms against 980 ms at
        10,000 meetings on SQLite).
        """
        return self.filter(Meeting.objects.listing_condition("meeting__"))

    def with_action_tallies(self, today=None):
        """Each outcome with its actions counted by where they stand, in the outcomes' own query:
        ``actions_total``, ``actions_completed``, ``actions_overdue``, ``actions_in_progress`` and
        ``actions_not_started`` (open and not overdue), ``actions_withdrawn``. The five add up to the
        total, so a one-line summary never counts an action twice.
        """
        from .actions import ActionItem, ActionStatus

        today = today or timezone.localdate()
        conditions = ActionItem.objects.status_conditions(today, prefix="action_items__")
        on_time = Q(action_items__due_date__isnull=True) | Q(action_items__due_date__gte=today)
        counted = "action_items__status"
        return self.annotate(
            actions_total=models.Count(counted),
            actions_completed=models.Count(counted, filter=conditions[ActionStatus.COMPLETED]),
            actions_overdue=models.Count(counted, filter=conditions["overdue"]),
            actions_in_progress=models.Count(counted, filter=conditions[ActionStatus.IN_PROGRESS] & on_time),
            actions_not_started=models.Count(counted, filter=conditions[ActionStatus.NOT_STARTED] & on_time),
            actions_withdrawn=models.Count(counted, filter=conditions["withdrawn"]),
        )

    def of_strength(self, strength):
        kinds = {
            OutcomeStrength.DECISION: DECISION_KINDS,
            OutcomeStrength.RECOMMENDATION: RECOMMENDATION_KINDS,
        }.get(strength)
        if kinds is None:
            return self.exclude(kind__in=DECISION_KINDS | RECOMMENDATION_KINDS)
        return self.filter(kind__in=kinds)


class Outcome(ShowableText, models.Model):
    """One numbered statement of what a meeting did, with its verb as kind."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("meeting")
    )
    position = models.PositiveSmallIntegerField(_("number"), default=1)
    kind = models.CharField(_("kind"), max_length=32, choices=OutcomeKind)
    text = models.TextField(_("text"), help_text=_("The outcome as published."))
    addressed_to = models.CharField(
        _("addressed to"),
        max_length=200,
        blank=True,
        help_text=_('The body it goes to next: "to be submitted to Ministers".'),
    )
    concerns = models.ManyToManyField(
        Participant,
        blank=True,
        related_name="concerning_outcomes",
        verbose_name=_("concerns"),
        help_text=_("Participants this outcome is about."),
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="outcomes", verbose_name=_("themes"))
    documents = models.ManyToManyField(
        "meetings.Document", blank=True, related_name="outcomes", verbose_name=_("documents")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            choices_constraint("outcome_kind_valid", "kind", OutcomeKind),
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="outcome_number_unique_per_meeting",
                violation_error_message=_("Another outcome of this meeting has this number."),
            ),
        ]

    def __str__(self):
        text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return f"{self.position}. {text}"

    def get_absolute_url(self):
        """Its own page, by id: permanent, where a position in its meeting's list is not."""
        return reverse("meetings:outcome_detail", kwargs={"pk": self.pk})

    @property
    def citation(self):
        """How to cite it: "Eighth Meeting of the Ad Hoc Group Senior Officials, Canberra, 6 August
        2014, outcome 4". Reads its meeting (``select_related`` it)."""
        meeting = self.meeting
        where = meeting.city or (meeting.country.name if meeting.country else "")
        parts = [
            meeting.title,
            where,
            meeting.dates_display,
            _("outcome %(number)s") % {"number": self.position},
        ]
        return ", ".join(str(part) for part in parts if part)

    def action_summary(self):
        """Where its actions stand, as (tally, words) parts: ``[("overdue", "1 overdue"), ...]``,
        most pressing first. Reads the counts of ``OutcomeQuerySet.with_action_tallies()``."""
        wordings = (
            ("overdue", "%(count)s overdue", "%(count)s overdue"),
            ("in_progress", "%(count)s in progress", "%(count)s in progress"),
            ("not_started", "%(count)s not started", "%(count)s not started"),
            ("completed", "%(count)s completed", "%(count)s completed"),
            ("withdrawn", "%(count)s cancelled or superseded", "%(count)s cancelled or superseded"),
        )
        parts = []
        for tally, singular, plural in wordings:
            count = getattr(self, f"actions_{tally}")
            if count:
                parts.append((tally, ngettext(singular, plural, count) % {"count": intcomma(count)}))
        return parts

    @property
    def strength(self):
        return strength_of(self.kind)

    def get_strength_display(self):
        return self.strength.label


class DocumentKind(models.TextChoices):
    CO_CHAIRS_STATEMENT = "co_chairs_statement", _("Co-Chairs' statement")
    DECLARATION = "declaration", _("Declaration")
    STRATEGY = "strategy", _("Strategy")
    TERMS_OF_REFERENCE = "terms_of_reference", _("Terms of reference")
    WORK_PLAN = "work_plan", _("Work plan")
    POLICY_GUIDE = "policy_guide", _("Policy guide")
    REPORT = "report", _("Report")
    AGENDA = "agenda", _("Agenda")
    CONCEPT_NOTE = "concept_note", _("Concept note")
    OTHER = "other", _("Other")


class DocumentQuerySet(models.QuerySet):
    def published(self):
        """Documents the public may see: only through a published meeting.

        A document of a meeting is public when its meeting is; a document of no meeting, when an
        outcome of a published meeting cites it. A document nothing published holds is not public,
        whoever uploaded it.
        """
        published_meetings = Meeting.objects.published()
        cited = Outcome.documents.through.objects.filter(
            document=OuterRef("pk"), outcome__meeting__in=published_meetings
        )
        return self.filter(Q(meeting__in=published_meetings) | Q(meeting__isnull=True) & Exists(cited))


class Document(ShowableText, models.Model):
    """A document of the record: a statement, declaration, terms of reference, report..."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("meeting"),
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind, default=DocumentKind.OTHER)
    url = models.URLField(
        _("address"),
        max_length=500,
        blank=True,
        help_text=_("Leave it and the file empty for a document not online yet: it is listed by its title."),
    )
    file = models.FileField(
        _("file"),
        upload_to=document_file_path,
        blank=True,
        validators=[FileTypeValidator(DOCUMENT_TYPES, MAX_DOCUMENT_BYTES)],
        help_text=_("PDF, Word (DOCX) or Excel (XLSX), at most 20 MB. Readers download it."),
    )
    language = models.CharField(
        _("language"), max_length=8, default="en", help_text=_("ISO 639-1 code: en, id, th.")
    )
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    published_on = models.DateField(_("date"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            choices_constraint("document_kind_valid", "kind", DocumentKind),
        ]

    def __str__(self):
        return self.title

    @property
    def is_online(self):
        """Whether readers can get the document: a record may name one by its title alone, before
        (or without) a copy being published."""
        return bool(self.file or self.url)

    @property
    def link(self):
        """Where the document itself is, or None while it is not online."""
        # Uploaded files are served by us, as downloads with a type read from their content.
        if self.file:
            return reverse("meetings:document_file", kwargs={"pk": self.pk})
        return self.url or None

    def clean(self):
        super().clean()
        if self.translation_of_id and self.translation_of_id == self.pk:
            raise ValidationError({"translation_of": _("A document cannot translate itself.")})
