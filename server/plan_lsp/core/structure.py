"""Matching a document's headings to the schema's sections.

Every top-level heading is matched to the section it stands for, forgivingly (case, spacing,
``&``/``and``, numbered instances, fields as wildcards), first among the sections expected under
its parent, then anywhere in the template. A matched heading takes the template's level when it
places the document tree, so one heading at a wrong level is one finding, not a cascade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plan_lsp.core.outline import Heading, Outline
from plan_lsp.core.schema import Schema, SectionSpec, numbered, title_key
from plan_lsp.core.text import Pos, Span

_NO_SPAN = Span(Pos(0, 0), Pos(0, 0))


@dataclass(eq=False, slots=True)
class Placed:
    """A written section placed in the matched tree: its heading, the :class:`SectionSpec` it
    stands for (None: none), its parent and children. (Section names: an outline
    :class:`~plan_lsp.core.outline.Section` is a section as written, its
    :class:`~plan_lsp.core.outline.Block` what it holds; a :class:`SectionSpec` is a section as
    the template asks for it; a :class:`Placed` joins the two.)"""

    index: int
    """Index of its section in ``outline.sections``."""
    heading: Heading
    spec: SectionSpec | None
    level: int
    """Effective level: the template's level when matched, else the heading's own."""
    parent: Placed | None
    children: list[Placed] = field(default_factory=list)
    end: int = 0
    """First line after its subtree."""
    ordinal: int = 0
    """1-based position among its parent's children matched to the same section."""


@dataclass(slots=True)
class Structure:
    """The matched tree of a document: a virtual root holding the top-level headings."""

    root: Placed
    nodes: list[Placed]
    by_spec: dict[int, list[Placed]]

    def instances(self, spec: SectionSpec) -> list[Placed]:
        return self.by_spec.get(spec.id, [])

    def numbers(self, node: Placed) -> list[int]:
        """The numbers a numbered section instance should carry (``Step 2.3`` -> [2, 3])."""
        out: list[int] = []
        n: Placed | None = node
        while n is not None and n.spec is not None and n.spec.repeat:
            out.append(n.ordinal + n.spec.start_number - 1)
            n = n.parent
        out.reverse()
        return out


class _Index:
    """Schema sections indexed for fast matching."""

    def __init__(self, schema: Schema) -> None:
        self.by_key: dict[str, list[SectionSpec]] = {}
        self.by_repeat: dict[tuple[str, int], list[SectionSpec]] = {}
        self.patterns: list[SectionSpec] = []
        for s in schema.sections:
            if s.repeat:
                self.by_repeat.setdefault((s.repeat, s.depth), []).append(s)
            elif s.pattern is not None:
                self.patterns.append(s)
            else:
                self.by_key.setdefault(s.key, []).append(s)

    def candidates(self, title: str) -> list[SectionSpec]:
        out = list(self.by_key.get(title_key(title), ()))
        n = numbered(title)
        if n is not None:
            out += self.by_repeat.get((title_key(n.label), len(n.numbers)), ())
        text = " ".join(title.split())
        out += [s for s in self.patterns if s.pattern is not None and s.pattern.match(text)]
        return out


_INDEXES: dict[int, tuple[Schema, _Index]] = {}


def _index(schema: Schema) -> _Index:
    hit = _INDEXES.get(id(schema))
    if hit is None or hit[0] is not schema:
        if len(_INDEXES) > 64:
            _INDEXES.clear()
        hit = (schema, _Index(schema))
        _INDEXES[id(schema)] = hit
    return hit[1]


def match(outline: Outline, schema: Schema) -> Structure:
    """Place every top-level heading of ``outline`` in the schema's tree."""
    index = _index(schema)
    root = Placed(-1, Heading(0, "", -1, _NO_SPAN), None, 0, None)
    nodes: list[Placed] = []
    by_spec: dict[int, list[Placed]] = {}
    stack: list[Placed] = [root]
    counts: dict[tuple[int, int], int] = {}
    # Per schema object: the candidates are its SectionSpecs, compared by identity later.
    key = ("candidates", id(schema), schema.version)
    at_level: set[int] = set()
    """Sections some heading of the document matches at the template's own level."""
    for sec in outline.sections:
        h = sec.heading
        if h is None:
            continue
        block = sec.block
        cands = block.cache.get(key)
        if cands is None:
            cands = index.candidates(h.title)
            block.cache[key] = cands
        at_level.update(c.id for c in cands if c.level == h.level)
    for i, sec in enumerate(outline.sections):
        h = sec.heading
        if h is None:
            continue
        cands = sec.block.cache[key]
        spec: SectionSpec | None = None
        # Expected here: a child of the nearest matched ancestor at a lower heading level.
        context = [p for p in stack if p.level < h.level]
        ancestors = [p.spec.id for p in reversed(context) if p.spec is not None]
        parent_id = ancestors[0] if ancestors else None
        if cands:
            # A pattern matches only at its own level under its own parent. A literal section
            # deeper than the template's and under another parent is that section only when
            # the document has it nowhere at its own level (a demoted heading); a same-named
            # subsection elsewhere does not take the place of the real one.
            cands = [
                c
                for c in cands
                if (c.level == h.level and (c.pattern is None or c.parent == parent_id))
                or (
                    c.pattern is None
                    and (c.parent == parent_id or h.level < c.level or c.id not in at_level)
                )
            ]
        title = schema.title
        if not nodes and title is not None and h.level == title.level and i <= 1:
            # The first heading of a claimed document is its title, whatever its words.
            spec = title
        elif len(cands) == 1:
            spec = cands[0]
        elif cands:
            all_ancestors = {p.spec.id for p in stack if p.spec is not None}
            spec = (
                next((c for c in cands if c.parent == parent_id), None)
                or next((c for c in cands if c.parent in all_ancestors), None)
                or next((c for c in cands if c.level == h.level), None)
                or cands[0]
            )
        level = spec.level if spec is not None else h.level
        while stack[-1].level >= level:
            stack.pop()
        parent = stack[-1]
        node = Placed(i, h, spec, level, parent)
        if spec is not None:
            ck = (id(parent), spec.id)
            counts[ck] = node.ordinal = counts.get(ck, 0) + 1
        parent.children.append(node)
        nodes.append(node)
        if spec is not None:
            by_spec.setdefault(spec.id, []).append(node)
        stack.append(node)
    # Subtree ends.
    total = len(outline.lines)
    open_nodes: list[Placed] = []
    for node in nodes:
        while open_nodes and open_nodes[-1].level >= node.level:
            open_nodes.pop().end = outline.sections[node.index].start
        open_nodes.append(node)
    for node in open_nodes:
        node.end = total
    root.end = total
    return Structure(root, nodes, by_spec)
