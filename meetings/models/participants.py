"""Participants of the forum, the other names they go by, and their membership over time."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .constraints import ShowableText, choices_constraint, dates_in_order_constraint, dates_in_order_error


class ParticipantKind(models.TextChoices):
    STATE = "state", _("State or territory")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    FORUM_BODY = "forum_body", _("Forum body")
    PARTNER = "partner", _("Partner")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    PRIVATE_SECTOR = "private_sector", _("Private sector")


class ParticipantQuerySet(models.QuerySet):
    def states(self):
        return self.filter(kind=ParticipantKind.STATE)

    def organisations(self):
        return self.filter(kind=ParticipantKind.INTERNATIONAL_ORGANISATION)

    def forum_bodies(self):
        return self.filter(kind=ParticipantKind.FORUM_BODY)

    def resolve(self, name):
        """The participant called ``name`` by its name, short name, slug or an alias, or None."""
        name = " ".join(name.split())
        if not name:
            return None
        match = (
            self.filter(
                Q(name__iexact=name)
                | Q(short_name__iexact=name)
                | Q(slug__iexact=name)
                | Q(aliases__name__iexact=name)
            )
            .distinct()
            .first()
        )
        return match


class Participant(ShowableText, models.Model):
    """A state, organisation, forum body or other party that takes part in the forum's work."""

    kind = models.CharField(_("kind"), max_length=32, choices=ParticipantKind)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(
        _("short name"), max_length=50, blank=True, help_text=_("Acronym or short form: UNHCR, RSO.")
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    country = CountryField(
        _("country"), blank=True, help_text=_("ISO 3166 code; required for states and territories.")
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(
        _("focal point email"),
        blank=True,
        help_text=_("Where follow-up reminders for this participant's actions are sent."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            choices_constraint("participant_kind_valid", "kind", ParticipantKind),
            models.CheckConstraint(
                condition=~Q(kind=ParticipantKind.STATE) | ~Q(country=""),
                name="participant_state_has_country",
                violation_error_message=_("A state or territory needs its ISO 3166 country code."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("meetings:participant_detail", kwargs={"slug": self.slug})

    @property
    def display_name(self):
        """The name readers know best: the acronym for organisations that go by one."""
        return self.short_name or self.name

    def clean(self):
        super().clean()
        if self.kind == ParticipantKind.STATE and not self.country:
            raise ValidationError({"country": _("A state or territory needs its ISO 3166 country code.")})


class ParticipantAlias(ShowableText, models.Model):
    """Another name a participant is published under ("Vietnam" for Viet Nam, "Turkey" for Türkiye)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("participant")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="participant_alias_unique_name",
                violation_error_message=_("This alias already names another participant."),
            ),
        ]

    def __str__(self):
        return self.name


class MembershipStatus(models.TextChoices):
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")
    CO_CHAIR = "co_chair", _("Co-Chair")


class MembershipQuerySet(models.QuerySet):
    def current(self, on=None):
        """Memberships in force on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=on),
            Q(end_date__isnull=True) | Q(end_date__gte=on),
        )

    def of_forum(self):
        return self.filter(body__isnull=True)


class Membership(ShowableText, models.Model):
    """A participant's status in the forum (no body) or in one of its bodies, over a period."""

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("participant"),
    )
    body = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="body_memberships",
        null=True,
        blank=True,
        limit_choices_to={"kind": ParticipantKind.FORUM_BODY},
        verbose_name=_("body"),
        help_text=_("Leave empty for membership of the forum itself."),
    )
    status = models.CharField(_("status"), max_length=16, choices=MembershipStatus)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    granted_by = models.ForeignKey(
        "meetings.Outcome",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships_granted",
        verbose_name=_("granted by"),
        help_text=_("The outcome that started this membership."),
    )
    ended_by = models.ForeignKey(
        "meetings.Outcome",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships_ended",
        verbose_name=_("ended by"),
    )
    note = models.TextField(_("note"), blank=True)
    source_url = models.URLField(_("source"), blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["participant__name", "body__name", "start_date"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            choices_constraint("membership_status_valid", "status", MembershipStatus),
            dates_in_order_constraint("membership_dates_in_order"),
            models.CheckConstraint(
                condition=~Q(body=models.F("participant")),
                name="membership_not_of_itself",
                violation_error_message=_("A body cannot be a member of itself."),
            ),
        ]

    def __str__(self):
        where = self.body.display_name if self.body_id else _("the forum")
        return f"{self.participant}: {self.get_status_display()} of {where}"

    def clean(self):
        super().clean()
        dates_in_order_error(self.start_date, self.end_date)
        if self.body_id and self.body_id == self.participant_id:
            raise ValidationError({"body": _("A body cannot be a member of itself.")})
