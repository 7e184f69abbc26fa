"""The public action tracker: the filtered list, its counts and groupings, and one action's page."""

import datetime
import hashlib
from functools import partial

from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, View
from django_filters.views import FilterView

from .. import charts, exports, versions
from ..api.filters import InvalidQuery, bad_query_response, valid_filterset
from ..filters import ActionFilter, filters_in_force, list_url, query_with
from ..models import OPEN_STATUSES, ActionItem, ActionStatus, Document, ProgressUpdate
from ..tallies import published_status_counts

# tracker_queryset is also imported from here by the meeting page's view.
from ..tracker import grouped_rows, ranked_groups, tracker_queryset, unowned_groups_tally
from .filtering import ActiveFiltersMixin
from .pagination import CountedPaginator, ForgivingPaginationMixin

# A grouping's count columns after its "Actions": the count's name, heading and the status it links to.
GROUP_COLUMNS = [
    ("overdue", _("Overdue"), "overdue"),
    ("open", _("Open"), "open"),
    ("completed", _("Completed"), "completed"),
    ("withdrawn", _("Cancelled or superseded"), None),
]
# An open action with no report for longer than this is flagged.
REPORT_OVERDUE_AFTER = datetime.timedelta(days=365)


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


def filtered_totals(tallies, status):
    """The counts of GROUP_COLUMNS over every listed action, from ``tallies`` (those of every filter
    but the status one) and the status filter in force, for ``telling_columns``.

    A column is zero in every group exactly when it is zero over all the listed actions, and equal
    to every group's total exactly when it counts every listed action: judged on these totals, the
    columns are those of the whole grouping, even of the groups by meeting, never all counted at
    once. Among the actions of one open status, how many are overdue is not in the tallies: that
    column is kept (None).
    """
    if not status:
        return tallies
    total = tallies.get(status, 0)
    totals = {"total": total, "overdue": 0, "open": 0, "completed": 0, "withdrawn": 0}
    if status == ActionFilter.OPEN:
        totals.update(open=total, overdue=tallies["overdue"])
    elif status == ActionFilter.OVERDUE:
        totals.update(open=total, overdue=total)
    elif status in OPEN_STATUSES:
        totals.update(open=total, overdue=None)
    elif status == ActionStatus.COMPLETED:
        totals.update(completed=total)
    else:
        totals.update(withdrawn=total)
    return totals


def telling_columns(rows, status_filtered):
    """The count columns of GROUP_COLUMNS that tell something about the groups' rows.

    A column zero in every row is left out. Under a status filter so is one equal to every row's
    total: under "overdue" each group's open and overdue counts are its total, which the filter
    says already. A count of None is not known, and its column is kept.
    """
    return [
        {"name": name, "label": label, "status": status}
        for name, label, status in GROUP_COLUMNS
        if any(row[name] is None or row[name] for row in rows)
        and not (status_filtered and all(row[name] == row["total"] for row in rows))
    ]


def quick_views(today, query):
    """The tracker's ready-made lists: overdue, due within 30 or 90 days, recently updated.

    Each with its address and whether it is the list shown (``query``, the page's QueryDict).
    """
    views = [{"label": _("Overdue"), "query": {"status": ActionFilter.OVERDUE}}]
    for days in (30, 90):
        views.append(
            {
                "label": _("Due in the next %(days)s days") % {"days": days},
                "query": {
                    "status": ActionFilter.OPEN,
                    "due_after": today.isoformat(),
                    "due_before": (today + datetime.timedelta(days=days)).isoformat(),
                },
            }
        )
    views.append({"label": _("Recently updated"), "query": {"sort": "updated"}})
    shown = {name: query.getlist(name) for name in query if name != "page"}
    for view in views:
        view["url"] = list_url("meetings:action_list", **view["query"])
        view["current"] = shown == {name: [value] for name, value in view["query"].items()}
    return views


