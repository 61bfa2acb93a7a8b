"""Markdown -> the records the outline is built from, by a compiled parser when one is
installed.

:func:`parse` returns records (:data:`HEAD`, :data:`BLOCK`, :data:`INLINE`, :data:`TABLE`): the
top-level headings and blocks, the inline text that holds what the outline reads (tasks,
labels, links, anchors) and the tables, with their lines. markdown-it-py is the reference and
the pure-Python fallback: :func:`records_of` reads them from the block tokens of
``MarkdownIt("commonmark").enable("table")`` with the inline pass off (:func:`reference`). When
`pyromark <https://pypi.org/project/pyromark/>`_ (pulldown-cmark, compiled; the ``fast`` extra) is
importable, :class:`_Walker` reads the same records straight from its events with byte ranges,
making no token, many times faster; tests/test_parse.py checks that they are equal on the
CommonMark spec's examples, generated plans, the real-world corpus and generated Markdown.

The two parsers are different CommonMark implementations; where they may disagree (tabs in
indentation, which markdown-it expands its own way; reference definitions; a few table and HTML
corner cases) the document is recognised by :func:`reference_only` and handed to
markdown-it-py whole.
"""

from __future__ import annotations

import gc
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import accumulate
from operator import add
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.token import Token

Events = Callable[..., Iterable[tuple[Any, dict[str, int]]]]


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with tables, block pass only (inline content is kept raw, never parsed)."""
    md = MarkdownIt("commonmark").enable("table")
    md.disable(["inline", "text_join"], ignoreInvalid=True)
    return md


def reference(text: str) -> list[Token]:
    """The tokens as markdown-it-py gives them."""
    return parser().parse(text)


@lru_cache(maxsize=1)
def _events() -> Events | None:
    """pyromark's event stream with byte ranges, or None where it is not installed (or
    ``PLAN_LSP_PARSER=markdown-it-py`` asks for the reference parser alone)."""
    if os.environ.get("PLAN_LSP_PARSER") == "markdown-it-py":
        return None
    try:
        import pyromark
    except ImportError:
        return None
    md = pyromark.Markdown(options=pyromark.Options.ENABLE_TABLES)
    events: Events = md.events_with_range  # type: ignore[assignment]
    return lambda text: events(text, merge_text=True)


def warm_up() -> None:
    """Import and set up the parsers now rather than on the first document."""
    parser()
    _events()


def backend() -> str:
    """The parser :func:`parse` uses where it can: ``pyromark`` or ``markdown-it-py``."""
    return "pyromark" if _events() is not None else "markdown-it-py"


# Documents left to markdown-it-py, where the two parsers are known to part: a tab (markdown-it
# expands tab stops its own way and does not take a tab for a blank everywhere CommonMark does:
# after a closing fence, before a heading's closing hashes); NUL, a line ending other than ``\n``
# or a white space outside ASCII (Python's ``\s`` takes it for a blank, pulldown-cmark does not);
# link reference definitions (pulldown-cmark lets a setext underline or a list run past them,
# :data:`_DEFINITION`); see also :data:`_INDENTED_OPENER` and :func:`_table_doubt`.
_REFERENCE_CHARS = re.compile(
    "[\t\0\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_ASCII_REFERENCE_CHARS = "\t\0\r\x0b\x0c\x1c\x1d\x1e\x1f"
# (Line patterns start with ``\n`` and are searched in the text after one: a literal first
# character is found several times faster than ``^`` in multi-line mode.)
_DEFINITION = re.compile(r"\n[ >*+\-.)0-9]*\[[^\n]*\]:")
_OPEN_LABEL = re.compile(r"\n[ >*+\-.)0-9]*\[[^\]\n]*\n")
"""A line opening a bracket it does not close: maybe a definition whose label runs on."""
_INDENTED_OPENER = re.compile(r"\n(?:[ >]*>)? {4,}[-#*+0-9<`~=_>|]")
"""A block opener indented four spaces or more, after any
quote markers or none (below a list item's paragraph, markdown-it may take ``    # x`` or
``    - x`` for a block that ends the item where pulldown-cmark sees a lazy continuation line;
markdown-it continues a quote on ``    > x``): such documents go to markdown-it whole. Linear:
each try after a ``>`` reads only the spaces that follow it."""
_BLOCK_OPENERS = frozenset("#-*+0123456789<`~=_")
_DELIMITER_ROW = re.compile(r"\n([ >]*[-:|][-:| ]*)$", re.M)
_DELIMITER_CELL = re.compile(r":?-+:?")


def _table_doubt(text: str) -> bool:
    """A line with ``|`` over a delimiter row that has none (a table for markdown-it, a setext
    heading for pulldown-cmark), a table right under a paragraph line (markdown-it lets it
    interrupt the paragraph, pulldown-cmark does not), or a header row that could open another
    block (``# a | b``: markdown-it tries tables first, pulldown-cmark headings)."""
    for m in _DELIMITER_ROW.finditer("\n" + text):
        row = m.group(1)
        start = m.start(1) - 1
        if "-" not in row or start == 0:
            continue
        above = text.rfind("\n", 0, start - 1) + 1
        header = text[above : start - 1]
        if "|" not in header:
            continue
        body = header.lstrip(" >")
        quotes = header[: len(header) - len(body)].count(">")
        if quotes != row[: len(row) - len(row.lstrip(" >"))].count(">"):
            return True  # a quote marker on one of the two lines only
        if "|" not in row or body[:1] in _BLOCK_OPENERS:
            return True
        lead = row.lstrip(" >")
        if lead[:1] == "-" and lead[1:2] in ("", " "):
            return True  # ``- |---|``: a list item for markdown-it, a delimiter row for pulldown
        cells = (c.strip(" >") for c in row.split("|"))
        if any(c and not _DELIMITER_CELL.fullmatch(c) for c in cells):
            return True  # a cell such as ``- --``: no table for markdown-it, one for pulldown-cmark
        if above > 0 and text[text.rfind("\n", 0, above - 1) + 1 : above - 1].strip(" >"):
            return True
    return False


def reference_only(text: str) -> bool:
    """Whether ``text`` holds a construct the compiled parser is not trusted with."""
    if text.isascii():
        if any(c in text for c in _ASCII_REFERENCE_CHARS):
            return True
    elif _REFERENCE_CHARS.search(text) is not None:
        return True
    return (
        (
            "]:" in text
            and (
                _DEFINITION.search("\n" + text) is not None
                or _OPEN_LABEL.search("\n" + text) is not None
            )
        )
        or ("    " in text and _INDENTED_OPENER.search("\n" + text) is not None)
        or _table_doubt(text)
    )


_PROBE_FROM = 1 << 18
_PROBE_FACTOR = 32


class _Unsure(Exception):
    """A construct the adapter does not reproduce: the document goes to markdown-it-py."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector waits meanwhile. A parse makes many small objects and no
    cycles; collections triggered by them (each scanning every young object) took half of a
    parse's time. Callers that keep the tokens a while (the outline) hold the pause until they
    drop them, or the collection only comes later."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- what the outline reads ------------------------------------------------------------------

HEAD, BLOCK, INLINE, TABLE = range(4)
"""The kinds of record (a record's second field; its first is the line it starts on):

- ``(line, HEAD, end, level, setext, title)``: a heading at the top level (not in a container).
- ``(line, BLOCK, end, type, top, aux)``: a block by its markdown-it token type: every one at
  the top level that is content (:data:`CONTENT`), and fences and HTML blocks at any level;
  ``aux`` is a fence's markup, an HTML block's ``(only comments, anchor ids)``, else None.
- ``(line, INLINE, end, task, stars, hrefs, ids)``: inline text that matters: a paragraph
  first in a list item starting ``[ ]`` (``task`` 1) or ``[x]`` (2), a paragraph holding ``**``
  (``stars``), the targets of its links that are relative (``hrefs``, as markdown-it normalises
  them), its explicit anchor ids (``ids``).
- ``(line, TABLE, header, rows)``: a table (header cells without links, number of body rows),
  after its cells.
"""

Record = tuple[Any, ...]

CONTENT = frozenset(
    {
        "paragraph_open",
        "bullet_list_open",
        "ordered_list_open",
        "blockquote_open",
        "fence",
        "code_block",
        "table_open",
        "hr",
        "html_block",
    }
)
"""Top-level tokens that are a section's content (a heading is not, nor an HTML comment)."""

_HTML_ID = re.compile(
    r"""<a\s[^<>]{0,300}?\b(?:id|name)\s*=\s*(?:"([^"<>]{1,200})"|'([^'<>]{1,200})')""", re.I
)
TASK_RE = re.compile(r"^\[([ xX])\][ \t]")


def _ids(content: str) -> tuple[str, ...]:
    """Explicit HTML anchors (``<a id="x">``, ``<a name="x">``) in a block's or inline text."""
    if "<" not in content or "<a" not in content.lower():
        return ()
    return tuple(m.group(1) or m.group(2) or "" for m in _HTML_ID.finditer(content))


def is_comment(html: str) -> bool:
    """Whether an HTML block is only comments."""
    rest = html.strip()
    while rest.startswith("<!--"):
        end = rest.find("-->", 4)
        if end < 0:
            return True
        rest = rest[end + 3 :].strip()
    return not rest


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


@lru_cache(maxsize=1)
def inline_parser() -> MarkdownIt:
    """CommonMark inline parsing, for the few lines that hold links."""
    return MarkdownIt("commonmark")


def relative(href: str) -> bool:
    """Whether a link's (normalised) target is relative: no scheme, not ``//host``."""
    return bool(href) and not _SCHEME.match(href)


def _hrefs(content: str) -> tuple[str, ...]:
    """The relative link targets of inline text, as markdown-it-py parses and normalises them."""
    if "](" not in content:
        return ()
    parsed = inline_parser().parseInline(content)
    hrefs = []
    for child in parsed[0].children or [] if parsed else []:
        if child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            if relative(href):
                hrefs.append(href)
    return tuple(hrefs)


def _inline(
    out: list[Record],
    first: int,
    end: int,
    content: str,
    para: bool,
    item: bool,
    hrefs: tuple[str, ...] | None = None,
) -> None:
    """The record of inline text (``para``: a paragraph's, ``item``: first in a list item),
    when it holds anything the outline reads; ``hrefs`` its links' relative targets when known
    (else markdown-it-py finds them)."""
    task = 0
    stars = False
    if para:
        if item:
            m = TASK_RE.match(content)
            if m:
                task = 1 if m.group(1) == " " else 2
        stars = "**" in content
    if "](" not in content:
        hrefs = ()
    elif hrefs is None or "<" in content:
        # (raw HTML, autolinks: markdown-it-py ends an inline comment on ``--->`` later than
        # CommonMark 0.31 says, so what lies inside may be links for it)
        hrefs = _hrefs(content)
    ids = _ids(content)
    if task or stars or hrefs or ids:
        out.append((first, INLINE, end, task, stars, hrefs, ids))


def records_of(tokens: list[Token]) -> list[Record]:
    """The records (:data:`HEAD`…) of markdown-it-py's block tokens."""
    out: list[Record] = []
    header: list[str] = []
    in_thead = False
    rows = 0
    table = 0
    cur = 0
    for i, tok in enumerate(tokens):
        t = tok.type
        m = tok.map
        if t == "inline":
            if m is None:  # (markdown-it maps every inline token)
                ids = _ids(tok.content)
                if ids:
                    out.append((cur, INLINE, cur, 0, False, (), ids))
                continue
            cur = m[0]
            prev = tokens[i - 1].type if i else ""
            para = prev == "paragraph_open"
            item = para and i >= 2 and tokens[i - 2].type == "list_item_open"
            _inline(out, m[0], m[1], tok.content, para, item)
            if in_thead and "](" not in tok.content:
                header.append(tok.content.strip())
            continue
        if m is not None:
            cur = m[0]
        if t == "heading_open":
            if tok.level == 0 and m:
                level = int(tok.tag[1]) if len(tok.tag) == 2 else 1
                title = tokens[i + 1].content.strip()
                out.append((m[0], HEAD, m[1], level, tok.markup in ("=", "-"), title))
            continue
        top = tok.level == 0 and m is not None and tok.nesting >= 0
        if m is not None and (t in ("fence", "html_block") or (top and t in CONTENT)):
            aux: Any = None
            if t == "fence":
                aux = tok.markup
            elif t == "html_block":
                aux = (is_comment(tok.content), _ids(tok.content))
            out.append((m[0], BLOCK, m[1], t, top, aux))
        if t == "table_open" and m:
            table, header, rows = m[0], [], 0
        elif t == "thead_open":
            in_thead = True
        elif t == "thead_close":
            in_thead = False
        elif t == "tr_open" and not in_thead:
            rows += 1
        elif t == "table_close":
            out.append((table, TABLE, tuple(header), rows))
    return out


def parse(text: str) -> list[Record]:
    """The records of ``text`` (lines end with ``\\n``). Never raises on any input."""
    if not gc.isenabled():
        return _parse(text)
    gc.disable()  # (as gc_paused, without a generator's cost on every document)
    try:
        return _parse(text)
    finally:
        gc.enable()


def _parse(text: str) -> list[Record]:
    events = _events()
    if events is None or reference_only(text):
        return records_of(reference(text))
    if len(text) > _PROBE_FROM:
        # Rust aborts the process when an allocation fails; reserve (never touch) what the
        # parse may need first, so running out of memory is a MemoryError, as in Python.
        bytes(len(text) * _PROBE_FACTOR)
    try:
        return _Walker(text).walk(events(text))
    except Exception:  # a surprise (_Unsure or not) costs speed, never the outline
        return records_of(reference(text))


# -- the compiled path -------------------------------------------------------------------------

_BLOCKS = frozenset(
    (
        "Paragraph",
        "Heading",
        "BlockQuote",
        "CodeBlock",
        "List",
        "Item",
        "HtmlBlock",
        "Table",
        "TableHead",
        "TableRow",
        "TableCell",
    )
)
_LEAF_ENDS = frozenset(("Paragraph", "TableCell", "CodeBlock", "HtmlBlock"))
_RAW_OPEN = re.compile(r"<[!?]|<(?:script|pre|style|textarea)", re.I)
_ORDERED = re.compile(r"(\d{1,9})([.)])")


def _wanted(raw: str) -> bool:
    """Whether raw lines may hold what an inline record carries (``**``, ``](``, ``<a``): the
    text markdown-it gives is cut from them, so what it holds they hold."""
    return "**" in raw or "](" in raw or ("<" in raw and "<a" in raw.lower())


class _Frame:
    """An open block: its kind and, for containers, where their content starts: ``col`` on
    their first line ``line``; ``indent``, an item's content column counted from the innermost
    quote's content (markdown-it's ``blkIndent``)."""

    __slots__ = ("col", "end", "filled", "indent", "kind", "line")

    def __init__(self, kind: str, line: int = -1, col: int = 0, indent: int = 0) -> None:
        self.kind = kind
        self.line = line
        self.col = col
        self.indent = indent
        self.filled = False
        """A list item: whether it holds anything yet; a list: whether it has an item."""
        self.end = 0
        """A quote's end line."""


class _Walker:
    """Reads pyromark's events into the records markdown-it-py's tokens give
    (:func:`records_of`). Positions come from the events' byte ranges; every text is cut from
    the source lines the way markdown-it's block rules cut it (``getLines`` with the container
    prefixes taken off), and only where a record needs it."""

    def __init__(self, text: str) -> None:
        self.lines = lines = text.split("\n")
        self.ascii = text.isascii()
        # each line's first byte: the lengths so far, plus one line end a line
        sizes = map(len, lines) if self.ascii else map(len, map(str.encode, lines))
        self.offsets: list[int] = [0, *map(add, accumulate(sizes), range(1, len(lines) + 1))]
        self.out: list[Record] = []
        self.stack: list[_Frame] = []
        self.quotes = 0
        """Quotes open on the stack."""
        self.fresh = False
        """Whether the last token markdown-it would have made is a list item's opening."""
        self.hidden = False
        self.hidden_item = False
        self.hidden_start = 0
        self.hidden_end = 0
        self.cell = 0
        self.rows = 0
        self.table_line = 0
        self.table_end = 0
        self.header: list[str] = []
        self.in_head = False
        self.row_line = 0
        self.row_wanted = False
        self.hrefs: list[str] | None = None
        """The relative link targets of the leaf being read, when its text holds ``](``."""
        self.pending: tuple[int, int, str, bool, bool] | None = None
        """The inline record waiting for them: first, end, content, paragraph, first in item."""
        self.images = 0
        self.hidden_hrefs: list[str] = []

    # positions -------------------------------------------------------------------------------

    def line_of(self, offset: int) -> int:
        return bisect_right(self.offsets, offset) - 1

    def col_of(self, offset: int, line: int) -> int:
        """Column (code points) of a byte offset on ``line``."""
        start = self.offsets[line]
        if self.ascii:
            return offset - start
        return len(self.lines[line].encode()[: offset - start].decode("utf-8", "replace"))

    def span(self, rng: dict[str, int]) -> tuple[int, int]:
        a, b = rng["start"], rng["end"]
        offsets = self.offsets
        first = bisect_right(offsets, a) - 1
        if b <= a:
            return first, first + 1
        last = bisect_right(offsets, b - 1, first) - 1
        if b == offsets[last + 1]:
            return first, last + 1  # the usual case: the range ends with its line
        text = self.lines[last]
        if last == len(self.lines) - 1 and text and not text.strip(" "):
            raise _Unsure("a block runs into white space ending the document")
        col = self.col_of(b, last)
        if not text[:col].strip(" >") and text[col:].strip(" "):
            return first, max(last, first + 1)  # ends in the indentation of a line it leaves
        return first, last + 1

    # text ------------------------------------------------------------------------------------

    def strip(self, n: int, extra: int = 0) -> str:
        """Line ``n`` as markdown-it's ``getLines`` gives it to a block inside the open
        containers: quote markers (``>`` and one space) taken off, then up to the innermost
        list item's content column (plus ``extra``) of spaces."""
        line = self.lines[n]
        pos = 0
        indent = 0
        for f in self.stack:
            if f.line == n:
                # the container starts on this line: its content starts where it says
                pos = f.col
                indent = 0
            elif f.kind == "quote":
                p = pos
                while p < len(line) and line[p] == " ":
                    p += 1
                if p < len(line) and line[p] == ">":
                    pos = p + 1
                    if pos < len(line) and line[pos] == " ":
                        pos += 1
                indent = 0
            elif f.kind == "item":
                indent = f.indent
        indent += extra
        end = pos
        while end - pos < indent and end < len(line) and line[end] == " ":
            end += 1
        return line[end:]

    def inner_col(self, n: int) -> int:
        """Column on line ``n`` where the innermost quote's content starts (0 if none)."""
        col = 0
        if self.quotes == 0:
            return col
        for f in self.stack:
            if f.kind == "quote":
                if f.line == n:
                    col = f.col
                else:
                    line = self.lines[n]
                    p = col
                    while p < len(line) and line[p] == " ":
                        p += 1
                    if p < len(line) and line[p] == ">":
                        col = p + 1 + (1 if line[p + 1 : p + 2] == " " else 0)
        return col

    def joined(self, numbers: range) -> str:
        """Lines as ``getLines(..., keepLastLF=True)`` gives them: each with its line end."""
        last = len(self.lines) - 1
        return "".join([self.strip(n) + ("\n" if n < last else "") for n in numbers])

    def lines_text(self, first: int, end: int) -> str:
        if not self.stack:  # top level: the lines as they are
            return mdTrim("\n".join(self.lines[first:end]))
        return mdTrim("\n".join([self.strip(n) for n in range(first, end)]))

    def raw(self, first: int, end: int) -> str:
        return self.lines[first] if end - first == 1 else "\n".join(self.lines[first:end])

    def paragraph(self, first: int, end: int, item: bool) -> None:
        """The inline record of a paragraph on lines ``first``..``end`` whose events follow."""
        raw = self.raw(first, end)
        if _wanted(raw) or (item and "[" in raw):
            self.text(first, end, self.lines_text(first, end), True, item)

    def text(self, first: int, end: int, content: str, para: bool, item: bool) -> None:
        """The inline record of a leaf whose events follow: now, or once they are read when
        the text holds a link."""
        if "](" in content:
            self.pending = (first, end, content, para, item)
            self.hrefs = []
            self.images = 0
        elif para or "<" in content:  # (else no task, no label, no link, no anchor: no record)
            _inline(self.out, first, end, content, para, item)

    def flush(self) -> None:
        """The pending inline record, with the link targets read."""
        first, end, content, para, item = self.pending  # type: ignore[misc]
        _inline(self.out, first, end, content, para, item, tuple(self.hrefs or ()))
        self.pending = None
        self.hrefs = None

    def link(self, start: Any, hrefs: list[str]) -> None:
        """A link (or image) opening: its target, as markdown-it normalises it, when relative and
        not inside an image's description (markdown-it keeps those out of the inline's
        children)."""
        if "Image" in start:
            self.images += 1
            return
        link = start.get("Link")
        if link is None or self.images or link["link_type"] != "Inline":
            return  # markdown-it reads inline text without the reference definitions
        href = parser().normalizeLink(link["dest_url"])
        if relative(href):
            hrefs.append(href)

    # the walk --------------------------------------------------------------------------------

    def walk(self, events: Iterable[tuple[Any, dict[str, int]]]) -> list[Record]:
        skip = 0  # inside a leaf block: its text comes from the lines, its inline events not needed
        it = iter(events)
        for ev, rng in it:
            if skip:
                if type(ev) is not str:
                    end = ev.get("End")
                    if end is not None:
                        if type(end) is not str or end in _LEAF_ENDS:
                            if self.pending is not None:
                                self.flush()
                            skip = 0 if skip == 2 else self.end()
                        elif end == "Image":
                            self.images -= 1
                    elif self.hrefs is not None:
                        start = ev.get("Start")
                        if start is not None and type(start) is not str:
                            self.link(start, self.hrefs)
                continue
            if type(ev) is str:
                if ev == "Rule":
                    self.end_hidden()
                    self.rule(rng)
                else:
                    self.inline_event(rng)
                continue
            start = ev.get("Start")
            if start is not None:
                if start == "TableCell" and self.ascii:
                    # the hot path: one cell of a table row, on the row's line
                    skip = 2
                    if not self.in_head and not self.row_wanted:
                        continue
                    line = self.row_line
                    base = self.offsets[line]
                    a, b = rng["start"] - base, rng["end"] - base
                    cell = self.lines[line][a:b] if b > a else ""
                    self.cell_text(cell, line)
                    continue
                if start == "TableRow" and self.ascii:
                    # the next hottest: a body row (its line, its own; no frame on the stack)
                    line = bisect_right(self.offsets, rng["start"]) - 1
                    text = self.lines[line]
                    if text[:1] in " >" and self.strip(line).startswith("    "):
                        raise _Unsure("a row indented as code (markdown-it ends the table there)")
                    self.rows += 1
                    self.row_line = line
                    self.row_wanted = "](" in text or ("<" in text and "<a" in text.lower())
                    if not self.row_wanted:
                        # nothing in the row for a record: pass over its events to its end
                        for ev, _ in it:
                            if type(ev) is dict and ev.get("End") == "TableRow":
                                break
                    continue
                if type(start) is str:
                    name, arg = start, None
                else:
                    ((name, arg),) = start.items()
                if name in _BLOCKS:
                    if self.hidden:
                        self.end_hidden()
                    skip = self.start(name, arg, rng)
                else:
                    self.inline_event(rng)
                    if arg is not None:
                        self.link(start, self.hidden_hrefs)
                continue
            end = ev.get("End")
            if end is not None:
                if end == "TableRow" and self.ascii:
                    continue
                if end == "Image":
                    self.images -= 1
                name = end if type(end) is str else next(iter(end))
                if name in _BLOCKS:
                    if self.hidden:
                        self.end_hidden()
                    skip = self.end()
                continue
            self.inline_event(rng)
        self.end_hidden()
        if self.stack or skip:
            raise ValueError("unbalanced events")
        return self.out

    def cell_text(self, cell: str, line: int) -> None:
        content = mdTrim(cell.replace("\\|", "|")) if "\\|" in cell else mdTrim(cell)
        self.text(line, line + 1, content, False, False)
        if self.in_head and "](" not in content:
            self.header.append(content.strip())

    def inline_event(self, rng: dict[str, int]) -> None:
        """Inline content straight inside a list item: a tight list's hidden paragraph."""
        if not self.stack or self.stack[-1].kind != "item":
            raise ValueError("inline content outside a block")
        if not self.hidden:
            self.hidden_item = self.fresh
            self.fresh = False
            self.stack[-1].filled = True
            self.hidden = True
            self.hidden_start = rng["start"]
            self.hidden_end = rng["end"]
            self.hidden_hrefs = []
            self.images = 0
        elif rng["end"] > self.hidden_end:
            self.hidden_end = rng["end"]

    def end_hidden(self) -> None:
        if not self.hidden:
            return
        self.hidden = False
        offsets = self.offsets
        first = bisect_right(offsets, self.hidden_start) - 1
        if self.hidden_end <= offsets[first + 1]:  # the usual case: on one line
            end = first + 1
            raw = self.lines[first]
        else:
            end = max(bisect_right(offsets, self.hidden_end - 1, first), first + 1)
            raw = self.raw(first, end)
        if _wanted(raw) or (self.hidden_item and "[" in raw):
            content = self.lines_text(first, end)
            hrefs = tuple(self.hidden_hrefs)
            _inline(self.out, first, end, content, True, self.hidden_item, hrefs)

    def rule(self, rng: dict[str, int]) -> None:
        self.fresh = False
        if not self.stack:
            n = self.line_of(rng["start"])
            self.out.append((n, BLOCK, n + 1, "hr", True, None))

    def block(self, first: int, end: int, type_: str, aux: Any = None) -> None:
        self.out.append((first, BLOCK, end, type_, not self.stack, aux))

    def start(self, name: str, arg: Any, rng: dict[str, int]) -> int:
        """Open a block; 1 when its inline events are to be skipped."""
        first, last = self.span(rng)
        stack = self.stack
        item = self.fresh
        self.fresh = False
        if stack and stack[-1].kind == "item":
            stack[-1].filled = True  # the item holds something
        if name == "Paragraph":
            if not stack:
                self.out.append((first, BLOCK, last, "paragraph_open", True, None))
            self.paragraph(first, last, item)
            stack.append(_Frame("para"))
            return 1
        if name == "Heading":
            level = int(arg["level"][1])
            if last - first >= 2:  # setext: text lines and the underline
                setext, end, text_end = True, last, last - 1
                wanted = not stack or _wanted(self.raw(first, text_end))
                content = self.lines_text(first, text_end) if wanted else ""
            else:
                raw = self.lines[first][self.col_of(rng["start"], first) :].lstrip(" ")
                s = raw[level:]
                mx = len(s)
                while mx > 0 and s[mx - 1] in " \t":
                    mx -= 1
                tmp = mx
                while tmp > 0 and s[tmp - 1] == "#":
                    tmp -= 1
                if tmp > 0 and s[tmp - 1] in " \t":
                    mx = tmp
                elif tmp == 0:
                    mx = 0
                setext, end, text_end, wanted = False, first + 1, first + 1, True
                content = mdTrim(s[:mx])
            if not stack:
                self.out.append((first, HEAD, end, level, setext, content.strip()))
            if wanted:
                self.text(first, text_end, content, False, False)
            stack.append(_Frame("heading"))
            return 1
        if name == "BlockQuote":
            if not stack:
                self.out.append((first, BLOCK, last, "blockquote_open", True, None))
            line = self.lines[first]
            p = line.index(">", self.col_of(rng["start"], first))
            col = p + 1 + (1 if line[p + 1 : p + 2] == " " else 0)
            frame = _Frame("quote", first, col)
            frame.end = last
            stack.append(frame)
            self.quotes += 1
            return 0
        if name == "List":
            if not stack:
                type_ = "bullet_list_open" if arg is None else "ordered_list_open"
                self.out.append((first, BLOCK, last, type_, True, None))
            stack.append(_Frame("list"))
            return 0
        if name == "Item":
            line = self.lines[first]
            col = self.col_of(rng["start"], first)
            col += len(line) - col - len(line[col:].lstrip(" "))
            raw = line[col:]
            m = _ORDERED.match(raw) if raw[:1].isdigit() else None
            width = m.end() if m else 1
            stack[-1].filled = True
            rest = raw[width:]
            spaces = len(rest) - len(rest.lstrip(" "))
            if not rest.strip(" ") or spaces > 4:
                spaces = 1
            start = col + width + spaces
            stack.append(_Frame("item", first, start, start - self.inner_col(first)))
            self.fresh = True
            return 0
        if name == "CodeBlock":
            if arg == "Indented":
                if not stack:
                    while last - 1 > first and not self.strip(last - 1).strip(" "):
                        last -= 1  # markdown-it's code block ends after its last non-blank line
                    self.out.append((first, BLOCK, last, "code_block", True, None))
            else:
                line = self.lines[first]
                raw = line[self.col_of(rng["start"], first) :].lstrip(" ")
                fence = raw[: len(raw) - len(raw.lstrip(raw[:1]))]
                if any(f.kind == "item" for f in stack):
                    shut = self.strip(last - 1) if last - 1 > first else ""
                    indented = len(shut) - len(shut.lstrip(" "))
                    shut = shut.strip(" ")
                    if not (
                        indented < 4
                        and shut[:1] == fence[:1]
                        and len(shut) >= len(fence)
                        and not shut.strip(fence[:1])
                    ):
                        raise _Unsure("an unclosed fence in a list item")
                self.block(first, last, "fence", fence)
            stack.append(_Frame("leaf"))
            return 1
        if name == "HtmlBlock":
            if (
                any(f.kind == "item" for f in stack)
                and _RAW_OPEN.match(self.strip(first).lstrip())
                and ">" not in self.lines[last - 1]
            ):
                raise _Unsure("an unclosed raw HTML block in a list item")
            if any(not self.strip(n).strip(" ") for n in range(first + 1, last)):
                # markdown-it ends an HTML block at a line of spaces that pulldown-cmark, in a
                # list item, may keep
                raise _Unsure("a blank line inside an HTML block")
            content = self.joined(range(first, last))
            self.block(first, last, "html_block", (is_comment(content), _ids(content)))
            stack.append(_Frame("leaf"))
            return 1
        if name == "Table":
            if not stack:
                self.out.append((first, BLOCK, last, "table_open", True, None))
            stack.append(_Frame("table"))
            self.header = []
            self.rows = 0
            self.table_line = first
            self.table_end = last
            return 0
        if name == "TableHead":
            stack.append(_Frame("thead"))
            self.header = []
            self.in_head = True
            self.row_line = first
            return 0
        if name == "TableRow":
            if self.lines[first][:1] in " >" and self.strip(first).startswith("    "):
                raise _Unsure("a row indented as code (markdown-it ends the table there)")
            self.rows += 1
            stack.append(_Frame("row"))
            self.row_line = first
            self.row_wanted = True
            return 0
        # TableCell
        row = self.row_line  # a cell the row lacks is padded, its range after the row
        cell = ""
        if self.offsets[row] <= rng["start"] < rng["end"] <= self.offsets[row + 1]:
            a = self.col_of(rng["start"], row)
            cell = self.lines[row][a : self.col_of(rng["end"], row)]
        self.cell_text(cell, row)
        stack.append(_Frame("cell"))
        return 1

    def end(self) -> int:
        """Close the innermost block; the new ``skip`` (0: none of its events are leaves)."""
        f = self.stack[-1]
        if f.kind == "quote" and not self.strip(f.end - 1).strip(" "):
            raise _Unsure("a quote ending on an empty quoted line")
        self.stack.pop()
        self.fresh = False
        kind = f.kind
        if kind == "quote":
            self.quotes -= 1
        if kind == "thead":
            self.in_head = False
            self.row_wanted = False
        elif kind == "table":
            after = self.table_end
            if after < len(self.lines) and self.strip(after).strip(" ") == "|":
                raise _Unsure("a row of a lone pipe after a table")
            self.out.append((self.table_line, TABLE, tuple(self.header), self.rows))
        elif kind == "item" and not f.filled:
            raise _Unsure("an empty list item")
        return 0
