"""Filter sets for the public lists; their query parameters are the public contract of DESIGN.md.

A bad value never empties a list silently: the views run these with ``strict = False``, so an
invalid field is left out of the filtering and its error is shown beside it, while the valid
fields still apply.
"""

import copy
from urllib.parse import urlencode

import django_filters as filters
from django import forms
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.http import QueryDict
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters.fields import ChoiceField

from . import search, versions
from .models import (
    OPEN_STATUSES,
    ActionItem,
    ActionOwner,
    ActionStatus,
    AttendanceRole,
    Meeting,
    MeetingStatus,
    MeetingType,
    Membership,
    MembershipStatus,
    Participant,
    ParticipantAlias,
    ParticipantKind,
    Theme,
)
from .widgets import FilterForm, SuggestingInput

SEARCH_MAX_LENGTH = 200


def in_use(query: QueryDict) -> QueryDict:
    """``query`` without the parameters given no value: ``?q=&year=2014`` is ``?year=2014``.

    A GET form sends every field, chosen or not; a filter given no value is not in use, and the
    addresses built from the form's (pages, sorts, the filters in force) leave it out.
    """
    kept = QueryDict(mutable=True)
    for name, values in query.lists():
        given = [value for value in values if value.strip()]
        if given:
            kept.setlist(name, given)
    return kept


def list_url(name: str, **query: str | int | None) -> str:
    """The address of the list ``name`` (a URL name) filtered by ``query``, which as a form's would
    read it: the filters in use only (a value of None or "" is left out)."""
    kept = {key: value for key, value in query.items() if value not in (None, "")}
    address = reverse(name)
    return f"{address}?{urlencode(kept)}" if kept else address


def query_with(query, **changes):
    """A copy of ``query`` (a QueryDict) with only the filters in use (``in_use``) and ``changes``
    made; a value of None removes the parameter.

    What ``{% querystring query_in_use ... %}`` does in a template, for addresses built in Python.
    """
    query = in_use(query)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query


def filters_in_force(filterset, leave_out=()):
    """The filters given with a valid value, each as ``(name, label, value as shown)``.

    A record is shown by its name, a choice by its label: what a reader chose, not its code.
    """
    if not filterset.is_bound:
        return []
    form = filterset.form
    form.is_valid()
    in_force = []
    for name, value in form.cleaned_data.items():
        if name in leave_out or value in (None, ""):
            continue
        field = form.fields[name]
        if hasattr(value, "pk"):
            shown = str(value)
        elif hasattr(field, "choices"):
            shown = {str(key): label for key, label in field.choices}.get(str(value), value)
        else:
            shown = value
        in_force.append((name, field.label, shown))
    return in_force


class ChosenOnlySelect(forms.Select):
    """A select of model choices that offers only the choice in force, and the empty one.

    For a filter among thousands of records (the tracker's meeting): rendering every one made the
    form most of the page (10,000 meetings, 860 KB, a second to render). The form still shows the
    filter in force and can clear it; a record is chosen by a link to the filtered list.
    """

    def optgroups(self, name, value, attrs=None):
        offered = copy.copy(self.choices)
        chosen = [item for item in value if item]
        key = offered.field.to_field_name or "pk"
        offered.queryset = (
            offered.queryset.filter(**{f"{key}__in": chosen}) if chosen else offered.queryset.none()
        )
        every, self.choices = self.choices, offered
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every


class CountryCodeField(ChoiceField):
    """A choice of country that accepts ``au`` for ``AU``: codes are typed either way."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class CountryFilter(filters.ChoiceFilter):
    field_class = CountryCodeField


def meeting_years():
    """The years that have published meetings, newest first, as select choices."""

    def years():
        dates = Meeting.objects.published().dates("start_date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in dates]

    # A DISTINCT over every meeting on each filtered page: remembered until the record changes.
    return versions.cached("meeting-years", years)


def meeting_countries():
    """The countries that have hosted published meetings, by name."""

    def hosts():
        codes = (
            Meeting.objects.published()
            .exclude(country="")
            .values_list("country", flat=True)
            .distinct()
            .order_by()
        )
        return sorted(((code, countries.name(code) or code) for code in codes), key=lambda choice: choice[1])

    return versions.cached(f"meeting-countries:{get_language()}", hosts)


class MeetingFilterForm(FilterForm):
    """The meetings' filters, of which ``role`` reads only with ``participant``."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") and not cleaned.get("participant") and "participant" not in self.errors:
            self.add_error("role", _("Choose a participant too: this is the role it attended in."))
        return cleaned


