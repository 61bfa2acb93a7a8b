"""Plans as living documents, over LSP: progress on headings, and the whole workspace.

**Progress** is an inlay hint at the end of each numbered heading with tasks under it (``3/5
tasks``): it sits on the heading's own line, so the text never moves (a code lens would add a
line above every phase and step), it needs no command, and clients ask again after each edit.
It is computed from the outline the diagnostics already built: no re-parse.

**The workspace**: after ``initialized`` every document a kind claims in the workspace folders is
indexed in the background (:mod:`plan_lsp.workspace.index`), one file at a time between other
messages or, for many files, by forked worker processes (:mod:`plan_lsp.workspace.workers`)
whose results are merged between other messages, with work-done progress; file events keep
it live. It answers ``workspace/symbol`` (plans, phases, steps across plans),
``workspace/diagnostic`` and ``planLsp/plans``, notifies ``planLsp/plansChanged`` when that
answer would change, and, with ``planLsp.diagnosticsScope`` ``workspace``, pushes the problems
of plans that are not open.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from plan_lsp.core.text import Pos
from plan_lsp.lsp import convert
from plan_lsp.workspace.documents import to_units

if TYPE_CHECKING:
    from plan_lsp.core.codes import Finding
    from plan_lsp.features import progress
    from plan_lsp.features.progress import Summary
    from plan_lsp.lsp.server import PlanLanguageServer
    from plan_lsp.workspace import index
    from plan_lsp.workspace.index import Entry
    from plan_lsp.workspace.workers import Pool
else:
    from plan_lsp.workspace import lazy

    progress = lazy.module("plan_lsp.features.progress")
    index = lazy.module("plan_lsp.workspace.index")

PLANS_METHOD = "planLsp/plans"
PLANS_CHANGED = "planLsp/plansChanged"
NOTIFY_DELAY = 0.2
"""Seconds: ``planLsp/plansChanged`` is sent once per burst of changes."""
MAX_SYMBOLS = 500
QUIET = 0.3
"""Seconds after the last edit of an open document before indexing goes on."""
PAUSE_STEP = 0.05
REBUILD_DELAY = 0.5
"""Seconds after the last settings or template change before the index is built again."""


# -- progress on headings ----------------------------------------------------------------------


def inlay_hint(
    ls: PlanLanguageServer, params: types.InlayHintParams
) -> list[types.InlayHint] | None:
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    result = ls.ws.check(doc)
    if result.kind is None:
        return None
    lo = (params.range.start.line, params.range.start.character)
    hi = (params.range.end.line, params.range.end.character)
    out: list[types.InlayHint] = []
    for p in progress.headings(result.outline):
        if p.line < lo[0] or p.line > hi[0]:
            continue
        at = convert.position(doc, Pos(p.line, len(result.outline.lines[p.line])), ls.encoding)
        if not lo <= (at.line, at.character) <= hi:
            continue
        out.append(
            types.InlayHint(
                position=at,
                label=p.label,
                padding_left=True,
                tooltip=f"{p.done} of {p.total} tasks done under this heading",
            )
        )
    return out


# -- the workspace index ----------------------------------------------------------------------


class Indexer:
    """The server's index of the workspace's plans, and what it tells the client."""

    def __init__(self, ls: PlanLanguageServer) -> None:
        self.ls = ls
        self.index = index.Index()
        self.task: asyncio.Task[None] | None = None
        self.built_generation = -1
        """The workspace's settings/templates generation the index was built with."""
        self.published: set[str] = set()
        """URIs whose problems were pushed because of the workspace scope."""
        self.pulled: set[str] = set()
        """URIs the last ``workspace/diagnostic`` answer reported."""
        self.notify_handle: asyncio.TimerHandle | None = None
        self.rebuild_handle: asyncio.TimerHandle | None = None
        self.tokens = 0
        self.activity: list[tuple[str, int | None]] = []
        self.pending_uris: set[str] = set()
        self.summaries: dict[str, Summary | None] = {}
        """The last summary of each open document the client was told about."""
        self.summary_handle: asyncio.TimerHandle | None = None
        self.active_at = 0.0
        self.pool: Pool | None = None
        """The last build's worker processes (a ``workers.Pool``), if it had any."""

    # -- building

    def roots(self) -> list[str]:
        out: list[str] = []
        for p in self.ls.workspace_roots():
            if str(p) not in out:
                out.append(str(p))
        return out

    def check(self, path: str, store: index.Store | None = None) -> Entry | None:
        ws = self.ls.ws
        if store is not None and self.built_generation != ws.generation:
            store = None  # settings changed meanwhile: the key no longer says what they are
        return index.check_file(
            ws.files, path, ws.kinds(path), ws.options(path), ws.lookup, store, ws.root(path)
        )

    def store(self) -> index.Store | None:
        """The entries kept from the last start, for the settings and templates in force."""
        ws = self.ls.ws
        try:
            # Every folder's kinds and options (each plan is checked with its folder's).
            key = index.store_key(
                [k for r in self.roots() for k in ws.kinds(r)],
                [ws.options(r) for r in self.roots()],
                self.roots(),
            )
            return None if key is None else index.Store(key, self.is_open)
        except Exception as exc:  # never lose the index over its cache
            self.ls.report_server_error(exc, None)
            return None

    def forked(self, store: index.Store | None) -> index.Forked | None:
        """How the build has files checked in worker processes (None: in the loop, where
        processes cannot be forked or ``PLAN_LSP_INDEX_WORKERS`` is 0). What checking needs
        is made here, before any fork."""
        from plan_lsp.workspace import workers

        count = workers.wanted()
        if count <= 0:
            return None
        ws = self.ls.ws
        files, lookup = ws.files, ws.lookup
        for root in self.roots():
            ws.kinds(root)  # loaded here, before any fork: each folder's own

        def compute(path: str) -> index.Checked | None:
            return index.check_for_store(
                files, path, ws.kinds(path), ws.options(path), lookup, store, ws.root(path)
            )

        def start(paths: list[str]) -> workers.Pool:
            pool = workers.Pool(paths, compute, count)
            self.pool = pool
            return pool

        return index.Forked(
            kept=lambda path: index.kept_entry(files, path, store, ws.root(path)),
            start=start,
            accept=lambda path, got: index.from_checked(path, got, store),
        )

    def stop(self) -> None:
        """Stop a build under way (``shutdown``): its worker processes are ended now."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        workers = sys.modules.get("plan_lsp.workspace.workers")
        if workers is not None:  # (not imported: no build ever forked)
            workers.stop_all()

    def is_open(self, path: str) -> bool:
        return path in self.ls.ws.by_path

    def pause(self) -> float:
        """How long the index waits before its next file: a while after any edit (an open
        document's version moved), so that typing never waits for the index."""
        sig = [(uri, doc.version) for uri, doc in self.ls.ws.documents.items()]
        now = time.monotonic()
        if sig != self.activity:
            self.activity = sig
            self.active_at = now
        return PAUSE_STEP if now - self.active_at < QUIET else 0.0

    async def quiet(self) -> None:
        """Wait while the editor is busy (see :meth:`pause`)."""
        while (wait := self.pause()) > 0:
            await asyncio.sleep(wait)

    def start(self) -> None:
        """(Re)build the index in the background (a build under way is cancelled)."""
        if not self.roots():
            return
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.built_generation = self.ls.ws.generation
        self.task = asyncio.get_running_loop().create_task(self._build())

    def refresh_if_stale(self, changed: bool = False) -> None:
        """Settings or templates changed since the build: build again, once a burst of changes
        (typing in an open template) is over. Only a change (``changed``) puts the rebuild
        off: a client asking for the index over and over does not."""
        if self.built_generation == self.ls.ws.generation or self.built_generation < 0:
            return
        if self.rebuild_handle is not None:
            if not changed:
                return
            self.rebuild_handle.cancel()

        def rebuild() -> None:
            self.rebuild_handle = None
            if self.built_generation != self.ls.ws.generation:
                self.start()

        self.rebuild_handle = asyncio.get_running_loop().call_later(REBUILD_DELAY, rebuild)

    async def _begin_progress(self) -> str | None:
        if not self.ls.client_supports("window.work_done_progress", False):
            return None
        self.tokens += 1
        token = f"plan-lsp-index-{self.tokens}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), 10)
        except Exception:
            return None
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="Indexing plans", message="looking for plans", percentage=0
            ),
        )
        return token

    async def _build(self) -> None:
        token = await self._begin_progress()
        last = [0.0]

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if token is None or (now - last[0] < 0.1 and done < total):
                return
            last[0] = now
            self.ls.work_done_progress.report(
                token,
                types.WorkDoneProgressReport(
                    message=f"{done}/{total} files", percentage=int(100 * done / max(total, 1))
                ),
            )

        ended = False
        try:
            started = time.perf_counter()
            await self.quiet()  # reading the kept entries is one step of tens of milliseconds
            store = self.store()
            self.pool = None
            count = await index.build(
                self.index,
                self.ls.ws.files,
                self.roots(),
                lambda path: self.check(path, store),
                skip=self.is_open,
                report=report,
                pause=self.pause,
                forked=self.forked(store),
            )
            if store is not None:
                await self.quiet()  # and so is writing them
                store.save()
            plans = len(self.index.entries)
            took = time.perf_counter() - started
            kept = f" ({store.hits} unchanged since the last start)" if store else ""
            if self.pool is not None:
                pool, self.pool = self.pool, None
                kept += f"; {pool.files} checked by {len(pool.workers)} worker processes"
                if pool.lost:
                    kept += f", {pool.lost} of them by the server (a worker stopped)"
            self.ls.log(
                f"plan-lsp: indexed {plans} plans among {count} files in {took:.2f} s{kept}"
            )
            if token is not None:
                self.ls.work_done_progress.end(
                    token, types.WorkDoneProgressEnd(message=f"{plans} plans")
                )
                ended = True
            self.changed(publish_all=True)
        finally:
            if token is not None and not ended:
                self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="stopped"))

    # -- live

    def file_changed(self, uri: str, how: str) -> None:
        """A Markdown file came, changed or went on disk."""
        from plan_lsp.workspace.workspace import uri_to_path

        path = uri_to_path(uri)
        if path is None or not path.lower().endswith(index.MARKDOWN_SUFFIXES):
            return
        self.index.touch(path)  # newer than what a worker of a build under way read
        if not any(_inside(path, r) and not _skipped(path, r) for r in self.roots()):
            return  # outside the folders, or where the index does not look (templates, .git)
        if self.is_open(path):
            return  # the editor's text wins; indexed again when it closes
        entry = None if how == "deleted" else self.check(path)
        if self.index.put(entry, path):
            self.changed(paths=[path])

    def closed(self, uri: str) -> None:
        """A document was closed: back to what is on disk."""
        from plan_lsp.workspace.workspace import uri_to_path

        path = uri_to_path(uri)
        if path is None or not any(_inside(path, r) for r in self.roots()):
            return
        self.index.touch(path)
        self.index.put(self.check(path), path)
        self.changed(paths=[path], force=True)

    def settings_changed(self) -> None:
        """Settings or templates changed: the index is rebuilt; a narrower scope clears what
        was pushed."""
        self._clear_published()  # (those still in a workspace-scope folder come again)
        self.refresh_if_stale(changed=True)

    def documents_changed(self, uris: list[str]) -> None:
        """Open documents changed: once the burst is over, tell the client if one of their
        summaries (Status, tasks, problems) moved."""
        self.pending_uris.update(uris)
        if self.summary_handle is not None or not self.pending_uris:
            return

        def compare() -> None:
            self.summary_handle = None
            moved = False
            for uri in list(self.pending_uris):
                self.pending_uris.discard(uri)
                doc = self.ls.ws.document(uri)
                if doc is None:
                    continue
                result = self.ls.ws.check(doc)
                got = progress.summary(result) if result.kind is not None else None
                if self.summaries.get(uri) != got:
                    self.summaries[uri] = got
                    moved = True
            if moved:
                self._schedule_notify()

        self.summary_handle = asyncio.get_running_loop().call_later(NOTIFY_DELAY, compare)

    # -- telling the client

    def workspace_scope(self, path: str | None = None) -> bool:
        """Whether the problems of closed plans are reported: ``planLsp.diagnosticsScope``
        ``workspace`` for the folder holding ``path`` (without one: for any folder)."""
        ws = self.ls.ws
        if path is not None:
            return ws.settings_for(path).diagnostics_scope == "workspace"
        every = [ws.settings, *ws.folder_settings.values()]
        return any(s.diagnostics_scope == "workspace" for s in every)

    def changed(
        self, *, paths: list[str] | None = None, publish_all: bool = False, force: bool = False
    ) -> None:
        """The index changed: notify ``planLsp/plansChanged`` (debounced) and bring the
        workspace-scope problems up to date."""
        self._schedule_notify()
        if not self.workspace_scope():
            return
        if self.ls.pull_diagnostics:
            self.ls.refresh()
            return
        wanted = list(self.index.entries) if publish_all else list(paths or [])
        for path in wanted:
            self._publish(path, force)

    def _publish(self, path: str, force: bool = False) -> None:
        entry = self.index.entries.get(path)
        uri = entry.uri if entry is not None else index.path_to_uri(path)
        if self.is_open(path):
            return
        if entry is None or not self.workspace_scope(path):
            if uri in self.published:
                self.published.discard(uri)
                self._push(uri, [])
            return
        diags = [diagnostic(entry, f, self.ls.encoding) for f in entry.findings]
        if diags or uri in self.published or force:
            self._push(uri, diags)
            self.published.add(uri)

    def _push(self, uri: str, diags: list[types.Diagnostic]) -> None:
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diags)
        )

    def _clear_published(self) -> None:
        """Clear what was pushed for closed plans whose folder no longer has the workspace
        scope."""
        from plan_lsp.workspace.workspace import uri_to_path

        for uri in list(self.published):
            path = uri_to_path(uri)
            if path is not None and self.workspace_scope(path):
                continue
            if self.ls.ws.document(uri) is None and not self.ls.pull_diagnostics:
                self._push(uri, [])
            self.published.discard(uri)

    def _schedule_notify(self) -> None:
        if self.notify_handle is not None:
            return
        loop = asyncio.get_running_loop()

        def send() -> None:
            self.notify_handle = None
            try:
                self.ls.protocol.notify(PLANS_CHANGED, None)
            except Exception as exc:  # a closed connection
                self.ls.log(f"plan-lsp: could not notify {PLANS_CHANGED}: {exc}")

        self.notify_handle = loop.call_later(NOTIFY_DELAY, send)

    # -- answers

    def entries(self) -> list[Entry]:
        """Every plan: the open ones as the editor has them, the others as indexed."""
        from plan_lsp.workspace.workspace import uri_to_path

        out: dict[str, Entry] = {}
        for path, entry in self.index.entries.items():
            if not self.is_open(path):
                out[path] = entry
        for uri, doc in list(self.ls.ws.documents.items()):
            result = self.ls.ws.check(doc)
            path = uri_to_path(uri) or uri
            got = index.summarize(path, uri, result)
            if got is not None:
                got.version = doc.version
                out[path] = got
        return [out[p] for p in sorted(out)]


