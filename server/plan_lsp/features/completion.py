"""Completion: section headings that belong at the cursor, ``<<`` fields, values, front labels.

Pure: takes a checked document (:class:`engine.Result`) and a code-point position, returns
:class:`Item` values the protocol layer turns into LSP completion items.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from plan_lsp.core.engine import Result
from plan_lsp.core.outline import Labeled, Outline, Section, line_labels
from plan_lsp.core.schema import Schema, SectionSpec, title_key
from plan_lsp.core.structure import Placed, Structure, match
from plan_lsp.core.text import Pos, Span
from plan_lsp.features.insertions import section_text, to_snippet

_FIELD_PREFIX = re.compile(r"<<([^<>\n]*)$")
_FIELD_SUFFIX = re.compile(r"^[^<>\s]*>>")
_HEADING_PREFIX = re.compile(r"^ {0,3}#{0,6}[^\n]*$")
_LABEL_PREFIX = re.compile(r"^\*{0,2}[\w ]*$")


@dataclass(frozen=True, slots=True)
class Item:
    """A completion candidate: what to show, what to insert, and over which range."""

    label: str
    kind: str
    """``section``, ``field``, ``value``, ``label`` or ``template``."""
    insert: str
    span: Span
    snippet: bool = False
    detail: str = ""
    documentation: str = ""
    sort: str = ""
    filter: str | None = None


@dataclass(frozen=True, slots=True)
class Scaffold:
    """A template offered on an empty document: its kind's name, description and rendered text."""

    name: str
    description: str
    text: str


def complete(
    result: Result, pos: Pos, scaffolds: Sequence[Scaffold] = (), *, snippets: bool = True
) -> list[Item]:
    """Candidates at ``pos`` (code points) in a checked document."""
    lines = result.outline.lines
    if not 0 <= pos.line < len(lines):
        return []
    line = lines[pos.line]
    before = line[: pos.character]
    if not any(ln.strip() for ln in lines):
        span = Span(Pos(0, 0), Pos(len(lines) - 1, len(lines[-1])))
        return [
            Item(
                f"{s.name}: new document from the template",
                "template",
                s.text,
                span,
                detail=s.description or f"{s.name} template",
                documentation=s.text[:400],
                sort=f"0{i:03d}",
                filter=before or s.name,
            )
            for i, s in enumerate(scaffolds)
        ]
    if result.kind is None:
        return []
    schema = result.kind.schema
    m = _FIELD_PREFIX.search(before)
    if m is not None:  # fields: from the template and the outline (no structure, no checks)
        return _fields(result, schema, pos, line, pos.character - len(m.group(0)))
    if 0 < pos.line < result.outline.front - 1:
        # A front matter value: the choices the template gives for that key.
        key, colon, typed = before.partition(":")
        fk = next((k for k in schema.front_keys if k.key == key.strip()), None)
        if not colon or fk is None or not fk.values:
            return []
        start = len(key) + 1 + (len(typed) - len(typed.lstrip()))
        span = Span(Pos(pos.line, start), Pos(pos.line, max(len(line.rstrip()), pos.character)))
        return [
            Item(v, "value", v, span, detail=f"{fk.key} value", sort=f"{i:03d}")
            for i, v in enumerate(fk.values)
        ]
    labeled = _value_at(line, pos)
    if labeled is not None:
        values = schema.enums.get(title_key(labeled.label))
        if values:
            # Over the value written (and blanks typed after it); with none, at the cursor.
            a, b = labeled.value_span.start.character, labeled.value_span.end.character
            col = pos.character
            start, end = ((a if a < b else col), col) if b <= col else (min(a, col), b)
            span = Span(Pos(pos.line, start), Pos(pos.line, end))
            return [
                Item(v, "value", v, span, detail=f"{labeled.label} value", sort=f"{i:03d}")
                for i, v in enumerate(values)
            ]
        return []
    items: list[Item] = []
    if _HEADING_PREFIX.match(before) and (not before.strip() or before.lstrip().startswith("#")):
        if any(h.line == pos.line for h in result.outline.headings):
            # The heading being typed is not part of the document's structure yet.
            structure = match(_without_heading(result.outline, pos.line), schema)
        elif (matched := result.structure) is not None:
            structure = matched
        else:
            return []
        offered = _sections(structure, schema, pos, before, snippets)
        if not offered:
            # Not the place of any missing section: still offer them, saying where each belongs.
            offered = _missing_elsewhere(result, schema, pos, snippets)
        items += offered
    if _LABEL_PREFIX.match(before) and not before.startswith("#"):
        items += _labels(result, schema, pos, before, snippets)
    return items


