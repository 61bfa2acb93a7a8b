"""The README's "In CI" snippets are files the tests run: the GitHub Actions job's plan-lsp
steps, executed as written on a repository of plans; the pre-commit snippet is run by
tests/test_precommit.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from support import FIXTURES, complete_plan, remove_section
from test_cli import env

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "ci"


def _readme_block(after: str, lang: str) -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index(after) :]
    m = re.search(rf"```{lang}\n(.*?)```", section, re.S)
    assert m, f"no {lang} block after {after!r}"
    return m.group(1)


def test_readme_blocks_are_the_tested_files() -> None:
    assert _readme_block("### GitHub Actions", "yaml") == (
        (EXAMPLES / "github-workflow.yml").read_text("utf-8")
    )
    assert _readme_block("### pre-commit", "yaml") == (
        (EXAMPLES / "pre-commit-config.yaml").read_text("utf-8")
    )


def _plan_steps() -> list[dict[str, str]]:
    workflow = yaml.safe_load((EXAMPLES / "github-workflow.yml").read_text("utf-8"))
    steps = workflow["jobs"]["plans"]["steps"]
    return [s for s in steps if "plan-lsp check" in s.get("run", "")]


def _run_steps(folder: Path) -> list[subprocess.CompletedProcess[str]]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return [
        subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=folder,
            env={**env(folder), "PATH": path},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        for step in _plan_steps()
    ]


def test_the_github_job_reports_and_fails_on_a_broken_plan(tmp_path: Path) -> None:
    import jsonschema

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a-plan.md").write_text(remove_section(complete_plan(), "Overview"))
    (tmp_path / "docs" / "b-plan.md").write_text(complete_plan())
    sarif_step, annotations = _run_steps(tmp_path)
    assert sarif_step.returncode == 0, sarif_step.stderr  # the report step never fails the job
    log = json.loads((tmp_path / "plan-lsp.sarif").read_text("utf-8"))
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "missing-section"
    assert annotations.returncode == 1
    assert annotations.stdout.startswith(
        "::error file=docs/a-plan.md,line=9,col=1,endLine=9,endColumn=17,title=missing-section::"
    )


def test_the_github_job_passes_on_good_plans(tmp_path: Path) -> None:
    (tmp_path / "a-plan.md").write_text(complete_plan())
    sarif_step, annotations = _run_steps(tmp_path)
    assert (sarif_step.returncode, annotations.returncode, annotations.stdout) == (0, 0, "")
    assert json.loads((tmp_path / "plan-lsp.sarif").read_text("utf-8"))["runs"][0]["results"] == []
