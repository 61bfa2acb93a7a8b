"""Multi-root workspaces over stdio (pytest-lsp): each workspace folder is its own repository,
and a document's root-relative links (``/docs/x.md``) start at its repository's root — for
diagnostics, go-to-definition, the "create the missing file" fix and the workspace index —
never leaving the workspace folders."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from lsp_support import diagnostics, open_doc, session
from lsprotocol import types
from support import complete_plan
from test_lsp_workspace_index import plans_of


def git_init(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def doc_id(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def two_repositories(tmp_path: Path) -> tuple[Path, Path]:
    """Folders ``a`` and ``b``, each a git repository with its own ``/docs/spec.md``;
    ``/docs/only-a.md`` only in ``a``; ``b/vendor/lib``, a repository inside ``b``."""
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, name in ((a, "Alpha"), (b, "Beta")):
        git_init(folder)
        (folder / "docs").mkdir()
        (folder / "docs" / "spec.md").write_text(f"# Spec\n\nIntro.\n\n## {name}\n\nText.\n")
    (a / "docs" / "only-a.md").write_text("# Only in a\n")
    git_init(b / "vendor" / "lib")
    (b / "vendor" / "lib" / "docs").mkdir()
    (b / "vendor" / "lib" / "docs" / "spec.md").write_text("# Lib\n\n## Gamma\n")
    return a, b


LINKS_IN_B = [
    "/docs/spec.md#beta",  # b's spec has ## Beta (a's has ## Alpha)
    "/docs/only-a.md",  # only in a: broken from b
    "/../a/docs/only-a.md",  # ``..`` stops at b's root: never into a (nor further out)
    "/docs/new-plan.md",  # missing: the fix creates it in b
]


async def test_root_relative_links_start_at_each_folders_repository(tmp_path: Path) -> None:
    a, b = two_repositories(tmp_path)
    in_a = (a / "plans" / "x-plan.md").as_uri()
    in_b = (b / "plans" / "x-plan.md").as_uri()
    in_lib = (b / "vendor" / "lib" / "y-plan.md").as_uri()
    text_b = complete_plan() + "".join(f"- [l{i}]({t})\n" for i, t in enumerate(LINKS_IN_B))
    async with session(root=str(a), folders=[str(b)]) as client:
        text_a = complete_plan() + "- [s](/docs/spec.md#alpha)\n- [o](/docs/only-a.md)\n"
        open_doc(client, in_a, text_a)
        assert await diagnostics(client, in_a, version=1) == []
        open_doc(client, in_b, text_b)
        got = await diagnostics(client, in_b, version=1)
        assert [d.message for d in got] == [
            "Broken link: '/docs/only-a.md' does not exist (from the repository's root)",
            "Broken link: '/../a/docs/only-a.md' does not exist (from the repository's root)",
            "Broken link: '/docs/new-plan.md' does not exist (from the repository's root)",
        ]
        # A repository inside a folder (a submodule): its documents' links start at its root.
        open_doc(client, in_lib, complete_plan() + "- [s](/docs/spec.md#gamma)\n")
        assert await diagnostics(client, in_lib, version=1) == []

        # Go to definition: b's spec, at its ## Beta.
        line = text_b.split("\n").index("- [l0](/docs/spec.md#beta)")
        found = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=doc_id(in_b), position=types.Position(line=line, character=8)
            )
        )
        assert isinstance(found, types.Location)
        assert (found.uri, found.range.start.line) == ((b / "docs" / "spec.md").as_uri(), 4)
        # ``..`` past b's root is not followed into a.
        line = text_b.split("\n").index("- [l2](/../a/docs/only-a.md)")
        found = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=doc_id(in_b), position=types.Position(line=line, character=8)
            )
        )
        assert found is None

        # The missing file is created in b's repository, never in a.
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=doc_id(in_b),
                range=types.Range(start=got[0].range.start, end=got[-1].range.end),
                context=types.CodeActionContext(diagnostics=got),
            )
        )
        creates = [x for x in acts or [] if x.title.startswith("Create")]
        made = [
            c.uri
            for x in creates
            for c in x.edit.document_changes  # type: ignore[union-attr]
            if isinstance(c, types.CreateFile)
        ]
        assert [x.title for x in creates] == [
            "Create 'docs/only-a.md' from the plan template",
            "Create 'a/docs/only-a.md' from the plan template",
            "Create 'docs/new-plan.md' from the plan template",
        ]
        assert made == [
            (b / "docs" / "only-a.md").as_uri(),
            (b / "a" / "docs" / "only-a.md").as_uri(),
            (b / "docs" / "new-plan.md").as_uri(),
        ]


async def test_the_index_follows_root_relative_links_from_each_repository(
    tmp_path: Path,
) -> None:
    """Closed plans: each checked with its own repository's root (was: none, so every
    root-relative link was reported as an absolute path not followed)."""
    a, b = two_repositories(tmp_path)
    (a / "plans").mkdir()
    (b / "plans").mkdir()
    (a / "plans" / "a-plan.md").write_text(complete_plan() + "- [s](/docs/spec.md#alpha)\n")
    (b / "plans" / "b-plan.md").write_text(
        complete_plan() + "- [s](/docs/spec.md#beta)\n- [o](/docs/only-a.md)\n"
    )
    want = {(a / "plans" / "a-plan.md").as_uri(): 0, (b / "plans" / "b-plan.md").as_uri(): 1}
    async with session(root=str(a), folders=[str(b)]) as client:
        listed: list[dict[str, Any]] = []
        for _ in range(400):
            listed = (await plans_of(client))["plans"]
            if want.keys() <= {p["uri"] for p in listed}:
                break
            await asyncio.sleep(0.025)
        assert {p["uri"]: p["problems"] for p in listed if p["uri"] in want} == want