def _value_at(line: str, pos: Pos) -> Labeled | None:
    """The labelled field (as the outline reads labels: :func:`line_labels`) whose value the
    cursor is in: after its ``:**`` (or ``**:``), within its value or the blanks around it."""
    col = pos.character
    if "**" not in line[:col]:
        return None
    for lab in line_labels(line, pos.line):
        closer = lab.label_span.end.character + 3  # past ``:**`` / ``**:``
        if closer <= col and not line[lab.value_span.end.character : col].strip():
            return lab
    return None


def _missing_elsewhere(result: Result, schema: Schema, pos: Pos, snippets: bool) -> list[Item]:
    """Every section the document lacks, each with where it belongs (the missing-section
    findings' own words), for a heading typed where none of them goes."""
    items: list[Item] = []
    span = Span(Pos(pos.line, 0), pos)
    seen: set[int] = set()
    for f in result.findings:
        sid = f.data.get("spec") if f.code == "missing-section" else None
        if not isinstance(sid, int) or sid in seen or not 0 <= sid < len(schema.sections):
            continue
        seen.add(sid)
        spec = schema.sections[sid]
        numbers, level = f.data.get("numbers"), f.data.get("level")
        text = section_text(
            schema, spec, list(numbers) if numbers else None, int(level) if level else None
        )
        where = f.message.partition(" (")[2].rstrip(")") if " (" in f.message else ""
        detail = f"missing section; belongs {where}" if where else "missing section"
        items.append(_section_item(text, sid, span, snippets, detail))
    return items


def _section_item(text: str, sid: int, span: Span, snippets: bool, detail: str) -> Item:
    """A section to insert (``text``, its heading first) over ``span``."""
    heading = text.split("\n", 1)[0]
    return Item(
        heading,
        "section",
        to_snippet(text) if snippets else text,
        span,
        snippet=snippets,
        detail=detail,
        documentation=text,
        sort=f"{sid:04d}",
        filter=heading,
    )


def _without_heading(outline: Outline, line: int) -> Outline:
    sections: list[Section] = []
    for sec in outline.sections:
        if sec.heading is not None and sec.heading.line == line and sections:
            prev = sections.pop()
            sec = prev.with_end(sec.end)
        sections.append(sec)
    return Outline(outline.lines, sections, outline.front, outline.setext)


def _fields(result: Result, schema: Schema, pos: Pos, line: str, start: int) -> list[Item]:
    end = pos.character
    tail = _FIELD_SUFFIX.match(line[end:])
    if tail is not None:
        end += tail.end()
    span = Span(Pos(pos.line, start), Pos(pos.line, end))
    items: list[Item] = []
    seen: set[str] = set()
    for f in schema.fields:
        seen.add(f.name)
        items.append(
            Item(
                f"<<{f.name}>>",
                "field",
                f"<<{f.name}>>",
                span,
                detail=f.description or "template field",
                sort=f"0{len(items):03d}",
                filter=f"<<{f.name}",
            )
        )
    for mk in result.outline.markers:
        if mk.kind == "field" and mk.name not in seen:
            seen.add(mk.name)
            items.append(
                Item(
                    f"<<{mk.name}>>",
                    "field",
                    f"<<{mk.name}>>",
                    span,
                    detail="field used in this document",
                    sort=f"1{len(items):03d}",
                    filter=f"<<{mk.name}",
                )
            )
    return items


