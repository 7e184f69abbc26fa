"""The filters in force on a filtered list, shown as removable chips above its results."""

from ..filters import filters_in_force, query_with


class ActiveFiltersMixin:
    """For a ``FilterView``: ``active_filters`` in the context, one per filter in force.

    Each has its ``label`` and shown ``value``, the query string without it (``remaining``) and the
    address of the list without it (``remove_url``). The chips stay above the results where the
    filter form is folded away on a phone, so a reader always sees what narrowed the list.
    """

    # Filters that order or group the list rather than narrow it.
    unlisted_filters = ("sort",)
    # Filters that mean nothing without another: removing that one removes them too.
    removed_with = {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_filters"] = self.active_filters()
        return context

    def active_filters(self):
        """The filters in force, each with the address of this list without it."""
        active = []
        for name, label, shown in filters_in_force(self.filterset, leave_out=self.unlisted_filters):
            removed = dict.fromkeys((name, *self.removed_with.get(name, ()), self.page_kwarg))
            remaining = query_with(self.request.GET, **removed)
            query = remaining.urlencode()
            active.append(
                {
                    "name": name,
                    "label": label,
                    "value": shown,
                    "remaining": remaining,
                    "remove_url": f"?{query}" if query else self.request.path,
                }
            )
        return active
