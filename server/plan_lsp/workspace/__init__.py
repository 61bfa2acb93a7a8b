"""Workspace state with no protocol in it: the :class:`Workspace` (open documents, outlines,
checks, settings, kinds, links, re-check decisions), its documents and its file-access seam.

The protocol layer (:mod:`plan_lsp.lsp`) drives a :class:`Workspace`; tests drive it in-process.
The names below are imported on first use: the command line reads files through
:mod:`plan_lsp.workspace.files` and never needs the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plan_lsp.workspace.documents import Document
    from plan_lsp.workspace.files import Files
    from plan_lsp.workspace.workspace import (
        Change,
        Location,
        Recheck,
        Reporter,
        ScaffoldError,
        Workspace,
        uri_to_path,
    )

_WHERE = {
    "Document": "documents",
    "Files": "files",
    "Change": "workspace",
    "Location": "workspace",
    "Recheck": "workspace",
    "Reporter": "workspace",
    "ScaffoldError": "workspace",
    "Workspace": "workspace",
    "uri_to_path": "workspace",
}

__all__ = [
    "Change",
    "Document",
    "Files",
    "Location",
    "Recheck",
    "Reporter",
    "ScaffoldError",
    "Workspace",
    "uri_to_path",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'plan_lsp.workspace' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"plan_lsp.workspace.{module}"), name)
    globals()[name] = value
    return value
