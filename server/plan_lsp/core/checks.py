"""Checks: outline + schema -> findings. Each check is a small function over a matched document.

A check is a function from a :class:`Context` to :class:`~plan_lsp.core.codes.Finding` values
(plain data in code-point positions, with what a quick fix needs in ``data``), listed in
:data:`CHECKS`. A new check also needs its code in :mod:`plan_lsp.core.codes`, a row in the
README's table and the extension's ``planLsp.severity`` schema (ARCHITECTURE.md, "How to add a
check", lists every place; tests fail on a place forgotten).
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plan_lsp.core import links, placeholders, rules
from plan_lsp.core.codes import CODES as CODES
from plan_lsp.core.codes import DEFAULT_SEVERITY as DEFAULT_SEVERITY
from plan_lsp.core.codes import SEVERITIES as SEVERITIES
from plan_lsp.core.codes import Finding
from plan_lsp.core.outline import (
    Block,
    Heading,
    Labeled,
    Outline,
    front_matter_end,
    prose,
    prose_lines,
)
from plan_lsp.core.schema import _FRONT_LINE, Numbered, Schema, SectionSpec, numbered, title_key
from plan_lsp.core.structure import Placed, Structure, match
from plan_lsp.core.text import Pos, Span


@dataclass(slots=True)
class Context:
    """What every check sees: the document, its schema and how they match."""

    outline: Outline
    schema: Schema
    structure: Structure
    optional: frozenset[str] = frozenset()
    """Extra section titles (title keys) the settings allow to be absent."""
    path: str | None = None
    """The document's path, for its relative links."""
    lookup: Callable[[str], list[str] | None] | None = None
    """What exists beside the document (see :mod:`plan_lsp.core.links`); None: links not checked."""
    refs: frozenset[str] | None = None
    """The document's link reference labels (computed on first use)."""
    root: str | None = None
    """The repository's root: root-relative links (``/docs/x.md``) start there."""
    cache: dict[Any, Any] = field(default_factory=dict)
    """What several findings of one check share (computed once per check)."""

    def is_optional(self, spec: SectionSpec) -> bool:
        return spec.optional or bool(
            {spec.key, spec.repeat or "", title_key(spec.display)} & self.optional
        )

    def line_span(self, line: int) -> Span:
        text = self.outline.lines[line] if 0 <= line < len(self.outline.lines) else ""
        return Span(Pos(line, 0), Pos(line, len(text)))

    def heading_span(self, h: Heading) -> Span:
        return self.line_span(h.line)


def _f(ctx: Context, code: str, message: str, span: Span, **data: Any) -> Finding:
    return Finding(code, DEFAULT_SEVERITY[code], message, span, data)


def _quote(spec: SectionSpec) -> str:
    return f"'{spec.display}'"


# -- structure ---------------------------------------------------------------------------------


def check_missing(ctx: Context) -> Iterator[Finding]:
    """Required sections that are absent, named with where they belong."""
    schema, st = ctx.schema, ctx.structure

    def visit(spec: SectionSpec, parent: Placed | None, parent_has: bool) -> Iterator[Finding]:
        if parent is not None and parent.spec is not None and len(st.instances(parent.spec)) > 1:
            present = [c for c in parent.children if c.spec is spec]
        else:
            present = st.instances(spec)
        if present:
            for node in present:
                for child in schema.children(spec):
                    yield from visit(child, node, True)
            return
        if not parent_has or ctx.is_optional(spec):
            return
        yield _missing(ctx, spec, parent)

    for spec in schema.roots():
        yield from visit(spec, None, True)


