"""A record's history page: one entry per revision that holds it, newest first, each change in words.

Each entry compares the record with its parts in that revision to the same in the revision before:
its own fields ("Status: Not started → In progress"), its links ("Themes: added Trafficking in
persons; removed People smuggling"), and each part added, removed or changed. A revision that holds
the record only because it was saved with what holds it (an action item, in a save of its
meeting's page) and changed nothing of it is left out, and the page says how many were.

A page costs the same queries however many entries and parts it shows: the versions of the page,
one for every revision's rows of the record's models, and one per kind of name shown.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from .snapshots import Names, RevisionTrees, field_changes

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
ACTION_WORDS = {ADDED: _("Added"), REMOVED: _("Removed"), CHANGED: _("Changed")}


@dataclass
class RowChange:
    """What one entry did to one row of the record: its own fields, or a part added, removed, changed."""

    kind: str
    label: str
    action: str
    own: bool = False
    changes: list = field(default_factory=list)

    @property
    def action_words(self) -> str:
        return ACTION_WORDS[self.action]


@dataclass
class Entry:
    """One revision of the record: when, by whom, why, and what it changed."""

    version: Version
    rows: list
    first: bool = False

    @property
    def revision(self):
        return self.version.revision

    @property
    def own_changes(self) -> list:
        return [change for row in self.rows if row.own for change in row.changes]

    @property
    def part_changes(self) -> list:
        return [row for row in self.rows if not row.own]


def compare(before: dict, after: dict, root_key, names: Names) -> list:
    """[RowChange] from the record's rows ``before`` to ``after``, the record's own first."""
    rows = []
    for key in [root_key, *(k for k in after if k != root_key), *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        row = new or old
        if old is None:
            rows.append(RowChange(row.kind, row.label, ADDED))
        elif new is None:
            rows.append(RowChange(row.kind, row.label, REMOVED))
        else:
            changes = field_changes(row.model, old.values, new.values, names)
            if changes:
                rows.append(RowChange(row.kind, row.label, CHANGED, own=key == root_key, changes=changes))
    return rows


class Timeline:
    """The entries of one record's history page, a page of revisions at a time."""

    per_page = 50

    def __init__(self, model: type, pk):
        self.model = model
        self.pk = pk

    def versions(self):
        return Version.objects.get_for_object_reference(self.model, self.pk).select_related(
            "revision", "revision__user"
        )

    def page(self, number):
        """The page ``number`` (anything not a page number gives the first or last page)."""
        page = Paginator(self.versions().order_by("-pk"), self.per_page).get_page(number)
        versions = list(page.object_list)
        earlier = None
        if versions:
            earlier = self.versions().filter(pk__lt=versions[-1].pk).order_by("-pk").first()
        chain = versions + ([earlier] if earlier is not None else [])
        trees = RevisionTrees(self.model, [version.revision_id for version in chain])
        by_revision = {version.revision_id: trees.tree(version.revision_id, self.pk) for version in chain}
        names = Names()
        for tree in by_revision.values():
            for row in tree.values():
                names.want_row(row)
        names.load()
        entries, unchanged = [], 0
        for index, version in enumerate(versions):
            after = by_revision[version.revision_id]
            previous = chain[index + 1] if index + 1 < len(chain) else None
            if previous is None:
                entries.append(Entry(version, [], first=True))
                continue
            rows = compare(by_revision[previous.revision_id], after, (self.model, self.pk), names)
            if rows:
                entries.append(Entry(version, rows))
            else:
                unchanged += 1
        page.object_list = entries
        page.unchanged = unchanged
        return page
