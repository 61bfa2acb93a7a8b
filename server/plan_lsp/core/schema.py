"""Template -> schema: what a document of this kind must contain, derived from the template.

The template is rendered with no context (every field becomes ``<<FIELD>>``) and parsed with the
same outline parser as documents. Its heading tree gives the sections (level, title, order);
numbered sibling headings (``Phase 1: …``, ``Phase 2: …``) collapse into one repeatable section;
the labelled lines of the title section are the front fields; ``A | B | C`` values are
enumerations. Which sections may be absent is metadata, not code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from plan_lsp.core import placeholders, rules, templates
from plan_lsp.core.outline import FIELD_RE, Outline, Section, parse, prose, prose_lines
from plan_lsp.core.placeholders import Pattern, Syntax
from plan_lsp.core.templates import Metadata, TemplateSource, field_key
from plan_lsp.core.text import CACHED as _CACHED
from plan_lsp.core.text import DECORATION as _DECORATION
from plan_lsp.core.text import title_key as title_key  # re-exported: used from here above

# ``Phase 1: Foundation``, ``Step 2.3 - Wiring``, ``Phase 4``.
NUMBERED_RE = re.compile(
    r"^(?P<label>[^\W\d_][^\d:]*?)\s+(?P<num>\d+(?:\.\d+)*)\.?\s*(?:[:.)\-–—]\s*(?P<rest>.*))?$"
)
ENUM_SEP = re.compile(r"\s+\|\s+")


_OPTIONAL_WORD = re.compile(r"\boptional\b", re.I)


def decoration(title: str) -> str | None:
    """``optional`` or ``mandatory`` when a template heading says so in its own words."""
    m = _DECORATION.search(title)
    if m is None:
        return None
    word = m.group(1).lower()
    return "mandatory" if word in ("mandatory", "required") else "optional"


@dataclass(frozen=True, slots=True)
class Numbered:
    label: str
    numbers: tuple[int, ...]
    rest: str


def numbered(title: str) -> Numbered | None:
    """``Step 2.3: Wiring`` -> Numbered('Step', (2, 3), 'Wiring')."""
    return _numbered(title) if len(title) <= _CACHED else _numbered.__wrapped__(title)


@lru_cache(maxsize=4096)
def _numbered(title: str) -> Numbered | None:
    m = NUMBERED_RE.match(title.strip())
    if not m:
        return None
    nums = tuple(int(n) for n in m.group("num").split("."))
    return Numbered(m.group("label").strip(), nums, (m.group("rest") or "").strip())


@dataclass(slots=True)
class SectionSpec:
    """A section as the template asks for it: title, level, place in the template's tree (a
    written one is an outline :class:`~plan_lsp.core.outline.Section`)."""

    id: int
    title: str
    """As written in the template (for repeatable ones: the first instance's title)."""
    level: int
    parent: int | None
    children: list[int] = field(default_factory=list)
    key: str = ""
    pattern: Pattern | None = None
    """For titles with fields: the fields are wildcards."""
    repeatable: bool = False
    """A pattern the template writes more than once among its siblings: any number of them."""
    has_body: bool = False
    """Whether the template gives the section content of its own (an HTML comment is none)."""
    boilerplate: bool = False
    """Its template text may stay in documents as it is (metadata ``boilerplate``)."""
    guidance: bool = False
    """Its template text is guidance to replace (it holds a placeholder, outside code), not
    fixed text every document keeps (a licence line)."""
    start_number: int = 1
    """For numbered sections: the number the template starts at (``Phase 0``)."""
    mandatory: bool = False
    repeat: str | None = None
    """For numbered sections: the label key (``phase``); ``depth`` numbers follow it."""
    repeat_label: str = ""
    depth: int = 0
    optional: bool = False
    start: int = 0
    """Lines of the rendered template: the heading, the end of its own body, end of subtree."""
    body_end: int = 0
    end: int = 0
    labels: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """How messages name the section: ``Phase N`` for repeatable ones."""
        if self.repeat:
            return f"{self.repeat_label} " + ".".join(["N", "M", "K", "L"][: self.depth])
        return self.title

    @property
    def hashes(self) -> str:
        return "#" * self.level


@dataclass(frozen=True, slots=True)
class FrontField:
    """A labelled line of the title section, e.g. ``**Status:** Draft | In Progress``."""

    label: str
    template_value: str
    values: tuple[str, ...]
    default: str | None
    fields: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class FrontKey:
    """A key of the template's YAML front matter, which documents must carry."""

    key: str
    values: tuple[str, ...]
    """A value written as a choice (``"{proposed | accepted | rejected}"``): the allowed ones."""
    open: bool
    """The choice ends in ``…``: other values are allowed too (they are suggestions)."""
    optional: bool


# ``key: value  # comment`` at the top level of front matter.
_FRONT_LINE = re.compile(r"^([A-Za-z_][\w.-]{0,100}):(?:[ \t]+(.*?))?[ \t]*$")
_CHOICE_OPEN = "{[(<"
_CHOICE_CLOSE = "}])>"


def _choice(value: str) -> tuple[tuple[str, ...], bool]:
    """``"{proposed | accepted | rejected}"`` -> the values, and whether it is open (``…``)."""
    v = value.strip()
    if len(v) >= 2 and v[0] in "\"'" and v[-1] == v[0]:
        v = v[1:-1].strip()
    elif v[:1] in "\"'":
        v = v[1:].strip()
    if v[:1] in _CHOICE_OPEN:
        v = v[1:]
        if v[-1:] in _CHOICE_CLOSE:
            v = v[:-1]
    else:
        return (), False
    if " | " not in v:
        return (), False
    parts = [p.strip() for p in v.split("|")]
    open_ = any(p in ("…", "...") for p in parts)
    return tuple(p for p in parts if p and p not in ("…", "...")), open_


def front_keys(front: str) -> list[FrontKey]:
    """The keys of a template's front matter (``front``: its text, ``---`` lines included).
    A comment saying "optional" above the keys makes those after it optional; one on a key's
    line, or "only required", that key."""
    out: list[FrontKey] = []
    all_optional = False
    for raw in front.split("\n"):
        line = raw.rstrip()
        if line.startswith("#"):
            if _OPTIONAL_WORD.search(line):
                all_optional = True
            continue
        m = _FRONT_LINE.match(line)
        if m is None:
            continue
        value, _, comment = (m.group(2) or "").partition(" #")
        values, open_ = _choice(value)
        said = bool(_OPTIONAL_WORD.search(comment)) or "only required" in comment.lower()
        out.append(FrontKey(m.group(1), values, open_, all_optional or said))
    return out


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A ``{{FIELD}}`` of the template: where it first appears and what it is for."""

    name: str
    section: int | None
    description: str
    values: tuple[str, ...]


@dataclass
class Schema:
    """The structure a kind of document must follow, derived from its template."""

    name: str
    source: TemplateSource
    rendered: list[str]
    """The template rendered with no context: its lines (fields as ``<<FIELD>>``)."""
    sections: list[SectionSpec]
    front: list[FrontField]
    fields: list[FieldSpec]
    enums: dict[str, tuple[str, ...]]
    """Enumerated values by label key (``status`` -> Draft, In Progress, Completed)."""
    problems: list[tuple[str, int | None]]
    """Defects of the template itself (message, zero-based template line)."""
    version: str
    heading_lines: frozenset[int] = frozenset()
    """Lines of ``rendered`` that are headings (code fences excluded)."""
    syntaxes: tuple[Syntax, ...] = ()
    """Declared placeholder syntaxes (besides ``{{…}}`` fields)."""
    front_keys: list[FrontKey] = field(default_factory=list)
    """The keys of the template's YAML front matter (rendered into new documents)."""

    @property
    def metadata(self) -> Metadata:
        return self.source.metadata

    @property
    def title(self) -> SectionSpec | None:
        """The template's first heading when it is the title: the only one at its level, every
        other heading below it (a template of ``##`` sections alone has no title)."""
        hit = self.__dict__.get("_title")
        if hit is None or hit[0] != len(self.sections):  # computed once per schema
            alone = bool(self.sections) and self.sections[0].parent is None
            if alone:
                alone = not any(s.parent is None for s in self.sections[1:])
            title = self.sections[0] if alone else None
            hit = self.__dict__["_title"] = (len(self.sections), title)
        return hit[1]

    def roots(self) -> list[SectionSpec]:
        hit = self.__dict__.get("_roots")
        if hit is None or len(hit[0]) != len(self.sections):  # computed once per schema
            hit = (list(self.sections), [s for s in self.sections if s.parent is None])
            self.__dict__["_roots"] = hit
        return list(hit[1])

    def children(self, spec: SectionSpec | None) -> list[SectionSpec]:
        if spec is None:
            return self.roots()
        cache: dict[int, list[SectionSpec]] = self.__dict__.setdefault("_children", {})
        hit = cache.get(spec.id)
        if hit is None or len(hit) != len(spec.children):  # built once per section
            hit = cache[spec.id] = [self.sections[c] for c in spec.children]
        return list(hit)

    def text(self, spec: SectionSpec, subtree: bool = True) -> str:
        """The template's text of a section, heading included, ending with a newline."""
        end = spec.end if subtree else spec.body_end
        lines = self.rendered[spec.start : end]
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines) + "\n"

    def body(self, spec: SectionSpec) -> str:
        """The section's own body in the template (no heading, no subsections), trimmed."""
        return "\n".join(self.rendered[spec.start + 1 : spec.body_end]).strip("\n")

    def field(self, name: str) -> FieldSpec | None:
        key = field_key(name)
        for f in self.fields:
            if field_key(f.name) == key:
                return f
        return None

    def title_follows(self, title: str) -> bool:
        """Whether a document's title follows the template's: it matches the title's pattern,
        or starts with the title's fixed words before its first placeholder (``KEP-NNNN: Your
        short, descriptive title`` is followed by ``KEP-3973: Consider Terminating Pods``). A
        title of plain words with no placeholder (swift-evolution's ``# Feature name``) stands
        for the document's own title: any title follows it."""
        spec = self.title
        if spec is None or spec.pattern is None or self.matches(spec, title):
            return True
        if spec.pattern is None or not spec.pattern.pieces[0]:
            return False
        return " ".join(title.split()).casefold().startswith(spec.pattern.pieces[0])

    def matches(self, spec: SectionSpec, title: str) -> bool:
        """Whether a document heading titled ``title`` is an instance of ``spec``."""
        if spec.repeat:
            n = numbered(title)
            return (
                n is not None
                and title_key(n.label) == spec.repeat
                and len(n.numbers) == (spec.depth)
            )
        if spec.pattern is not None:
            return spec.pattern.match(_DECORATION.sub(" ", title) if "(" in title else title)
        return title_key(title) == spec.key