class MeetingFilter(filters.FilterSet):
    """The filters of ``/meetings/``: q, year, type, country, participant with its role, theme,
    status and sort."""

    SORT_CHOICES = [
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
        ("title", _("Title A–Z")),
    ]

    q = filters.CharFilter(
        label=_("Words"),
        method="filter_words",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("In the title, summary, purpose, record or place."),
    )
    year = filters.ChoiceFilter(
        label=_("Year"),
        field_name="start_date",
        lookup_expr="year",
        choices=meeting_years,
        empty_label=_("Any year"),
    )
    type = filters.ModelChoiceFilter(
        label=_("Meeting type"),
        field_name="meeting_type",
        queryset=MeetingType.objects.all(),
        to_field_name="slug",
        empty_label=_("Any type"),
    )
    country = CountryFilter(
        label=_("Country"),
        choices=meeting_countries,
        empty_label=_("Any country"),
    )
    participant = filters.ModelChoiceFilter(
        label=_("Participant"),
        method="filter_participant",
        queryset=Participant.objects.all(),
        to_field_name="slug",
        empty_label=_("Any participant"),
    )
    role = filters.ChoiceFilter(
        label=_("Attended as"),
        choices=AttendanceRole,
        method="filter_role",
        empty_label=_("Any role"),
        help_text=_("With a participant: the role it attended in."),
    )
    theme = filters.ModelChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_("Any theme"),
    )
    status = filters.ChoiceFilter(label=_("Status"), choices=MeetingStatus, empty_label=_("Any status"))
    sort = filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        method="sort_meetings",
        empty_label=None,
    )

    class Meta:
        model = Meeting
        form = MeetingFilterForm
        fields = ["q", "year", "type", "country", "participant", "role", "theme", "status", "sort"]

    def filter_words(self, queryset, name, value):
        # The search page's test: its "See all meetings" link leads here with the same words.
        return search.matching("meetings", queryset, value)

    def filter_participant(self, queryset, name, participant):
        # Exists, not a join: a join repeats a meeting once per matching row. Each meeting carries
        # the role it attended in (``participant_role``), read in the same query as the meeting.
        attendances = participant.attendances.filter(meeting=OuterRef("pk"))
        role = self.form.cleaned_data.get("role")
        if role:
            attendances = attendances.filter(role=role)
        return queryset.filter(Exists(attendances)).annotate(
            participant_role=Subquery(attendances.values("role")[:1])
        )

    def filter_role(self, queryset, name, role):
        # Read by filter_participant, in the same test of the participant's attendance.
        return queryset

    def sort_meetings(self, queryset, name, value):
        if value == "oldest":
            return queryset.order_by(F("start_date").asc(nulls_last=True), "pk")
        if value == "title":
            return queryset.order_by("title", "pk")
        return queryset

    @property
    def sort_value(self):
        """The sort in force, for the template's year grouping: only date order groups by year."""
        if self.is_bound and self.form.is_valid():
            return self.form.cleaned_data.get("sort") or "newest"
        return "newest"


class ParticipantFilter(filters.FilterSet):
    """The filters of ``/participants/``: q, kind and current membership status of the forum."""

    NO_MEMBERSHIP = "none"
    STATUS_CHOICES = [*MembershipStatus.choices, (NO_MEMBERSHIP, _("Not a member or observer now"))]

    q = filters.CharFilter(
        label=_("Name"),
        method="filter_name",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Name, short name or another name it goes by."),
    )
    kind = filters.ChoiceFilter(label=_("Kind"), choices=ParticipantKind, empty_label=_("Any kind"))
    status = filters.ChoiceFilter(
        label=_("Status in the forum today"),
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label=_("Any status"),
    )

    class Meta:
        model = Participant
        form = FilterForm
        fields = ["q", "kind", "status"]

    def filter_name(self, queryset, name, value):
        value = " ".join(value.split())
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Exists(ParticipantAlias.objects.filter(participant=OuterRef("pk"), name__icontains=value))
        )

    def filter_status(self, queryset, name, value):
        current = (
            Membership.objects.current(timezone.localdate()).of_forum().filter(participant=OuterRef("pk"))
        )
        if value == self.NO_MEMBERSHIP:
            return queryset.exclude(Exists(current))
        return queryset.filter(Exists(current.filter(status=value)))


