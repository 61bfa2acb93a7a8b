"""The plan-lsp language server: state on a pygls ``LanguageServer`` subclass, handlers in
:mod:`plan_lsp.lsp.handlers`, everything else in the pure core.

The server keeps its own copy of open documents (:mod:`plan_lsp.workspace.documents`),
checks a document at once when the editor is idle and only at its newest version, and
publishes diagnostics tagged with that version.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from plan_lsp import __version__
from plan_lsp.core import settings
from plan_lsp.core.text import Pos
from plan_lsp.lsp import convert, lazy
from plan_lsp.workspace.documents import UTF16, Document

if TYPE_CHECKING:
    from plan_lsp.core import engine, kinds, links, outline, templates
    from plan_lsp.core.engine import Result
    from plan_lsp.core.kinds import Kind
    from plan_lsp.core.outline import Outline
else:  # loaded on first use: ``initialize`` is answered before they are imported
    engine = lazy.module("plan_lsp.core.engine")
    kinds = lazy.module("plan_lsp.core.kinds")
    links = lazy.module("plan_lsp.core.links")
    outline = lazy.module("plan_lsp.core.outline")
    templates = lazy.module("plan_lsp.core.templates")

log = logging.getLogger("plan_lsp")


def uri_to_path(uri: str) -> str | None:
    """The local path of a ``file:`` URI (None for other schemes)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return path


