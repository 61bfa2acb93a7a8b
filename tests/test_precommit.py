"""The pre-commit hooks (``.pre-commit-hooks.yaml``) run by the real pre-commit, as a team uses
them: in a throw-away git repository, pre-commit installs plan-lsp from this checkout into its own
virtualenv, then refuses a commit with a broken plan (findings shown), lets a fixed one through,
and skips files that are not Markdown."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import complete_plan, remove_section

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
BROKEN = remove_section(complete_plan(), "Overview").replace(
    "**Status:** Draft", "**Status:** Done"
)


def sh(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """A git repository holding this checkout's package and hooks (committed, uncommitted
    changes included), its commit, and the environment to run pre-commit in."""
    if shutil.which("git") is None:
        pytest.skip("no git")
    base = tmp_path_factory.mktemp("precommit")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))},
        "PRE_COMMIT_HOME": str(base / "home"),
        "XDG_CACHE_HOME": str(base / "cache"),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    repo = base / "plan-lsp"
    repo.mkdir()
    for name in (".pre-commit-hooks.yaml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(
        ROOT / "server", repo / "server", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for args in (("git", "init", "-q"), ("git", "add", "-A"), ("git", "commit", "-qm", "x")):
        assert sh(*args, cwd=repo, env=env).returncode == 0
    rev = sh("git", "rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()
    return repo, rev, env


def _project(tmp_path: Path, env: dict[str, str]) -> Path:
    proj = tmp_path / "proj"
    (proj / "docs").mkdir(parents=True)
    assert sh("git", "init", "-q", cwd=proj, env=env).returncode == 0
    return proj


def test_try_repo_check_and_fix(tmp_path: Path, hooks: tuple[Path, str, dict[str, str]]) -> None:
    repo, rev, env = hooks
    proj = _project(tmp_path, env)
    (proj / "docs" / "a-plan.md").write_text(BROKEN, "utf-8")
    (proj / "README.md").write_text("# Readme\n\n<<not a plan>>\n", "utf-8")
    sh("git", "add", "-A", cwd=proj, env=env)

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return sh("pre-commit", "try-repo", str(repo), hook, "--ref", rev, cwd=proj, env=env)

    refused = try_repo("plan-lsp-check")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "docs/a-plan.md:9:1: error missing-section Missing section '## Overview'" in (
        refused.stdout
    )
    assert "invalid-value" in refused.stdout and "README" not in refused.stdout.split("Failed")[1]
    fixed = try_repo("plan-lsp-fix")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout
    assert "## Overview" in (proj / "docs" / "a-plan.md").read_text("utf-8")
    sh("git", "add", "-A", cwd=proj, env=env)
    passed = try_repo("plan-lsp-check")
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"plan-lsp check\.+Passed", passed.stdout)


def test_commits_through_the_hook(tmp_path: Path, hooks: tuple[Path, str, dict[str, str]]) -> None:
    repo, rev, env = hooks
    proj = _project(tmp_path, env)
    # The README's snippet (examples/ci/pre-commit-config.yaml), pointed at this checkout.
    config = (ROOT / "examples" / "ci" / "pre-commit-config.yaml").read_text("utf-8")
    config = re.sub(r"repo: \S+", f"repo: {repo}", config)
    config = re.sub(r"rev: \S+", f"rev: {rev}", config)
    (proj / ".pre-commit-config.yaml").write_text(config, "utf-8")
    installed = sh("pre-commit", "install", cwd=proj, env=env)
    assert installed.returncode == 0, installed.stderr

    def commit(*files: str) -> subprocess.CompletedProcess[str]:
        sh("git", "add", *files, cwd=proj, env=env)
        return sh("git", "commit", "-qm", "change", cwd=proj, env=env)

    # Files that are not Markdown never reach plan-lsp; Markdown that is not a plan passes.
    (proj / "tool.py").write_text("print(1)\n", "utf-8")
    other = commit(".pre-commit-config.yaml", "tool.py")
    assert other.returncode == 0, other.stdout + other.stderr
    assert re.search(r"plan-lsp check\.+\(no files to check\)Skipped", other.stdout + other.stderr)
    (proj / "README.md").write_text("# Readme\n", "utf-8")
    assert commit("README.md").returncode == 0
    # A broken plan is refused, with its findings.
    (proj / "docs" / "a-plan.md").write_text(BROKEN, "utf-8")
    refused = commit("docs/a-plan.md")
    assert refused.returncode != 0
    assert "error missing-section Missing section '## Overview'" in refused.stderr
    assert sh("git", "log", "--oneline", cwd=proj, env=env).stdout.count("\n") == 2
    # Fixed, it commits.
    (proj / "docs" / "a-plan.md").write_text(complete_plan(), "utf-8")
    done = commit("docs/a-plan.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sh("git", "log", "--oneline", cwd=proj, env=env).stdout.count("\n") == 3
