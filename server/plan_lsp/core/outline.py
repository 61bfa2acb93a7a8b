"""Markdown -> plan outline: headings, sections, fields, template tokens, labels, tasks, tables.

The document is parsed by :mod:`plan_lsp.core.parse` into records of what the outline reads
(headings, blocks, inline text that holds tasks, labels, links or anchors; tables), from a
compiled parser when installed, markdown-it-py's block tokens otherwise: the same records either
way, with exact lines. What the checks need is kept as a compact :class:`Outline`. Only headings at
the document's top level (not inside lists or block quotes) open sections.

A section's contents are kept relative to its first line (a :class:`Block`), so an edit inside one
section re-parses only that section (:func:`update`) and the sections after it just move: a
top-level heading outside fences is a block boundary. Edits that could move a boundary (a heading,
a fence, an HTML block, setext underlines, front matter) fall back to a full parse, and the result
is always what a full parse gives.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt

from plan_lsp.core import parse as _parse
from plan_lsp.core.parse import BLOCK, HEAD, INLINE, TABLE
from plan_lsp.core.text import Pos, Span, normalize, quick_init

# A field to resolve: ``<<Name>>``; no blank just inside the brackets (``a << b >> c`` is none).
FIELD_RE = re.compile(r"<<([^<>\s](?:[^<>\n]{0,98}[^<>\s])?)>>")
# A template token left over from an unrendered template: ``{{ x }}`` or ``{% ... %}``.
TOKEN_RE = re.compile(r"\{\{-?\s*([^{}\n]*?)\s*-?\}\}|\{%-?\s*([^%\n]*?)\s*-?%\}")
_MARKER_RE = re.compile(FIELD_RE.pattern + "|" + TOKEN_RE.pattern)
# ``**Label:** value`` (also ``**Label**: value``), optionally as a list item or in a quote.
LABEL_RE = re.compile(
    r"^(?P<lead>[ \t>]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?)"
    r"\*\*(?P<label>[^*\n]+?)(?::\*\*|\*\*:)[ \t]*(?P<value>.*?)[ \t]*$"
)
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")


@quick_init
@dataclass(frozen=True, slots=True)
class Marker:
    """A ``<<field>>`` (kind ``field``) or a leftover ``{{token}}`` (kind ``token``)."""

    kind: str
    name: str
    span: Span
    code: bool = False
    """Inside a code block or a code span: a field only if the template has it there."""


@quick_init
@dataclass(frozen=True, slots=True)
class Labeled:
    """A labelled line such as ``**Status:** Draft``."""

    label: str
    value: str
    label_span: Span
    value_span: Span


@quick_init
@dataclass(frozen=True, slots=True)
class Link:
    """A link with a relative target (``spec.md``, ``../adr/1.md#decision``, ``#overview``)."""

    target: str
    span: Span
    """The target's text in the link, between the parentheses."""


@quick_init
@dataclass(frozen=True, slots=True)
class Table:
    """A table: its first line, header cells and number of body rows."""

    line: int
    header: tuple[str, ...]
    rows: int


@quick_init
@dataclass(frozen=True, slots=True)
class Heading:
    """A top-level heading: level 1-6, its text, the line it starts and its title's span."""

    level: int
    title: str
    line: int
    title_span: Span
    setext: bool = False


def _shift(span: Span, by: int) -> Span:
    return Span(
        Pos(span.start.line + by, span.start.character), Pos(span.end.line + by, span.end.character)
    )


@dataclass(eq=False, slots=True)
class Block:
    """What a :class:`Section` holds (fields, labels, tasks, tables, links), in lines relative
    to its first line, so it moves for free and is reused while the section is unedited."""

    length: int
    heading: Heading | None = None
    body_offset: int = 0
    has_content: bool = False
    markers: list[Marker] = field(default_factory=list)
    labels: list[Labeled] = field(default_factory=list)
    tasks_done: int = 0
    tasks_total: int = 0
    tables: list[Table] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    skip: list[tuple[int, int]] = field(default_factory=list)
    """Relative line ranges that are not prose: code blocks and HTML comments."""
    refs: frozenset[str] = frozenset()
    """Link reference labels defined in this block (``[label]: url``), normalized."""
    ids: list[str] = field(default_factory=list)
    """Explicit HTML anchors in this block: ``<a id="x">``, ``<a name="x">``."""
    cache: dict[Any, Any] = field(default_factory=dict)
    """Results derived from this block alone (per-section findings), reused while it lives."""


class Section:
    """A section as written: the lines from a heading up to the next top-level heading (the
    preamble has no heading), and its :class:`Block`.

    Positions are absolute; they are computed from the block on first use.
    """

    __slots__ = ("_abs", "block", "end", "start")

    def __init__(self, start: int, end: int, block: Block) -> None:
        self.start = start
        self.end = end
        self.block = block
        self._abs: dict[str, Any] = {}

    def moved(self, by: int) -> Section:
        return Section(self.start + by, self.end + by, self.block)

    def with_end(self, end: int) -> Section:
        return Section(self.start, end, self.block)

    def _get(self, key: str) -> Any:
        hit = self._abs.get(key)
        if hit is None:
            by, b = self.start, self.block
            if key == "heading":
                h = b.heading
                hit = (
                    None
                    if h is None
                    else Heading(h.level, h.title, by, _shift(h.title_span, by), h.setext)
                )
            elif key == "markers":
                hit = (
                    [Marker(m.kind, m.name, _shift(m.span, by), m.code) for m in b.markers]
                    if by
                    else (b.markers)
                )
            elif key == "labels":
                hit = (
                    [
                        Labeled(
                            x.label, x.value, _shift(x.label_span, by), _shift(x.value_span, by)
                        )
                        for x in b.labels
                    ]
                    if by
                    else b.labels
                )
            elif key == "tables":
                hit = [Table(t.line + by, t.header, t.rows) for t in b.tables]
            elif key == "links":
                hit = [Link(x.target, _shift(x.span, by)) for x in b.links]
            self._abs[key] = hit if hit is not None else False
        return hit if hit is not False else None

    @property
    def heading(self) -> Heading | None:
        return self._get("heading")  # type: ignore[no-any-return]

    @property
    def markers(self) -> list[Marker]:
        return self._get("markers")  # type: ignore[no-any-return]

    @property
    def labels(self) -> list[Labeled]:
        return self._get("labels")  # type: ignore[no-any-return]

    @property
    def tables(self) -> list[Table]:
        return self._get("tables")  # type: ignore[no-any-return]

    @property
    def links(self) -> list[Link]:
        return self._get("links")  # type: ignore[no-any-return]

    @property
    def body_start(self) -> int:
        return self.start + self.block.body_offset

    @property
    def has_content(self) -> bool:
        return self.block.has_content

    @property
    def tasks_done(self) -> int:
        return self.block.tasks_done

    @property
    def tasks_total(self) -> int:
        return self.block.tasks_total


@dataclass(slots=True)
class Outline:
    """A parsed document: its lines and its sections in order (the first may be a preamble)."""

    lines: list[str]
    sections: list[Section]
    front: int = 0
    """Lines taken by YAML front matter at the top."""
    setext: bool = False
    """Whether any top-level heading is a setext one (then edits always re-parse in full)."""

    @property
    def headings(self) -> list[Heading]:
        return [h for s in self.sections if (h := s.heading) is not None]

    @property
    def first_heading(self) -> Heading | None:
        for s in self.sections[:2]:
            if s.heading is not None:
                return s.heading
        return None

    @property
    def markers(self) -> list[Marker]:
        return [m for s in self.sections for m in s.markers]

    @property
    def anchor_titles(self) -> list[str]:
        """What links may name in this document: its heading titles, then its explicit HTML
        anchors, each marked with ``"\\0"`` (see :data:`plan_lsp.core.links.ID_PREFIX`)."""
        titles = [h.title for h in self.headings]
        return titles + ["\0" + i for s in self.sections for i in s.block.ids]

    def section_at(self, line: int) -> Section | None:
        """The section holding ``line``."""
        starts = [s.start for s in self.sections]
        i = bisect.bisect_right(starts, line) - 1
        return self.sections[i] if i >= 0 else None


def parser() -> MarkdownIt:
    """The reference parser, with the compiled one loaded too when installed (the server calls
    this once it has answered ``initialize``)."""
    _parse.warm_up()
    return _parse.parser()


def front_matter_end(lines: list[str]) -> int:
    """Number of lines taken by a YAML front matter block at the top (0 if none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, min(len(lines), 1000)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def parse(text: str) -> Outline:
    """Parse ``text`` into an :class:`Outline`. Never raises on any input."""
    return parse_lines(normalize(text).split("\n"))


def parse_lines(lines: list[str]) -> Outline:
    """Parse a document given as lines (no line ends; a leading BOM already a space)."""
    front = front_matter_end(lines)
    with _parse.gc_paused():  # many small objects, no cycles
        sections, setext, _ = _parse_range(lines, 0, len(lines), front)
    return Outline(lines, sections, front, setext)


def _parse_range(
    lines: list[str], lo: int, hi: int, front: int = 0
) -> tuple[list[Section], bool, list[_parse.Record]]:
    """The sections of ``lines[lo:hi]`` parsed on their own (``front`` lines of front matter at
    the top are not Markdown), whether any heading is a setext one, and the parse's records."""
    piece = lines[lo:hi]
    body = [""] * front + piece[front:] if front else piece
    text = "\n".join(body)
    records = _parse.parse(text)
    setext = False
    starts: list[tuple[int, Heading | None, int]] = [(0, None, 0)]
    for rec in records:
        if rec[1] == HEAD:
            line, _, end, level, is_setext, title = rec
            heading = _heading(level, title, is_setext, piece[line])
            setext = setext or is_setext
            starts.append((line, heading, end - line))
    if len(starts) > 1 and starts[1][0] == 0:
        starts.pop(0)
    bounds = [s[0] for s in starts] + [len(piece)]
    blocks = [
        Block(bounds[j + 1] - bounds[j], starts[j][1], starts[j][2]) for j in range(len(starts))
    ]
    # One pass over the records, handing each to the section it lies in.
    k = 0
    last = len(starts) - 1
    block = blocks[0]
    base = 0
    for rec in records:
        line, kind = rec[0], rec[1]
        if k < last and line >= bounds[k + 1]:
            while k < last and line >= bounds[k + 1]:
                k += 1
            block, base = blocks[k], bounds[k]
        if kind == INLINE:
            _, _, end, task, stars, hrefs, ids = rec
            if task:
                block.tasks_total += 1
                if task == 2:
                    block.tasks_done += 1
            if stars:
                for ln in range(line, end):
                    if "**" in piece[ln]:
                        block.labels.extend(line_labels(piece[ln], ln - base))
            if hrefs:
                block.links += _links(hrefs, line, end, piece, base)
            if ids:
                block.ids.extend(ids)
        elif kind == BLOCK:
            _, _, end, type_, top, aux = rec
            comment = type_ == "html_block" and aux[0]
            if top:
                if type_ in ("fence", "code_block") or comment:
                    block.skip.append((line - base, end - base))
                if not comment:
                    block.has_content = True
            if type_ == "html_block" and aux[1]:
                block.ids.extend(aux[1])
        elif kind == TABLE:
            block.tables.append(Table(line - base, rec[2], rec[3]))
    sections = []
    # Lines that may hold a marker: front matter lines (not in the parsed text) and those the
    # parsed text shows one on, found in one pass over it.
    maybe = list(range(min(front, len(piece)))) + _marker_lines(text, front)
    defines = "]:" in text or any("]:" in line for line in piece[:front])
    for j, b in enumerate(blocks):
        if defines:  # (a definition needs ``]:``)
            b.refs = _refs_in(piece, bounds[j], b)
        a, z = bisect.bisect_left(maybe, bounds[j]), bisect.bisect_left(maybe, bounds[j + 1])
        b.markers = _markers_in(piece, bounds[j], maybe[a:z], b.skip)
        sections.append(Section(lo + bounds[j], lo + bounds[j + 1], b))
    return sections, setext, records


def _heading(level: int, title: str, setext: bool, raw: str) -> Heading:
    """A heading, on its section's first line (0), ``raw`` the line's text."""
    if setext:
        stripped = raw.strip()
        col = raw.find(stripped)
        span = Span(Pos(0, col), Pos(0, col + len(stripped)))
    else:
        col = raw.find(title) if title else -1
        if col < 0:
            col = len(raw)
        span = Span(Pos(0, col), Pos(0, col + len(title)))
    return Heading(level, title, 0, span, setext)


_RAW_LINK = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)")
inline_parser = _parse.inline_parser


