"""Reverting a meeting to one of its versions, with the rows of its record as they were then.

The moment of a version is the time of its history entry; a save of the meeting's page writes the
meeting and its inlines at one moment (``history.history_moment``), so the version includes what
that save did to its attendance, outcomes and documents.

What a revert does, as the confirmation page lists it before anything is written:

- the meeting's own fields and links (themes, related meetings) take their values of then;
- attendance, outcomes and documents added since are removed; those deleted since come back, with
  their old ids where free; those changed since take their old values (and, for outcomes, links);
- an outcome that comes back brings back its action items as they were then, with their owners and
  progress updates where their history kept them; an outcome removed takes its action items with
  it; the action items of an outcome kept are left as they are now: their progress since is the
  tracker's, not the meeting record's;
- publication is left as it is (publishing has its own permission and actions), and so are old
  addresses (they only ever grow);
- what history did not keep (a row from before its history began, a value pointing to a record
  since deleted) is left as it is, and named.

Everything is written in one transaction, each row with the user, one moment and the reason
"Reverted to the version of <date> by <user>". The page carries a digest of the plan it showed; if
the record changed in between, nothing is written and the new plan is shown.
"""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ActionItem, ActionOwner, Attendance, Document, Meeting, Outcome, ProgressUpdate
from .history import record_other_side, short_reason
from .history_records import (
    keeps_links,
    kept_since,
    link_fields,
    linked_ids,
    records_by_row,
    snapshot_links,
    state_at,
)
from .timeline import FieldChange, describe, display_value, related_value

# Never restored by a revert: timestamps, and the publication time (publishing has its own rules).
UNRESTORED_FIELDS = {"created_at", "updated_at", "published_at"}
# Outcomes being renumbered move here first, so that two cannot hold one number mid-revert.
SPARE_POSITION = 32767

REMOVE, RESTORE, CHANGE, KEEP = "remove", "restore", "change", "keep"
PERMISSION_OF = {REMOVE: "delete", RESTORE: "add", CHANGE: "change"}


class StaleRevert(Exception):
    """The record changed between the confirmation page and the revert."""


def when(moment):
    return date_format(localtime(moment), "DATETIME_FORMAT")


def restorable_fields(model):
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if not model_field.primary_key and model_field.name not in UNRESTORED_FIELDS
    ]


def selected(model):
    return [f.name for f in model._meta.concrete_fields if f.many_to_one]


@dataclass
class LinkPlan:
    """A link field whose links go back to ``then`` (ids), from ``now``."""

    field: object
    now: set
    then: set
    names: dict

    @property
    def change(self):
        def names(ids):
            return sorted(self.names.get(pk, f"#{pk}") for pk in ids)

        return FieldChange(
            capfirst(self.field.verbose_name),
            added=names(self.then - self.now),
            removed=names(self.now - self.then),
        )


