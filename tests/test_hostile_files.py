"""Hostile repositories through the real ``plan-lsp check``: links, plans and templates that are
devices, FIFOs, stdin or huge, and links leading out of the repository. Nothing is opened that
could block, nothing is read past the size cap, nothing outside the repository is read; each
is reported and the rest is checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from plan_lsp.workspace import files
from support import complete_plan

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev need POSIX")


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``plan-lsp check`` with its stdin a pipe nobody writes to: reading it would block."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", *args],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUTF8": "1"},
    )
    try:
        out, err = proc.communicate(timeout=60)  # stdin stays open until it ends
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("plan-lsp check hung") from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "docs").mkdir()
    return root


def test_links_to_stdin_fifos_devices_and_outside_are_never_read(tmp_path: Path) -> None:
    root = repo(tmp_path)
    os.mkfifo(root / "docs" / "pipe.md")
    (root / "docs" / "zero.md").symlink_to("/dev/zero")
    (root / "docs" / "stdin.md").symlink_to("/proc/self/fd/0")
    (tmp_path / "secret.md").write_text("# Secret\n")  # beside the repository, not in it
    (root / "docs" / "up.md").symlink_to(tmp_path / "secret.md")
    (root / "docs" / "ok.md").write_text("# Fine\n")
    links = [
        "/dev/stdin",
        "/proc/self/fd/0",
        "pipe.md",
        "zero.md",
        "stdin.md",
        "../../secret.md#secret",
        "up.md#secret",
        "/etc/passwd",
        "~/.ssh/authorized_keys",
        "ok.md#fine",
    ]
    plan = complete_plan() + "\n".join(f"- [l{i}]({t})" for i, t in enumerate(links)) + "\n"
    (root / "docs" / "x-plan.md").write_text(plan)
    got = check("docs/x-plan.md", cwd=root)
    assert got.returncode == 0, got.stderr
    messages = [line.split(" broken-link ", 1)[1] for line in got.stdout.splitlines()]
    outside = "(links are followed only inside the workspace)"
    # A link starting with one "/" is root-relative, as GitHub resolves it: it names a file of
    # the repository (here, none), never the machine's /dev/stdin or /etc/passwd.
    rooted = "does not exist (from the repository's root)"
    assert messages == [
        f"Broken link: '/dev/stdin' {rooted}",
        f"Broken link: '/proc/self/fd/0' {rooted}",
        "Link not followed: 'pipe.md': it is not a regular file",
        "Link not followed: 'zero.md': it is outside the workspace",
        "Link not followed: 'stdin.md': it is outside the workspace",
        "Link not followed: '../../secret.md#secret': it is outside the workspace",
        "Link not followed: 'up.md#secret': it is outside the workspace",
        f"Broken link: '/etc/passwd' {rooted}",
        f"Link not followed: '~/.ssh/authorized_keys' is an absolute path {outside}",
    ]


def test_without_a_repository_links_stay_in_the_current_folder(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    (tmp_path / "secret.md").write_text("# Secret\n")
    (here / "x-plan.md").write_text(complete_plan() + "- [s](../secret.md)\n")
    got = check("x-plan.md", cwd=here)
    assert "Link not followed: '../secret.md': it is outside the workspace" in got.stdout


def test_plans_that_are_devices_or_fifos_are_error_lines(tmp_path: Path) -> None:
    root = repo(tmp_path)
    os.mkfifo(root / "docs" / "fifo-plan.md")
    (root / "docs" / "zero-plan.md").symlink_to("/dev/zero")
    (root / "docs" / "stdin-plan.md").symlink_to("/dev/stdin")
    (root / "docs" / "good-plan.md").write_text(complete_plan())
    got = check("docs", cwd=root)
    assert got.returncode == 2
    assert got.stdout.splitlines() == [
        "docs/fifo-plan.md:1:1: error unreadable cannot read: not a regular file",
        "docs/stdin-plan.md:1:1: error unreadable cannot read: not a regular file",
        "docs/zero-plan.md:1:1: error unreadable cannot read: not a regular file",
    ]


def test_templates_that_are_devices_or_fifos_are_reported_and_the_rest_used(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path)
    folder = root / ".plan-templates"
    folder.mkdir()
    os.mkfifo(folder / "fifo.md")
    (folder / "zero.md").symlink_to("/dev/zero")
    (folder / "adr.md").write_text("# ADR {{N}}: {{TITLE}}\n\n## Context\n\nWhy.\n")
    (root / "docs" / "1-adr.md").write_text("# ADR 1: Use X\n\n## Decision\n")
    got = check("docs/1-adr.md", cwd=root)
    assert got.stdout.splitlines() == [
        "docs/1-adr.md:1:1: error missing-section Missing section '## Context' "
        "(under 'ADR 1: Use X')"
    ]
    assert "fifo.md: cannot read the template: not a regular file" in got.stderr
    assert "zero.md: cannot read the template: not a regular file" in got.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/stdin", "fifo"])
def test_template_option_naming_a_device_or_fifo_is_a_usage_error(
    tmp_path: Path, target: str
) -> None:
    root = repo(tmp_path)
    if target == "fifo":
        os.mkfifo(root / "fifo")
    (root / "x-plan.md").write_text(complete_plan())
    got = check("--template", target, "x-plan.md", cwd=root)
    assert got.returncode == 2
    assert f"cannot read template {target}: not a regular file" in got.stderr


def test_safe_read_caps_and_refuses(tmp_path: Path) -> None:
    small = tmp_path / "a.md"
    small.write_bytes(b"x" * 100)
    assert files.read_bytes(small, cap=100) == b"x" * 100
    with pytest.raises(files.Unreadable, match="larger than 99 bytes"):
        files.read_bytes(small, cap=99)
    with pytest.raises(files.Unreadable, match="not a regular file"):
        files.read_bytes("/dev/zero")
    with pytest.raises(files.Unreadable, match="not a regular file"):
        files.read_bytes(tmp_path)
    os.mkfifo(tmp_path / "p")
    with pytest.raises(files.Unreadable, match="not a regular file"):
        files.read_bytes(tmp_path / "p")  # opened without blocking, refused before any read


def test_configuration_paths_outside_the_repository_are_not_used(tmp_path: Path) -> None:
    root = repo(tmp_path)
    other = tmp_path / "elsewhere"
    (other / "tpl").mkdir(parents=True)
    # Either would replace the built-in plan: a plan it governs fails every check.
    evil = "# Implementation Plan: {{FEATURE}}\n\n## Only This\n\nx\n"
    (other / "plan.md").write_text(evil)
    (other / "tpl" / "plan.md").write_text(evil)
    (root / ".plan-lsp.toml").write_text(
        f'template = "../elsewhere/plan.md"\ntemplatesDir = "{other / "tpl"}"\n'
    )
    (root / "docs" / "x-plan.md").write_text(complete_plan())
    got = check("docs/x-plan.md", cwd=root)
    assert (got.returncode, got.stdout) == (0, "")
    assert "template ../elsewhere/plan.md is outside the repository; not used" in got.stderr
    assert f"templatesDir {other / 'tpl'} is outside the repository; not used" in got.stderr
