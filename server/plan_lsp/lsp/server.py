"""The plan-lsp language server: the JSON-RPC rules, the transport, logging and publishing.

Its state is a pygls-free :class:`~plan_lsp.workspace.workspace.Workspace` (``server.ws``); the
handlers (:mod:`plan_lsp.lsp.handlers`) translate LSP messages into calls on it. The server checks
a document when the editor is idle and only at its newest version, and publishes diagnostics
tagged with that version (or, to clients that pull them, asks for a refresh).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

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
from plan_lsp.lsp import convert
from plan_lsp.workspace.files import Files
from plan_lsp.workspace.workspace import Recheck, Workspace, uri_to_path

log = logging.getLogger("plan_lsp")

_LEVELS = {
    "log": types.MessageType.Log,
    "info": types.MessageType.Info,
    "warning": types.MessageType.Warning,
    "error": types.MessageType.Error,
}


MAX_DEFER = 0.05
"""Seconds a pending check waits at most for messages already sent to be handled first."""


def stop_workers() -> None:
    """Kill and reap the index's worker processes, if any (before ``os._exit``)."""
    workers = sys.modules.get("plan_lsp.workspace.workers")
    if workers is not None:
        workers.stop_all()


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

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: Any = None,
        kwargs: Any = None,
    ) -> None:
        """pygls keeps the future of a handler run through a generator (the built-in didOpen,
        didChange, didClose…) or a coroutine under an id that only a request's answer removes:
        a notification's future stayed forever, about 2 KB per keystroke. Each one is dropped
        once done."""

        def done(future: Any) -> None:
            # A cancelled one is removed by whoever cancelled it (``shutdown`` cancels them while
            # iterating over them).
            if not future.cancelled() and self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        code = 0 if self._shutdown else 1
        try:
            stop_workers()
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
    """The server: a :class:`Workspace` and the protocol state around it."""

    def __init__(self) -> None:
        super().__init__("plan-lsp", __version__, protocol_cls=PlanProtocol)
        self.ws = Workspace(Files(), _Reporter(self), self.workspace_roots)
        """Everything known about the workspace (pygls's own ``workspace`` keeps no documents)."""
        self.dirty: set[str] = set()
        """Documents changed since they were last checked and published."""
        self.flush_scheduled = False
        """Whether a check of ``dirty`` documents is already queued on the event loop."""
        self.flush_deferred: float | None = None
        """When the queued check was first put off for messages still to be read."""
        self.reader: Any = None
        """The transport's reader, when it can say whether messages are waiting."""
        self.tasks: set[asyncio.Task[Any]] = set()
        """Background tasks, kept referenced until done."""

    @property
    def encoding(self) -> str:
        """Position encoding negotiated with the client."""
        return self.ws.encoding

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """Serve over stdio, reading ahead (see :mod:`plan_lsp.lsp.stdio`)."""
        from pygls.io_ import StdoutWriter, run_async

        from plan_lsp.lsp.stdio import ReadAheadReader

        self._stop_event = threading.Event()
        reader = self.reader = ReadAheadReader(stdin or sys.stdin.buffer)
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

    def warn(self, message: str) -> None:
        """A warning in the log and in a pop-up."""
        self.log(message, types.MessageType.Warning)
        with contextlib.suppress(Exception):
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=message)
            )

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

    def workspace_roots(self) -> list[Path]:
        """The client's workspace folders, then its root path."""
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

    # -- diagnostics -----------------------------------------------------------------------

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics of the open document ``uri`` ([] when it is not open)."""
        doc = self.ws.document(uri)
        findings = self.ws.findings(uri)
        if doc is None or findings is None:
            return []
        return [convert.diagnostic(doc, f, self.encoding) for f in findings]

    def recheck(self, stale: Recheck | None, own: str | None = None) -> None:
        """Check again what an event of the workspace made stale: push the new diagnostics, or
        ask a client that pulls them to pull again — unless only ``own``, the document the
        event opened or edited, is stale: the client pulls that one by itself, and a refresh
        would make it pull every open document again (and drop the pull under way)."""
        if stale is None:
            return
        if stale.all:
            self.publish_config()
            self.recheck_all()
            return
        from plan_lsp.lsp import plans

        plans.documents_changed(self, stale.uris)  # planLsp/plansChanged when a summary moves
        if self.pull_diagnostics:
            if any(uri != own for uri in stale.uris):
                self.refresh()
            return
        for uri in stale.uris:
            self.schedule(uri)

    def refresh(self) -> None:
        """``workspace/diagnostic/refresh``, when the client supports it: pull again."""
        if not self.client_supports("workspace.diagnostics.refresh_support", False):
            return
        try:
            self.workspace_diagnostic_refresh(None)
        except Exception as exc:
            self.report_server_error(exc, None)

    def publish_config(self) -> None:
        """Diagnostics on the configuration files in use (``invalid-config``), or none."""
        try:
            found = self.ws.config_findings()
        except Exception as exc:  # never lose the server over a configuration file
            self.report_server_error(exc, None)
            return
        for path, findings in found.items():
            diags = [
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(
                            line=f.span.start.line, character=f.span.start.character
                        ),
                        end=types.Position(line=f.span.end.line, character=f.span.end.character),
                    ),
                    message=f.message,
                    severity=types.DiagnosticSeverity.Error,
                    code=f.code,
                    source=convert.SOURCE,
                )
                for f in findings
            ]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=Path(path).as_uri(), diagnostics=diags)
            )

    def schedule(self, uri: str) -> None:
        """Check ``uri`` as soon as the server is idle, at whatever version it then has."""
        if self.pull_diagnostics:
            return
        self.dirty.add(uri)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Check and publish the ``dirty`` documents — once the messages the client has already
        sent are handled (for at most :data:`MAX_DEFER` seconds): a completion or hover sent
        right after an edit is answered first, from the outline alone when that is enough."""
        loop = asyncio.get_running_loop()
        if self.dirty and self.reader is not None and self.reader.waiting():
            now = loop.time()
            if self.flush_deferred is None:
                self.flush_deferred = now
            if now - self.flush_deferred < MAX_DEFER:
                # At once while the message is read; then without spinning while it streams in.
                if now - self.flush_deferred < 0.001:
                    loop.call_soon(self.flush)
                else:
                    loop.call_later(0.002, self.flush)
                return
        self.flush_deferred = None
        self.flush_scheduled = False
        while self.dirty:
            uri = self.dirty.pop()
            doc = self.ws.document(uri)
            if doc is None:
                continue
            try:
                diags = self.diagnostics(uri)
            except Exception as exc:  # never lose the server over one document
                self.report_server_error(exc, None)
                diags = []
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diags, version=doc.version)
            )

    def recheck_all(self) -> None:
        """Check every open document again (settings or a template changed)."""
        from plan_lsp.lsp import plans

        plans.settings_changed(self)  # the workspace index follows settings and templates
        from plan_lsp.lsp import watch

        watch.update(self)  # a templates folder named or a workspace folder added: watch it
        if self.pull_diagnostics:
            self.refresh()
            return
        for uri in self.ws.documents:
            self.schedule(uri)


class _Reporter:
    """The workspace's messages, to the client's log (and pop-ups for warnings)."""

    def __init__(self, server: PlanLanguageServer) -> None:
        self.server = server

    def log(self, message: str, level: str = "log") -> None:
        self.server.log(message, _LEVELS.get(level, types.MessageType.Log))

    def warn(self, message: str) -> None:
        self.server.warn(message)