class ActionFilter(filters.FilterSet):
    """The filters of ``/actions/`` and its exports: status (with open and overdue), owner, meeting,
    meeting type, theme, due dates, words, a sort and a grouping of the list.

    Without a sort (or with one it does not know) the list takes the default of its view
    (``default_sort``): the overdue list most overdue first, the others soonest deadline first,
    the order of the API.
    """

    OPEN = "open"
    OVERDUE = "overdue"
    STATUS_CHOICES = [
        (OPEN, _("Open (not started or in progress)")),
        (OVERDUE, _("Overdue")),
        *ActionStatus.choices,
    ]
    GROUP_CHOICES = [("owner", _("Owner")), ("meeting", _("Meeting"))]
    SORT_CHOICES = [
        ("due", _("Soonest deadline first")),
        ("-due", _("Latest deadline first")),
        ("overdue", _("Most overdue first")),
        ("reported", _("Least recently reported first")),
        ("updated", _("Recently updated first")),
        ("owner", _("Owner A–Z")),
        ("meeting", _("Newest meeting first")),
    ]
    ISO_DATE = ["%Y-%m-%d"]

    q = filters.CharFilter(
        label=_("Words"),
        method="filter_words",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("In the action, its timeframe, the outcome's text or the owners' names."),
    )
    status = filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Any status")
    )
    owner = filters.ModelChoiceFilter(
        label=_("Owner"),
        method="filter_owner",
        queryset=Participant.objects.all(),
        to_field_name="slug",
        empty_label=_("Any owner"),
    )
    meeting = filters.ModelChoiceFilter(
        label=_("Meeting"),
        field_name="outcome__meeting",
        queryset=Meeting.objects.published().order_by(F("start_date").desc(nulls_last=True), "-pk"),
        to_field_name="slug",
        widget=SuggestingInput(reverse_lazy("api:meeting_list")),
        error_messages={
            "invalid_choice": _("No published meeting has the address “%(value)s”: choose one suggested.")
        },
        help_text=_("Type words of its title or place and choose it, or group the list by meeting."),
    )
    review_at = filters.ModelChoiceFilter(
        label=_("For review at"),
        method="filter_review_at",
        queryset=Meeting.objects.published().filter(status=MeetingStatus.SCHEDULED),
        to_field_name="slug",
        empty_label=_("Any meeting"),
        widget=ChosenOnlySelect,
        help_text=_("The open actions an upcoming meeting should review: follow its page's link."),
    )
    type = filters.ModelChoiceFilter(
        label=_("Meeting type"),
        field_name="outcome__meeting__meeting_type",
        queryset=MeetingType.objects.all(),
        to_field_name="slug",
        empty_label=_("Any type"),
    )
    theme = filters.ModelChoiceFilter(
        label=_("Theme"),
        method="filter_theme",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_("Any theme"),
    )
    due_after = filters.DateFilter(
        label=_("Due on or after"),
        field_name="due_date",
        lookup_expr="gte",
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_before = filters.DateFilter(
        label=_("Due on or before"),
        field_name="due_date",
        lookup_expr="lte",
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    group = filters.ChoiceFilter(
        label=_("Group by"),
        choices=GROUP_CHOICES,
        method="groups_only",
        empty_label=_("No grouping"),
    )
    sort = filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        method="sort_actions",
        empty_label=_("Default for this list"),
    )

    class Meta:
        model = ActionItem
        form = FilterForm
        fields = [
            "q",
            "status",
            "owner",
            "meeting",
            "review_at",
            "type",
            "theme",
            "due_after",
            "due_before",
            "sort",
            "group",
        ]

    def filter_review_at(self, queryset, name, meeting):
        return queryset.for_review_at(meeting)

    def filter_words(self, queryset, name, value):
        # The search page's test: its link to the tracker leads here with the same words.
        return search.matching("actions", queryset, value)

    def filter_status(self, queryset, name, value):
        if value == self.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == self.OVERDUE:
            return queryset.overdue(timezone.localdate())
        return queryset.filter(status=value)

    def filter_owner(self, queryset, name, participant):
        # The owner's actions by the index of ownerships, not a join (an action owned twice over
        # would be listed twice) nor a test of every action (Exists): on 10,000 meetings, a page of
        # a member state's 7,365 actions 500 ms to 100 ms on SQLite, its charts' reading 520 to 200.
        return queryset.filter(pk__in=participant.action_ownerships.values("action_item"))

    def filter_theme(self, queryset, name, theme):
        """Tagged on the action itself or on the outcome that set it off."""
        return queryset.filter(
            Exists(theme.action_items.filter(pk=OuterRef("pk")))
            | Exists(theme.outcomes.filter(pk=OuterRef("outcome")))
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = self.sort_actions(queryset, "sort", self.default_sort)
        return queryset

    def sort_actions(self, queryset, name, value):
        """The order of ``value``, each ending in the key so that pages never overlap.

        Deadlines walk the index of due dates; "overdue" puts the overdue actions first (under the
        overdue filter that is the deadline order itself); "reported" reads each action's latest
        report (``with_last_report``), never reported first. Costs: docs/performance.md.
        """
        soonest = F("due_date").asc(nulls_last=True)
        if value == "-due":
            return queryset.order_by(F("due_date").desc(nulls_last=True), "-pk")
        if value == "overdue" and self.form.cleaned_data.get("status") != self.OVERDUE:
            overdue = ActionItem.objects.status_conditions()["overdue"]
            first = Case(When(overdue, then=Value(0)), default=Value(1))
            return queryset.order_by(first, soonest, "pk")
        if value == "reported":
            if "last_reported" not in queryset.query.annotations:
                queryset = queryset.with_last_report()
            return queryset.order_by(F("last_reported").asc(nulls_first=True), soonest, "pk")
        if value == "updated":
            return queryset.order_by("-updated_at", "-pk")
        if value == "owner":
            first_owner = (
                ActionOwner.objects.filter(action_item=OuterRef("pk"))
                .order_by("role", "participant__name")
                .values("participant__name")[:1]
            )
            return queryset.alias(first_owner=Subquery(first_owner)).order_by(
                F("first_owner").asc(nulls_last=True), soonest, "pk"
            )
        if value == "meeting":
            return queryset.order_by(
                F("outcome__meeting__start_date").desc(nulls_last=True),
                "-outcome__meeting",
                "outcome__position",
                "position",
                "pk",
            )
        return queryset.order_by(soonest, "outcome__meeting__start_date", "pk")

    def walks_an_index(self, value):
        """Whether the sort ``value`` reads the list in the order of an index, stopping after a page.

        The others sort every listed action (a subquery each for "reported" and "owner"), which the
        tracker allows on lists of at most ``ActionListView.SORTED_AT_MOST`` actions.
        """
        if value == "overdue":
            return valid_value(self, "status") == self.OVERDUE
        return value in {"due", "-due", "updated"}

    @property
    def default_sort(self):
        """The sort of this list when none is asked for: the overdue list most overdue first."""
        return "overdue" if valid_value(self, "status") == self.OVERDUE else "due"

    @property
    def sort_value(self):
        """The sort in force: the one asked for if known, else the default of this list."""
        return valid_value(self, "sort") or self.default_sort

    @property
    def unknown_sort(self):
        """The value of ``sort`` given but not known, or "" (the list then takes its default)."""
        if self.is_bound and self.data.get("sort") and not valid_value(self, "sort"):
            return self.data["sort"]
        return ""

    def groups_only(self, queryset, name, value):
        # The grouping arranges the page (meetings/tracker.py's action_groups); it filters nothing.
        return queryset

    @property
    def group_value(self):
        """The grouping in force: "owner", "meeting" or "" (a bad value groups nothing)."""
        return valid_value(self, "group") or ""


def valid_value(filterset, name):
    """The cleaned value of one filter, or None if it was not given or not valid."""
    if not filterset.is_bound:
        return None
    filterset.form.is_valid()
    return filterset.form.cleaned_data.get(name)
