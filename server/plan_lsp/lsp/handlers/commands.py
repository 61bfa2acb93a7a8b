"""plan-lsp's own requests and commands: ``planLsp/status``, ``planLsp/text`` and
``workspace/executeCommand`` ``plan.scaffold``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest

from plan_lsp.lsp import convert
from plan_lsp.lsp.server import PlanLanguageServer
from plan_lsp.workspace.documents import Document
from plan_lsp.workspace.lazy import module
from plan_lsp.workspace.workspace import ScaffoldError, uri_to_path

if TYPE_CHECKING:
    from plan_lsp.workspace import context
else:  # loaded on first use
    context = module("plan_lsp.workspace.context")


STATUS_METHOD = "planLsp/status"


def plan_status(ls: PlanLanguageServer, params: Any) -> dict[str, Any] | None:
    """``planLsp/status {textDocument: {uri}}`` -> the plan's kind, Status and task progress
    (null for a document that is not open or not a plan)."""
    st = ls.ws.status(_uri_param(params))
    if st is None:
        return None
    return {
        "kind": st.kind,
        "status": st.status,
        "tasksDone": st.tasks_done,
        "tasksTotal": st.tasks_total,
        "problems": st.problems,
    }


TEXT_METHOD = "planLsp/text"


def plan_text(ls: PlanLanguageServer, params: Any) -> dict[str, Any] | None:
    """``planLsp/text {textDocument: {uri}}`` -> ``{version, text}``: the server's copy of an
    open document, for support and for tests that compare it with the editor's."""
    uri = _uri_param(params)
    doc = ls.ws.document(uri)
    return None if doc is None else {"version": doc.version, "text": doc.text}


def _uri_param(params: Any) -> str:
    uri = None
    if isinstance(params, dict):
        uri = (params.get("textDocument") or {}).get("uri")
    else:
        doc_param = getattr(params, "textDocument", None) or getattr(params, "text_document", None)
        uri = getattr(doc_param, "uri", None) if doc_param is not None else None
        if uri is None and isinstance(doc_param, dict):
            uri = doc_param.get("uri")
    if not isinstance(uri, str):
        raise JsonRpcInvalidParams('expected {"textDocument": {"uri": …}}')
    return uri


SCAFFOLD_KEYS = {"uri", "feature", "issue", "author", "spec", "template", "position", "fields"}


async def plan_scaffold(ls: PlanLanguageServer, *args: Any) -> dict[str, Any]:
    """``workspace/executeCommand`` ``plan.scaffold {uri, feature?, issue?, author?, spec?,
    template?, fields?, position?}``: the rendered template applied with ``workspace/applyEdit``."""
    if len(args) != 1 or not isinstance(args[0], dict) or not isinstance(args[0].get("uri"), str):
        raise JsonRpcInvalidParams('plan.scaffold takes one argument: {"uri": "file:///…"}')
    arg: dict[str, Any] = args[0]
    unknown = set(arg) - SCAFFOLD_KEYS
    if unknown:
        raise JsonRpcInvalidParams(
            f"plan.scaffold: unknown argument(s) {', '.join(sorted(unknown))}"
        )
    uri = arg["uri"]
    try:
        kind = ls.ws.scaffold_kind(arg.get("template"), uri)
        text_now = ls.ws.current_text(uri)
    except ScaffoldError as exc:
        raise _scaffold_error(exc) from exc
    position = arg.get("position")
    if text_now and text_now.strip() and position is None:
        raise JsonRpcInvalidRequest(
            "plan.scaffold: the document is not empty; it is never overwritten "
            '(pass "position": {"line": …, "character": …} to insert the template there)'
        )
    path = uri_to_path(uri)
    loop = asyncio.get_running_loop()
    known = await loop.run_in_executor(None, context.discover, path)
    for key in ("feature", "issue", "author", "spec"):
        if isinstance(arg.get(key), str):
            known[key] = arg[key]
    fields = arg.get("fields")
    if isinstance(fields, dict):
        known.update({str(k): str(v) for k, v in fields.items()})
    try:
        text = ls.ws.render(kind, known)
    except ScaffoldError as exc:
        raise _scaffold_error(exc) from exc

    doc = ls.ws.document(uri)
    if doc is None:
        doc = Document.open(uri, text_now or "", None)
    if position is not None:
        if not (
            isinstance(position, dict)
            and isinstance(position.get("line"), int)
            and isinstance(position.get("character"), int)
        ):
            raise JsonRpcInvalidParams('plan.scaffold: "position" is {"line": n, "character": n}')
        at = types.Position(line=position["line"], character=position["character"])
        rng = types.Range(start=at, end=at)
    else:
        # An empty (or blank) document: replace its whitespace with the template.
        end = convert.position(doc, doc.position(doc.line_count, 0, ls.encoding), ls.encoding)
        rng = types.Range(start=types.Position(line=0, character=0), end=end)
    edit = types.TextEdit(range=rng, new_text=text)
    changes: list[Any] = []
    if text_now is None and path:
        changes.append(
            types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True))
        )
    changes.append(
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=uri, version=doc.version
            ),
            edits=[edit],
        )
    )
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(
            label=f"New {kind.name} from the template",
            edit=types.WorkspaceEdit(document_changes=changes),
        )
    )
    return {"applied": bool(result.applied), "failureReason": result.failure_reason}


def _scaffold_error(exc: ScaffoldError) -> Exception:
    if exc.bad_params:
        return JsonRpcInvalidParams(exc.message)
    return JsonRpcInvalidRequest(exc.message)
