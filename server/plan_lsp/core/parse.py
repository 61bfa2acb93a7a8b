"""Markdown -> block tokens: the stream markdown-it-py's block parser gives, from a compiled
parser when one is installed.

:func:`parse` returns what ``MarkdownIt("commonmark").enable("table")`` with the inline pass off
returns (:func:`reference`): block tokens with their line maps, inline tokens holding their raw
content (no children). markdown-it-py is the reference and the pure-Python fallback. When
`pyromark <https://pypi.org/project/pyromark/>`_ (pulldown-cmark, compiled; the ``fast`` extra) is
importable, the same tokens are built from its events with byte ranges, many times faster: every
field markdown-it-py sets on a block token (type, tag, nesting, level, map, content, markup,
info, hidden, attrs) comes out equal, which tests/test_parse.py checks on the CommonMark spec's
examples, generated plans, the real-world corpus and generated Markdown.

The two parsers are different CommonMark implementations; where they may disagree (tabs in
indentation, which markdown-it expands its own way; a few table and HTML corner cases) the
document is recognised by :data:`_REFERENCE_ONLY` and handed to markdown-it-py whole.
"""

from __future__ import annotations

import gc
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal

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
# link reference definitions (pulldown-cmark lets a setext underline or a list run past them);
# see also :func:`_table_doubt`.
_REFERENCE_CHARS = re.compile(
    "[\t\0\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_REFERENCE_LINES = re.compile(
    r"^[ >*+\-.)0-9]*\[[^\n]*\]:|^(?:[ >]*>)?+ {4,}[-#*+0-9<`~=_>|]", re.M
)
"""Link reference definitions; and a block opener indented four spaces or more (below a list
item's paragraph, markdown-it may take ``    # x`` or ``    - x`` for a block that ends the item
where pulldown-cmark sees a lazy continuation line: such documents go to markdown-it whole)."""
_BLOCK_OPENERS = frozenset("#-*+0123456789<`~=_")
_DELIMITER_ROW = re.compile(r"^[ >]*[-:|][-:| ]*$", re.M)
_DELIMITER_CELL = re.compile(r":?-+:?")


def _table_doubt(text: str) -> bool:
    """A line with ``|`` over a delimiter row that has none (a table for markdown-it, a setext
    heading for pulldown-cmark), a table right under a paragraph line (markdown-it lets it
    interrupt the paragraph, pulldown-cmark does not), or a header row that could open another
    block (``# a | b``: markdown-it tries tables first, pulldown-cmark headings)."""
    for m in _DELIMITER_ROW.finditer(text):
        row = m.group()
        start = m.start()
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
        cells = (c.strip(" >") for c in row.split("|"))
        if any(c and not _DELIMITER_CELL.fullmatch(c) for c in cells):
            return True  # a cell such as ``- --``: no table for markdown-it, one for pulldown-cmark
        if above > 0 and text[text.rfind("\n", 0, above - 1) + 1 : above - 1].strip(" >"):
            return True
    return False


