"""The public action tracker: the filtered list, its counts and groupings, and one action's page."""

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, View
from django_filters.views import FilterView

from .. import exports
from ..filters import ActionFilter
from ..models import OPEN_STATUSES, ActionItem, ActionOwner, ActionStatus, ProgressUpdate
from .pagination import ForgivingPaginationMixin


def tracker_queryset():
    """Published actions with what a list row shows, soonest deadline first, undated last."""
    return (
        ActionItem.objects.published()
        .select_related("outcome__meeting__meeting_type", "due_at_next")
        .prefetch_related(
            Prefetch(
                "ownerships",
                queryset=ActionOwner.objects.select_related("participant").order_by(
                    "role", "participant__name"
                ),
            )
        )
        .order_by(F("due_date").asc(nulls_last=True), "outcome__meeting__start_date", "pk")
    )


def status_counts(filterset):
    """How many actions of each status meet every filter but the status one, in one query.

    Each count comes with the value of ``status`` that lists them, so the page can link to it.
    """
    queryset = filterset.queryset
    cleaned = {}
    if filterset.is_bound:
        filterset.form.is_valid()
        cleaned = filterset.form.cleaned_data
    for name, value in cleaned.items():
        if name not in {"status", "group"} and value not in (None, ""):
            queryset = filterset.filters[name].filter(queryset, value)
    today = timezone.localdate()
    totals = queryset.order_by().aggregate(
        all=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
        **{status.value: Count("pk", filter=Q(status=status.value)) for status in ActionStatus},
    )
    counts = [
        {"value": "open", "label": _("Open"), "count": totals["open"]},
        {"value": "overdue", "label": _("Overdue"), "count": totals["overdue"]},
    ]
    counts += [
        {"value": status.value, "label": status.label, "count": totals[status.value]}
        for status in ActionStatus
    ]
    return totals["all"], counts


def group_by_owner(action_items):
    """The actions of a page under each of their owners (an action with two owners is under both)."""
    groups = {}
    unowned = []
    for action_item in action_items:
        ownerships = action_item.ownerships.all()
        if not ownerships:
            unowned.append(action_item)
        for ownership in ownerships:
            groups.setdefault(ownership.participant, []).append(action_item)
    grouped = [
        {"participant": participant, "action_items": items}
        for participant, items in sorted(groups.items(), key=lambda group: group[0].name)
    ]
    if unowned:
        grouped.append({"participant": None, "action_items": unowned})
    return grouped


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
        context = super().get_context_data(**kwargs)
        total, counts = status_counts(self.filterset)
        context["status_total"] = total
        context["status_counts"] = counts
        context["current_status"] = self.request.GET.get("status", "")
        group = self.filterset.group_value
        context["group"] = group
        if group == "owner":
            context["owner_groups"] = group_by_owner(context["object_list"])
        context["export_query"] = self._export_query()
        return context

    def _export_query(self):
        """The filters of this page for the export links, without paging and grouping."""
        query = self.request.GET.copy()
        for name in (self.page_kwarg, "group"):
            query.pop(name, None)
        return query.urlencode()


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
                "fulfilled_by_document__meeting",
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
        return context


class ActionExportView(View):
    """The tracker's actions with the page's filters, as a file: CSV, XLSX or iCalendar.

    A bad filter value answers 400 with the reason: a file that silently ignored a filter would
    be mistaken for the filtered list.
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
        filterset = ActionFilter(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound and not filterset.is_valid():
            reasons = "\n".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.form.errors.items()
            )
            return HttpResponseBadRequest(
                f"Some filters could not be used, so nothing was exported:\n{reasons}\n",
                content_type="text/plain; charset=utf-8",
            )
        content_type, filename, build = self.formats[self.export_format]
        response = HttpResponse(build(filterset.qs, request.build_absolute_uri), content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
