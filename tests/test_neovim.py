"""A real editor: headless Neovim starts the server, opens a plan and reads back its diagnostics.

Works with Neovim 0.7 (Debian bookworm: ``vim.lsp.start_client`` + ``vim.lsp.buf_attach_client``)
and newer (``vim.lsp.start``). Skipped when ``nvim`` is missing, except in CI (``CI=true``), which
must run it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import plan_lsp
import pytest
from plan_lsp.core import engine, kinds
from support import FULL_CONTEXT, complete_plan, remove_section

TIMEOUT_S = 60
"""Whole Neovim run, enforced by subprocess."""
WAIT_MS = 20_000
"""Each wait inside Neovim (diagnostics, client exit): well below ``TIMEOUT_S``."""

_SEVERITY = {"error": 1, "warning": 2, "information": 3, "hint": 4}  # vim.diagnostic.severity

# Runs inside Neovim (``dofile`` of $PLAN_LSP_NVIM_SCRIPT). Parameters come from the JSON file
# $PLAN_LSP_NVIM_PARAMS; everything observed goes to one JSON report, and Neovim always quits.
LUA = r"""
local params = vim.fn.json_decode(table.concat(vim.fn.readfile(vim.env.PLAN_LSP_NVIM_PARAMS), "\n"))
local version = vim.version()
local report = { diagnostics = {} }
report.nvim = version.major .. "." .. version.minor .. "." .. version.patch

local function run()
  local lsp_log = require("vim.lsp.log")
  lsp_log.set_level("DEBUG")
  report.log_file = lsp_log.get_filename()

  vim.cmd("edit " .. vim.fn.fnameescape(params.file))
  local bufnr = vim.api.nvim_get_current_buf()
  -- -u NONE may leave filetype detection off: the filetype is the LSP languageId, so set it.
  if vim.bo[bufnr].filetype ~= "markdown" then
    vim.bo[bufnr].filetype = "markdown"
  end
  report.filetype = vim.bo[bufnr].filetype

  local config = {
    name = "plan-lsp",
    cmd = params.cmd,
    root_dir = params.root,
    on_exit = function(code, signal)
      report.exit_code = code
      report.exit_signal = signal
    end,
  }
  local client_id
  if vim.lsp.start then -- 0.8+
    report.api = "vim.lsp.start"
    client_id = vim.lsp.start(config, { bufnr = bufnr })
  else -- 0.7
    report.api = "vim.lsp.start_client"
    client_id = vim.lsp.start_client(config)
    if client_id then
      vim.lsp.buf_attach_client(bufnr, client_id)
    end
  end
  if not client_id then
    error("the LSP client did not start")
  end
  report.attached = vim.lsp.buf_is_attached(bufnr, client_id)

  report.diagnostics_arrived = vim.wait(params.wait_ms, function()
    return #vim.diagnostic.get(bufnr) >= params.expected
  end, 10)

  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local code = d.code
    if code == nil and type(d.user_data) == "table" and type(d.user_data.lsp) == "table" then
      code = d.user_data.lsp.code -- where older Neovims kept it
    end
    table.insert(report.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source, code = code,
    })
  end
  local client = vim.lsp.get_client_by_id(client_id)
  report.offset_encoding = client and client.offset_encoding

  -- Shut down cleanly (shutdown + exit) and see how the server process ends.
  vim.lsp.stop_client(client_id)
  report.stopped = vim.wait(params.wait_ms, function()
    return report.exit_code ~= nil and vim.lsp.get_client_by_id(client_id) == nil
  end, 10)
end

local ok, err = pcall(run)
report.ok = ok
if not ok then
  report.error = tostring(err)