class ActionListView(ActiveFiltersMixin, ForgivingPaginationMixin, FilterView):
    """``/actions/``: the tracker, filtered by the query string, with counts by status."""

    filterset_class = ActionFilter
    template_name = "meetings/action_list.html"
    paginate_by = 50
    # An invalid value is shown as an error beside its field; the other filters still apply.
    strict = False
    unlisted_filters = ("sort", "group")
    # A sort that reads no index sorts every listed action: offered on lists up to this long.
    SORTED_AT_MOST = 10_000

    def get_queryset(self):
        return tracker_queryset().with_last_report()

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
            rows = grouped_rows(grouped, group, key, filtered=bool(applied))
            # Owners ranked by what needs doing; meetings, one per meeting of the archive, newest first.
            kwargs["object_list"] = ranked_groups(rows) if group == "owner" else rows
        sort, sort_notice = self.bounded_sort(grouped=bool(group))
        if not group:
            kwargs["object_list"] = self.object_list  # as bounded_sort left it
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["today"] = today
        if not group:
            self.mark_unreported(context["object_list"], today - REPORT_OVERDUE_AFTER)
        context["sort"] = sort
        context["sort_label"] = dict(ActionFilter.SORT_CHOICES)[sort]
        context["sort_notice"] = sort_notice
        context["quick_views"] = quick_views(today, self.request.GET)
        # A download of more actions than one file holds is refused: say so instead of linking to it.
        context["export_refused"] = self.action_count > exports.MAX_ROWS
        context["export_limit"] = exports.MAX_ROWS
        context["status_total"] = tallies["total"]
        context["status_counts"] = counts
        context["current_status"] = self.request.GET.get("status", "")
        # Under a status filter a grouping's total counts that status: its heading says which.
        context["current_status_label"] = next(
            (status["label"] for status in counts if status["value"] == context["current_status"]), ""
        )
        context["group"] = group
        context["action_count"] = self.action_count
        if group:
            # Each group links to the list filtered to it, keeping the other filters.
            unowned = None
            if group == "owner" and not context["page_obj"].has_next():
                unowned = unowned_groups_tally(grouped, key, filtered=bool(applied))
                unowned = unowned if unowned["total"] else None
                context["unowned"] = unowned
            # The columns that tell groups apart, judged on the whole filtered set, not this page's.
            columns = telling_columns(
                [filtered_totals(tallies, valid_filters(self.filterset).get("status") or "")],
                status_filtered=bool(context["current_status"]),
            )
            context["group_columns"] = columns
            context["group_rows"] = [
                {
                    **row,
                    "filter": {group: row["slug"]},
                    "cells": [{**column, "count": row[column["name"]]} for column in columns],
                }
                for row in context["object_list"]
            ]
            if unowned:
                context["unowned_cells"] = [
                    {**column, "count": unowned[column["name"]]} for column in columns
                ]
        context["export_query"] = self._export_query()
        return context

    def bounded_sort(self, grouped=False):
        """The sort this page is read in, and a note when it is not the one asked for.

        An unknown sort gives the list's default. So does one that reads no index on a list longer
        than SORTED_AT_MOST: the page is then re-sorted, and the note says how to narrow it.
        """
        filterset = self.filterset
        sort = filterset.sort_value
        usual = dict(ActionFilter.SORT_CHOICES)[filterset.default_sort].lower()
        if filterset.unknown_sort:
            return sort, gettext_now(
                "“%(sort)s” is not a sort this list knows, so it is in its usual order: %(usual)s."
            ) % {"sort": filterset.unknown_sort, "usual": usual}
        if grouped or filterset.walks_an_index(sort) or self.action_count <= self.SORTED_AT_MOST:
            return sort, ""
        asked = dict(ActionFilter.SORT_CHOICES)[sort].lower()
        self.object_list = filterset.sort_actions(self.object_list, "sort", filterset.default_sort)
        return filterset.default_sort, gettext_now(
            "Lists of more than %(limit)s actions are not sorted “%(asked)s”, so this one is in its "
            "usual order: %(usual)s. Narrow it (by status, owner, meeting, theme or due dates) to sort it so."
        ) % {"limit": f"{self.SORTED_AT_MOST:,}", "asked": asked, "usual": usual}

    @staticmethod
    def mark_unreported(action_items, since):
        """Flag (``unreported``) the open actions of this page with no report since ``since``.

        Never reported, an action counts from the meeting that set it off.
        """
        for action_item in action_items:
            reported = action_item.last_reported or action_item.outcome.meeting.start_date
            action_item.unreported = action_item.is_open and reported is not None and reported < since

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.filterset.group_value:
            return super().get_paginator(queryset, per_page, **kwargs)
        return CountedPaginator(queryset, per_page, count=self.action_count, **kwargs)

    def _export_query(self):
        """The filters of this page for the export links, without paging and grouping."""
        return query_with(self.request.GET, **{self.page_kwarg: None, "group": None}).urlencode()


