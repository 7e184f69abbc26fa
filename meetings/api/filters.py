"""The public lists' filter sets as the open data reads them: the API, the feeds and the calendar.

The meetings filter is the page's own with two widenings a machine reader needs: any year and any
country code are accepted (an empty list for a year without meetings, where the page's select only
offers years on the record). Outcomes and documents have no page of their own; their filters are here.

Unlike the pages, which show a bad value beside its field and apply the rest, open data refuses
the whole request (``InvalidQuery``): a program that asked for one thing should not silently get
another.
"""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..filters import CountryFilter, MeetingFilter
from ..models import (
    Document,
    DocumentKind,
    Meeting,
    Outcome,
    OutcomeKind,
    OutcomeStrength,
    Participant,
    Theme,
)


class InvalidQuery(Exception):
    """A query value the filters refuse; ``errors`` maps each parameter to its messages."""

    def __init__(self, errors, values=None):
        super().__init__(errors)
        self.errors = {name: [str(message) for message in messages] for name, messages in errors.items()}
        self.values = values or {}

    def explanation(self):
        parts = []
        for name, messages in self.errors.items():
            value = self.values.get(name)
            given = f"{name}={value[:50]}" if value else name
            parts.append(f"{given}: {' '.join(messages)}")
        return "; ".join(parts)


def valid_filterset(filterset_class, data, queryset):
    """The filter set of ``data`` over ``queryset`` once every value is good, or InvalidQuery."""
    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise InvalidQuery(filterset.errors, {name: data.get(name, "") for name in filterset.errors})
    return filterset


def apply_filters(filterset_class, data, queryset):
    """The queryset narrowed by the filters in ``data``, or InvalidQuery naming every bad value."""
    return valid_filterset(filterset_class, data, queryset).qs


def bad_query_response(error, preface=""):
    """The plain-text 400 that feeds and file downloads answer an InvalidQuery with."""
    return HttpResponseBadRequest(
        f"{preface}{error.explanation()}\n", content_type="text/plain; charset=utf-8"
    )


class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class OpenMeetingFilter(MeetingFilter):
    """``/meetings/`` filters for programs: the same parameters, any year and any country."""

    year = YearFilter(
        label=_("Year"), field_name="start_date", lookup_expr="year", min_value=1, max_value=9999
    )
    country = CountryFilter(label=_("Country"), choices=countries)


class OutcomeFilter(filters.FilterSet):
    """Outcomes by meeting, verb, strength, theme and the participant they concern."""

    meeting = filters.ModelChoiceFilter(
        field_name="meeting", queryset=Meeting.objects.published(), to_field_name="slug"
    )
    kind = filters.ChoiceFilter(choices=OutcomeKind)
    strength = filters.ChoiceFilter(choices=OutcomeStrength, method="filter_strength")
    theme = filters.ModelChoiceFilter(field_name="themes", queryset=Theme.objects.all(), to_field_name="slug")
    concerns = filters.ModelChoiceFilter(
        method="filter_concerns", queryset=Participant.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = Outcome
        fields = ["meeting", "kind", "strength", "theme", "concerns"]

    def filter_strength(self, queryset, name, value):
        return queryset.of_strength(value)

    def filter_concerns(self, queryset, name, participant):
        # Exists, not a join: the join through the many-to-many would not repeat rows here, but a
        # second many-to-many filter (theme) would.
        return queryset.filter(Exists(participant.concerning_outcomes.filter(pk=OuterRef("pk"))))


class DocumentFilter(filters.FilterSet):
    """Documents by meeting, kind and language."""

    meeting = filters.ModelChoiceFilter(
        field_name="meeting", queryset=Meeting.objects.published(), to_field_name="slug"
    )
    kind = filters.ChoiceFilter(choices=DocumentKind)
    language = filters.CharFilter(max_length=8)

    class Meta:
        model = Document
        fields = ["meeting", "kind", "language"]