def _missing(ctx: Context, spec: SectionSpec, parent: Placed | None) -> Finding:
    schema, st, outline = ctx.schema, ctx.structure, ctx.outline
    container = parent if parent is not None else st.root
    siblings = (
        schema.children(schema.sections[spec.parent])
        if spec.parent is not None
        else (schema.roots())
    )
    # The nearest present siblings before and after it (found once per container: a template of
    # thousands of sections, all missing, is not a quadratic walk).
    position, previous, following = _neighbours(ctx, siblings, container)
    pos = position[spec.id]
    before = [siblings[previous[pos]]] if previous[pos] >= 0 else []
    after = [siblings[following[pos]]] if following[pos] >= 0 else []
    line: int
    anchor: Heading | None = None
    if before:
        last = _present_in(st, before[-1], container)[-1]
        # Before the next known sibling (unknown sections after the previous one stay with it).
        nxt = _next_sibling(ctx, container, last)
        line = nxt.heading.line if nxt is not None else last.end
    elif after:
        first = _present_in(st, after[0], container)[0]
        line = first.heading.line
    elif parent is None:
        line = front_matter_end(outline.lines)  # a top-level section: at the top
    else:
        line = container.end
    line = min(line, len(outline.lines))
    heading_at = ctx.cache.get("heading_at")
    if heading_at is None:
        heading_at = ctx.cache["heading_at"] = {n.heading.line: n for n in st.nodes}
    if line in heading_at:
        anchor = heading_at[line].heading
    elif before:
        anchor = _present_in(st, before[-1], container)[-1].heading
    elif parent is not None:
        anchor = parent.heading
    numbers: list[int] | None = None
    if spec.repeat:
        numbers = _expected_prefix(ctx, parent) + [1]
    where = []
    if before:
        where.append(f"after {_quote(before[-1])}")
    if after:
        where.append(f"before {_quote(after[0])}")
    if not where and parent is not None:
        where.append(f"under '{parent.heading.title}'")
    title = spec.display if not numbers else _instance_title(spec, numbers)
    level = min(6, spec.level + _shift(ctx))
    message = f"Missing section '{'#' * level} {title}'" + (
        f" ({', '.join(where)})" if where else ""
    )
    rename = _near_miss(ctx, spec, line)
    if rename is not None:
        message += f"; did you mean '{rename.heading.title}' (line {rename.heading.line + 1})?"
    span = (
        ctx.heading_span(anchor)
        if anchor is not None
        else ctx.line_span(max(0, min(line, len(outline.lines) - 1)))
    )
    return _f(
        ctx,
        "missing-section",
        message,
        span,
        spec=spec.id,
        line=line,
        numbers=numbers,
        rename=rename.heading.line if rename is not None else None,
        section=spec.display,
        **({"level": level} if level != spec.level else {}),
    )


def _instance_title(spec: SectionSpec, numbers: list[int]) -> str:
    n = numbered(spec.title)
    rest = f": {n.rest}" if n is not None and n.rest else ""
    return f"{spec.repeat_label} {'.'.join(map(str, numbers))}{rest}"


def _present_in(st: Structure, spec: SectionSpec, container: Placed) -> list[Placed]:
    if container.spec is not None and len(st.instances(container.spec)) > 1:
        return [c for c in container.children if c.spec is spec]
    return st.instances(spec)


def _neighbours(
    ctx: Context, siblings: list[SectionSpec], container: Placed
) -> tuple[dict[int, int], list[int], list[int]]:
    """For template siblings under ``container``: each one's position, and the position of the
    nearest present sibling before and after each (-1: none)."""
    key = ("neighbours", id(container), siblings[0].id if siblings else -1)
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    present = [bool(_present_in(ctx.structure, s, container)) for s in siblings]
    previous, following = [-1] * len(siblings), [-1] * len(siblings)
    last = -1
    for i, here in enumerate(present):
        previous[i] = last
        if here:
            last = i
    last = -1
    for i in range(len(siblings) - 1, -1, -1):
        following[i] = last
        if present[i]:
            last = i
    result = ({s.id: i for i, s in enumerate(siblings)}, previous, following)
    ctx.cache[key] = result
    return result


def _next_sibling(ctx: Context, container: Placed, node: Placed) -> Placed | None:
    """The next matched child of ``container`` after ``node`` (indexed once per container)."""
    key = ("next", id(container))
    following = ctx.cache.get(key)
    if following is None:
        following = {}
        nxt: Placed | None = None
        for kid in reversed(container.children):
            following[id(kid)] = nxt
            if kid.spec is not None:
                nxt = kid
        ctx.cache[key] = following
    return following.get(id(node))


NEAR_MISS_CANDIDATES = 8
"""Unknown headings compared with a missing section, on each side of where it belongs."""
NEAR_MISS_LENGTH = 200
"""Titles longer than this are not compared."""


def _near_miss(ctx: Context, spec: SectionSpec, line: int) -> Placed | None:
    """An unknown heading that looks like the missing section (a typo, a rename): among the
    unknown headings nearest to where it belongs, so the work per missing section is bounded
    whatever the number of headings."""
    if spec.repeat or spec.pattern is not None or len(spec.key) > NEAR_MISS_LENGTH:
        return None
    unknown = ctx.cache.get("unknown")
    if unknown is None:
        unknown = ctx.cache["unknown"] = [
            (n.heading.line, title_key(n.heading.title), n)
            for n in ctx.structure.nodes
            if n.spec is None and len(n.heading.title) <= 2 * NEAR_MISS_LENGTH
        ]
    at = bisect.bisect_left(unknown, line, key=lambda u: u[0])
    best: tuple[float, Placed] | None = None
    want = spec.key
    matcher: difflib.SequenceMatcher[str] | None = None
    for _, key, node in unknown[max(0, at - NEAR_MISS_CANDIDATES) : at + NEAR_MISS_CANDIDATES]:
        # A ratio of 0.75 needs lengths within 0.6 of each other.
        if not key or 2 * min(len(key), len(want)) < 0.75 * (len(key) + len(want)):
            continue
        if matcher is None:  # what it learns of the section's title is kept for each heading
            matcher = difflib.SequenceMatcher(None, "", want)
        matcher.set_seq1(key)
        if matcher.quick_ratio() < 0.75:
            continue
        ratio = matcher.ratio()
        if ratio >= 0.75 and (best is None or ratio > best[0]):
            best = (ratio, node)
    return best[1] if best else None


