"""LSP handlers, one module per area, registered in one place (:func:`register`).

Handlers translate only: LSP params to :class:`~plan_lsp.workspace.workspace.Workspace` calls
(positions through :mod:`plan_lsp.lsp.convert`), and plain results back to LSP types. Each is
registered through :func:`~plan_lsp.lsp.handlers.guard.guarded`, so a feature that raises is
logged and answered with null (or an empty report), never an internal error.
"""

from __future__ import annotations

from lsprotocol import types

from plan_lsp.lsp import plans
from plan_lsp.lsp.handlers import (
    actions,
    commands,
    completion,
    diagnostics,
    lifecycle,
    navigation,
    sync,
)
from plan_lsp.lsp.handlers.guard import guard_all
from plan_lsp.lsp.server import PlanLanguageServer


def register(ls: PlanLanguageServer) -> None:
    """Every feature of the server, in one place; then every one guarded."""
    feature = ls.feature
    feature(types.INITIALIZE)(lifecycle.initialize)
    feature(types.INITIALIZED)(lifecycle.initialized)
    feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(lifecycle.did_change_configuration)
    feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(lifecycle.did_change_workspace_folders)
    feature(types.TEXT_DOCUMENT_DID_OPEN)(sync.did_open)
    feature(types.TEXT_DOCUMENT_DID_CHANGE)(sync.did_change)
    feature(types.TEXT_DOCUMENT_DID_CLOSE)(sync.did_close)
    feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(sync.did_change_watched_files)
    feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="plan-lsp", inter_file_dependencies=True, workspace_diagnostics=True
        ),
    )(diagnostics.document_diagnostic)
    feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=completion.TRIGGERS, resolve_provider=False),
    )(completion.complete)
    feature(types.TEXT_DOCUMENT_HOVER)(navigation.hover)
    feature(types.TEXT_DOCUMENT_DEFINITION)(navigation.definition)
    feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(navigation.document_symbol)
    feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(navigation.folding_range)
    feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL]),
    )(actions.code_action)
    feature(commands.STATUS_METHOD)(commands.plan_status)
    feature(commands.TEXT_METHOD)(commands.plan_text)
    ls.command("plan.scaffold")(commands.plan_scaffold)
    plans.register(ls)
    guard_all(
        ls,
        {
            types.TEXT_DOCUMENT_DIAGNOSTIC: lambda: types.RelatedFullDocumentDiagnosticReport(
                items=[]
            )
        },
    )
