"""Reading the workspace's files: the one seam between plan-lsp and the file system.

Every read of a file's content or metadata that the server or ``plan-lsp check`` makes —
documents that are not open, link targets, team templates, the ``planLsp.template`` file, a file
``plan.scaffold`` would fill — goes through a :class:`Files`. Safety rules for untrusted
workspaces (a regular-file check, a size cap, confinement to the workspace) belong in
:meth:`Files.read_text` and :meth:`Files.read_bytes`; a host without a real file system (Pyodide)
gives the :class:`~plan_lsp.workspace.workspace.Workspace` another ``Files``.

Reads raise :class:`OSError` (and :class:`UnicodeDecodeError` for text that is not UTF-8); the
callers decide what a failure means (a broken link, a template problem, an error answer).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plan_lsp.core.kinds import Registry

LINK_TARGET_LIMIT = 5_000_000
"""Bytes of a link target read to list its headings."""


@dataclass(frozen=True, slots=True)
class Info:
    """What :meth:`Files.info` tells about a path."""

    is_file: bool
    is_dir: bool
    mtime: float


class Files:
    """The local file system, read as plan-lsp reads it."""

    def info(self, path: str) -> Info | None:
        """Whether ``path`` is a file or a folder, and when it changed (None: nothing there)."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        import stat

        return Info(stat.S_ISREG(st.st_mode), stat.S_ISDIR(st.st_mode), st.st_mtime)

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        """The content of the file at ``path`` (its first ``limit`` bytes when given)."""
        with open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)

    def read_text(self, path: str) -> str:
        """The file at ``path`` as UTF-8 text."""
        return self.read_bytes(path).decode("utf-8")

    def list_dir(self, folder: str) -> list[str]:
        """The paths of the entries of ``folder``, sorted."""
        return sorted(str(Path(folder) / name) for name in os.listdir(folder))

    def resolve(self, path: str) -> str:
        """``path`` made absolute with symlinks resolved; OSError when it does not exist."""
        return str(Path(path).resolve(strict=True))


def read_text_or_none(files: Files, path: str) -> str | None:
    """The file's text, None when it cannot be read or is not UTF-8."""
    try:
        return files.read_text(path)
    except (OSError, ValueError):
        return None


def heading_lookup(files: Files) -> Callable[[str], list[str] | None]:
    """A :data:`plan_lsp.core.links.Lookup` over ``files``: the heading titles of a Markdown file
    (``[]`` for a folder or another file), None when nothing is there. Each file is parsed once
    per modification time."""
    from plan_lsp.core.outline import parse
    from plan_lsp.core.paths import is_markdown

    seen: dict[str, tuple[float, list[str]]] = {}

    def lookup(path: str) -> list[str] | None:
        info = files.info(path)
        if info is None:
            return None
        if info.is_dir:
            return []
        hit = seen.get(path)
        if hit is not None and hit[0] == info.mtime:
            return hit[1]
        try:
            text = files.read_bytes(path, LINK_TARGET_LIMIT).decode("utf-8", "replace")
        except OSError:
            return []
        titles = [h.title for h in parse(text).headings] if is_markdown(path) else []
        seen[path] = (info.mtime, titles)
        return titles

    return lookup


def load_folder(registry: Registry, folder: Path, files: Files) -> None:
    """Load every template of ``folder`` into ``registry`` (keeping the last good version of
    broken ones; templates gone from the folder are unloaded)."""
    from plan_lsp.core.kinds import Problem, kind_name

    registry.folder = folder
    seen = set()
    info = files.info(str(folder))
    try:
        entries = files.list_dir(str(folder)) if info is not None and info.is_dir else []
    except OSError:
        entries = []
    for entry in entries:
        if kind_name(Path(entry).name) is None:
            continue
        entry_info = files.info(entry)
        if entry_info is None or not entry_info.is_file:
            continue
        try:
            text = files.read_text(entry)
        except (OSError, UnicodeDecodeError) as exc:
            registry.problems[entry] = [Problem(f"cannot read the template: {exc}")]
            continue
        seen.add(entry)
        registry.load(entry, text)
    for path in [p for p in registry.texts if p not in seen]:
        registry.load(path, None)
