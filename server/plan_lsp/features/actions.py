"""Quick fixes: the edits that resolve a finding, where the fix is obvious; and fixing all.

Pure: a checked document and its findings in, :class:`Fix` values (titles and text edits in code
points) out. The protocol layer ties each fix to the document version it was computed for.

**Fix all** (:func:`fix_all`) applies the preferred fixes round after round, a re-check between
rounds: the one implementation of ``plan-lsp check --fix`` and of the editor's
``source.fixAll.plan-lsp`` code action (:func:`edits_between` turns its result into edits).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from plan_lsp.core.codes import Finding
from plan_lsp.core.engine import Result
from plan_lsp.core.outline import FIELD_RE, front_matter_end
from plan_lsp.core.schema import _FRONT_LINE, Schema, title_key
from plan_lsp.core.text import Pos, Span, TextEdit
from plan_lsp.features.insertions import section_text


@dataclass(frozen=True, slots=True)
class Fix:
    """One quick fix: a title, its edits, and the findings it resolves."""

    title: str
    edits: tuple[TextEdit, ...]
    findings: tuple[Finding, ...]
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class NewFile:
    """A quick fix creating a missing file: a title, the file's path and text, and the finding
    (a ``broken-link`` to that file) it resolves."""

    title: str
    path: str
    text: str
    finding: Finding


def fixes(result: Result, findings: Iterable[Finding]) -> list[Fix]:
    """Quick fixes for ``findings`` (all from ``result``)."""
    if result.kind is None:
        return []
    schema = result.kind.schema
    lines = result.outline.lines
    out: list[Fix] = []
    numbering: list[Finding] = []
    for f in findings:
        maker = _MAKERS.get(f.code)
        if maker is not None:
            out += maker(schema, lines, f)
        if f.code == "numbering":
            numbering.append(f)
    if numbering:
        every = [g for g in result.findings if g.code == "numbering"]
        if len(every) > 1:
            out.append(
                Fix(
                    "Renumber all phases and steps",
                    tuple(_renumber_edit(lines, g) for g in every),
                    tuple(every),
                    preferred=True,
                )
            )
    return out


def _insert_at(lines: list[str], line: int, text: str) -> TextEdit:
    """Insert a block of lines before ``line``, with a blank line on each side."""
    if line >= len(lines):
        last = len(lines) - 1
        sep = "" if not lines[last].strip() else "\n"
        lead = "\n" if lines[last].strip() else ""
        return TextEdit(
            Span(Pos(last, len(lines[last])), Pos(last, len(lines[last]))), sep + lead + text
        )
    lead = "\n" if line > 0 and lines[line - 1].strip() else ""
    trail = "\n" if lines[line].strip() else ""
    return TextEdit(Span(Pos(line, 0), Pos(line, 0)), lead + text + trail)


def _missing(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    data = f.data
    line = int(data.get("line", 0))
    front = schema.rendered[: front_matter_end(schema.rendered)]
    if data.get("front_matter"):  # none at all: the template's, as a new document gets it
        return [
            Fix(
                "Insert the template's front matter",
                (_insert_at(lines, 0, "\n".join(front) + "\n"),),
                (f,),
                preferred=True,
            )
        ]
    if "front" in data:  # a key of the template's YAML front matter
        key = str(data["front"])
        text = next(
            (
                raw.rstrip()
                for raw in front
                if (m := _FRONT_LINE.match(raw.rstrip())) is not None and m.group(1) == key
            ),
            f"{key}:",
        )
        return [
            Fix(
                f"Insert '{key}:'",
                (TextEdit(Span(Pos(line, 0), Pos(line, 0)), text + "\n"),),
                (f,),
                preferred=True,
            )
        ]
    if "spec" not in data:  # a missing front field
        label = str(data["label"])
        ff = next((x for x in schema.front if title_key(x.label) == title_key(label)), None)
        value = (
            (ff.default or "")
            if ff is not None and ff.values
            else (ff.template_value if ff is not None else "")
        )
        text = f"**{label}:** {value}".rstrip() + "\n"
        return [
            Fix(
                f"Insert '**{label}:**'",
                (TextEdit(Span(Pos(line, 0), Pos(line, 0)), text),),
                (f,),
                preferred=True,
            )
        ]
    spec = schema.sections[int(data["spec"])]
    numbers = data.get("numbers")
    level = data.get("level")
    text = section_text(
        schema, spec, list(numbers) if numbers else None, int(level) if level else None
    )
    heading = text.split("\n", 1)[0]
    out = [
        Fix(
            f"Insert section '{heading}'",
            (_insert_at(lines, line, text),),
            (f,),
            preferred=data.get("rename") is None,
        )
    ]
    rename = data.get("rename")
    if rename is not None:
        n = int(rename)
        old = lines[n]
        out.insert(
            0,
            Fix(
                f"Rename '{old.lstrip('#').strip()}' to '{spec.title}'",
                (TextEdit(Span(Pos(n, 0), Pos(n, len(old))), f"{spec.hashes} {spec.title}"),),
                (f,),
                preferred=True,
            ),
        )
    return out


def _level(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    level = int(f.data["level"])
    n = f.span.start.line
    line = lines[n]
    if f.data.get("setext"):
        title = line.strip()
        edits = [
            TextEdit(Span(Pos(n, 0), Pos(n + 1, len(lines[n + 1]))), "#" * level + " " + title)
        ]
    else:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        hashes = len(stripped) - len(stripped.lstrip("#"))
        edits = [TextEdit(Span(Pos(n, indent), Pos(n, indent + hashes)), "#" * level)]
    return [Fix(f"Make it a level-{level} heading ({'#' * level})", tuple(edits), (f,), True)]


def _renumber_edit(lines: list[str], f: Finding) -> TextEdit:
    n, a, b = (int(x) for x in f.data["number"])
    return TextEdit(Span(Pos(n, a), Pos(n, b)), str(f.data["expected"]))


def _numbering(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    return [Fix(f"Renumber to {f.data['expected']}", (_renumber_edit(lines, f),), (f,))]


def _value(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    values = [str(v) for v in f.data.get("values", [])]
    return [
        Fix(f"Set {f.data['label']} to '{v}'", (TextEdit(f.span, v),), (f,), preferred=i == 0)
        for i, v in enumerate(values)
    ]


def _token(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    name = str(f.data.get("token", ""))
    if not name or not FIELD_RE.fullmatch(f"<<{name}>>"):
        return []
    return [
        Fix(
            f"Turn '{{{{{name}}}}}' into the field '<<{name}>>'",
            (TextEdit(f.span, f"<<{name}>>"),),
            (f,),
            preferred=True,
        )
    ]


def _empty(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    if f.data.get("unchanged"):
        return []  # it holds the template's text already: only its writer can replace it
    spec = schema.sections[int(f.data["spec"])]
    if not spec.has_body:
        return []  # a question the template asks with no text of its own: only an answer does
    n = f.span.start.line + 1
    end = max(n, min(int(f.data.get("end", n)), len(lines)))
    # What the section holds (a comment, NixOS's `[summary]: #summary` anchor line) stays, and
    # the template's text goes after it, less the blocks of it the section holds already.
    body = _less_blocks(schema.body(spec).split("\n"), lines[n:end])
    if not body:
        return []
    at = max((i + 1 for i in range(n, end) if lines[i].strip()), default=n)
    return [
        Fix(
            f"Insert the template's text for '{spec.display}'",
            (_insert_at(lines, at, body + "\n"),),
            (f,),
            preferred=True,
        )
    ]


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """The runs of non-blank lines: (start, end) indexes."""
    out: list[tuple[int, int]] = []
    start = None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            out.append((start, i))
            start = None
    return out


def _less_blocks(body: list[str], held: list[str]) -> str:
    """``body`` without the blocks (runs of non-blank lines) ``held`` has too, whitespace aside."""

    def key(lines: list[str]) -> str:
        return " ".join(" ".join(lines).split())

    have = {key(held[a:b]) for a, b in _blocks(held)}
    drop = {i for a, b in _blocks(body) if key(body[a:b]) in have for i in range(a, b + 1)}
    return "\n".join(line for i, line in enumerate(body) if i not in drop).strip("\n")


def _status(schema: Schema, lines: list[str], f: Finding) -> list[Fix]:
    """Set the status back to the nearest earlier value that holds; never tick tasks."""
    back = f.data.get("back")
    if not back:
        return []
    return [Fix(f"Set {f.data['label']} back to '{back}'", (TextEdit(f.span, str(back)),), (f,))]


_MAKERS = {
    "missing-section": _missing,
    "heading-level": _level,
    "numbering": _numbering,
    "invalid-value": _value,
    "template-token": _token,
    "empty-section": _empty,
    "status-mismatch": _status,
}


def preferred(result: Result) -> list[Fix]:
    """The preferred fix of each finding that has one, no two touching the same text: what
    "fix all" applies in one round (the editor's preferred quick fixes; ``check --fix``).

    Earlier findings win; a fix whose edits touch those of a chosen one (overlapping, or at the
    same place, where their order would be a guess) waits for a later round, after a re-check.
    """
    chosen: list[Fix] = []
    taken: list[Span] = []
    for fix in fixes(result, result.findings):
        if not fix.preferred:
            continue
        spans = [e.span for e in fix.edits]
        if any(s.overlaps(t) for s in spans for t in taken):
            continue
        chosen.append(fix)
        taken += spans
    return chosen


# -- fix all -----------------------------------------------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")
MAX_ROUNDS = 64
"""Rounds of fixing per document; each round re-checks and applies the fixes that do not clash."""


@dataclass(frozen=True)
class Applied:
    """One round's edits, as applied to the text it started from."""

    text: str
    edits: tuple[TextEdit, ...]


def line_starts(text: str) -> tuple[list[int], list[int]]:
    """Per line (LSP's way: ``\\n``, ``\\r\\n`` or ``\\r``), its start and content-end offsets."""
    starts, ends = [0], []
    for m in _BREAK.finditer(text):
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(text))
    return starts, ends


