"""A hostile repository opened in the real server (pytest-lsp over stdio): links to stdin, FIFOs
and devices, links and quick fixes leading out of the workspace, a templates folder outside it,
and a storm of file events."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from lsp_support import diagnostics, open_doc, session
from lsprotocol import types
from support import complete_plan

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev need POSIX")

OUTSIDE = "(links are followed only inside the workspace)"


def doc_id(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "docs").mkdir(parents=True)
    return ws


async def test_links_to_stdin_fifos_and_devices_are_never_read(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    os.mkfifo(ws / "docs" / "pipe.md")
    (ws / "docs" / "zero.md").symlink_to("/dev/zero")
    (ws / "docs" / "stdin.md").symlink_to("/proc/self/fd/0")
    (tmp_path / "secret.md").write_text("# Secret\n")
    targets = ["/dev/stdin", "pipe.md", "zero.md", "stdin.md", "../../secret.md#secret"]
    text = complete_plan() + "".join(f"- [l{i}]({t})\n" for i, t in enumerate(targets))
    uri = (ws / "docs" / "x-plan.md").as_uri()
    async with session(root=str(ws)) as client:
        open_doc(client, uri, text)
        diags = await diagnostics(client, uri, version=1, timeout=30)
        assert [d.message for d in diags] == [
            # Root-relative, as GitHub reads it: the workspace's /dev/stdin, not the device.
            "Broken link: '/dev/stdin' does not exist (from the repository's root)",
            "Link not followed: 'pipe.md': it is not a regular file",
            "Link not followed: 'zero.md': it is outside the workspace",
            "Link not followed: 'stdin.md': it is outside the workspace",
            "Link not followed: '../../secret.md#secret': it is outside the workspace",
        ]
        for d in diags:  # go-to-definition follows none of them
            got = await client.text_document_definition_async(
                types.DefinitionParams(text_document=doc_id(uri), position=d.range.start)
            )
            assert got is None
        # Still serving: the server did not block on its own stdin.
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=doc_id(uri))
        )
        assert symbols


async def test_the_create_fix_stays_inside_the_workspace(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    (ws / ".plan-templates").mkdir()
    (ws / ".plan-templates" / "keys.md").write_text("# Keys {{N}}\n\n## Keys\n\nssh-rsa x\n")
    (ws / "out").symlink_to(tmp_path)  # a folder leading out
    links = [
        "new-plan.md",
        "../../made-outside.md",
        "../" * 30 + "x.md",
        "/tmp/abs-keys.md",
        "~/.ssh/authorized_keys",
        "../out/via-symlink.md",
    ]
    text = complete_plan() + "".join(f"- [l{i}]({t})\n" for i, t in enumerate(links))
    uri = (ws / "docs" / "x-plan.md").as_uri()
    async with session(root=str(ws)) as client:
        open_doc(client, uri, text)
        diags = await diagnostics(client, uri, version=1, timeout=30)
        assert len(diags) == len(links)
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=doc_id(uri),
                range=types.Range(start=diags[0].range.start, end=diags[-1].range.end),
                context=types.CodeActionContext(diagnostics=diags),
            )
        )
    creates = [a for a in acts or [] if a.title.startswith("Create")]
    # ``/tmp/abs-keys.md`` is root-relative (as GitHub reads it): inside the workspace.
    assert [a.title for a in creates] == [
        "Create 'docs/new-plan.md' from the plan template",
        "Create 'tmp/abs-keys.md' from the keys template",
    ]
    made = [
        c.uri for a in creates for c in a.edit.document_changes if isinstance(c, types.CreateFile)
    ]
    assert made == [(ws / "docs" / "new-plan.md").as_uri(), (ws / "tmp" / "abs-keys.md").as_uri()]
    assert not any("/../" in m or m.startswith("file:///..") for m in made)


@pytest.mark.parametrize("where", ["absolute", "relative", "symlink"])
async def test_a_templates_folder_outside_the_workspace_is_refused(
    tmp_path: Path, where: str
) -> None:
    ws = workspace(tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    # Its plan template would replace the built-in one: a plan it governs fails every check.
    (other / "plan.md").write_text("# Implementation Plan: {{FEATURE}}\n\n## Only This\n\nx\n")
    (ws / "link").symlink_to(other)
    setting = {"absolute": str(other), "relative": "../elsewhere", "symlink": "link"}[where]
    uri = (ws / "docs" / "x-plan.md").as_uri()
    async with session(root=str(ws), init_options={"planLsp": {"templatesDir": setting}}) as (
        client
    ):
        open_doc(client, uri, complete_plan())
        assert await diagnostics(client, uri, version=1, timeout=30) == []
        shown = [m.message for m in client.messages]
    assert any("is outside the workspace" in m for m in shown), shown


async def test_a_storm_of_file_events_rechecks_only_linking_documents_once(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    plans = {}
    for i in range(100):
        link = "- [t](target.md)\n" if i % 20 == 0 else f"- [o](other-{i}.md)\n"
        plans[(ws / "docs" / f"p{i}-plan.md").as_uri()] = complete_plan() + link
    async with session(root=str(ws)) as client:
        for uri, text in plans.items():
            open_doc(client, uri, text)
        for uri in plans:
            await diagnostics(client, uri, version=1, timeout=60)
        linking = [u for u, t in plans.items() if "target.md" in t]
        (ws / "docs" / "target.md").write_text("# Target\n")
        mark = len(client.published)  # type: ignore[attr-defined]
        events = [
            types.FileEvent(uri=(ws / f"gen-{i}.md").as_uri(), type=types.FileChangeType.Changed)
            for i in range(999)
        ] + [
            types.FileEvent(
                uri=(ws / "docs" / "target.md").as_uri(), type=types.FileChangeType.Created
            )
        ]
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(events))
        for uri in linking:
            assert await diagnostics(client, uri, version=1, after=mark, timeout=60) == []
        await asyncio.sleep(1)
        again = [p.uri for p in client.published[mark:]]  # type: ignore[attr-defined]
    assert sorted(again) == sorted(linking)  # each once, and no other
