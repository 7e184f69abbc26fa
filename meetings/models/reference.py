"""Small editable vocabularies: meeting types and themes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .constraints import ShowableText


class MeetingType(ShowableText, models.Model):
    """A series of meetings ("AHG Senior Officials' Meeting"); meetings of a type are numbered."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    plural_name = models.CharField(_("plural name"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=100, help_text=_("Lower numbers are listed first.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("meeting type")
        verbose_name_plural = _("meeting types")

    def __str__(self):
        return self.name


class Theme(ShowableText, models.Model):
    """A subject tag on meetings, outcomes and action items ("Trafficking in persons")."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return self.name