def _links(hrefs: tuple[str, ...], first: int, end: int, lines: list[str], base: int) -> list[Link]:
    """The relative links of inline text on lines ``first``..``end``: the parse says which
    targets are links, the raw lines say where they are."""
    md = inline_parser()
    wanted = list(hrefs)
    out: list[Link] = []
    for ln in range(first, end):
        for m in _RAW_LINK.finditer(lines[ln]):
            raw = m.group(1)
            a, b = m.start(1), m.end(1)
            if raw.startswith("<"):
                raw, a, b = raw[1:-1], a + 1, b - 1
            norm = md.normalizeLink(raw)
            if norm in wanted:
                wanted.remove(norm)
                out.append(Link(raw, Span(Pos(ln - base, a), Pos(ln - base, b))))
    return out


def ref_label(text: str) -> str:
    """A link label as markdown-it compares them."""
    return " ".join(text.split()).upper()


def _refs_in(lines: list[str], base: int, block: Block) -> frozenset[str]:
    """The link reference labels defined in a block (``[label]: url``): the lines that may be
    definitions, each confirmed by markdown-it (the token stream does not carry them)."""
    out: set[str] = set()
    for n in prose_lines(block):
        raw = lines[base + n]
        s = raw.lstrip(" ")
        if not s.startswith("[") or "]:" not in s or len(raw) - len(s) > 3:
            continue
        env: dict[str, Any] = {}
        _parse.parser().parse(s + "\n", env)
        out.update((env.get("references") or {}).keys())
    return frozenset(out)


