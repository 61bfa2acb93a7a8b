"""Settings under ``planLsp``: typed, defaulted, camelCase on the wire.

Invalid values are reported (once per change) and replaced by their defaults; they never stop
the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plan_lsp.core.codes import CODES, SEVERITIES

SECTION = "planLsp"
DEFAULT_GLOBS = ("**/plan.md", "**/*-plan.md", "**/plans/**/*.md")


@dataclass(frozen=True)
class Settings:
    """Everything a user can set, with its default."""

    globs: tuple[str, ...] = DEFAULT_GLOBS
    """Paths of Markdown files that are plans even when their title is not the template's."""
    template: str = ""
    """A plan template file replacing the built-in one ('' for the built-in)."""
    templates_dir: str = ".plan-templates"
    """The workspace folder holding team templates."""
    severity: Mapping[str, str] = field(default_factory=dict)
    """Severity per diagnostic code: error, warning, information, hint or off."""
    optional_sections: tuple[str, ...] = ()
    """Section titles that may be absent, beyond those the template names."""
    max_diagnostics: int = 500
    """Diagnostics per document; past it one 'N more' diagnostic (0: no limit)."""


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def parse(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from the client's ``planLsp`` object, and what was wrong with it."""
    if raw is None:
        return Settings(), []
    if not isinstance(raw, Mapping):
        return Settings(), [f"'{SECTION}' settings must be an object, got {type(raw).__name__}"]
    problems: list[str] = []
    out: dict[str, Any] = {}
    known = {
        "globs",
        "template",
        "templatesDir",
        "severity",
        "optionalSections",
        "maxDiagnostics",
        "server",
        "trace",
    }
    for key in raw:
        if key not in known:
            problems.append(f"unknown setting '{SECTION}.{key}'")
    lists = (
        ("globs", "globs", "glob patterns"),
        ("optionalSections", "optional_sections", "section titles"),
    )
    for key, attr, what in lists:
        if key in raw:
            items = _strings(raw[key])
            if items is None:
                problems.append(f"'{SECTION}.{key}' must be a list of {what}")
            else:
                out[attr] = items
    for key, attr in (("template", "template"), ("templatesDir", "templates_dir")):
        if key in raw and raw[key] is not None:
            if isinstance(raw[key], str):
                out[attr] = raw[key]
            else:
                problems.append(f"'{SECTION}.{key}' must be a path")
    if "maxDiagnostics" in raw:
        value = raw["maxDiagnostics"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out["max_diagnostics"] = value
        else:
            problems.append(f"'{SECTION}.maxDiagnostics' must be a whole number ≥ 0")
    if "severity" in raw:
        sev = raw["severity"]
        good: dict[str, str] = {}
        if not isinstance(sev, Mapping):
            problems.append(f"'{SECTION}.severity' must map diagnostic codes to severities")
        else:
            for code, level in sev.items():
                if code not in CODES:
                    problems.append(f"unknown diagnostic code '{code}' in '{SECTION}.severity'")
                elif level not in (*SEVERITIES, "off"):
                    problems.append(
                        f"severity of '{code}' must be one of {', '.join((*SEVERITIES, 'off'))}"
                    )
                else:
                    good[code] = level
        out["severity"] = good
    return Settings(**out), problems
