"""Back-pressure over stdio: a client that sends without reading the answers fills its own pipe,
not the server's memory; once it reads again, the server answers everything and goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import IO, Any

import pytest
from raw_client import frame

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def read_message(out: IO[bytes]) -> dict[str, Any]:
    length = 0
    while True:
        line = out.readline()
        if not line:
            raise EOFError
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
        if line in (b"\r\n", b"\n"):
            break
    return json.loads(out.read(length))  # type: ignore[no-any-return]


def test_a_client_that_stops_reading_fills_its_own_pipe() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "plan_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    try:
        stdin.write(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": None, "capabilities": {}},
                }
            )
        )
        stdin.flush()
        while read_message(stdout).get("id") != 1:
            pass
        stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        # A document of 6 MB: one message longer than the read-ahead bound, taken whole.
        uri = "file:///w/big-plan.md"
        text = "# Implementation Plan: Big\n\n" + ("word " * 19 + "\n") * 60_000
        doc = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
        stdin.write(
            frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": doc},
                }
            )
        )
        stdin.flush()
        start_rss = rss_mb(proc.pid)
        # Requests whose answers (6 MB each) the client does not read: the server blocks
        # writing the first one; the client keeps sending 100 KB requests.
        pad = "x" * 100_000
        written = [0]
        stop = threading.Event()

        def send() -> None:
            n = 1000
            while not stop.is_set() and written[0] < 400_000_000:
                n += 1
                params = {"textDocument": {"uri": uri}, "pad": pad}
                data = frame(
                    {"jsonrpc": "2.0", "id": n, "method": "planLsp/text", "params": params}
                )
                try:
                    os.write(stdin.fileno(), data)
                except OSError:
                    return
                written[0] += len(data)

        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        last, still = -1, 0.0
        while written[0] < 400_000_000:
            time.sleep(0.5)
            if written[0] == last:
                still += 0.5
                if still >= 4:
                    break  # the writes have stopped: the pipe is full
            else:
                last, still = written[0], 0.0
        grown = rss_mb(proc.pid) - start_rss
        accepted = written[0]
        # Bounded: the read-ahead (4 MB) plus pipes, not whatever the client sends.
        assert accepted < 64_000_000, f"the server took {accepted / 1e6:.0f} MB without reading"
        assert grown < 100, f"the server grew by {grown:.0f} MB"
        # Reading again: every request sent is answered, and a new one after them.
        answers: list[int] = []
        wrong: list[int] = []

        def drain() -> None:
            while True:
                try:
                    msg = read_message(stdout)
                except (EOFError, ValueError):
                    return
                if "id" in msg:
                    answers.append(msg["id"])
                    if (msg.get("result") or {}).get("text") != text:
                        wrong.append(msg["id"])

        threading.Thread(target=drain, daemon=True).start()
        stop.set()
        writer.join(120)
        sent = 1000 + round(
            written[0]
            / len(
                frame(
                    {
                        "jsonrpc": "2.0",
                        "id": 1001,
                        "method": "planLsp/text",
                        "params": {"textDocument": {"uri": uri}, "pad": pad},
                    }
                )
            )
        )
        os.write(
            stdin.fileno(),
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "planLsp/text",
                    "params": {"textDocument": {"uri": uri}},
                }
            ),
        )
        deadline = time.monotonic() + 120
        while 1 not in answers and time.monotonic() < deadline:
            time.sleep(0.2)
        assert answers[-1] == 1 and answers[:-1] == list(range(1001, sent + 1))
        assert wrong == []
    finally:
        proc.kill()
        proc.wait()
