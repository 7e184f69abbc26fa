"""Search across the published record: meetings, outcomes, action items, documents and participants.

The query is read once (``query.parse_query``: "phrases", ``or``, ``-word``) and searched in the
database's full-text index, with English stemming and the same rank on both databases (each word
or phrase counts by the best weight whose text has it, ``fulltext.RANK_POINTS``; equal matches in
the kind's order, newest meeting first, participants by name): on
PostgreSQL each searched table's ``search_document`` tsvector with a GIN index (migrations 0011 and
0016), on SQLite an FTS5 table per kind (0016), both kept by the database in the writing
transaction. What each kind's document holds, by weight:

- a meeting: its title (A); summary, purpose, city, its country's names and its year (B); its
  record (C); the names, short names and aliases of who attended (D);
- an outcome: its text (A); an action item: its title (A), description and timeframe (B), and its
  outcome's text and its owners' names (D); a document: its title (A);
- a participant: its name and short name (A), its other names (B) and its description (C).

So a change to what a document holds needs a new migration with the new expressions. Without a
full-text index (SQLite built without FTS5) every word must appear in one of a kind's own fields
(``words``), with a warning in the log. Either way the results have the same shape and the
matching words are highlighted by the same code, on text escaped first.

A word common in the record matches tens of thousands of rows, and the page shows twenty of each
kind. So counts stop at ``COUNT_LIMIT`` ("more than 1,000"), and only the first ``RANK_POOL``
matches in the kind's order (newest first) are ranked: the work of a search is bounded by what the
page shows, not by the size of the record.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchVector
from django.db import connections
from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models import ActionItem, Attendance, Document, Meeting, MeetingStatus, Outcome, Participant
from . import words
from .fulltext import (
    FullTextMatch,
    StoredSearchDocument,
    full_text_available,
    index_table,
    postgresql_ranked,
    sqlite_newest_matches,
)
from .highlight import best_excerpt, excerpt, highlight, highlight_pattern, plain_text
from .query import (
    MAX_QUERY_LENGTH,
    SEARCH_CONFIG,
    ParsedQuery,
    fts5_group,
    fts5_match,
    normalise_query,
    parse_query,
    tsquery,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "StoredSearchDocument",
    "highlight",
    "highlight_pattern",
    "matching",
    "normalise_query",
    "parse_query",
    "search_kinds",
    "search_record",
    "search_vector",
]

RESULTS_PER_KIND = 20
# Counts stop here: past it the page says "more than 1,000", and counting costs no more.
COUNT_LIMIT = 1000
# The first this many matches of a kind, in its order, are ranked, not all of them.
RANK_POOL = 200

# A kind's own fields by weight, as its PostgreSQL document holds them (0011). A meeting's
# document also holds its country's names and year (B) and who attended (D), an action item's its
# outcome's text and its owners' names (D): those the database gathers (0016).
SEARCH_FIELDS = {
    "meetings": (("A", ("title",)), ("B", ("summary", "purpose", "city")), ("C", ("body",))),
    "outcomes": (("A", ("text",)),),
    "actions": (("A", ("title",)), ("B", ("description", "due_as_published"))),
    "documents": (("A", ("title",)),),
}


def search_vector(kind: str) -> SearchVector:
    """The weighted tsvector of a kind's own fields, as its stored search document holds them."""
    vector = None
    for weight, fields in SEARCH_FIELDS[kind]:
        part = SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)
        vector = part if vector is None else vector + part
    return vector


# Results --------------------------------------------------------------------------------------


@dataclass
class Hit:
    """One result: where it links, its highlighted title and excerpt, and the record it belongs to."""

    url: str
    title: SafeString
    excerpt: SafeString = SafeString("")
    details: list[SafeString] = field(default_factory=list)
    meeting: Meeting | None = None


@dataclass
class ResultGroup:
    """The results of one kind: ``count`` matches, or more than that when ``count_is_floor``."""

    kind: str
    heading: str
    count: int
    hits: list[Hit]
    more_url: str = ""
    count_is_floor: bool = False

    @property
    def shown(self) -> int:
        return len(self.hits)

    @property
    def has_more(self) -> bool:
        return self.count_is_floor or self.shown < self.count


