"""The site's query syntax, read once and written for each database.

A query is words and "quoted phrases", all required; ``or`` between two of them makes them
alternatives, and a minus sign before one leaves out the records that have it: the syntax of
PostgreSQL's ``websearch_to_tsquery``. It is read here into a ``ParsedQuery`` of terms, each a list
of words (letters and digits only: nothing else of what was typed reaches the database), and then
written as a tsquery of Django's ``SearchQuery`` parts for PostgreSQL or as an FTS5 ``MATCH``
expression for SQLite, in which every word is a quoted string. So no query can be a syntax error
on either, and both read it alike: PostgreSQL's English stop words are left out on both (a query
of stop words alone has nothing to look for), and both stem the words they look for.
"""

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery

SEARCH_CONFIG = "english"
# Longer queries are cut here: nobody types more, and every word costs a condition.
MAX_QUERY_LENGTH = 200

TOKEN_PATTERN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
# A word as both databases' tokenizers read one: a run of letters and digits.
WORD = re.compile(r"[^\W_]+")

# PostgreSQL's English stop words (tsearch_data/english.stop): PostgreSQL drops them from what it
# indexes and looks for; SQLite's FTS5 indexes them, so they are left out of its queries here.
STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the and
    but if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once here
    there when where why how all any both each few more most other some such no nor not only own
    same so than too very s t can will just don should now
    """
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())


def normalise_query(raw: str) -> tuple[str, bool]:
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


def words_of(term: str) -> list[str]:
    """The words of a term, lower case, as the databases' tokenizers split them."""
    return [word.lower() for word in WORD.findall(term)]


def looked_for(term: str) -> bool:
    """Whether a term has a word the index holds: not stop words alone, nor punctuation."""
    return any(word not in STOP_WORDS for word in words_of(term))


@dataclass
class ParsedQuery:
    """Words and phrases to find: all of ``required`` (each a list of alternatives), none of ``excluded``."""

    required: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        """Every word or phrase looked for, longest first, for highlighting."""
        unique = {term.lower(): term for group in self.required for term in group}
        return sorted(unique.values(), key=len, reverse=True)

    @property
    def is_empty(self) -> bool:
        return not self.required and not self.excluded


def parse_query(query: str) -> ParsedQuery:
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
        if not looked_for(term):
            continue
        if negated:
            parsed.excluded.append(term)
        elif pending_or:
            parsed.required[-1].append(term)
        else:
            parsed.required.append([term])
        pending_or = False
    return parsed


# PostgreSQL -------------------------------------------------------------------------------------


def term_tsquery(term: str) -> SearchQuery:
    words = words_of(term)
    search_type = "phrase" if len(words) > 1 else "plain"
    return SearchQuery(" ".join(words), search_type=search_type, config=SEARCH_CONFIG)


def tsquery(required: list[list[str]], excluded: list[str] = ()) -> SearchQuery:
    """The tsquery of terms: every group of ``required`` (any of its terms), none of ``excluded``."""
    parts = [reduce(or_, map(term_tsquery, group)) for group in required]
    parts += [~term_tsquery(term) for term in excluded]
    return reduce(and_, parts)


# SQLite FTS5 ------------------------------------------------------------------------------------


def term_match(term: str) -> str:
    # A quoted string is a word or a phrase to FTS5 whatever it holds; words hold no quotes.
    return '"' + " ".join(words_of(term)) + '"'


def fts5_group(group: list[str]) -> str:
    """The FTS5 MATCH expression of one word or phrase and its alternatives, in brackets."""
    return "(" + " OR ".join(map(term_match, group)) + ")"


def fts5_match(required: list[list[str]], excluded: list[str] = ()) -> str:
    """The FTS5 MATCH expression of terms; ``required`` must not be empty (FTS5 has no "not" alone)."""
    groups = [fts5_group(group) for group in required]
    expression = " AND ".join(groups)
    for term in excluded:
        expression = f"({expression}) NOT {term_match(term)}"
    return expression
