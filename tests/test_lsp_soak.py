"""Long sessions: memory stays flat. Every document notification used to leave a future behind
(about 2 KB each, never released on close).

CI runs the short check: the real server, in this process over a pair of pipes, handles
thousands of didOpen/didChange/didClose notifications and keeps no future or task per message.
The soak (``PLAN_LSP_SOAK=1`` or ``PLAN_LSP_FUZZ=long``) drives the real server process with
100,000 edits over many documents, opened and closed, and checks that its resident memory comes
back within 10 MB of where it started.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import pytest
from raw_client import RawServer, frame
from support import complete_plan

SOAK = os.environ.get("PLAN_LSP_SOAK") == "1" or os.environ.get("PLAN_LSP_FUZZ") == "long"


def _messages(docs: int, rounds: int, edits: int) -> list[dict[str, Any]]:
    """Documents opened, edited ``edits`` times and closed, ``rounds`` times over."""
    text = complete_plan()
    out: list[dict[str, Any]] = []
    for _ in range(rounds):
        for d in range(docs):
            uri = f"file:///w/soak-{d}-plan.md"
            out.append(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": uri,
                            "languageId": "markdown",
                            "version": 1,
                            "text": text,
                        }
                    },
                }
            )
            for v in range(edits):
                change = {
                    "range": {
                        "start": {"line": 5, "character": 0},
                        "end": {"line": 5, "character": 0},
                    },
                    "text": "x" if v % 2 == 0 else "",
                }
                if v % 2:  # take the x out again
                    change["range"]["end"] = {"line": 5, "character": 1}
                out.append(
                    {
                        "jsonrpc": "2.0",
                        "method": "textDocument/didChange",
                        "params": {
                            "textDocument": {"uri": uri, "version": v + 2},
                            "contentChanges": [change],
                        },
                    }
                )
            out.append(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didClose",
                    "params": {"textDocument": {"uri": uri}},
                }
            )
    return out


class InProcess:
    """The real server (``PlanLanguageServer`` with every handler) served over two pipes in a
    thread of this process, so its state can be looked at."""

    def __init__(self) -> None:
        from plan_lsp.lsp.handlers import register
        from plan_lsp.lsp.server import PlanLanguageServer

        self.server = PlanLanguageServer()
        register(self.server)
        in_r, self.in_w = os.pipe()
        self.out_r, out_w = os.pipe()
        self.stdin = os.fdopen(in_r, "rb", buffering=0)
        self.stdout = os.fdopen(out_w, "wb")
        self.thread = threading.Thread(
            target=self.server.start_io, args=(self.stdin, self.stdout), daemon=True
        )
        self.thread.start()
        self.reader = os.fdopen(self.out_r, "rb")
        self.answers: dict[int, Any] = {}
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            length = 0
            while True:
                line = self.reader.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line in (b"\r\n", b"\n"):
                    break
            msg = json.loads(self.reader.read(length))
            if "id" in msg and "method" not in msg:
                with self.lock:
                    self.answers[msg["id"]] = msg
                    self.lock.notify_all()

    def send(self, msg: dict[str, Any]) -> None:
        os.write(self.in_w, frame(msg))

    def request(self, rid: int, method: str, params: Any) -> Any:
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + 60
        with self.lock:
            while rid not in self.answers:
                assert time.monotonic() < deadline, f"no answer to {method}"
                self.lock.wait(1)
            return self.answers.pop(rid)

    def close(self) -> None:
        self.send({"jsonrpc": "2.0", "id": 99999, "method": "shutdown"})
        os.close(self.in_w)
        self.thread.join(10)


def test_document_notifications_leave_no_future_or_task_behind() -> None:
    srv = InProcess()
    try:
        srv.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        srv.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        protocol = srv.server.protocol
        for msg in _messages(docs=5, rounds=2, edits=10):  # warm up
            srv.send(msg)
        srv.request(2, "planLsp/text", {"textDocument": {"uri": "file:///w/none.md"}})
        before = (len(protocol._request_futures), len(srv.server.tasks))
        messages = _messages(docs=20, rounds=5, edits=20)  # 2,200 notifications
        for i, msg in enumerate(messages):
            srv.send(msg)
            if i % 500 == 0:
                srv.request(10 + i, "planLsp/text", {"textDocument": {"uri": "file:///w/x.md"}})
        srv.request(3, "planLsp/text", {"textDocument": {"uri": "file:///w/none.md"}})
        after = (len(protocol._request_futures), len(srv.server.tasks))
        assert after[0] <= before[0] + 2, f"{after[0] - before[0]} futures kept"
        assert after[1] <= before[1] + 2, f"{after[1] - before[1]} tasks kept"
        assert srv.server.ws.documents == {}  # every document closed
    finally:
        srv.close()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not SOAK, reason="the soak runs with PLAN_LSP_SOAK=1 or PLAN_LSP_FUZZ=long")
def test_soak_100000_edits_memory_comes_back() -> None:
    server = RawServer()
    server.initialize()
    try:

        def run(docs: int, rounds: int, edits: int) -> None:
            for i, msg in enumerate(_messages(docs, rounds, edits)):
                server.send(frame(msg))
                if i % 2000 == 0:  # keep in step: an answer means all before it was read
                    server.request("planLsp/text", {"textDocument": {"uri": "file:///w/x"}}, 120)
            server.request("planLsp/text", {"textDocument": {"uri": "file:///w/x"}}, 120)

        run(docs=50, rounds=1, edits=200)  # warm up: caches and arenas at their working size
        start = rss_kb(server.proc.pid)
        run(docs=50, rounds=10, edits=200)  # 100,000 edits, 500 opens and closes
        end = rss_kb(server.proc.pid)
        print(f"soak: resident memory {start} kB -> {end} kB")
        assert end - start < 10 * 1024, f"resident memory {start} kB -> {end} kB"
    finally:
        server.proc.kill()