class ActionChartsView(ActiveFiltersMixin, FilterView):
    """``/actions/charts/``: the tracker's charts, for the actions that meet the list's filters."""

    filterset_class = ActionFilter
    template_name = "meetings/action_charts.html"
    strict = False
    unlisted_filters = ("sort", "group")

    def get_queryset(self):
        return ActionItem.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action_items = self.object_list
        # Each chart reads every filtered action: drawn once per change of the record and filters.
        applied = applied_filters(self.filterset)
        key = filters_key(applied)
        if applied:
            # The filtered actions read once for the status chart and the overdue line together.
            context.update(
                versions.cached(f"action-charts:{key}", partial(charts.filtered_charts, action_items))
            )
        else:
            # Unfiltered, the charts read the tallies kept on write (meetings.tallies).
            for name, draw in (
                ("status_chart", charts.status_by_year),
                ("owner_chart", charts.owner_completion),
                ("overdue_chart", charts.overdue_over_time),
            ):
                context[name] = versions.cached(f"action-{name}:{key}", draw)
        context["list_query"] = query_with(self.request.GET, group=None).urlencode()
        # The owners past the chart's first are in the tracker grouped by owner, ranked the same way.
        context["owners_query"] = query_with(self.request.GET, group="owner").urlencode()
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
            .with_owners()
            .with_updates()
            .prefetch_related("themes")
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


def export_filterset(query):
    """The tracker's filters in ``query`` over the published actions, as the exports write them
    (or InvalidQuery naming each bad value); its ``qs`` is what a file holds."""
    latest_percent = (
        ProgressUpdate.objects.filter(action_item=OuterRef("pk"), percent_complete__isnull=False)
        .order_by("-date", "-created_at", "-pk")
        .values("percent_complete")[:1]
    )
    queryset = (
        tracker_queryset()
        .with_last_report()
        .select_related("fulfilled_by_meeting")
        .annotate(latest_percent=Subquery(latest_percent))
    )
    return valid_filterset(ActionFilter, query, queryset)


def workbook_about(query, filterset, absolute_url):
    """What a workbook says it holds: each filter in force, the order, and the list on the site."""
    facts = [(str(label), str(shown)) for _name, label, shown in filters_in_force(filterset, {"sort"})]
    if not facts:
        facts = [(gettext_now("Filters"), gettext_now("None: every published action"))]
    facts.append((gettext_now("Order"), str(dict(ActionFilter.SORT_CHOICES)[filterset.sort_value])))
    query = query_with(query, page=None, group=None).urlencode()
    listed = reverse("meetings:action_list") + (f"?{query}" if query else "")
    facts.append((gettext_now("The list on the site"), absolute_url(listed)))
    return facts


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
            filterset = export_filterset(request.GET)
        except InvalidQuery as error:
            return bad_query_response(error, "Some filters could not be used, so nothing was exported: ")
        action_items = filterset.qs
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
                {
                    "count": count,
                    "export_format": self.export_format,
                    "query": query_with(request.GET).urlencode(),
                },
            )
        content_type, filename, build = self.formats[self.export_format]
        if self.export_format == "xlsx":
            build = partial(build, about=workbook_about(request.GET, filterset, request.build_absolute_uri))
        content = build(action_items, request.build_absolute_uri)
        # CSV goes out as it is written, a chunk of rows at a time; the others are built whole.
        answer = StreamingHttpResponse if self.export_format == "csv" else HttpResponse
        response = answer(content, content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
