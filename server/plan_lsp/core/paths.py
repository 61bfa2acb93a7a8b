"""File names: which are Markdown, which are templates, the templates folder's name (no heavy
imports, so the CLI's fast path can use them without loading the parser)."""

from __future__ import annotations

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
"""File name endings of Markdown files (compared in lower case)."""
TEMPLATE_SUFFIXES = (".md.j2", ".md")
DEFAULT_DIR = ".plan-templates"
SPECKIT_DIR = ".specify/templates"
"""Where GitHub spec-kit installs its templates (``plan-template.md``, ``spec-template.md`` …):
used with no set-up when no ``.plan-templates`` folder is found."""
SPECKIT_KINDS = ("plan", "spec", "tasks")


def speckit_kind(path: str) -> str | None:
    """``…/.specify/templates/plan-template.md`` -> ``plan`` (the documents spec-kit writes)."""
    posix = path.replace("\\", "/")
    folder, _, name = posix.rpartition("/")
    if not folder.endswith(SPECKIT_DIR) or not name.endswith("-template.md"):
        return None
    kind = name[: -len("-template.md")]
    return kind if kind in SPECKIT_KINDS else None


def is_markdown(path: str) -> bool:
    """Whether ``path`` (or a URI) names a Markdown file by its ending."""
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def kind_name(path: str) -> str | None:
    """``adr.md`` and ``adr.md.j2`` -> ``adr``; other files are not templates."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in TEMPLATE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) and not name.startswith("."):
            return name[: -len(suffix)]
    return None