class PlanProtocol(LanguageServerProtocol):
    """pygls's protocol, with open documents kept by the server itself (not pygls's workspace),
    requests with malformed params answered with an error instead of dropped, and ``exit``
    ending the process with the code the spec asks for."""

    def _user(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        yield from self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        yield from self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        yield from self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        code = 0 if self._shutdown else 1
        try:
            sys.stdout.flush()
        finally:
            os._exit(code)
        yield  # pragma: no cover - a generator, as pygls expects

    def handle_message(self, message: Any) -> None:
        """The spec's rules for odd messages, answered instead of dropped."""
        if not hasattr(message, "jsonrpc"):  # a batch, a number, …: not a message we take
            self._send_response(
                None,  # type: ignore[arg-type]
                error=JsonRpcInvalidRequest("not a JSON-RPC request object").to_response_error(),
            )
            return
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if is_request:
            error: JsonRpcException | None = None
            if self._shutdown:
                error = JsonRpcInvalidRequest("the server is shut down")
            elif method == types.INITIALIZE and self._workspace is not None:
                error = JsonRpcInvalidRequest("the server is already initialized")
            elif method != types.INITIALIZE and self._workspace is None:
                error = JsonRpcServerNotInitialized()
            if error is not None:
                self._send_response(message.id, error=error.to_response_error())
                return
        elif method not in (types.INITIALIZED, types.EXIT) and self._workspace is None:
            return  # notifications before initialize are dropped, as the spec says
        super().handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                self._send_response(data["id"], error=exc.to_response_error())
            raise


class PlanLanguageServer(LanguageServer):
    """The server and its state."""

    def __init__(self) -> None:
        super().__init__("plan-lsp", __version__, protocol_cls=PlanProtocol)
        self.documents: dict[str, Document] = {}
        """Open documents by URI: the server's own copy of their text."""
        self.by_path: dict[str, Document] = {}
        """Open documents by file path (for links)."""
        self.results: dict[str, tuple[int | None, int, Result]] = {}
        """Last check per URI: (document version, settings generation, result)."""
        self.outlines: dict[str, Outline] = {}
        """Last outline per URI, brought up to date edit by edit (one section re-parsed)."""
        self.settings = settings.Settings()
        """Current settings (defaults until the client sends some)."""
        self.generation = 0
        """Bumped when settings or templates change: cached results are then stale."""
        self.init_options: Any = None
        """The ``planLsp`` part of ``initializationOptions``."""
        self.plan_kind: Kind | None = None
        """The plan kind in force (built-in unless ``planLsp.template`` names another)."""
        self._registry: kinds.Registry | None = None
        self.kinds_stale = True
        """Settings changed since the kinds were loaded: load them again on next use."""
        self.dirty: set[str] = set()
        """Documents changed since they were last checked and published."""
        self.flush_scheduled = False
        """Whether a check of ``dirty`` documents is already queued on the event loop."""
        self.tasks: set[asyncio.Task[Any]] = set()
        """Background tasks, kept referenced until done."""
        self.encoding = UTF16
        """Position encoding negotiated with the client."""
        self._disk_lookup: links.Lookup | None = None

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """Serve over stdio, reading ahead (see :mod:`plan_lsp.lsp.stdio`)."""
        from pygls.io_ import StdoutWriter, run_async

        from plan_lsp.lsp.stdio import ReadAheadReader

        self._stop_event = threading.Event()
        reader = ReadAheadReader(stdin or sys.stdin.buffer)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                run_async(
                    stop_event=self._stop_event,
                    reader=reader,
                    protocol=self.protocol,
                    logger=log,
                    error_handler=self.report_server_error,
                )
            )
        except BrokenPipeError:
            log.error("the client is gone; stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    # -- logging ---------------------------------------------------------------------------

    def log(self, message: str, level: types.MessageType = types.MessageType.Log) -> None:
        log.info(message)
        with contextlib.suppress(Exception):  # no client yet
            self.window_log_message(types.LogMessageParams(type=level, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside requests go to the log, never to a pop-up; unreadable input is
        answered with the spec's parse error."""
        if (
            source is JsonRpcException  # what the message loop passes for unreadable input
            and isinstance(error, ValueError)
            and not isinstance(error, JsonRpcException)
        ):
            # json.JSONDecodeError and UnicodeDecodeError are ValueErrors: not JSON at all.
            with contextlib.suppress(Exception):
                self.protocol._send_response(
                    None,  # type: ignore[arg-type]
                    error=JsonRpcParseError(f"invalid JSON: {error}").to_response_error(),
                )
        self.log(
            f"plan-lsp: internal error: {type(error).__name__}: {error}", types.MessageType.Error
        )

    def run_task(self, coro: Any) -> None:
        """Run ``coro`` in the background, keeping a reference and logging failures."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self.tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.report_server_error(t.exception(), None)  # type: ignore[arg-type]

        task.add_done_callback(done)

    # -- capabilities ----------------------------------------------------------------------

    def client_supports(self, path: str, default: Any = False) -> Any:
        from pygls.capabilities import get_capability

        return get_capability(self.client_capabilities, path, default)

    @property
    def pull_diagnostics(self) -> bool:
        """Whether the client pulls diagnostics (then they are not pushed)."""
        return self.client_supports("text_document.diagnostic", None) is not None

    @property
    def document_changes(self) -> bool:
        return bool(self.client_supports("workspace.workspace_edit.document_changes", False))

    # -- settings and kinds ----------------------------------------------------------------

    def workspace_roots(self) -> list[Path]:
        roots: list[Path] = []
        try:
            ws = self.workspace
        except RuntimeError:
            return roots
        for folder in ws.folders.values():
            p = uri_to_path(folder.uri)
            if p:
                roots.append(Path(p))
        if ws.root_path:
            roots.append(Path(ws.root_path))
        return roots

    def apply_settings(self, raw: Any) -> None:
        new, problems = settings.parse(raw)
        for problem in problems:
            self.log(f"plan-lsp settings: {problem}", types.MessageType.Warning)
        self.settings = new
        self.kinds_stale = True  # loaded on next use (or by the warm-up after initialize)
        self.generation += 1
        self.log(f"plan-lsp settings: {new}")

    @property
    def registry(self) -> kinds.Registry:
        """Kinds from the workspace's templates folder, last good versions in force."""
        if self._registry is None:
            self._registry = kinds.Registry()
        if self.kinds_stale:
            self.kinds_stale = False
            self.plan_kind = self.load_plan_kind()
            self._registry.plan = self.plan_kind
            self.load_templates()
        return self._registry

    def disk_lookup(self, path: str) -> list[str] | None:
        """Headings of a file on disk, for links (parsed once per modification)."""
        if self._disk_lookup is None:
            self._disk_lookup = links.disk_lookup()
        return self._disk_lookup(path)

    def warm_up(self) -> None:
        """Import what checking needs and build the kinds: done once ``initialize`` is answered,
        so start-up is the protocol's alone and the first document finds everything ready."""
        from plan_lsp.features import actions, completion, navigation, scaffold  # noqa: F401

        outline.parser()
        kinds.builtin_plan()

    # -- team templates --------------------------------------------------------------------

    def templates_folder(self) -> Path | None:
        folder = Path(self.settings.templates_dir)
        if folder.is_absolute():
            return folder
        roots = self.workspace_roots()
        return roots[0] / folder if roots else None

    def load_templates(self) -> None:
        """(Re)load the templates folder; open template buffers count with their text."""
        folder = self.templates_folder()
        registry = self._registry
        if folder is None or registry is None:
            return
        registry.load_folder(folder)
        for doc in self.documents.values():
            path = self.template_path(doc.uri)
            if path is not None:
                registry.load(path, doc.text)
        for path, problems in registry.problems.items():
            for p in problems:
                where = f":{p.line + 1}" if p.line is not None else ""
                self.log(
                    f"plan-lsp: template {path}{where}: {p.message}", types.MessageType.Warning
                )
        names = ", ".join(k.name for k in registry.kinds())
        self.log(f"plan-lsp: templates folder {folder}; kinds: {names}")

    def template_path(self, uri: str) -> str | None:
        """The path of ``uri`` when it is a template of the templates folder."""
        path = uri_to_path(uri)
        folder = self.registry.folder
        if path is None or folder is None or kinds.kind_name(path) is None:
            return None
        try:
            inside = Path(path).resolve().parent == folder.resolve()
        except OSError:
            return None
        return str(folder / Path(path).name) if inside else None

    def template_changed(self, path: str, text: str | None) -> None:
        """A template was edited, saved, created or deleted: re-derive it, re-check plans."""
        self.registry.load(path, text)
        problems = self.registry.problems.get(path, [])
        for p in problems:
            where = f":{p.line + 1}" if p.line is not None else ""
            self.log(f"plan-lsp: template {path}{where}: {p.message}", types.MessageType.Warning)
        self.generation += 1
        self.recheck_all()

    def template_diagnostics(self, doc: Document) -> list[types.Diagnostic]:
        path = self.template_path(doc.uri)
        out = []
        for p in self.registry.problems.get(path or "", []):
            line = p.line if p.line is not None else 0
            line = max(0, min(line, doc.line_count - 1))
            end = len(doc.line(line))
            out.append(
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=line, character=0),
                        end=convert.position(doc, Pos(line, end), self.encoding),
                    ),
                    message=p.message,
                    severity=types.DiagnosticSeverity.Error,
                    code="invalid-template",
                    source=convert.SOURCE,
                )
            )
        return out

    def load_plan_kind(self) -> Kind:
        """The plan kind: from ``planLsp.template`` when set and safe, else the built-in."""
        path = self.settings.template
        if not path:
            self.log("plan-lsp: plan template: the built-in one")
            return kinds.builtin_plan()
        roots = self.workspace_roots()
        candidate = Path(path)
        if not candidate.is_absolute() and roots:
            candidate = roots[0] / candidate
        try:
            resolved = candidate.resolve(strict=True)
        except OSError as exc:
            self.warn(f"plan-lsp: template {path} cannot be read ({exc}); using the built-in plan")
            return kinds.builtin_plan()
        if roots and not any(resolved.is_relative_to(r.resolve()) for r in roots):
            self.warn(
                f"plan-lsp: template {path} is outside the workspace; using the built-in plan"
            )
            return kinds.builtin_plan()
        try:
            kind = kinds.load_kind("plan", resolved.read_text("utf-8"), str(resolved))
        except (OSError, UnicodeDecodeError) as exc:
            self.warn(f"plan-lsp: template {path} cannot be read ({exc}); using the built-in plan")
            return kinds.builtin_plan()
        except templates.TemplateError as exc:
            where = f" line {exc.line + 1}" if exc.line is not None else ""
            self.warn(f"plan-lsp: template {path}{where}: {exc.message}; using the built-in plan")
            return kinds.builtin_plan()
        self.log(f"plan-lsp: plan template {resolved}")
        return kind

    def warn(self, message: str) -> None:
        self.log(message, types.MessageType.Warning)
        with contextlib.suppress(Exception):
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=message)
            )

    def kinds(self) -> list[Kind]:
        return self.registry.kinds()

    def options(self) -> engine.Options:
        s = self.settings
        return engine.Options(
            severity=s.severity,
            optional=s.optional_sections,
            globs={"plan": s.globs},
            max_findings=s.max_diagnostics,
        )

    # -- documents -------------------------------------------------------------------------

    def document(self, uri: str) -> Document | None:
        return self.documents.get(uri)

    def outline(self, doc: Document) -> Outline:
        """``doc``'s outline, updated from the last one by the edits since (or parsed anew)."""
        prev = self.outlines.get(doc.uri)
        region = outline.merge_changes(doc.changed_lines)
        doc.changed_lines.clear()
        if prev is None:
            parsed = outline.parse_lines(doc.content_lines())
        elif region is None:
            parsed = prev
        else:
            first, old, new = region
            lines = prev.lines[:first] + doc.content_lines(first, first + new)
            lines += prev.lines[first + old :]
            parsed = outline.update(prev, lines, first, old, new)
        self.outlines[doc.uri] = parsed
        return parsed

    def analyze(self, doc: Document) -> Result:
        """The check of ``doc`` at its current version (cached)."""
        hit = self.results.get(doc.uri)
        if hit is not None and hit[0] == doc.version and hit[1] == self.generation:
            return hit[2]
        path = uri_to_path(doc.uri) or urlparse(doc.uri).path
        result = engine.check(
            "", path, self.kinds(), self.options(), outline=self.outline(doc), lookup=self.lookup
        )
        self.results[doc.uri] = (doc.version, self.generation, result)
        return result

    def lookup(self, path: str) -> list[str] | None:
        """Heading titles of the document at ``path``: its open text first, else the disk."""
        doc = self.by_path.get(path)
        if doc is not None:
            return [h.title for h in self.outline(doc).headings]
        return self.disk_lookup(path)

    def opened(self, doc: Document) -> None:
        self.documents[doc.uri] = doc
        path = uri_to_path(doc.uri)
        if path is not None:
            self.by_path[path] = doc

    def closed(self, uri: str) -> None:
        doc = self.documents.pop(uri, None)
        path = uri_to_path(uri)
        if doc is not None and path is not None and self.by_path.get(path) is doc:
            del self.by_path[path]

    def diagnostics(self, doc: Document) -> list[types.Diagnostic]:
        if self.template_path(doc.uri) is not None:
            return self.template_diagnostics(doc)
        result = self.analyze(doc)
        return [convert.diagnostic(doc, f, self.encoding) for f in result.findings]

    def schedule(self, uri: str) -> None:
        """Check ``uri`` as soon as the server is idle, at whatever version it then has."""
        if self.pull_diagnostics:
            return
        self.dirty.add(uri)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self.flush_scheduled = False
        while self.dirty:
            uri = self.dirty.pop()
            doc = self.documents.get(uri)
            if doc is None:
                continue
            try:
                diags = self.diagnostics(doc)
            except Exception as exc:  # never lose the server over one document
                self.report_server_error(exc, None)
                diags = []
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diags, version=doc.version)
            )

    def recheck_links(self, changed: str | None = None) -> None:
        """Check again the open documents whose links point to ``changed`` (a path; None: any
        document with links), since what they point to may have come or gone."""
        for uri, (_, _, result) in list(self.results.items()):
            here = uri_to_path(uri)
            targets = {
                links.resolve(link, here).path
                for s in result.outline.sections
                for link in s.block.links
            }
            if targets and (changed is None or changed in targets):
                del self.results[uri]
                self.schedule(uri)

    def recheck_all(self) -> None:
        if self.pull_diagnostics:
            try:
                self.workspace_diagnostic_refresh(None)
            except Exception as exc:
                self.report_server_error(exc, None)
            return
        for uri in self.documents:
            self.schedule(uri)


def serve(*, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> None:
    """Serve LSP over stdio (default) or TCP."""
    from plan_lsp.lsp.handlers import register

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = PlanLanguageServer()
    register(server)
    # Long-lived imports need no collecting; keep the young generations roomy so a keystroke
    # on a large plan does not pay for a full collection.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
