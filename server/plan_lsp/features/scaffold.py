"""Scaffolding: a new document rendered from its kind's template, with what is known filled in.

What is known comes in a context (:func:`plan_lsp.workspace.context.discover` reads it from the
document's surroundings): Created (today), Author, Feature (from the file name:
``user-login-plan.md`` -> ``User Login``, :func:`feature_from_path`), Issue (from the git branch:
``feature/ABC-123-x`` -> ``ABC-123``, :func:`issue_from_branch`), Spec. Everything else stays a
``<<FIELD>>`` marker. Enumerated values start at their default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath

from plan_lsp.core import templates
from plan_lsp.core.kinds import Kind
from plan_lsp.core.outline import parse
from plan_lsp.core.schema import ENUM_SEP, title_key
from plan_lsp.core.text import TextEdit, apply_edits

_ISSUE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]{0,9}-\d+)(?![0-9])")
_ISSUE_PREFIXED_RE = re.compile(r"(?:^|/)(?:issues?|gh)[-_]?(\d+)(?:[-_/]|$)", re.I)
_ISSUE_NUM_RE = re.compile(r"(?:^|/)#?(\d+)(?:[-_]|$)")
_NOT_PROJECTS = {"RELEASE", "HOTFIX", "V", "VERSION", "RC", "FEATURE", "FIX", "BUGFIX", "BUILD"}
_KIND_SUFFIX = re.compile(r"[-_.](?:plan|spec|adr|runbook)$", re.I)


def feature_from_path(path: str) -> str | None:
    """``docs/user-login-plan.md`` -> ``User Login``; ``plan.md`` -> the folder's name."""
    p = PurePath(path)
    stem = p.name.split(".")[0]
    stem = _KIND_SUFFIX.sub("", stem)
    if stem.lower() in ("plan", "index", "readme", "") and p.parent.name:
        stem = p.parent.name
    words = re.split(r"[-_\s.]+", stem)
    words = [w for w in words if w]
    if not words or stem.lower() in ("plan", "plans"):
        return None
    return " ".join(w if w.isupper() and len(w) > 1 else w.capitalize() for w in words)


def issue_from_branch(branch: str) -> str | None:
    """``feature/ABC-123-login`` -> ``ABC-123``; ``fix/42-crash`` or ``issue-42`` -> ``#42``."""
    m = _ISSUE_PREFIXED_RE.search(branch)
    if m:
        return f"#{m.group(1)}"
    m = _ISSUE_RE.search(branch)
    if m:
        return m.group(1)
    for m in _ISSUE_RE.finditer(branch.upper()):
        if m.group(1).split("-")[0] not in _NOT_PROJECTS:
            return m.group(1)
    m = _ISSUE_NUM_RE.search(branch)
    return f"#{m.group(1)}" if m else None


def render(kind: Kind, context: Mapping[str, str]) -> str:
    """The kind's template rendered with ``context``; fields the context lacks take the
    metadata's ``default``; enumerations are set to their default."""
    schema = kind.schema
    defaults = {
        name: meta.default
        for name, meta in schema.metadata.fields.items()
        if meta.default is not None and templates.lookup(context, name) is None
    }
    context = {**defaults, **context}
    text = templates.render(kind.schema.source, context)
    if not schema.enums:
        return text
    outline = parse(text)
    edits: list[TextEdit] = []
    for sec in outline.sections:
        for lab in sec.labels:
            values = schema.enums.get(title_key(lab.label))
            if not values:
                continue
            given = templates.lookup(context, lab.label)
            ff = next((f for f in schema.front if title_key(f.label) == title_key(lab.label)), None)
            default = given or (ff.default if ff is not None else None) or values[0]
            if ENUM_SEP.search(lab.value) or not lab.value.strip():
                edits.append(TextEdit(lab.value_span, default))
    return apply_edits(text, edits) if edits else text
