"""What is known about a new document from its surroundings: today, the author (git
``user.name``, else the login name), the feature (from the file name), the issue (from the git
branch), a ``spec.md`` beside it. It runs ``git``, so it lives here, not in ``features/``."""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import subprocess
from pathlib import Path

from plan_lsp.features.scaffold import feature_from_path, issue_from_branch


def _git(args: list[str], cwd: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=2,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    return value if out.returncode == 0 and value else None


def login_name() -> str | None:
    try:
        return getpass.getuser()
    except Exception:
        return os.environ.get("USER") or os.environ.get("USERNAME")


def discover(path: str | None, today: _dt.date | None = None) -> dict[str, str]:
    """What can be known about a new document at ``path`` (a file that may not exist yet)."""
    ctx: dict[str, str] = {"date": (today or _dt.date.today()).isoformat()}
    folder = str(Path(path).parent) if path else os.getcwd()
    if not os.path.isdir(folder):
        folder = os.getcwd()
    author = _git(["config", "user.name"], folder) or login_name()
    if author:
        ctx["author"] = author
    if path:
        feature = feature_from_path(path)
        if feature:
            ctx["feature"] = feature
        if (Path(folder) / "spec.md").is_file() and Path(path).name != "spec.md":
            ctx["spec"] = "spec.md"
    branch = _git(["symbolic-ref", "--short", "HEAD"], folder)
    if branch and branch != "HEAD":
        issue = issue_from_branch(branch)
        if issue:
            ctx["issue"] = issue
    return ctx
