"""A raw JSON-RPC client over the server's stdio: bytes in, messages out, no library between."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any

SERVER = [sys.executable, "-m", "plan_lsp"]


def frame(payload: Any) -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    """The real server process; ``send`` writes bytes, ``next`` returns the next message."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*SERVER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.next_id = 100

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line in (b"\r\n", b"\n"):
                    break
            assert length is not None
            self.messages.put(json.loads(out.read(length)))

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        for line in iter(err.readline, b""):
            self.stderr.append(line)

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def request(self, method: str, params: Any = None, timeout: float = 10) -> dict[str, Any]:
        self.next_id += 1
        rid = self.next_id
        self.send(frame({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def wait(self, want: Any, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for m in self.seen:
            if want(m):
                self.seen.remove(m)
                return m
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no such message")
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty as exc:
                raise TimeoutError("no such message") from exc
            if m is None:
                raise ConnectionError("the server closed its output")
            if want(m):
                return m
            self.seen.append(m)

    def drain(self) -> list[dict[str, Any]]:
        """Messages received so far (and not yet waited for)."""
        while True:
            try:
                m = self.messages.get_nowait()
            except queue.Empty:
                break
            if m is not None:
                self.seen.append(m)
        return self.seen

    def initialize(self, **params: Any) -> dict[str, Any]:
        got = self.request(
            "initialize", {"processId": None, "rootUri": None, "capabilities": {}, **params}
        )
        self.notify("initialized", {})
        return got

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.request("shutdown", None, timeout=5)
                self.notify("exit")
            except (OSError, TimeoutError, ConnectionError):
                pass
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