def _inside(path: str, root: str) -> bool:
    import os

    try:
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(root)]) == (
            os.path.abspath(root)
        )
    except ValueError:
        return False


def _skipped(path: str, root: str) -> bool:
    """Whether ``path`` lies in a folder the index skips (hidden, dependencies)."""
    import os

    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    parts = rel.split(os.sep)[:-1]
    return any(p.startswith(".") or p in index.SKIP_DIRS for p in parts)


def _range(entry: Entry, line: int, a: int, b: int, encoding: str) -> types.Range:
    text = entry.lines.get(line, "")
    return types.Range(
        start=types.Position(line=line, character=to_units(text, a, encoding)),
        end=types.Position(line=line, character=to_units(text, b, encoding)),
    )


def diagnostic(entry: Entry, f: Finding, encoding: str) -> types.Diagnostic:
    """A finding of an indexed (not open) document as an LSP diagnostic."""
    s, e = f.span.start, f.span.end
    start_line = entry.lines.get(s.line, "")
    end_line = entry.lines.get(e.line, "")
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(
                line=s.line, character=to_units(start_line, s.character, encoding)
            ),
            end=types.Position(line=e.line, character=to_units(end_line, e.character, encoding)),
        ),
        message=f.message,
        severity=convert._SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
        code=f.code,
        source=convert.SOURCE,
    )