def _pattern(title: str, syntaxes: tuple[Syntax, ...]) -> Pattern | None:
    """A heading title's fields (``<<…>>`` and declared placeholders) as wildcards."""
    if "(" in title:
        title = _DECORATION.sub(" ", title).strip()
    spans = [(m.start(), m.end()) for m in FIELD_RE.finditer(title)]
    spans += placeholders.find(syntaxes, title)
    return placeholders.pattern(title, spans)


# ``[Extract from feature spec: …]``, ``[e.g., Python 3.11]``: bracketed words to replace, not a
# link (``[CC0](../LICENSE.md)``), a reference or a task box.
_BRACKETED = re.compile(r"(?<![\w\]!])\[\w[^\[\]\n]{0,200}\s[^\[\]\n]{0,200}\](?![(\[:])")


def _guidance(sec: Section, lines: list[str], syntaxes: tuple[Syntax, ...]) -> bool:
    """Whether a template section's own prose holds a placeholder (bracketed words or a
    declared one), outside code and comments."""
    for n in prose_lines(sec.block):
        if n < sec.block.body_offset:
            continue
        line = prose(lines[sec.start + n])
        if _BRACKETED.search(line) or placeholders.find(syntaxes, line):
            return True
    return False


_SAYS_OPTIONAL = re.compile(
    r"\b(?:this|the)\s+(?:sub)?section\s+is\s+optional\b|\bthis\s+is\s+an\s+optional\b"
    r"|\boptional\s+(?:sub)?section\b",
    re.I,
)