@dataclass
class RowPlan:
    """What the revert does to one row: remove, restore, change (back) or keep (and why)."""

    model: type
    action: str
    pk: int
    label: str
    row: object = None
    record: object = None
    changes: list = field(default_factory=list)
    fields: list = field(default_factory=list)
    links: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    children: list = field(default_factory=list)
    records: list = field(default_factory=list)
    removes_action_items: bool = False

    @property
    def kind(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def digest_line(self):
        changes = ";".join(f"{c.field}={c.old}>{c.new}" for c in self.changes)
        links = ";".join(f"{plan.field.name}={sorted(plan.then)}" for plan in self.links)
        return f"{self.model._meta.label}:{self.pk}:{self.action}:{changes}:{links}"


@dataclass
class Section:
    """The rows of one kind (attendance, outcomes, documents) a revert touches."""

    title: str
    rows: list

    def of(self, action):
        return [row for row in self.rows if row.action == action]

    @property
    def removed(self):
        return self.of(REMOVE)

    @property
    def restored(self):
        return self.of(RESTORE)

    @property
    def changed(self):
        return self.of(CHANGE)

    @property
    def kept(self):
        return self.of(KEEP)


class MeetingRevert:
    """The plan of reverting ``meeting`` to its historical ``version``; ``apply()`` carries it out."""

    parts = [
        (Attendance, gettext_lazy("Attendance")),
        (Document, gettext_lazy("Documents")),
        (Outcome, gettext_lazy("Outcomes")),
    ]

    def __init__(self, meeting, version):
        self.meeting = meeting
        self.version = version
        self.moment = version.history_date
        self.notes = []
        # (model, pk) of the rows this revert brings back, which others may point to.
        self._restoring = set()
        self.sections = []
        self._plan()

    # Planning -------------------------------------------------------------------------------------

    def _plan(self):
        self.fields, self.changes = self._own_changes()
        if keeps_links(self.version):
            self.links = self._link_plans(Meeting, self.meeting.pk, self.version, current=self.meeting)
        else:
            self.links = []
            self.notes.append(
                _("Themes and related meetings were not kept at that time: they stay as they are.")
            )
        planned = {}
        for model, _title in self.parts:
            # In this order: outcomes may link to documents that come back.
            planned[model] = self._plan_rows(model, "meeting", self.meeting.pk)
        self._check_attendance(planned[Attendance])
        self._check_outcome_numbers(planned[Outcome])
        for plan in planned[Outcome]:
            if plan.action == REMOVE:
                titles = [action_item.title for action_item in plan.row.action_items.all()]
                if titles:
                    plan.removes_action_items = True
                    plan.notes.append(
                        _("Its action items go with it: %(titles)s.") % {"titles": "; ".join(titles)}
                    )
            elif plan.action == RESTORE:
                plan.children = self._plan_action_items(plan)
        for plan in planned[Outcome]:
            if plan.action in (RESTORE, CHANGE):
                self._plan_links(Outcome, plan)
        for plans in planned.values():
            for plan in plans:
                if plan.action == CHANGE and not plan.changes and not plan.links:
                    plan.action = KEEP if plan.notes else None
        self.sections = [
            Section(title, [plan for plan in planned[model] if plan.action]) for model, title in self.parts
        ]

    def _own_changes(self):
        meeting, version = self.meeting, self.version
        fields, changes = [], []
        for model_field in restorable_fields(Meeting):
            now, then = getattr(meeting, model_field.attname), getattr(version, model_field.attname)
            if now == then:
                continue
            label = capfirst(model_field.verbose_name)
            if model_field.many_to_one and not self._present(model_field, version):
                self.notes.append(
                    _("%(field)s stays as it is: what it named then has since been deleted.")
                    % {"field": label}
                )
                continue
            if (
                model_field.name == "slug"
                and Meeting.objects.filter(slug=then).exclude(pk=meeting.pk).exists()
            ):
                self.notes.append(
                    _("The slug stays “%(now)s”: another meeting now has “%(then)s”.")
                    % {"now": now, "then": then}
                )
                continue
            fields.append(model_field)
            changes.append(self._change(model_field, meeting, version))
        return fields, changes

    @staticmethod
    def _change(model_field, row, record):
        if model_field.many_to_one:
            now, then = related_value(row, model_field), related_value(record, model_field)
        else:
            now, then = getattr(row, model_field.attname), getattr(record, model_field.attname)
        return FieldChange(
            capfirst(model_field.verbose_name),
            display_value(model_field, now),
            display_value(model_field, then),
        )

    def _present(self, model_field, record):
        """Whether the row a record's foreign key names exists now, or comes back with this revert."""
        target_id = getattr(record, model_field.attname)
        if target_id is None or record._state.fields_cache.get(model_field.name) is not None:
            return True
        return (model_field.related_model, target_id) in self._restoring

    def _plan_links(self, model, plan):
        if not keeps_links(plan.record):
            plan.notes.append(_("Its links were not kept at that time: they stay as they are."))
            return
        plan.links = self._link_plans(model, plan.pk, plan.record, current=plan.row)

    def _link_plans(self, model, pk, record, current=None):
        """The link fields of row ``pk`` whose links now differ from those ``record`` kept."""
        plans = []
        for link_field in link_fields(model):
            target = link_field.related_model
            then = linked_ids([record], link_field, model)[record.history_id]
            now = (
                set()
                if current is None
                else set(getattr(current, link_field.name).values_list("pk", flat=True))
            )
            # Links to what has since been deleted are dropped, unless it comes back with this revert.
            present = set(target.objects.filter(pk__in=then).values_list("pk", flat=True))
            present |= {restored for kind, restored in self._restoring if kind is target and restored in then}
            if target is model:
                present.discard(pk)
            if present == now:
                continue
            names = {other.pk: str(other) for other in target.objects.filter(pk__in=now | present)}
            for restored in present - set(names):
                names[restored] = _("%(kind)s #%(id)s, which comes back") % {
                    "kind": capfirst(target._meta.verbose_name),
                    "id": restored,
                }
            plans.append(LinkPlan(link_field, now, present, names))
        return plans

    def _plan_rows(self, model, fk_name, parent_pk):
        """Plans for the rows of ``model`` whose ``fk_name`` is ``parent_pk`` now or at the moment."""
        fk_attname = f"{fk_name}_id"
        relations = selected(model)
        now_rows = {
            row.pk: row for row in model.objects.filter(**{fk_attname: parent_pk}).select_related(*relations)
        }
        ids = set(now_rows) | set(
            model.history.filter(**{fk_attname: parent_pk}).order_by().values_list("id", flat=True).distinct()
        )
        by_row = records_by_row(model, ids, select_related=relations)
        elsewhere = {
            row.pk: row for row in model.objects.filter(pk__in=ids - set(now_rows)).select_related(*relations)
        }
        since = kept_since(model)
        plans = []
        for pk in sorted(ids):
            state = state_at(by_row[pk], self.moment, since)
            row = now_rows.get(pk) or elsewhere.get(pk)
            here_now = pk in now_rows
            if not state.known:
                if here_now:
                    note = _("What it was then is not kept: its history began later.")
                    plans.append(RowPlan(model, KEEP, pk, str(row), row=row, notes=[note]))
                continue
            if state.record is None:
                # Absent then, or never changed since before its history began (so as it is now).
                if here_now and not state.unchanged:
                    plans.append(RowPlan(model, REMOVE, pk, str(row), row=row))
                continue
            if getattr(state.record, fk_attname) != parent_pk:
                if here_now:
                    plans.append(RowPlan(model, REMOVE, pk, str(row), row=row))
                continue
            plan = self._plan_back(model, pk, row, state.record)
            plan.records = by_row[pk]
            plans.append(plan)
            if plan.action == RESTORE:
                self._restoring.add((model, pk))
        return plans

    def _plan_back(self, model, pk, row, record):
        label = describe(record)
        if row is None:
            plan = RowPlan(model, RESTORE, pk, label, record=record)
            for model_field in restorable_fields(model):
                if not model_field.many_to_one or self._present(model_field, record):
                    continue
                if not model_field.null:
                    plan.action = KEEP
                    plan.notes = [
                        _("It does not come back: its %(field)s has since been deleted.")
                        % {"field": model_field.verbose_name}
                    ]
                    return plan
                plan.notes.append(
                    _("It comes back without its %(field)s, since deleted.")
                    % {"field": model_field.verbose_name}
                )
            return plan
        plan = RowPlan(model, CHANGE, pk, label, row=row, record=record)
        for model_field in restorable_fields(model):
            if getattr(row, model_field.attname) == getattr(record, model_field.attname):
                continue
            if model_field.many_to_one and not self._present(model_field, record):
                plan.notes.append(
                    _("Its %(field)s stays as it is: what it named then has since been deleted.")
                    % {"field": model_field.verbose_name}
                )
                continue
            plan.fields.append(model_field)
            plan.changes.append(self._change(model_field, row, record))
        return plan

    def _not_back(self, plan, note):
        if plan.action == RESTORE:
            self._restoring.discard((plan.model, plan.pk))
        plan.action = KEEP
        plan.fields, plan.changes = [], []
        plan.notes = [note]

    def _check_attendance(self, plans):
        """A participant attends once: a row kept as it is wins over one that would come back."""
        kept = {plan.row.participant_id for plan in plans if plan.action == KEEP and plan.row is not None}
        for plan in plans:
            if plan.action in (RESTORE, CHANGE) and plan.record.participant_id in kept:
                self._not_back(plan, _("Its participant is listed by a row kept as it is."))

    def _check_outcome_numbers(self, plans):
        """An outcome's number is unique in its meeting: one kept as it is keeps its number."""
        kept = {plan.row.position for plan in plans if plan.action == KEEP and plan.row is not None}
        for plan in plans:
            if plan.action not in (RESTORE, CHANGE) or plan.record.position not in kept:
                continue
            if plan.action == RESTORE:
                note = _("It does not come back: its number %(number)s is held by an outcome kept as it is.")
                self._not_back(plan, note % {"number": plan.record.position})
            elif "position" in [f.name for f in plan.fields]:
                index = [f.name for f in plan.fields].index("position")
                del plan.fields[index], plan.changes[index]
                plan.notes.append(_("Its number stays: an outcome kept as it is holds the old one."))

    def _plan_action_items(self, outcome_plan):
        """The action items of an outcome that comes back, as they were, with owners and updates."""
        plans = [
            plan
            for plan in self._plan_rows(ActionItem, "outcome", outcome_plan.pk)
            if plan.action in (RESTORE, KEEP) and plan.row is None
        ]
        parts_since = kept_since(ActionOwner)
        for plan in plans:
            if plan.action != RESTORE:
                continue
            for model in (ActionOwner, ProgressUpdate):
                plan.children += [
                    child
                    for child in self._plan_rows(model, "action_item", plan.pk)
                    if child.action == RESTORE or (child.action == KEEP and child.row is None)
                ]
            self._plan_links(ActionItem, plan)
            deleted = next(
                (
                    r.history_date
                    for r in plan.records
                    if r.history_type == "-" and r.history_date > self.moment
                ),
                None,
            )
            if parts_since is not None and deleted is not None and deleted < parts_since:
                plan.notes.append(
                    _(
                        "Its owners and progress updates were deleted before their history began: "
                        "they do not come back."
                    )
                )
        return plans

    # Describing -----------------------------------------------------------------------------------

    @property
    def has_changes(self):
        return bool(
            self.changes
            or self.links
            or any(
                row.action in (REMOVE, RESTORE, CHANGE) for section in self.sections for row in section.rows
            )
        )

    def digest(self):
        """A digest of everything the plan would write, so that a stale confirmation is refused."""
        lines = [f"{c.field}={c.old}>{c.new}" for c in self.changes]
        lines += [f"{plan.field.name}={sorted(plan.then)}" for plan in self.links]
        for section in self.sections:
            for row in section.rows:
                lines.append(row.digest_line)
                lines += [child.digest_line for child in row.children]
                lines += [grandchild.digest_line for child in row.children for grandchild in child.children]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def needed_permissions(self):
        """The permissions, as ``app_label.codename``, that writing this plan takes."""
        needed = {"meetings.change_meeting"}

        def add(row_plan):
            if row_plan.action in PERMISSION_OF:
                needed.add(f"meetings.{PERMISSION_OF[row_plan.action]}_{row_plan.model._meta.model_name}")
            for child in row_plan.children:
                add(child)

        for section in self.sections:
            for row_plan in section.rows:
                add(row_plan)
                if row_plan.removes_action_items:
                    needed.add("meetings.delete_actionitem")
        return sorted(needed)

    def reason(self, user):
        return short_reason(
            _("Reverted to the version of %(date)s by %(user)s") % {"date": when(self.moment), "user": user}
        )

    # Writing --------------------------------------------------------------------------------------

    def apply(self, user, digest):
        """Write the plan in one transaction, if the record is still as it was when planned."""
        now = timezone.now()
        reason = self.reason(user)

        def mark(instance):
            instance._history_user = user
            instance._history_date = now
            instance._change_reason = reason
            return instance

        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(of=("self",))
                .select_related(*selected(Meeting))
                .get(pk=self.meeting.pk)
            )
            fresh = MeetingRevert(meeting, self.version)
            if fresh.digest() != digest:
                raise StaleRevert
            fresh._write(meeting, mark)
        ActionItem.objects.filter(due_at_next=meeting.meeting_type_id).date_by_next_meetings()
        return meeting

    def _write(self, meeting, mark):
        plans = [row for section in self.sections for row in section.rows]
        for plan in plans:
            if plan.action == REMOVE:
                if plan.model is Outcome:
                    for action_item in plan.row.action_items.all():
                        mark(action_item).delete()
                mark(plan.row).delete()
        renumbered = [
            plan
            for plan in plans
            if plan.model is Outcome
            and plan.action == CHANGE
            and any(f.name == "position" for f in plan.fields)
        ]
        for index, plan in enumerate(renumbered):
            Outcome.objects.filter(pk=plan.pk).update(position=SPARE_POSITION - index)
        for model, _title in self.parts:
            for plan in plans:
                if plan.model is model:
                    self._write_row(plan, mark, {"meeting_id": meeting.pk})
        for model_field in self.fields:
            setattr(meeting, model_field.attname, getattr(self.version, model_field.attname))
        self._write_links(meeting, self.links)
        mark(meeting).save()
        for plan in self.links:
            if plan.field.name == "related_meetings":
                record_other_side(
                    meeting, plan.then - plan.now, plan.now - plan.then, moment=meeting._history_date
                )

    def _write_row(self, plan, mark, parent):
        if plan.action == CHANGE:
            row = plan.row
            for model_field in plan.fields:
                setattr(row, model_field.attname, getattr(plan.record, model_field.attname))
            if plan.model is Outcome or plan.model is ActionItem:
                self._write_links(row, plan.links)
            mark(row).save()
        elif plan.action == RESTORE:
            row = self._restore(plan, mark, parent)
            if plan.links:
                self._write_links(row, plan.links)
                snapshot_links(row.history.first(), row, [link.field for link in plan.links])
            for child in plan.children:
                child_parent = {f"{self._parent_field(child.model)}_id": row.pk}
                self._write_row(child, mark, child_parent)

    @staticmethod
    def _parent_field(model):
        return {ActionItem: "outcome", ActionOwner: "action_item", ProgressUpdate: "action_item"}[model]

    def _restore(self, plan, mark, parent):
        model, record = plan.model, plan.record
        values = {}
        for model_field in restorable_fields(model):
            value = getattr(record, model_field.attname)
            if model_field.many_to_one and not self._present(model_field, record):
                value = None
            values[model_field.attname] = value
        values.update(parent)
        row = model(**values)
        if not model.objects.filter(pk=plan.pk).exists():
            row.pk = plan.pk
        mark(row).save(force_insert=True)
        if hasattr(record, "created_at") and record.created_at:
            # Kept as it was: a progress update's place on its timeline reads from it.
            model.objects.filter(pk=row.pk).update(created_at=record.created_at)
        return row

    @staticmethod
    def _write_links(row, link_plans):
        if not link_plans:
            return
        row.skip_history_when_saving = True
        try:
            for plan in link_plans:
                getattr(row, plan.field.name).set(plan.then)
        finally:
            del row.skip_history_when_saving
