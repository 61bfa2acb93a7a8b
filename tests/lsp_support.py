"""Driving the real server over stdio with pytest-lsp: sessions, waiting for diagnostics."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities, make_test_lsp_client

SERVER = [sys.executable, "-m", "plan_lsp"]


def make_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics, applyEdit,
    registerCapability, unregisterCapability it receives (and answering them); pytest-lsp counts
    ``workspace/diagnostic/refresh`` requests in ``diagnostic_refresh_count``."""
    client = make_test_lsp_client()
    client.published = []  # type: ignore[attr-defined]
    client.applied = []  # type: ignore[attr-defined]
    client.apply_result = True  # type: ignore[attr-defined]
    features = client.protocol.fm.features
    keep = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def published(params: types.PublishDiagnosticsParams) -> None:
        keep(params)
        client.published.append(params)  # type: ignore[attr-defined]

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = published

    client.registrations = []  # type: ignore[attr-defined]
    client.capability_log = []  # type: ignore[attr-defined]
    """Registrations and unregistrations, in the order they came."""
    client.opened = set()  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        client.registrations += params.registrations  # type: ignore[attr-defined]
        client.capability_log += [("register", r) for r in params.registrations]  # type: ignore[attr-defined]

    client.unregistrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister_capability(params: types.UnregistrationParams) -> None:
        client.unregistrations += params.unregisterations  # type: ignore[attr-defined]
        client.capability_log += [("unregister", u) for u in params.unregisterations]  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=client.apply_result)  # type: ignore[attr-defined]

    return client


def capabilities(name: str = "visual-studio-code", **extra: Any) -> types.ClientCapabilities:
    caps = client_capabilities(name)
    for path, value in extra.items():
        obj = caps
        parts = path.split("__")
        for part in parts[:-1]:
            if getattr(obj, part) is None:
                raise ValueError(path)
            obj = getattr(obj, part)
        setattr(obj, parts[-1], value)
    return caps


@contextlib.asynccontextmanager
async def session(
    caps: types.ClientCapabilities | None = None,
    init_options: Any = None,
    configuration: Any = None,
    root: str | None = None,
    env: dict[str, str] | None = None,
    server: list[str] | None = None,
    folders: list[str] | None = None,
) -> AsyncIterator[LanguageClient]:
    """A started and initialized server (``server``: another command than ``SERVER``), shut
    down cleanly afterwards; ``folders``: the workspace folders after ``root`` (multi-root)."""
    config = ClientServerConfig(
        server_command=server or SERVER,
        client_factory=make_client,
        server_env={**os.environ, **(env or {})},
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    if configuration is not None:
        client.set_configuration(configuration, section="planLsp")
    root_uri = f"file://{root}" if root else None
    client.init_result = await client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=caps or capabilities(),
            initialization_options=init_options,
            root_uri=root_uri,
            workspace_folders=[types.WorkspaceFolder(uri=root_uri, name="ws")]
            + [
                types.WorkspaceFolder(uri=f"file://{f}", name=f"ws{i}")
                for i, f in enumerate(folders or [], 1)
            ]
            if root_uri
            else None,
        )
    )
    try:
        yield client
    finally:
        await client.shutdown_session()


async def forget(client: LanguageClient) -> None:
    """Close every document the test opened and forget what the client received, so the next
    test of a module sharing one server starts clean (a server per module, for tests that only
    read what they opened)."""
    for uri in sorted(client.opened):  # type: ignore[attr-defined]
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    # Answered after the closes are handled: their empty diagnostics have arrived by then.
    await client.protocol.send_request_async("planLsp/text", {"textDocument": {"uri": "x:"}})
    client.opened.clear()  # type: ignore[attr-defined]
    client.published.clear()  # type: ignore[attr-defined]
    client.applied.clear()  # type: ignore[attr-defined]
    client.apply_result = True  # type: ignore[attr-defined]
    client.diagnostics.clear()


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.opened.add(uri)  # type: ignore[attr-defined]
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="markdown", version=version, text=text
            )
        )
    )


async def diagnostics(
    client: LanguageClient,
    uri: str,
    version: int | None = None,
    timeout: float = 10,
    after: int = 0,
) -> list[types.Diagnostic]:
    """The diagnostics published for ``uri`` (at ``version``, when given; among those published
    after the first ``after`` ones), waiting for them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for p in reversed(client.published[after:]):  # type: ignore[attr-defined]
            if p.uri == uri and (version is None or p.version == version):
                return list(p.diagnostics)
        if loop.time() > deadline:
            raise TimeoutError(f"no diagnostics for {uri} version {version}")
        await asyncio.sleep(0.005)


def change(
    client: LanguageClient,
    uri: str,
    version: int,
    *edits: tuple[tuple[int, int], tuple[int, int], str],
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=a[0], character=a[1]),
                        end=types.Position(line=b[0], character=b[1]),
                    ),
                    text=text,
                )
                for a, b, text in edits
            ],
        )
    )


def rng(a: tuple[int, int], b: tuple[int, int]) -> types.Range:
    return types.Range(
        start=types.Position(line=a[0], character=a[1]),
        end=types.Position(line=b[0], character=b[1]),
    )


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
