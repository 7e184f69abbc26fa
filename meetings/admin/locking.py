"""Optimistic locking of the meeting form: a save never silently overwrites someone else's.

The form carries the meeting's last-saved time as it was when the form was opened; saving compares it
with the time now in the database. If the meeting was saved in between, the form is refused with a
message saying who saved it and when, and nothing is written.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from ..models import Meeting


def meeting_version(meeting_pk):
    """The version of a saved meeting as the form carries it: its last-saved time, or ""."""
    updated_at = Meeting.objects.filter(pk=meeting_pk).values_list("updated_at", flat=True).first()
    return updated_at.isoformat() if updated_at else ""


def last_change(instance):
    """The last revision that changed ``instance`` (who and when), or None."""
    version = Version.objects.get_for_object(instance).select_related("revision__user").first()
    return version.revision if version is not None else None


class MeetingAdminForm(forms.ModelForm):
    """The meeting admin's form (its fields come from the admin's fieldsets), with its version."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Read from the database, not the instance: a revert opens an older version of the meeting.
            self.initial["version"] = meeting_version(self.instance.pk)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and cleaned_data.get("version", "") != meeting_version(self.instance.pk):
            raise ValidationError(self.changed_since_message(), code="changed_since_opened")
        return cleaned_data

    def changed_since_message(self):
        latest = last_change(self.instance)
        if latest is None:
            return _(
                "This meeting was changed since you opened it. Nothing was saved: open it again to see "
                "the current record, then make your changes again."
            )
        return _(
            "This meeting was changed by %(who)s at %(when)s, since you opened it. Nothing was saved: "
            "open it again (in a new tab, to keep your changes at hand) to see the current record, "
            "then make your changes again."
        ) % {
            "who": latest.user or _("someone"),
            "when": date_format(localtime(latest.date_created), "DATETIME_FORMAT"),
        }
