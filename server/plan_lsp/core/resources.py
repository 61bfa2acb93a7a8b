"""Files shipped with plan-lsp (no heavy imports: the CLI's fast path reads these)."""

from __future__ import annotations

from importlib import resources


def builtin_text(name: str = "plan") -> str:
    """The text of a template shipped with plan-lsp."""
    return resources.files("plan_lsp").joinpath(f"templates/{name}.md.j2").read_text("utf-8")
