"""Reverting a meeting: its fields and links, with its attendance, outcomes and documents as they were.

The moment of a version is the time of its history entry; a save of the meeting's page writes the
meeting and its inlines at one moment (``history.history_moment``), so the version includes what
that save did to its attendance, outcomes and documents.

- the meeting's own fields and links (themes, related meetings) take their values of then;
- attendance, outcomes and documents added since are removed; those deleted since come back, with
  their old ids where free; those changed since take their old values (and, for outcomes, links);
- an outcome that comes back brings back its action items as they were then, with their owners and
  progress updates where their history kept them; an outcome removed takes its action items with
  it; the action items of an outcome kept are left as they are now: their progress since is the
  tracker's, not the meeting record's (an outcome's own revert takes them back);
- publication is left as it is (publishing has its own permission and actions), and so are old
  addresses (they only ever grow).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import ActionItem, Attendance, Document, Meeting, Outcome
from ..history import record_other_side
from .plans import CHANGE, KEEP, REMOVE, RESTORE, Section
from .rows import RecordRevert

# Outcomes being renumbered move here first, so that two cannot hold one number mid-revert.
SPARE_POSITION = 32767


class MeetingRevert(RecordRevert):
    """The plan of reverting a meeting to its historical ``version``; ``apply()`` carries it out."""

    model = Meeting
    parts_in_words = gettext_lazy("its attendance, outcomes and documents")
    links_not_kept = gettext_lazy(
        "Themes and related meetings were not kept at that time: they stay as they are."
    )
    rules = [
        gettext_lazy("Publication: the meeting stays published, scheduled or a draft as it is now."),
        gettext_lazy(
            "Action items of outcomes that stay: their status and progress since are kept. An outcome "
            "that comes back brings back its action items as they were, with their owners and progress "
            "updates; an outcome removed takes its action items with it."
        ),
        gettext_lazy("Old addresses: they keep redirecting here."),
    ]
    parts = [
        (Attendance, gettext_lazy("Attendance")),
        (Document, gettext_lazy("Documents")),
        (Outcome, gettext_lazy("Outcomes")),
    ]

    @property
    def meeting(self):
        return self.record

    def _plan_parts(self):
        planned = {}
        for model, _title in self.parts:
            # In this order: outcomes may link to documents that come back.
            planned[model] = self._plan_rows(model, "meeting", {self.record.pk})
        self._check_once(
            planned[Attendance], "participant_id", _("Its participant is listed by a row kept as it is.")
        )
        self._check_outcome_numbers(planned[Outcome])
        self._note_action_items_removed([plan for plan in planned[Outcome] if plan.action == REMOVE])
        restored = [plan for plan in planned[Outcome] if plan.action == RESTORE]
        self._plan_action_items(restored)
        self._plan_links(Outcome, [plan for plan in planned[Outcome] if plan.action in (RESTORE, CHANGE)])
        return [Section(title, self._settle(planned[model])) for model, title in self.parts]

    def _check_outcome_numbers(self, plans):
        """An outcome's number is unique in its meeting: one kept as it is keeps its number."""
        kept = {plan.row.position for plan in plans if plan.action == KEEP and plan.row is not None}
        for plan in plans:
            if plan.action not in (RESTORE, CHANGE) or plan.record.position not in kept:
                continue
            if plan.action == RESTORE:
                note = _("It does not come back: its number %(number)s is held by an outcome kept as it is.")
                self._not_back(plan, note % {"number": plan.record.position})
            elif plan.changes_field("position"):
                index = [f.name for f in plan.fields].index("position")
                del plan.fields[index], plan.changes[index]
                plan.notes.append(_("Its number stays: an outcome kept as it is holds the old one."))

    def _note_action_items_removed(self, plans):
        titles = {plan.pk: [] for plan in plans}
        if titles:
            action_items = ActionItem.objects.filter(outcome_id__in=list(titles)).order_by(
                "outcome_id", "position", "pk"
            )
            for outcome_id, title in action_items.values_list("outcome_id", "title"):
                titles[outcome_id].append(title)
        for plan in plans:
            if titles[plan.pk]:
                plan.removes_action_items = True
                plan.notes.append(
                    _("Its action items go with it: %(titles)s.") % {"titles": "; ".join(titles[plan.pk])}
                )

    def _plan_action_items(self, outcome_plans):
        """The action items of outcomes that come back, as they were, with owners and updates."""
        by_outcome = {plan.pk: plan for plan in outcome_plans}
        action_items = [
            plan
            for plan in self._plan_rows(ActionItem, "outcome", by_outcome)
            if plan.action in (RESTORE, KEEP) and plan.row is None
        ]
        for plan in action_items:
            by_outcome[plan.record.outcome_id].children.append(plan)
        self._plan_action_items_back(action_items)

    def meeting_ids(self):
        ids = {self.record.pk}
        # A row that belonged here then, and now belongs to another meeting, goes back from there.
        for plan in self.all_rows():
            if plan.action == CHANGE and plan.row.meeting_id != self.record.pk:
                ids.add(plan.row.meeting_id)
        return ids

    def _before_rows(self, plans):
        renumbered = [
            plan
            for plan in plans
            if plan.model is Outcome and plan.action == CHANGE and plan.changes_field("position")
        ]
        for index, plan in enumerate(renumbered):
            Outcome.objects.filter(pk=plan.pk).update(position=SPARE_POSITION - index)

    def _write(self, meeting, mark, user):
        super()._write(meeting, mark, user)
        for plan in self.links:
            if plan.field.name == "related_meetings":
                record_other_side(
                    meeting, plan.then - plan.now, plan.now - plan.then, moment=meeting._history_date
                )

    def _after_write(self, meeting):
        # Actions due "at the next meeting of this type" take this meeting's date, as after a save.
        ActionItem.objects.filter(due_at_next=meeting.meeting_type_id).date_by_next_meetings()