def _body_says_optional(lines: list[str], line: int, end: int) -> bool:
    """Whether a template section's body opens with an HTML comment saying it is optional
    (EIP: ``<!-- This section is optional. … -->``, KEP, MADR)."""
    n = line + 1
    while n < end and not lines[n].strip():
        n += 1
    if n >= end or not lines[n].lstrip().startswith("<!--"):
        return False
    text = []
    for k in range(n, min(n + 50, end)):
        text.append(lines[k])
        if "-->" in lines[k]:
            break
    return bool(_SAYS_OPTIONAL.search(" ".join(text)))


def _comment_says_optional(lines: list[str], line: int) -> bool:
    """Whether an HTML comment just above a template heading says the section is optional
    (MADR: ``<!-- This is an optional element. Feel free to remove. -->``)."""
    n = line - 1
    while n >= 0 and not lines[n].strip():
        n -= 1
    if n < 0 or not lines[n].rstrip().endswith("-->"):
        return False
    text = []
    for k in range(n, max(n - 50, -1), -1):
        text.append(lines[k])
        if "<!--" in lines[k]:
            p = k - 1
            while p >= 0 and not lines[p].strip():
                p -= 1
            if p >= 0 and lines[p].lstrip().startswith("#"):
                return False  # it opens the section above (its body), it is not about this one
            return bool(_OPTIONAL_WORD.search(" ".join(text)))
    return False


