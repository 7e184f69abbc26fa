"""Named database constraints shared by several models, and their form-side twins."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

DATES_OUT_OF_ORDER = _("The end date cannot be before the start date.")


def choices_constraint(name, field, choices, *, allow_blank=False):
    """A check that ``field`` holds one of ``choices``: TextChoices alone do not bind the database."""
    condition = Q(**{f"{field}__in": choices.values})
    if allow_blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


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
