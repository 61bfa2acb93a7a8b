"""``plan-lsp status`` as a user runs it: a real process over real plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import complete_plan
from test_cli import run

PLAN = complete_plan()


def plan(status: str, ticked: int) -> str:
    text = PLAN.replace("**Status:** Draft", f"**Status:** {status}", 1)
    return text.replace("- [ ] ", "- [x] ", ticked)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "login-plan.md").write_text(plan("In Progress", 7), "utf-8")
    (tmp_path / "plans" / "search-plan.md").write_text(plan("Completed", 28), "utf-8")
    shipped = plan("Completed", 16).replace("- The user directory service\n", "")
    (tmp_path / "plans" / "export-plan.md").write_text(shipped, "utf-8")
    (tmp_path / "README.md").write_text("# Not a plan\n", "utf-8")
    return tmp_path


def test_the_table_shows_every_plan_and_names_the_mismatch(repo: Path) -> None:
    out = run("status", cwd=repo)
    assert out.stdout.splitlines() == [
        "PLAN                    KIND  STATUS           PROGRESS  PROBLEMS",
        "./plans/export-plan.md  plan  Completed     16/28 (57%)         2",
        "./plans/login-plan.md   plan  In Progress    7/28 (25%)         0",
        "./plans/search-plan.md  plan  Completed    28/28 (100%)         0",
        "./plans/export-plan.md:7: Status is Completed but 12 of 28 tasks are open; "
        "empty: Internal Dependencies",
    ]
    assert out.returncode == 1, out.stderr


def test_json_and_markdown(repo: Path) -> None:
    out = run("status", "plans/login-plan.md", "plans/search-plan.md", "--format", "json", cwd=repo)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["plans"]
    assert rows[0] == {
        "path": "plans/login-plan.md",
        "title": "Implementation Plan: User Login 🔐",
        "kind": "plan",
        "status": "In Progress",
        "tasksDone": 7,
        "tasksTotal": 28,
        "problems": 0,
        "errors": 0,
        "mismatch": None,
        "mismatchLine": None,
        "mismatchIsError": False,
    }
    assert [(r["status"], r["tasksDone"]) for r in rows] == [("In Progress", 7), ("Completed", 28)]
    md = run("status", "plans", "--format", "markdown", cwd=repo)
    assert md.returncode == 1
    assert md.stdout.splitlines() == [
        "| Plan | Kind | Status | Progress | Problems |",
        "|---|---|---|--:|--:|",
        "| [Implementation Plan: User Login 🔐](plans/export-plan.md) | plan | Completed ⚠️ "
        "| 16/28 (57%) | 2 |",
        "| [Implementation Plan: User Login 🔐](plans/login-plan.md) | plan | In Progress "
        "| 7/28 (25%) | 0 |",
        "| [Implementation Plan: User Login 🔐](plans/search-plan.md) | plan | Completed "
        "| 28/28 (100%) | 0 |",
        "",
        "⚠️ Implementation Plan: User Login 🔐: Status is Completed but 12 of 28 tasks are open; "
        "empty: Internal Dependencies",
    ]


def test_a_mismatch_turned_down_in_the_template_does_not_fail(repo: Path) -> None:
    folder = repo / ".plan-templates"
    folder.mkdir()
    from plan_lsp.core.resources import builtin_text

    text = builtin_text().replace(
        "  rules:\n", "  severity: {status-mismatch: warning}\n  rules:\n"
    )
    (folder / "plan.md").write_text(text, "utf-8")
    out = run("status", "plans/export-plan.md", cwd=repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Status is Completed but 12 of 28 tasks are open" in out.stdout


def test_unreadable_files_and_no_plans(repo: Path) -> None:
    (repo / "plans" / "bad-plan.md").write_bytes(b"\xff\xfe# x\n")
    out = run("status", "plans", cwd=repo)
    assert out.returncode == 2
    assert "./plans/bad-plan.md" not in out.stdout
    assert "plans/bad-plan.md:1:1: error unreadable cannot read: not UTF-8 (byte 0)" in out.stdout
    empty = repo / "empty"
    empty.mkdir()
    out = run("status", cwd=empty)
    assert (out.returncode, out.stdout) == (0, "no plans found\n")


def test_status_and_check_read_the_same_configuration_and_agree(repo: Path) -> None:
    """``status`` checks as ``check`` does: the repository's configuration file applies (here a
    status mismatch turned down to a warning and a section made optional), and each plan's
    problems are the errors, warnings and information ``check`` reports for it."""
    before = run("status", "--format", "json", cwd=repo)
    assert before.returncode == 1, before.stderr  # the export plan's mismatch is an error
    (repo / ".plan-lsp.toml").write_text('[severity]\n"status-mismatch" = "warning"\n', "utf-8")
    status = run("status", "--format", "json", cwd=repo)
    check = run("check", "--format", "json", ".", cwd=repo)
    assert status.returncode == 0, status.stderr
    rows = {r["path"].removeprefix("./"): r for r in json.loads(status.stdout)["plans"]}
    export = rows["plans/export-plan.md"]
    assert (export["mismatchIsError"], export["errors"]) == (False, 0)
    counted = {
        f["path"].removeprefix("./"): sum(
            1 for x in f["findings"] if x["severity"] in ("error", "warning", "information")
        )
        for f in json.loads(check.stdout)["files"]
        if f["kind"] == "plan"
    }
    assert counted == {path: r["problems"] for path, r in rows.items()}
    assert any(counted.values())


def test_status_fills_and_reads_checks_cache(repo: Path) -> None:
    """A ``status`` run leaves results a ``check`` run then takes (and the other way), both
    right; ``--no-cache`` writes nothing."""
    cache = repo / ".cache"
    assert run("status", "--no-cache", cwd=repo).returncode == 1
    assert not cache.exists()
    first = run("status", cwd=repo)
    assert cache.exists() and any(p.is_file() for p in cache.rglob("*"))

    def files() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in sorted(cache.rglob("*")) if p.is_file()}

    written = files()
    # The cached results: change nothing and both commands answer as without the cache, taking
    # every result from what status wrote (nothing new to write: the files stay as they were).
    again = run("status", cwd=repo)
    assert again.stdout == first.stdout
    cold = run("check", "--no-cache", "--format", "json", ".", cwd=repo)
    warm = run("check", "--format", "json", ".", cwd=repo)
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    assert files() == written
    # A plan edited since: its row follows the edit.
    path = repo / "plans" / "login-plan.md"
    path.write_text(plan("In Progress", 9), "utf-8")
    rows = json.loads(run("status", "--format", "json", cwd=repo).stdout)["plans"]
    login = next(r for r in rows if r["path"].endswith("login-plan.md"))
    assert login["tasksDone"] == 9
