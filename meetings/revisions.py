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

from contextlib import contextmanager

import reversion
from django.db.models.signals import post_delete, post_save

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
        reversion.register(model, follow=FOLLOW.get(model, ()))
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
