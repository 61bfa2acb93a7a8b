"""Links between documents: where a relative link points, and whether it arrives.

Pure: the caller says what exists through a ``lookup`` function (the server knows open
documents, the command line only the disk): ``lookup(path)`` returns the heading titles of the
file at ``path``, or None when there is no such file, and raises :class:`Refused` for a file it
will not read (outside the workspace, not a regular file). Absolute links (``/etc/passwd``,
``~/.ssh/x``, ``C:\\x``) are reported and never looked up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from plan_lsp.core.codes import Finding
from plan_lsp.core.outline import Link, Outline, inline_parser

Lookup = Callable[[str], list[str] | None]


class Refused(Exception):
    """Raised by a lookup for a link it does not follow; the message says why."""


_ABSOLUTE = re.compile(r"^(?:[/\\~]|[A-Za-z]:)")


def is_absolute(target: str) -> bool:
    """Whether a link target is absolute (``/x``, ``\\x``, ``~/x``, ``C:x``): never followed."""
    return bool(_ABSOLUTE.match(unquote(target)))


ID_PREFIX = "\0"
"""Marks an explicit HTML anchor (``<a id="x">``, ``<a name="x">``) among a document's titles:
taken as it is, never slugged, never counted among repeated titles."""


def heading_text(title: str) -> str:
    """A heading's text as GitHub renders it: markup, link targets and HTML dropped, code kept."""
    if not any(c in title for c in "`*_[]<>\\!&"):
        return title
    tokens = inline_parser().parseInline(title)
    out: list[str] = []

    def walk(children: list[Any]) -> None:
        for child in children:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type == "image":
                walk(child.children or [])
            elif child.children:
                walk(child.children)

    walk(tokens[0].children or [] if tokens else [])
    return "".join(out)


def slug(title: str) -> str:
    """GitHub's anchor for a heading (github-slugger): the rendered text in lower case, every
    character but letters, marks, digits, ``_``, ``-`` and spaces dropped (punctuation, emoji),
    spaces to dashes."""
    text = heading_text(title).strip().lower()
    kept = "".join(
        c
        for c in text
        if c in " -_" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pc"
    )
    return kept.replace(" ", "-")


def anchors(titles: list[str]) -> list[str]:
    """Anchors of a document's headings, repeated ones numbered ``-1``, ``-2`` as GitHub does;
    explicit HTML ids (:data:`ID_PREFIX`) as they are."""
    seen: dict[str, int] = {}
    out = []
    for t in titles:
        if t.startswith(ID_PREFIX):
            out.append(t[len(ID_PREFIX) :])
            continue
        s = slug(t)
        n = seen.get(s, 0)
        out.append(s if n == 0 else f"{s}-{n}")
        seen[s] = n + 1
    return out


@dataclass(frozen=True, slots=True)
class Target:
    """Where a link points: a file path (None: this document) and an anchor ('' for none)."""

    path: str | None
    anchor: str


def root_relative(target: str) -> bool:
    """``/docs/x.md``: relative to the repository root, as GitHub resolves it."""
    raw = unquote(target)
    return raw.startswith("/") and not raw.startswith("//")


def resolve(link: Link, doc_path: str | None, root: str | None = None) -> Target:
    """Where a link points. A root-relative target (``/docs/x.md``) is taken from ``root``, the
    repository's root, never from the file system's (with no ``root`` it stays as written)."""
    target, _, anchor = link.target.partition("#")
    if not target:
        return Target(None, unquote(anchor))
    if root is not None and root_relative(target):
        inside: list[str] = []
        for part in PurePosixPath(unquote(target)).parts[1:]:
            if part == "..":
                if inside:
                    inside.pop()  # GitHub stops at the root
            elif part != ".":
                inside.append(part)
        base_root = PurePosixPath(root.replace("\\", "/"))
        return Target(
            str(base_root.joinpath(*inside)) if inside else str(base_root), unquote(anchor)
        )
    base = PurePosixPath(doc_path.replace("\\", "/")).parent if doc_path else PurePosixPath(".")
    joined = base / unquote(target)
    parts: list[str] = []
    for part in joined.parts:
        if part == ".." and parts and parts[-1] == "/":
            continue  # ``..`` past the root stays at the root, as on disk
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    path = str(PurePosixPath(*parts)) if parts else "."
    return Target(path, unquote(anchor))


def heading_index(titles: list[str], anchor: str) -> int | None:
    """Which heading an anchor names (by slug; an exact title also counts). GitHub renders every
    id with a ``user-content-`` prefix, so ``#user-content-req-ref`` names ``<a id="req-ref">``
    (and a heading's anchor) too."""
    want = anchor.lower()
    bare = want[len(_GITHUB_PREFIX) :] if want.startswith(_GITHUB_PREFIX) else None
    for i, a in enumerate(anchors(titles)):
        if a in (want, bare) or slug(anchor) == a:
            return i
    return None


_GITHUB_PREFIX = "user-content-"


def check(
    outline: Outline, doc_path: str | None, lookup: Lookup, root: str | None = None
) -> Iterator[Finding]:
    """``broken-link`` findings: links to files that do not exist or headings they lack.
    ``root``: the repository's root, for root-relative links (``/docs/x.md``)."""
    own: list[str] | None = None
    for sec in outline.sections:
        for link in sec.links:
            if is_absolute(link.target) and not (root is not None and root_relative(link.target)):
                yield Finding(
                    "broken-link",
                    "warning",
                    f"Link not followed: '{link.target}' is an absolute path "
                    "(links are followed only inside the workspace)",
                    link.span,
                    {"target": None, "anchor": "", "missing": "outside"},
                )
                continue
            t = resolve(link, doc_path, root)
            if t.path is None:
                if own is None:
                    own = outline.anchor_titles
                found: list[str] | None = own
            else:
                try:
                    found = lookup(t.path)
                except Refused as exc:
                    yield Finding(
                        "broken-link",
                        "warning",
                        f"Link not followed: '{link.target}': {exc}",
                        link.span,
                        {"target": None, "anchor": "", "missing": "outside"},
                    )
                    continue
            if found is None:
                rooted = root is not None and root_relative(link.target)
                yield Finding(
                    "broken-link",
                    "warning",
                    f"Broken link: '{link.target}' does not exist"
                    + (" (from the repository's root)" if rooted else ""),
                    link.span,
                    {"target": t.path, "anchor": t.anchor, "missing": "file"},
                )
                continue
            if t.anchor and heading_index(found, t.anchor) is None:
                where = "this document" if t.path is None else f"'{link.target.split('#')[0]}'"
                yield Finding(
                    "broken-link",
                    "warning",
                    f"Broken link: {where} has no heading '#{t.anchor}'",
                    link.span,
                    {"target": t.path, "anchor": t.anchor, "missing": "heading"},
                )
