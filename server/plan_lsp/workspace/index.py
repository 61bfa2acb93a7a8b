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


def read_plan_bytes(files: Files, path: str) -> bytes:
    """A Markdown file's bytes; ValueError when too large or binary; OSError."""
    data = files.read_bytes(path, MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise ValueError(f"larger than {MAX_FILE} bytes")
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    return data


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
    store: Store | None = None,
) -> Entry | None:
    """Read and check one file; its entry, or None (not a plan, unreadable, too large). With
    ``store``, an unchanged file (same content, and the files its links point to as they were)
    takes its entry from there instead of being checked."""
    from plan_lsp.core import engine

    info = files.info(path)
    if info is None or not info.is_file:
        return None
    try:
        data = read_plan_bytes(files, path)
        text = data.decode("utf-8")
    except (OSError, ValueError):
        return None
    hashed = ""
    if store is not None:
        hashed = store.digest(data)
        found, entry = store.get(path, hashed, info.mtime)
        if found:
            return entry
        lookup = store.recording(lookup)
    result = engine.check(text, path, kinds, options, lookup=lookup)
    entry = summarize(path, path_to_uri(path), result, info.mtime)
    if store is not None:
        store.put(path, hashed, entry)
    return entry


# -- kept between starts -----------------------------------------------------------------------

STORE_VERSION = "1"


def store_key(kinds: Sequence[Kind], options: Options, roots: Sequence[str]) -> str | None:
    """Everything an entry depends on but its file and its links' targets: this code and the
    checker's, the kinds (their schemas), the options and the workspace folders (links leave
    them only so far). None when one of them has no stable text (nothing is kept then)."""
    from plan_lsp import __version__
    from plan_lsp.workspace.cache import fingerprint, key

    parts = [__version__, fingerprint("core", "features", "workspace"), repr(options)]
    parts += [repr(list(roots))]
    for kind in kinds:
        parts += [kind.name, kind.path or "", repr(kind.schema)]
    if any(" at 0x" in p for p in parts):
        return None
    return key(*parts)


class Store:
    """The index's entries kept in the user's cache folder between starts of the server (the
    signed file of :mod:`plan_lsp.workspace.cache`, one per ``store_key``): a workspace of
    unchanged plans is indexed from it without parsing. An entry keeps what the index keeps
    (findings without their quick-fix data); it is used only for the same file content and
    while every file its links point to is as it was, and never kept when one of those is
    open in the editor (``is_open``: its text may not be the file's)."""

    def __init__(self, key: str, is_open: Callable[[str], bool], folder: Path | None = None):
        from plan_lsp.workspace.cache import SignedCache, default_folder

        self.cache = SignedCache(
            folder or default_folder(), "index", f"{STORE_VERSION}-{key}", valid_stored
        )
        self.is_open = is_open
        self.kept: dict[str, Any] = {}
        """What the next file holds: the entries used or made by this build."""
        self.deps: dict[str, Any] | None = None
        self.hits = 0

    @staticmethod
    def digest(data: bytes) -> str:
        from plan_lsp.workspace.cache import digest

        return digest(data)

    def get(self, path: str, hashed: str, mtime: float | None) -> tuple[bool, Entry | None]:
        """(found, entry): the kept entry of ``path`` at content ``hashed`` (None: not a plan)."""
        value = self.cache.get(path, hashed)
        if value is None:
            return False, None
        self.kept[path] = self.cache.entries[path]
        self.hits += 1
        return True, None if value == NOT_A_PLAN else from_stored(path, value, mtime)

    def recording(
        self, lookup: Callable[[str], list[str] | None] | None
    ) -> Callable[[str], list[str] | None] | None:
        """``lookup``, noting the files it is asked about (the next entry depends on them)."""
        from plan_lsp.workspace.cache import stamp_of

        deps: dict[str, Any] = {}
        self.deps = deps
        if lookup is None:
            return None
        inner = lookup

        def recorded(target: str) -> list[str] | None:
            where = os.path.abspath(target)
            deps[where] = None if self.is_open(where) else stamp_of(where)
            if self.is_open(where):
                self.deps = None  # the editor's text: nothing to keep
            return inner(target)

        return recorded

    def put(self, path: str, hashed: str, entry: Entry | None) -> None:
        deps, self.deps = self.deps, None
        if deps is None:
            return
        value = NOT_A_PLAN if entry is None else to_stored(entry)
        self.cache.put(path, hashed, value, deps)
        self.kept[path] = self.cache.entries[path]

    def save(self) -> None:
        """Write what this build used or made (entries of files gone are dropped)."""
        if self.cache.dirty or set(self.kept) != set(self.cache.entries):
            self.cache.entries = self.kept
            self.cache.dirty = True
            self.cache.save()


NOT_A_PLAN = "none"
"""What is kept for a Markdown file no kind claims."""


def to_stored(e: Entry) -> dict[str, Any]:
    s = e.summary
    return {
        "summary": [
            s.title,
            s.kind,
            s.status,
            s.tasks_done,
            s.tasks_total,
            s.problems,
            s.errors,
            s.mismatch,
            s.mismatch_line,
        ],
        "findings": [
            [
                f.code,
                f.severity,
                f.message,
                f.span.start.line,
                f.span.start.character,
                f.span.end.line,
                f.span.end.character,
            ]
            for f in e.findings
        ],
        "headings": [[h.name, h.depth, h.line, h.start, h.end] for h in e.headings],
        "lines": [[n, text] for n, text in sorted(e.lines.items())],
    }


def _count(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 1 << 40


def _text(x: Any) -> bool:
    return isinstance(x, str)


def _opt(x: Any, ok: Callable[[Any], bool]) -> bool:
    return x is None or ok(x)


def _rows(x: Any, width: int, ok: Callable[[list[Any]], bool]) -> bool:
    return isinstance(x, list) and all(isinstance(r, list) and len(r) == width and ok(r) for r in x)


def valid_stored(value: Any) -> bool:
    """Whether ``value`` has the exact shape of a kept entry (or says: not a plan)."""
    if value == NOT_A_PLAN:
        return True
    if not isinstance(value, dict) or set(value) != {"summary", "findings", "headings", "lines"}:
        return False
    s = value["summary"]
    return (
        isinstance(s, list)
        and len(s) == 9
        and _text(s[0])
        and all(_opt(x, _text) for x in (s[1], s[2], s[7]))
        and all(_count(x) for x in s[3:7])
        and _opt(s[8], _count)
        and _rows(
            value["findings"],
            7,
            lambda r: all(_text(x) for x in r[:3]) and all(_count(x) for x in r[3:]),
        )
        and _rows(
            value["headings"],
            5,
            lambda r: _text(r[0]) and r[1] in (0, 1, 2) and all(_count(x) for x in r[2:]),
        )
        and _rows(value["lines"], 2, lambda r: _count(r[0]) and _text(r[1]))
    )


def from_stored(path: str, value: dict[str, Any], mtime: float | None) -> Entry:
    """The entry kept as ``value`` (already validated)."""
    from plan_lsp.core.codes import Finding
    from plan_lsp.core.text import Pos, Span
    from plan_lsp.features.progress import Summary

    findings = [
        Finding(code, severity, message, Span(Pos(a, b), Pos(c, d)))
        for code, severity, message, a, b, c, d in value["findings"]
    ]
    headings = [IndexedHeading(*h) for h in value["headings"]]
    return Entry(
        path,
        path_to_uri(path),
        Summary(*value["summary"]),
        findings,
        headings,
        {n: text for n, text in value["lines"]},
        mtime,
    )


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
