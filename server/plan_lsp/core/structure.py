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
from plan_lsp.core.text import CACHED, Pos, Span

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
    renamed: bool = False
    """Its heading's words are not the section's: a renamed required section, taken as that
    section because it sits alone in its place and shares a word only it has (:func:`_renames`)."""


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
        self.known: dict[str, list[SectionSpec]] = {}
        """The candidates of titles seen before (the same titles come back in every document
        of a kind), shared: never changed."""
        for s in schema.sections:
            if s.repeat:
                self.by_repeat.setdefault((s.repeat, s.depth), []).append(s)
            elif s.pattern is not None:
                self.patterns.append(s)
            else:
                self.by_key.setdefault(s.key, []).append(s)

    def candidates(self, title: str) -> list[SectionSpec]:
        out = self.known.get(title)
        if out is None:
            out = self._candidates(title)
            if len(title) <= CACHED:
                if len(self.known) >= 4096:
                    self.known.clear()
                self.known[title] = out
        return out

    def _candidates(self, title: str) -> list[SectionSpec]:
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
    """Place every top-level heading of ``outline`` in the schema's tree. A required section
    that is missing while one unknown heading alone sits in its place and plainly stands for it
    (:func:`_renames`) is that heading: it is placed again as that section, ``renamed``."""
    st = _place(outline, schema, {})
    renames = _renames(st, schema)
    return _place(outline, schema, renames) if renames else st


def _place(outline: Outline, schema: Schema, forced: dict[int, SectionSpec]) -> Structure:
    index = _index(schema)
    root = Placed(-1, Heading(0, "", -1, _NO_SPAN), None, 0, None)
    nodes: list[Placed] = []
    by_spec: dict[int, list[Placed]] = {}
    stack: list[Placed] = [root]
    counts: dict[tuple[int, int], int] = {}
    # Per schema object: the candidates are its SectionSpecs, compared by identity later.
    key = ("candidates", id(schema), schema.version)
    title = schema.title
    at_level: set[int] = set()
    """Sections some heading of the document matches at the template's own level."""
    headed: list[tuple[int, Heading, list[SectionSpec]]] = []
    for i, sec in enumerate(outline.sections):
        h = sec.heading
        if h is None:
            continue
        cache = sec.block.cache
        cands = cache.get(key)
        if cands is None:
            cands = cache[key] = index.candidates(h.title)
        if cands:
            level = h.level
            at_level.update(c.id for c in cands if c.level == level)
        headed.append((i, h, cands))
    for i, h, cands in headed:
        spec: SectionSpec | None = None
        parent_id = None
        if cands and not (
            len(cands) == 1 and cands[0].level == h.level and cands[0].pattern is None
        ):  # (one literal section at the heading's level, the usual case, is kept anywhere)
            # Expected here: a child of the nearest matched ancestor at a lower heading level.
            for p in reversed(stack):
                if p.spec is not None and p.level < h.level:
                    parent_id = p.spec.id
                    break
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
        renamed = i in forced
        if renamed:
            spec = forced[i]
        elif not nodes and title is not None and h.level == title.level and i <= 1:
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
        node = Placed(i, h, spec, level, parent, renamed=renamed)
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


# -- renamed sections --------------------------------------------------------------------------

