"""What a revert would do, in words: to a record's own fields and links, and to each row of its parts.

The plans are worked out from history before anything is written; the confirmation page lists them,
and a digest of them tells whether the record changed between that page and the revert.
"""

from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from ..timeline import FieldChange

# Never restored by a revert: timestamps, and the publication time (publishing has its own rules).
UNRESTORED_FIELDS = {"created_at", "updated_at", "published_at"}

REMOVE, RESTORE, CHANGE, KEEP = "remove", "restore", "change", "keep"
PERMISSION_OF = {REMOVE: "delete", RESTORE: "add", CHANGE: "change"}
ACTION_WORDS = {
    REMOVE: _("removed (added since this version)"),
    RESTORE: _("brought back (deleted since this version)"),
    CHANGE: _("changed back"),
    KEEP: _("left as it is"),
}


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
    """The foreign keys of ``model``, to select with its rows (the plan names what they point to)."""
    return [f.name for f in model._meta.concrete_fields if f.many_to_one]


def with_targets(queryset, model):
    """``queryset`` (of ``model``'s rows or history) with what their foreign keys name selected."""
    names = selected(model)
    return queryset.select_related(*names) if names else queryset


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

    @property
    def digest_line(self):
        return f"{self.field.name}={sorted(self.then)}"


@dataclass
class RowPlan:
    """What the revert does to one row: remove, restore, change (back) or keep (and why).

    ``children`` are the rows that go with it: an outcome's action items, an action item's owners
    and progress updates.
    """

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
    def action_words(self):
        return ACTION_WORDS.get(self.action, "")

    def changes_field(self, name):
        return any(model_field.name == name for model_field in self.fields)

    @property
    def digest_line(self):
        changes = ";".join(f"{c.field}={c.old}>{c.new}" for c in self.changes)
        links = ";".join(plan.digest_line for plan in self.links)
        return f"{self.model._meta.label}:{self.pk}:{self.action}:{changes}:{links}"

    def digest_lines(self):
        yield self.digest_line
        for child in self.children:
            yield from child.digest_lines()


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