def _labels(result: Result, schema: Schema, pos: Pos, before: str, snippets: bool) -> list[Item]:
    title = schema.title
    st = result.structure
    if title is None or st is None:
        return []
    nodes = st.instances(title)
    if not nodes:
        return []
    first_child = nodes[0].children[0].heading.line if nodes[0].children else nodes[0].end
    if not nodes[0].heading.line < pos.line < first_child:
        return []
    sec = result.outline.sections[nodes[0].index]
    have = {title_key(lab.label) for lab in sec.labels if lab.label_span.start.line != pos.line}
    span = Span(Pos(pos.line, 0), pos)
    items = []
    for i, ff in enumerate(schema.front):
        if title_key(ff.label) in have:
            continue
        if ff.values:
            value = (
                "${1|" + ",".join(v.replace(",", "\\,") for v in ff.values) + "|}"
                if snippets
                else (ff.default or ff.values[0])
            )
        else:
            value = to_snippet(ff.template_value) if snippets else ff.template_value
        items.append(
            Item(
                f"**{ff.label}:**",
                "label",
                f"**{ff.label}:** {value}",
                span,
                snippet=snippets,
                detail=ff.description or "front field",
                sort=f"{i:03d}",
            )
        )
    return items


def _sections(st: Structure, schema: Schema, pos: Pos, before: str, snippets: bool) -> list[Item]:
    """Sections that may be written at ``pos``: missing ones that fit, next numbered ones."""
    current: Placed | None = None
    for placed in st.nodes:
        if placed.heading.line >= pos.line:
            break
        current = placed
    chain: list[Placed] = []
    while current is not None:
        chain.append(current)
        current = current.parent
    if not chain or chain[-1] is not st.root:
        chain.append(st.root)
    offers: list[tuple[SectionSpec, list[int] | None]] = []
    for holder in chain:
        if holder is not st.root and holder.spec is None:
            continue
        kids = schema.children(holder.spec) if holder is not st.root else schema.roots()
        if not kids:
            continue
        order = {s.id: i for i, s in enumerate(kids)}
        # Known siblings before and after the cursor, within this holder.
        prev = [
            c
            for c in holder.children
            if c.heading.line < pos.line and c.spec is not None and c.spec.id in order
        ]
        nxt = [
            c
            for c in holder.children
            if c.heading.line > pos.line and c.spec is not None and c.spec.id in order
        ]
        lo = order[prev[-1].spec.id] if prev and prev[-1].spec is not None else -1
        hi = order[nxt[0].spec.id] if nxt and nxt[0].spec is not None else len(kids)
        single = holder.spec is None or len(st.instances(holder.spec)) <= 1
        for spec in kids:
            i = order[spec.id]
            present = (
                st.instances(spec) if single else [c for c in holder.children if c.spec is spec]
            )
            if spec.repeat:
                before_here = [
                    c for c in holder.children if c.spec is spec and c.heading.line < pos.line
                ]
                after_here = [
                    c for c in holder.children if c.spec is spec and c.heading.line > pos.line
                ]
                if not (lo <= i <= hi) or (after_here and not before_here and present):
                    continue
                if before_here and after_here:
                    continue
                prefix = st.numbers(holder) if holder is not st.root else []
                offers.append((spec, [*prefix, len(before_here) + 1]))
            elif not present and lo < i < hi:
                offers.append((spec, None))
    items: list[Item] = []
    span = Span(Pos(pos.line, 0), pos)
    seen: set[tuple[int, tuple[int, ...]]] = set()
    for spec, numbers in sorted(offers, key=lambda o: o[0].id):
        key = (spec.id, tuple(numbers or ()))
        if key in seen:
            continue
        seen.add(key)
        text = section_text(schema, spec, numbers)
        detail = "next numbered section" if numbers else "missing section"
        items.append(_section_item(text, spec.id, span, snippets, detail))
    return items
