"""The workspace index kept between starts of the server (``index.Store``): an unchanged plan
is indexed from the signed cache file, exactly as a check would index it; a changed plan, a
link target that comes or goes, other settings or a tampered file mean checking again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from plan_lsp.core import engine, kinds
from plan_lsp.workspace import index
from plan_lsp.workspace.files import Files, heading_lookup
from support import complete_plan, remove_section

PLAN = complete_plan()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signing secret in a folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PLAN_LSP_CACHE_DIR", raising=False)


def workspace(root: Path) -> Path:
    (root / "plans").mkdir(parents=True)
    (root / "plans" / "a-plan.md").write_text(PLAN, "utf-8")
    (root / "plans" / "b-plan.md").write_text(
        remove_section(PLAN, "Testing Strategy").replace("Draft", "Completed"), "utf-8"
    )
    (root / "plans" / "c-plan.md").write_text(PLAN + "\nSee [notes](../notes.md).\n", "utf-8")
    (root / "README.md").write_text("# Read me\n\nNot a plan.\n", "utf-8")
    return root / "ws"


def build(
    root: Path,
    options: engine.Options | None = None,
    cache: Path | None = None,
    is_open: Any = lambda path: False,
) -> tuple[index.Index, index.Store | None]:
    files = Files()
    plan = [kinds.builtin_plan()]
    opts = options or engine.Options()
    lookup = heading_lookup(files, lambda _: [str(root)])
    store = None
    if cache is not None:
        key = index.store_key(plan, opts, [str(root)])
        assert key is not None
        store = index.Store(key, is_open, cache)
    idx = index.Index()

    def check(path: str) -> index.Entry | None:
        return index.check_file(files, path, plan, opts, lookup, store)

    asyncio.run(index.build(idx, files, [str(root)], check))
    if store is not None:
        store.save()
    return idx, store


def seen(idx: index.Index) -> dict[str, Any]:
    """Everything the index answers with, per plan (findings without quick-fix data)."""
    return {
        Path(p).name: (
            e.uri,
            e.summary,
            [(f.code, f.severity, f.message, f.span) for f in e.findings],
            e.headings,
            e.lines,
        )
        for p, e in idx.entries.items()
    }


def test_an_unchanged_workspace_is_indexed_from_the_store_exactly_as_checked(
    tmp_path: Path,
) -> None:
    workspace(tmp_path)
    cache = tmp_path / "cache"
    fresh, _ = build(tmp_path)
    first, store = build(tmp_path, cache=cache)
    assert store is not None and store.hits == 0
    assert [p.name for p in cache.glob("index-*.json")] != []
    again, store = build(tmp_path, cache=cache)
    assert store is not None and store.hits == 4  # the three plans and the README
    assert seen(again) == seen(first) == seen(fresh)
    assert sorted(seen(again)) == ["a-plan.md", "b-plan.md", "c-plan.md"]
    b = again.entries[str(tmp_path / "plans" / "b-plan.md")]
    assert b.summary.mismatch == "Status is Completed but 26 of 26 tasks are open"
    assert sorted(f.code for f in b.findings) == ["missing-section", "status-mismatch"]
    c = again.entries[str(tmp_path / "plans" / "c-plan.md")]
    assert [f.code for f in c.findings] == ["broken-link"]


def test_what_changed_is_checked_again(tmp_path: Path) -> None:
    workspace(tmp_path)
    cache = tmp_path / "cache"
    build(tmp_path, cache=cache)
    a = tmp_path / "plans" / "a-plan.md"
    a.write_text(remove_section(PLAN, "Rollback Plan"), "utf-8")
    (tmp_path / "notes.md").write_text("# Notes\n", "utf-8")  # c-plan.md's link now leads
    got, store = build(tmp_path, cache=cache)
    assert store is not None and store.hits == 2  # b-plan.md and the README
    fresh, _ = build(tmp_path)
    assert seen(got) == seen(fresh)
    assert [f.code for f in got.entries[str(a)].findings] == ["missing-section"]
    assert got.entries[str(tmp_path / "plans" / "c-plan.md")].findings == []
    (tmp_path / "notes.md").unlink()  # and goes again
    got, store = build(tmp_path, cache=cache)
    assert store is not None and store.hits == 3
    assert [f.code for f in got.entries[str(tmp_path / "plans" / "c-plan.md")].findings] == [
        "broken-link"
    ]


def test_other_settings_or_templates_use_another_file(tmp_path: Path) -> None:
    workspace(tmp_path)
    cache = tmp_path / "cache"
    build(tmp_path, cache=cache)
    louder = engine.Options(severity={"missing-section": "error"})
    got, store = build(tmp_path, louder, cache=cache)
    assert store is not None and store.hits == 0
    b = got.entries[str(tmp_path / "plans" / "b-plan.md")]
    assert [f.severity for f in b.findings if f.code == "missing-section"] == ["error"]
    plan = [kinds.builtin_plan()]
    other = kinds.load_kind("plan", "# Plan\n\n## Only\n\nText.\n")
    assert index.store_key(plan, engine.Options(), [str(tmp_path)]) != index.store_key(
        [other], engine.Options(), [str(tmp_path)]
    )
    assert len(list(cache.glob("index-*.json"))) == 2


def test_a_tampered_or_foreign_file_is_never_trusted(tmp_path: Path) -> None:
    workspace(tmp_path)
    cache = tmp_path / "cache"
    first, _ = build(tmp_path, cache=cache)
    [kept] = cache.glob("index-*.json")
    raw = kept.read_bytes()
    for bad in (
        raw.replace(b"missing-section", b"missing-sectioN"),  # the signature no longer holds
        raw[: len(raw) // 2],
        b"",
        b"\xff\xfe not json",
    ):
        kept.write_bytes(bad)
        got, store = build(tmp_path, cache=cache)
        assert store is not None and store.hits == 0
        assert seen(got) == seen(first)


def test_a_plan_linking_to_an_open_document_is_not_kept(tmp_path: Path) -> None:
    workspace(tmp_path)
    cache = tmp_path / "cache"
    notes = str(tmp_path / "notes.md")
    build(tmp_path, cache=cache, is_open=lambda path: path == notes)
    _, store = build(tmp_path, cache=cache)
    assert store is not None and store.hits == 3  # not c-plan.md, whose link led to it


def test_the_shape_of_a_kept_entry_is_checked() -> None:
    good = index.to_stored(
        index.Entry(
            "/p", "file:///p", _summary(), [], [index.IndexedHeading("T", 0, 0, 2, 3)], {0: "# T"}
        )
    )
    assert index.valid_stored(good)
    assert index.valid_stored(index.NOT_A_PLAN)
    bad: list[Any] = [
        None,
        "other",
        [],
        {**good, "extra": 1},
        {**good, "summary": good["summary"][:8]},
        {**good, "summary": [3, *good["summary"][1:]]},
        {**good, "summary": [*good["summary"][:3], -1, *good["summary"][4:]]},
        {**good, "summary": [*good["summary"][:3], True, *good["summary"][4:]]},
        {**good, "findings": [["code", "error", "m", 0, 0, 0]]},
        {**good, "findings": [["code", "error", "m", 0, 0, 0, "x"]]},
        {**good, "headings": [["T", 3, 0, 2, 3]]},
        {**good, "lines": [["0", "# T"]]},
        {**good, "lines": {"0": "# T"}},
    ]
    for value in bad:
        assert not index.valid_stored(value), value


def _summary() -> Any:
    from plan_lsp.features.progress import Summary

    return Summary("T", "plan", "Draft", 1, 2, 0, 0, None)