# A further ``**Label:**`` on the same line after a ``|`` (``**Branch**: … | **Date**: …``).
_MORE_LABEL = re.compile(r"[ \t]+\|[ \t]+(?=\*\*[^*\n]+?(?::\*\*|\*\*:))")
_NEXT_LABEL = re.compile(r"\*\*(?P<label>[^*\n]+?)(?::\*\*|\*\*:)[ \t]*")
_TRAILING_COMMENT = re.compile(r"[ \t]*<!--(?:(?!-->).){0,500}-->[ \t]*$")


def line_labels(raw: str, line: int) -> list[Labeled]:
    """The labelled fields of a line (``line``: its number in the spans): ``**Label:** value``
    (or ``**Label**: value``), alone, in a quote, or as a list item (``-``, ``*``, ``+``, ``1.``,
    ``1)``), several when separated by ``|``; a trailing HTML comment is no part of a value.
    The one definition of a label: completion reads labels with it too."""
    m = LABEL_RE.match(raw)
    if m is None:
        return []
    out: list[Labeled] = []
    label, ls = m.group("label"), m.start("label")
    vs, ve = m.start("value"), m.end("value")
    while True:
        head = ls + len(label) + 3  # past ``:**`` / ``**:``: blanks, then the value
        value = raw[head:ve]
        more = _MORE_LABEL.search(value) if "|" in value else None
        end = head + more.start() if more is not None else ve
        vs = min(vs, end)  # an empty value before `` | **Next:**`` ends where it starts
        text = raw[vs:end]
        c = _TRAILING_COMMENT.search(text) if "<!--" in text else None
        if c is not None:
            text = text[: c.start()]
        out.append(
            Labeled(
                label.strip(),
                text,
                Span(Pos(line, ls), Pos(line, ls + len(label))),
                Span(Pos(line, vs), Pos(line, vs + len(text))),
            )
        )
        if more is None:
            return out
        nxt = _NEXT_LABEL.match(raw, head + more.end())
        if nxt is None:
            return out
        label, ls = nxt.group("label"), nxt.start("label")
        vs = nxt.end()


