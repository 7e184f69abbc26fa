"""History as revisions (django-reversion): one save is one revision of the record with its parts.

A meeting follows its attendance, outcomes and documents; an outcome its action items; an action
item its owners and progress updates; a participant its other names and memberships. A revision
that holds a meeting therefore holds all of it as it was, down to each action's timeline, and a
revert can bring any of it back.

A part saved or deleted on a page of its own (an outcome, an action item, a progress update, an
other name) is a change of the record it belongs to: the record joins the revision too, one level
up (``PARENTS``), so that a record's versions are exactly the saves that changed it or its parts.
This is done in signal receivers, against the usual rule, for the reason the record's version uses
them: it must hold on every write path (the admin's forms and inlines, bulk actions, deletes, the
importer, the revert). The receivers only add to a revision already open; they never open one.

Every write path opens one revision with its user and comment: the admin's views through
``reversion.admin.VersionAdmin`` (see ``admin.history``), everything else through ``revision()``.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.encoding import force_str
from reversion.models import Revision, Version

from . import bulk
from .models import (
    ActionItem,
    ActionOwner,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    Theme,
)

# The records whose history pages show their parts, with the parts each follows (reverse accessors).
FOLLOW = {
    Meeting: ("attendances", "outcomes", "documents"),
    Outcome: ("action_items",),
    ActionItem: ("ownerships", "progress_updates"),
    Participant: ("aliases", "memberships"),
}
# How versions are serialized (django-reversion's default, named so that ``BulkRevision`` agrees).
FORMAT = "json"
# Kept with history of their own, but nothing follows them.
STANDALONE = (
    Attendance,
    Document,
    ActionOwner,
    ProgressUpdate,
    ParticipantAlias,
    Membership,
    MeetingType,
    Theme,
)
# A part, and the foreign key naming the record it belongs to: saving the part changes the record.
PARENTS = {
    Attendance: "meeting",
    Outcome: "meeting",
    Document: "meeting",
    ActionItem: "outcome",
    ActionOwner: "action_item",
    ProgressUpdate: "action_item",
    ParticipantAlias: "participant",
    Membership: "participant",
}


def parts_of(model):
    """[(part model, its foreign key field to ``model``)] of the parts a revision of ``model`` follows."""
    parts = []
    for accessor in FOLLOW.get(model, ()):
        relation = next(rel for rel in model._meta.related_objects if rel.get_accessor_name() == accessor)
        parts.append((relation.related_model, relation.field))
    return parts


def register():
    for model in (*FOLLOW, *STANDALONE):
        # The admin registers the models it shows on loading, each following its inlines alone.
        if reversion.is_registered(model):
            reversion.unregister(model)
        reversion.register(model, follow=FOLLOW.get(model, ()), format=FORMAT)
    for model in PARENTS:
        uid = f"meetings.revisions.{model._meta.label_lower}"
        post_save.connect(part_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(part_changed, sender=model, dispatch_uid=f"{uid}.delete")


def part_changed(sender, instance, **kwargs):
    """Add the record ``instance`` belongs to, as it is now, to the revision being written."""
    if not reversion.is_active() or kwargs.get("raw"):
        return
    parent_id = getattr(instance, f"{PARENTS[sender]}_id")
    if parent_id is None:
        return
    parent_model = sender._meta.get_field(PARENTS[sender]).related_model
    parent = parent_model._default_manager.filter(pk=parent_id).first()
    if parent is not None:
        reversion.add_to_revision(parent)


@contextmanager
def revision(user=None, comment=""):
    """One revision for what is written inside, naming ``user`` and saying why (``comment``)."""
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(str(comment))
        yield


def add(*records):
    """Add ``records``, as they are now, to the revision being written (where one is)."""
    if reversion.is_active():
        for record in records:
            reversion.add_to_revision(record)


# What a part's name (its ``__str__``, a version's ``object_repr``) reads beyond its own row and the
# record it belongs to: read with the revision's rows, not once a row.
NAMED_BY = {Attendance: ("participant",), ActionOwner: ("participant",), Membership: ("body",)}


def held_attr(name):
    """The attribute of a row read by ``BulkRevision`` that lists its parts or links ``name``."""
    return f"held_{name}"


def auto_links(model):
    """``model``'s many-to-many fields whose links a version of it holds (those with no model of
    their own, which django-reversion serializes with the row)."""
    return [
        field for field in model._meta.local_many_to_many if field.remote_field.through._meta.auto_created
    ]


def held_prefetches(model, path=""):
    """What a revision of ``model`` holds, to read with it: each many-to-many link's ids in the order
    the serializer reads them (the related model's ordering, then pk), the rows its name reads, and
    each part it follows with the same, recursively (``path`` leads to the part's rows).

    Read as plain lists (``to_attr``), not as related managers: a manager and a queryset made for
    each relation of each row cost more than reading the rows. The lookups of the parts are listed
    flat, each after the lookup of its rows, rather than nested in the part's queryset: a queryset
    of a reverse relation is read, with its own prefetches, before Django reaches the lookups it
    nests, so that they would be walked again, a manager made for each row to find them done."""
    lookups = [f"{path}{name}" for name in NAMED_BY.get(model, ())]
    for field in auto_links(model):
        related = field.related_model
        ordering = [*related._meta.ordering, "pk"]
        lookups.append(
            models.Prefetch(
                f"{path}{field.name}",
                queryset=related._default_manager.order_by(*ordering).only("pk"),
                to_attr=held_attr(field.name),
            )
        )
    for accessor, (part, _foreign_key) in zip(FOLLOW.get(model, ()), parts_of(model), strict=True):
        lookups.append(
            models.Prefetch(
                f"{path}{accessor}", queryset=part._default_manager.all(), to_attr=held_attr(accessor)
            )
        )
        lookups.extend(held_prefetches(part, f"{path}{held_attr(accessor)}__"))
    return lookups


class BulkRevision:
    """One revision of thousands of records, written in bulk: for an import of a whole archive.

    It holds what ``reversion.add_to_revision`` would put in a revision for each record added, and
    every part it follows (``FOLLOW``), stored as django-reversion stores them (its ``Revision`` and
    ``Version`` rows, the serializer of the format each model is registered with), so that the
    history pages, the comparison of versions and a revert read them alike.

    It does not go through ``add_to_revision``, against the rule of using a library through its
    public API only, because that cannot hold an archive: it copies what a revision holds at every
    addition (the square of the revision's size), serializes one row at a time (a queryset built for
    each many-to-many field of each row, the JSON written by the pure-Python encoder) and, on
    saving, reads back every row it holds to check that it exists. Here each queryset of records
    added is read with its parts and links in a fixed number of queries (``held_prefetches``),
    each model's rows are serialized in one call (its many-to-many links from those lists), and
    the versions are inserted in bulk as they are added (``bulk.insert``), so that memory holds one
    batch at a time. ``test_history`` checks that the versions equal those of ``add_to_revision``.
    """

    def __init__(self, user=None, comment="", date=None):
        self.user = user if user is not None and user.is_authenticated else None
        self.comment = str(comment)
        self.date = date or timezone.now()
        self.revision = None
        # (model, pk) of the records added, each written once. A part is reached only through the
        # record it belongs to (its one foreign key to it, ``FOLLOW``), so its own key is kept only
        # while its record's parts are followed: memory holds the records added, not every row.
        self.held = set()

    def add(self, records: models.QuerySet) -> None:
        """Add the ``records`` and their parts, as they are now, to the revision."""
        rows = []
        for record in records.prefetch_related(*held_prefetches(records.model)):
            key = (type(record), record.pk)
            if record.pk is None or key in self.held:
                continue
            self.held.add(key)
            self._follow(record, rows, set())
        if not rows:
            return
        if self.revision is None:
            self.revision = Revision.objects.create(
                date_created=self.date, user=self.user, comment=self.comment
            )
        by_model = defaultdict(list)
        for row in rows:
            by_model[type(row)].append(row)
        serialized = {}
        for model, model_rows in by_model.items():
            links = auto_links(model)
            # The serializer builds a queryset for each link of each row: the links are read here
            # from the lists read with the rows, in the order it reads them.
            fields = [field.name for field in model._meta.local_fields]
            for row, dumped in zip(
                model_rows, serializers.serialize("python", model_rows, fields=fields), strict=True
            ):
                for field in links:
                    dumped["fields"][field.name] = [
                        related.pk for related in getattr(row, held_attr(field.name))
                    ]
                serialized[id(row)] = dumped
        versions = []
        for row in rows:
            model = type(row)
            versions.append(
                (
                    self.revision.pk,
                    ContentType.objects.get_for_model(model).pk,
                    force_str(row.pk),
                    router.db_for_write(model, instance=row),
                    FORMAT,
                    # As the JSON serializer writes one row.
                    "[" + json.dumps(serialized[id(row)], cls=DjangoJSONEncoder, ensure_ascii=False) + "]\n",
                    force_str(row),
                )
            )
        bulk.insert(Version, VERSION_FIELDS, versions)

    def _follow(self, record, rows, followed):
        """``record`` and the parts it follows, depth first, as django-reversion adds them."""
        rows.append(record)
        for accessor in FOLLOW.get(type(record), ()):
            for part in getattr(record, held_attr(accessor)):
                key = (type(part), part.pk)
                if part.pk is not None and key not in followed:
                    followed.add(key)
                    self._follow(part, rows, followed)


VERSION_FIELDS = ("revision", "content_type", "object_id", "db", "format", "serialized_data", "object_repr")


def regroup(revision: Revision, groups: Iterable[tuple[str, Iterable[int]]]) -> list[Revision]:
    """Give each group of meetings held in ``revision`` a revision of its own, with its comment.

    ``groups`` is [(comment, meeting pks)]. Each meeting's version and the versions of the parts it
    follows (``FOLLOW``) move to its group's revision, which has the user and date of ``revision``;
    what belongs to no group stays in ``revision``, which is deleted if nothing stays. One write of
    many records (an import of many old pages at once) is thus one entry in each record's history
    that says where that record came from, as if each had been written on its own.
    """
    groups = [(comment, set(pks)) for comment, pks in groups]
    meeting_of = {}  # (content type id, object id) -> meeting pk
    records = {Meeting: {pk: pk for _comment, pks in groups for pk in pks}}
    while records:
        model, owners = records.popitem()
        content_type = ContentType.objects.get_for_model(model)
        meeting_of.update({(content_type.pk, str(pk)): meeting for pk, meeting in owners.items()})
        for part, foreign_key in parts_of(model):
            rows = part._default_manager.filter(**{f"{foreign_key.name}__in": list(owners)})
            found = {pk: owners[owner] for pk, owner in rows.values_list("pk", foreign_key.attname)}
            if found:
                records.setdefault(part, {}).update(found)
    group_of = {pk: index for index, (_comment, pks) in enumerate(groups) for pk in pks}
    moving = defaultdict(list)
    for pk, content_type_id, object_id in revision.version_set.values_list(
        "pk", "content_type_id", "object_id"
    ):
        meeting = meeting_of.get((content_type_id, object_id))
        if meeting is not None:
            moving[group_of[meeting]].append(pk)
    if not moving:
        return []
    created = Revision.objects.bulk_create(
        [
            Revision(
                date_created=revision.date_created, user_id=revision.user_id, comment=str(groups[index][0])
            )
            for index in sorted(moving)
        ]
    )
    for new, index in zip(created, sorted(moving), strict=True):
        Version.objects.filter(pk__in=moving[index]).update(revision=new)
    if not revision.version_set.exists():
        revision.delete()
    return created