def indexer(ls: PlanLanguageServer) -> Indexer:
    got: Indexer | None = getattr(ls, "plan_indexer", None)
    if got is None:
        got = Indexer(ls)
        ls.plan_indexer = got  # type: ignore[attr-defined]
    return got


# -- handlers ----------------------------------------------------------------------------------


def plans(ls: PlanLanguageServer, params: Any) -> dict[str, Any]:
    """``planLsp/plans`` -> ``{plans: [{uri, title, kind, status, tasksDone, tasksTotal,
    problems, errors, mismatch}], statuses: [...], indexing}``."""
    ix = indexer(ls)
    ix.refresh_if_stale()
    out = []
    for e in ix.entries():
        s = e.summary
        out.append({"uri": e.uri, **s.as_json()})
    statuses: list[str] = []
    for kind in [k for r in ls.ws.registries() for k in r.kinds()]:
        for ff in kind.schema.front:
            if ff.label.strip().casefold() == "status":
                statuses += [v for v in ff.values if v not in statuses]
    return {"plans": out, "statuses": statuses, "indexing": ix.index.building}


_SYMBOL_KIND = {0: types.SymbolKind.File, 1: types.SymbolKind.Module, 2: types.SymbolKind.Function}


def workspace_symbol(
    ls: PlanLanguageServer, params: types.WorkspaceSymbolParams
) -> list[types.SymbolInformation]:
    """Plans, phases and steps across plans whose names match the query."""
    ix = indexer(ls)
    ix.refresh_if_stale()
    out: list[types.SymbolInformation] = []
    for e in ix.entries():
        for h in e.headings:
            if not index.matches(params.query, h.name):
                continue
            out.append(
                types.SymbolInformation(
                    name=h.name,
                    kind=_SYMBOL_KIND[h.depth],
                    location=types.Location(
                        uri=e.uri, range=_range(e, h.line, h.start, h.end, ls.encoding)
                    ),
                    container_name=e.summary.title if h.depth else None,
                )
            )
            if len(out) >= MAX_SYMBOLS:
                return out
    return out