def build(source: TemplateSource) -> Schema:
    """Derive the schema of a template. Raises :class:`templates.TemplateError` if unusable."""
    rendered_text = templates.render(source, {})
    outline = parse(rendered_text)
    return from_outline(source, outline)


def from_outline(source: TemplateSource, outline: Outline) -> Schema:
    meta = source.metadata
    lines = outline.lines
    problems: list[tuple[str, int | None]] = list(meta.problems)
    syntaxes, bad = placeholders.compile_all(meta.placeholders)
    problems += [(f"placeholders: {msg}", None) for msg in bad]
    # Rendering keeps template lines when the front matter is dropped; map back for messages.
    shift = source.body_line - (source.front.count("\n") if source.front else 0)

    sections: list[SectionSpec] = []
    # stack of (doc level, spec id)
    stack: list[tuple[int, int]] = []
    optional_keys = {title_key(t) for t in meta.optional}
    first_of: dict[tuple[int | None, str, str, int], int] = {}
    heads = [s for s in outline.sections if s.heading is not None]
    for idx, sec in enumerate(heads):
        h = sec.heading
        assert h is not None
        while stack and stack[-1][0] >= h.level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        num = numbered(h.title) if "<<" not in h.title.split(":")[0] else None
        if num is not None and placeholders.find(syntaxes, num.label):
            num = None
        pat = _pattern(h.title, syntaxes) if num is None else None
        existing: SectionSpec | None = None
        # The first sibling of the same section, found by key (a template of thousands of
        # headings is not a quadratic scan of siblings).
        if num is not None:
            seen_id = first_of.get((parent, "repeat", title_key(num.label), len(num.numbers)))
            existing = sections[seen_id] if seen_id is not None else None
        elif pat is not None:
            # A pattern written twice among its siblings is one repeatable section.
            seen_id = first_of.get((parent, "pattern", "", h.level))
            if seen_id is not None:
                existing = sections[seen_id]
                existing.repeatable = True
        else:
            seen_id = first_of.get((parent, "key", title_key(h.title), h.level))
            if seen_id is not None:
                problems.append(
                    (f"heading '{h.title}' is used twice at level {h.level}", h.line + shift)
                )
                existing = sections[seen_id]
        # End of this heading's subtree: the next heading at the same or a higher level.
        end = len(lines)
        for later in heads[idx + 1 :]:
            assert later.heading is not None
            if later.heading.level <= h.level:
                end = later.start
                break
        if existing is not None:
            # A further instance of a repeatable section: its children merge into the first.
            stack.append((h.level, existing.id))
            continue
        spec = SectionSpec(
            id=len(sections),
            title=h.title,
            level=h.level,
            parent=parent,
            key=title_key(h.title),
            start=sec.start,
            body_end=sec.end,
            end=end,
            labels=tuple(lab.label for lab in sec.labels),
        )
        if num is not None:
            spec.repeat = title_key(num.label)
            spec.repeat_label = num.label
            spec.depth = len(num.numbers)
            spec.start_number = num.numbers[-1]
            spec.key = ""
        else:
            spec.pattern = pat
            if spec.pattern is not None:
                spec.key = ""
        spec.has_body = sec.has_content
        spec.guidance = _guidance(sec, lines, syntaxes)
        if spec.repeat:
            first_of.setdefault((parent, "repeat", spec.repeat, spec.depth), spec.id)
        elif spec.pattern is not None:
            first_of.setdefault((parent, "pattern", "", spec.level), spec.id)
        else:
            first_of.setdefault((parent, "key", spec.key, spec.level), spec.id)
        names = {spec.key, spec.repeat or "", title_key(spec.display)} - {""}
        said = decoration(h.title)
        spec.boilerplate = bool(names & {title_key(b) for b in meta.boilerplate})
        spec.mandatory = said == "mandatory"
        spec.optional = (
            bool(names & optional_keys)
            or said == "optional"
            or _comment_says_optional(lines, sec.start)
            or _body_says_optional(lines, sec.start, sec.end)
        )
        sections.append(spec)
        if parent is not None:
            sections[parent].children.append(spec.id)
        stack.append((h.level, spec.id))

    if any(s.mandatory for s in sections):
        # The template marks its mandatory sections: the others (outside them) may be left out.
        for s in sections:
            within = s.mandatory or any(a.mandatory for a in _ancestors(sections, s))
            below = any(d.mandatory for d in _descendants(sections, s))
            if not (within or below) and not (s.id == 0 and s.parent is None):
                s.optional = True

    known = (
        {title_key(s.display) for s in sections}
        | {s.key for s in sections}
        | {s.repeat for s in sections if s.repeat}
    )
    for title in meta.optional:
        if title_key(title) not in known:
            problems.append((f"optional section '{title}' is not in the template", None))

    # Front fields: the labelled lines before the first sub-heading (in the title section).
    front: list[FrontField] = []
    enums: dict[str, tuple[str, ...]] = {}
    # The title's section (after any front matter), else the preamble.
    first = next((s for s in outline.sections if s.heading is not None), None)
    if first is None and outline.sections:
        first = outline.sections[0]
    for sec in outline.sections:
        for lab in sec.labels:
            values, default, inside = _enum(meta, lab.label, lab.value)
            if values:
                enums.setdefault(title_key(lab.label), values)
            if sec is first:
                fm = meta.field(lab.label) or (meta.field(inside[0]) if inside else None)
                front.append(
                    FrontField(
                        lab.label,
                        lab.value,
                        values,
                        default,
                        inside,
                        fm.description if fm else "",
                    )
                )

    fields: list[FieldSpec] = []
    spec_at: dict[int, int] = {}
    for sp in sections:
        spec_at.setdefault(sp.start, sp.id)
    seen: set[str] = set()
    for sec in outline.sections:
        owner = None
        if sec.heading is not None:
            owner = spec_at.get(sec.start)
        for m in sec.markers:
            if m.kind != "field" or field_key(m.name) in seen:
                continue
            seen.add(field_key(m.name))
            fm = meta.field(m.name)
            fields.append(
                FieldSpec(m.name, owner, fm.description if fm else "", fm.values if fm else ())
            )
    for fname in meta.fields:
        if field_key(fname) not in seen and not any(
            title_key(f.label) == title_key(fname) for f in front
        ):
            problems.append((f"metadata describes field '{fname}', which the template lacks", None))

    problems += _rule_problems(meta, front, enums, known)

    version = hashlib.sha256(source.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    heading_lines = frozenset(h.line for h in outline.headings)
    return Schema(
        source.name,
        source,
        lines,
        sections,
        front,
        fields,
        enums,
        problems,
        version,
        heading_lines,
        syntaxes,
        front_keys(source.front),
    )


def _rule_problems(
    meta: Metadata,
    front: list[FrontField],
    enums: dict[str, tuple[str, ...]],
    known: set[str],
) -> list[tuple[str, int | None]]:
    """Rules naming a field the title section lacks, a value outside its enumeration, or a
    section the template does not have."""
    out: list[tuple[str, int | None]] = []
    labels = {title_key(f.label) for f in front}
    for n, rule in enumerate(meta.rules, 1):
        for cond in rule.when:
            if cond.key not in labels:
                out.append(
                    (f"rule {n}: '{cond.label}' is not a field of the template's header", rule.line)
                )
                continue
            allowed = enums.get(cond.key, ())
            keys = {rules.value_key(v) for v in allowed}
            for v in cond.values:
                if allowed and rules.value_key(v) not in keys:
                    out.append(
                        (
                            f"rule {n}: '{v}' is not a value of {cond.label} "
                            f"(one of: {', '.join(allowed)})",
                            rule.line,
                        )
                    )
        for title in rule.sections:
            if title_key(title) not in known:
                out.append((f"rule {n}: section '{title}' is not in the template", rule.line))
    return out


def _ancestors(sections: list[SectionSpec], spec: SectionSpec) -> list[SectionSpec]:
    out = []
    while spec.parent is not None:
        spec = sections[spec.parent]
        out.append(spec)
    return out


def _descendants(sections: list[SectionSpec], spec: SectionSpec) -> list[SectionSpec]:
    out = []
    todo = list(spec.children)
    while todo:
        s = sections[todo.pop()]
        out.append(s)
        todo.extend(s.children)
    return out


def _enum(
    meta: Metadata, label: str, value: str
) -> tuple[tuple[str, ...], str | None, tuple[str, ...]]:
    """Enumerated values, default and field names of a labelled template line."""
    names = tuple(m.group(1) for m in FIELD_RE.finditer(value))
    fm = meta.field(label)
    values: tuple[str, ...] = ()
    if fm is not None and fm.values:
        values = fm.values
    elif len(names) == 1 and (nm := meta.field(names[0])) is not None and nm.values:
        values = nm.values
        fm = nm
    elif not names and ENUM_SEP.search(value):
        values = tuple(v.strip() for v in ENUM_SEP.split(value) if v.strip())
    default = fm.default if fm is not None and fm.default is not None else None
    if default is None and values:
        default = values[0]
    return values, default, names