def _expected_prefix(ctx: Context, node: Placed | None) -> list[int]:
    """Expected numbers of a numbered section instance (its position among its siblings)."""
    return ctx.structure.numbers(node) if node is not None else []


def check_order(ctx: Context) -> Iterator[Finding]:
    """Sections out of template order, or under the wrong parent."""
    schema = ctx.schema
    for parent in [ctx.structure.root, *ctx.structure.nodes]:
        if not parent.children:
            continue  # (most sections: nothing under them to order)
        seen: set[int] = set()
        seq: list[tuple[int, Placed]] = []
        for child in parent.children:
            spec = child.spec
            if spec is None:
                continue
            if spec.parent is not None and (parent.spec is None or spec.parent != parent.spec.id):
                owner = schema.sections[spec.parent]
                if not ctx.structure.instances(owner):
                    continue  # its parent is missing altogether: reported as missing
                where = (
                    "here"
                    if parent is ctx.structure.root
                    else f"not under '{parent.heading.title}'"
                )
                yield _f(
                    ctx,
                    "section-order",
                    f"Section {_quote(spec)} belongs under {_quote(owner)}, {where}",
                    ctx.heading_span(child.heading),
                    spec=spec.id,
                )
                continue
            if spec.id in seen and not (spec.repeat or spec.repeatable):
                continue  # a duplicate; reported by check_duplicates
            seen.add(spec.id)
            seq.append((spec.id, child))
        keep = _longest_ordered([s for s, _ in seq])
        kept = sorted({seq[j][0] for j in keep})  # once per parent, searched by bisection
        for i, (sid, child) in enumerate(seq):
            if i in keep:
                continue
            spec = schema.sections[sid]
            j = bisect.bisect_left(kept, sid)
            k = bisect.bisect_right(kept, sid)
            if j > 0:
                hint = f"it belongs after {_quote(schema.sections[kept[j - 1]])}"
            elif k < len(kept):
                hint = f"it belongs before {_quote(schema.sections[kept[k]])}"
            else:
                hint = "see the template's order"
            yield _f(
                ctx,
                "section-order",
                f"Section {_quote(spec)} is out of order: {hint}",
                ctx.heading_span(child.heading),
                spec=sid,
            )


def _longest_ordered(values: list[int]) -> set[int]:
    """Indices of a longest non-decreasing subsequence (patience sorting, O(n log n))."""
    import bisect

    tails: list[int] = []
    tails_idx: list[int] = []
    prev: list[int] = [-1] * len(values)
    for i, v in enumerate(values):
        j = bisect.bisect_right(tails, v)
        if j == len(tails):
            tails.append(v)
            tails_idx.append(i)
        else:
            tails[j] = v
            tails_idx[j] = i
        prev[i] = tails_idx[j - 1] if j else -1
    out: set[int] = set()
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        out.add(k)
        k = prev[k]
    return out


def _shift(ctx: Context) -> int:
    """Levels the document writes the template's sections below a title of its own: 1 when the
    template has no title (its first heading is one of its top-level sections) and the document
    opens with a heading at that level that stands for no section, writes every other heading
    below it, and some top-level section one level down (NixOS RFC 0127's ``# RFC: Nixpkgs
    "problem" infrastructure`` over ``## Summary``, ``## Motivation`` …); else 0."""
    got: int | None = ctx.cache.get("shift")
    if got is None:
        got = ctx.cache["shift"] = _title_shift(ctx)
    return got


def _title_shift(ctx: Context) -> int:
    schema, nodes = ctx.schema, ctx.structure.nodes
    roots = schema.roots()
    if schema.title is not None or not roots or not nodes:
        return 0
    top = min(s.level for s in roots)
    first = nodes[0]
    if top >= 6 or first.spec is not None or first.heading.level != top:
        return 0
    if any(n.heading.level <= top for n in nodes[1:]):
        return 0
    down = any(
        n.spec is not None and n.spec.parent is None and n.heading.level == n.spec.level + 1
        for n in nodes
    )
    return 1 if down else 0


def _level_fits(ctx: Context, node: Placed, spec: SectionSpec) -> bool:
    """Whether a matched heading's level is the template's, or one the template's own outline
    allows: where the template skips levels below a parent (KEP's ``### Test Plan`` then
    ``##### Unit tests``), any level deeper than the parent's as written and no deeper than
    the template's keeps the same tree (``#### Unit tests``). Levels count from the document's
    own title where it puts the template's sections under one (:func:`_shift`)."""
    shift = _shift(ctx)
    level = node.heading.level - shift
    if level == spec.level:
        return True
    parent = node.parent
    if spec.parent is None or parent is None or parent.spec is None:
        return False
    if parent.spec.id != spec.parent:
        return False
    above = ctx.schema.sections[spec.parent].level
    return spec.level - above > 1 and parent.heading.level - shift < level < spec.level


