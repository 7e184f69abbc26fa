"""Reverting an outcome: its fields and links, with its action items and their owners as they were.

- the outcome's own fields and links (concerns, themes, documents) take their values of then; its
  number stays where another outcome of the meeting now holds the old one;
- action items deleted since come back as they were, with their owners, links and progress updates;
  action items added since are removed with their owners, unless they have progress updates: a
  revert never removes a progress update, so those stay (and the page says so);
- action items that stay take their old values, links (themes) and owners (lead or support); one
  whose status goes back gets a new progress update saying so, as on every path that changes a
  status. Progress updates already on the timeline are never removed or edited.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ...models import ActionItem, Outcome, ProgressUpdate
from .action_items import note_status_change
from .plans import CHANGE, REMOVE, Section
from .rows import RecordRevert


class OutcomeRevert(RecordRevert):
    """The plan of reverting an outcome to its historical ``version``; ``apply()`` carries it out."""

    model = Outcome
    parts_in_words = gettext_lazy("its action items and their owners")
    rules = [
        gettext_lazy(
            "Progress updates: a revert never removes or changes one. An action item that comes back "
            "brings back its own; an action item whose status goes back gets a new update saying so; "
            "an action item added since that has progress updates stays."
        ),
        gettext_lazy("The meeting's other outcomes, attendance and documents are left as they are."),
    ]

    def _own_changes(self):
        fields, changes = super()._own_changes()
        self.fields, self.changes = fields, changes
        if self.changes_field("position") or self.changes_field("meeting"):
            meeting_id = self.version.meeting_id if self.changes_field("meeting") else self.record.meeting_id
            position = self.version.position if self.changes_field("position") else self.record.position
            holder = (
                Outcome.objects.filter(meeting_id=meeting_id, position=position)
                .exclude(pk=self.record.pk)
                .first()
            )
            if holder is not None:
                if self.changes_field("position"):
                    dropped = "position"
                    note = _("Its number stays %(number)s: “%(holder)s” now holds number %(old)s.")
                else:
                    dropped = "meeting"
                    note = _(
                        "It stays in its meeting: “%(holder)s” now holds its number %(old)s in the other."
                    )
                index = [f.name for f in fields].index(dropped)
                del fields[index], changes[index]
                self.notes.append(note % {"number": self.record.position, "holder": holder, "old": position})
        return fields, changes

    def _plan_parts(self):
        plans = self._plan_rows(ActionItem, "outcome", {self.record.pk})
        self._keep_those_with_progress([plan for plan in plans if plan.action == REMOVE])
        self._plan_action_items_back(plans)
        self._plan_links(ActionItem, [plan for plan in plans if plan.action == CHANGE])
        self._plan_owners(plans)
        for plan in plans:
            if plan.action == CHANGE and plan.changes_field("status"):
                note_status_change(plan)
        return [Section(gettext_lazy("Action items"), self._settle(plans))]

    def _keep_those_with_progress(self, plans):
        counts = dict.fromkeys((plan.pk for plan in plans), 0)
        if counts:
            for action_item_id in (
                ProgressUpdate.objects.filter(action_item_id__in=list(counts))
                .order_by()
                .values_list("action_item_id", flat=True)
            ):
                counts[action_item_id] += 1
        for plan in plans:
            if counts[plan.pk]:
                self._not_back(
                    plan,
                    ngettext(
                        "Added since, but it stays: it has %(count)d progress update, and a revert never "
                        "removes one. Delete it from its page if it should go.",
                        "Added since, but it stays: it has %(count)d progress updates, and a revert never "
                        "removes one. Delete it from its page if it should go.",
                        counts[plan.pk],
                    )
                    % {"count": counts[plan.pk]},
                )

    def meeting_ids(self):
        ids = {self.record.meeting_id}
        if self.changes_field("meeting"):
            ids.add(self.version.meeting_id)
        elsewhere = [
            plan.row.outcome_id
            for plan in self.all_rows()
            if plan.action == CHANGE and plan.row.outcome_id != self.record.pk
        ]
        if elsewhere:
            ids |= set(Outcome.objects.filter(pk__in=elsewhere).values_list("meeting_id", flat=True))
        return ids
