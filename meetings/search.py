"""Search across the published record: meetings, outcomes, action items and documents.

On PostgreSQL the search is full-text (English stemming, ``websearch_to_tsquery`` syntax: quoted
phrases, ``or``, ``-word``) and ranked. Each searched table stores its weighted tsvector in a
``search_document`` column with a GIN index (migration ``0011_search_documents``): generated from
the fields of ``SEARCH_FIELDS`` for meetings, outcomes and documents; for action items, which are
also found by the text of their outcome and their owners' names, kept up to date by the database.
So a change to ``SEARCH_FIELDS`` needs a new migration with the new expressions. Elsewhere (SQLite)
every word must appear in one of the fields, newest records first. Either way the results have the
same shape and the matching words are highlighted by the same code, on text escaped first.

A word common in the record matches tens of thousands of rows, and the page shows twenty of each
kind. So counts stop at ``COUNT_LIMIT`` ("more than 1,000"), and on PostgreSQL only the newest
``RANK_POOL`` matches are ranked: the work of a search is bounded by what the page shows, not by
the size of the record.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import connections
from django.db.models import Exists, Expression, OuterRef, Q
from django.db.models.expressions import Col
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import ActionItem, ActionOwner, Document, Meeting, Outcome, Participant

SEARCH_CONFIG = "english"
# Longer queries are cut here: nobody types more, and every word costs a condition.
MAX_QUERY_LENGTH = 200
RESULTS_PER_KIND = 20
# Counts stop here: past it the page says "more than 1,000", and counting costs no more.
COUNT_LIMIT = 1000
# PostgreSQL ranks the newest this many matches of a kind, not all of them.
RANK_POOL = 200
EXCERPT_LENGTH = 240

# Fields searched for each kind, by weight: A counts most in the ranking, C least.
SEARCH_FIELDS = {
    "meetings": (("A", ("title",)), ("B", ("summary", "purpose", "city")), ("C", ("body",))),
    "outcomes": (("A", ("text",)),),
    "actions": (("A", ("title",)), ("B", ("description", "due_as_published"))),
    "documents": (("A", ("title",)),),
}


def search_vector(kind):
    """The weighted tsvector of a kind's own fields, as its stored search document holds it.

    An action item's document also holds its outcome's text and its owners' names, weighted D.
    """
    vector = None
    for weight, fields in SEARCH_FIELDS[kind]:
        part = SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)
        vector = part if vector is None else vector + part
    return vector


def searched_fields(kind):
    return [name for _weight, fields in SEARCH_FIELDS[kind] for name in fields]


class StoredSearchDocument(Expression):
    """The stored search document (PostgreSQL, migration 0011) of the rows a query selects.

    The column is kept by the database, not by Django, so no model field loads it with every row;
    this resolves to the column of the query's own table, under whatever alias a subquery gives it.
    """

    output_field = SearchVectorField()
    column = "search_document"

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        target = SearchVectorField(null=True)
        target.set_attributes_from_name(self.column)
        target.model = query.model  # not added to the model: only named, for hashing and errors
        return Col(query.get_initial_alias(), target)


# An action is also found by the words of the outcome that set it off and by its owners' names, as
# the tracker's filter promises. Without full text, a search that may read every action tests each
# outcome's text once (the list of outcomes that contain the word), not once per action; one that
# reads a few actions of common words tests the text of their own outcomes only.


def related_text_condition(kind, term, few_rows=False):
    """Without full text: the records of ``kind`` whose related text contains ``term``."""
    if kind != "actions":
        return Q()
    participants = Participant.objects.filter(Q(name__icontains=term) | Q(short_name__icontains=term))
    owned = ActionOwner.objects.filter(participant__in=participants.values("pk")).values("action_item")
    if few_rows:
        return Q(outcome__text__icontains=term) | Q(pk__in=owned)
    outcomes = Outcome.objects.filter(text__icontains=term).values("pk")
    return Q(outcome__in=outcomes) | Q(pk__in=owned)


# Query parsing --------------------------------------------------------------------------------

TOKEN_PATTERN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
# Highlighting marks the other endings of a word too, as stemming matches them: "trafficking" also
# marks "traffickers", "policy" marks "policies"; never a longer word ("guides" leaves "guidelines").
SUFFIXES = ("ings", "ing", "ers", "er", "es", "ed", "e", "s")
ENDINGS = r"(?:e|s|es|ed|ing|ings|er|ers)?"
Y_SUFFIXES = ("ies", "ied", "y")
Y_ENDINGS = r"(?:y|ies|ied)"
MIN_STEM = 4


def normalise_query(raw):
    """The query as searched: control characters dropped, spaces collapsed, cut to the maximum.

    Returns ``(query, truncated)``.
    """
    printable = "".join(char if char.isprintable() else " " for char in raw)
    query = " ".join(printable.split())
    if len(query) <= MAX_QUERY_LENGTH:
        return query, False
    cut = query[:MAX_QUERY_LENGTH]
    if query[MAX_QUERY_LENGTH] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.strip(), True


@dataclass
class ParsedQuery:
    """Words and phrases to find: all of ``required`` (each a list of alternatives), none of ``excluded``."""

    required: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def terms(self):
        """Every word or phrase looked for, longest first, for highlighting."""
        unique = {term.lower(): term for group in self.required for term in group}
        return sorted(unique.values(), key=len, reverse=True)


def parse_query(query):
    """Read ``query`` the way PostgreSQL's ``websearch_to_tsquery`` does: "phrases", ``or``, ``-word``."""
    parsed = ParsedQuery()
    pending_or = False
    for match in TOKEN_PATTERN.finditer(query):
        negated, phrase, word = match.groups()
        if phrase is not None:
            term = " ".join(EDGE_PUNCTUATION.sub("", part) for part in phrase.split()).strip()
        else:
            negated = word.startswith("-")
            term = EDGE_PUNCTUATION.sub("", word)
            if term.lower() == "or" and not negated:
                pending_or = bool(parsed.required)
                continue
        if not term:
            continue
        if negated:
            parsed.excluded.append(term)
        elif pending_or:
            parsed.required[-1].append(term)
        else:
            parsed.required.append([term])
        pending_or = False
    return parsed


