"""Document synchronisation: ``textDocument/didOpen``, ``didChange``, ``didClose`` and
``workspace/didChangeWatchedFiles``, each turned into a Workspace event and its re-checks."""

from __future__ import annotations

from lsprotocol import types

from plan_lsp.lsp import plans
from plan_lsp.lsp.server import PlanLanguageServer
from plan_lsp.workspace.workspace import Change


def did_open(ls: PlanLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    """``textDocument/didOpen``: the document is the workspace's; it and what links to it
    are checked."""
    item = params.text_document
    ls.recheck(ls.ws.open(item.uri, item.text, item.version, item.language_id), own=item.uri)


def did_change(ls: PlanLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    """``textDocument/didChange``: full or incremental changes, in the client's units."""
    changes = [
        Change(
            c.text,
            (c.range.start.line, c.range.start.character),
            (c.range.end.line, c.range.end.character),
        )
        if isinstance(c, types.TextDocumentContentChangePartial)
        else Change(c.text)
        for c in params.content_changes
    ]
    uri = params.text_document.uri
    ls.recheck(ls.ws.change(uri, params.text_document.version, changes), own=uri)


def did_close(ls: PlanLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    """``textDocument/didClose``: forgotten; its diagnostics cleared (push mode)."""
    uri = params.text_document.uri
    ls.recheck(ls.ws.close(uri))
    ls.dirty.discard(uri)
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
    plans.closed(ls, uri)


def did_change_watched_files(
    ls: PlanLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    """``workspace/didChangeWatchedFiles``: templates reloaded, links re-checked."""
    # One batch: a checkout can change thousands of files at once.
    ls.recheck(ls.ws.files_changed([(c.uri, c.type.name.lower()) for c in params.changes]))
    plans.file_events(ls, list(params.changes))
