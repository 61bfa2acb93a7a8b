"""Settings under ``planLsp``: typed, defaulted, camelCase on the wire.

Invalid values are reported (once per change) and replaced by their defaults; they never stop
the server.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from plan_lsp.core.codes import CODES, SEVERITIES

SECTION = "planLsp"
DEFAULT_GLOBS = ("**/plan.md", "**/*-plan.md", "**/plans/**/*.md")
SCOPES = ("openFiles", "workspace")


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
    diagnostics_scope: str = "openFiles"
    """Problems of the open documents only (openFiles), or of every plan in the workspace."""


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
        "diagnosticsScope",
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
    if "diagnosticsScope" in raw:
        if raw["diagnosticsScope"] in SCOPES:
            out["diagnostics_scope"] = raw["diagnosticsScope"]
        else:
            problems.append(f"'{SECTION}.diagnosticsScope' must be one of {', '.join(SCOPES)}")
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


# -- configuration files ---------------------------------------------------------------------

CONFIG_NAMES = (".plan-lsp.toml", "pyproject.toml")
"""Configuration files, searched from a checked file's folder upwards; in one folder the first
of these that configures plan-lsp wins (a pyproject.toml without ``[tool.plan-lsp]`` does not)."""
TOOL_TABLE = "plan-lsp"
PATH_KEYS = ("template", "templatesDir")
"""Settings naming a path: in a configuration file, relative to the file's folder."""


@dataclass(frozen=True)
class ConfigProblem:
    """Something wrong in a configuration file, at a zero-based line (and column)."""

    message: str
    line: int = 0
    column: int = 0


def config_table(text: str, name: str) -> tuple[Mapping[str, Any] | None, list[ConfigProblem]]:
    """The plan-lsp table of a configuration file's text: all of ``.plan-lsp.toml``, or
    ``[tool.plan-lsp]`` of ``pyproject.toml`` (None: the file does not configure plan-lsp)."""
    import re
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(m.group(1)) - 1, int(m.group(2)) - 1) if m else (0, 0)
        if m is None and "end of document" in str(exc):
            line = text.count("\n")
        return {}, [ConfigProblem(f"invalid TOML: {exc}", line, col)]
    if name != "pyproject.toml":
        return data, []
    tool = data.get("tool")
    table = tool.get(TOOL_TABLE) if isinstance(tool, dict) else None
    if table is None:
        return None, []
    if not isinstance(table, dict):
        return {}, [ConfigProblem(f"'tool.{TOOL_TABLE}' must be a table", _line_of(text, "tool"))]
    return table, []


def _line_of(text: str, key: str) -> int:
    """The first line assigning ``key`` (or naming it as a table), else 0."""
    for i, line in enumerate(text.splitlines()):
        s = line.strip()
        if s.startswith(key) and s[len(key) :].lstrip()[:1] in ("=", "", "]", "."):
            return i
        if s.startswith("[") and f".{key}" in s:
            return i
        if s.startswith(("[", '"')) and s.strip('[]" ') == key:
            return i
    return 0


def parse_config(text: str, name: str) -> tuple[Settings | None, list[ConfigProblem], set[str]]:
    """Settings from a configuration file's text (``name`` is its file name): the settings (None:
    the file does not configure plan-lsp), what is wrong (each problem's setting replaced by its
    default), and the keys the file sets."""
    table, problems = config_table(text, name)
    if table is None:
        return None, [], set()
    if problems:
        return Settings(), problems, set()
    ignored = {"server", "trace"}  # the editor extension's own settings
    given = {k: v for k, v in table.items() if k not in ignored}
    settings, messages = parse(given)
    located = []
    for message in messages:
        key = next((k for k in given if f"{SECTION}.{k}'" in message), None)
        if key is None and "severity" in message:
            key = "severity"
        located.append(
            ConfigProblem(message.replace(f"{SECTION}.", ""), _line_of(text, key) if key else 0)
        )
    return settings, located, {k for k in given if not any(f"'{k}'" in p.message for p in located)}


def merge(base: Settings, over: Settings, keys: Collection[str]) -> Settings:
    """``base`` with the settings named by ``keys`` (camelCase) taken from ``over`` (for
    ``severity``, ``over``'s codes over ``base``'s)."""
    from dataclasses import replace

    out = {ATTRS[k]: getattr(over, ATTRS[k]) for k in keys if k in ATTRS}
    if "severity" in out:  # code by code
        out["severity"] = {**base.severity, **over.severity}
    return replace(base, **out)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


ATTRS = {_camel(f.name): f.name for f in fields(Settings)}
"""Each setting's name on the wire (and in configuration files) and its attribute."""


def explicit_keys(raw: Any, parsed: Settings) -> frozenset[str]:
    """The settings (camelCase) that ``raw`` sets to other than their default: those override
    a configuration file (an editor sends every setting, defaults included)."""
    if not isinstance(raw, Mapping):
        return frozenset()
    default = Settings()
    return frozenset(
        k
        for k, attr in ATTRS.items()
        if k in raw and getattr(parsed, attr) != getattr(default, attr)
    )
