"""The workspace index: every document a kind claims in the workspace folders, at a glance.

Per document it keeps what the whole-workspace views need and nothing more: the summary (title,
kind, Status, tasks, problems), the findings, and the headings worth finding across plans (the
title, numbered phases and steps), with the text of just the lines they sit on (to convert
columns to the client's units). Outlines are not kept: 1,000 plans stay small.

Building it is a coroutine that checks one file at a time and yields to the event loop between
files, so a keystroke waits at most for one file's check; no threads (the server must one day
run under Pyodide). Where processes can be forked, a build with many files to check (the first
start) has them checked by worker processes instead (:class:`Forked`,
:mod:`plan_lsp.workspace.workers`) and only merges their results between messages. Reads go
through a ``Files`` object (``list_dir``, ``info``, ``read_text``), like the rest of the
workspace.
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
    from plan_lsp.workspace.workers import Pool

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
    touched: set[str] = field(default_factory=set)
    """Paths a file event updated since the build began: their event's entry wins over what
    a worker process checked earlier."""

    def touch(self, path: str) -> None:
        """A file event updated ``path``: a build under way keeps that event's entry (kept only
        while building: between builds nothing is, however many files come and go)."""
        if self.building:
            self.touched.add(path)

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


def _read_plan(files: Files, path: str) -> tuple[Any, bytes, str] | None:
    """(info, bytes, text) of the Markdown file ``path``; None: not a file, unreadable, too
    large, binary or not UTF-8."""
    info = files.info(path)
    if info is None or not info.is_file:
        return None
    try:
        data = read_plan_bytes(files, path)
        return info, data, data.decode("utf-8")
    except (OSError, ValueError):
        return None


def check_file(
    files: Files,
    path: str,
    kinds: Sequence[Kind],
    options: Options,
    lookup: Callable[[str], list[str] | None] | None = None,
    store: Store | None = None,
    root: str | None = None,
) -> Entry | None:
    """Read and check one file; its entry, or None (not a plan, unreadable, too large). With
    ``store``, an unchanged file (same content and ``root``, and the files its links point to as
    they were) takes its entry from there instead of being checked. ``root``: where its
    root-relative links start (its repository's root)."""
    from plan_lsp.core import engine

    read = _read_plan(files, path)
    if read is None:
        return None
    info, data, text = read
    hashed = ""
    if store is not None:
        hashed = store.digest(data, root)
        found, entry = store.get(path, hashed, info.mtime)
        if found:
            return entry
        lookup = store.recording(lookup)
    result = engine.check(text, path, kinds, options, lookup=lookup, root=root)
    entry = summarize(path, path_to_uri(path), result, info.mtime)
    if store is not None:
        store.put(path, hashed, entry)
    return entry


def kept_entry(
    files: Files, path: str, store: Store | None, root: str | None = None
) -> tuple[bool, Entry | None]:
    """(found, entry): ``path``'s entry as ``store`` kept it, when the file and its links'
    targets are as they were; looked up without checking (found False: it must be checked)."""
    if store is None or path not in store.cache.entries:
        return False, None
    info = files.info(path)
    if info is None or not info.is_file:
        return False, None
    try:
        data = read_plan_bytes(files, path)
    except (OSError, ValueError):
        return False, None
    return store.get(path, store.digest(data, root), info.mtime)


Checked = tuple[float | None, str, Any, dict[str, Any] | None]
"""What a worker process sends for a file: (mtime, content digest, the value :class:`Store`
keeps — :func:`to_stored` or :data:`NOT_A_PLAN` —, the link targets it depends on (None:
not to be kept))."""


def check_for_store(
    files: Files,
    path: str,
    kinds: Sequence[Kind],
    options: Options,
    lookup: Callable[[str], list[str] | None] | None = None,
    store: Store | None = None,
    root: str | None = None,
) -> Checked | None:
    """Read and check one file, as :func:`check_file` does but without looking in ``store``,
    as plain data (for a worker process to send; :func:`from_checked` turns it into the entry
    and keeps it). None: unreadable, too large, binary."""
    from plan_lsp.core import engine

    read = _read_plan(files, path)
    if read is None:
        return None
    info, data, text = read
    hashed = store.digest(data, root) if store is not None else ""
    deps = None
    if store is not None:
        lookup = store.recording(lookup)
    result = engine.check(text, path, kinds, options, lookup=lookup, root=root)
    if store is not None:
        deps, store.deps = store.deps, None
    entry = summarize(path, "", result, info.mtime)
    return info.mtime, hashed, NOT_A_PLAN if entry is None else to_stored(entry), deps


def from_checked(path: str, got: Any, store: Store | None) -> tuple[bool, Entry | None]:
    """(well formed, entry): the entry of what :func:`check_for_store` gave for ``path`` (in
    a worker process), kept in ``store``; (False, None) for anything else."""
    if got is None:
        return True, None
    if not (isinstance(got, tuple) and len(got) == 4):
        return False, None
    mtime, hashed, value, deps = got
    if (
        not (mtime is None or (isinstance(mtime, int | float) and not isinstance(mtime, bool)))
        or not isinstance(hashed, str)
        or not (deps is None or isinstance(deps, dict))
        or not valid_stored(value)
    ):
        return False, None
    if store is not None and deps is not None and hashed:
        store.keep(path, hashed, value, deps)
    return True, None if value == NOT_A_PLAN else from_stored(path, value, mtime)


@dataclass(frozen=True)
class Forked:
    """How :func:`build` has files checked in worker processes: ``kept(path)`` looks an entry
    up where it was kept (in the loop: that is fast), ``start(paths)`` forks the workers that
    check the others (:class:`plan_lsp.workspace.workers.Pool`), ``accept(path, value)`` turns
    a worker's value into the entry ((False, None): not well formed, checked in the loop).
    With fewer than ``min_files`` to check, they are checked in the loop."""

    kept: Callable[[str], tuple[bool, Entry | None]]
    start: Callable[[list[str]], Pool]
    accept: Callable[[str, Any], tuple[bool, Entry | None]]
    min_files: int = 32


# -- kept between starts -----------------------------------------------------------------------

STORE_VERSION = "1"


def store_key(
    kinds: Sequence[Kind], options: Options | Sequence[Options], roots: Sequence[str]
) -> str | None:
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
    def digest(data: bytes, root: str | None = None) -> str:
        """What an entry is kept for: the file's content, and where its root-relative links
        start (a repository made or removed above it changes where they point)."""
        from plan_lsp.workspace.cache import digest

        return digest(data) if root is None else digest(data + b"\0" + root.encode())

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
        self.keep(path, hashed, NOT_A_PLAN if entry is None else to_stored(entry), deps)

    def keep(self, path: str, hashed: str, value: Any, deps: dict[str, Any]) -> None:
        """Keep ``value`` (:func:`to_stored`, or :data:`NOT_A_PLAN`) for ``path`` at content
        ``hashed``, valid while the files of ``deps`` are as stamped."""
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
    return {
        "summary": e.summary.to_row(),
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


def _text(x: Any) -> bool:
    return isinstance(x, str)


def _rows(x: Any, width: int, ok: Callable[[list[Any]], bool]) -> bool:
    return isinstance(x, list) and all(isinstance(r, list) and len(r) == width and ok(r) for r in x)


def valid_stored(value: Any) -> bool:
    """Whether ``value`` has the exact shape of a kept entry (or says: not a plan)."""
    if value == NOT_A_PLAN:
        return True
    if not isinstance(value, dict) or set(value) != {"summary", "findings", "headings", "lines"}:
        return False
    from plan_lsp.workspace.cache import count as _count
    from plan_lsp.workspace.cache import valid_summary_row

    return (
        valid_summary_row(value["summary"])
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
    forked: Forked | None = None,
    merge_budget: float = 0.0005,
) -> int:
    """(Re)build ``index`` from the files under ``roots``: ``check(path)`` gives each entry
    (``skip(path)``: leave that one as it is, e.g. an open document). Yields to the event loop
    whenever ``budget`` seconds of work have passed (and at least after every file that took
    longer), calling ``report(done, total)``; before each file, waits while ``pause()`` says
    how long to (the editor is busy: typing goes first). Returns the number of files looked
    at.

    With ``forked``, the entries kept from the last start are looked up first, and when at
    least ``forked.min_files`` files are left to check, worker processes check them while this
    loop merges what they send (``merge_budget`` seconds at a time), respecting ``pause`` and
    ``skip`` as above; a file a file event updated meanwhile (``index.touched``) keeps the
    event's entry. What no worker sent is checked here."""
    index.building = True
    index.touched = set()
    pace = _Pace(index, budget, pause, report)
    try:
        paths: list[str] = []
        for path in walk(files, roots):
            paths.append(path)
            await pace.step(report=False)
        index.total, index.done = len(paths), 0
        present = set(paths)
        for gone in [p for p in index.entries if p not in present and not skip(p)]:
            index.drop(gone)
        todo = paths
        if forked is not None:
            todo = []
            for path in paths:
                await pace.wait()
                if skip(path):
                    index.done += 1
                else:
                    found, entry = forked.kept(path)
                    if found:
                        index.put(entry, path)
                        index.done += 1
                    else:
                        todo.append(path)
                await pace.step()
        if forked is not None and len(todo) >= forked.min_files:
            await _merge(index, forked, todo, check, skip, pace, merge_budget)
            return len(paths)
        for path in todo:
            await pace.wait()
            if not skip(path):
                index.put(check(path), path)
            index.done += 1
            await pace.step()
        return len(paths)
    finally:
        index.building = False


async def _merge(
    index: Index,
    forked: Forked,
    todo: list[str],
    check: Callable[[str], Entry | None],
    skip: Callable[[str], bool],
    pace: _Pace,
    budget: float,
) -> None:
    """``todo`` checked by worker processes, merged into ``index`` as their batches come."""
    from plan_lsp.workspace.workers import LOST

    pace.budget = budget
    pool = forked.start(todo)
    try:
        while (batch := await pool.next()) is not None:
            for path, got in batch:
                await pace.wait()
                if path not in index.touched and not skip(path):
                    ok, entry = (False, None) if got is LOST else forked.accept(path, got)
                    index.put(entry if ok else check(path), path)
                index.done += 1
                await pace.step()
    finally:
        pool.close()


class _Pace:
    """When a build yields to the event loop, reports, and waits for the editor."""

    def __init__(
        self,
        index: Index,
        budget: float,
        pause: Callable[[], float],
        report: Callable[[int, int], Awaitable[None] | None] | None,
    ) -> None:
        self.index = index
        self.budget = budget
        self.pause = pause
        self.report = report
        self.tick = time.perf_counter()

    async def wait(self) -> None:
        """Before a file: wait while ``pause()`` says to."""
        while (wait := self.pause()) > 0:
            await asyncio.sleep(wait)
            self.tick = time.perf_counter()

    async def step(self, report: bool = True) -> None:
        """After a file: report and yield once ``budget`` seconds of work have passed."""
        if time.perf_counter() - self.tick > self.budget:
            if report and self.report is not None:
                got = self.report(self.index.done, self.index.total)
                if got is not None:
                    await got
            await asyncio.sleep(0)
            self.tick = time.perf_counter()


def matches(query: str, name: str) -> bool:
    """Whether ``query``'s characters appear in ``name`` in order (ignoring case), as editors
    match symbols."""
    q = query.casefold().replace(" ", "")
    if not q:
        return True
    it = iter(name.casefold())
    return all(c in it for c in q)