end
vim.fn.writefile({ vim.fn.json_encode(report) }, params.out)
vim.cmd("qa!")
"""


def _nvim() -> str:
    nvim = shutil.which("nvim")
    if nvim is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nvim is not installed, and CI must run the Neovim test")
        pytest.skip("nvim is not installed")
    return nvim


def _plan_text() -> str:
    """The complete plan without 'Risks & Mitigations' and with the Author left unresolved."""
    text = remove_section(complete_plan(), "Risks & Mitigations")
    author = f"**Author:** {FULL_CONTEXT['author']}"
    assert text.count(author) == 1
    return text.replace(author, "**Author:** <<AUTHOR>>")


def _expected(text: str, path: Path) -> list[dict[str, Any]]:
    """The diagnostics Neovim should show: the core's findings, columns in UTF-8 bytes."""
    found = engine.check(text, str(path), [kinds.builtin_plan()]).findings
    assert sorted(f.code for f in found) == ["missing-section", "unresolved-field"]
    lines = text.split("\n")

    def byte_col(line: int, character: int) -> int:
        return len(lines[line][:character].encode("utf-8"))

    out = [
        {
            "lnum": f.span.start.line,
            "col": byte_col(f.span.start.line, f.span.start.character),
            "end_lnum": f.span.end.line,
            "end_col": byte_col(f.span.end.line, f.span.end.character),
            "severity": _SEVERITY[f.severity],
            "code": f.code,
            "message": f.message,
            "source": "plan-lsp",
        }
        for f in found
    ]
    return sorted(out, key=lambda d: (d["lnum"], d["col"]))


def test_neovim_shows_the_servers_diagnostics(tmp_path: Path) -> None:
    nvim = _nvim()
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    plan = workspace / "user-login-plan.md"
    text = _plan_text()
    plan.write_text(text, "utf-8")
    expected = _expected(text, plan)

    out = tmp_path / "report.json"
    params = tmp_path / "params.json"
    params.write_text(
        json.dumps(
            {
                "file": str(plan),
                "root": str(workspace),
                "cmd": [sys.executable, "-m", "plan_lsp"],
                "expected": len(expected),
                "wait_ms": WAIT_MS,
                "out": str(out),
            }
        ),
        "utf-8",
    )
    script = tmp_path / "drive.lua"
    script.write_text(LUA, "utf-8")

    # Keep Neovim's state, cache (the LSP log) and config out of the user's home.
    xdg = tmp_path / "xdg"
    package_root = str(Path(plan_lsp.__file__).parent.parent)
    env = {
        **os.environ,
        "PLAN_LSP_NVIM_SCRIPT": str(script),
        "PLAN_LSP_NVIM_PARAMS": str(params),
        "XDG_CONFIG_HOME": str(xdg / "config"),
        "XDG_DATA_HOME": str(xdg / "data"),
        "XDG_STATE_HOME": str(xdg / "state"),
        "XDG_CACHE_HOME": str(xdg / "cache"),
        # The server imports plan_lsp from this checkout, installed or not.
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    run = "lua dofile(vim.env.PLAN_LSP_NVIM_SCRIPT)"
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-u", "NONE", "-n", "-c", run],
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )

    def context() -> str:
        log = ""
        if out.exists():
            log_file = json.loads(out.read_text("utf-8")).get("log_file")
            if log_file and Path(log_file).exists():
                lines = Path(log_file).read_text("utf-8", "replace").splitlines()[-40:]
                log = "\n".join(ln if len(ln) < 400 else ln[:400] + " …" for ln in lines)
        return (
            f"nvim exited {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}\n"
            f"LSP log (tail):\n{log}"
        )

    assert out.exists(), "Neovim wrote no report\n" + context()
    report = json.loads(out.read_text("utf-8"))
    assert report["ok"], f"{report.get('error')}\n{context()}"
    assert report["filetype"] == "markdown", context()
    assert report["attached"], context()
    assert report["diagnostics_arrived"], f"{report['diagnostics']}\n{context()}"

    got = sorted(report["diagnostics"], key=lambda d: (d["lnum"], d["col"]))
    assert got == expected, context()

    # The server shut down on request and exited with 0, as the spec asks after `shutdown`.
    assert report["stopped"], context()
    assert report["exit_code"] == 0, context()
    assert proc.returncode == 0, context()
