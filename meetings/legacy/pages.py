"""Reading one page of the old website, as captured text or as a saved HTML page, into blocks.

A captured page starts with ``URL: <address>``, then the page's text; a ``[...]`` line marks where the
capture was cut off. A saved HTML page gives its address in ``<link rel="canonical">`` or
``og:url``, and its text in ``<main>`` or ``<article>`` (the whole body otherwise), without the
site's navigation. Either way the text is read into blocks: headings, paragraphs and list items,
a paragraph that was wrapped across lines joined again, and the noise of the page (an image's
caption, "Image") left out.
"""

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

URL_LINE = re.compile(r"^\s*URL:\s*(?P<url>\S+)\s*$", re.IGNORECASE)
CUT_OFF = re.compile(r"^\s*\[(?:\.\.\.|…)\]\s*$")
# "Location: Jakarta, IndonesiaDate: 13 October 2017": nothing separates the two.
HEADER = re.compile(
    r"^\s*(?:Location:\s*(?P<location>.*?)\s*)?Date:\s*(?P<date>.+?)\s*$|^\s*Location:\s*(?P<only>.+?)\s*$",
    re.IGNORECASE,
)
# An image's caption: "sunset-twelve-apostles-...-min Image", "Group photo – 5th Joint Period of Action
# Image".
CAPTION = re.compile(r"\sImage\s*$")
BULLET = re.compile(r"^\s*(?:[•●▪◦*]|[-–—](?=\s)|\(\d{1,2}\)|\d{1,2}[.)](?=\s))\s*")
NUMBERED = re.compile(r"^\s*(?:\(\d{1,2}\)|\d{1,2}[.)])\s")
SENTENCE_END = re.compile(r"[.:;!?][”\"’)]*\s*$")
# A line longer than this that does not end a sentence goes on in the next line.
WRAPPED_LENGTH = 70
# A line no longer than this that does not end a sentence is a heading.
HEADING_LENGTH = 100


@dataclass
class Block:
    """A heading, a paragraph or a list item of the page, in reading order."""

    text: str
    bullet: bool = False
    numbered: bool = False

    @property
    def heading_like(self) -> bool:
        """Short and without a sentence's end: "2014 Workshops", "Regional Webinar", "Outcomes:"."""
        return (
            not self.bullet
            and len(self.text) <= HEADING_LENGTH
            and (not SENTENCE_END.search(self.text) or self.text.endswith(":"))
        )


@dataclass
class Page:
    """One page of the old website: its address, title, header and blocks."""

    name: str
    url: str = ""
    title: str = ""
    location: str = ""
    date: str = ""
    blocks: list[Block] = field(default_factory=list)
    cut_off: bool = False
    # The words a cut-off capture ends with, mid-sentence: left out of what is read.
    cut_words: str = ""

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


# A full stop ends a sentence after a word or an acronym ("the IOM. Canada"), not after an initial.
SENTENCE_BREAK = re.compile(
    r"(?:(?<=[a-z)\]”’\"])|(?<=[A-Z]{2})|(?<=\d{4})|(?<=[a-z]\d)|(?<=[a-z]\d\d))[.!?]\s+(?=[A-Z“\"(])"
)


def sentences(text: str) -> list[str]:
    """The sentences of a block, each with its full stop."""
    parts, start = [], 0
    for match in SENTENCE_BREAK.finditer(text):
        parts.append(text[start : match.start() + 1].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]


class PageUnreadable(ValueError):
    """The file is not a page this importer can read; the message says why."""