def newline_of(text: str) -> str:
    """The text's line end (its first one; ``\\n`` when it has none)."""
    m = _BREAK.search(text)
    return m.group() if m else "\n"


def apply_keeping_line_ends(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping ``edits`` (code-point positions on LSP lines) to ``text``; inserted
    line ends take the text's own line end. Positions past a line or the text clamp."""
    starts, ends = line_starts(text)
    nl = newline_of(text)

    def offset(p: Pos) -> int:
        if p.line < 0:
            return 0
        if p.line >= len(starts):
            return len(text)
        return min(starts[p.line] + max(p.character, 0), ends[p.line])

    out = text
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        a, b = offset(edit.span.start), offset(edit.span.end)
        new = edit.new_text if nl == "\n" else edit.new_text.replace("\n", nl)
        out = out[:a] + new + out[max(a, b) :]
    return out


def fix_all(text: str, check: Callable[[str], Result]) -> tuple[str, list[Applied]]:
    """``text`` with every preferred fix applied, and the rounds that did it: what is safe to
    apply unattended. ``check`` checks a text as the document (its kinds, settings, links).

    A round is kept only when it resolves what its fixes target (each of those findings is
    then reported fewer times; an edit that cannot help — say, inside an unclosed code fence —
    is not kept); when a whole round does not, its fixes are tried one by one. Stops when no fix
    is left or helps, or after :data:`MAX_ROUNDS`: so a second run changes nothing.
    """
    rounds: list[Applied] = []
    result = check(text)
    for _ in range(MAX_ROUNDS):
        chosen = preferred(result)
        if not chosen:
            break
        batches = [chosen] + ([[f] for f in chosen] if len(chosen) > 1 else [])
        for batch in batches:
            edits = tuple(e for fix in batch for e in fix.edits)
            new = apply_keeping_line_ends(text, edits)
            after = check(new)
            if new != text and _resolves(result.findings, after.findings, batch):
                rounds.append(Applied(text, edits))
                text, result = new, after
                break
        else:
            break
    return text, rounds


def _key(f: Finding) -> tuple[str, str]:
    return (f.code, f.message)


def _resolves(before: list[Finding], after: list[Finding], fixes: Sequence[Fix]) -> bool:
    """Whether each finding the fixes target is reported fewer times after them."""
    from collections import Counter

    old = Counter(_key(f) for f in before)
    new = Counter(_key(f) for f in after)
    targets = {_key(f) for fix in fixes for f in fix.findings}
    return all(new[k] < old[k] for k in targets)


def edits_between(old: str, new: str) -> list[TextEdit]:
    """Edits turning ``old`` into ``new``: the runs of lines that differ, each replaced whole
    (unchanged lines are not touched, so the editor keeps its marks on them). Positions in
    code points on LSP lines; ``[]`` when the texts are equal."""
    if old == new:
        return []
    a, b = _keep_ends(old), _keep_ends(new)
    starts_a = len(a)

    def at(i: int) -> Pos:
        if i < starts_a:
            return Pos(i, 0)
        # Past the last line: its end (the last line has no line end: the text ends there).
        if not a or a[-1].endswith(("\n", "\r")):
            return Pos(len(a), 0)
        return Pos(len(a) - 1, len(a[-1]))

    out: list[TextEdit] = []
    for tag, i1, i2, j1, j2 in line_opcodes(a, b, MAX_COMPARED):
        if tag != "equal":
            out.append(TextEdit(Span(at(i1), at(i2)), "".join(b[j1:j2])))
    return out


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]
"""One of :meth:`difflib.SequenceMatcher.get_opcodes`'s."""