def check_levels(ctx: Context) -> Iterator[Finding]:
    """Matched headings written at another level than the template's (or than one its outline
    allows where it skips levels)."""
    for node in ctx.structure.nodes:
        spec = node.spec
        if spec is not None and not _level_fits(ctx, node, spec):
            level = min(6, spec.level + _shift(ctx))
            yield _f(
                ctx,
                "heading-level",
                f"Section {_quote(spec)} should be a level-{level} heading "
                f"({'#' * level}), not level {node.heading.level}",
                ctx.heading_span(node.heading),
                level=level,
                setext=node.heading.setext,
            )


def check_duplicates(ctx: Context) -> Iterator[Finding]:
    """A section the template has once, written twice in the same place."""
    for parent in [ctx.structure.root, *ctx.structure.nodes]:
        first: dict[int, Placed] = {}
        for child in parent.children:
            spec = child.spec
            if spec is None or spec.repeat or spec.repeatable:
                continue
            if spec.id in first:
                yield _f(
                    ctx,
                    "duplicate-section",
                    f"Duplicate section {_quote(spec)} (first at line "
                    f"{first[spec.id].heading.line + 1})",
                    ctx.heading_span(child.heading),
                    spec=spec.id,
                )
            else:
                first[spec.id] = child


def _asks(spec: SectionSpec) -> bool:
    """Whether a template heading is a question (KEP's ``###### Does enabling the feature
    change any default behavior?``): the section is its answer, wanted even where the
    template gives it no text."""
    return spec.title.rstrip().endswith("?")


def _empty_nodes(
    ctx: Context, every_question: bool = False
) -> Iterator[tuple[Placed, SectionSpec]]:
    """Required sections the template gives a body to (more than a comment), or whose heading
    asks a question, left with nothing in them (an HTML comment is nothing).

    A question the template gives no text counts only when the document answers another
    question beside it (same parent): a group of questions left blank together is a group not
    yet due (KEP's beta questions in an alpha KEP), one skipped among answered ones is an
    omission. With ``every_question`` (a Status that wants no empty section), each counts."""
    sections = ctx.outline.sections
    answered: dict[int, bool] = {}
    """Per parent (by id): whether a question under it is answered (found once a parent)."""
    for node in ctx.structure.nodes:
        spec = node.spec
        if spec is None or node.children or ctx.is_optional(spec):
            continue
        if not spec.has_body and not _asks(spec):
            continue
        if sections[node.index].has_content:
            continue
        parent = node.parent
        if not spec.has_body and not every_question and parent is not None:
            if id(parent) not in answered:
                answered[id(parent)] = any(
                    kid.spec is not None
                    and _asks(kid.spec)
                    and not kid.children
                    and sections[kid.index].has_content
                    for kid in parent.children
                )
            if not answered[id(parent)]:
                continue
        yield node, spec


def _compared_nodes(ctx: Context) -> Iterator[tuple[Placed, SectionSpec, bool, bool]]:
    """Required (or present optional) sections the template gives text, each with whether its
    text is still that text and whether that is reported on its own. Text is compared word
    for word, HTML comments set aside; a section the template gives only a comment is compared
    comments included, and counts only towards the whole document being unedited (it may be
    left empty). Not the sections the metadata lists under ``boilerplate`` (fixed text meant to
    stay), nor those the template gives nothing or text holding fields (fields left in it are
    reported as fields)."""
    lines = ctx.outline.lines
    title = ctx.schema.title
    for node in ctx.structure.nodes:
        spec = node.spec
        if spec is None or spec.boilerplate or spec is title or spec.repeat or spec.repeatable:
            continue  # a repeated section's template text is its first instance's
        sec = ctx.outline.sections[node.index]
        if spec.has_body:
            if not sec.has_content:
                continue  # empty: reported as empty
            raw = ctx.schema.body(spec)
            want = _template_words(raw)
            if not want or "<<" in want or _checklist(raw):
                continue
            alone, strip = True, True
        else:
            raw = ctx.schema.body(spec)
            if "<!--" not in raw or node.children or ctx.is_optional(spec):
                continue
            want = _words(raw)
            if "<<" in want:
                continue
            alone, strip = False, False
        # Kept with the section's block, so a keystroke elsewhere compares nothing again.
        cache = sec.block.cache
        key = ("same-text", strip, want)
        same = cache.get(key)
        if same is None:
            same = cache[key] = _same_words(lines[sec.body_start : sec.end], want, strip)
        yield node, spec, same, alone


