"""The exact wire messages of the main scenarios, pinned as snapshots (inline-snapshot).

One real server process for the module, spoken to in raw JSON-RPC: what an editor receives on
``initialize``, on opening a plan (``textDocument/publishDiagnostics``), on completion and on a
code action. A change to any of these messages shows here as a diff; accept an intended one with
``pytest tests/test_lsp_wire.py --inline-snapshot=fix``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from inline_snapshot import snapshot
from raw_client import RawServer

URI = "file:///work/plans/wire-plan.md"
PLAN = """\
# Implementation Plan: Wire

**Issue:** ABC-1
**Status:** Done
**Created:** 2026-11-25
**Author:** <<AUTHOR>>

## Overview

Text.
"""


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    with RawServer() as server:
        yield server


@pytest.fixture(scope="module")
def capabilities(server: RawServer) -> dict[str, Any]:
    got = server.initialize(
        capabilities={
            "textDocument": {
                "completion": {"completionItem": {"snippetSupport": True}},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": []}}},
            },
            "workspace": {"workspaceEdit": {"documentChanges": True}},
        }
    )
    return got["result"]["capabilities"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def opened(server: RawServer, capabilities: dict[str, Any]) -> dict[str, Any]:
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": URI, "languageId": "markdown", "version": 1, "text": PLAN}},
    )
    return server.wait(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == URI
    )


def test_initialize_result(capabilities: dict[str, Any]) -> None:
    assert capabilities == snapshot(
        {
            "positionEncoding": "utf-16",
            "textDocumentSync": {"openClose": True, "change": 2, "save": False},
            "completionProvider": {
                "triggerCharacters": ["#", "<", ":", " ", "*"],
                "resolveProvider": False,
            },
            "hoverProvider": True,
            "definitionProvider": True,
            "documentSymbolProvider": True,
            "codeActionProvider": {"codeActionKinds": ["quickfix", "source.fixAll.plan-lsp"]},
            "workspaceSymbolProvider": {"resolveProvider": False},
            "foldingRangeProvider": True,
            "executeCommandProvider": {"commands": ["plan.scaffold"]},
            "inlayHintProvider": {"resolveProvider": False},
            "diagnosticProvider": {
                "interFileDependencies": True,
                "workspaceDiagnostics": True,
                "identifier": "plan-lsp",
            },
            "workspace": {
                "workspaceFolders": {"supported": True, "changeNotifications": True},
                "fileOperations": {},
            },
        }
    )


def test_open_a_plan_publishes_its_diagnostics(opened: dict[str, Any]) -> None:
    assert opened == snapshot(
        {
            "params": {
                "uri": "file:///work/plans/wire-plan.md",
                "diagnostics": [
                    {
                        "range": {
                            "start": {"line": 0, "character": 0},
                            "end": {"line": 0, "character": 27},
                        },
                        "message": "Missing field '**Spec:**' in the header of 'Implementation Plan: Wire'",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "message": "Invalid Status 'Done': expected one of Draft, In Progress, Completed",
                        "severity": 1,
                        "code": "invalid-value",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 5, "character": 12},
                            "end": {"line": 5, "character": 22},
                        },
                        "message": "Unresolved field 'AUTHOR': Who writes and owns the plan",
                        "severity": 2,
                        "code": "unresolved-field",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Prerequisites' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Architecture' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Implementation Steps' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Testing Strategy' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Migration/Deployment' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Dependencies' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Risks & Mitigations' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Definition of Done' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Timeline' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Notes' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                    {
                        "range": {
                            "start": {"line": 7, "character": 0},
                            "end": {"line": 7, "character": 11},
                        },
                        "message": "Missing section '## Progress Log' (after 'Overview')",
                        "severity": 1,
                        "code": "missing-section",
                        "source": "plan-lsp",
                    },
                ],
                "version": 1,
            },
            "method": "textDocument/publishDiagnostics",
            "jsonrpc": "2.0",
        }
    )


def test_completion_of_status_values(server: RawServer, opened: dict[str, Any]) -> None:
    got = server.request(
        "textDocument/completion",
        {"textDocument": {"uri": URI}, "position": {"line": 3, "character": 12}},
    )
    assert got["result"] == snapshot(
        {
            "isIncomplete": False,
            "items": [
                {
                    "label": "Draft",
                    "kind": 20,
                    "detail": "Status value",
                    "sortText": "000",
                    "insertTextFormat": 1,
                    "textEdit": {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "newText": "Draft",
                    },
                },
                {
                    "label": "In Progress",
                    "kind": 20,
                    "detail": "Status value",
                    "sortText": "001",
                    "insertTextFormat": 1,
                    "textEdit": {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "newText": "In Progress",
                    },
                },
                {
                    "label": "Completed",
                    "kind": 20,
                    "detail": "Status value",
                    "sortText": "002",
                    "insertTextFormat": 1,
                    "textEdit": {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "newText": "Completed",
                    },
                },
            ],
        }
    )


def test_code_action_for_an_invalid_value(server: RawServer, opened: dict[str, Any]) -> None:
    [diagnostic] = [d for d in opened["params"]["diagnostics"] if d["code"] == "invalid-value"]
    got = server.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": URI},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        },
    )
    assert got["result"] == snapshot(
        [
            {
                "title": "Set Status to 'Draft'",
                "kind": "quickfix",
                "diagnostics": [
                    {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "message": "Invalid Status 'Done': expected one of Draft, In Progress, Completed",
                        "severity": 1,
                        "code": "invalid-value",
                        "source": "plan-lsp",
                    }
                ],
                "isPreferred": True,
                "edit": {
                    "documentChanges": [
                        {
                            "textDocument": {
                                "uri": "file:///work/plans/wire-plan.md",
                                "version": 1,
                            },
                            "edits": [
                                {
                                    "range": {
                                        "start": {"line": 3, "character": 12},
                                        "end": {"line": 3, "character": 16},
                                    },
                                    "newText": "Draft",
                                }
                            ],
                        }
                    ]
                },
            },
            {
                "title": "Set Status to 'In Progress'",
                "kind": "quickfix",
                "diagnostics": [
                    {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "message": "Invalid Status 'Done': expected one of Draft, In Progress, Completed",
                        "severity": 1,
                        "code": "invalid-value",
                        "source": "plan-lsp",
                    }
                ],
                "edit": {
                    "documentChanges": [
                        {
                            "textDocument": {
                                "uri": "file:///work/plans/wire-plan.md",
                                "version": 1,
                            },
                            "edits": [
                                {
                                    "range": {
                                        "start": {"line": 3, "character": 12},
                                        "end": {"line": 3, "character": 16},
                                    },
                                    "newText": "In Progress",
                                }
                            ],
                        }
                    ]
                },
            },
            {
                "title": "Set Status to 'Completed'",
                "kind": "quickfix",
                "diagnostics": [
                    {
                        "range": {
                            "start": {"line": 3, "character": 12},
                            "end": {"line": 3, "character": 16},
                        },
                        "message": "Invalid Status 'Done': expected one of Draft, In Progress, Completed",
                        "severity": 1,
                        "code": "invalid-value",
                        "source": "plan-lsp",
                    }
                ],
                "edit": {
                    "documentChanges": [
                        {
                            "textDocument": {
                                "uri": "file:///work/plans/wire-plan.md",
                                "version": 1,
                            },
                            "edits": [
                                {
                                    "range": {
                                        "start": {"line": 3, "character": 12},
                                        "end": {"line": 3, "character": 16},
                                    },
                                    "newText": "Completed",
                                }
                            ],
                        }
                    ]
                },
            },
        ]
    )
