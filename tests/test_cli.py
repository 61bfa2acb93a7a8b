"""``plan-lsp new`` and ``plan-lsp check`` as a user runs them: a real process, real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import FULL_CONTEXT, SEED, complete_plan, remove_section

ALL_FIELDS = [
    "--feature",
    "User Login",
    "--issue",
    "ABC-123",
    "--author",
    "Zoë",
    "--spec",
    "https://specs.example.org/user-login",
    *[
        a
        for k, v in FULL_CONTEXT.items()
        if k not in ("feature", "issue", "author", "spec", "date")
        for a in ("--set", f"{k}={v}")
    ],
]


def env(cwd: Path, **extra: str) -> dict[str, str]:
    """The environment of a run: the user's cache folder is ``.cache`` in the test's folder
    (hidden, so ``check .`` skips it)."""
    base = {k: v for k, v in os.environ.items() if k != "PLAN_LSP_CACHE_DIR"}
    return {**base, "PYTHONUTF8": "1", "XDG_CACHE_HOME": str(cwd / ".cache"), **extra}


def run(
    *args: str, cwd: Path, input: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plan_lsp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env(cwd, **extra),
        input=input,
    )


def test_new_with_every_field_then_check_has_no_findings(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "spec.md").write_text("# Spec\n")  # the Spec link arrives
    made = run("new", "docs/user-login-plan.md", *ALL_FIELDS, "--spec", "spec.md", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout == "Created docs/user-login-plan.md\n"
    text = (tmp_path / "docs/user-login-plan.md").read_text("utf-8")
    assert text.startswith(
        "# Implementation Plan: User Login\n\n**Issue:** ABC-123\n"
        "**Spec:** [spec.md](spec.md)\n**Author:** Zoë\n"
        f"**Created:** {dt.date.today().isoformat()}\n**Status:** Draft\n"
    )
    # Every field given: nothing left to fill, only the writing, and it does not pass yet.
    checked = run("check", "docs/user-login-plan.md", cwd=tmp_path)
    assert checked.returncode == 1 and checked.stderr == ""
    found = checked.stdout.splitlines()
    assert found[0] == (
        "docs/user-login-plan.md:1:1: error unedited-document Nothing written yet: all 10 "
        "sections with text from the template still hold it, unchanged"
    )
    assert all("warning empty-section" in ln and "unchanged" in ln for ln in found[1:])
    assert len(found) == 11
    # Written (the same plan, every section's text its own): no finding at all.
    lines = text.split("\n")
    written = complete_plan().split("\n")
    assert len(lines) == len(written)
    kept = {0, 2, 3, 4, 5}  # the title and the header fields as `new` wrote them
    mine = "\n".join(lines[i] if i in kept else written[i] for i in range(len(lines)))
    (tmp_path / "docs/user-login-plan.md").write_text(mine, "utf-8")
    checked = run("check", "docs/user-login-plan.md", cwd=tmp_path)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_new_fills_what_it_knows_and_leaves_markers(tmp_path: Path) -> None:
    made = run("new", "checkout-plan.md", cwd=tmp_path)
    assert made.returncode == 0
    assert "fields to resolve" in made.stdout
    text = (tmp_path / "checkout-plan.md").read_text("utf-8")
    assert text.startswith("# Implementation Plan: Checkout\n")
    assert "<<Step Title>>" in text and "<<ISSUE_ID>>" in text


def test_new_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "plan.md"
    target.write_text("mine\n")
    made = run("new", "plan.md", cwd=tmp_path)
    assert made.returncode == 2
    assert "already exists" in made.stderr
    assert target.read_text() == "mine\n"


def test_check_reports_findings_and_exits_1_on_errors(tmp_path: Path) -> None:
    (tmp_path / "a-plan.md").write_text(remove_section(complete_plan(), "Overview"), "utf-8")
    out = run("check", "a-plan.md", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout == (
        "a-plan.md:9:1: error missing-section Missing section '## Overview' "
        "(before 'Prerequisites')\n"
    )


def test_check_warnings_only_exit_0(tmp_path: Path) -> None:
    text = complete_plan().replace("**Issue:** ABC-123", "**Issue:** <<ISSUE_ID>>")
    (tmp_path / "a-plan.md").write_text(text.replace("\n## Notes\n", "\n### Notes\n"), "utf-8")
    out = run("check", ".", cwd=tmp_path)
    assert out.returncode == 0
    # A Draft: unresolved fields are hints until it is In Progress; a demoted heading warns.
    assert [ln.split(": ", 1)[1].split(" ", 2)[:2] for ln in out.stdout.splitlines()] == [
        ["hint", "unresolved-field"],
        ["warning", "heading-level"],
    ]


def test_a_new_plan_does_not_pass_check_until_written(tmp_path: Path) -> None:
    run("new", "a-plan.md", cwd=tmp_path)
    out = run("check", ".", cwd=tmp_path)
    assert out.returncode == 1
    # A Draft: its fields are hints; but nothing is written yet, whatever the Status.
    assert "hint unresolved-field Unresolved field 'Step Title'" in out.stdout
    errors = [ln for ln in out.stdout.splitlines() if " error " in ln]
    assert errors == [
        "./a-plan.md:1:1: error unedited-document Nothing written yet: all 10 sections with "
        "text from the template still hold it, unchanged"
    ]


def test_check_json(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "x.md").write_text(SEED, "utf-8")
    out = run("check", "--format", "json", ".", cwd=tmp_path)
    assert out.returncode == 1
    data = json.loads(out.stdout)
    [entry] = data["files"]
    assert entry["path"] == "./plans/x.md" and entry["kind"] == "plan"
    tokens = [f for f in entry["findings"] if f["code"] == "template-token"]
    assert len(tokens) == SEED.count("{{")
    assert tokens[0] == {
        "line": 1,
        "column": 24,
        "endLine": 1,
        "endColumn": 40,
        "severity": "error",
        "code": "template-token",
        "message": "Leftover template token '{{FEATURE_NAME}}'",
        "fix": {
            "title": "Turn '{{FEATURE_NAME}}' into the field '<<FEATURE_NAME>>'",
            "edits": [
                {
                    "line": 1,
                    "column": 24,
                    "endLine": 1,
                    "endColumn": 40,
                    "newText": "<<FEATURE_NAME>>",
                }
            ],
        },
    }


def test_folders_check_only_plans(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Readme\n\n<<not a plan>>\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "plan.md").write_text("# Whatever\n")
    out = run("check", ".", cwd=tmp_path)
    assert "README" not in out.stdout
    lines = out.stdout.splitlines()
    # Claimed by its path, its first heading is its title: reported once, the rest is checked.
    assert (
        "./notes/plan.md:1:1: warning title-mismatch Title 'Whatever' does not follow the "
        "template's title '# Implementation Plan: <<FEATURE_NAME>>'"
    ) in lines
    assert (
        "./notes/plan.md:1:1: error missing-section Missing section '## Overview' (under "
        "'Whatever')"
    ) in lines


def test_unreadable_non_utf8_and_binary_files_are_error_lines(tmp_path: Path) -> None:
    (tmp_path / "latin-plan.md").write_bytes("# Implementation Plan: Caf\xe9\n".encode("latin-1"))
    (tmp_path / "bin-plan.md").write_bytes(b"\x00\x01\x02# x")
    (tmp_path / "loop-plan.md").symlink_to(tmp_path / "loop-plan.md")
    out = run(
        "check", "latin-plan.md", "bin-plan.md", "loop-plan.md", "missing-plan.md", cwd=tmp_path
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stdout.splitlines() == [
        "latin-plan.md:1:1: error unreadable cannot read: not UTF-8 (byte 26)",
        "bin-plan.md:1:1: error unreadable cannot read: binary file",
        "loop-plan.md:1:1: error unreadable cannot read: Too many levels of symbolic links",
        "missing-plan.md:1:1: error unreadable cannot read: No such file or directory",
    ]


def test_explicit_non_plan_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Readme\n")
    out = run("check", "README.md", cwd=tmp_path)
    assert (out.returncode, out.stdout) == (0, "")
    assert "not a plan" in out.stderr
    forced = run("check", "--template", "plan", "README.md", cwd=tmp_path)
    assert forced.returncode == 1 and "missing-section" in forced.stdout


@pytest.mark.parametrize(
    "args", [["check"], ["new"], ["frobnicate"], ["check", "--format", "xml", "."]]
)
def test_bad_usage_exits_2(tmp_path: Path, args: list[str]) -> None:
    assert run(*args, cwd=tmp_path).returncode == 2


def test_check_does_not_import_the_protocol_stack(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text("# Implementation Plan: X\n")
    code = (
        "import sys, runpy; sys.argv=['plan-lsp','check','plan.md'];\n"
        "from plan_lsp.cli.main import main\n"
        "rc = main(sys.argv[1:])\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env(tmp_path),
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def _plans(folder: Path, count: int) -> None:
    from support import complete_plan

    base = complete_plan()
    for i in range(count):
        text = base
        if i % 3 == 0:
            text = remove_section(text, "Notes")
        if i % 5 == 0:
            text = text.replace("**Status:** Draft", "**Status:** Done")
        (folder / f"p{i:03d}-plan.md").write_text(text, "utf-8")


def test_warm_cache_gives_the_same_output_without_parsing(tmp_path: Path) -> None:
    _plans(tmp_path, 12)
    cold = run("check", ".", cwd=tmp_path)
    assert cold.returncode == 1 and cold.stdout.count("missing-section") == 4
    assert list((tmp_path / ".cache" / "plan-lsp").glob("check-*.json"))
    assert not (tmp_path / ".plan-lsp-cache").exists()  # nothing in the repository
    code = (
        "import sys\n"
        "from plan_lsp.cli.main import main\n"
        "rc = main(['check', '.'])\n"
        "print('PARSED' if 'markdown_it' in sys.modules else 'CACHED', rc, file=sys.stderr)\n"
    )
    warm = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env(tmp_path),
    )
    assert warm.stdout == cold.stdout
    assert warm.stderr.strip() == "CACHED 1"


def test_cache_follows_file_changes(tmp_path: Path) -> None:
    _plans(tmp_path, 2)
    assert run("check", ".", cwd=tmp_path).returncode == 1
    target = tmp_path / "p000-plan.md"
    fixed = target.read_text("utf-8").replace("**Status:** Done", "**Status:** Draft")
    fixed = fixed.replace("## Progress Log", "## Notes\n\nSome.\n\n## Progress Log")
    target.write_text(fixed, "utf-8")
    again = run("check", ".", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "")


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    _plans(tmp_path, 2)
    run("check", "--no-cache", ".", cwd=tmp_path)
    assert not (tmp_path / ".cache").exists()


def test_parallel_check_equals_one_process(tmp_path: Path) -> None:
    _plans(tmp_path, 130)
    one = run("check", "--no-cache", "-j", "1", "--format", "json", ".", cwd=tmp_path)
    many = run("check", "--no-cache", "-j", "4", "--format", "json", ".", cwd=tmp_path)
    assert one.returncode == many.returncode == 1
    assert json.loads(one.stdout) == json.loads(many.stdout)
    assert len(json.loads(one.stdout)["files"]) == 130


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return out


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/stat").exists(), reason="fork")
def test_a_worker_killed_mid_check_leaves_its_plans_to_the_parent(tmp_path: Path) -> None:
    """A forked worker that dies (here: killed) sends nothing back; the parent checks its plans
    itself, and the report is the one a single process gives."""
    import signal

    _plans(tmp_path, 1500)
    one = run("check", "--no-cache", "-j", "1", "--format", "json", ".", cwd=tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "-j", "2", "--format", "json"]
        + ["."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(tmp_path),
    )
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        for child in _children(proc.pid):
            os.kill(child, signal.SIGKILL)
            killed = child
            break
        else:
            time.sleep(0.001)
    stdout, stderr = proc.communicate(timeout=300)
    assert killed is not None, "no worker was seen"
    assert proc.returncode == one.returncode == 1, stderr
    assert json.loads(stdout) == json.loads(one.stdout)
    assert len(json.loads(stdout)["files"]) == 1500
    assert _children(proc.pid) == []


def test_cached_results_follow_their_link_targets(tmp_path: Path) -> None:
    from support import complete_plan

    text = complete_plan().replace("## Notes\n", "## Notes\n\nSee [the spec](spec.md#scope).\n")
    (tmp_path / "a-plan.md").write_text(text, "utf-8")
    first = run("check", ".", cwd=tmp_path)
    assert "broken-link Broken link: 'spec.md#scope' does not exist" in first.stdout
    (tmp_path / "spec.md").write_text("# Spec\n\n## Scope\n", "utf-8")
    assert run("check", ".", cwd=tmp_path).stdout == ""  # the cached result is not reused
    assert run("check", ".", cwd=tmp_path).stdout == ""  # and now it is, and still right
