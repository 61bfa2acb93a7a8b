"""Bursts of changes: only the newest version is checked, and results always carry it."""

from __future__ import annotations

import time

from raw_client import RawServer, frame
from support import complete_plan

URI = "file:///w/user-login-plan.md"


def publishes(server: RawServer) -> list[dict[str, object]]:
    return [
        m["params"]
        for m in server.drain()
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == URI
    ]


def opened(server: RawServer, text: str) -> None:
    """Initialize, open ``text`` as version 1 and wait for its diagnostics."""
    server.initialize()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": URI, "languageId": "markdown", "version": 1, "text": text}},
    )
    server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")


def test_a_burst_of_changes_is_checked_once_at_its_newest_version() -> None:
    text = complete_plan()
    line = text.split("\n").index("Sign in by password or passkey.")
    with RawServer() as server:
        opened(server, text)
        burst = b"".join(
            frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didChange",
                    "params": {
                        "textDocument": {"uri": URI, "version": v},
                        "contentChanges": [
                            {
                                "range": {
                                    "start": {"line": line, "character": 0},
                                    "end": {"line": line, "character": 0},
                                },
                                "text": "<<X>> " if v == 51 else "x",
                            }
                        ],
                    },
                }
            )
            for v in range(2, 52)
        )
        server.send(burst)  # fifty keystrokes at once
        last = server.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["version"] == 51
            )
        )
        assert [d["code"] for d in last["params"]["diagnostics"]] == ["unresolved-field"]
        # Still answering, and no result for a stale version came after the newest one.
        server.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
        later = publishes(server)
        assert all(p["version"] == 51 for p in later)
        versions = [
            m["params"]["version"]
            for m in server.seen
            if m.get("method") == "textDocument/publishDiagnostics"
        ]
    assert versions == sorted(versions)
    assert len(versions) <= 3, versions  # not one check per keystroke


def test_a_request_sent_with_an_edit_is_answered_before_that_edits_diagnostics() -> None:
    """An editor sends a keystroke and the completion it triggers back to back. The check of the
    edit waits until the messages already on their way are handled (the completion's bytes arrive
    in two pieces here, 5 ms apart), so the completion is answered first; the diagnostics of that
    version still follow."""
    text = complete_plan()
    line = text.split("\n").index("Sign in by password or passkey.")
    with RawServer() as server:
        opened(server, text)
        server.drain()
        server.seen.clear()
        change = frame(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": URI, "version": 2},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": line, "character": 0},
                                "end": {"line": line, "character": 0},
                            },
                            "text": "See <<",
                        }
                    ],
                },
            }
        )
        ask = frame(
            {
                "jsonrpc": "2.0",
                "id": 7,
                "method": "textDocument/completion",
                "params": {
                    "textDocument": {"uri": URI},
                    "position": {"line": line, "character": 6},
                },
            }
        )
        server.send(change + ask[:30])
        time.sleep(0.005)
        server.send(ask[30:])
        answer = server.wait(lambda m: m.get("id") == 7)
        before = [
            m
            for m in server.seen
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["version"] == 2
        ]
        # The diagnostics of version 2 still come, after the answer.
        server.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["version"] == 2
            )
        )
    labels = [i["label"] for i in answer["result"]["items"]]
    assert labels and all(x.startswith("<<") and x.endswith(">>") for x in labels), labels
    assert before == [], "the edit was checked and published before the request was answered"