def _same_words(lines: list[str], want: str, strip: bool) -> bool:
    """Whether ``lines`` say ``want`` word for word (HTML comments set aside with ``strip``).
    A section rewritten differs at its first word mostly: that is looked at first."""
    first = next((line for line in lines if line.strip()), "")
    if "<!--" not in first and (first.split(None, 1)[0] if first else "") != want.partition(" ")[0]:
        return False
    got = "\n".join(lines)
    return _words(_uncommented(got) if strip else got) == want


@functools.lru_cache(maxsize=512)
def _template_words(body: str) -> str:
    """A template body's words, HTML comments set aside (the same for every document)."""
    return _words(_uncommented(body))


# A task box opening a line (``- [ ] …``), a label with nothing after it (``  - Event Reason:``:
# a blank left to fill in), and a template comment saying its boxes are ticked as work is done.
_TASK_BOX = re.compile(r"^\s*(?:[-*+]\s+|\d{1,9}[.)]\s+)?\[[ xX]\]\s")
_BLANK = re.compile(r":\s*$")
_TICKED = re.compile(r"\b(?:check|tick)(?:ed)?\s+(?:\w+\s+){0,2}?off\b|\btick\b", re.I)


@functools.lru_cache(maxsize=512)
def _checklist(raw: str) -> bool:
    """Whether a template body is a checklist its comment says is ticked as the work is done
    (KEP's Release Signoff Checklist: "Check these off as they are completed"): fixed items
    kept, then ticked, not guidance to replace. A list with blanks (``- [ ] Events`` /
    ``- Event Reason:``) is a form, not a checklist."""
    lines = [line for line in _uncommented(raw).splitlines() if line.strip()]
    if not any(_TASK_BOX.match(line) for line in lines):
        return False
    if any(_BLANK.search(line) for line in lines):
        return False
    return any(_TICKED.search(c) for c in _HTML_COMMENT.findall(raw))


_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)


def _uncommented(text: str) -> str:
    """``text`` without its HTML comments (an unclosed one runs to the end)."""
    return _HTML_COMMENT.sub(" ", text) if "<!--" in text else text


def _words(text: str) -> str:
    return " ".join(text.split())


def check_empty(ctx: Context) -> Iterator[Finding]:
    """A section the template gives a body to, left empty, or still holding the template's
    own text unchanged; and a document where no such section was written at all (a
    never-edited scaffold does not pass ``check``)."""
    for node, spec in _empty_nodes(ctx):
        yield _f(
            ctx,
            "empty-section",
            f"Section {_quote(spec)} is empty",
            ctx.heading_span(node.heading),
            spec=spec.id,
            end=node.end,
        )
    compared = list(_compared_nodes(ctx))
    for node, spec, unchanged, alone in compared:
        if unchanged and alone:
            yield _f(
                ctx,
                "empty-section",
                f"Section {_quote(spec)} still holds the template's text, unchanged",
                ctx.heading_span(node.heading),
                spec=spec.id,
                unchanged=True,
            )
    if compared and all(unchanged for _, _, unchanged, _ in compared):
        title = ctx.structure.instances(ctx.schema.title) if ctx.schema.title else []
        n = len(compared)
        yield _f(
            ctx,
            "unedited-document",
            "Nothing written yet: "
            + (f"all {n} sections" if n > 1 else "its one section")
            + " with text from the template still "
            + ("hold" if n > 1 else "holds")
            + " it, unchanged",
            ctx.heading_span(title[0].heading) if title else ctx.line_span(0),
        )


def _numbered(ctx: Context, node: Placed) -> Numbered | None:
    cache = ctx.outline.sections[node.index].block.cache
    if "numbered" not in cache:
        cache["numbered"] = numbered(node.heading.title)
    return cache["numbered"]  # type: ignore[no-any-return]


def check_numbering(ctx: Context) -> Iterator[Finding]:
    """Numbered sections (``Phase N``, ``Step N.M``) counted 1, 2, 3 within their parent."""
    for node in ctx.structure.nodes:
        spec = node.spec
        if spec is None or not spec.repeat:
            continue
        n = _numbered(ctx, node)
        if n is None:
            continue
        parent_spec = node.parent.spec if node.parent is not None else None
        owner = ctx.schema.sections[spec.parent] if spec.parent is not None else None
        if (
            spec.depth > 1
            and parent_spec is not None
            and not parent_spec.repeat
            and (owner is None or owner.repeat)
        ):
            continue  # its numbered parent is missing: the numbers' prefix is unknown
        expected = _expected_prefix(ctx, node)
        if spec.depth > len(expected):
            expected = [*list(n.numbers[: spec.depth - len(expected)]), *expected]
        if list(n.numbers) == expected:
            continue
        line = ctx.outline.lines[node.heading.line]
        got = ".".join(map(str, n.numbers))
        want = ".".join(map(str, expected))
        start = line.find(got, node.heading.title_span.start.character)
        yield _f(
            ctx,
            "numbering",
            f"{spec.repeat_label} {got} should be numbered {want}",
            ctx.heading_span(node.heading),
            expected=want,
            number=[node.heading.line, start, start + len(got)],
        )


