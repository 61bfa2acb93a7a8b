"""Document kinds: a template, its schema, and which documents it governs.

A document belongs to the kind whose template title its first heading matches (fields in the
title act as wildcards), or whose globs its path matches. A document no kind claims gets no
diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from plan_lsp import schema as schema_mod
from plan_lsp import templates
from plan_lsp.outline import Outline
from plan_lsp.schema import Schema


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
    return Kind(name, schema_mod.build(templates.load(name, text)), path)


@lru_cache(maxsize=1)
def builtin_plan() -> Kind:
    """The built-in implementation plan kind."""
    return load_kind("plan", templates.builtin_text("plan"))


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex over ``/`` paths: ``**`` spans folders, ``*`` and ``?`` do not.

    Patterns are relative to any folder: ``plans/*.md`` matches ``/work/x/plans/a.md``.
    """
    body = pattern[3:] if pattern.startswith("**/") else pattern.lstrip("/")
    out = ""
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif body.startswith("**", i):
            out += ".*"
            i += 2
        else:
            c = body[i]
            out += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
            i += 1
    return re.compile("^(?:.*/)?" + out + "$")


def path_matches(path: str, globs: Iterable[str]) -> bool:
    posix = path.replace("\\", "/")
    return any(glob_regex(g).match(posix) for g in globs)


def title_matches(kind: Kind, outline: Outline) -> bool:
    """Whether the document's first heading is the kind's title."""
    title = kind.schema.title
    first = outline.first_heading
    if title is None or first is None:
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
    for kind in kinds:
        if title_matches(kind, outline):
            return kind
    if path:
        for kind in kinds:
            patterns = (globs or {}).get(kind.name, kind.globs)
            if patterns and path_matches(path, patterns):
                return kind
    return None
