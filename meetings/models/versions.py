from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordVersion(models.Model):
    """How many times the public record has changed: the key of every cached page and ETag.

    One row. Every save or delete of a public record, and every publication that comes due, moves
    ``counter`` in the same transaction as the change, so a page cached under the old counter can
    never be served once the change is visible; reading it is one query by primary key.
    """

    counter = models.PositiveBigIntegerField(_("changes"), default=0)
    changed_at = models.DateTimeField(_("last changed"), default=timezone.now)
    next_publication_at = models.DateTimeField(
        _("next scheduled publication"),
        null=True,
        blank=True,
        help_text=_("When the next scheduled meeting becomes public; the counter moves then."),
    )

    class Meta:
        verbose_name = _("record version")
        verbose_name_plural = _("record versions")

    def __str__(self):
        return f"{self.counter} ({self.changed_at:%Y-%m-%d %H:%M})"