def workspace_diagnostic(
    ls: PlanLanguageServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    """The problems of every indexed plan that is not open (open ones are pulled one by one),
    with ``planLsp.diagnosticsScope`` ``workspace``; none otherwise."""
    ix = indexer(ls)
    ix.refresh_if_stale()
    items: list[
        types.WorkspaceFullDocumentDiagnosticReport
        | types.WorkspaceUnchangedDocumentDiagnosticReport
    ] = []
    reported: set[str] = set()
    if ix.workspace_scope():
        previous = {p.uri: p.value for p in params.previous_result_ids or []}
        for path, e in sorted(ix.index.entries.items()):
            if not ix.is_open(path) and ix.workspace_scope(path):
                reported.add(e.uri)
                items.append(_report(e, previous.get(e.uri), ls.encoding))
    # What an earlier answer showed and this one does not (a plan gone, the scope narrowed,
    # a plan opened): an empty report, since a client keeps what it was last told.
    for uri in sorted(ix.pulled - reported):
        items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=[], version=None))
    ix.pulled = reported
    return types.WorkspaceDiagnosticReport(items=items)


def _report(
    e: Entry, previous: str | None, encoding: str
) -> types.WorkspaceFullDocumentDiagnosticReport | types.WorkspaceUnchangedDocumentDiagnosticReport:
    if previous == e.result_id:
        return types.WorkspaceUnchangedDocumentDiagnosticReport(
            uri=e.uri, result_id=e.result_id, version=None
        )
    return types.WorkspaceFullDocumentDiagnosticReport(
        uri=e.uri,
        items=[diagnostic(e, f, encoding) for f in e.findings],
        result_id=e.result_id,
        version=None,
    )


