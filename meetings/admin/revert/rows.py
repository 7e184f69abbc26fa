"""``RecordRevert``: a record and the rows of its parts planned back from their history, then written.

A kind of record (``meetings``, ``outcomes``, ``action_items``, ``participants``) says which rows
come back with it; this module works out, for any kind of row, whether it is removed (added since),
restored (deleted since, with its old id where free), changed back or kept (and why), with its links,
and writes the plan in one transaction.

Planning costs the same number of queries however many rows and history entries there are: rows are
planned a kind at a time for every parent at once, and links a field at a time for every row at once.
"""

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ...models import ActionItem, ActionOwner, Outcome, ProgressUpdate
from ..history import short_reason
from ..history_records import (
    keeps_links,
    kept_since,
    link_fields,
    linked_ids,
    records_by_row,
    snapshot_links,
    state_at,
)
from ..timeline import FieldChange, describe, display_value, related_value
from .plans import (
    CHANGE,
    KEEP,
    PERMISSION_OF,
    REMOVE,
    RESTORE,
    LinkPlan,
    RowPlan,
    StaleRevert,
    restorable_fields,
    selected,
    when,
    with_targets,
)


def current_links(link_field, pks):
    """{row id: set of ids linked now} through ``link_field`` for the rows ``pks``, in one query."""
    linked = {pk: set() for pk in pks}
    if not pks:
        return linked
    through = link_field.remote_field.through
    source = through._meta.get_field(link_field.m2m_field_name()).attname
    target = through._meta.get_field(link_field.m2m_reverse_field_name()).attname
    for source_id, target_id in through.objects.filter(**{f"{source}__in": pks}).values_list(source, target):
        linked[source_id].add(target_id)
    return linked