# Highlighting ---------------------------------------------------------------------------------


def term_pattern(term):
    """The pattern of a word with its other endings, or of a phrase as it is."""
    words = term.split()
    if len(words) > 1:
        return r"\s+".join(re.escape(word) for word in words) + r"\b"
    lowered = term.lower()
    for suffixes, endings in ((Y_SUFFIXES, Y_ENDINGS), (SUFFIXES, ENDINGS)):
        for suffix in suffixes:
            if lowered.endswith(suffix) and len(term) - len(suffix) >= MIN_STEM:
                return re.escape(term[: -len(suffix)]) + endings + r"\b"
    return re.escape(term) + ENDINGS + r"\b"


def highlight_pattern(terms):
    if not terms:
        return None
    return re.compile(r"\b(?:" + "|".join(term_pattern(term) for term in terms) + ")", re.IGNORECASE)


def highlight(text, pattern):
    """``text`` escaped, with each match of ``pattern`` in ``<mark>``; safe to show as it is."""
    text = str(text or "")
    if pattern is None:
        return escape(text)
    pieces, end = [], 0
    for match in pattern.finditer(text):
        pieces.append((text[end : match.start()], match.group()))
        end = match.end()
    return format_html_join("", "{}<mark>{}</mark>", pieces) + escape(text[end:])


MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MARKDOWN_MARKS = re.compile(r"[#*_>`|]+")


def plain_text(markdown_text):
    """Markdown reduced to its words, for excerpts."""
    return " ".join(MARKDOWN_MARKS.sub(" ", MARKDOWN_LINK.sub(r"\1", markdown_text)).split())