def prose_lines(block: Block) -> Iterator[int]:
    """Relative lines of a block that are prose (not in a code block or an HTML comment)."""
    skip = block.skip
    k = 0
    for n in range(block.length):
        while k < len(skip) and skip[k][1] <= n:
            k += 1
        if k < len(skip) and skip[k][0] <= n:
            continue
        yield n


def prose(line: str) -> str:
    """``line`` with its code spans and inline HTML comments blanked out (same length), as
    markdown-it reads them."""
    if "`" not in line and "<!--" not in line:
        return line
    children = inline_parser().parseInline(line)[0].children or []
    out = list(line)
    pos = 0
    for child in children:
        if child.type == "code_inline":
            a = line.find(child.markup, pos)
            if a < 0:
                continue
            b = line.find(child.markup, a + len(child.markup))
            b = len(line) if b < 0 else b + len(child.markup)
        elif child.type == "html_inline" and child.content.startswith("<!--"):
            a = line.find(child.content, pos)
            if a < 0:
                continue
            b = a + len(child.content)
        else:
            continue
        out[a:b] = " " * (b - a)
        pos = b
    return "".join(out)


def _marker_lines(text: str, first: int = 0) -> list[int]:
    """The lines of ``text`` from line ``first`` on that hold ``<<``, ``{{`` or ``{%`` (found
    with ``str.find``, much faster than a regular expression that may start anywhere)."""
    at: list[int] = []
    needles: tuple[str, ...] = ("<<",) if "<" in text else ()  # (one character: fastest)
    if "{" in text:
        needles += ("{{", "{%")
    for needle in needles:
        i = text.find(needle)
        while i >= 0:
            at.append(i)
            i = text.find(needle, i + 2)
    if not at:
        return []
    at.sort()
    out: list[int] = []
    line = 0
    pos = 0
    for i in at:
        line += text.count("\n", pos, i)
        pos = i
        if line >= first and (not out or out[-1] != line):
            out.append(line)
    return out


