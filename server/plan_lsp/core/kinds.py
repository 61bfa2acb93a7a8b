"""Document kinds: a template, its schema, and which documents it governs.

A document belongs to the kind whose template title its first heading matches (fields in the
title act as wildcards), or whose globs its path matches. A document no kind claims gets no
diagnostics.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from plan_lsp.core import schema as schema_mod
from plan_lsp.core import templates
from plan_lsp.core.outline import Outline
from plan_lsp.core.paths import DEFAULT_DIR, kind_name, speckit_kind

__all__ = ["DEFAULT_DIR", "Kind", "Registry", "kind_name"]
from plan_lsp.core.schema import Schema

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class Kind:
    """A kind of document: named after its template's file stem (``plan``, ``adr``)."""

    name: str
    schema: Schema
    path: str | None = None
    """Where the template was read from (None for a built-in)."""

    @property
    def description(self) -> str:
        return self.schema.metadata.description

    @property
    def globs(self) -> tuple[str, ...]:
        return self.schema.metadata.applies_to


def load_kind(name: str, text: str, path: str | None = None) -> Kind:
    """A kind from a template's text. Raises :class:`templates.TemplateError` if unusable."""
    source = templates.load(name, text)
    if path is not None and speckit_kind(path) is not None:
        source = _speckit(source, name)
    return Kind(name, schema_mod.build(source), path)


# spec-kit's own conventions: ``[FEATURE]``-style tokens (taken from the template itself) and
# ``[NEEDS CLARIFICATION: …]`` are placeholders; the task list's generator notes may go.
_SPECKIT_TOKEN = re.compile(r"\[(?:[A-Z][A-Z0-9 _]{2,40}|###-[a-z-]{1,40})\]")
_SPECKIT_OPTIONAL = {
    "tasks": (
        "Execution Flow (main)",
        "Format: `[ID] [P?] Description`",
        "Path Conventions",
        "Parallel Example",
        "Notes",
        "Task Generation Rules",
        "Validation Checklist",
    ),
    "plan": ("Execution Flow (/plan command scope)",),
}
_SPECKIT_BOILERPLATE = {
    # The process notes and gates spec-kit's own commands keep as they are (ticked or not):
    # fixed text, not guidance to replace.
    "spec": (
        "Review & Acceptance Checklist",
        "Content Quality",
        "Requirement Completeness",
        "Execution Status",
    ),
    "tasks": (
        "Execution Flow (main)",
        "Format: `[ID] [P?] Description`",
        "Notes",
        "Task Generation Rules",
        "Validation Checklist",
    ),
    "plan": (
        "Execution Flow (/plan command scope)",
        "Documentation (this feature)",
        "Source Code (repository root)",
        "Phase N",
        "Phase 3+: Future Implementation",
        "Complexity Tracking",
        "Progress Tracking",
    ),
}


def _speckit(source: templates.TemplateSource, name: str) -> templates.TemplateSource:
    meta = source.metadata
    tokens = sorted(
        {m.group(0) for m in _SPECKIT_TOKEN.finditer(source.body)} - {"[NEEDS CLARIFICATION]"}
    )
    new = dataclasses.replace(
        meta,
        applies_to=meta.applies_to or (f"**/specs/*/{name}.md",),
        placeholders=meta.placeholders or ("[NEEDS CLARIFICATION: …]", *tokens),
        optional=meta.optional or _SPECKIT_OPTIONAL.get(name, ()),
        boilerplate=meta.boilerplate or _SPECKIT_BOILERPLATE.get(name, ()),
    )
    return dataclasses.replace(source, metadata=new)


@lru_cache(maxsize=1)
def builtin_plan() -> Kind:
    """The built-in implementation plan kind."""
    return load_kind("plan", templates.builtin_text("plan"))


# Globs match as a small automaton (NFA) simulated over the path's characters: the work is at
# most len(path) × len(pattern) steps whatever the pattern, with no backtracking (the regex
# plan-lsp used before, ``(?:.*/)?`` per ``**/``, took 24 s on one path for a glob of repeated
# ``**/``).
_LIT, _ANY, _ONE, _DEEP, _DIRS = range(5)
"""Token kinds: a character; ``*`` (no ``/``); ``?``; ``**`` (anything); ``**/`` (folders)."""


@lru_cache(maxsize=256)
def _glob_tokens(pattern: str) -> tuple[tuple[int, str], ...]:
    body = pattern[3:] if pattern.startswith("**/") else pattern.lstrip("/")
    out: list[tuple[int, str]] = [(_DIRS, "")]  # relative to any folder
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            if out[-1][0] != _DIRS:  # ``**/**/`` is ``**/``
                out.append((_DIRS, ""))
            i += 3
        elif body.startswith("**", i):
            out.append((_DEEP, ""))
            i += 2
        else:
            c = body[i]
            out.append((_ANY, "") if c == "*" else (_ONE, "") if c == "?" else (_LIT, c))
            i += 1
    return tuple(out)