class RecordRevert:
    """The plan of reverting ``record`` (a row of ``model``) to its historical ``version``.

    ``apply()`` carries it out. Subclasses plan their parts in ``_plan_parts`` (a list of
    ``Section``) and may add what a revert of their kind does after writing (``_after_write``).
    """

    model = None
    # What a revert of this kind leaves alone, in words, for the confirmation page.
    rules = []
    links_not_kept = _("Its links were not kept at that time: they stay as they are.")

    def __init__(self, record, version):
        self.record = record
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
        self.links = []
        if link_fields(self.model):
            if keeps_links(self.version):
                rows = [(self.record.pk, self.version, self.record)]
                self.links = self._link_plans(self.model, rows)[self.record.pk]
            else:
                self.notes.append(str(self.links_not_kept))
        self.sections = self._plan_parts()

    def _plan_parts(self):
        return []

    def _own_changes(self):
        record, version = self.record, self.version
        fields, changes = [], []
        for model_field in restorable_fields(self.model):
            now, then = getattr(record, model_field.attname), getattr(version, model_field.attname)
            if now == then:
                continue
            if model_field.many_to_one and not self._present(model_field, version):
                self.notes.append(
                    _("%(field)s stays as it is: what it named then has since been deleted.")
                    % {"field": capfirst(model_field.verbose_name)}
                )
                continue
            if (
                model_field.unique
                and self.model._default_manager.filter(**{model_field.attname: then})
                .exclude(pk=record.pk)
                .exists()
            ):
                self.notes.append(
                    _("The %(field)s stays “%(now)s”: another %(kind)s now has “%(then)s”.")
                    % {
                        "field": model_field.verbose_name,
                        "now": now,
                        "then": then,
                        "kind": self.model._meta.verbose_name,
                    }
                )
                continue
            fields.append(model_field)
            changes.append(self._change(model_field, record, version))
        return fields, changes

    def changes_field(self, name):
        return any(model_field.name == name for model_field in self.fields)

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

    def _plan_links(self, model, plans):
        """The links of the rows ``plans`` restore or change back, as their records kept them."""
        kept = []
        for plan in plans:
            if keeps_links(plan.record):
                kept.append(plan)
            else:
                plan.notes.append(str(self.links_not_kept))
        links = self._link_plans(model, [(plan.pk, plan.record, plan.row) for plan in kept])
        for plan in kept:
            plan.links = links[plan.pk]

    def _link_plans(self, model, rows):
        """{row id: [LinkPlan]} for ``rows`` of ``model``, each as (id, historical record, row now or
        None): the link fields whose links now differ from those the record kept.

        Three queries per link field, however many rows: the links then, the links now, and the
        names of what they link to.
        """
        plans = {pk: [] for pk, _record, _row in rows}
        if not rows:
            return plans
        records = [record for _pk, record, _row in rows]
        for link_field in link_fields(model):
            target = link_field.related_model
            then_by_record = linked_ids(records, link_field, model)
            now_by_row = current_links(link_field, [pk for pk, _record, row in rows if row is not None])
            wanted = set().union(*then_by_record.values())
            # Links to what has since been deleted are dropped, unless it comes back with this revert.
            present = {kind_pk for kind, kind_pk in self._restoring if kind is target and kind_pk in wanted}
            if wanted - present:
                present |= set(
                    target._default_manager.filter(pk__in=wanted - present)
                    .order_by()
                    .values_list("pk", flat=True)
                )
            differing = {}
            for pk, record, _row in rows:
                then = then_by_record[record.history_id] & present
                if target is model:
                    then.discard(pk)
                now = now_by_row.get(pk, set())
                if then != now:
                    differing[pk] = (now, then)
            if not differing:
                continue
            shown = set().union(*(now | then for now, then in differing.values()))
            names = {other.pk: str(other) for other in target._default_manager.filter(pk__in=shown)}
            for restored in shown - set(names):
                names[restored] = _("%(kind)s #%(id)s, which comes back") % {
                    "kind": capfirst(target._meta.verbose_name),
                    "id": restored,
                }
            for pk, (now, then) in differing.items():
                plans[pk].append(LinkPlan(link_field, now, then, names))
        return plans

    def _plan_rows(self, model, fk_name, parent_ids):
        """Plans for the rows of ``model`` whose ``fk_name`` is one of ``parent_ids`` now or at the moment."""
        parent_ids = set(parent_ids)
        if not parent_ids:
            return []
        fk_attname = f"{fk_name}_id"
        relations = selected(model)
        of_parents = {f"{fk_attname}__in": sorted(parent_ids)}
        now_rows = {row.pk: row for row in model.objects.filter(**of_parents).select_related(*relations)}
        ids = set(now_rows) | set(
            model.history.filter(**of_parents).order_by().values_list("id", flat=True).distinct()
        )
        by_row = records_by_row(model, ids, select_related=relations)
        gone = ids - set(now_rows)
        elsewhere = (
            {row.pk: row for row in model.objects.filter(pk__in=gone).select_related(*relations)}
            if gone
            else {}
        )
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
            if getattr(state.record, fk_attname) not in parent_ids:
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

    def _check_once(self, plans, attname, note):
        """One row per ``attname`` value (a participant attends or owns once): a row kept as it is
        wins over one that would come back to that value."""
        kept = {getattr(plan.row, attname) for plan in plans if plan.action == KEEP and plan.row is not None}
        for plan in plans:
            if plan.action in (RESTORE, CHANGE) and getattr(plan.record, attname) in kept:
                self._not_back(plan, note)

    @staticmethod
    def _settle(plans):
        """Rows changed back with nothing to change are left out, or kept where a note says why."""
        for plan in plans:
            changing_children = any(child.action != KEEP for child in plan.children)
            if plan.action == CHANGE and not plan.changes and not plan.links and not changing_children:
                plan.action = KEEP if plan.notes or plan.children else None
        return [plan for plan in plans if plan.action]

    def _plan_action_items_back(self, plans):
        """The owners, progress updates and links of action items that come back, as they were."""
        restored = [plan for plan in plans if plan.action == RESTORE]
        ids = [plan.pk for plan in restored]
        children = {pk: [] for pk in ids}
        for model in (ActionOwner, ProgressUpdate):
            for child in self._plan_rows(model, "action_item", ids):
                if child.action == RESTORE or (child.action == KEEP and child.row is None):
                    children[child.record.action_item_id].append(child)
        parts_since = kept_since(ActionOwner)
        for plan in restored:
            plan.children += children[plan.pk]
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
        self._plan_links(ActionItem, restored)

    def _plan_owners(self, plans):
        """The owners of action items that stay, back as they were (lead or support)."""
        changed = {plan.pk: plan for plan in plans if plan.action == CHANGE}
        owners = self._plan_rows(ActionOwner, "action_item", changed)
        self._check_once(
            owners, "participant_id", _("Its participant owns the action by a row kept as it is.")
        )
        for owner in owners:
            # Where it goes back to, or where it is now if it goes or stays.
            going_back = owner.action in (RESTORE, CHANGE)
            parent_id = (owner.record if going_back else owner.row).action_item_id
            if parent_id in changed:
                changed[parent_id].children.append(owner)
        for plan in changed.values():
            plan.children = self._settle(plan.children)

    # Describing -----------------------------------------------------------------------------------

    @property
    def has_changes(self):
        return bool(
            self.changes
            or self.links
            or any(action in (REMOVE, RESTORE, CHANGE) for action in self._row_actions(self.all_rows()))
        )

    @classmethod
    def _row_actions(cls, plans):
        for plan in plans:
            yield plan.action
            yield from cls._row_actions(plan.children)

    def all_rows(self):
        return [row for section in self.sections for row in section.rows]

    def digest(self):
        """A digest of everything the plan would write, so that a stale confirmation is refused."""
        lines = [f"{c.field}={c.old}>{c.new}" for c in self.changes]
        lines += [plan.digest_line for plan in self.links]
        for row in self.all_rows():
            lines += list(row.digest_lines())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def needed_permissions(self):
        """The permissions, as ``app_label.codename``, that writing this plan takes."""
        needed = {f"meetings.change_{self.model._meta.model_name}"}

        def add(row_plan):
            if row_plan.action in PERMISSION_OF:
                needed.add(f"meetings.{PERMISSION_OF[row_plan.action]}_{row_plan.model._meta.model_name}")
            if row_plan.removes_action_items:
                needed.add("meetings.delete_actionitem")
            if (
                row_plan.model is ActionItem
                and row_plan.action == CHANGE
                and row_plan.changes_field("status")
            ):
                needed.add("meetings.add_progressupdate")
            for child in row_plan.children:
                add(child)

        for row_plan in self.all_rows():
            add(row_plan)
        if self.model is ActionItem and self.changes_field("status"):
            needed.add("meetings.add_progressupdate")
        return sorted(needed)

    def meeting_ids(self):
        """The meetings whose record this revert changes (a publisher's alone, once public)."""
        return set()

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
            locked = self.model.objects.select_for_update(of=("self",))
            record = with_targets(locked, self.model).get(pk=self.record.pk)
            fresh = type(self)(record, self.version)
            if fresh.digest() != digest:
                raise StaleRevert
            fresh._write(record, mark, user)
        fresh._after_write(record)
        return record

    def _write(self, record, mark, user):
        plans = self.all_rows()
        # Removals first: a row that comes back may take the place (a participant, a number) of one going.
        self._remove(plans, mark)
        self._before_rows(plans)
        for plan in plans:
            self._write_row(plan, mark, user, {})
        for model_field in self.fields:
            setattr(record, model_field.attname, getattr(self.version, model_field.attname))
        self._write_links(record, self.links)
        self._save(record, self.fields, mark, user)

    def _remove(self, plans, mark):
        for plan in plans:
            if plan.action == REMOVE:
                self._remove_row(plan, mark)
            elif plan.action == CHANGE:
                self._remove(plan.children, mark)

    def _remove_row(self, plan, mark):
        if plan.model is Outcome:
            for action_item in plan.row.action_items.all():
                self._delete_action_item(action_item, mark)
            mark(plan.row).delete()
        elif plan.model is ActionItem:
            self._delete_action_item(plan.row, mark)
        else:
            mark(plan.row).delete()

    @staticmethod
    def _delete_action_item(action_item, mark):
        # Its owners first, so that their history says who removed them and why; its progress
        # updates go with it (a revert removes an action item only where it has none, or with its outcome).
        for ownership in action_item.ownerships.all():
            mark(ownership).delete()
        mark(action_item).delete()

    def _before_rows(self, plans):
        """Anything to do between removals and the other rows' writes (a meeting renumbers outcomes)."""

    def _after_write(self, record):
        """Anything to do once the revert is written (and committed)."""

    def _save(self, row, fields, mark, user):
        """Save a row changed back; an action item whose status goes back says so on its timeline."""
        mark(row)
        if isinstance(row, ActionItem) and any(model_field.name == "status" for model_field in fields):
            # As on every path that changes a status: a progress update records it (none is removed).
            row.change_status(row.status, by=user, note=row._change_reason)
        else:
            row.save()

    def _write_row(self, plan, mark, user, parent):
        if plan.action == CHANGE:
            row = plan.row
            for model_field in plan.fields:
                setattr(row, model_field.attname, getattr(plan.record, model_field.attname))
            self._write_links(row, plan.links)
            if plan.fields or plan.links:
                self._save(row, plan.fields, mark, user)
            for child in plan.children:
                self._write_row(child, mark, user, {f"{self._parent_field(child.model)}_id": row.pk})
        elif plan.action == RESTORE:
            row = self._restore(plan, mark, parent)
            if plan.links:
                self._write_links(row, plan.links)
                snapshot_links(row.history.first(), row, [link.field for link in plan.links])
            for child in plan.children:
                self._write_row(child, mark, user, {f"{self._parent_field(child.model)}_id": row.pk})

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