def _markers_in(
    lines: list[str], start: int, numbers: list[int], skip: list[tuple[int, int]] | None = None
) -> list[Marker]:
    """Markers of the lines ``numbers`` (positions relative to ``start``, where the section
    starts). HTML comments hold none; those in code blocks and code spans are flagged
    ``code``."""
    out: list[Marker] = []
    ranges = skip or []
    for n in numbers:
        line = lines[n]
        if "<<" not in line and "{{" not in line and "{%" not in line:
            continue
        in_block = False
        for a, b in ranges:
            if a <= n - start < b:
                in_block = True
                if _is_comment_line(lines, start + a, start + b):
                    in_block = False
                    line = ""
                break
        masked = line if in_block else prose(line)
        for m in _MARKER_RE.finditer(line):
            span = Span(Pos(n - start, m.start()), Pos(n - start, m.end()))
            code = in_block or masked[m.start() : m.end()] != m.group(0)
            if code and "<!--" in line and _in_comment(line, m.start()):
                continue
            if m.group(1) is not None:
                if m.group(1).startswith(("/", "[/")):
                    continue  # a closing marker (KEP's <<[/UNRESOLVED]>>) ends its opener's block
                out.append(Marker("field", m.group(1), span, code))
            else:
                name = m.group(2) if m.group(2) is not None else (m.group(3) or "")
                out.append(Marker("token", name.strip(), span, code))
    return out