@dataclass
class SearchResults:
    """What a search found; ``ranked`` when best matches come first (a full-text index), else newest."""

    query: str
    truncated: bool = False
    has_terms: bool = False
    ranked: bool = False
    groups: list[ResultGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def total_is_floor(self) -> bool:
        """True when some kind matched more than it counted: the total is then "more than"."""
        return any(group.count_is_floor for group in self.groups)

    @property
    def groups_with_hits(self) -> list[ResultGroup]:
        return [group for group in self.groups if group.count]

    @property
    def rank_pool(self) -> int:
        return RANK_POOL

    @property
    def ranks_a_pool(self) -> bool:
        """True when some kind matched more than are ranked: the newest ``rank_pool`` of those are."""
        return self.ranked and any(group.count > self.rank_pool for group in self.groups)


def attended_label(meeting):
    """How a meeting's listed participants are named: only a meeting held was attended."""
    if meeting.status == MeetingStatus.HELD:
        return _("Attended by")
    if meeting.status == MeetingStatus.CANCELLED:
        return _("Was to be attended by")
    return _("To be attended by")


def meeting_hit(meeting, pattern):
    details = [
        escape(meeting.meeting_type.name),
        highlight(meeting.dates_display, pattern),
        highlight(meeting.place, pattern),
    ]
    # Who attended is in the meeting's document: say so when that is where a word was found.
    attended = [
        name
        for names in meeting.attended_names
        for name in names
        if name and pattern and pattern.search(name)
    ]
    if attended:
        names = format_html_join(", ", "{}", ((highlight(name, pattern),) for name in attended[:5]))
        details.append(format_html("{} {}", attended_label(meeting), names))
    return Hit(
        url=meeting.get_absolute_url(),
        title=highlight(meeting.title, pattern),
        excerpt=best_excerpt([meeting.summary, meeting.purpose, plain_text(meeting.body)], pattern),
        details=details,
    )


def read_attended_names(meetings):
    """Give each of ``meetings`` the names of those listed for it, in the meeting page's order, as
    ``attended_names`` (name, short name): one query for all, read as values, not as rows with
    their participants (700 of each for 20 meetings of 35 participants; 14 ms of a search)."""
    names = {meeting.pk: [] for meeting in meetings}
    rows = Attendance.objects.filter(meeting__in=list(names)).values_list(
        "meeting", "participant__name", "participant__short_name"
    )
    for meeting, name, short_name in rows:
        names[meeting].append((name, short_name))
    for meeting in meetings:
        meeting.attended_names = names[meeting.pk]


def outcome_hit(outcome, pattern):
    return Hit(
        url=outcome.get_absolute_url(),
        title=format_html("{} {}: {}", _("Outcome"), outcome.position, outcome.get_kind_display()),
        excerpt=excerpt(outcome.text, pattern),
        meeting=outcome.meeting,
    )


def action_hit(action, pattern):
    details = [escape(action.get_status_display())]
    if action.due_as_published:
        details.append(format_html("{} {}", _("Due:"), highlight(action.due_as_published, pattern)))
    return Hit(
        url=action.get_absolute_url(),
        title=highlight(action.title, pattern),
        excerpt=excerpt(action.description, pattern),
        details=details,
        meeting=action.outcome.meeting,
    )


def document_hit(document, pattern):
    return Hit(
        url=document.link or document.meeting.get_absolute_url(),
        title=highlight(document.title, pattern),
        details=[escape(document.get_kind_display())],
        meeting=document.meeting,
    )


def participant_hit(participant, pattern):
    details = [escape(participant.get_kind_display())]
    if participant.short_name:
        details.append(highlight(participant.short_name, pattern))
    aliases = [alias.name for alias in participant.aliases.all()]
    if aliases:
        names = format_html_join(", ", "{}", ((highlight(name, pattern),) for name in aliases))
        details.append(format_html("{} {}", _("Also published as"), names))
    return Hit(
        url=participant.get_absolute_url(),
        title=highlight(participant.name, pattern),
        excerpt=excerpt(participant.description, pattern),
        details=details,
    )


@dataclass(frozen=True)
class SearchKind:
    """One kind of record searched: its public rows, their order and how one reads as a result.

    ``meeting`` is the path from a record to its meeting ("" for meetings and participants):
    records are listed newest meeting first, and a meeting's records together.
    """

    key: str
    heading: str
    model: type
    related: tuple[str, ...]
    make_hit: object
    list_url_name: str = ""
    meeting: str = ""
    within_meeting: tuple[str, ...] = ()
    prefetch: tuple[str | Prefetch, ...] = ()
    # Given the records listed, before their hits are made: reads what the hits show of them.
    read_for_hits: object = None

    @property
    def queryset(self) -> QuerySet:
        rows = self.model.objects.all() if self.model is Participant else self.model.objects.published()
        return rows.select_related(*self.related) if self.related else rows

    @property
    def tested_by_key(self) -> QuerySet:
        """``queryset``, worded to test one row reached by its key: through the row's own meeting.

        ``published()`` of outcomes and actions reads the list of every published meeting, once
        for each query, which costs more than testing the few rows a search reads; a document's
        rule (its meeting's, or that of an outcome citing it) has no such shorter spelling.
        """
        if self.model in (Outcome, ActionItem):
            return self.model.objects.filter(Meeting.objects.published_condition(f"{self.meeting}__"))
        return self.queryset

    @property
    def ordering(self) -> tuple:
        """The order of equal matches: newest meeting first (a meeting without a date after those
        with one, as SQLite and PostgreSQL would each place it otherwise), or by name."""
        if self.model is Participant:
            return ("name", "pk")
        if not self.meeting:
            return (F("start_date").desc(nulls_last=True), "-pk")
        return (
            F(f"{self.meeting}__start_date").desc(nulls_last=True),
            f"-{self.meeting}__pk",
            *self.within_meeting,
        )


def search_kinds() -> list[SearchKind]:
    return [
        SearchKind(
            "participants",
            _("Participants"),
            Participant,
            (),
            participant_hit,
            prefetch=("aliases",),
        ),
        SearchKind(
            "meetings",
            _("Meetings"),
            Meeting,
            ("meeting_type",),
            meeting_hit,
            "meetings:meeting_list",
            read_for_hits=read_attended_names,
        ),
        SearchKind(
            "outcomes",
            _("Outcomes"),
            Outcome,
            ("meeting",),
            outcome_hit,
            meeting="meeting",
            within_meeting=("position", "pk"),
        ),
        SearchKind(
            "actions",
            _("Action items"),
            ActionItem,
            ("outcome__meeting",),
            action_hit,
            "meetings:action_list",
            meeting="outcome__meeting",
            within_meeting=("outcome__position", "position", "pk"),
        ),
        SearchKind(
            "documents",
            _("Documents"),
            Document,
            ("meeting",),
            document_hit,
            meeting="meeting",
            within_meeting=("position", "title", "pk"),
        ),
    ]


KIND_MODELS = {
    "meetings": Meeting,
    "outcomes": Outcome,
    "actions": ActionItem,
    "documents": Document,
    "participants": Participant,
}


# Matching and ranking in the full-text index ----------------------------------------------------


def full_text_matches(kind: str, queryset: QuerySet, parsed: ParsedQuery) -> QuerySet:
    """The records of ``queryset`` (of ``kind``) whose document matches: an index lookup."""
    if connections[queryset.db].vendor == "postgresql":
        document = StoredSearchDocument()
        if parsed.required:
            return queryset.alias(search_document=document).filter(
                search_document=tsquery(parsed.required, parsed.excluded)
            )
        return queryset.alias(search_document=document).exclude(search_document=tsquery([parsed.excluded]))
    table = index_table(KIND_MODELS[kind])
    if parsed.required:
        return queryset.filter(FullTextMatch(table, fts5_match(parsed.required, parsed.excluded)))
    return queryset.exclude(FullTextMatch(table, fts5_match([parsed.excluded])))


def ranked(kind: SearchKind, matches: QuerySet, parsed: ParsedQuery, limit: int) -> QuerySet:
    """PostgreSQL: the ``limit`` best ranked of the ``RANK_POOL`` newest matches, ties in the kind's order.

    Ranking reads every row it ranks, so it is limited to a pool of the most recently recorded
    matches, which a walk of the primary key backwards that stops when the pool is full can serve.
    """
    pool = matches.order_by("-pk").values("pk")[:RANK_POOL]
    groups = [tsquery([group]) for group in parsed.required]
    first = postgresql_ranked(kind.queryset.filter(pk__in=pool), groups)
    return first.order_by("-rank", *kind.ordering)[:limit]


def sqlite_ranked(kind: SearchKind, parsed: ParsedQuery, limit: int) -> tuple[int, bool, QuerySet]:
    """SQLite: how many match (up to ``COUNT_LIMIT``), and the ``limit`` best ranked of the
    ``RANK_POOL`` newest matches, ties in the kind's order: the same rule as ``ranked``.

    One query reads the keys and ranks of the newest matches from the FTS5 table, the second the
    records chosen, ranked by those values.
    """
    found, pool = sqlite_newest_matches(
        kind.tested_by_key,
        index_table(kind.model),
        fts5_match(parsed.required, parsed.excluded),
        [fts5_group(group) for group in parsed.required],
        limit=max(COUNT_LIMIT + 1, RANK_POOL),
        pool=RANK_POOL,
    )
    count, count_is_floor = min(found, COUNT_LIMIT), found > COUNT_LIMIT
    # The rows that can be among the best ``limit``: those ranked at least as the last of them
    # (ties included, for the kind's order to part them), grouped by rank for a short CASE.
    lowest = sorted((rank for _pk, rank in pool), reverse=True)[limit - 1] if len(pool) >= limit else None
    by_rank = defaultdict(list)
    for pk, rank in pool:
        if lowest is None or rank >= lowest:
            by_rank[rank].append(pk)
    ranks = Case(
        *(When(pk__in=pks, then=Value(rank)) for rank, pks in by_rank.items()), output_field=IntegerField()
    )
    # The pool passed the kind's publication test: tested again, SQLite would start from it.
    rows = kind.model.objects.select_related(*kind.related) if kind.related else kind.model.objects
    first = (
        rows.filter(pk__in=[pk for pks in by_rank.values() for pk in pks])
        .annotate(rank=ranks)
        .order_by("-rank", *kind.ordering)[:limit]
    )
    return count, count_is_floor, first


def count_up_to(matches: QuerySet, limit: int) -> tuple[int, bool]:
    """How many ``matches`` there are, counting no further than ``limit`` + 1.

    Returns ``(count, is_floor)``: ``(1000, True)`` when there are more than 1,000.
    """
    count = matches.order_by()[: limit + 1].count()
    return min(count, limit), count > limit


def matching(kind: str, queryset: QuerySet, raw_query: str) -> QuerySet:
    """``queryset`` narrowed to the records of ``kind`` that the search finds for ``raw_query``.

    The search page's own test, so a list filtered by the same words, where "See all" leads,
    counts what the search counted. A query with no word to look for or leave out leaves
    ``queryset`` as it is.
    """
    query, _truncated = normalise_query(raw_query)
    parsed = parse_query(query)
    if parsed.is_empty:
        return queryset
    if full_text_available(queryset.db):
        return full_text_matches(kind, queryset, parsed)
    return words.word_matches(kind, queryset, parsed)


def search_record(raw_query: str, limit: int = RESULTS_PER_KIND) -> SearchResults:
    """Search the published record for ``raw_query``: a ``SearchResults`` with one group per kind."""
    query, truncated = normalise_query(raw_query)
    parsed = parse_query(query)
    results = SearchResults(query=query, truncated=truncated, has_terms=bool(parsed.required))
    if not results.has_terms:
        return results
    pattern = highlight_pattern(parsed.terms)
    for kind in search_kinds():
        results.ranked = full_text_available(kind.queryset.db)
        vendor = connections[kind.queryset.db].vendor
        if vendor == "postgresql":
            matches = full_text_matches(kind.key, kind.queryset, parsed)
            first = ranked(kind, matches, parsed, limit)
            count, count_is_floor = count_up_to(matches, COUNT_LIMIT)
        elif full_text_available(kind.queryset.db):
            count, count_is_floor, first = sqlite_ranked(kind, parsed, limit)
        else:
            count, count_is_floor, first = words.first_word_matches(kind, parsed, limit, COUNT_LIMIT)
        records = list(first.prefetch_related(*kind.prefetch)) if count else []
        if records and kind.read_for_hits:
            kind.read_for_hits(records)
        hits = [kind.make_hit(record, pattern) for record in records]
        more_url = ""
        if kind.list_url_name and (count_is_floor or count > len(hits)):
            more_url = f"{reverse(kind.list_url_name)}?{urlencode({'q': query})}"
        results.groups.append(
            ResultGroup(kind.key, kind.heading, count, hits, more_url, count_is_floor=count_is_floor)
        )
    return results
