"""Search across the published record: meetings, outcomes, action items and documents.

On PostgreSQL the search is full-text (English stemming, ``websearch_to_tsquery`` syntax: quoted
phrases, ``or``, ``-word``), ranked, and served by GIN expression indexes: migration
``0002_search_indexes`` indexes exactly the vectors built by ``search_vector`` below, so a change to
``SEARCH_FIELDS`` needs a new migration with the new expressions. Elsewhere (SQLite) every word must
appear in one of the fields, newest records first. Action items are also found by the text of their
outcome and their owners' names, which are not indexed. Either way the results have the same shape and
the matching words are highlighted by the same code, on text escaped first.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import ActionItem, ActionOwner, Document, Meeting, Outcome

SEARCH_CONFIG = "english"
# Longer queries are cut here: nobody types more, and every word costs a condition.
MAX_QUERY_LENGTH = 200
RESULTS_PER_KIND = 20
EXCERPT_LENGTH = 240

# Fields searched for each kind, by weight: A counts most in the ranking, C least.
SEARCH_FIELDS = {
    "meetings": (("A", ("title",)), ("B", ("summary", "purpose", "city")), ("C", ("body",))),
    "outcomes": (("A", ("text",)),),
    "actions": (("A", ("title",)), ("B", ("description", "due_as_published"))),
    "documents": (("A", ("title",)),),
}


def search_vector(kind):
    """The weighted tsvector of one kind; the GIN index of its table holds this very expression."""
    vector = None
    for weight, fields in SEARCH_FIELDS[kind]:
        part = SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)
        vector = part if vector is None else vector + part
    return vector


def searched_fields(kind):
    return [name for _weight, fields in SEARCH_FIELDS[kind] for name in fields]


# An action is also found by the words of the outcome that set it off and by its owners' names, as
# the tracker's filter promises. That text lives in other tables, so it is added to the indexed
# vector at query time (weighted lowest) and, without full text, tested row by row.


def owner_names():
    """An action's owners' names and short names as one text, for its search vector."""
    return Subquery(
        ActionOwner.objects.filter(action_item=OuterRef("pk"))
        .order_by()
        .values("action_item")
        .annotate(
            names=StringAgg(Concat("participant__name", Value(" "), "participant__short_name"), Value(" "))
        )
        .values("names")
    )


def full_text_vector(kind):
    """The vector a kind is searched by on PostgreSQL: the indexed one, with an action's context."""
    vector = search_vector(kind)
    if kind == "actions":
        vector += SearchVector("outcome__text", owner_names(), config=SEARCH_CONFIG, weight="D")
    return vector


def related_text_condition(kind, term):
    """Without full text: the records of ``kind`` whose related text contains ``term``."""
    if kind != "actions":
        return Q()
    owners = ActionOwner.objects.filter(action_item=OuterRef("pk")).filter(
        Q(participant__name__icontains=term) | Q(participant__short_name__icontains=term)
    )
    return Q(outcome__text__icontains=term) | Exists(owners)


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
    kind: str
    heading: str
    count: int
    hits: list
    more_url: str = ""

    @property
    def shown(self):
        return len(self.hits)


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
    key: str
    heading: str
    queryset: object
    ordering: tuple
    make_hit: object
    list_url_name: str = ""


def search_kinds():
    return [
        SearchKind(
            "meetings",
            _("Meetings"),
            Meeting.objects.published().select_related("meeting_type"),
            ("-start_date", "-pk"),
            meeting_hit,
            "meetings:meeting_list",
        ),
        SearchKind(
            "outcomes",
            _("Outcomes"),
            Outcome.objects.published().select_related("meeting"),
            ("-meeting__start_date", "meeting_id", "position"),
            outcome_hit,
        ),
        SearchKind(
            "actions",
            _("Action items"),
            ActionItem.objects.published().select_related("outcome__meeting"),
            ("-outcome__meeting__start_date", "outcome__position", "position", "pk"),
            action_hit,
            "meetings:action_list",
        ),
        SearchKind(
            "documents",
            _("Documents"),
            Document.objects.published().select_related("meeting"),
            ("-meeting__start_date", "position", "title"),
            document_hit,
        ),
    ]


def full_text_matches(kind, queryset, query, ordering):
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    matches = queryset.alias(search_vector=full_text_vector(kind)).filter(search_vector=search_query)
    ranked = matches.annotate(rank=SearchRank(F("search_vector"), search_query)).order_by("-rank", *ordering)
    return matches, ranked


def word_matches(kind, queryset, parsed, ordering):
    fields = searched_fields(kind)

    def anywhere(term):
        condition = related_text_condition(kind, term)
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
    return queryset, queryset.order_by(*ordering)


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
        matches, _ranked = full_text_matches(kind, queryset, query, ())
    else:
        matches, _ordered = word_matches(kind, queryset, parsed, ())
    return matches


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
            matches, ordered = full_text_matches(kind.key, kind.queryset, query, kind.ordering)
        else:
            matches, ordered = word_matches(kind.key, kind.queryset, parsed, kind.ordering)
        count = matches.count()
        hits = [kind.make_hit(record, pattern) for record in ordered[:limit]] if count else []
        more_url = ""
        if kind.list_url_name and count > len(hits):
            more_url = f"{reverse(kind.list_url_name)}?{urlencode({'q': query})}"
        results.groups.append(ResultGroup(kind.key, kind.heading, count, hits, more_url))
    return results
