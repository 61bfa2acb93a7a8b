"""Markdown -> plan outline: headings, sections, fields, template tokens, labels, tasks, tables.

The document is parsed once with markdown-it-py's block parser (its line maps give exact lines);
what the checks need is kept as a compact :class:`Outline`, never the token stream.
Only headings at the document's top level (not inside lists or block quotes) open sections.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

from plan_lsp.text import Pos, Span, normalize

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
_TASK_RE = re.compile(r"^\[([ xX])\][ \t]")


@dataclass(frozen=True, slots=True)
class Marker:
    """A ``<<field>>`` (kind ``field``) or a leftover ``{{token}}`` (kind ``token``)."""

    kind: str
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Labeled:
    """A labelled line such as ``**Status:** Draft``."""

    label: str
    value: str
    label_span: Span
    value_span: Span


@dataclass(frozen=True, slots=True)
class Table:
    """A table: its first line, header cells and number of body rows."""

    line: int
    header: tuple[str, ...]
    rows: int


@dataclass(frozen=True, slots=True)
class Heading:
    """A top-level heading: level 1-6, its text, the line it starts and its title's span."""

    level: int
    title: str
    line: int
    title_span: Span
    setext: bool = False

    @property
    def span(self) -> Span:
        return self.title_span


@dataclass(slots=True)
class Section:
    """The lines from a heading up to the next top-level heading (the preamble has no heading)."""

    heading: Heading | None
    start: int
    end: int
    body_start: int
    has_content: bool = False
    markers: list[Marker] = field(default_factory=list)
    labels: list[Labeled] = field(default_factory=list)
    tasks_done: int = 0
    tasks_total: int = 0
    tables: list[Table] = field(default_factory=list)


@dataclass(slots=True)
class Outline:
    """A parsed document: its lines and its sections in order (the first may be a preamble)."""

    lines: list[str]
    sections: list[Section]

    @property
    def headings(self) -> list[Heading]:
        return [s.heading for s in self.sections if s.heading is not None]

    @property
    def markers(self) -> list[Marker]:
        return [m for s in self.sections for m in s.markers]

    def section_at(self, line: int) -> Section | None:
        """The section holding ``line``."""
        starts = [s.start for s in self.sections]
        i = bisect.bisect_right(starts, line) - 1
        return self.sections[i] if i >= 0 else None


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with tables, block pass only (inline content is kept raw, never parsed)."""
    md = MarkdownIt("commonmark").enable("table")
    md.disable(["inline", "text_join"], ignoreInvalid=True)
    return md


def parse(text: str) -> Outline:
    """Parse ``text`` into an :class:`Outline`. Never raises on any input."""
    norm = normalize(text)
    lines = norm.split("\n")
    full = norm
    front = front_matter_end(lines)
    if front:
        # YAML front matter is not Markdown: blank it for the parser, keep the line numbers.
        norm = "\n" * front + "\n".join(lines[front:])
    tokens = parser().parse(norm)

    sections: list[Section] = []
    # Preamble: lines before the first top-level heading.
    current = Section(heading=None, start=0, end=len(lines), body_start=0)
    sections.append(current)
    in_thead = False
    header: list[str] = []
    rows = 0
    table_line = 0
    for i, tok in enumerate(tokens):
        t = tok.type
        if t == "heading_open" and tok.level == 0 and tok.map:
            line, end = tok.map
            inline = tokens[i + 1]
            title = inline.content.strip()
            setext = tok.markup in ("=", "-")
            raw = lines[line]
            col = raw.find(title) if title else -1
            if col < 0:
                col = len(raw)
            span = Span(Pos(line, col), Pos(line, col + len(title) if title else col))
            if setext:
                first = lines[line]
                stripped = first.strip()
                col = first.find(stripped)
                span = Span(Pos(line, col), Pos(line, col + len(stripped)))
            heading = Heading(len(tok.tag) and int(tok.tag[1]), title, line, span, setext)
            current.end = line
            current = Section(heading=heading, start=line, end=len(lines), body_start=end)
            sections.append(current)
        elif t == "inline" and tok.map:
            prev = tokens[i - 1].type if i else ""
            if prev == "paragraph_open":
                content = tok.content
                m = _TASK_RE.match(content)
                if m and i >= 2 and tokens[i - 2].type == "list_item_open":
                    current.tasks_total += 1
                    if m.group(1) != " ":
                        current.tasks_done += 1
                if "**" in content:
                    for ln in range(tok.map[0], tok.map[1]):
                        lab = _label(lines[ln], ln)
                        if lab is not None:
                            current.labels.append(lab)
            elif in_thead:
                header.append(tok.content.strip())
        elif t == "table_open" and tok.map:
            table_line, header, rows = tok.map[0], [], 0
        elif t == "thead_open":
            in_thead = True
        elif t == "thead_close":
            in_thead = False
        elif t == "tr_open" and not in_thead:
            rows += 1
        elif t == "table_close":
            current.tables.append(Table(table_line, tuple(header), rows))

    if len(sections) > 1 and sections[0].end == 0:
        sections.pop(0)
    for s in sections:
        s.has_content = any(lines[n].strip() for n in range(max(s.body_start, front), s.end))
    _attach_markers(full, lines, sections)
    return Outline(lines, sections)


def front_matter_end(lines: list[str]) -> int:
    """Number of lines taken by a YAML front matter block at the top (0 if none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, min(len(lines), 1000)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def _label(raw: str, line: int) -> Labeled | None:
    m = LABEL_RE.match(raw)
    if m is None:
        return None
    label = m.group("label").strip()
    ls = m.start("label")
    vs, ve = m.start("value"), m.end("value")
    return Labeled(
        label,
        m.group("value"),
        Span(Pos(line, ls), Pos(line, ls + len(m.group("label")))),
        Span(Pos(line, vs), Pos(line, ve)),
    )


def _attach_markers(norm: str, lines: list[str], sections: list[Section]) -> None:
    if "<<" not in norm and "{{" not in norm and "{%" not in norm:
        return
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    sec_starts = [s.start for s in sections]
    for m in _MARKER_RE.finditer(norm):
        a, b = m.span()
        line = bisect.bisect_right(starts, a) - 1
        col = a - starts[line]
        # A token cannot span lines (the patterns exclude newlines).
        span = Span(Pos(line, col), Pos(line, col + (b - a)))
        if m.group(1) is not None:
            marker = Marker("field", m.group(1), span)
        else:
            name = m.group(2) if m.group(2) is not None else (m.group(3) or "")
            marker = Marker("token", name.strip(), span)
        sections[bisect.bisect_right(sec_starts, line) - 1].markers.append(marker)
