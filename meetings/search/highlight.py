"""Highlighting what a search found: the words looked for, with their other endings, marked in text
escaped first; excerpts around the first match."""

import re

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

EXCERPT_LENGTH = 240
# Highlighting marks the other endings of a word too, as stemming matches them: "trafficking" also
# marks "traffickers", "policy" marks "policies"; never a longer word ("guides" leaves "guidelines").
SUFFIXES = ("ings", "ing", "ers", "er", "es", "ed", "e", "s")
ENDINGS = r"(?:e|s|es|ed|ing|ings|er|ers)?"
Y_SUFFIXES = ("ies", "ied", "y")
Y_ENDINGS = r"(?:y|ies|ied)"
MIN_STEM = 4


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