_STOPWORD_TEXT = (
    "a about above after all also an and any are as at be before below by can could do does "
    "for from has have how if in into is it its more most no not of on or other our should so "
    "some than that the their then there these this those to up us use vs was we were what when "
    "where which who why will with would you your"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_NEGATIONS = frozenset({"non", "not", "no", "without", "anti", "out", "un", "never"})
"""Words that make a heading the opposite of a title it shares words with (``Non-Functional
Requirements`` does not stand for ``Functional Requirements``)."""
RENAME_WORDS = 12
"""Words of a heading compared with a missing section's title (longer headings are not)."""


def _fold(word: str) -> str:
    """A word with a plural ending taken off (``questions`` -> ``question``), so a singular or
    plural heading stands for the same section."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _content(title: str) -> set[str]:
    """The content words of a title: title-key words, stopwords and numbers aside, folded."""
    return {
        _fold(w)
        for w in title_key(title).split()[:RENAME_WORDS]
        if len(w) > 1 and w not in _STOPWORDS and not w.isdigit()
    }


def _typo(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` misspelt: one edit apart (two for long words), a swap of two
    neighbouring letters counted as one edit; both at least four letters long."""
    if a == b or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 2:
        return False
    limit = 2 if min(len(a), len(b)) >= 8 else 1
    if len(a) > 40 or len(b) > 40:
        return False
    # Optimal string alignment distance over two short words.
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def stands_for(title: str, spec: SectionSpec, siblings: list[SectionSpec]) -> bool:
    """Whether a heading titled ``title`` plainly stands for ``spec``, one of ``siblings`` (the
    template's sections under the same parent): it shares a content word with the section's
    title that no other sibling's title has (``Usage example`` for React's ``Basic example``),
    and none of its words is a misspelling of the title's (``Detailed desing`` is a typo, left
    to the near-miss finding and its fix) or a negation the title lacks (``Non-Functional``)."""
    return spec in _Words(siblings).meant(title)


class _Words:
    """The content words of a template's sibling sections, each word with the one sibling whose
    title has it (None: several have it, it tells them apart from nothing)."""

    def __init__(self, siblings: list[SectionSpec]) -> None:
        self.own: dict[int, set[str]] = {}
        self.owner: dict[str, SectionSpec | None] = {}
        for s in siblings:
            self.own[s.id] = words = _content(s.title)
            for w in words:
                self.owner[w] = None if w in self.owner else s

    def meant(self, title: str) -> list[SectionSpec]:
        """The siblings a heading titled ``title`` plainly stands for (see :func:`stands_for`)."""
        mine = _content(title)
        negated = set(title_key(title).split()[:RENAME_WORDS]) & _NEGATIONS
        out: list[SectionSpec] = []
        for w in mine:
            spec = self.owner.get(w)
            if spec is None or spec in out:
                continue
            own = self.own[spec.id]
            if negated - set(title_key(spec.title).split()):
                continue
            if any(_typo(x, t) for x in mine - own for t in own):
                continue
            out.append(spec)
        return out


def _eligible(spec: SectionSpec, schema: Schema) -> bool:
    """A section a renamed heading may stand for: required by the template, written once, with
    a literal title (a pattern already takes any words), not the document's title."""
    return not (
        spec.optional
        or spec.repeat
        or spec.repeatable
        or spec.pattern is not None
        or spec is schema.title
    )


def _renames(st: Structure, schema: Schema) -> dict[int, SectionSpec]:
    """Unknown headings that stand for a missing required section, by section index.

    An unknown heading is taken as a missing section, renamed, when its neighbours among its
    parent's children are sections of the template under that parent (or the parent's start or
    end; at least one of them is a section unless the template has one section there), the
    missing section's place lies between them in the template, it is written at the section's
    level, and it plainly stands for that section (:func:`stands_for`) and for no other. So a
    section deleted beside a renamed one is still the one missing; two unknown headings side by
    side, a heading out of its section's place, one that stands for two sections (merged) or
    for none are left to the missing-section finding."""
    out: dict[int, SectionSpec] = {}
    words_of: dict[int, _Words] = {}
    places: dict[int, dict[int, int]] = {}
    for container in [st.root, *st.nodes]:
        kids = container.children
        if not any(k.spec is None for k in kids):
            continue
        if container is st.root:
            siblings = schema.roots()
            unique = True
        elif container.spec is None:
            continue
        else:
            siblings = schema.children(container.spec)
            unique = len(st.instances(container.spec)) <= 1
        if not siblings:
            continue
        key = container.spec.id if container.spec is not None else -1
        place = places.get(key)
        if place is None:
            place = places[key] = {s.id: i for i, s in enumerate(siblings)}
        mine: set[int] = set() if unique else {k.spec.id for k in kids if k.spec is not None}
        n = len(siblings)
        for p, node in enumerate(kids):
            if node.spec is not None:
                continue
            prev = kids[p - 1] if p > 0 else None
            nxt = kids[p + 1] if p + 1 < len(kids) else None
            if prev is None and nxt is None and n > 1:
                continue
            if (prev is not None and (prev.spec is None or prev.spec.id not in place)) or (
                nxt is not None and (nxt.spec is None or nxt.spec.id not in place)
            ):
                continue  # beside another unknown heading, or a section placed from elsewhere
            lo = place[prev.spec.id] if prev is not None and prev.spec is not None else -1
            hi = place[nxt.spec.id] if nxt is not None and nxt.spec is not None else n
            if lo >= hi:
                continue
            words = words_of.get(key)
            if words is None:
                words = words_of[key] = _Words(siblings)
            meant = words.meant(node.heading.title)
            if len(meant) != 1:
                continue  # stands for nothing here, or for two sections (merged, ambiguous)
            m = meant[0]
            if (
                lo < place[m.id] < hi
                and _eligible(m, schema)
                and m.level == node.heading.level
                and not (st.instances(m) if unique else m.id in mine)
            ):
                out[node.index] = m
    return out
