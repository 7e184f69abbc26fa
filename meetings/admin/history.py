"""The history of a record in the admin: who changed what and when, field by field, with revert."""

from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """An admin whose "History" page lists every saved version with its changes, and can revert to one.

    Revert opens the chosen version in the change form; saving it makes it the current version (and a
    new entry in the history). Related rows edited inline keep their own history on their own pages.
    """

    # Timestamps change on every save and say nothing the history's own date does not.
    history_diff_excluded_fields = ["created_at", "updated_at"]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=self.history_diff_excluded_fields,
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current