# -- content -----------------------------------------------------------------------------------


def _refs(ctx: Context) -> frozenset[str]:
    if ctx.refs is None:
        ctx.refs = frozenset().union(*(s.block.refs for s in ctx.outline.sections))
    return ctx.refs


def section_fields(ctx: Context, block: Block, base: int) -> Iterator[Finding]:
    """``<<FIELD>>`` markers still to resolve, ``{{token}}`` left from a raw template, and the
    template's declared placeholders (``{…}``, ``NNNN``) left as they were. Nothing in an HTML
    comment counts; in code, only a field the template itself has (``foo::{{closure}}`` is code)."""
    for m in block.markers:
        if m.kind == "field":
            spec = ctx.schema.field(m.name)
            if m.code and spec is None:
                continue
            what = f": {spec.description}" if spec is not None and spec.description else ""
            yield _f(
                ctx, "unresolved-field", f"Unresolved field '{m.name}'{what}", m.span, field=m.name
            )
        elif not m.code or ctx.schema.field(m.name) is not None:
            line = ctx.outline.lines[base + m.span.start.line]
            text = line[m.span.start.character : m.span.end.character]
            yield _f(
                ctx, "template-token", f"Leftover template token '{text}'", m.span, token=m.name
            )
    syntaxes = ctx.schema.syntaxes
    if not syntaxes:
        return
    lines = ctx.outline.lines
    for n in prose_lines(block):
        raw = lines[base + n] if base + n < len(lines) else ""
        hits = placeholders.find(syntaxes, raw, _refs(ctx))
        if not hits:
            continue
        text = prose(raw)
        for a, b in hits:
            if text[a:b] != raw[a:b]:
                continue  # in a code span or an inline comment
            shown = raw[a:b] if b - a <= 60 else raw[a : a + 57] + "…"
            yield _f(
                ctx,
                "unresolved-field",
                f"Unresolved placeholder '{shown}'",
                Span(Pos(n, a), Pos(n, b)),
                field=raw[a:b],
            )


def _value_key(value: str) -> str:
    return " ".join(value.split()).casefold()


def section_values(ctx: Context, block: Block, base: int) -> Iterator[Finding]:
    """Enumerated values (``**Status:** Draft | In Progress | Completed``) set to one allowed."""
    enums = ctx.schema.enums
    if not enums:
        return
    for lab in block.labels:
        values = enums.get(title_key(lab.label))
        if not values or "<<" in lab.value or "{{" in lab.value:
            continue
        allowed = {_value_key(v) for v in values}
        if _value_key(lab.value) in allowed:
            continue
        shown = ", ".join(values)
        if not lab.value.strip():
            msg = f"{lab.label} is empty: expected one of {shown}"
        else:
            msg = f"Invalid {lab.label} '{lab.value}': expected one of {shown}"
        yield _f(ctx, "invalid-value", msg, lab.value_span, label=lab.label, values=list(values))


SectionCheck = Callable[[Context, Block, int], Iterator[Finding]]

SECTION_CHECKS: tuple[SectionCheck, ...] = (section_fields, section_values)
"""Checks of one section's own contents: computed once per block, reused while it is unedited."""


def check_sections(ctx: Context) -> Iterator[Finding]:
    """The per-section checks, from each block's cache where it is still valid."""
    key = ("findings", ctx.schema.version, _refs(ctx) if ctx.schema.syntaxes else None)
    for sec in ctx.outline.sections:
        block = sec.block
        found = block.cache.get(key)
        if found is None:
            found = [f for check in SECTION_CHECKS for f in check(ctx, block, sec.start)]
            block.cache[key] = found
        if sec.start:
            for f in found:
                yield Finding(f.code, f.severity, f.message, _moved(f.span, sec.start), f.data)
        else:
            yield from found


def _moved(span: Span, by: int) -> Span:
    return Span(
        Pos(span.start.line + by, span.start.character), Pos(span.end.line + by, span.end.character)
    )


def check_front(ctx: Context) -> Iterator[Finding]:
    """The title section's labelled fields (``**Status:**`` …) that are missing."""
    title = ctx.schema.title
    if title is None or not ctx.schema.front:
        return
    nodes = ctx.structure.instances(title)
    if not nodes:
        return
    node = nodes[0]
    sec = ctx.outline.sections[node.index]
    have = {title_key(lab.label): lab for lab in sec.labels}
    prev_line = node.heading.line
    for ff in ctx.schema.front:
        lab = have.get(title_key(ff.label))
        if lab is not None:
            prev_line = lab.label_span.start.line
            continue
        yield _f(
            ctx,
            "missing-section",
            f"Missing field '**{ff.label}:**' in the header of '{node.heading.title}'",
            ctx.heading_span(node.heading),
            label=ff.label,
            line=prev_line + 1,
            section=ff.label,
        )


