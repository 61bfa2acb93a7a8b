"""Helpers shared by the tests: the reference template and plans rendered from it."""

from __future__ import annotations

from pathlib import Path

from plan_lsp import engine, kinds, scaffold
from plan_lsp.checks import Finding

FIXTURES = Path(__file__).parent / "fixtures"
SEED = (FIXTURES / "seed-template.md").read_text("utf-8")

# Every field of the built-in template, given.
FULL_CONTEXT = {
    "feature": "User Login 🔐",
    "issue": "ABC-123",
    "author": "Zoë Müller",
    "date": "2026-11-25",
    "spec": "spec.md",
    "component_1": "AuthService",
    "component_2": "LoginForm",
    "Step Title": "Wire the form",
    "FILE_EXTENSION": "py",
    "TEST_DIR": "tests",
    "MIGRATION_COMMAND": "alembic upgrade head",
}


def complete_plan() -> str:
    """A plan with every field resolved: it has no findings."""
    return scaffold.render(kinds.builtin_plan(), FULL_CONTEXT)


def findings(text: str, **options: object) -> list[Finding]:
    opts = engine.Options(**options)  # type: ignore[arg-type]
    return engine.check(
        text, "x-plan.md", [kinds.builtin_plan()], opts, force=kinds.builtin_plan()
    ).findings


def codes(text: str) -> list[str]:
    return [f.code for f in findings(text)]


def remove_section(text: str, title: str) -> str:
    """``text`` without the section headed ``title`` and its subsections."""
    from plan_lsp.outline import parse

    lines = text.split("\n")
    heads = parse(text).headings
    i, head = next((i, h) for i, h in enumerate(heads) if h.title == title)
    end = next((h.line for h in heads[i + 1 :] if h.level <= head.level), len(lines))
    return "\n".join(lines[: head.line] + lines[end:])
