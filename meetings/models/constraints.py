"""Named database constraints shared by several models, their form-side twins, and the check of
every text field."""

import functools

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..text import unshowable_text_error

DATES_OUT_OF_ORDER = _("The end date cannot be before the start date.")
# Words kept as a source gives them (a date, a timeframe, a note on attendance) run to sentences:
# "to be reported at the Senior Officials' Meeting following the Seventh Ministerial Conference...".
AS_PUBLISHED_MAX_LENGTH = 2000


def choices_constraint(name, field, choices, *, allow_blank=False):
    """A check that ``field`` holds one of ``choices``: TextChoices alone do not bind the database."""
    condition = Q(**{f"{field}__in": choices.values})
    if allow_blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The label of ``value`` among ``choices``, in the active language, as ``get_FOO_display()``
    gives it (the value itself when it is none of them): for ``__str__`` of rows written and
    recorded in the history by the thousand, where ``get_FOO_display()`` spends most of its time
    making the field's choices hashable again at every call, and translating the label."""
    return labels_in(choices, translation.get_language()).get(value, value)


@functools.cache
def labels_in(choices: type[models.Choices], language: str | None) -> dict[str, str]:
    """Each value's label among ``choices``, translated into ``language`` (the active one)."""
    return {value: str(label) for value, label in choices.choices}


def dates_in_order_constraint(name, start="start_date", end="end_date"):
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=DATES_OUT_OF_ORDER,
    )


def dates_in_order_error(start, end, field="end_date"):
    """Raise the editor-facing message for a period that ends before it starts."""
    if start and end and end < start:
        raise ValidationError({field: DATES_OUT_OF_ORDER})


class ShowableText:
    """Refuses, in every text field, a character no output can carry, and in a single-line field
    (a ``CharField``) a line break, with a message naming the field (``meetings/text.py``).

    Model forms run ``full_clean()``, so the admin shows the message beside the field, and the
    records import reports it at the record and field. A check in ``clean_fields()`` rather than a
    validator on each field: validators are part of a field's migration state, so validators would
    need a migration touching every text field, and each new field would have to remember its own.
    """

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField):
                continue
            if field.name in errors or (exclude and field.name in exclude):
                continue
            message = unshowable_text_error(
                capfirst(field.verbose_name),
                getattr(self, field.attname),
                single_line=isinstance(field, models.CharField),
            )
            if message:
                errors[field.name] = [ValidationError(message, code="unshowable")]
        if errors:
            raise ValidationError(errors)