def _is_comment_line(lines: list[str], a: int, b: int) -> bool:
    return lines[a].lstrip().startswith("<!--")


def _in_comment(line: str, col: int) -> bool:
    """Whether column ``col`` lies inside an inline HTML comment of ``line``."""
    a = line.rfind("<!--", 0, col + 1)
    return a >= 0 and line.find("-->", a + 4) >= col


# -- incremental -------------------------------------------------------------------------------


def update(prev: Outline, lines: list[str], first: int, old: int, new: int) -> Outline:
    """The outline of ``lines``, which are ``prev``'s lines with ``old`` lines at ``first``
    replaced by ``new`` lines. Re-parses one section when the edit stays inside it, else all."""
    got = _update_one(prev, lines, first, old, new)
    return got if got is not None else parse_lines(lines)


def _update_one(prev: Outline, lines: list[str], first: int, old: int, new: int) -> Outline | None:
    if prev.setext or first < prev.front + (1 if prev.front else 0) or not prev.sections:
        return None
    if front_matter_end(lines) != prev.front:
        return None  # front matter came, went or moved its end (a ``---`` typed anywhere)
    starts = [s.start for s in prev.sections]
    k0 = bisect.bisect_right(starts, first) - 1
    if k0 < 0:
        return None
    if first == prev.sections[k0].start and prev.sections[k0].block.heading is not None and k0:
        k0 -= 1  # the edit is on a heading line: the section before may take its lines
    k1 = bisect.bisect_right(starts, first + max(old, 1) - 1) - 1
    lo = prev.sections[k0].start
    delta = new - old
    hi = prev.sections[k1].end + delta
    if hi < lo:
        return None
    sections, setext, records = _parse_range(lines, lo, hi, prev.front if lo == 0 else 0)
    if setext or (lo > 0 and (not sections or sections[0].block.heading is None)):
        return None  # the range no longer starts with a heading: boundaries move before it
    if k1 + 1 < len(prev.sections) and not _closed(records, lines[lo:hi]):
        return None
    sections = prev.sections[:k0] + sections
    sections.extend(s.moved(delta) for s in prev.sections[k1 + 1 :])
    return Outline(lines, sections, prev.front, prev.setext)


def _closed(records: list[_parse.Record], piece: list[str]) -> bool:
    """Whether nothing in a re-parsed range could run on past its end into the next heading:
    no unclosed fence, no HTML block reaching its last line."""
    last = len(piece)
    while last > 0 and not piece[last - 1].strip():
        last -= 1
    for rec in records:
        if rec[1] != BLOCK:
            continue
        line, _, end, type_, _, aux = rec
        if type_ == "fence":
            close = piece[end - 1] if end - 1 > line else ""
            m = _FENCE_CLOSE.match(close)
            if not m or m.group(1)[0] != aux[0] or len(m.group(1)) < len(aux):
                return False
        elif type_ == "html_block" and end >= last:
            return False
    return True


def merge_changes(changes: list[tuple[int, int, int]]) -> tuple[int, int, int] | None:
    """One (first line, old count, new count) region covering a sequence of line edits."""
    if not changes:
        return None
    start, old, new = changes[0]
    for line, o, n in changes[1:]:
        a = min(start, line)
        e = max(start + new, line + o)
        old = (e - new + old) - a
        new = (e - a) - o + n
        start = a
    return start, old, new
