"""Multi-root workspaces over stdio (pytest-lsp): each workspace folder is its own repository,
and a document's root-relative links (``/docs/x.md``) start at its repository's root — for
diagnostics, go-to-definition, the "create the missing file" fix and the workspace index —
never leaving the workspace folders."""

from __future__ import annotations

import asyncio
import re
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


# -- watching every folder's templates ---------------------------------------------------------


def glob_regex(glob: str) -> re.Pattern[str]:
    """An LSP glob pattern (``**``, ``*``, ``?``, ``{a,b}``, ``[…]``) as a regular expression
    over a whole path, as VS Code matches a watcher's pattern."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "{":
            end = glob.index("}", i)
            out.append("(?:" + "|".join(re.escape(x) for x in glob[i + 1 : end].split(",")) + ")")
            i = end + 1
        elif glob[i] == "[":
            end = glob.index("]", i)
            out.append("[" + glob[i + 1 : end].replace("!", "^", 1) + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out))


def watched(client: Any) -> list[str]:
    """The globs of the server's watcher registrations in force (registered and not withdrawn
    since, in the order the client got them)."""
    live: dict[str, list[str]] = {}
    for how, item in client.capability_log:
        assert item.method == "workspace/didChangeWatchedFiles"
        if how == "unregister":
            assert item.id in live  # only what it registered
            del live[item.id]
            continue
        assert item.id not in live  # an id in use is withdrawn first
        options = item.register_options
        ws = options["watchers"] if isinstance(options, dict) else options.watchers
        live[item.id] = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in ws]
    return [g for gs in live.values() for g in gs]


def is_watched(client: Any, path: Path) -> bool:
    return any(glob_regex(g).fullmatch(str(path)) for g in watched(client))


async def until(check: Any, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise TimeoutError("not yet")
        await asyncio.sleep(0.01)


async def until_async(step: Any, check: Any, timeout: float = 20) -> None:
    """Run ``step`` until ``check`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await step()
        if check():
            return
        if loop.time() > deadline:
            raise TimeoutError("not yet")
        await asyncio.sleep(0.025)


RFC_TEMPLATE = """\
# RFC {{N}}: {{Title}}

**Stage:** Draft | Review | Final

## Summary

One paragraph.

## Motivation

Why.
"""
RFC = "# RFC 7: Faster builds\n\n**Stage:** Draft\n\n## Summary\n\nCache.\n"


async def test_every_folders_templates_folder_is_watched(tmp_path: Path) -> None:
    """Folder b names its templates folder in its configuration file, folder c (added later)
    another: the server asks the client to watch each (one glob per templates folder), and a
    template changed on disk there re-checks that folder's documents."""
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder, name in ((b, "kinds"), (c, "docs/forms")):
        (folder / name).mkdir(parents=True)
        (folder / ".plan-lsp.toml").write_text(f'templatesDir = "{name}"\n', "utf-8")
        (folder / name / "rfc.md.j2").write_text(RFC_TEMPLATE, "utf-8")
    a.mkdir()
    tb, tc = b / "kinds" / "rfc.md.j2", c / "docs" / "forms" / "rfc.md.j2"
    (b / "rfcs").mkdir()
    on_disk = b / "rfcs" / "8-on-disk.md"  # closed: the workspace index has it
    on_disk.write_text(RFC.replace("RFC 7", "RFC 8"), "utf-8")
    in_b, in_c = (b / "rfcs" / "7-faster.md").as_uri(), (c / "rfcs" / "7-faster.md").as_uri()
    async with session(root=str(a), folders=[str(b)]) as client:
        await until(lambda: client.registrations)  # type: ignore[attr-defined]
        assert is_watched(client, tb)
        assert is_watched(client, a / ".plan-templates" / "adr.md.j2")
        assert not is_watched(client, tc)
        assert is_watched(client, b / "docs" / "x.md")  # links' targets
        assert is_watched(client, b / ".plan-lsp.toml")
        open_doc(client, in_b, RFC)
        got = await diagnostics(client, in_b, version=1)
        assert [d.message for d in got] == ["Missing section '## Motivation' (after 'Summary')"]
        indexed: list[str] = []

        async def index_lists_on_disk() -> None:
            listed = (await plans_of(client))["plans"]
            indexed[:] = [p["kind"] for p in listed if p["uri"] == on_disk.as_uri()]

        await until_async(index_lists_on_disk, lambda: indexed == ["rfc"])

        # b's template changed on disk: b's document is checked again with it.
        mark = len(client.published)  # type: ignore[attr-defined]
        tb.write_text(RFC_TEMPLATE.replace("## Motivation", "## Rationale"), "utf-8")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=tb.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        got = await diagnostics(client, in_b, version=1, after=mark)
        assert [d.message for d in got] == ["Missing section '## Rationale' (after 'Summary')"]

        # Folder c comes: its templates folder is watched too (the registration made again).
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(uri=c.as_uri(), name="c")], removed=[]
                )
            )
        )
        await until(lambda: is_watched(client, tc))
        assert is_watched(client, tb)
        # One glob per templates folder (each by its path in its folder), then the others.
        assert watched(client) == [
            "**/.plan-templates/*",
            "**/kinds/*",
            "**/docs/forms/*",
            "**/*.md",
            "**/.plan-lsp.toml",
            "**/pyproject.toml",
        ]
        open_doc(client, in_c, RFC)
        got = await diagnostics(client, in_c, version=1)
        assert [d.message for d in got] == ["Missing section '## Motivation' (after 'Summary')"]
        mark = len(client.published)  # type: ignore[attr-defined]
        tc.write_text(RFC_TEMPLATE.replace("## Motivation", "## Context"), "utf-8")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=tc.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        got = await diagnostics(client, in_c, version=1, after=mark)
        assert [d.message for d in got] == ["Missing section '## Context' (after 'Summary')"]
        # b's template deleted: b's document is of no kind any more.
        mark = len(client.published)  # type: ignore[attr-defined]
        tb.unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=tb.as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        assert await diagnostics(client, in_b, version=1, after=mark) == []
        # ... and the index, rebuilt, no longer lists b's closed RFC (of no kind either).
        await until_async(index_lists_on_disk, lambda: not indexed)


async def test_the_watchers_follow_the_templates_folder_setting(tmp_path: Path) -> None:
    """The editor names another templates folder: it is watched instead (the registration made
    again once); settings that leave the folders as they were register nothing."""
    (tmp_path / "team" / "tpl").mkdir(parents=True)
    template = tmp_path / "team" / "tpl" / "rfc.md.j2"
    template.write_text(RFC_TEMPLATE, "utf-8")
    async with session(root=str(tmp_path)) as client:
        await until(lambda: client.registrations)  # type: ignore[attr-defined]
        assert not is_watched(client, template)
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"planLsp": {"templatesDir": "team/tpl"}})
        )
        await until(lambda: is_watched(client, template))
        assert not is_watched(client, tmp_path / ".plan-templates" / "rfc.md.j2")
        assert len(client.registrations) == 2  # type: ignore[attr-defined]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"planLsp": {"templatesDir": "team/tpl", "maxDiagnostics": 9}}
            )
        )
        uri = (tmp_path / "rfcs" / "7-faster.md").as_uri()
        open_doc(client, uri, RFC)  # answered after the settings are applied
        got = await diagnostics(client, uri, version=1)
        assert [d.message for d in got] == ["Missing section '## Motivation' (after 'Summary')"]
        assert len(client.registrations) == 2  # type: ignore[attr-defined]


async def test_folders_sharing_a_templates_folder_share_its_watcher(tmp_path: Path) -> None:
    """Folder a takes b's templates folder (``../b/kinds``): one glob for both, by its path in
    b; a templates folder outside the workspace is not watched (it is not used)."""
    a, b = tmp_path / "a", tmp_path / "b"
    (b / "kinds").mkdir(parents=True)
    (b / "kinds" / "rfc.md.j2").write_text(RFC_TEMPLATE, "utf-8")
    (b / ".plan-lsp.toml").write_text('templatesDir = "kinds"\n', "utf-8")
    a.mkdir()
    (a / ".plan-lsp.toml").write_text('templatesDir = "../b/kinds"\n', "utf-8")
    (tmp_path / "elsewhere").mkdir()
    async with session(root=str(a), folders=[str(b)]) as client:
        await until(lambda: client.registrations)  # type: ignore[attr-defined]
        assert watched(client) == [
            "**/kinds/*",
            "**/*.md",
            "**/.plan-lsp.toml",
            "**/pyproject.toml",
        ]
        uri = (a / "rfcs" / "7-faster.md").as_uri()
        open_doc(client, uri, RFC)  # a's document, of b's kind
        got = await diagnostics(client, uri, version=1)
        assert [d.message for d in got] == ["Missing section '## Motivation' (after 'Summary')"]
        always = ["**/*.md", "**/.plan-lsp.toml", "**/pyproject.toml"]
        # a's configuration names its own folder, then one outside the workspace (refused: not
        # used, not watched).
        for setting, count, want in (
            ("own", 2, ["**/own/*", "**/kinds/*", *always]),
            ("../elsewhere", 3, ["**/kinds/*", *always]),
        ):
            (a / ".plan-lsp.toml").write_text(f'templatesDir = "{setting}"\n', "utf-8")
            client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[
                        types.FileEvent(
                            uri=(a / ".plan-lsp.toml").as_uri(), type=types.FileChangeType.Changed
                        )
                    ]
                )
            )
            await until(lambda n=count: len(client.registrations) == n)  # type: ignore[attr-defined,misc]
            assert watched(client) == want


PLAN_TEMPLATE = "# Plan {{N}}\n\n## Goal\n\nWhat.\n\n## Steps\n\nHow.\n"


async def test_a_folders_plan_template_changed_on_disk_rechecks_its_plans(tmp_path: Path) -> None:
    """Folder b's ``planLsp.template`` (its configuration file), a ``.md.j2`` file: watched,
    and changed on disk it is read again and b's plans re-checked with it."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    (b / "tpl").mkdir(parents=True)
    template = b / "tpl" / "team-plan.md.j2"
    template.write_text(PLAN_TEMPLATE, "utf-8")
    (b / ".plan-lsp.toml").write_text('template = "tpl/team-plan.md.j2"\n', "utf-8")
    uri = (b / "docs" / "x-plan.md").as_uri()
    async with session(root=str(a), folders=[str(b)]) as client:
        await until(lambda: client.registrations)  # type: ignore[attr-defined]
        assert is_watched(client, template)
        open_doc(client, uri, "# Plan 1\n\n## Goal\n\nShip.\n")
        got = await diagnostics(client, uri, version=1)
        assert [d.message for d in got] == ["Missing section '## Steps' (after 'Goal')"]
        mark = len(client.published)  # type: ignore[attr-defined]
        template.write_text(PLAN_TEMPLATE.replace("## Steps", "## Risks"), "utf-8")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=template.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        got = await diagnostics(client, uri, version=1, after=mark)
        assert [d.message for d in got] == ["Missing section '## Risks' (after 'Goal')"]


async def test_a_folder_inside_a_repository_links_from_the_repositorys_root(
    tmp_path: Path,
) -> None:
    """A workspace folder that is a subfolder of a repository (a monorepo's service): its
    root-relative links start at the repository's root, as on GitHub and for ``plan-lsp
    check``; a target outside the folder is reported, never read."""
    repo = tmp_path / "mono"
    git_init(repo)
    service = repo / "services" / "pay"
    (service / "docs").mkdir(parents=True)
    (service / "docs" / "spec.md").write_text("# Spec\n\n## Beta\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "top.md").write_text("# Top\n")
    uri = (service / "plans" / "x-plan.md").as_uri()
    text = complete_plan() + "- [s](/services/pay/docs/spec.md#beta)\n- [t](/docs/top.md)\n"
    async with session(root=str(service)) as client:
        open_doc(client, uri, text)
        got = await diagnostics(client, uri, version=1)
        assert [d.message for d in got] == [
            "Link not followed: '/docs/top.md': it is outside the workspace"
        ]
        line = text.split("\n").index("- [s](/services/pay/docs/spec.md#beta)")
        found = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=doc_id(uri), position=types.Position(line=line, character=8)
            )
        )
        assert isinstance(found, types.Location)
        assert (found.uri, found.range.start.line) == ((service / "docs" / "spec.md").as_uri(), 2)


# -- the diagnostics scope, per folder ---------------------------------------------------------


async def test_each_folder_has_its_own_diagnostics_scope(tmp_path: Path) -> None:
    """``diagnosticsScope = "workspace"`` in one folder's configuration file: the problems of
    that folder's closed plans are reported (pushed, and in ``workspace/diagnostic``), the other
    folder's are not — whichever folder comes first (was: the first folder's setting for all)."""
    from test_lsp_workspace_index import caps, indexed, plan

    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "plans").mkdir(parents=True)
        (folder / "plans" / "done-plan.md").write_text(plan("Completed", 3), "utf-8")
    (a / ".plan-lsp.toml").write_text('diagnosticsScope = "workspace"\n', "utf-8")
    in_a = (a / "plans" / "done-plan.md").as_uri()
    in_b = (b / "plans" / "done-plan.md").as_uri()
    for first, other in ((b, a), (a, b)):
        async with session(caps(), root=str(first), folders=[str(other)]) as client:
            got = await diagnostics(client, in_a)
            assert [d.code for d in got] == ["status-mismatch"]
            await indexed(client)
            await asyncio.sleep(0.3)
            assert in_b not in {p.uri for p in client.published}  # type: ignore[attr-defined]
        pull = caps()
        pull.text_document.diagnostic = types.DiagnosticClientCapabilities()  # type: ignore[union-attr]
        async with session(pull, root=str(first), folders=[str(other)]) as client:
            await indexed(client)
            report = await client.workspace_diagnostic_async(
                types.WorkspaceDiagnosticParams(previous_result_ids=[])
            )
            assert [i.uri for i in report.items] == [in_a]