def reference_only(text: str) -> bool:
    """Whether ``text`` holds a construct the compiled parser is not trusted with."""
    return (
        _REFERENCE_CHARS.search(text) is not None
        or _REFERENCE_LINES.search(text) is not None
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


def parse(text: str) -> list[Token]:
    """The block tokens of ``text`` (lines end with ``\\n``). Never raises on any input."""
    with gc_paused():
        return _parse(text)


def _parse(text: str) -> list[Token]:
    events = _events()
    if events is None or reference_only(text):
        return reference(text)
    if len(text) > _PROBE_FROM:
        # Rust aborts the process when an allocation fails; reserve (never touch) what the
        # parse may need first, so running out of memory is a MemoryError, as in Python.
        bytes(len(text) * _PROBE_FACTOR)
    try:
        return _Builder(text).build(events(text))
    except Exception:  # a surprise (_Unsure or not) costs speed, never the outline
        return reference(text)


# -- the adapter -------------------------------------------------------------------------------

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
_ALIGN = {"Left": "text-align:left", "Center": "text-align:center", "Right": "text-align:right"}
_RAW_OPEN = re.compile(r"<[!?]|<(?:script|pre|style|textarea)", re.I)
_ORDERED = re.compile(r"(\d{1,9})([.)])")


class _Frame:
    """An open block: the token that closes it and, for containers, where their content starts:
    ``col`` on their first line ``line``; ``indent``, an item's content column counted from the
    innermost quote's content (markdown-it's ``blkIndent``)."""

    __slots__ = ("close", "col", "indent", "item", "kind", "line", "map")

    def __init__(
        self, kind: str, close: Token | None, line: int = -1, col: int = 0, indent: int = 0
    ) -> None:
        self.kind = kind
        self.close = close
        self.line = line
        self.col = col
        self.indent = indent
        self.item: Token | None = None
        self.map: list[int] | None = None
        """A list's last item so far: markdown-it's item runs up to the next one."""


_new = Token.__new__


def _token(
    type_: str,
    tag: str,
    nesting: Literal[-1, 0, 1],
    map_: list[int] | None = None,
    level: int = 0,
    content: str = "",
    markup: str = "",
) -> Token:
    """``Token(...)`` without the dataclass machinery (this is the adapter's inner loop)."""
    tok = _new(Token)
    tok.type = type_
    tok.tag = tag
    tok.nesting = nesting
    tok.attrs = {}
    tok.map = map_
    tok.level = level
    tok.children = [] if type_ == "inline" else None
    tok.content = content
    tok.markup = markup
    tok.info = ""
    tok.meta = {}
    tok.block = True
    tok.hidden = False
    return tok


def _closer(type_: str, tag: str, markup: str = "") -> Token:
    return _token(type_, tag, -1, None, 0, "", markup)


class _Builder:
    """Turns pyromark's events into markdown-it-py's block tokens. Positions come from the
    events' byte ranges; every text field is cut from the source lines the way markdown-it's
    block rules cut it (``getLines`` with the container prefixes taken off)."""

    def __init__(self, text: str) -> None:
        self.lines = lines = text.split("\n")
        self.ascii = text.isascii()
        offsets = [0]
        pos = 0
        for line in lines:
            pos += (len(line) if self.ascii else len(line.encode())) + 1
            offsets.append(pos)
        self.offsets = offsets
        self.out: list[Token] = []
        self.stack: list[_Frame] = []
        self.level = 0
        self.hidden: Token | None = None
        self.hidden_start = 0
        self.hidden_end = 0
        self.align: list[str] = []
        self.cell = 0
        self.rows = 0
        self.table_end = 0
        self.row_line = 0
        self.cell_tag = "td"

    # positions -------------------------------------------------------------------------------

    def line_of(self, offset: int) -> int:
        return bisect_right(self.offsets, offset) - 1

    def col_of(self, offset: int, line: int) -> int:
        """Column (code points) of a byte offset on ``line``."""
        start = self.offsets[line]
        if self.ascii:
            return offset - start
        return len(self.lines[line].encode()[: offset - start].decode("utf-8", "replace"))

    def span(self, rng: dict[str, int]) -> list[int]:
        a, b = rng["start"], rng["end"]
        offsets = self.offsets
        first = bisect_right(offsets, a) - 1
        if b <= a:
            return [first, first + 1]
        last = bisect_right(offsets, b - 1, first) - 1
        if b == offsets[last + 1]:
            return [first, last + 1]  # the usual case: the range ends with its line
        text = self.lines[last]
        if last == len(self.lines) - 1 and text and not text.strip(" "):
            raise _Unsure("a block runs into white space ending the document")
        col = self.col_of(b, last)
        if not text[:col].strip(" >") and text[col:].strip(" "):
            return [first, max(last, first + 1)]  # ends in the indentation of a line it leaves
        return [first, last + 1]

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

    # tokens ----------------------------------------------------------------------------------

    def open(self, type_: str, tag: str, map_: list[int] | None, markup: str = "") -> Token:
        tok = _token(type_, tag, 1, map_, self.level, "", markup)
        self.out.append(tok)
        self.level += 1
        return tok

    def shut(self, tok: Token) -> None:
        self.level -= 1
        tok.level = self.level
        self.out.append(tok)

    def inline(self, content: str, map_: list[int]) -> None:
        self.out.append(_token("inline", "", 0, map_, self.level, content))

    def joined(self, numbers: range, extra: int = 0) -> str:
        """Lines as ``getLines(..., keepLastLF=True)`` gives them: each with its line end."""
        last = len(self.lines) - 1
        return "".join([self.strip(n, extra) + ("\n" if n < last else "") for n in numbers])

    def lines_text(self, first: int, end: int) -> str:
        if not self.stack:  # top level: the lines as they are
            return mdTrim("\n".join(self.lines[first:end]))
        return mdTrim("\n".join([self.strip(n) for n in range(first, end)]))

    # the walk --------------------------------------------------------------------------------

    def build(self, events: Iterable[tuple[Any, dict[str, int]]]) -> list[Token]:
        skip = 0  # inside a leaf block: its text comes from the lines, its inline events not needed
        out = self.out
        offsets = self.offsets
        lines = self.lines
        for ev, rng in events:
            if skip:
                if type(ev) is not str:
                    end = ev.get("End")
                    if end is not None and (type(end) is not str or end in _LEAF_ENDS):
                        skip = 0 if skip == 2 else self.end()
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
                if self.ascii and start == "TableCell":
                    # the hot path: one cell of a table row, on the row's line
                    line = self.row_line
                    base = offsets[line]
                    a, b = rng["start"] - base, rng["end"] - base
                    level = self.level
                    tag = self.cell_tag
                    tok = _token(tag + "_open", tag, 1, None, level)
                    align = self.align[self.cell] if self.cell < len(self.align) else "None"
                    self.cell += 1
                    if align != "None":
                        tok.attrs["style"] = _ALIGN[align]
                    cell = lines[line][a:b] if b > a else ""
                    if "\\|" in cell:
                        cell = cell.replace("\\|", "|")
                    out.append(tok)
                    out.append(_token("inline", "", 0, [line, line + 1], level + 1, mdTrim(cell)))
                    out.append(_token(tag + "_close", tag, -1, None, level))
                    skip = 2
                    continue
                if self.ascii and start == "TableRow":
                    # the next hottest: a body row (its line, its own; no frame on the stack)
                    line = bisect_right(offsets, rng["start"]) - 1
                    if lines[line][:1] in " >" and self.strip(line).startswith("    "):
                        raise _Unsure("a row indented as code (markdown-it ends the table there)")
                    if self.rows == 0:
                        self.open("tbody_open", "tbody", [line, self.table_end])
                    self.rows += 1
                    out.append(_token("tr_open", "tr", 1, [line, line + 1], self.level))
                    self.level += 1
                    self.cell = 0
                    self.row_line = line
                    self.cell_tag = "td"
                    continue
                if type(start) is str:
                    name, arg = start, None
                else:
                    ((name, arg),) = start.items()
                if name in _BLOCKS:
                    if self.hidden is not None:
                        self.end_hidden()
                    skip = self.start(name, arg, rng)
                else:
                    self.inline_event(rng)
                continue
            end = ev.get("End")
            if end is not None:
                if self.ascii and end == "TableRow":
                    self.level -= 1
                    out.append(_token("tr_close", "tr", -1, None, self.level))
                    continue
                name = end if type(end) is str else next(iter(end))
                if name in _BLOCKS:
                    if self.hidden is not None:
                        self.end_hidden()
                    skip = self.end()
                continue
            self.inline_event(rng)
        self.end_hidden()
        if self.stack or skip:
            raise ValueError("unbalanced events")
        return self.out

    def inline_event(self, rng: dict[str, int]) -> None:
        """Inline content straight inside a list item: a tight list's hidden paragraph."""
        if not self.stack or self.stack[-1].kind != "item":
            raise ValueError("inline content outside a block")
        if self.hidden is None:
            self.stack[-1].item = self.out[-1]
            self.hidden = self.open("paragraph_open", "p", None)
            self.hidden.hidden = True
            self.hidden_start = rng["start"]
            self.hidden_end = rng["end"]
        elif rng["end"] > self.hidden_end:
            self.hidden_end = rng["end"]

    def end_hidden(self) -> None:
        tok = self.hidden
        if tok is None:
            return
        self.hidden = None
        first = self.line_of(self.hidden_start)
        end = max(self.line_of(self.hidden_end - 1) + 1, first + 1)
        tok.map = [first, end]
        self.inline(self.lines_text(first, end), [first, end])
        close = _closer("paragraph_close", "p")
        close.hidden = True
        self.shut(close)

    def rule(self, rng: dict[str, int]) -> None:
        n = self.line_of(rng["start"])
        raw = self.lines[n][self.col_of(rng["start"], n) :].lstrip(" ")
        ch = raw[:1]
        self.out.append(
            # markdown-it-py's markup holds one marker more than the line
            Token("hr", "hr", 0, map=[n, n + 1], level=self.level, markup=ch * (raw.count(ch) + 1))
        )

    def start(self, name: str, arg: Any, rng: dict[str, int]) -> int:
        """Open a block; 1 when its inline events are to be skipped."""
        map_ = self.span(rng)
        if self.stack and self.stack[-1].kind == "item":
            self.stack[-1].item = self.out[-1]  # the item holds something
        first, last = map_
        stack = self.stack
        if name == "Paragraph":
            self.open("paragraph_open", "p", map_)
            self.inline(self.lines_text(first, last), map_)
            stack.append(_Frame("para", _closer("paragraph_close", "p")))
            return 1
        if name == "Heading":
            level = int(arg["level"][1])
            tag = f"h{level}"
            if last - first >= 2:  # setext: text lines and the underline
                markup = self.strip(last - 1).strip(" ")[:1]
                self.open("heading_open", tag, map_, markup)
                self.inline(self.lines_text(first, last - 1), [first, last - 1])
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
                map_ = [first, first + 1]
                markup = "#" * level
                self.open("heading_open", tag, map_, markup)
                self.inline(mdTrim(s[:mx]), map_)
            stack.append(_Frame("heading", _closer("heading_close", tag, markup)))
            return 1
        if name == "BlockQuote":
            self.open("blockquote_open", "blockquote", map_, ">")
            line = self.lines[first]
            p = line.index(">", self.col_of(rng["start"], first))
            col = p + 1 + (1 if line[p + 1 : p + 2] == " " else 0)
            frame = _Frame("quote", _closer("blockquote_close", "blockquote", ">"), first, col)
            frame.map = map_
            stack.append(frame)
            return 0
        if name == "List":
            raw = self.lines[first][self.col_of(rng["start"], first) :].lstrip(" ")
            if arg is None:
                markup = raw[:1]
                self.open("bullet_list_open", "ul", map_, markup)
                close = _closer("bullet_list_close", "ul", markup)
            else:
                m = _ORDERED.match(raw)
                markup = m.group(2) if m else "."
                tok = self.open("ordered_list_open", "ol", map_, markup)
                if arg != 1:
                    tok.attrs["start"] = arg
                close = _closer("ordered_list_close", "ol", markup)
            frame = _Frame("list", close)
            frame.map = map_
            stack.append(frame)
            return 0
        if name == "Item":
            line = self.lines[first]
            col = self.col_of(rng["start"], first)
            col += len(line) - col - len(line[col:].lstrip(" "))
            raw = line[col:]
            m = _ORDERED.match(raw)
            if m:
                markup, info, width = m.group(2), m.group(1), m.end()
            else:
                markup, info, width = raw[:1], "", 1
            tok = self.open("list_item_open", "li", map_, markup)
            tok.info = info
            owner = stack[-1]
            if owner.item is not None and owner.item.map:
                owner.item.map[1] = first  # blank lines between items belong to the first
            owner.item = tok
            rest = raw[width:]
            spaces = len(rest) - len(rest.lstrip(" "))
            if not rest.strip(" ") or spaces > 4:
                spaces = 1
            content = col + width + spaces
            indent = content - self.inner_col(first)
            frame = _Frame("item", _closer("list_item_close", "li", markup), first, content, indent)
            stack.append(frame)
            return 0
        if name == "CodeBlock":
            if arg == "Indented":
                while last - 1 > first and not self.strip(last - 1).strip(" "):
                    last -= 1  # markdown-it's code block ends after its last non-blank line
                body = [self.strip(n, 4) for n in range(first, last)]
                tok = Token("code_block", "code", 0, map=[first, last], level=self.level)
                tok.content = "\n".join(body) + "\n"
            else:
                line = self.lines[first]
                col = self.col_of(rng["start"], first)
                raw = line[col:].lstrip(" ")
                fence_col = len(line) - len(raw) - self.inner_col(first)
                fence = raw[: len(raw) - len(raw.lstrip(raw[:1]))]
                shut = self.strip(last - 1) if last - 1 > first else ""
                indented = len(shut) - len(shut.lstrip(" "))
                shut = shut.strip(" ")
                closed = (
                    indented < 4
                    and shut[:1] == fence[:1]
                    and len(shut) >= len(fence)
                    and not shut.strip(fence[:1])
                )
                if not closed and any(f.kind == "item" for f in self.stack):
                    raise _Unsure("an unclosed fence in a list item")
                stop = last - 1 if closed else last
                item = self.stack[-1].indent if self.stack and self.stack[-1].kind == "item" else 0
                tok = Token("fence", "code", 0, map=map_, level=self.level, markup=fence)
                tok.info = raw[len(fence) :]
                tok.content = self.joined(range(first + 1, stop), fence_col - item)
            self.out.append(tok)
            stack.append(_Frame("leaf", None))
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
            tok = Token("html_block", "", 0, map=map_, level=self.level)
            tok.content = self.joined(range(first, last))
            self.out.append(tok)
            stack.append(_Frame("leaf", None))
            return 1
        if name == "Table":
            self.open("table_open", "table", map_)
            stack.append(_Frame("table", _closer("table_close", "table")))
            self.align = list(arg)
            self.rows = 0
            self.table_end = last
            return 0
        if name == "TableHead":
            self.open("thead_open", "thead", [first, first + 1])
            self.open("tr_open", "tr", [first, first + 1])
            stack.append(_Frame("thead", None))
            self.cell = 0
            self.row_line = first
            self.cell_tag = "th"
            return 0
        if name == "TableRow":
            if self.lines[first][:1] in " >" and self.strip(first).startswith("    "):
                raise _Unsure("a row indented as code (markdown-it ends the table there)")
            if self.rows == 0:
                self.open("tbody_open", "tbody", [first, self.table_end])
            self.rows += 1
            self.open("tr_open", "tr", [first, first + 1])
            stack.append(_Frame("row", None))
            self.cell = 0
            self.row_line = first
            self.cell_tag = "td"
            return 0
        # TableCell
        tag = "th" if stack[-1].kind == "thead" else "td"
        tok = self.open(f"{tag}_open", tag, None)
        align = self.align[self.cell] if self.cell < len(self.align) else "None"
        self.cell += 1
        if align in _ALIGN:
            tok.attrs["style"] = _ALIGN[align]
        row = self.row_line  # a cell the row lacks is padded, its range after the row
        cell = ""
        if self.offsets[row] <= rng["start"] < rng["end"] <= self.offsets[row + 1]:
            a = self.col_of(rng["start"], row)
            cell = self.lines[row][a : self.col_of(rng["end"], row)]
        self.inline(mdTrim(cell.replace("\\|", "|")), [row, row + 1])
        stack.append(_Frame("cell", _closer(f"{tag}_close", tag)))
        return 1

    def end(self) -> int:
        """Close the innermost block; the new ``skip`` (0: none of its events are leaves)."""
        f = self.stack[-1]
        if f.kind == "quote" and f.map and not self.strip(f.map[1] - 1).strip(" "):
            raise _Unsure("a quote ending on an empty quoted line")
        self.stack.pop()
        kind = f.kind
        if kind == "leaf":
            return 0
        if kind == "thead":
            self.shut(_closer("tr_close", "tr"))
            self.shut(_closer("thead_close", "thead"))
            return 0
        if kind == "row":
            self.shut(_closer("tr_close", "tr"))
            return 0
        if kind == "table":
            after = self.table_end
            if after < len(self.lines) and self.strip(after).strip(" ") == "|":
                raise _Unsure("a row of a lone pipe after a table")
            if self.rows:
                self.shut(_closer("tbody_close", "tbody"))
        if kind == "item" and f.item is None:
            raise _Unsure("an empty list item")
        if kind == "list" and f.item is not None and f.item.map and f.map:
            f.item.map[1] = f.map[1]  # the last item ends with its list
        if f.close is not None:
            self.shut(f.close)
        return 0
