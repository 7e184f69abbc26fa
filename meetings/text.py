"""Text the record may hold, and text every output can carry.

Atom feeds and XLSX files are XML 1.0, which has no place for control characters other than tab,
line feed and carriage return, nor for lone surrogates or U+FFFE and U+FFFF; iCalendar text allows
no control character but tab, and breaks no line (its library escapes line breaks in text values,
not in every property); HTML forbids controls other than white space. Text pasted from Word brings
vertical tabs (its manual line break) and form feeds (its page break), and either stopped a whole
feed or spreadsheet.

So forms and the records import refuse such a character, naming the field and where in the text it
is (``unshowable_text_error``), and every writer cleans what it writes (``showable``, ``one_line``),
so that a row written before that rule, or a query value, can never take an output down.
"""

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Outside XML 1.0's characters, and DEL, which iCalendar forbids: what no output can carry.
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
UNSHOWABLE_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile("[\r\n]")
# How much of the text before a refused character the message quotes, to find it by.
CONTEXT_LENGTH = 30


def showable(text: str) -> str:
    """``text`` without the characters no output can carry; anything else is given back as it is."""
    if not isinstance(text, str):
        return text
    return UNSHOWABLE.sub("", text)


def showable_bytes(content: bytes) -> bytes:
    """UTF-8 ``content`` without the control characters of ``UNSHOWABLE``.

    Bytes below 0x80 never occur inside a multi-byte UTF-8 sequence, so they can be taken out of
    encoded text without decoding it (which is also why surrogates, never encoded, need no rule).
    """
    return UNSHOWABLE_BYTES.sub(b"", content)


def one_line(text: str) -> str:
    """``text`` showable and on one line, its white space collapsed: a calendar entry's title."""
    return " ".join(showable(text).split())


def unshowable_character(text: str, *, single_line: bool) -> tuple[int, str] | None:
    """(position, character) of the first character ``text`` may not hold, or None.

    Multi-line text may hold tab and line breaks (a browser sends a textarea's as CR LF); single-line
    text may hold tab, but no line break.
    """
    found = UNSHOWABLE.search(text)
    if single_line:
        line_break = LINE_BREAK.search(text)
        if line_break and (found is None or line_break.start() < found.start()):
            found = line_break
    return (found.start(), found.group()) if found else None


def unshowable_text_error(label: str, text: str, *, single_line: bool) -> str | None:
    """The editor's message for the first character of ``text`` that cannot be kept, or None.

    ``label`` names the field ("Summary"). The message quotes the text just before the character,
    which is invisible, so that an editor can find it.
    """
    if not isinstance(text, str):
        return None
    found = unshowable_character(text, single_line=single_line)
    if found is None:
        return None
    position, character = found
    before = one_line(text[:position])[-CONTEXT_LENGTH:]
    where = _("after “…%(text)s”") % {"text": before} if before else _("at the start")
    values = {"field": label, "where": where, "code": f"U+{ord(character):04X}"}
    if character in "\r\n":
        message = _("%(field)s is a single line and cannot hold a line break (%(where)s); remove it.")
    elif ord(character) < 0x20 or ord(character) == 0x7F:
        message = _(
            "%(field)s contains a control character (%(code)s, %(where)s) that cannot be shown; remove it."
        )
    else:
        message = _("%(field)s contains a character (%(code)s, %(where)s) that cannot be shown; remove it.")
    return message % values


def showable_text_validator(label: str, *, single_line: bool = False) -> Callable[[str], None]:
    """The same refusal for a form field that is no model field's (a note on a status change)."""

    def validate(value: str) -> None:
        message = unshowable_text_error(str(label), value, single_line=single_line)
        if message:
            raise ValidationError(message, code="unshowable")

    return validate
