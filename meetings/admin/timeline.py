"""A record's history page as one timeline: its own versions and those of its parts, newest first.

A meeting's timeline holds its attendance, outcomes and documents; a participant's, its other names
and memberships; an action item's, its owners and progress updates. Each entry says who changed
what and when, field by field in words ("Status: Not started → In progress"), and links as added
and removed ("Themes: added Trafficking in persons; removed People smuggling").

One page costs the same number of queries however many entries it shows: one to count and one to
page through every source at once (a UNION), then, per source with entries on the page, one for the
entries, one for the versions they followed and one per kept link field.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .history_records import keeps_links, link_fields, link_history_model

# Timestamps change on every save and say nothing the entry's own date does not.
UNSHOWN_FIELDS = {"created_at", "updated_at"}


@dataclass(frozen=True)
class HistoryPart:
    """Rows shown on their parent's history page: ``model``'s rows whose ``fk_name`` is the parent."""

    model: type
    fk_name: str


@dataclass
class FieldChange:
    """One change of an entry: a value from ``old`` to ``new``, or links ``added`` and ``removed``."""

    field: str
    old: str = ""
    new: str = ""
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    @property
    def is_links(self):
        return bool(self.added or self.removed)

    # The simple-history templates and tests read changes as mappings.
    def __getitem__(self, key):
        return getattr(self, key)


def display_value(model_field, value):
    """A field's value in words, as an editor reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    if model_field.choices:
        key = getattr(value, "code", value)
        return str(dict(model_field.flatchoices).get(key, key))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return date_format(localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return str(getattr(value, "name", value))


def related_value(record, model_field):
    """The object a historical record's foreign key names (selected with it), or words if gone."""
    target_id = getattr(record, model_field.attname)
    if target_id is None:
        return None
    target = record._state.fields_cache.get(model_field.name)
    if target is None:
        return _("deleted %(kind)s #%(id)s") % {
            "kind": model_field.related_model._meta.verbose_name,
            "id": target_id,
        }
    return target


def shown_fields(model, excluded=()):
    """The fields of ``model`` whose changes an entry shows."""
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if not model_field.primary_key and model_field.name not in UNSHOWN_FIELDS | set(excluded)
    ]


def field_changes(model, previous, record, excluded=()):
    """What changed in ``model``'s own fields from historical ``previous`` to ``record``."""
    changes = []
    for model_field in shown_fields(model, excluded):
        if getattr(previous, model_field.attname) == getattr(record, model_field.attname):
            continue
        if model_field.many_to_one:
            old, new = related_value(previous, model_field), related_value(record, model_field)
        else:
            old, new = getattr(previous, model_field.attname), getattr(record, model_field.attname)
        changes.append(
            FieldChange(
                capfirst(model_field.verbose_name),
                display_value(model_field, old),
                display_value(model_field, new),
            )
        )
    return changes


def describe(record):
    """A historical record's row in words, as its ``__str__`` says it, without a query."""
    instance = record.instance
    for model_field in instance._meta.concrete_fields:
        if model_field.many_to_one and model_field.name in record._state.fields_cache:
            target = record._state.fields_cache[model_field.name]
            if target is not None:
                instance._state.fields_cache[model_field.name] = target
    try:
        return str(instance)
    except ObjectDoesNotExist:
        return f"{instance._meta.verbose_name} #{instance.pk}"


def selected_relations(model):
    return ["history_user", *(f.name for f in model._meta.concrete_fields if f.many_to_one)]


class Timeline:
    """The entries of one record's history page, paged, with their changes worked out."""

    per_page = 100

    def __init__(self, model, pk, parts=()):
        self.model = model
        self.pk = pk
        self.sources = [(model, model._meta.pk.attname), *((part.model, part.fk_name) for part in parts)]

    def _keys(self):
        querysets = []
        for index, (model, key) in enumerate(self.sources):
            lookup = key if key == model._meta.pk.attname else f"{key}_id"
            querysets.append(
                model.history.filter(**{lookup: self.pk})
                .annotate(source=Value(index, output_field=IntegerField()))
                .order_by()
                .values_list("history_date", "history_id", "source")
            )
        first, *rest = querysets
        keys = first.union(*rest, all=True) if rest else first
        return keys.order_by("-history_date", "-history_id", "-source")

    def page(self, number):
        """The page ``number`` (anything not a page number gives the first or last page)."""
        page = Paginator(self._keys(), self.per_page).get_page(number)
        wanted = {}
        for _date, history_id, source in page.object_list:
            wanted.setdefault(source, []).append(history_id)
        loaded = {}
        for source, history_ids in wanted.items():
            model, key = self.sources[source]
            for record in self._entries(model, key, history_ids, own=source == 0):
                loaded[source, record.history_id] = record
        page.object_list = [loaded[source, history_id] for _date, history_id, source in page.object_list]
        return page

    def _entries(self, model, key, history_ids, own):
        history = model.history
        earlier = (
            history.filter(id=OuterRef("id"))
            .filter(
                Q(history_date__lt=OuterRef("history_date"))
                | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        relations = selected_relations(model)
        records = list(
            history.filter(history_id__in=history_ids)
            .annotate(previous_id=Subquery(earlier))
            .select_related(*relations)
        )
        previous_ids = [record.previous_id for record in records if record.previous_id]
        previous = {
            record.history_id: record
            for record in history.filter(history_id__in=previous_ids).select_related(*relations)
        }
        links = self._links(model, [*records, *previous.values()])
        for record in records:
            before = previous.get(record.previous_id)
            record.timeline_own = own
            record.timeline_subject = describe(record)
            record.timeline_kind = "" if own else capfirst(model._meta.verbose_name)
            record.timeline_earlier_unknown = before is None and record.history_type != "+"
            changes = []
            if before is not None and record.history_type == "~":
                changes = field_changes(model, before, record)
                changes += self._link_changes(model, before, record, links)
            record.history_delta_changes = changes
        return records

    @staticmethod
    def _links(model, records):
        """{(field name, history_id): {target id: target or None}} of ``records``' kept links."""
        links = {}
        ids = [record.history_id for record in records]
        for link_field in link_fields(model):
            link_model = link_history_model(model, link_field)
            target = link_field.m2m_reverse_field_name()
            target_attname = link_model._meta.get_field(target).attname
            for history_id in ids:
                links[link_field.name, history_id] = {}
            rows = link_model.objects.filter(history_id__in=ids).select_related(target)
            for row in rows:
                links[link_field.name, row.history_id][getattr(row, target_attname)] = (
                    row._state.fields_cache.get(target)
                )
        return links

    @staticmethod
    def _link_changes(model, before, record, links):
        if not (keeps_links(before) and keeps_links(record)):
            return []
        changes = []
        for link_field in link_fields(model):
            old = links[link_field.name, before.history_id]
            new = links[link_field.name, record.history_id]
            if set(old) == set(new):
                continue

            def names(ids, linked, link_field=link_field):
                return sorted(
                    str(linked[target_id])
                    if linked[target_id] is not None
                    else _("deleted %(kind)s #%(id)s")
                    % {"kind": link_field.related_model._meta.verbose_name, "id": target_id}
                    for target_id in ids
                )

            changes.append(
                FieldChange(
                    capfirst(link_field.verbose_name),
                    old=", ".join(names(old, old)) or "—",
                    new=", ".join(names(new, new)) or "—",
                    added=names(set(new) - set(old), new),
                    removed=names(set(old) - set(new), old),
                )
            )
        return changes
