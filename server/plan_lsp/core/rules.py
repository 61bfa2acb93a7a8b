"""Status-aware rules: requirements and severities that depend on a field's value.

A template's metadata may hold ``rules:``, a list of rules, each applying while the document's
labelled fields have the given values::

    rules:
      - when: {Status: Draft}
        severity: {unresolved-field: hint}
      - when: {Status: Completed}
        require: [all-tasks-done, no-empty-sections, sections: [Decision]]
        severity: {unresolved-field: error}

``when`` maps a field (the label of a ``**Label:** value`` line of the title section) to a value
or a list of values, compared forgivingly (case and spacing). ``require`` lists what must hold
while the rule applies: ``all-tasks-done``, ``no-empty-sections``, ``no-unresolved-fields`` and
``sections: [Title, …]`` (present and not empty, even if optional). ``severity`` changes levels
per diagnostic code while the rule applies (the user's settings still win). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plan_lsp.core.codes import CODES, SEVERITIES
from plan_lsp.core.text import title_key

RULE_KEYS = ("when", "require", "severity")
REQUIREMENTS = ("all-tasks-done", "no-empty-sections", "no-unresolved-fields")
"""Requirements written as plain words; ``sections: [...]`` is the one with arguments."""
MAX_RULES = 100


def value_key(value: str) -> str:
    """How field values compare: case and runs of spaces ignored."""
    return " ".join(value.split()).casefold()


@dataclass(frozen=True, slots=True)
class Condition:
    """``Status: [In Progress, Completed]``: one field and the values that satisfy it."""

    label: str
    values: tuple[str, ...]

    @property
    def key(self) -> str:
        return title_key(self.label)

    def holds(self, value: str | None) -> bool:
        return value is not None and value_key(value) in {value_key(v) for v in self.values}


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a template: while every condition holds, require and re-level."""

    when: tuple[Condition, ...]
    require: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None
    """Zero-based line of the template where the rule is written, if known."""

    def applies(self, fields: Mapping[str, str]) -> bool:
        return all(c.holds(fields.get(c.key)) for c in self.when)


def parse(raw: Any, line: int | None) -> tuple[tuple[Rule, ...], list[tuple[str, int | None]]]:
    """Rules from the ``rules`` metadata value, and the problems found in it."""
    problems: list[tuple[str, int | None]] = []
    if raw is None:
        return (), problems
    if not isinstance(raw, list):
        return (), [("'rules' must be a list of rules (when, require, severity)", line)]
    if len(raw) > MAX_RULES:
        problems.append((f"'rules' holds more than {MAX_RULES} rules; the rest are ignored", line))
    out: list[Rule] = []
    for n, item in enumerate(raw[:MAX_RULES], 1):
        where = f"rule {n}"
        if not isinstance(item, dict):
            problems.append((f"{where} must be a mapping with 'when'", line))
            continue
        unknown = [str(k) for k in item if k not in RULE_KEYS]
        for k in unknown:
            problems.append((f"unknown key '{k}' in {where} (known: {', '.join(RULE_KEYS)})", line))
        when = _when(item.get("when"), where, line, problems)
        if when is None:
            continue
        require, sections = _require(item.get("require"), where, line, problems)
        severity = _severity(item.get("severity"), where, line, problems)
        out.append(Rule(when, require, sections, severity, line))
    return tuple(out), problems


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _texts(value: Any) -> tuple[str, ...] | None:
    one = _text(value)
    if one is not None:
        return (one,)
    if isinstance(value, list) and value:
        items = [_text(v) for v in value]
        if all(i is not None for i in items):
            return tuple(i for i in items if i is not None)
    return None


