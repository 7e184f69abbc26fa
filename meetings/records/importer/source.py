"""Where an import reads its records document from: a document in memory, or a file read as a stream.

An import reads its source several times (``RecordsImport``: references, then checks and plan,
then the writes), each time in the file's order, so that a file's meetings are never all in memory
at once. ``read()`` gives the document's parts one at a time: ``(HEAD, key, value)`` for each
top-level field but the meetings (``meeting_types``, ``themes``, ``participants``, ``format``...),
``(MEETING, index, record)`` for each meeting, or a single ``(DOCUMENT, None, value)`` for a
document that is not a JSON object.

``RecordsFile`` reads a file with the standard library's own JSON decoder, one meeting at a time
(``JSONStream``): every value, and every message about text that is not JSON, is what
``json.loads`` of the whole file would give (a lone surrogate escape stays one, for the text checks
to refuse; ijson's C backend reads it as ``?``). It notes a digest of what it read, so that a file
changed between two readings is refused rather than half imported.
"""

import codecs
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import default_storage

from .parsing import RecordError, RecordsInvalid

HEAD, MEETING, DOCUMENT = "head", "meeting", "document"
# Bytes read from a file at a time (more while one meeting is longer than that).
READ_SIZE = 1 << 20
WHITESPACE = " \t\n\r"
# How close to the end of the text read so far a decoding error may be one of text cut short.
CUT_SHORT = 16

Part = tuple[str, Any, Any]


def count_parts(source) -> int:
    """How many parts ``source.read()`` gives: for a progress bar's total, before the first pass
    (a file is decoded once more for it, a few per cent of an import's time)."""
    return sum(1 for _part in source.read())


class DocumentSource:
    """A records document already in memory (a dict, as ``parse_records`` gives one)."""

    def __init__(self, document: Any):
        self.document = document

    def read(self) -> Iterator[Part]:
        if not isinstance(self.document, dict):
            yield DOCUMENT, None, self.document
            return
        for key, value in self.document.items():
            if key == "meetings" and isinstance(value, list):
                yield HEAD, key, []
                for index, record in enumerate(value):
                    yield MEETING, index, record
            else:
                yield HEAD, key, value


class RecordsFile:
    """A records file, opened afresh (``open()`` gives it as binary) for each reading."""

    def __init__(self, open: Callable[[], IO[bytes]], name: str = "(file)"):
        self.open = open
        self.name = name
        # The digest of the file's bytes at its first complete reading.
        self.digest = None

    @classmethod
    def at_path(cls, path: str | Path) -> "RecordsFile":
        return cls(lambda: Path(path).open("rb"), name=str(path))

    @classmethod
    def in_storage(cls, name: str) -> "RecordsFile":
        return cls(lambda: default_storage.open(name, "rb"), name=name)

    def read(self) -> Iterator[Part]:
        with self.open() as handle:
            stream = JSONStream(handle)
            yield from stream.parts()
        digest = stream.digest.hexdigest()
        if self.digest is None:
            self.digest = digest
        elif digest != self.digest:
            raise RecordsInvalid(
                [RecordError("(file)", "changed while it was being imported: nothing was imported")]
            )


