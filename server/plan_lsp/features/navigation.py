"""Navigation: the outline as nested symbols, folding per section, hover on headings and fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from plan_lsp.core.engine import Result
from plan_lsp.core.outline import Outline
from plan_lsp.core.schema import Schema, SectionSpec, title_key
from plan_lsp.core.structure import Placed
from plan_lsp.core.text import Pos, Span


@dataclass(slots=True)
class Symbol:
    """A heading in the outline: its title, whole section range, title range and children."""

    name: str
    detail: str
    level: int
    span: Span
    selection: Span
    children: list[Symbol] = field(default_factory=list)


def _last_content_line(outline: Outline, start: int, end: int) -> int:
    n = end - 1
    while n > start and not outline.lines[n].strip():
        n -= 1
    return n


def _section_end(outline: Outline, index: int) -> int:
    """First line after the section at ``index`` and its subsections (by heading level)."""
    head = outline.sections[index].heading
    assert head is not None
    for sec in outline.sections[index + 1 :]:
        if sec.heading is not None and sec.heading.level <= head.level:
            return sec.start
    return len(outline.lines)


def _tasks(outline: Outline, index: int, end: int) -> tuple[int, int]:
    done = total = 0
    for sec in outline.sections[index:]:
        if sec.start >= end:
            break
        done += sec.tasks_done
        total += sec.tasks_total
    return done, total


def symbols(outline: Outline) -> list[Symbol]:
    """Headings as a tree (by level), each spanning its section and subsections."""
    roots: list[Symbol] = []
    stack: list[Symbol] = []
    for i, sec in enumerate(outline.sections):
        h = sec.heading
        if h is None:
            continue
        end = _section_end(outline, i)
        last = _last_content_line(outline, h.line, end)
        done, total = _tasks(outline, i, end)
        sym = Symbol(
            h.title or "(untitled)",
            f"{done}/{total} done" if total else "",
            h.level,
            Span(Pos(h.line, 0), Pos(last, len(outline.lines[last]))),
            h.title_span,
        )
        while stack and stack[-1].level >= h.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(sym)
        stack.append(sym)
    return roots


def folding(outline: Outline) -> list[tuple[int, int]]:
    """(first line, last line) of every section that spans more than its heading."""
    out = []
    for i, sec in enumerate(outline.sections):
        if sec.heading is None:
            continue
        last = _last_content_line(outline, sec.heading.line, _section_end(outline, i))
        if last > sec.heading.line:
            out.append((sec.heading.line, last))
    return out


def _describe(schema: Schema, spec: SectionSpec) -> str:
    place = "optional" if spec.optional else "required"
    where = ""
    if spec.parent is not None:
        where = f" under **{schema.sections[spec.parent].display}**"
    kind = "numbered section" if spec.repeat else "section"
    return f"{place} {kind}, level {spec.level} (`{spec.hashes}`){where}"


def hover(result: Result, pos: Pos) -> tuple[str, Span] | None:
    """Markdown explaining what the template asks for at ``pos``, and the range it is about."""
    outline = result.outline
    if result.kind is None or result.structure is None:
        return None
    schema = result.kind.schema
    for mk in outline.markers:
        if mk.span.contains(pos) and mk.kind == "field":
            f = schema.field(mk.name)
            text = f"**Field `<<{mk.name}>>`** — to resolve"
            if f is not None:
                if f.description:
                    text += f"\n\n{f.description}"
                if f.values:
                    text += "\n\nOne of: " + ", ".join(f.values)
            else:
                text += "\n\nNot a field of the template; used in this document."
            return text, mk.span
    node = _node_at(result.structure.nodes, pos)
    if node is not None:
        spec = node.spec
        end = _section_end(outline, node.index)
        done, total = _tasks(outline, node.index, end)
        if spec is None:
            text = f"**{node.heading.title}** — not a section of the {schema.name} template"
        else:
            text = f"**{spec.display}** — {_describe(schema, spec)} of the {schema.name} template"
            if node.renamed:  # a renamed section (core/structure.py, _renames)
                text = (
                    f"**{node.heading.title}** stands for the template's **{spec.display}** "
                    f"(renamed in its place) — {_describe(schema, spec)} of the {schema.name} "
                    "template"
                )
            body = schema.body(spec).strip()
            if body:
                text += "\n\nThe template asks for:\n\n" + _quote(body)
            kids = schema.children(spec)
            if kids:
                text += "\n\nSubsections: " + ", ".join(k.display for k in kids)
        if total:
            text += f"\n\nTasks: {done}/{total} done"
        return text, node.heading.title_span
    sec = outline.section_at(pos.line)
    if sec is not None:
        for lab in sec.labels:
            if lab.label_span.start.line == pos.line and (
                lab.label_span.contains(pos) or lab.value_span.contains(pos)
            ):
                ff = next(
                    (x for x in schema.front if title_key(x.label) == title_key(lab.label)), None
                )
                values = schema.enums.get(title_key(lab.label))
                text = f"**{lab.label}**"
                if ff is not None and ff.description:
                    text += f" — {ff.description}"
                if values:
                    text += "\n\nOne of: " + ", ".join(values)
                if ff is None and not values:
                    return None
                return text, Span(lab.label_span.start, lab.value_span.end)
    return None


@dataclass(frozen=True, slots=True)
class Status:
    """What a status bar shows for a document: its kind, Status value and task progress."""

    kind: str | None
    status: str | None
    tasks_done: int
    tasks_total: int
    problems: int


def status(result: Result) -> Status:
    outline = result.outline
    value = None
    for sec in outline.sections[:2]:
        for lab in sec.labels:
            if title_key(lab.label) == "status":
                value = lab.value
                break
        if value is not None:
            break
    done = sum(s.tasks_done for s in outline.sections)
    total = sum(s.tasks_total for s in outline.sections)
    return Status(
        result.kind.name if result.kind else None,
        value,
        done,
        total,
        len(result.findings),
    )


def _node_at(nodes: list[Placed], pos: Pos) -> Placed | None:
    for node in nodes:
        if node.heading.line == pos.line:
            return node
    return None


def _quote(body: str, limit: int = 12) -> str:
    lines = body.split("\n")
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append("…")
    return "\n".join("> " + ln if ln else ">" for ln in shown)
