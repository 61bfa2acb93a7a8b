"""``check --fix``: the editor's preferred quick fixes (features/actions.py), applied to files.

One implementation of the fixes: this module only applies the edits that
:func:`plan_lsp.features.actions.preferred` returns, round after round (a re-check between
rounds), to the file's own text, keeping its line ends. Text no edit touches is kept byte for
byte and in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from plan_lsp.core.text import Pos, TextEdit

_BREAK = re.compile(r"\r\n|\r|\n")
MAX_ROUNDS = 64
"""Rounds of fixing per file; each round re-checks and applies the fixes that do not clash."""


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
    """The file's line end (its first one; ``\\n`` when it has none)."""
    m = _BREAK.search(text)
    return m.group() if m else "\n"


def apply(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping ``edits`` (code-point positions on LSP lines) to ``text``; inserted
    line ends take the file's own line end. Positions past a line or the text clamp."""
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


def fix_text(text: str, check: Callable[[str], Any]) -> tuple[str, list[Applied]]:
    """``text`` with every preferred fix applied, and the rounds that did it. ``check`` checks a
    text (a :class:`plan_lsp.core.engine.Result`).

    A round is kept only when it resolves what its fixes target (each of those findings is
    then reported fewer times; an edit that cannot help — say, inside an unclosed code fence —
    is not kept); when a whole round does not, its fixes are tried one by one. Stops when no fix
    is left or helps, or after :data:`MAX_ROUNDS`: so a second run changes nothing.
    """
    from plan_lsp.features import actions

    rounds: list[Applied] = []
    result = check(text)
    for _ in range(MAX_ROUNDS):
        chosen = actions.preferred(result)
        if not chosen:
            break
        batches = [chosen] + ([[f] for f in chosen] if len(chosen) > 1 else [])
        for batch in batches:
            edits = tuple(e for fix in batch for e in fix.edits)
            new = apply(text, edits)
            after = check(new)
            if new != text and _resolves(result.findings, after.findings, batch):
                rounds.append(Applied(text, edits))
                text, result = new, after
                break
        else:
            break
    return text, rounds


def _key(f: Any) -> tuple[str, str]:
    return (f.code, f.message)


def _resolves(before: list[Any], after: list[Any], fixes: Sequence[Any]) -> bool:
    """Whether each finding the fixes target is reported fewer times after them."""
    from collections import Counter

    old = Counter(_key(f) for f in before)
    new = Counter(_key(f) for f in after)
    targets = {_key(f) for fix in fixes for f in fix.findings}
    return all(new[k] < old[k] for k in targets)


def unified_diff(old: str, new: str, name: str) -> str:
    """``old`` to ``new`` as a unified diff of ``a/name`` and ``b/name`` (three lines of
    context). Unlike :func:`difflib.unified_diff`, blank lines are never taken for junk, so an
    unchanged blank line between two changes shows as context."""
    import difflib

    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    if len(out) == 2:
        return ""
    no_end = "\n\\ No newline at end of file\n"
    return "".join(line if line.endswith(("\n", "\r")) else line + no_end for line in out)


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