class JSONStream:
    """The text of one JSON document, decoded a piece at a time from a binary file.

    Values are decoded by ``json.JSONDecoder.raw_decode``, each once the text holds all of it: a
    decoding error near the end of the text read so far may only mean that the value goes on, so
    more is read and the value decoded again (reading as much again each time, so that a long value
    costs a few decodings, not one per piece). Errors name the line and column in the whole text, as
    ``json.loads`` does.
    """

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.decoder = json.JSONDecoder()
        self.utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.digest = hashlib.sha256()
        self.text, self.pos, self.eof = "", 0, False
        # A position before ``pos`` to keep in the text (a comma an error may have to name).
        self.mark = None
        # What was read and let go of: characters, line breaks, and where the line last begun starts.
        self.dropped, self.lines, self.line_start = 0, 0, 0
        self.bytes_read = 0

    # Reading.

    def fill(self, at_least: int = 0) -> bool:
        """Read more of the file; False at its end."""
        if self.eof:
            return False
        if self.pos:
            self.drop()
        chunk = self.handle.read(max(READ_SIZE, at_least))
        self.digest.update(chunk)
        try:
            self.text += self.utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            raise self.not_utf8(error) from None
        self.bytes_read += len(chunk)
        self.eof = not chunk
        return True

    def drop(self):
        """Let go of the text already decoded (but for the mark's)."""
        cut = self.pos if self.mark is None else self.mark
        done = self.text[:cut]
        breaks = done.count("\n")
        if breaks:
            self.lines += breaks
            self.line_start = self.dropped + done.rindex("\n") + 1
        self.dropped += cut
        self.text, self.pos = self.text[cut:], self.pos - cut
        if self.mark is not None:
            self.mark = 0

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the text)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text) or not self.fill():
                return self.text[self.pos : self.pos + 1]

    def after_comma(self) -> str:
        """What follows the comma just read, which stays marked (for an error to name)."""
        self.mark = self.pos - 1
        return self.peek()

    def take(self, character: str, message: str) -> None:
        if self.peek() != character:
            raise self.not_json(message, self.pos)
        self.pos += 1

    def value(self) -> Any:
        """The next value, whole."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                cut_short = error.pos >= len(self.text) - CUT_SHORT or error.msg.startswith("Unterminated")
                if self.eof or not cut_short:
                    raise self.not_json(error.msg, error.pos) from None
            else:
                # A value that ends the text read so far may go on, and a number near its end too
                # (the text "1e" reads as 1, then a stray "e").
                number = isinstance(value, int | float) and not isinstance(value, bool)
                if self.eof or (end < len(self.text) and not (number and end >= len(self.text) - CUT_SHORT)):
                    self.pos = end
                    return value
            self.fill(at_least=len(self.text) - self.pos)

    # The document.

    def parts(self) -> Iterator[Part]:
        if self.peek() != "{":
            yield DOCUMENT, None, self.value()
            self.end()
            return
        self.pos += 1
        meetings_seen = False
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                if self.peek() != '"':
                    raise self.not_json("Expecting property name enclosed in double quotes", self.pos)
                key = self.value()
                self.take(":", "Expecting ':' delimiter")
                if key == "meetings" and self.peek() == "[":
                    if meetings_seen:
                        raise RecordsInvalid([RecordError("meetings", "is given twice in the file")])
                    meetings_seen = True
                    yield HEAD, key, []
                    yield from self.meetings()
                else:
                    yield HEAD, key, self.value()
                following = self.peek()
                self.pos += 1
                if following == "}":
                    break
                if following != ",":
                    raise self.not_json("Expecting ',' delimiter", self.pos - 1)
                if self.after_comma() == "}":
                    raise self.not_json("Illegal trailing comma before end of object", self.mark)
                self.mark = None
        self.end()

    def meetings(self) -> Iterator[Part]:
        self.pos += 1  # [
        if self.peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            yield MEETING, index, self.value()
            index += 1
            following = self.peek()
            self.pos += 1
            if following == "]":
                return
            if following != ",":
                raise self.not_json("Expecting ',' delimiter", self.pos - 1)
            if self.after_comma() == "]":
                raise self.not_json("Illegal trailing comma before end of array", self.mark)
            self.mark = None

    def end(self) -> None:
        if self.peek():
            raise self.not_json("Extra data", self.pos)

    # Errors, as parse_records words them.

    def not_json(self, message: str, pos: int) -> RecordsInvalid:
        before = self.text[:pos]
        if "\n" in before:
            line, column = self.lines + before.count("\n") + 1, pos - before.rindex("\n")
        else:
            line, column = self.lines + 1, self.dropped + pos - self.line_start + 1
        return RecordsInvalid(
            [RecordError("(file)", f"is not JSON: {message} at line {line}, column {column}")]
        )

    def not_utf8(self, error: UnicodeDecodeError) -> RecordsInvalid:
        start, end = self.bytes_read + error.start, self.bytes_read + error.end
        if error.end - error.start == 1:
            detail = f"can't decode byte 0x{error.object[error.start]:02x} in position {start}"
        else:
            detail = f"can't decode bytes in position {start}-{end - 1}"
        return RecordsInvalid(
            [RecordError("(file)", f"is not UTF-8 text: 'utf-8' codec {detail}: {error.reason}")]
        )
