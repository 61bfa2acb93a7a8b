"""Links between documents: where a relative link points, and whether it arrives.

Pure: the caller says what exists through a ``lookup`` function (the server knows open
documents, the command line only the disk): ``lookup(path)`` returns the heading titles of the
file at ``path``, or None when there is no such file, and raises :class:`Refused` for a file it
will not read (outside the workspace, not a regular file). Absolute links (``/etc/passwd``,
``~/.ssh/x``, ``C:\\x``) are reported and never looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from plan_lsp.core.codes import Finding
from plan_lsp.core.outline import Link, Outline

Lookup = Callable[[str], list[str] | None]


class Refused(Exception):
    """Raised by a lookup for a link it does not follow; the message says why."""


_ABSOLUTE = re.compile(r"^(?:[/\\~]|[A-Za-z]:)")


def is_absolute(target: str) -> bool:
    """Whether a link target is absolute (``/x``, ``\\x``, ``~/x``, ``C:x``): never followed."""
    return bool(_ABSOLUTE.match(unquote(target)))


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    t = title.strip().lower()
    t = re.sub(r"[^\w\- ]", "", t)
    return t.replace(" ", "-")


def anchors(titles: list[str]) -> list[str]:
    """Anchors of a document's headings, repeated titles numbered ``-1``, ``-2`` as GitHub does."""
    seen: dict[str, int] = {}
    out = []
    for t in titles:
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


def resolve(link: Link, doc_path: str | None) -> Target:
    target, _, anchor = link.target.partition("#")
    if not target:
        return Target(None, unquote(anchor))
    base = PurePosixPath(doc_path.replace("\\", "/")).parent if doc_path else PurePosixPath(".")
    joined = base / unquote(target)
    parts: list[str] = []
    for part in joined.parts:
        if part == ".." and parts and parts[-1] not in ("..", "/"):
            parts.pop()
        elif part != ".":
            parts.append(part)
    path = str(PurePosixPath(*parts)) if parts else "."
    return Target(path, unquote(anchor))


def heading_index(titles: list[str], anchor: str) -> int | None:
    """Which heading an anchor names (by slug; an exact title also counts)."""
    want = anchor.lower()
    for i, a in enumerate(anchors(titles)):
        if a == want or slug(anchor) == a:
            return i
    return None


def check(outline: Outline, doc_path: str | None, lookup: Lookup) -> Iterator[Finding]:
    """``broken-link`` findings: links to files that do not exist or headings they lack."""
    own: list[str] | None = None
    for sec in outline.sections:
        for link in sec.links:
            if is_absolute(link.target):
                yield Finding(
                    "broken-link",
                    "warning",
                    f"Link not followed: '{link.target}' is an absolute path "
                    "(links are followed only inside the workspace)",
                    link.span,
                    {"target": None, "anchor": "", "missing": "outside"},
                )
                continue
            t = resolve(link, doc_path)
            if t.path is None:
                if own is None:
                    own = [h.title for h in outline.headings]
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
                yield Finding(
                    "broken-link",
                    "warning",
                    f"Broken link: '{link.target}' does not exist",
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
