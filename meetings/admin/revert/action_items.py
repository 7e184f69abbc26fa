"""Reverting an action item: its fields and links (themes), with its owners as they were.

Owners added since are removed, owners removed since come back, and each takes its role (lead or
support) of then. Progress updates form the action's timeline: a revert never removes or edits one.
If the status goes back, a new progress update says so (as on every path that changes a status),
naming who reverted and to which version.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import ActionItem, ActionOwner
from .plans import Section
from .rows import RecordRevert


def note_status_change(plan):
    """Tell, on the plan of an action item whose status goes back, how its timeline records it."""
    plan.notes.append(
        _(
            "Its status goes back: a new progress update records the change; the updates since stay on "
            "its timeline."
        )
    )


class ActionItemRevert(RecordRevert):
    """The plan of reverting an action item to its historical ``version``; ``apply()`` carries it out."""

    model = ActionItem
    parts_in_words = gettext_lazy("its owners")
    rules = [
        gettext_lazy(
            "Progress updates: a revert never removes or changes one. If the status goes back, a new "
            "update records the change, naming you."
        ),
        gettext_lazy("Its outcome and meeting are left as they are."),
    ]

    def _plan_parts(self):
        if self.changes_field("status"):
            self.notes.append(
                _(
                    "The status goes back: a new progress update records the change; the updates since "
                    "stay on the timeline."
                )
            )
        owners = self._plan_rows(ActionOwner, "action_item", {self.record.pk})
        self._check_once(
            owners, "participant_id", _("Its participant owns the action by a row kept as it is.")
        )
        return [Section(gettext_lazy("Owners"), self._settle(owners))]

    def meeting_ids(self):
        ids = {self.record.outcome.meeting_id}
        if self.changes_field("outcome"):
            ids.add(self.version.outcome.meeting_id)
        return ids