def check_front_matter(ctx: Context) -> Iterator[Finding]:
    """The template's front matter keys, required in documents (unless it calls them optional),
    and values written as a choice (``"{proposed | accepted | rejected}"``) kept to it."""
    keys = ctx.schema.front_keys
    if not keys:
        return
    lines = ctx.outline.lines
    end = ctx.outline.front
    have: dict[str, tuple[int, int, str]] = {}
    for n in range(1, max(end - 1, 1)):
        m = _FRONT_LINE.match(lines[n])
        if m is not None:
            value = (m.group(2) or "").partition(" #")[0].strip()
            have[m.group(1)] = (n, lines[n].find(value, len(m.group(1)) + 1) if value else 0, value)
    if not end:
        # No front matter at all (NixOS RFC 0140 put its metadata in a table): one finding.
        required = [fk.key for fk in keys if not fk.optional]
        if required:
            yield _f(
                ctx,
                "missing-section",
                f"Missing front matter (the template's {', '.join(map(repr, required))})",
                ctx.line_span(0),
                section="front matter",
                front_matter=True,
            )
        return
    # Where a missing key goes: after the template's key before it (and that key's indented or
    # listed lines), else first.
    after = 1
    for fk in keys:
        got = have.get(fk.key)
        if got is None:
            if not fk.optional:
                yield _f(
                    ctx,
                    "missing-section",
                    f"Missing front matter key '{fk.key}'",
                    ctx.line_span(0),
                    section=fk.key,
                    front=fk.key,
                    line=after,
                )
            continue
        n, col, value = got
        after = n + 1
        while after < end - 1 and (not lines[after].strip() or lines[after][:1] in " \t-"):
            after += 1
        bare = value.strip("\"'")
        if (
            fk.values
            and not fk.open
            and bare
            and _value_key(bare) not in {_value_key(v) for v in fk.values}
        ):
            yield _f(
                ctx,
                "invalid-value",
                f"Invalid {fk.key} '{bare}': expected one of {', '.join(fk.values)}",
                Span(Pos(n, col), Pos(n, col + len(value))),
                label=fk.key,
                values=list(fk.values),
            )


def check_title(ctx: Context) -> Iterator[Finding]:
    """A claimed document's first heading stands for the template's title; one that does not
    follow the title's words is reported once (every other check goes on)."""
    title = ctx.schema.title
    if title is None:
        return
    for node in ctx.structure.instances(title)[:1]:
        if not ctx.schema.title_follows(node.heading.title):
            yield _f(
                ctx,
                "title-mismatch",
                f"Title '{node.heading.title}' does not follow the template's title "
                f"'{title.hashes} {title.title}'",
                ctx.heading_span(node.heading),
                spec=title.id,
            )


def check_links(ctx: Context) -> Iterator[Finding]:
    """Relative links to files that do not exist, or to headings they lack."""
    if ctx.lookup is None or not any(s.block.links for s in ctx.outline.sections):
        return
    yield from links.check(ctx.outline, ctx.path, ctx.lookup, ctx.root)


def header(outline: Outline) -> dict[str, Labeled]:
    """The labelled fields at the top of a document (``**Status:** Draft``), by label key; the
    first one of each label wins."""
    out: dict[str, Labeled] = {}
    for sec in outline.sections[:2]:
        for lab in sec.labels:
            out.setdefault(title_key(lab.label), lab)
    return out


def _has_content(ctx: Context, node: Placed) -> bool:
    return ctx.outline.sections[node.index].has_content or any(
        _has_content(ctx, c) for c in node.children
    )


def _facts(ctx: Context, wanted: Iterable[str]) -> rules.Facts:
    outline, schema = ctx.outline, ctx.schema
    states: dict[str, str] = {}
    for title in wanted:
        key = title_key(title)
        specs = [
            s for s in schema.sections if key in {s.key, s.repeat, title_key(s.display)} - {""}
        ]
        nodes = [n for s in specs for n in ctx.structure.instances(s)]
        if not nodes:
            states[title] = "missing"
        else:
            states[title] = "ok" if any(_has_content(ctx, n) for n in nodes) else "empty"
    return rules.Facts(
        sum(s.tasks_done for s in outline.sections),
        sum(s.tasks_total for s in outline.sections),
        tuple(
            dict.fromkeys(
                node.heading.title or spec.display
                for node, spec in _empty_nodes(ctx, every_question=True)
            )
        ),
        sum(1 for s in outline.sections for m in s.markers if m.kind == "field"),
        states,
    )