def read_page(content: bytes | str, name: str) -> Page:
    """The page in ``content`` (text or HTML), known in reports as ``name``."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = content.decode("cp1252", errors="replace")
    if "\x00" in content:
        raise PageUnreadable("is not a text or HTML page")
    if re.search(r"<(?:html|body|p|div|h1)\b", content[:5000], re.IGNORECASE):
        url, title, text = html_text(content)
        page = read_text(text, name)
        page.url = page.url or url
        if title and not page.title:
            page.title = title
        return page
    return read_text(content, name)


def read_text(content: str, name: str) -> Page:
    """A captured page: ``URL:`` line, title, optional header line, then the text."""
    page = Page(name=name)
    lines = content.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    if lines and URL_LINE.match(lines[0]):
        page.url = URL_LINE.match(lines[0])["url"]
        lines = lines[1:]
    raw = []
    for line in lines:
        if CUT_OFF.match(line):
            page.cut_off = True
            break
        raw.append(line.rstrip())
    page.blocks = _blocks(raw)
    if page.cut_off and page.blocks and not SENTENCE_END.search(page.blocks[-1].text):
        last = page.blocks[-1]
        parts = sentences(last.text)
        page.cut_words = parts[-1]
        last.text = " ".join(parts[:-1])
        if not last.text:
            page.blocks.pop()
    _read_header(page)
    return page


def _blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    joinable = False  # the last block may go on in the next line
    for line in lines:
        # Words set apart by a wide gap ("Workshop on X  Bangkok, Thailand, 26-28 May 2014") stay apart.
        text = "  ".join(" ".join(part.split()) for part in re.split(r"\s{2,}", line.strip()))
        if not text:
            joinable = False
            continue
        if text.endswith(" Image") and CAPTION.search(text) and len(text.split()) <= 16:
            joinable = False
            continue
        bullet = BULLET.match(text)
        if bullet and (text[0] not in "-–—" or text[1:2] == " "):
            blocks.append(
                Block(text[bullet.end() :].strip(), bullet=True, numbered=bool(NUMBERED.match(text)))
            )
            joinable = True
            continue
        last = blocks[-1] if blocks else None
        if joinable and last is not None and not SENTENCE_END.search(last.text) and _goes_on(last.text, text):
            last.text = f"{last.text} {text}"
            continue
        blocks.append(Block(text))
        joinable = True
    return blocks


FUNCTION_WORD_END = re.compile(
    r"(?:,|\b(?:and|of|the|in|on|to|for|with|a|an|or|by|from|at|as|its|their))$", re.IGNORECASE
)


def _goes_on(last: str, line: str) -> bool:
    """Whether ``line`` continues the paragraph ``last`` rather than starting a block of its own."""
    if line[:1].islower() or FUNCTION_WORD_END.search(last):
        return True
    if len(last) <= WRAPPED_LENGTH:
        return False
    # A long heading is in title case and has no comma: "Regional Webinar on Combatting ... Phase".
    long_words = [word for word in last.split() if len(word) >= 4 and word[:1].isalpha()]
    title_case = all(word[:1].isupper() for word in long_words)
    return "," in last or not title_case


def _read_header(page: Page) -> None:
    """Take the title and the ``Location: ...Date: ...`` line off the top of the blocks."""
    for index, block in enumerate(page.blocks[:4]):
        match = HEADER.match(block.text)
        if match is None:
            continue
        page.location = (match["location"] or match["only"] or "").strip()
        page.date = (match["date"] or "").strip()
        titles = [b.text for b in page.blocks[:index] if not b.bullet]
        if titles:
            # The site's own name may stand above the title.
            page.title = titles[-1]
        del page.blocks[: index + 1]
        return
    first = page.blocks[0] if page.blocks else None
    second = page.blocks[1] if len(page.blocks) > 1 else None
    if first is not None and _title_like(first) and second is not None:
        # A title without a header line; the site's name may come first ("The Bali Process on ...").
        if _title_like(second) and len(page.blocks) > 2:
            page.title = second.text
            del page.blocks[:2]
        else:
            page.title = first.text
            del page.blocks[:1]


def _title_like(block: Block) -> bool:
    """A title above the text, or the site's name above the title: a line with no sentence's end."""
    return not block.bullet and len(block.text) <= 150 and not SENTENCE_END.search(block.text)


class _TextParser(HTMLParser):
    """The text of a saved page, a line per block, list items as bullets, navigation left out."""

    BLOCKS = {
        "p",
        "div",
        "section",
        "article",
        "main",
        "br",
        "tr",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "header",
        "li",
        "dd",
        "dt",
        "figure",
        "figcaption",
    }
    SKIPPED = {
        "script",
        "style",
        "noscript",
        "nav",
        "footer",
        "form",
        "aside",
        "svg",
        "template",
        "figcaption",
        "button",
        "select",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.main_parts = [], None
        self.skipping, self.in_main, self.in_title, self.in_h1 = 0, 0, False, False
        self.url, self.title, self.h1 = "", "", ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "canonical" in (attrs.get("rel") or "").split():
            self.url = self.url or (attrs.get("href") or "")
        if tag == "meta" and attrs.get("property") == "og:url":
            self.url = self.url or (attrs.get("content") or "")
        if tag in self.SKIPPED:
            self.skipping += 1
        if tag in ("main", "article"):
            if self.main_parts is None:
                self.main_parts = []
            self.in_main += 1
        self.in_title = tag == "title"
        self.in_h1 = self.in_h1 or tag == "h1"
        if tag in self.BLOCKS:
            self._write("\n\n" if tag not in ("br", "li") else "\n")
        if tag == "li":
            self._write("• ")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        if tag in ("main", "article") and self.in_main:
            self.in_main -= 1
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        if tag in self.BLOCKS:
            self._write("\n\n" if tag != "li" else "\n")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if self.skipping:
            return
        if self.in_h1:
            self.h1 += data
        self._write(data.replace("\n", " "))

    def _write(self, text):
        self.parts.append(text)
        if self.in_main and self.main_parts is not None:
            self.main_parts.append(text)


def html_text(content: str) -> tuple[str, str, str]:
    """(address, title, text) of a saved HTML page."""
    parser = _TextParser()
    parser.feed(content)
    parser.close()
    parts = parser.main_parts if parser.main_parts else parser.parts
    text = re.sub(r"[ \t]+", " ", "".join(parts))
    title = " ".join((parser.h1 or parser.title.split("|")[0].split(" - ")[0]).split())
    url = html.unescape(parser.url).strip()
    # The title is given by the page's <h1>; the reader takes it from the first block again.
    return url, title, "\n".join(line.strip() for line in text.split("\n"))
