"""Transports and settings that change what the server checks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lsp_support import diagnostics, open_doc, session
from support import complete_plan

TEAM_TEMPLATE = """\
# Plan: {{FEATURE_NAME}}

**Owner:** {{AUTHOR}}
**Risk:** Low | Medium | High

## Why

Why we do this.

## How

How we do it.
"""


def _frame(payload: dict[str, object]) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_message(sock: socket.socket, buf: bytearray) -> dict[str, object]:
    while True:
        head, sep, rest = bytes(buf).partition(b"\r\n\r\n")
        if sep:
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            if len(rest) >= length:
                del buf[: len(head) + 4 + length]
                return json.loads(rest[:length])  # type: ignore[no-any-return]
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk


def test_tcp_transport(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "plan_lsp", "--tcp", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        with sock:
            buf = bytearray()
            sock.sendall(
                _frame(
                    {
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "initialize",
                        "params": {"processId": None, "rootUri": None, "capabilities": {}},
                    }
                )
            )
            msg = _read_message(sock, buf)
            while "id" not in msg:
                msg = _read_message(sock, buf)
            assert msg["id"] == 1
            result = msg["result"]
            assert result["serverInfo"]["name"] == "plan-lsp"  # type: ignore[index]
            sock.sendall(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
            uri = "file:///w/x-plan.md"
            sock.sendall(
                _frame(
                    {
                        "jsonrpc": "2.0",
                        "method": "textDocument/didOpen",
                        "params": {
                            "textDocument": {
                                "uri": uri,
                                "languageId": "markdown",
                                "version": 1,
                                "text": "# Implementation Plan: X\n\n<<F>>\n",
                            }
                        },
                    }
                )
            )
            while True:
                msg = _read_message(sock, buf)
                if msg.get("method") == "textDocument/publishDiagnostics":
                    break
            params = msg["params"]
            assert params["uri"] == uri and params["version"] == 1  # type: ignore[index]
            codes = {d["code"] for d in params["diagnostics"]}  # type: ignore[index]
            assert codes == {"missing-section", "unresolved-field"}
            sock.sendall(_frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
            while _read_message(sock, buf).get("id") != 2:
                pass
    finally:
        proc.kill()
        proc.wait(10)


URI_IN = "file://{root}/docs/launch-plan.md"


async def test_template_setting_replaces_the_plan_schema(tmp_path: Path) -> None:
    (tmp_path / "team-plan.md").write_text(TEAM_TEMPLATE, "utf-8")
    uri = URI_IN.format(root=tmp_path)
    text = "# Plan: Launch\n\n**Owner:** Ana\n**Risk:** Severe\n\n## Why\n\nBecause.\n"
    async with session(
        root=str(tmp_path), init_options={"planLsp": {"template": "team-plan.md"}}
    ) as client:
        open_doc(client, uri, text)
        diags = await diagnostics(client, uri, version=1)
    assert [(d.code, d.message) for d in diags] == [
        ("invalid-value", "Invalid Risk 'Severe': expected one of Low, Medium, High"),
        ("missing-section", "Missing section '## How' (after 'Why')"),
    ]


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("../outside.md", "outside the workspace"),
        ("missing.md", "cannot be read"),
        ("broken.md", "template syntax error"),
    ],
)
async def test_bad_template_setting_falls_back_to_the_builtin(
    tmp_path: Path, template: str, why: str
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "outside.md").write_text(TEAM_TEMPLATE, "utf-8")
    (root / "broken.md").write_text("# Plan {% if %}\n", "utf-8")
    uri = URI_IN.format(root=root)
    async with session(root=str(root), init_options={"planLsp": {"template": template}}) as client:
        open_doc(client, uri, complete_plan())
        assert await diagnostics(client, uri, version=1) == []  # the built-in plan still checks
        shown = [m.message for m in client.messages]
    assert len(shown) == 1 and why in shown[0] and "using the built-in" in shown[0]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "refused by the sandbox"),
        ("{{ cycler.__init__.__globals__.os.environ }}", "refused by the sandbox"),
        ("{% include '/etc/passwd' %}", "cannot include, import or extend files"),
        ("{% import 'os' as os %}", "cannot include, import or extend files"),
        ("{% for i in range(10**9) %}{% endfor %}", "sandbox"),
    ],
)
async def test_a_template_reaching_out_is_refused_and_the_builtin_serves(
    tmp_path: Path, body: str, why: str
) -> None:
    (tmp_path / "evil.md").write_text(f"# Plan: {{{{FEATURE_NAME}}}}\n\n{body}\n", "utf-8")
    uri = URI_IN.format(root=tmp_path)
    async with session(root=str(tmp_path), init_options={"planLsp": {"template": "evil.md"}}) as (
        client
    ):
        open_doc(client, uri, complete_plan())
        assert await diagnostics(client, uri, version=1) == []
        shown = [m.message for m in client.messages]
    assert len(shown) == 1 and why in shown[0] and "using the built-in" in shown[0], shown


async def test_globs_setting() -> None:
    async with session(init_options={"planLsp": {"globs": ["**/roadmaps/*.md"]}}) as client:
        a, b = "file:///w/roadmaps/q3.md", "file:///w/plans/q3.md"
        open_doc(client, a, "# Q3\n")
        open_doc(client, b, "# Q3\n")
        codes = [d.code for d in await diagnostics(client, a, version=1)]
        # A plan by its path: its "# Q3" is its title (reported once), its sections are missing.
        assert codes.count("title-mismatch") == 1 and "missing-section" in codes
        assert await diagnostics(client, b, version=1) == []


async def test_invalid_settings_are_reported_and_defaults_used() -> None:
    async with session(
        init_options={
            "planLsp": {
                "severity": {"nope": "error", "invalid-value": "loud"},
                "maxDiagnostics": -1,
                "colour": 1,
            }
        }
    ) as client:
        uri = "file:///w/x-plan.md"
        open_doc(client, uri, complete_plan().replace("**Status:** Draft", "**Status:** Done"))
        [d] = await diagnostics(client, uri, version=1)
        assert d.severity == 1  # default error
        logged = "\n".join(m.message for m in client.log_messages)
    assert "unknown diagnostic code 'nope'" in logged
    assert "severity of 'invalid-value' must be one of" in logged
    assert "'planLsp.maxDiagnostics' must be a whole number" in logged
    assert "unknown setting 'planLsp.colour'" in logged
