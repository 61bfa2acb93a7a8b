"""Pulled diagnostics: ``textDocument/diagnostic`` (pushed ones: ``PlanLanguageServer.flush``)."""

from __future__ import annotations

from lsprotocol import types

from plan_lsp.lsp.server import PlanLanguageServer


def document_diagnostic(
    ls: PlanLanguageServer, params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport:
    """``textDocument/diagnostic``: a full report of the document's findings."""
    items = ls.diagnostics(params.text_document.uri)
    return types.RelatedFullDocumentDiagnosticReport(items=items)
