"""Reverting a record to one of its versions, with its parts as that revision holds them.

What every revert does, as its confirmation page lists it before anything is written:

- the record's own fields and links take their values of then; publication and timestamps never
  go back (publishing has its own permission and actions);
- the parts a kind of record brings back (``part_models``): rows added since are removed, rows
  deleted since come back (with their old ids where free, with their own parts as they were),
  rows changed since take their old values;
- progress updates, an action's timeline, are never removed or edited: they come back with an
  action item that comes back, an action item that has some is never removed, and a status that
  goes back is recorded by a new progress update;
- what cannot come back (a row that would clash with a unique value held by a row kept, a value
  naming a record since deleted) is left as it is, and the page says why in words.

Everything is written in one transaction as one revision, "Reverted to the version of <date> by
<user>". The page carries a digest of the plan it showed; if the record changed in between, nothing
is written and the new plan is shown.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import revisions
from ..models import (
    ActionItem,
    ActionOwner,
    Attendance,
    Document,
    Meeting,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
)
from .snapshots import Names, RevisionTrees, Row, field_changes, shown_fields, tree_now

# Never restored by a revert: timestamps, and the publication time (publishing has its own rules).
UNRESTORED_FIELDS = {"created_at", "updated_at", "published_at"}

REMOVE, RESTORE, CHANGE, KEEP = "remove", "restore", "change", "keep"
PERMISSION_OF = {REMOVE: "delete", RESTORE: "add", CHANGE: "change"}
ACTION_WORDS = {
    REMOVE: gettext_lazy("removed (added since this version)"),
    RESTORE: gettext_lazy("brought back (deleted since this version)"),
    CHANGE: gettext_lazy("changed back"),
    KEEP: gettext_lazy("left as it is"),
}


class StaleRevert(Exception):
    """The record changed between the confirmation page and the revert."""


def when(moment) -> str:
    return date_format(localtime(moment), "DATETIME_FORMAT")


def restored_fields(model: type) -> list:
    return [f for f in shown_fields(model) if f.name not in UNRESTORED_FIELDS]


@dataclass
class RowPlan:
    """What the revert does to one row (remove, restore, change back, keep) and to the rows with it."""

    model: type
    pk: int
    label: str
    action: str
    then: Row | None = None
    changes: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def kind(self) -> str:
        return capfirst(self.model._meta.verbose_name)

    @property
    def action_words(self) -> str:
        return ACTION_WORDS[self.action]

    def changes_field(self, name) -> bool:
        """Whether the plan changes the field whose attname is ``name``."""
        return any(change.name == name for change in self.changes)

    def digest_lines(self):
        changes = ";".join(f"{c.field}={c.old}>{c.new}|{c.added}|{c.removed}" for c in self.changes)
        yield f"{self.model._meta.label}:{self.pk}:{self.action}:{changes}"
        for child in self.children:
            yield from child.digest_lines()

    def all_rows(self):
        yield self
        for child in self.children:
            yield from child.all_rows()


@dataclass
class Section:
    """The rows of one kind (attendance, outcomes, action items, owners, ...) a revert touches."""

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


class RecordRevert:
    """The plan of reverting ``record`` to its ``version`` (a reversion Version); ``apply()`` does it.

    ``part_models``: the parts that come back with the record (others are left as they are);
    ``changed_parts_bring``: for a part changed back, the parts of it that come back too (an
    outcome's action items bring their owners); ``rules``: what the kind leaves alone, in words.
    """

    model = None
    part_models = ()
    changed_parts_bring = {}
    parts_in_words = gettext_lazy("its parts")
    rules = ()

    def __init__(self, record, version):
        self.record = record
        self.version = version
        self.moment = version.revision.date_created
        trees = RevisionTrees(self.model, [version.revision_id])
        self.then = trees.tree(version.revision_id, record.pk)
        self.now = tree_now(record)
        self.names = Names()
        for row in [*self.then.values(), *self.now.values()]:
            self.names.want_row(row)
        self.names.load()
        root = (self.model, record.pk)
        self.root = self._plan_row(self.then[root], self.now[root], depth=0)
        self._plan_kind()
        self.sections = self._sections(self.root.children)

    @property
    def changes(self):
        return self.root.changes

    @property
    def notes(self):
        return self.root.notes

    # Planning -------------------------------------------------------------------------------------

    def _sections(self, plans):
        sections = []
        for model in self.part_models:
            rows = [plan for plan in plans if plan.model is model]
            sections.append(Section(capfirst(model._meta.verbose_name_plural), rows))
        return sections

    def _children(self, tree, key, model):
        row = tree.get(key)
        return [tree[child] for child in row.children if child[0] is model] if row else []

    def _plan_row(self, then: Row | None, now: Row | None, depth: int, brings=None) -> RowPlan:
        row = then or now
        if then is None:
            return RowPlan(row.model, row.pk, row.label, REMOVE)
        if now is None:
            plan = RowPlan(row.model, row.pk, then.label, RESTORE, then=then)
            self._check_targets(plan, then)
            for part_model in self._deep_parts(row.model):
                for child in self._children(self.then, then.key, part_model):
                    plan.children.append(self._plan_row(child, None, depth + 1))
            return plan
        fields = restored_fields(row.model)
        values = {f.attname: then.values[f.attname] for f in fields if f.attname in then.values}
        plan = RowPlan(row.model, row.pk, now.label, CHANGE, then=then)
        plan.changes = field_changes(row.model, now.values, {**now.values, **values}, self.names, fields)
        self._check_targets(plan, then)
        parts = self.part_models if depth == 0 else (brings or ())
        for part_model in parts:
            plan.children += self._plan_parts(part_model, then.key, depth + 1)
        if not plan.changes and not any(child.action != KEEP for child in plan.children):
            plan.action = KEEP
        return plan

    def _plan_parts(self, part_model, key, depth):
        then_rows = {row.key: row for row in self._children(self.then, key, part_model)}
        now_rows = {row.key: row for row in self._children(self.now, key, part_model)}
        plans = []
        for row_key in [*now_rows, *(k for k in then_rows if k not in now_rows)]:
            brings = self.changed_parts_bring.get(part_model)
            plan = self._plan_row(then_rows.get(row_key), now_rows.get(row_key), depth, brings)
            if plan.action != KEEP or plan.notes:
                plans.append(plan)
        return plans

    def _deep_parts(self, model):
        """The parts a row that comes back brings back with it: all it followed, progress included."""
        return [part for part, _key in revisions.parts_of(model)]

    def _check_targets(self, plan, then: Row):
        """Values naming records since deleted stay as they are (a restored row: it cannot come back)."""
        for model_field in restored_fields(plan.model):
            value = then.values.get(model_field.attname)
            if model_field.many_to_one and value is not None:
                target = model_field.related_model
                if not self.names.exists(target, value) and not self._restored(target, value):
                    if plan.action == RESTORE and not model_field.null:
                        self._not_back(plan, _("What it belonged to has since been deleted."))
                        return
                    plan.changes = [c for c in plan.changes if c.name != model_field.attname]
                    plan.notes.append(
                        _("%(field)s stays as it is: what it named then has since been deleted.")
                        % {"field": capfirst(model_field.verbose_name)}
                    )
            elif model_field.many_to_many and value:
                target = model_field.related_model
                gone = {pk for pk in value if not self.names.exists(target, pk)}
                if gone:
                    for change in plan.changes:
                        if change.name == model_field.attname:
                            removed = {self.names.of(target, pk) for pk in gone}
                            change.added = [name for name in change.added if name not in removed]
                    plan.changes = [c for c in plan.changes if not c.is_links or c.added or c.removed]

    def _restored(self, model, pk):
        return (model, pk) in self.then and (model, pk) not in self.now

    def _not_back(self, plan, note):
        plan.action = KEEP
        plan.changes = []
        plan.children = []
        plan.notes.append(note)

    def _plan_kind(self):
        """What this kind of record adds to the plan (checks and notes)."""
        removed = [
            plan.pk
            for plan in self.all_rows()
            if plan.model in (ActionItem, Outcome) and plan.action == REMOVE
        ]
        with_progress = set()
        if removed:
            updates = ProgressUpdate.objects.filter(
                Q(action_item_id__in=removed) | Q(action_item__outcome_id__in=removed)
            ).values_list("action_item_id", "action_item__outcome_id")
            for action_item_id, outcome_id in updates:
                with_progress |= {(ActionItem, action_item_id), (Outcome, outcome_id)}
        for plan in self.all_rows():
            if plan.model is ActionItem and plan.action == REMOVE and (ActionItem, plan.pk) in with_progress:
                self._not_back(
                    plan,
                    _(
                        "Added since, but it stays: it has progress updates, and a revert never removes "
                        "one. Delete it from its page if it should go."
                    ),
                )
            if plan.model is Outcome and plan.action == REMOVE and (Outcome, plan.pk) in with_progress:
                self._not_back(plan, _("Added since, but it stays: its action items have progress updates."))
            if plan.model is ActionItem and plan.action == CHANGE and plan.changes_field("status"):
                plan.notes.append(
                    _(
                        "Its status goes back: a new progress update records the change; the updates since "
                        "stay on its timeline."
                    )
                )
        self._check_constraints()

    def _check_constraints(self):
        """A row that would clash with a unique value held by a row that stays is left as it is.

        Each row coming back is checked as Django's model validation checks it, against the
        database as it would be once the rows this revert removes are gone: they are deleted in a
        savepoint that is rolled back, so nothing is written.
        """
        checked = [
            plan
            for plan in self.all_rows()
            if plan.action == RESTORE or plan.action == CHANGE and self._changes_unique_values(plan)
        ]
        if not checked:
            return
        with transaction.atomic():
            self._remove_rows()
            for plan in checked:
                instance = self._instance(plan)
                try:
                    instance.validate_unique()
                    instance.validate_constraints()
                except ValidationError as error:
                    why = " ".join(error.messages)
                    if plan.action == RESTORE:
                        self._not_back(plan, _("It does not come back: %(why)s") % {"why": why})
                    else:
                        clashes = self._clashing_fields(plan, error)
                        plan.changes = [c for c in plan.changes if c.name not in clashes]
                        plan.notes.append(_("It keeps its value: %(why)s") % {"why": why})
            transaction.set_rollback(True)

    def _remove_rows(self):
        """Delete the rows the plan removes, a kind at a time."""
        removed = {}
        for plan in self.all_rows():
            if plan.action == REMOVE:
                removed.setdefault(plan.model, []).append(plan.pk)
        for model, pks in removed.items():
            model._default_manager.filter(pk__in=pks).delete()

    @staticmethod
    def _changes_unique_values(plan):
        """Whether a row changed back takes a value that must be unique (its number, participant...)."""
        opts = plan.model._meta
        unique = {f.name for f in opts.concrete_fields if f.unique and not f.primary_key}
        for constraint in opts.constraints:
            unique |= set(getattr(constraint, "fields", ()) or ())
            for expression in getattr(constraint, "expressions", ()):
                unique |= {ref.name for ref in expression.flatten() if hasattr(ref, "name")}
        return any(plan.changes_field(opts.get_field(name).attname) for name in unique)

    @staticmethod
    def _clashing_fields(plan, error):
        """The attnames of the fields ``error`` names (all the changed ones, for a constraint)."""
        names = set()
        for name in getattr(error, "error_dict", {}):
            if name != "__all__":
                names.add(plan.model._meta.get_field(name).attname)
        if not names:
            # A constraint over several fields: the changed ones among them go back no further.
            names = {change.name for change in plan.changes if not change.is_links}
        return names

    def all_rows(self):
        yield from self.root.all_rows()

    def _instance(self, plan, keep=()):
        """The row as the revert would write it (not saved); the fields ``keep`` (attnames) as now."""
        model = plan.model
        instance = model._default_manager.filter(pk=plan.pk).first() if plan.action == CHANGE else None
        if instance is None:
            instance = model(pk=plan.pk)
        if plan.action == RESTORE:
            for model_field in restored_fields(model):
                if not model_field.many_to_many and model_field.attname in plan.then.values:
                    setattr(instance, model_field.attname, plan.then.values[model_field.attname])
        else:
            changed = {change.name for change in plan.changes} - set(keep)
            for model_field in restored_fields(model):
                if not model_field.many_to_many and model_field.attname in changed:
                    setattr(instance, model_field.attname, plan.then.values.get(model_field.attname))
        return instance

    # What the page shows --------------------------------------------------------------------------

    @property
    def has_changes(self) -> bool:
        return any(plan.action != KEEP for plan in self.all_rows())

    def reason(self, user) -> str:
        return _("Reverted to the version of %(date)s by %(user)s") % {
            "date": when(self.moment),
            "user": user,
        }

    def digest(self) -> str:
        lines = "\n".join(self.root.digest_lines())
        return hashlib.sha256(lines.encode()).hexdigest()

    def needed_permissions(self) -> set:
        return {
            f"{plan.model._meta.app_label}.{PERMISSION_OF[plan.action]}_{plan.model._meta.model_name}"
            for plan in self.all_rows()
            if plan.action in PERMISSION_OF and plan is not self.root
        }

    def as_it_was(self):
        """The record with its own values of then (not saved): a revert writes it as this."""
        instance = self.model._default_manager.get(pk=self.record.pk)
        for model_field in restored_fields(self.model):
            if not model_field.many_to_many and model_field.attname in self.root.then.values:
                setattr(instance, model_field.attname, self.root.then.values[model_field.attname])
        return instance

    # Writing --------------------------------------------------------------------------------------

    def apply(self, user, digest):
        """Write the plan in one transaction as one revision; StaleRevert if the record changed."""
        reason = self.reason(user)
        with transaction.atomic():
            record = type(self.record)._default_manager.select_for_update().get(pk=self.record.pk)
            if type(self)(record, self.version).digest() != digest:
                raise StaleRevert
            with revisions.revision(user, reason):
                # Removals first: a row coming back may take the number or name a removed row held.
                self._remove_rows()
                self._write(self.root, reason, user)
                self._after_write()
                revisions.add(type(record)._default_manager.get(pk=record.pk))

    def _after_write(self):
        """What a revert of this kind does after writing, in the same transaction."""

    def _write(self, plan, reason, user, parent_pk=None):
        if plan.action == RESTORE:
            instance = self._instance(plan)
            if parent_pk is not None:
                setattr(instance, revisions.PARENTS[plan.model] + "_id", parent_pk)
            if plan.model._default_manager.filter(pk=plan.pk).exists():
                instance.pk = None  # its old id is taken: it comes back with a new one
            instance.save(force_insert=True)
            self._set_links(instance, plan.then.values, restore=True)
            for child in plan.children:
                self._write(child, reason, user, parent_pk=instance.pk)
        elif plan.action == CHANGE:
            # A status that goes back does so through the timeline (change_status), not the save.
            goes_back = plan.model is ActionItem and plan.changes_field("status")
            instance = self._instance(plan, keep=("status",) if goes_back else ())
            if plan.changes:
                instance.save()
                self._set_links(instance, plan.then.values, changed={c.name for c in plan.changes})
            if goes_back:
                instance.change_status(
                    plan.then.values["status"], by=user, note=reason, date=timezone.localdate()
                )
            for child in plan.children:
                self._write(child, reason, user, parent_pk=plan.pk)

    def _set_links(self, instance, values, restore=False, changed=()):
        for model_field in type(instance)._meta.many_to_many:
            if not restore and model_field.attname not in changed:
                continue
            wanted = {pk for pk in values.get(model_field.attname, ()) if self._present(model_field, pk)}
            getattr(instance, model_field.name).set(wanted)

    def _present(self, model_field, pk):
        return self.names.exists(model_field.related_model, pk) or self._restored(
            model_field.related_model, pk
        )


class MeetingRevert(RecordRevert):
    """A meeting with its attendance, outcomes and documents; outcomes that stay keep their actions."""

    model = Meeting
    part_models = (Attendance, Outcome, Document)
    parts_in_words = gettext_lazy("its attendance, outcomes and documents")
    rules = (
        gettext_lazy("Publication: the meeting stays published, scheduled or a draft as it is now."),
        gettext_lazy(
            "Action items of outcomes that stay: their status and progress since are kept. An outcome "
            "that comes back brings back its action items as they were, with their owners and progress "
            "updates; an outcome added since stays if its action items have progress updates."
        ),
        gettext_lazy("Old addresses: they keep redirecting here."),
    )

    def _after_write(self):
        # Actions due "at the next meeting of this type" are dated again, as after a save: by the
        # meeting as it is now, and where it gave them its date as it was (``self.record``).
        after = Meeting.objects.get(pk=self.record.pk)
        types = {self.record.meeting_type_id, after.meeting_type_id}
        ActionItem.objects.filter(due_at_next__in=types).date_by_next_meetings(previously=[self.record])


class OutcomeRevert(RecordRevert):
    """An outcome with its action items and their owners as they were."""

    model = Outcome
    part_models = (ActionItem,)
    changed_parts_bring = {ActionItem: (ActionOwner,)}
    parts_in_words = gettext_lazy("its action items and their owners")
    rules = (
        gettext_lazy(
            "Progress updates: a revert never removes or changes one. An action item that comes back "
            "brings back its own; an action item whose status goes back gets a new update saying so; "
            "an action item added since that has progress updates stays."
        ),
        gettext_lazy("The meeting's other outcomes, attendance and documents are left as they are."),
    )


class ActionItemRevert(RecordRevert):
    """An action item with its owners; its progress updates are its timeline, never reverted."""

    model = ActionItem
    part_models = (ActionOwner,)
    parts_in_words = gettext_lazy("its owners")
    rules = (
        gettext_lazy(
            "Progress updates: a revert never removes or changes one. If the status goes back, a new "
            "update records the change, naming you."
        ),
        gettext_lazy("Its outcome and meeting are left as they are."),
    )


class ParticipantRevert(RecordRevert):
    """A participant with its other names; memberships are a record over time, left as they are."""

    model = Participant
    part_models = (ParticipantAlias,)
    parts_in_words = gettext_lazy("its other names")
    rules = (
        gettext_lazy("Memberships: left as they are; change them on the participant's page."),
        gettext_lazy("Meetings, attendance and actions that name this participant are left as they are."),
    )


class RowRevert(RecordRevert):
    """Any other record: its own fields and links alone."""

    parts_in_words = gettext_lazy("its links")

    @classmethod
    def of(cls, model):
        return type(f"{model.__name__}Revert", (cls,), {"model": model})
