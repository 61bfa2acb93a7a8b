"""Malformed protocol and lifecycle, over stdio with raw bytes against the real server."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from raw_client import RawServer, frame

URI = "file:///w/x-plan.md"


def error_code(msg: dict[str, object]) -> object:
    return msg["error"]["code"]  # type: ignore[index]


def still_serving(server: RawServer) -> None:
    got = server.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
    assert "result" in got


def test_invalid_json_is_answered_with_a_parse_error_and_serving_goes_on() -> None:
    with RawServer() as server:
        server.initialize()
        server.send(frame(b'{"jsonrpc": "2.0", "id": 7, "method": '))
        reply = server.wait(lambda m: "error" in m and m.get("id") is None)
        assert error_code(reply) == -32700
        server.send(frame(b"\xff\xfe not utf-8"))
        reply = server.wait(lambda m: "error" in m and m.get("id") is None)
        assert error_code(reply) == -32700
        still_serving(server)


def test_batches_and_non_objects_are_invalid_requests() -> None:
    with RawServer() as server:
        server.initialize()
        server.send(frame(b"[1, 2]"))
        assert error_code(server.wait(lambda m: "error" in m)) == -32600
        server.send(frame(b"42"))
        assert error_code(server.wait(lambda m: "error" in m)) == -32600
        still_serving(server)


def test_unknown_methods() -> None:
    with RawServer() as server:
        server.initialize()
        reply = server.request("plan/doesNotExist", {})
        assert error_code(reply) == -32601
        server.notify("plan/alsoUnknown", {"x": 1})  # a notification: ignored, no reply
        server.notify("$/unknownProtocolThing", {})
        still_serving(server)
        assert not [m for m in server.drain() if "error" in m]


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("textDocument/hover", {"textDocument": 5, "position": {"line": 0, "character": 0}}),
        ("textDocument/completion", {"textDocument": {"uri": URI}, "position": "top"}),
        ("textDocument/codeAction", {"textDocument": {"uri": URI}}),
        ("workspace/executeCommand", {"command": "plan.scaffold", "arguments": [{"uri": 1}]}),
        ("planLsp/status", {"nope": True}),
    ],
)
def test_wrong_parameter_types_get_invalid_params(method: str, params: object) -> None:
    with RawServer() as server:
        server.initialize()
        reply = server.request(method, params)
        assert error_code(reply) == -32602, reply
        still_serving(server)


def test_wrong_notification_params_are_ignored() -> None:
    with RawServer() as server:
        server.initialize()
        server.notify("textDocument/didOpen", {"textDocument": "not an item"})
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": URI, "version": 2},
                "contentChanges": [{"range": 3, "text": 4}],
            },
        )
        still_serving(server)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("textDocument/hover", {"position": {"line": 3, "character": 1}}),
        ("textDocument/completion", {"position": {"line": 0, "character": 0}}),
        ("textDocument/documentSymbol", {}),
        ("textDocument/foldingRange", {}),
        (
            "textDocument/codeAction",
            {
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": []},
            },
        ),
        ("planLsp/status", {}),
    ],
)
def test_requests_for_documents_never_opened_answer_null(method: str, params: dict) -> None:  # type: ignore[type-arg]
    with RawServer() as server:
        server.initialize()
        reply = server.request(method, {"textDocument": {"uri": "file:///never.md"}, **params})
        assert reply.get("result") is None and "error" not in reply
        still_serving(server)


def test_changes_to_documents_never_opened_are_ignored() -> None:
    with RawServer() as server:
        server.initialize()
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": "file:///never.md", "version": 2},
                "contentChanges": [{"text": "# Implementation Plan: X\n"}],
            },
        )
        server.notify("textDocument/didClose", {"textDocument": {"uri": "file:///never.md"}})
        still_serving(server)


def test_initialize_twice_and_requests_before_initialize() -> None:
    with RawServer() as server:
        early = server.request(
            "textDocument/hover",
            {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}},
        )
        assert error_code(early) == -32002
        first = server.initialize()
        assert first["result"]["serverInfo"]["name"] == "plan-lsp"
        second = server.request(
            "initialize", {"processId": None, "rootUri": None, "capabilities": {}}
        )
        assert error_code(second) == -32600
        still_serving(server)


def test_shutdown_then_exit_ends_with_0_and_refuses_requests_between() -> None:
    server = RawServer()
    server.initialize()
    assert server.request("shutdown")["result"] is None
    after = server.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
    assert error_code(after) == -32600
    server.notify("exit")
    assert server.proc.wait(10) == 0
    server.__exit__(None, None, None)


def test_exit_without_shutdown_ends_with_1() -> None:
    server = RawServer()
    server.initialize()
    server.notify("exit")
    assert server.proc.wait(10) == 1
    server.__exit__(None, None, None)


def test_end_of_input_ends_the_server() -> None:
    server = RawServer()
    server.initialize()
    assert server.proc.stdin is not None
    server.proc.stdin.close()
    assert server.proc.wait(10) in (0, 1)
    server.__exit__(None, None, None)


def test_server_exits_when_the_client_process_dies() -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = RawServer()
    try:
        server.initialize(processId=parent.pid)
        still_serving(server)
        parent.kill()
        parent.wait(10)
        start = time.monotonic()
        code = server.proc.wait(10)
        assert code == 1
        assert time.monotonic() - start < 5
    finally:
        parent.kill()
        server.__exit__(None, None, None)
