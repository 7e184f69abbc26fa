"""The public action tracker: the filtered list, its counts and groupings, and one action's page."""

import hashlib
from functools import partial

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, View
from django_filters.views import FilterView

from .. import charts, exports, versions
from ..api.filters import InvalidQuery, apply_filters, bad_query_response
from ..filters import ActionFilter, query_with
from ..models import ActionItem, ActionOwner, ActionStatus, Document, ProgressUpdate
from ..tallies import published_status_counts

# tracker_queryset is also imported from here by the meeting page's view.
from ..tracker import grouped_rows, tracker_queryset, unowned_groups_tally
from .pagination import CountedPaginator, ForgivingPaginationMixin


def status_counts(filterset):
    """How many published actions of each status meet every filter but the status one.

    Returns the tallies (``ActionItemQuerySet.status_tallies``) and one count per status link,
    each with the value of ``status`` that lists them, so the page can link to it. The filters are
    applied to the actions table itself and the unpublished ones taken away
    (``published_status_tallies``), rather than every action joined to its meeting.
    """
    applied = applied_filters(filterset, leave_out={"status", "group"})

    def count():
        if not applied:
            # Every published action: from the tallies kept on write (meetings.tallies).
            return published_status_counts()
        action_items = ActionItem.objects.all()
        for name, value in applied.items():
            action_items = filterset.filters[name].filter(action_items, value)
        return action_items.published_status_tallies()

    # An aggregate over every action that meets the filters: counted once per change of the record.
    tallies = versions.cached(f"action-tallies:{filters_key(applied)}", count)
    counts = [
        {"value": "open", "label": _("Open"), "count": tallies["open"]},
        {"value": "overdue", "label": _("Overdue"), "count": tallies["overdue"]},
    ]
    counts += [
        {"value": status.value, "label": status.label, "count": tallies[status.value]}
        for status in ActionStatus
    ]
    return tallies, counts


def applied_filters(filterset, leave_out=frozenset({"group"})):
    """The filters given with a valid value, by name, but those in ``leave_out``."""
    return {
        name: value
        for name, value in valid_filters(filterset).items()
        if name not in leave_out and value not in (None, "")
    }


def filters_key(applied):
    """The same short key for the same filter values, however the query string spelled them."""
    described = repr(sorted((name, getattr(value, "pk", value)) for name, value in applied.items()))
    return hashlib.sha256(described.encode()).hexdigest()


def valid_filters(filterset):
    """The filters given with a valid value, by name: those the list applies (``strict = False``)."""
    if not filterset.is_bound:
        return {}
    filterset.form.is_valid()
    return filterset.form.cleaned_data


class ActionListView(ForgivingPaginationMixin, FilterView):
    """``/actions/``: the tracker, filtered by the query string, with counts by status."""

    filterset_class = ActionFilter
    template_name = "meetings/action_list.html"
    paginate_by = 50
    # An invalid value is shown as an error beside its field; the other filters still apply.
    strict = False

    def get_queryset(self):
        return tracker_queryset()

    def get_context_data(self, **kwargs):
        group = self.filterset.group_value
        # The tallies count the listed actions too: under the status filter in force, or all of them.
        tallies, counts = status_counts(self.filterset)
        self.action_count = tallies[valid_filters(self.filterset).get("status") or "total"]
        if group:
            # Grouped, the page lists groups of the whole filtered set: the paginator pages those.
            # They count published() actions, the shape an aggregate over many actions reads
            # fastest, in one query, remembered until the record changes (a row per owner or
            # meeting, of counts and names): the paginator counts them without a second grouping.
            grouped = self.filterset.filter_queryset(ActionItem.objects.published())
            applied = applied_filters(self.filterset)
            key = filters_key(applied)
            kwargs["object_list"] = grouped_rows(grouped, group, key, filtered=bool(applied))
        context = super().get_context_data(**kwargs)
        context["status_total"] = tallies["total"]
        context["status_counts"] = counts
        context["current_status"] = self.request.GET.get("status", "")
        context["group"] = group
        if group:
            context["action_count"] = self.action_count
            # Each group links to the list filtered to it, keeping the other filters.
            context["group_rows"] = [
                {**row, "filter": {group: row["slug"]}} for row in context["object_list"]
            ]
            if group == "owner" and not context["page_obj"].has_next():
                unowned = unowned_groups_tally(grouped, key, filtered=bool(applied))
                context["unowned"] = unowned if unowned["total"] else None
        context["export_query"] = self._export_query()
        return context

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.filterset.group_value:
            return super().get_paginator(queryset, per_page, **kwargs)
        return CountedPaginator(queryset, per_page, count=self.action_count, **kwargs)

    def _export_query(self):
        """The filters of this page for the export links, without paging and grouping."""
        return query_with(self.request.GET, **{self.page_kwarg: None, "group": None}).urlencode()