def _when(
    raw: Any, where: str, line: int | None, problems: list[tuple[str, int | None]]
) -> tuple[Condition, ...] | None:
    if not isinstance(raw, dict) or not raw:
        problems.append(
            (f"{where}: 'when' must map a field to a value, e.g. {{Status: Done}}", line)
        )
        return None
    out: list[Condition] = []
    for label, values in raw.items():
        vals = _texts(values)
        if not isinstance(label, str) or not label.strip() or vals is None:
            problems.append(
                (f"{where}: 'when' must map a field name to a value or a list of values", line)
            )
            return None
        out.append(Condition(label.strip(), vals))
    return tuple(out)


def _require(
    raw: Any, where: str, line: int | None, problems: list[tuple[str, int | None]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if raw is None:
        return (), ()
    if isinstance(raw, str | dict):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append((f"{where}: 'require' must be a list", line))
        return (), ()
    words: list[str] = []
    sections: list[str] = []
    known = ", ".join([*REQUIREMENTS, "sections: [...]"])
    for item in raw:
        if isinstance(item, str) and item in REQUIREMENTS:
            words.append(item)
        elif isinstance(item, dict) and list(item) == ["sections"]:
            titles = _texts(item["sections"])
            if titles is None:
                problems.append((f"{where}: 'sections' must list section titles", line))
            else:
                sections += titles
        else:
            shown = item if isinstance(item, str) else type(item).__name__
            problems.append((f"{where}: unknown requirement '{shown}' (known: {known})", line))
    return tuple(dict.fromkeys(words)), tuple(dict.fromkeys(sections))


def _severity(
    raw: Any, where: str, line: int | None, problems: list[tuple[str, int | None]]
) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append((f"{where}: 'severity' must map codes to severities", line))
        return {}
    out: dict[str, str] = {}
    levels = [*SEVERITIES, "off"]
    for code, level in raw.items():
        if code not in CODES:
            problems.append((f"{where}: unknown diagnostic code '{code}'", line))
        elif level not in levels:
            problems.append(
                (f"{where}: severity of '{code}' must be one of {', '.join(levels)}", line)
            )
        else:
            out[str(code)] = str(level)
    return out


def active(rules: Iterable[Rule], fields: Mapping[str, str]) -> list[Rule]:
    """The rules whose conditions hold for a document's ``fields`` (label key -> value)."""
    return [r for r in rules if r.applies(fields)]


def severities(rules: Iterable[Rule]) -> dict[str, str]:
    """Severity per code from the given (active) rules; a later rule wins."""
    out: dict[str, str] = {}
    for r in rules:
        out.update(r.severity)
    return out


@dataclass(frozen=True, slots=True)
class Facts:
    """What the requirements look at, computed once per document."""

    tasks_done: int
    tasks_total: int
    empty: tuple[str, ...]
    """Display names of sections that are empty but whose template gives them a body."""
    unresolved: int
    sections: Mapping[str, str]
    """Per required section title (as written in the rule): 'missing', 'empty' or 'ok'."""


def unmet(rules: Sequence[Rule], facts: Facts) -> list[str]:
    """What contradicts the (active) rules, in words: ``12 of 28 tasks are open``, …"""
    words = {w for r in rules for w in r.require}
    wanted = list(dict.fromkeys(s for r in rules for s in r.sections))
    out: list[str] = []
    if "all-tasks-done" in words and facts.tasks_done < facts.tasks_total:
        open_ = facts.tasks_total - facts.tasks_done
        out.append(f"{open_} of {facts.tasks_total} tasks {'is' if open_ == 1 else 'are'} open")
    missing = [s for s in wanted if facts.sections.get(s) == "missing"]
    empty = [s for s in wanted if facts.sections.get(s) == "empty"]
    if "no-empty-sections" in words:
        empty += [s for s in facts.empty if s not in empty]
    if missing:
        out.append("missing: " + ", ".join(missing))
    if empty:
        out.append("empty: " + ", ".join(empty))
    if "no-unresolved-fields" in words and facts.unresolved:
        n = facts.unresolved
        out.append(f"{n} unresolved field{'' if n == 1 else 's'}")
    return out
