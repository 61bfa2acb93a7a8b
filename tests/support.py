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
    return engine.check(text, "x-plan.md", [kinds.builtin_plan()], opts,
                        force=kinds.builtin_plan()).findings


def codes(text: str) -> list[str]:
    return [f.code for f in findings(text)]


def remove_section(text: str, title: str) -> str:
    """``text`` without the section headed ``title`` and its subsections."""
    lines = text.split("\n")
    start = next(
        i for i, ln in enumerate(lines) if ln.startswith("#") and ln.lstrip("#").strip() == title
    )
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    end = start + 1
    while end < len(lines):
        ln = lines[end]
        if ln.startswith("#") and len(ln) - len(ln.lstrip("#")) <= level:
            break
        end += 1
    return "\n".join(lines[:start] + lines[end:])
