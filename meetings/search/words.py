"""Search without a full-text index (SQLite built without FTS5): every word in one of a kind's own
fields, by LIKE, newest records first. Slower, and a meeting is not found by who attended it; the
search falls back to it with a warning in the log (``fulltext.full_text_available``).
"""

from django.db.models import Exists, OuterRef, Q

from ..models import ActionOwner, Meeting, Outcome, Participant, ParticipantAlias
from .query import ParsedQuery

# Fields searched for each kind by LIKE.
FIELDS = {
    "meetings": ("title", "summary", "purpose", "city", "body"),
    "outcomes": ("text",),
    "actions": ("title", "description", "due_as_published"),
    "documents": ("title",),
    "participants": ("name", "short_name"),
}

# An action is also found by the words of the outcome that set it off and by its owners' names, as
# the tracker's filter promises. A search that may read every action tests each outcome's text once
# (the list of outcomes that contain the word), not once per action; one that reads a few actions of
# common words tests the text of their own outcomes only.


def related_text_condition(kind: str, term: str, few_rows: bool = False) -> Q:
    """The records of ``kind`` whose related text contains ``term``."""
    if kind == "participants":
        return Q(Exists(ParticipantAlias.objects.filter(participant=OuterRef("pk"), name__icontains=term)))
    if kind != "actions":
        return Q()
    participants = Participant.objects.filter(Q(name__icontains=term) | Q(short_name__icontains=term))
    owned = ActionOwner.objects.filter(participant__in=participants.values("pk")).values("action_item")
    if few_rows:
        return Q(outcome__text__icontains=term) | Q(pk__in=owned)
    outcomes = Outcome.objects.filter(text__icontains=term).values("pk")
    return Q(outcome__in=outcomes) | Q(pk__in=owned)


def word_matches(kind: str, queryset, parsed: ParsedQuery, few_rows: bool = False):
    def anywhere(term):
        condition = related_text_condition(kind, term, few_rows)
        for name in FIELDS[kind]:
            condition |= Q(**{f"{name}__icontains": term})
        return condition

    for alternatives in parsed.required:
        condition = Q()
        for term in alternatives:
            condition |= anywhere(term)
        queryset = queryset.filter(condition)
    for term in parsed.excluded:
        queryset = queryset.exclude(anywhere(term))
    return queryset


def published_newest_first():
    """Published meetings, newest first, read in the order of the date index until enough are found."""
    return Meeting.objects.published_for_listing().order_by("-start_date", "-pk")


def first_word_matches(kind, parsed: ParsedQuery, limit: int, count_limit: int):
    """How many records match (up to ``count_limit``) and the first ``limit``.

    Returns ``(count, count_is_floor, first)``. One pass collects the keys of the matches and stops
    after ``count_limit`` + 1. When that is all of them, the first are ordered from those keys.
    When there are more, they come from the newest meetings that have a match, each tested until
    its first: no query reads and sorts every match of a common word. (SQLite plans a query from
    its most selective-looking condition, so the rows of those meetings are tested without the
    publication test, which they pass, and which would have it read every published meeting.)
    """
    matches = word_matches(kind.key, kind.queryset, parsed)
    found = list(matches.order_by().values_list("pk", flat=True)[: count_limit + 1])
    count, count_is_floor = min(len(found), count_limit), len(found) > count_limit
    if not count_is_floor:
        first = kind.model.objects.filter(pk__in=found)
    elif kind.meeting:
        in_meeting = kind.model.objects.filter(**{kind.meeting: OuterRef("pk")})
        newest = (
            published_newest_first()
            .filter(Exists(word_matches(kind.key, in_meeting, parsed, few_rows=True)))
            .values("pk")[:limit]
        )
        rows = kind.model.objects.filter(**{f"{kind.meeting}__in": newest})
        first = word_matches(kind.key, rows, parsed, few_rows=True)
    elif kind.key == "meetings":
        first = word_matches(kind.key, published_newest_first(), parsed)
    else:
        first = matches
    if kind.related:
        first = first.select_related(*kind.related)
    return count, count_is_floor, first.order_by(*kind.ordering)[:limit]
