"""What scaffolding knows about a new document: file name, git branch, author, spec, date."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from plan_lsp.features import scaffold
from plan_lsp.workspace import context


@pytest.mark.parametrize(
    ("path", "feature"),
    [
        ("docs/user-login-plan.md", "User Login"),
        ("user_login.plan.md", "User Login"),
        ("checkout/plan.md", "Checkout"),
        ("plans/API-gateway-plan.md", "API Gateway"),
        ("plan.md", None),
    ],
)
def test_feature_from_file_name(path: str, feature: str | None) -> None:
    assert scaffold.feature_from_path(path) == feature


@pytest.mark.parametrize(
    ("branch", "issue"),
    [
        ("feature/ABC-123-x", "ABC-123"),
        ("feature/abc-9-lower", "ABC-9"),
        ("fix/42-crash", "#42"),
        ("issue-7-thing", "#7"),
        ("gh-12", "#12"),
        ("main", None),
        ("release-2", None),
        ("hotfix-3", None),
        ("v2.1", None),
    ],
)
def test_issue_from_branch(branch: str, issue: str | None) -> None:
    assert scaffold.issue_from_branch(branch) == issue


def test_discover_outside_git_uses_the_login_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "none"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    ctx = context.discover(str(tmp_path / "payments-plan.md"), today=dt.date(2026, 1, 2))
    assert ctx["date"] == "2026-01-02"
    assert ctx["feature"] == "Payments"
    assert ctx["author"] == context.login_name()
    assert "issue" not in ctx and "spec" not in ctx


def test_discover_in_git_with_a_spec_beside(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "feature/PAY-77-refunds")
    git("config", "user.name", "Grace Hopper")
    (tmp_path / "spec.md").write_text("# Spec\n")
    ctx = context.discover(str(tmp_path / "refunds-plan.md"))
    assert (ctx["author"], ctx["issue"], ctx["spec"], ctx["feature"]) == (
        "Grace Hopper",
        "PAY-77",
        "spec.md",
        "Refunds",
    )