def line_opcodes(a: Sequence[str], b: Sequence[str], limit: int | None = None) -> list[Opcode]:
    """:meth:`difflib.SequenceMatcher.get_opcodes` of two lists of lines, blank lines never
    junk. The lines both share at the start and at the end are matched first, and only what
    lies between is compared (difflib is quadratic on the many equal lines of a long plan:
    1.6 s at 25,000 lines); with ``limit``, a between longer than that is one replacement."""
    import difflib

    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a_end, b_end = len(a) - tail, len(b) - tail
    out: list[Opcode] = []
    if head:
        out.append(("equal", 0, head, 0, head))
    if limit is not None and max(a_end, b_end) - head > limit:
        out.append(("replace", head, a_end, head, b_end))
    elif (a_end, b_end) != (head, head):
        matcher = difflib.SequenceMatcher(None, a[head:a_end], b[head:b_end], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            out.append((tag, head + i1, head + i2, head + j1, head + j2))
    if tail:
        out.append(("equal", a_end, len(a), b_end, len(b)))
    return out


MAX_COMPARED = 2_000
"""Lines between the first and last changed ones past which a fix-all is one edit of them all."""


def _keep_ends(text: str) -> list[str]:
    """The lines of ``text`` (LSP's line ends), each with its line end."""
    starts, _ = line_starts(text)
    bounds = [*starts, len(text)]
    return [
        text[bounds[i] : bounds[i + 1]] for i in range(len(starts)) if bounds[i] < bounds[i + 1]
    ]
