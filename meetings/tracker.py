"""The action tracker's read side shared by its pages, its exports, the API and the meeting page.

The rows a tracker list shows, and its groupings by owner or meeting with their counts by status.
The counts come from ``ActionItemQuerySet.tally_aggregates``, the one statement of what open,
overdue and withdrawn mean in a count.
"""

from django.db.models import Exists, F, OuterRef, Prefetch

from .models import ActionItem, ActionOwner


def tracker_queryset():
    """Published actions with what a list row shows, soonest deadline first, undated last."""
    return (
        ActionItem.objects.published_for_listing()
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


def action_groups(action_items, group, today=None):
    """One row per owner or per meeting of the whole filtered set, with its counts by status.

    A single grouped query (``values()`` then ``annotate()``), so the paginator pages through groups
    and every count covers all the filtered actions, not just those of one page. An action with two
    owners counts under each.
    """
    filtered = action_items.order_by().values("pk")
    if group == "owner":
        return (
            ActionOwner.objects.filter(action_item__in=filtered)
            .values(slug=F("participant__slug"), name=F("participant__name"))
            .annotate(**ActionItem.objects.tally_aggregates(today, prefix="action_item__"))
            .order_by("name", "slug")
        )
    return (
        ActionItem.objects.filter(pk__in=filtered)
        .values(
            slug=F("outcome__meeting__slug"),
            name=F("outcome__meeting__title"),
            start_date=F("outcome__meeting__start_date"),
        )
        .annotate(**ActionItem.objects.tally_aggregates(today))
        .order_by(F("start_date").desc(nulls_last=True), "name", "slug")
    )


def unowned_tally(action_items, today=None):
    """The counts by status of the filtered actions that name no owner, in one query."""
    return (
        ActionItem.objects.filter(pk__in=action_items.order_by().values("pk"))
        .exclude(Exists(ActionOwner.objects.filter(action_item=OuterRef("pk"))))
        .status_tallies(today)
    )