def excerpt(text, pattern, length=EXCERPT_LENGTH):
    """A window of ``text`` around its first match, highlighted; the start of the text if none."""
    text = " ".join(str(text or "").split())
    if len(text) <= length:
        return highlight(text, pattern)
    match = pattern.search(text) if pattern else None
    start = 0
    if match and match.end() > length - 20:
        start = text.rfind(" ", 0, max(match.start() - length // 4, 0)) + 1
    window = text[start : start + length]
    if start + length < len(text):
        window = window.rsplit(" ", 1)[0]
    prefix = "… " if start else ""
    suffix = " …" if start + len(window) < len(text) else ""
    return format_html("{}{}{}", prefix, highlight(window, pattern), suffix)


def best_excerpt(texts, pattern):
    """The excerpt of the first text that matches, or of the first that is not empty."""
    texts = [text for text in texts if text]
    for text in texts:
        if pattern and pattern.search(text):
            return excerpt(text, pattern)
    return excerpt(texts[0], pattern) if texts else SafeString("")


# Results --------------------------------------------------------------------------------------


@dataclass
class Hit:
    """One result: where it links, its highlighted title and excerpt, and the record it belongs to."""

    url: str
    title: SafeString
    excerpt: SafeString = SafeString("")
    details: list = field(default_factory=list)
    meeting: Meeting | None = None


@dataclass
class ResultGroup:
    """The results of one kind: ``count`` matches, or more than that when ``count_is_floor``."""

    kind: str
    heading: str
    count: int
    hits: list
    more_url: str = ""
    count_is_floor: bool = False

    @property
    def shown(self):
        return len(self.hits)

    @property
    def has_more(self):
        return self.count_is_floor or self.shown < self.count


@dataclass
class SearchResults:
    query: str
    truncated: bool = False
    has_terms: bool = False
    groups: list = field(default_factory=list)

    @property
    def total(self):
        return sum(group.count for group in self.groups)

    @property
    def total_is_floor(self):
        """True when some kind matched more than it counted: the total is then "more than"."""
        return any(group.count_is_floor for group in self.groups)

    @property
    def groups_with_hits(self):
        return [group for group in self.groups if group.count]


def meeting_hit(meeting, pattern):
    return Hit(
        url=meeting.get_absolute_url(),
        title=highlight(meeting.title, pattern),
        excerpt=best_excerpt([meeting.summary, meeting.purpose, plain_text(meeting.body)], pattern),
        details=[
            escape(meeting.meeting_type.name),
            escape(meeting.dates_display),
            highlight(meeting.place, pattern),
        ],
    )


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


@dataclass(frozen=True)
class SearchKind:
    """One kind of record searched: its published rows, their order and how one reads as a result.

    ``meeting`` is the path from a record to its meeting ("" for meetings themselves): records are
    listed newest meeting first, and a meeting's records together.
    """

    key: str
    heading: str
    model: type
    related: tuple
    make_hit: object
    list_url_name: str = ""
    meeting: str = ""
    within_meeting: tuple = ()

    @property
    def queryset(self):
        return self.model.objects.published().select_related(*self.related)

    @property
    def ordering(self):
        if not self.meeting:
            return ("-start_date", "-pk")
        return (f"-{self.meeting}__start_date", f"-{self.meeting}__pk", *self.within_meeting)


def search_kinds():
    return [
        SearchKind(
            "meetings",
            _("Meetings"),
            Meeting,
            ("meeting_type",),
            meeting_hit,
            "meetings:meeting_list",
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


def full_text_query(query):
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def full_text_matches(queryset, search_query):
    """The records of ``queryset`` whose stored document matches: a GIN index scan."""
    return queryset.alias(search_document=StoredSearchDocument()).filter(search_document=search_query)


def ranked(queryset, matches, search_query, ordering, limit):
    """The ``limit`` best ranked of the newest ``RANK_POOL`` matches, ties newest first.

    Ranking reads every row it ranks, so it is limited to a pool taken in the kind's order first,
    which an index walk that stops when the pool is full can serve.
    """
    pool = matches.order_by(*ordering).values("pk")[:RANK_POOL]
    return (
        queryset.filter(pk__in=pool)
        .annotate(rank=SearchRank(StoredSearchDocument(), search_query))
        .order_by("-rank", *ordering)[:limit]
    )


def word_matches(kind, queryset, parsed, few_rows=False):
    fields = searched_fields(kind)

    def anywhere(term):
        condition = related_text_condition(kind, term, few_rows)
        for name in fields:
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


def first_word_matches(kind, parsed, limit):
    """Without full text: how many records match (up to ``COUNT_LIMIT``) and the first ``limit``.

    Returns ``(count, count_is_floor, first)``. One pass collects the keys of the matches and stops
    after ``COUNT_LIMIT`` + 1. When that is all of them, the first are ordered from those keys.
    When there are more, they come from the newest meetings that have a match, each tested until
    its first: no query reads and sorts every match of a common word. (SQLite plans a query from
    its most selective-looking condition, so the rows of those meetings are tested without the
    publication test, which they pass, and which would have it read every published meeting.)
    """
    matches = word_matches(kind.key, kind.queryset, parsed)
    found = list(matches.order_by().values_list("pk", flat=True)[: COUNT_LIMIT + 1])
    count, count_is_floor = min(len(found), COUNT_LIMIT), len(found) > COUNT_LIMIT
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
    else:
        first = word_matches(kind.key, published_newest_first(), parsed)
    return count, count_is_floor, first.select_related(*kind.related).order_by(*kind.ordering)[:limit]


def published_newest_first():
    """Published meetings, newest first, read in the order of the date index until enough are found."""
    return Meeting.objects.published_for_listing().order_by("-start_date", "-pk")


def count_up_to(matches, limit):
    """How many ``matches`` there are, counting no further than ``limit`` + 1.

    Returns ``(count, is_floor)``: ``(1000, True)`` when there are more than 1,000.
    """
    count = matches.order_by()[: limit + 1].count()
    return min(count, limit), count > limit


def matching(kind, queryset, raw_query):
    """``queryset`` narrowed to the records of ``kind`` that the search finds for ``raw_query``.

    The search page's own test (full text on PostgreSQL, every word in a searched field elsewhere),
    so a list filtered by the same words, where "See all" leads, counts what the search counted.
    A query with no word to look for or leave out leaves ``queryset`` as it is.
    """
    query, _truncated = normalise_query(raw_query)
    parsed = parse_query(query)
    if not parsed.required and not parsed.excluded:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return full_text_matches(queryset, full_text_query(query))
    return word_matches(kind, queryset, parsed)


def search_record(raw_query, limit=RESULTS_PER_KIND):
    """Search the published record for ``raw_query``: a ``SearchResults`` with one group per kind."""
    query, truncated = normalise_query(raw_query)
    parsed = parse_query(query)
    results = SearchResults(query=query, truncated=truncated, has_terms=bool(parsed.required))
    if not results.has_terms:
        return results
    pattern = highlight_pattern(parsed.terms)
    for kind in search_kinds():
        if connections[kind.queryset.db].vendor == "postgresql":
            search_query = full_text_query(query)
            matches = full_text_matches(kind.queryset, search_query)
            first = ranked(kind.queryset, matches, search_query, kind.ordering, limit)
            count, count_is_floor = count_up_to(matches, COUNT_LIMIT)
        else:
            count, count_is_floor, first = first_word_matches(kind, parsed, limit)
        hits = [kind.make_hit(record, pattern) for record in first] if count else []
        more_url = ""
        if kind.list_url_name and (count_is_floor or count > len(hits)):
            more_url = f"{reverse(kind.list_url_name)}?{urlencode({'q': query})}"
        results.groups.append(
            ResultGroup(kind.key, kind.heading, count, hits, more_url, count_is_floor=count_is_floor)
        )
    return results