def _closure(
    tokens: tuple[tuple[int, str], ...], states: set[tuple[int, bool]]
) -> set[tuple[int, bool]]:
    """States reachable without reading a character: optional tokens skipped."""
    todo = list(states)
    seen = set(states)
    while todo:
        i, inner = todo.pop()
        if not inner and i < len(tokens) and tokens[i][0] in (_ANY, _DEEP, _DIRS):
            nxt = (i + 1, False)
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@lru_cache(maxsize=4096)
def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` (``/``-separated) matches the glob ``pattern``: ``**/`` spans any
    folders (or none), ``**`` anything, ``*`` and ``?`` stay within a folder's name. Patterns are
    relative to any folder: ``plans/*.md`` matches ``/work/x/plans/a.md``."""
    tokens = _glob_tokens(pattern)
    end = len(tokens)
    states = _closure(tokens, {(0, False)})
    for c in path:
        nxt: set[tuple[int, bool]] = set()
        for i, inner in states:
            if inner:  # inside the ``.*`` of ``(?:.*/)?``
                nxt.add((i, True))
                if c == "/":
                    nxt.add((i + 1, False))
                continue
            if i == end:
                continue
            kind, lit = tokens[i]
            if kind == _LIT:
                if c == lit:
                    nxt.add((i + 1, False))
            elif kind == _ONE:
                if c != "/":
                    nxt.add((i + 1, False))
            elif kind == _ANY:
                if c != "/":
                    nxt.add((i, False))
            elif kind == _DEEP:
                nxt.add((i, False))
            else:  # _DIRS
                nxt.add((i, True))
                if c == "/":
                    nxt.add((i + 1, False))
        if not nxt:
            return False
        states = _closure(tokens, nxt)
    return (end, False) in states


def path_matches(path: str, globs: Iterable[str]) -> bool:
    posix = path.replace("\\", "/")
    return any(glob_match(g, posix) for g in globs)


def title_matches(kind: Kind, outline: Outline) -> bool:
    """Whether the document's first heading is the kind's title. A title that is all fields
    (MADR's ``# {short title}``, ``# NUMBER. TITLE``) claims nothing by itself: its documents
    are claimed by ``applies-to``."""
    title = kind.schema.title
    first = outline.first_heading
    if title is None or first is None:
        return False
    if title.pattern is not None and not title.pattern.specific:
        return False
    return first.level == title.level and kind.schema.matches(title, first.title)


def detect(
    outline: Outline,
    path: str | None,
    kinds: Sequence[Kind],
    globs: dict[str, Sequence[str]] | None = None,
) -> Kind | None:
    """The kind governing a document: by its first heading, else by its path.

    ``globs`` overrides a kind's own ``applies-to`` patterns (settings).
    """
    posix = path.replace("\\", "/") if path else None

    def excluded(kind: Kind) -> bool:
        patterns = (globs or {}).get(kind.name, kind.globs)
        no = [p[1:] for p in patterns if p.startswith("!")]
        return bool(posix and no and path_matches(posix, no))

    for kind in kinds:
        if title_matches(kind, outline) and not excluded(kind):
            return kind
    if posix:
        for kind in kinds:
            patterns = [
                p for p in (globs or {}).get(kind.name, kind.globs) if not p.startswith("!")
            ]
            if patterns and path_matches(posix, patterns) and not excluded(kind):
                return kind
    return None


# -- team templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong with a template file: message and zero-based line (None: the file)."""

    message: str
    line: int | None = None


@dataclass
class Registry:
    """The kinds in force: the built-in plan, then every template of a templates folder.

    A template that is broken (syntax error, invalid YAML, unknown metadata, a heading used
    twice) is reported in :attr:`problems`; the last good version of its kind stays in force.
    """

    folder: Path | None = None
    templates: dict[str, Kind] = field(default_factory=dict)
    """Kinds from the folder, by name (their last good version)."""
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    """Problems by template file path."""
    texts: dict[str, str] = field(default_factory=dict)
    """The text last loaded for each template path (for cache keys)."""
    plan: Kind | None = None
    """A plan kind replacing the built-in one (from a setting); a folder ``plan`` wins."""

    def kinds(self) -> list[Kind]:
        out = [self.templates[n] for n in sorted(self.templates) if n != "plan"]
        out.append(self.templates.get("plan") or self.plan or builtin_plan())
        return out

    def get(self, name: str) -> Kind | None:
        return next((k for k in self.kinds() if k.name == name), None)

    def load(self, path: str, text: str | None) -> list[Problem]:
        """(Re)load one template file; ``text`` None means it is gone. Returns its problems."""
        name = speckit_kind(path) or (None if "-template." in path else kind_name(path))
        if name is None:
            return []
        if text is None:
            self.problems.pop(path, None)
            self.texts.pop(path, None)
            current = self.templates.get(name)
            if current is not None and current.path == path:
                del self.templates[name]
            return []
        self.texts[path] = text
        problems: list[Problem] = []
        try:
            kind = load_kind(name, text, path)
        except templates.TemplateError as exc:
            problems.append(Problem(exc.message, exc.line))
        else:
            problems += [Problem(m, line) for m, line in kind.schema.problems]
            if kind.schema.title is None and not kind.schema.sections:
                problems.append(Problem("the template has no heading", None))
            if not problems:
                self.templates[name] = kind
        self.problems[path] = problems
        return problems


def suggest(path: str, available: Sequence[Kind]) -> Kind:
    """The kind a new file's name suggests (``spec.md`` -> spec, ``adr/7-x.md`` -> adr,
    ``runbooks/deploy.md`` -> runbook), else the plan."""
    words = re.split(r"[^a-z0-9]+", path.replace("\\", "/").lower())
    for kind in available:
        name = kind.name.lower()
        if name in words or f"{name}s" in words:
            return kind
    return next((k for k in available if k.name == "plan"), available[-1])