class ActionChartsView(FilterView):
    """``/actions/charts/``: the tracker's charts, for the actions that meet the list's filters."""

    filterset_class = ActionFilter
    template_name = "meetings/action_charts.html"
    strict = False

    def get_queryset(self):
        return ActionItem.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action_items = self.object_list
        # Each chart reads every filtered action: drawn once per change of the record and filters.
        applied = applied_filters(self.filterset)
        key = filters_key(applied)
        # Unfiltered, the charts read the tallies kept on write (meetings.tallies).
        charted = action_items if applied else None
        for name, draw in (
            ("status_chart", charts.status_by_year),
            ("owner_chart", charts.owner_completion),
            ("overdue_chart", charts.overdue_over_time),
        ):
            context[name] = versions.cached(f"action-{name}:{key}", partial(draw, charted))
        context["list_query"] = query_with(self.request.GET, group=None).urlencode()
        return context


class ActionDetailView(DetailView):
    """``/actions/<id>/``: one action, where it came from, who owns it and its timeline."""

    template_name = "meetings/action_detail.html"
    context_object_name = "action_item"

    def get_queryset(self):
        return (
            ActionItem.objects.published()
            .select_related(
                "outcome__meeting__meeting_type",
                "due_at_next",
                "fulfilled_by_meeting",
                "fulfilled_by_document",
                "superseded_by__outcome__meeting",
                "reported_to",
            )
            .prefetch_related(
                Prefetch(
                    "ownerships",
                    queryset=ActionOwner.objects.select_related("participant").order_by(
                        "role", "participant__name"
                    ),
                ),
                Prefetch(
                    "progress_updates",
                    queryset=ProgressUpdate.objects.select_related("meeting").order_by(
                        "date", "created_at", "pk"
                    ),
                ),
                "themes",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ownerships = self.object.ownerships.all()
        context["lead_owners"] = [ownership for ownership in ownerships if ownership.role == "lead"]
        context["support_owners"] = [ownership for ownership in ownerships if ownership.role != "lead"]
        context["is_overdue"] = self.object.is_overdue(timezone.localdate())
        document = self.object.fulfilled_by_document
        # Named only if the public may see it: through a published meeting, like every document.
        if document is not None and not Document.objects.published().filter(pk=document.pk).exists():
            document = None
        context["fulfilled_by_document"] = document
        return context


def export_queryset(query):
    """The published actions that the tracker's filters in ``query`` select, as the exports write
    them (or InvalidQuery naming each bad value)."""
    latest_percent = (
        ProgressUpdate.objects.filter(action_item=OuterRef("pk"), percent_complete__isnull=False)
        .order_by("-date", "-created_at", "-pk")
        .values("percent_complete")[:1]
    )
    queryset = (
        tracker_queryset()
        .select_related("fulfilled_by_meeting")
        .annotate(latest_percent=Subquery(latest_percent))
    )
    return apply_filters(ActionFilter, query, queryset)


# Files a task can prepare; a calendar is read by calendar programs, which cannot wait for one.
PREPARED_FORMATS = ("csv", "xlsx")


class ActionExportView(View):
    """The tracker's actions with the page's filters, as a file: CSV, XLSX or iCalendar.

    A bad filter value answers 400 with the reason: a file that silently ignored a filter would
    be mistaken for the filtered list. A CSV or XLSX of more than ``exports.IMMEDIATE_ROWS`` actions
    is prepared by the task worker: the answer is a page that offers to.
    """

    formats = {
        "csv": ("text/csv; charset=utf-8", "actions.csv", exports.actions_csv),
        "xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "actions.xlsx",
            exports.actions_xlsx,
        ),
        "ics": ("text/calendar; charset=utf-8", None, exports.actions_calendar),
    }
    export_format = "csv"

    def get(self, request):
        try:
            action_items = export_queryset(request.GET)
        except InvalidQuery as error:
            return bad_query_response(error, "Some filters could not be used, so nothing was exported: ")
        count = action_items.order_by()[: exports.MAX_ROWS + 1].count()
        # A spreadsheet is refused past MAX_ROWS; a calendar keeps the latest (exports.actions_calendar).
        if count > exports.MAX_ROWS and self.export_format != "ics":
            return HttpResponseBadRequest(
                f"More than {exports.MAX_ROWS:,} actions meet these filters; one file holds at most "
                f"{exports.MAX_ROWS:,}. Narrow them (by status, owner, meeting, theme or due dates) and "
                "export again, or read every action a page at a time from /api/actions/.\n",
                content_type="text/plain; charset=utf-8",
            )
        if count > exports.IMMEDIATE_ROWS and self.export_format in PREPARED_FORMATS:
            # Written by the task worker, not while the reader waits (meetings/views/prepared.py).
            return TemplateResponse(
                request,
                "meetings/export_prepare.html",
                {"count": count, "export_format": self.export_format, "query": request.GET.urlencode()},
            )
        content_type, filename, build = self.formats[self.export_format]
        content = build(action_items, request.build_absolute_uri)
        # CSV goes out as it is written, a chunk of rows at a time; the others are built whole.
        answer = StreamingHttpResponse if self.export_format == "csv" else HttpResponse
        response = answer(content, content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
