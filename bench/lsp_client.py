"""A minimal LSP client over a server process's stdin/stdout, for timing.

JSON-RPC with ``Content-Length`` framing, written directly on asyncio streams so that what the
client adds to a measurement is a write and a read: each message is stamped with
``time.perf_counter()`` the moment its body has been read, before it is decoded. Requests return
``(result, stamp)``; a waiter for ``textDocument/publishDiagnostics`` of a given URI and version
returns ``(params, stamp)``. Requests from the server (``workspace/configuration``,
``client/registerCapability``, …) are answered with an empty result, so it never waits on us.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CAPABILITIES: dict[str, Any] = {
    # No ``textDocument.diagnostic`` (pull) capability: the server pushes diagnostics.
    # No ``workspace.configuration``: the server never waits for settings.
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": False},
        "publishDiagnostics": {"versionSupport": True},
        "completion": {
            "completionItem": {"snippetSupport": True},
            "contextSupport": True,
        },
    },
}


class ServerError(Exception):
    """An error response from the server."""


class Client:
    """One server process and the conversation with it."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 0
        self.pending: dict[int, asyncio.Future[tuple[Any, float]]] = {}
        self.diag_waiters: dict[tuple[str, int | None], asyncio.Future[tuple[Any, float]]] = {}
        self.diagnostics: dict[str, tuple[int | None, list[Any], float]] = {}
        """Latest published diagnostics per URI: (version, diagnostics, stamp)."""
        self.reader = asyncio.ensure_future(self._read_loop())
        self.closed = False

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        cwd: str | None = None,
        stderr: Any = asyncio.subprocess.DEVNULL,
    ) -> Client:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=cwd,
            limit=1 << 24,
        )
        return cls(proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- wire ------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> float:
        """Write one message; returns the stamp taken just before writing."""
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        assert self.proc.stdin is not None
        stamp = time.perf_counter()
        self.proc.stdin.write(data)
        return stamp

    async def drain(self) -> None:
        assert self.proc.stdin is not None
        await self.proc.stdin.drain()

    async def _read_loop(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = -1
                while True:
                    line = await out.readline()
                    if not line:
                        raise EOFError
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await out.readexactly(length)
                stamp = time.perf_counter()
                self._dispatch(json.loads(body), stamp)
        except (EOFError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed = True
            for fut in [*self.pending.values(), *self.diag_waiters.values()]:
                if not fut.done():
                    fut.set_exception(EOFError("server closed its output"))

    def _dispatch(self, msg: dict[str, Any], stamp: float) -> None:
        method = msg.get("method")
        if method is None:
            fut = self.pending.pop(msg.get("id"), None)  # type: ignore[arg-type]
            if fut is not None and not fut.done():
                if "error" in msg:
                    fut.set_exception(ServerError(msg["error"]))
                else:
                    fut.set_result((msg.get("result"), stamp))
            return
        if "id" in msg:  # a request from the server
            result: Any = None
            if method == "workspace/configuration":
                result = [None] * len(msg.get("params", {}).get("items", []))
            self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            return
        if method == "textDocument/publishDiagnostics":
            params = msg["params"]
            uri, version = params["uri"], params.get("version")
            self.diagnostics[uri] = (version, params["diagnostics"], stamp)
            fut = self.diag_waiters.pop((uri, version), None)
            if fut is not None and not fut.done():
                fut.set_result((params, stamp))

    # -- messages --------------------------------------------------------------------------

    def send_request(self, method: str, params: Any) -> tuple[asyncio.Future[Any], float]:
        """Send a request; returns the future of ``(result, stamp)`` and the send stamp."""
        self.next_id += 1
        fut: asyncio.Future[tuple[Any, float]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        sent = self._send(
            {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        )
        return fut, sent

    async def request(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        fut, _ = self.send_request(method, params)
        await self.drain()
        result, _ = await asyncio.wait_for(fut, timeout)
        return result

    def notify(self, method: str, params: Any) -> float:
        """Send a notification; returns the stamp taken just before writing it."""
        return self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def expect_diagnostics(self, uri: str, version: int | None) -> asyncio.Future[Any]:
        """A future of ``(params, stamp)`` for the diagnostics of ``uri`` at ``version``.

        Create it before sending the change that leads to them.
        """
        fut: asyncio.Future[tuple[Any, float]] = asyncio.get_running_loop().create_future()
        self.diag_waiters[(uri, version)] = fut
        return fut

    # -- lifecycle and documents ---------------------------------------------------------------

    async def initialize(self, root: str | None = None) -> Any:
        root_uri = Path(root).resolve().as_uri() if root else None
        result = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "clientInfo": {"name": "plan-lsp-bench"},
                "rootUri": root_uri,
                "capabilities": CAPABILITIES,
                "workspaceFolders": (
                    [{"uri": root_uri, "name": Path(root).name}] if root_uri and root else None
                ),
            },
        )
        self.notify("initialized", {})
        await self.drain()
        return result

    async def open(self, uri: str, text: str, version: int = 1, timeout: float = 300.0) -> Any:
        """Open a document and wait for its first diagnostics."""
        fut = self.expect_diagnostics(uri, version)
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "markdown",
                    "version": version,
                    "text": text,
                }
            },
        )
        await self.drain()
        params, _ = await asyncio.wait_for(fut, timeout)
        return params

    def change(
        self, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str
    ) -> float:
        """Send one incremental ``didChange``; returns the send stamp."""
        return self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": start[0], "character": start[1]},
                            "end": {"line": end[0], "character": end[1]},
                        },
                        "text": text,
                    }
                ],
            },
        )

    async def close(self, timeout: float = 10.0) -> None:
        """``shutdown`` and ``exit``; kills the process if it does not end in time."""
        if not self.closed:
            with contextlib.suppress(Exception):
                await self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
                await self.drain()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self.reader.cancel()
        with contextlib.suppress(BaseException):
            await self.reader


def rss_kib(pid: int) -> tuple[int, int]:
    """Resident size and its peak (``VmRSS``, ``VmHWM``) of a process, in KiB, from /proc."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)
