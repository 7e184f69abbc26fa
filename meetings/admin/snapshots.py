"""A record with its parts as one revision holds them, and the same record as it is now, in one shape.

A revision of a meeting holds its attendance, outcomes (with their action items, owners and
progress updates) and documents, as they were (``revisions.FOLLOW``). ``tree_then`` reads the rows
of one record out of a revision; ``tree_now`` reads them from the database. Both give ``Row``s
keyed by (model, pk), so that the timeline and the revert compare them alike. Values in words for
editors (``Names``, ``display_value``) live here too: both pages show them.
"""

import datetime
import json
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from reversion.models import Version

from ..revisions import parts_of

# Timestamps change on every save and say nothing the entry's own date does not.
UNSHOWN_FIELDS = {"created_at", "updated_at"}


@dataclass
class Row:
    """One row of a record: its model, id, field values (by attname; links as lists of ids) and name."""

    model: type
    pk: int
    values: dict
    label: str
    parent: tuple | None = None
    children: list = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.model, self.pk)

    @property
    def kind(self) -> str:
        return capfirst(self.model._meta.verbose_name)


def shown_fields(model: type) -> list:
    """The fields of ``model`` whose values an editor reads and a revert restores (links included)."""
    return [
        model_field
        for model_field in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if not model_field.primary_key and model_field.name not in UNSHOWN_FIELDS
    ]


def subtree_models(model: type) -> list:
    """``model`` and every model of the parts it follows, at any depth."""
    found = [model]
    for part, _key in parts_of(model):
        found += [m for m in subtree_models(part) if m not in found]
    return found


def _link(row_values, model_field):
    value = row_values.get(model_field.attname)
    return set(value or ()) if model_field.many_to_many else value


def row_from_version(version: Version, model: type) -> Row:
    values = {}
    stored = version.field_dict
    for model_field in shown_fields(model):
        if model_field.attname in stored:
            raw = stored[model_field.attname]
            values[model_field.attname] = set(raw) if model_field.many_to_many else raw
    return Row(model, model._meta.pk.to_python(version.object_id), values, version.object_repr)


def row_from_instance(instance: models.Model, links: dict) -> Row:
    model = type(instance)
    values = {f.attname: getattr(instance, f.attname) for f in shown_fields(model) if not f.many_to_many}
    for model_field in model._meta.many_to_many:
        values[model_field.attname] = links.get((model_field.attname, instance.pk), set())
    return Row(model, instance.pk, values, str(instance))


def _fk_of(version, fk_name):
    """The id the serialised row names in ``fk_name``, read without building the row."""
    return json.loads(version.serialized_data)[0]["fields"].get(fk_name)


class RevisionTrees:
    """The rows of one record (``model``, with its parts) in each of several revisions, loaded at once.

    One query for every revision's versions of the record's models, whatever their number; only
    the rows of this record are built (the parts of other records in a revision are skipped).
    """

    def __init__(self, model: type, revision_ids):
        self.model = model
        self.models = subtree_models(model)
        types = ContentType.objects.get_for_models(*self.models)
        by_type = {types[m].pk: m for m in self.models}
        self._versions = {revision_id: {} for revision_id in revision_ids}
        versions = Version.objects.filter(
            revision_id__in=list(self._versions), content_type_id__in=list(by_type)
        )
        for version in versions.order_by():
            part_model = by_type[version.content_type_id]
            self._versions[version.revision_id].setdefault(part_model, []).append(version)

    def tree(self, revision_id, pk) -> dict:
        """{(model, pk): Row} of the record ``pk`` and its parts in the revision ``revision_id``."""
        versions = self._versions.get(revision_id, {})
        rows = {}
        own = [v for v in versions.get(self.model, ()) if self.model._meta.pk.to_python(v.object_id) == pk]
        if not own:
            return rows
        root = row_from_version(own[0], self.model)
        rows[root.key] = root
        self._add_parts(root, versions, rows)
        return rows

    def _add_parts(self, parent, versions, rows):
        for part_model, key in parts_of(parent.model):
            for version in versions.get(part_model, ()):
                if _fk_of(version, key.name) != parent.pk:
                    continue
                row = row_from_version(version, part_model)
                row.parent = parent.key
                parent.children.append(row.key)
                rows[row.key] = row
                self._add_parts(row, versions, rows)


