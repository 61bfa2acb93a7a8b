"""Bursts of changes: only the newest version is checked, and results always carry it."""

from __future__ import annotations

from raw_client import RawServer, frame
from support import complete_plan

URI = "file:///w/user-login-plan.md"


def publishes(server: RawServer) -> list[dict[str, object]]:
    return [
        m["params"]
        for m in server.drain()
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == URI
    ]


def test_a_burst_of_changes_is_checked_once_at_its_newest_version() -> None:
    text = complete_plan()
    line = text.split("\n").index("Sign in by password or passkey.")
    with RawServer() as server:
        server.initialize()
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": URI, "languageId": "markdown", "version": 1, "text": text}},
        )
        server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
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
