"""Helpers shared by the tests: the reference template and plans rendered from it."""

from __future__ import annotations

from pathlib import Path

from plan_lsp.core import engine, kinds
from plan_lsp.core.codes import Finding

FIXTURES = Path(__file__).parent / "fixtures"
SEED = (FIXTURES / "seed-template.md").read_text("utf-8")

# Every field of the built-in template, given.
FULL_CONTEXT = {
    "feature": "User Login 🔐",
    "issue": "ABC-123",
    "author": "Zoë Müller",
    "date": "2026-11-25",
    "spec": "https://specs.example.org/user-login",  # a link that is not checked on disk
    "component_1": "AuthService",
    "component_2": "LoginForm",
    "Step Title": "Wire the form",
    "FILE_EXTENSION": "py",
    "TEST_DIR": "tests",
    "MIGRATION_COMMAND": "alembic upgrade head",
}


def complete_plan() -> str:
    """A plan written from the built-in template (the scaffold with ``FULL_CONTEXT``, every
    section's guidance replaced by its own text; the same lines as that scaffold): it has no
    findings."""
    return COMPLETE_PLAN


COMPLETE_PLAN = (FIXTURES / "complete-plan.md").read_text("utf-8")


def findings(text: str, **options: object) -> list[Finding]:
    opts = engine.Options(**options)  # type: ignore[arg-type]
    return engine.check(
        text, "x-plan.md", [kinds.builtin_plan()], opts, force=kinds.builtin_plan()
    ).findings


def codes(text: str) -> list[str]:
    return [f.code for f in findings(text)]


def remove_section(text: str, title: str) -> str:
    """``text`` without the section headed ``title`` and its subsections."""
    from plan_lsp.core.outline import parse

    lines = text.split("\n")
    heads = parse(text).headings
    i, head = next((i, h) for i, h in enumerate(heads) if h.title == title)
    end = next((h.line for h in heads[i + 1 :] if h.level <= head.level), len(lines))
    return "\n".join(lines[: head.line] + lines[end:])


def lsp_lines(text: str) -> list[tuple[int, int]]:
    """(start offset, end-of-content offset) of each line, LSP's way (\n, \r\n or \r)."""
    import re

    out = []
    for m in re.finditer(r"[^\r\n]*(\r\n|\r|\n|$)", text):
        body = text[m.start() : m.end()].rstrip("\r\n")
        out.append((m.start(), m.start() + len(body)))
        if m.end() == len(text):
            if text.endswith(("\n", "\r")):
                out.append((len(text), len(text)))  # the empty line after the last break
            break
    return out


def lsp_edit(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    """The reference model: an LSP edit (UTF-16 columns) applied to a flat string. Positions
    past a line's or the document's end clamp; a column inside a surrogate pair rounds down."""
    lines = lsp_lines(text)

    def offset(pos: tuple[int, int]) -> int:
        line, col = pos
        if line < 0:
            return 0
        if line >= len(lines):
            return len(text)
        s, ce = lines[line]
        units = 0
        for i, c in enumerate(text[s:ce]):
            w = 2 if ord(c) > 0xFFFF else 1
            if units + w > col:
                return s + i
            units += w
        return ce

    a, b = sorted((offset(start), offset(end)))
    return text[:a] + new + text[b:]