# -- hooks called by the protocol layer --------------------------------------------------------


def initialized(ls: PlanLanguageServer) -> None:
    """After ``initialized`` (settings read): start indexing."""
    indexer(ls).start()


def file_events(ls: PlanLanguageServer, changes: list[types.FileEvent]) -> None:
    ix = indexer(ls)
    for change in changes:
        ix.file_changed(change.uri, change.type.name.lower())


def closed(ls: PlanLanguageServer, uri: str) -> None:
    ix = indexer(ls)
    ix.summaries.pop(uri, None)
    ix.closed(uri)


def shutdown(ls: PlanLanguageServer, params: Any) -> None:
    """``shutdown``: a build of the index under way stops, its worker processes ended."""
    indexer(ls).stop()


def documents_changed(ls: PlanLanguageServer, uris: list[str]) -> None:
    indexer(ls).documents_changed(uris)


def settings_changed(ls: PlanLanguageServer) -> None:
    indexer(ls).settings_changed()


def register(ls: PlanLanguageServer) -> None:
    feature = ls.feature
    feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))(
        inlay_hint
    )
    feature(PLANS_METHOD)(plans)
    feature(types.WORKSPACE_SYMBOL, types.WorkspaceSymbolOptions(resolve_provider=False))(
        workspace_symbol
    )
    feature(types.WORKSPACE_DIAGNOSTIC)(workspace_diagnostic)
    feature(types.SHUTDOWN)(shutdown)
