"""The workspace index: every document a kind claims in the workspace folders, at a glance.

Per document it keeps what the whole-workspace views need and nothing more: the summary (title,
kind, Status, tasks, problems), the findings, and the headings worth finding across plans (the
title, numbered phases and steps), with the text of just the lines they sit on (to convert
columns to the client's units). Outlines are not kept: 1,000 plans stay small.

Building it is a coroutine that checks one file at a time and yields to the event loop between
files, so a keystroke waits at most for one file's check; no threads (the server must one day
run under Pyodide). Reads go through a ``Files`` object (``list_dir``, ``info``, ``read_text``),
like the rest of the workspace.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from plan_lsp.core.paths import MARKDOWN_SUFFIXES as MARKDOWN_SUFFIXES

if TYPE_CHECKING:
    from plan_lsp.core.codes import Finding
    from plan_lsp.core.engine import Options, Result
    from plan_lsp.core.kinds import Kind
    from plan_lsp.features.progress import Summary

SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})
MAX_FILE = 5_000_000
"""Bytes: a larger Markdown file is not indexed (it is still checked when opened)."""
MAX_FILES = 20_000
"""Files looked at in one build, at most."""


class FileInfo(Protocol):
    is_file: bool
    is_dir: bool
    mtime: float


class Files(Protocol):
    """What the index reads through (``plan_lsp.workspace.files.Files`` has it)."""

    def info(self, path: str) -> Any: ...

    def list_dir(self, folder: str) -> list[str]: ...

    def read_bytes(self, path: str, limit: int | None = None) -> bytes: ...


def read_plan_text(files: Files, path: str) -> str:
    """A Markdown file's text; ValueError when too large, binary or not UTF-8; OSError."""
    data = files.read_bytes(path, MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise ValueError(f"larger than {MAX_FILE} bytes")
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    return data.decode("utf-8")


@dataclass(frozen=True, slots=True)
class IndexedHeading:
    """A heading worth finding across plans: the title (depth 0), a phase (1), a step (2)."""

    name: str
    depth: int
    line: int
    start: int
    end: int
    """Code-point columns of the title on its line."""


@dataclass(slots=True)
class Entry:
    """One indexed document."""

    path: str
    uri: str
    summary: Summary
    findings: list[Finding]
    headings: list[IndexedHeading]
    lines: dict[int, str]
    """The text of the lines findings and headings sit on (for column conversion)."""
    mtime: float | None = None
    version: int | None = None
    """The editor's version when the entry comes from an open document."""
    result_id: str = ""
    """Changes whenever the findings do (for ``workspace/diagnostic``'s unchanged reports)."""


def summarize(path: str, uri: str, result: Result, mtime: float | None = None) -> Entry | None:
    """The entry for a checked document (None when no kind claims it)."""
    from plan_lsp.core.schema import numbered
    from plan_lsp.features.progress import summary

    if result.kind is None:
        return None
    outline = result.outline
    heads: list[IndexedHeading] = []
    first = outline.first_heading
    for h in outline.headings:
        n = numbered(h.title) if h is not first else None
        if h is first or n is not None:
            depth = 0 if h is first else min(len(n.numbers) if n else 1, 2)
            a, b = h.title_span.start.character, h.title_span.end.character
            heads.append(IndexedHeading(h.title, depth, h.line, a, b))
    wanted = {f.span.start.line for f in result.findings}
    wanted |= {f.span.end.line for f in result.findings}
    wanted |= {h.line for h in heads}
    lines = {n: outline.lines[n] for n in wanted if 0 <= n < len(outline.lines)}
    return Entry(path, uri, summary(result), list(result.findings), heads, lines, mtime)


def path_to_uri(path: str) -> str:
    return Path(path).absolute().as_uri()


@dataclass
class Index:
    """The indexed documents by path, and how the last build went."""

    entries: dict[str, Entry] = field(default_factory=dict)
    building: bool = False
    done: int = 0
    total: int = 0
    generation: int = 0
    """Bumped on every change to the entries (for views to know they are stale)."""

    def put(self, entry: Entry | None, path: str) -> bool:
        """Set (or, with None, drop) the entry of ``path``; whether anything changed."""
        old = self.entries.get(path)
        if entry is None:
            if old is None:
                return False
            del self.entries[path]
        else:
            if old is not None and _same(old, entry):
                old.version, old.mtime = entry.version, entry.mtime
                return False
            self.entries[path] = entry
        self.generation += 1
        if entry is not None:
            entry.result_id = str(self.generation)
        return True

    def drop(self, path: str) -> bool:
        return self.put(None, path)

    def plans(self) -> list[Entry]:
        return sorted(self.entries.values(), key=lambda e: e.path)


def _same(a: Entry, b: Entry) -> bool:
    return (
        a.summary == b.summary
        and a.headings == b.headings
        and [(f.code, f.severity, f.message, f.span) for f in a.findings]
        == [(f.code, f.severity, f.message, f.span) for f in b.findings]
    )


def walk(files: Files, roots: Sequence[str], limit: int = MAX_FILES) -> Iterator[str]:
    """Markdown files under ``roots`` (dot folders and dependency folders skipped; folder links
    not followed; at most ``limit``)."""
    seen = 0
    stack = [str(r) for r in reversed(roots)]
    visited: set[str] = set()
    while stack:
        folder = stack.pop()
        try:
            real = os.path.realpath(folder)
        except (OSError, ValueError):
            continue
        if real in visited:
            continue
        visited.add(real)
        try:
            entries = files.list_dir(folder)
        except (OSError, ValueError):
            continue
        subdirs = []
        for entry in entries:
            name = os.path.basename(entry)
            if name.startswith("."):
                continue
            if os.path.islink(entry):
                continue
            info = files.info(entry)
            if info is None:
                continue
            if info.is_dir:
                if name not in SKIP_DIRS:
                    subdirs.append(entry)
            elif info.is_file and name.lower().endswith(MARKDOWN_SUFFIXES):
                seen += 1
                if seen > limit:
                    return
                yield entry
        stack.extend(reversed(subdirs))


def check_file(
    files: Files,
    path: str,
    kinds: Sequence[Kind],
    options: Options,
    lookup: Callable[[str], list[str] | None] | None = None,
) -> Entry | None:
    """Read and check one file; its entry, or None (not a plan, unreadable, too large)."""
    from plan_lsp.core import engine

    info = files.info(path)
    if info is None or not info.is_file:
        return None
    try:
        text = read_plan_text(files, path)
    except (OSError, ValueError):
        return None
    result = engine.check(text, path, kinds, options, lookup=lookup)
    return summarize(path, path_to_uri(path), result, info.mtime)


async def build(
    index: Index,
    files: Files,
    roots: Sequence[str],
    check: Callable[[str], Entry | None],
    *,
    skip: Callable[[str], bool] = lambda path: False,
    report: Callable[[int, int], Awaitable[None] | None] | None = None,
    budget: float = 0.002,
    pause: Callable[[], float] = lambda: 0.0,
) -> int:
    """(Re)build ``index`` from the files under ``roots``: ``check(path)`` gives each entry
    (``skip(path)``: leave that one as it is, e.g. an open document). Yields to the event loop
    whenever ``budget`` seconds of work have passed (and at least after every file that took
    longer), calling ``report(done, total)``; before each file, waits while ``pause()`` says
    how long to (the editor is busy: typing goes first). Returns the number of files looked
    at."""
    index.building = True
    try:
        paths: list[str] = []
        tick = time.perf_counter()
        for path in walk(files, roots):
            paths.append(path)
            if time.perf_counter() - tick > budget:
                await asyncio.sleep(0)
                tick = time.perf_counter()
        index.total, index.done = len(paths), 0
        present = set(paths)
        for gone in [p for p in index.entries if p not in present and not skip(p)]:
            index.drop(gone)
        for path in paths:
            while (wait := pause()) > 0:
                await asyncio.sleep(wait)
                tick = time.perf_counter()
            if not skip(path):
                index.put(check(path), path)
            index.done += 1
            if time.perf_counter() - tick > budget:
                if report is not None:
                    got = report(index.done, index.total)
                    if got is not None:
                        await got
                await asyncio.sleep(0)
                tick = time.perf_counter()
        return len(paths)
    finally:
        index.building = False


def matches(query: str, name: str) -> bool:
    """Whether ``query``'s characters appear in ``name`` in order (ignoring case), as editors
    match symbols."""
    q = query.casefold().replace(" ", "")
    if not q:
        return True
    it = iter(name.casefold())
    return all(c in it for c in q)
