"""``plan-lsp check`` in CI: SARIF (validated against the official 2.1.0 schema), GitHub
annotations, the exit-status table, standard input, progress on a terminal."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from plan_lsp.core.codes import CODES, DEFAULT_SEVERITY, DESCRIPTIONS, OTHER_CODES
from support import FIXTURES, SEED, complete_plan, remove_section
from test_cli import env, run

ROOT = Path(__file__).parent.parent
# The official SARIF 2.1.0 JSON schema (OASIS, errata 01), as published in oasis-tcs/sarif-spec
# (sarif-2.1/schema/sarif-schema-2.1.0.json), unchanged.
SCHEMA = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text("utf-8"))


def _corpus(folder: Path) -> None:
    """Plans with every kind of finding, team templates, an unreadable file, an odd file name."""
    shutil.copytree(ROOT / "examples" / "templates", folder, dirs_exist_ok=True)
    (folder / "plans").mkdir()
    (folder / "plans" / "seed.md").write_text(SEED, "utf-8")
    broken = remove_section(complete_plan(), "Overview").replace("## Notes", "# Notes")
    broken = broken.replace("**Status:** Draft", "**Status:** Done") + "\nSee [x](gone.md).\n"
    (folder / "plans" / "a,b: c-plan.md").write_text(broken, "utf-8")
    (folder / "plans" / "latin-plan.md").write_bytes(b"# Implementation Plan: Caf\xe9\n")
    (folder / "plans" / "ok-plan.md").write_text(complete_plan(), "utf-8")


def _json(folder: Path) -> dict[str, Any]:
    out = run("check", "--format", "json", ".", cwd=folder)
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def test_sarif_is_valid_sarif_2_1_0_with_rules_regions_and_fixes(tmp_path: Path) -> None:
    import jsonschema

    _corpus(tmp_path)
    out = run("check", "--format", "sarif", ".", cwd=tmp_path)
    assert out.returncode == 2  # the unreadable file
    log = json.loads(out.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    [sarif_run] = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*CODES, *OTHER_CODES]
    for rule in rules:
        meaning = DESCRIPTIONS.get(rule["id"]) or OTHER_CODES[rule["id"]][1]
        assert rule["help"]["markdown"].startswith(f"`{rule['id']}`: {meaning[0].upper()}")
        level = DEFAULT_SEVERITY.get(rule["id"]) or OTHER_CODES[rule["id"]][0]
        assert rule["defaultConfiguration"]["level"] == {"information": "note"}.get(level, level)
    # One result per finding of the JSON report, at the same place, with the same fix.
    expected = [
        (rep["path"].removeprefix("./"), f)
        for rep in _json(tmp_path)["files"]
        for f in rep.get("findings", [])
    ]
    results = sarif_run["results"]
    plain = [r for r in results if r["ruleId"] != "unreadable"]
    assert len(plain) == len(expected) > 20
    for result, (path, f) in zip(plain, expected, strict=True):
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": path, "uriBaseId": "%SRCROOT%"}
        assert loc["region"] == {
            "startLine": f["line"],
            "startColumn": f["column"],
            "endLine": f["endLine"],
            "endColumn": f["endColumn"],
        }
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == f["code"]
        assert result["message"]["text"] == f["message"]
        if f["fix"] is None:
            assert "fixes" not in result
        else:
            [fix] = result["fixes"]
            [change] = fix["artifactChanges"]
            assert fix["description"]["text"] == f["fix"]["title"]
            assert [r["insertedContent"]["text"] for r in change["replacements"]] == [
                e["newText"] for e in f["fix"]["edits"]
            ]
    codes = {r["ruleId"] for r in results}
    assert {"missing-section", "invalid-value", "template-token", "broken-link"} <= codes
    assert "unreadable" in codes and any("fixes" in r for r in results)
    assert sarif_run["columnKind"] == "unicodeCodePoints"


def test_sarif_of_a_clean_run_is_valid_and_empty(tmp_path: Path) -> None:
    import jsonschema

    (tmp_path / "ok-plan.md").write_text(complete_plan(), "utf-8")
    out = run("check", "--format", "sarif", ".", cwd=tmp_path)
    log = json.loads(out.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert (out.returncode, log["runs"][0]["results"]) == (0, [])


def test_the_readme_table_of_codes_is_the_rules_help(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| \w+ \| (.+) \|$", readme, re.M))
    assert {c: rows.get(c) for c in CODES} == {c: DESCRIPTIONS.get(c) for c in CODES}


GITHUB = re.compile(
    r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),"
    r"endColumn=(\d+),title=([a-z-]+)::(.*)"
)


def test_github_annotations_one_per_finding(tmp_path: Path) -> None:
    _corpus(tmp_path)
    out = run("check", "--format", "github", ".", cwd=tmp_path)
    lines = out.stdout.splitlines()
    expected = [
        (rep["path"].removeprefix("./"), f)
        for rep in _json(tmp_path)["files"]
        for f in rep.get("findings", [{"code": "unreadable"}])
    ]
    assert len(lines) == len(expected)
    level = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}
    for line, (path, f) in zip(lines, expected, strict=True):
        m = GITHUB.fullmatch(line)
        assert m, line
        unescaped = m.group(2).replace("%2C", ",").replace("%3A", ":").replace("%25", "%")
        assert unescaped == path
        if f["code"] != "unreadable":
            assert m.groups()[2:] == (
                str(f["line"]),
                str(f["column"]),
                str(f["endLine"]),
                str(f["endColumn"]),
                f["code"],
                f["message"].replace("%", "%25"),
            )
            assert m.group(1) == level[f["severity"]]
    assert "file=plans/a%2Cb%3A c-plan.md,line=" in out.stdout  # property values escaped


# -- exit statuses ------------------------------------------------------------------------------

WARNINGS_ONLY = (  # two heading-level warnings
    complete_plan()
    .replace("\n## Notes\n", "\n### Notes\n")
    .replace("\n## Overview\n", "\n### Overview\n")
)
ERRORS = remove_section(complete_plan(), "Overview")


@pytest.mark.parametrize(
    ("files", "args", "status"),
    [
        ({"a-plan.md": complete_plan()}, [], 0),
        ({"a-plan.md": WARNINGS_ONLY}, [], 0),
        ({"a-plan.md": WARNINGS_ONLY}, ["--max-warnings", "2"], 0),
        ({"a-plan.md": WARNINGS_ONLY}, ["--max-warnings", "1"], 1),
        ({"a-plan.md": WARNINGS_ONLY}, ["--max-warnings", "0"], 1),
        ({"a-plan.md": ERRORS}, [], 1),
        ({"a-plan.md": ERRORS}, ["--max-warnings", "100"], 1),
        ({"a-plan.md": complete_plan(), "b-plan.md": b"\xff"}, [], 2),
        ({"a-plan.md": complete_plan(), ".plan-lsp.toml": "severity = 3\n"}, [], 2),
        ({"a-plan.md": complete_plan()}, ["--frobnicate"], 2),
        ({"a-plan.md": complete_plan()}, ["--max-warnings", "x"], 2),
        ({"a-plan.md": complete_plan()}, ["--fix", "--diff"], 2),
        ({"a-plan.md": ERRORS}, ["--diff"], 1),
        ({"a-plan.md": complete_plan()}, ["--diff"], 0),
    ],
    ids=["clean", "warnings", "warnings-within-max", "warnings-over-max", "max-0", "errors",
         "errors-whatever-max", "unreadable", "invalid-config", "unknown-option", "bad-number",
         "fix-and-diff", "diff-changes", "diff-nothing"],
)  # fmt: skip
def test_exit_status_table(
    tmp_path: Path, files: dict[str, str | bytes], args: list[str], status: int
) -> None:
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    out = run("check", *args, ".", cwd=tmp_path)
    assert out.returncode == status, out.stderr
    assert "Traceback" not in out.stderr


def test_the_readme_documents_every_exit_status() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("Exit status:") :]
    statuses = re.findall(r"^\| (\d+) \|", section[: section.index("\n\n", 20)], re.M)
    assert statuses == ["0", "1", "2", "3", "130"]


# -- standard input -----------------------------------------------------------------------------


def test_stdin_is_checked_as_the_named_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "spec.md").write_text("# Spec\n\n## Scope\n", "utf-8")
    text = ERRORS.replace("## Notes\n", "## Notes\n\n[a](spec.md#scope) [b](spec.md#nope)\n")
    out = run("check", "-", "--stdin-filename", "docs/x-plan.md", cwd=tmp_path, input=text)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert all(ln.startswith("docs/x-plan.md:") for ln in lines)
    assert "missing-section Missing section '## Overview'" in lines[0]
    # Links resolve beside docs/x-plan.md: one heading is there, the other is not.
    assert [ln.split(": ", 1)[1] for ln in lines if "broken-link" in ln] == [
        "warning broken-link Broken link: 'spec.md' has no heading '#nope'"
    ]
    # Not a plan by its path or title: nothing, with a note.
    other = run("check", "-", "--stdin-filename", "notes.md", cwd=tmp_path, input="# Hi\n")
    assert (other.returncode, other.stdout) == (0, "") and "not a plan" in other.stderr
    assert not (tmp_path / "docs" / "x-plan.md").exists()


def test_stdin_fix_prints_the_fixed_text_and_the_rest_on_stderr(tmp_path: Path) -> None:
    text = ERRORS
    out = run("check", "-", "--stdin-filename", "a-plan.md", "--fix", cwd=tmp_path, input=text)
    assert out.returncode == 0, out.stderr
    assert out.stdout == run("check", "-", "--stdin-filename", "a-plan.md", "--fix",
                             cwd=tmp_path, input=out.stdout).stdout  # fmt: skip
    assert "## Overview" in out.stdout
    # What no fix can do is left on stderr: the inserted section's text is still the template's.
    assert out.stderr == (
        "a-plan.md:9:1: warning empty-section Section 'Overview' still holds the template's "
        "text, unchanged\n"
    )


@pytest.mark.parametrize(
    "args",
    [["-", "a.md"], ["-", "-"], ["--stdin-filename", "x.md", "a.md"]],
)
def test_stdin_usage_errors(tmp_path: Path, args: list[str]) -> None:
    out = run("check", *args, cwd=tmp_path, input="")
    assert out.returncode == 2 and out.stderr.startswith("plan-lsp: ")


# -- progress -----------------------------------------------------------------------------------


def _many(folder: Path, count: int) -> None:
    text = complete_plan()
    for i in range(count):
        (folder / f"p{i:04d}-plan.md").write_text(text, "utf-8")


def _run_on_pty(folder: Path, *args: str) -> tuple[int, str, str, float]:
    import pty

    leader, follower = pty.openpty()
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plan_lsp", *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env(folder),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.stdout is not None
    stdout = proc.stdout.read().decode()
    status = proc.wait(timeout=300)
    os.close(leader)
    return status, stdout, b"".join(chunks).decode(), time.monotonic() - start


def test_progress_on_a_terminal_after_a_second_only(tmp_path: Path) -> None:
    # Enough plans for one process to pass the one-second delay (600 did once; checks got
    # faster and the test then skipped itself on every run).
    _many(tmp_path, 2000)
    status, stdout, terminal, took = _run_on_pty(tmp_path, "check", "--no-cache", "-j", "1", ".")
    assert (status, stdout) == (0, "")
    if took < 1.5:  # a machine this fast never reaches the delay
        pytest.skip(f"the check took {took:.2f} s")
    assert re.search(r"\rplan-lsp: checked \d+/2000 files", terminal), terminal[:300]
    assert terminal.endswith("\r\x1b[K")  # the line is erased when done
    # The same run in a pipe: nothing on stderr.
    piped = run("check", "--no-cache", "-j", "1", ".", cwd=tmp_path)
    assert (piped.returncode, piped.stderr) == (0, "")


def test_no_progress_for_a_short_run_on_a_terminal(tmp_path: Path) -> None:
    _many(tmp_path, 2)
    status, _, terminal, _ = _run_on_pty(tmp_path, "check", "--no-cache", ".")
    assert (status, terminal) == (0, "")
