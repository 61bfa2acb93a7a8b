"""``check --fix`` / ``--diff`` helpers: the fixes themselves, round after round, are
:func:`plan_lsp.features.actions.fix_all` (the editor's ``source.fixAll.plan-lsp`` too); this
module only shows what they change as a unified diff.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plan_lsp.features.actions import Opcode


def unified_diff(old: str, new: str, name: str) -> str:
    """``old`` to ``new`` as a unified diff of ``a/name`` and ``b/name`` (three lines of
    context). Unlike :func:`difflib.unified_diff`, blank lines are never taken for junk, so an
    unchanged blank line between two changes shows as context."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    for group in _Lines(a, b).get_grouped_opcodes(3):
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


MAX_COMPARED = 10_000
"""Lines between the first and last changed ones past which the diff shows them all as one
change (difflib's comparison grows with the square of a long run of equal lines: a crafted
file must not hold ``--diff`` for minutes)."""


class _Lines(difflib.SequenceMatcher[str]):
    """difflib's grouping of changes into hunks, over :func:`actions.line_opcodes` (fast on
    long files whose changes are few)."""

    def __init__(self, a: list[str], b: list[str]) -> None:
        super().__init__(None, a, b, autojunk=False)
        self.lines = (a, b)

    def get_opcodes(self) -> list[Opcode]:
        from plan_lsp.features.actions import line_opcodes

        return line_opcodes(*self.lines, MAX_COMPARED)


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