def tree_now(record: models.Model) -> dict:
    """{(model, pk): Row} of ``record`` and its parts as they are now: a few queries per kind of part."""
    model = type(record)
    rows = {}
    root = row_from_instance(record, _links_now(model, [record.pk]))
    rows[root.key] = root
    _add_parts_now(root, model, [root], rows)
    return rows


def _links_now(model, pks):
    links = {}
    for model_field in model._meta.many_to_many:
        through = model_field.remote_field.through
        source = through._meta.get_field(model_field.m2m_field_name()).attname
        target = through._meta.get_field(model_field.m2m_reverse_field_name()).attname
        for source_id, target_id in through.objects.filter(**{f"{source}__in": pks}).values_list(
            source, target
        ):
            links.setdefault((model_field.attname, source_id), set()).add(target_id)
    return links


def _add_parts_now(root, model, parents, rows):
    by_pk = {parent.pk: parent for parent in parents}
    for part_model, key in parts_of(model):
        related = [f.name for f in part_model._meta.concrete_fields if f.many_to_one]
        instances = list(
            part_model._default_manager.filter(**{f"{key.attname}__in": list(by_pk)}).select_related(*related)
        )
        links = _links_now(part_model, [instance.pk for instance in instances])
        added = []
        for instance in instances:
            row = row_from_instance(instance, links)
            parent = by_pk[getattr(instance, key.attname)]
            row.parent = parent.key
            parent.children.append(row.key)
            rows[row.key] = row
            added.append(row)
        if added:
            _add_parts_now(root, part_model, added, rows)


class Names:
    """The names of the rows that foreign keys and links point to, looked up once per model."""

    def __init__(self):
        self._wanted = {}
        self._names = {}

    def want(self, model_field, value):
        target = model_field.related_model
        ids = value if model_field.many_to_many else {value}
        self._wanted.setdefault(target, set()).update(i for i in ids if i is not None)

    def want_row(self, row: Row):
        for model_field in shown_fields(row.model):
            if model_field.is_relation and model_field.attname in row.values:
                self.want(model_field, row.values[model_field.attname])

    def load(self):
        for target, ids in self._wanted.items():
            missing = ids - {pk for (model, pk) in self._names if model is target}
            if missing:
                for instance in target._default_manager.filter(pk__in=missing):
                    self._names[target, instance.pk] = str(instance)
        self._wanted = {}

    def of(self, target, pk) -> str:
        name = self._names.get((target, pk))
        if name is None:
            return _("deleted %(kind)s #%(id)s") % {"kind": target._meta.verbose_name, "id": pk}
        return name

    def exists(self, target, pk) -> bool:
        return (target, pk) in self._names


def display_value(model_field, value, names: Names) -> str:
    """A field's value in words, as an editor reads it."""
    if value is None or value == "":
        return "—"
    if model_field.many_to_one:
        return names.of(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return date_format(localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return str(getattr(value, "name", value))


@dataclass
class FieldChange:
    """One change of a row: a value from ``old`` to ``new``, or links ``added`` and ``removed``.

    ``field`` is the field's label, as the pages show it; ``name`` its attname, as a revert writes it.
    """

    field: str
    old: str = ""
    new: str = ""
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    name: str = ""

    @property
    def is_links(self) -> bool:
        return bool(self.added or self.removed)


def field_changes(model, old: dict, new: dict, names: Names, fields=None) -> list:
    """The changes from ``old`` to ``new`` (values by attname) of ``model``'s shown fields."""
    changes = []
    for model_field in fields if fields is not None else shown_fields(model):
        attname = model_field.attname
        if attname not in old or attname not in new or old[attname] == new[attname]:
            continue
        label = capfirst(model_field.verbose_name)
        if model_field.many_to_many:
            target = model_field.related_model
            added = sorted(names.of(target, pk) for pk in new[attname] - old[attname])
            removed = sorted(names.of(target, pk) for pk in old[attname] - new[attname])
            changes.append(FieldChange(label, added=added, removed=removed, name=attname))
        else:
            changes.append(
                FieldChange(
                    label,
                    display_value(model_field, old[attname], names),
                    display_value(model_field, new[attname], names),
                    name=attname,
                )
            )
    return changes
