"""Workspace state with no protocol in it: the :class:`Workspace` (open documents, outlines,
checks, settings, kinds, links, re-check decisions), its documents and its file-access seam.

The protocol layer (:mod:`plan_lsp.lsp`) drives a :class:`Workspace`; tests drive it in-process.
"""

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