def check_status(ctx: Context) -> Iterator[Finding]:
    """A Status (or any field a rule names) that the document contradicts: one finding at its
    line naming what is wrong, with the nearest earlier value that holds as the fix."""
    all_rules = ctx.schema.metadata.rules
    if not all_rules:
        return
    labs = header(ctx.outline)
    values = {k: lab.value for k, lab in labs.items()}
    act = [r for r in rules.active(all_rules, values) if r.require or r.sections]
    if not act:
        return
    facts = _facts(ctx, dict.fromkeys(s for r in all_rules for s in r.sections))
    unmet = rules.unmet(act, facts)
    if not unmet:
        return
    cond = act[0].when[0]
    lab = labs[cond.key]
    current = lab.value.strip()
    back: str | None = None
    allowed = list(ctx.schema.enums.get(cond.key, ()))
    keys = [rules.value_key(v) for v in allowed]
    if rules.value_key(current) in keys:
        for v in reversed(allowed[: keys.index(rules.value_key(current))]):
            if not rules.unmet(rules.active(all_rules, {**values, cond.key: v}), facts):
                back = v
                break
    yield _f(
        ctx,
        "status-mismatch",
        f"{lab.label} is {current} but " + "; ".join(unmet),
        lab.value_span,
        label=lab.label,
        value=current,
        back=back,
        unmet=unmet,
    )


Check = Callable[[Context], Iterator[Finding]]

CHECKS: tuple[Check, ...] = (
    check_title,
    check_front_matter,
    check_missing,
    check_front,
    check_order,
    check_levels,
    check_duplicates,
    check_empty,
    check_numbering,
    check_sections,
    check_links,
    check_status,
)


def run(
    outline: Outline,
    schema: Schema,
    *,
    structure: Structure | None = None,
    optional: frozenset[str] = frozenset(),
    severity: Mapping[str, str] | None = None,
    path: str | None = None,
    lookup: Callable[[str], list[str] | None] | None = None,
    root: str | None = None,
) -> list[Finding]:
    """All findings for a document, in document order. ``severity`` maps code -> level/'off'.
    With ``lookup`` (what exists beside the document at ``path``) links are checked too;
    ``root`` is the repository's root, for root-relative links."""
    structure = structure if structure is not None else match(outline, schema)
    ctx = Context(outline, schema, structure, optional, path, lookup)
    ctx.root = root
    levels = dict(DEFAULT_SEVERITY)
    by_rule: dict[str, str] = {}
    if schema.metadata.rules:
        values = {k: lab.value for k, lab in header(outline).items()}
        by_rule = rules.severities(rules.active(schema.metadata.rules, values))
    for source in (schema.metadata.severity, by_rule, severity or {}):
        for code, level in source.items():
            if code in levels and (level in SEVERITIES or level == "off"):
                levels[code] = level
    out: list[Finding] = []
    for check in CHECKS:
        for f in check(ctx):
            level = levels[f.code]
            if level == "off":
                continue
            if level != f.severity:
                f = Finding(f.code, level, f.message, f.span, f.data)
            out.append(f)
    out = _without_covered_links(schema, out, outline.lines)
    out.sort(key=lambda f: (f.span.start, CODES.index(f.code)))
    return out


def _without_covered_links(
    schema: Schema, found: list[Finding], lines: Sequence[str]
) -> list[Finding]:
    """``found`` less the broken links to this document's own headings that a reported missing
    section stands for (it, or a section inside it), and the broken links to this document
    nested under such a link in its list (a table of contents' entries for the subsections the
    writer had put in it): a table of contents still linking to a section left out is that one
    problem, and adding the section mends the link."""
    missing = [f for f in found if f.code == "missing-section" and "spec" in f.data]
    if not missing or not any(f.code == "broken-link" for f in found):
        return found
    covered: set[str] = set()
    todo = [int(f.data["spec"]) for f in missing]
    while todo:
        spec = schema.sections[todo.pop()]
        covered.add(links.slug(spec.title))
        todo.extend(spec.children)

    def own(f: Finding) -> bool:
        return (
            f.code == "broken-link"
            and f.data.get("target") is None
            and f.data.get("missing") == "heading"
        )

    def mended(f: Finding) -> bool:
        anchor = str(f.data.get("anchor", ""))
        return own(f) and (anchor.lower() in covered or links.slug(anchor) in covered)

    gone = {id(f) for f in found if mended(f)}
    # Below each mended entry: the list lines indented deeper than it, up to the first line
    # that is not (a blank line, or the list going back out).
    # A mended entry inside an earlier one's nest adds nothing: its own nest lies within.
    nested: set[int] = set()
    reach = 0
    for line in sorted({f.span.start.line for f in found if id(f) in gone}):
        if not reach <= line < len(lines):
            continue
        depth = _indent(lines[line])
        at = line + 1
        while at < len(lines) and lines[at].strip() and _indent(lines[at]) > depth:
            nested.add(at)
            at += 1
        reach = at
    return [f for f in found if id(f) not in gone and not (own(f) and f.span.start.line in nested)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))
