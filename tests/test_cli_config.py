"""One configuration file for the command line and the editor: ``.plan-lsp.toml`` or
``[tool.plan-lsp]`` in ``pyproject.toml``, the nearest one above each checked file."""

from __future__ import annotations

from pathlib import Path

from support import complete_plan, remove_section
from test_cli import run

DEMOTED = complete_plan().replace("\n## Notes\n", "\n### Notes\n")  # one heading-level warning
NO_NOTES = remove_section(complete_plan(), "Notes")  # one missing-section error


def test_plan_lsp_toml_sets_severity_optional_sections_and_limits(tmp_path: Path) -> None:
    (tmp_path / "a-plan.md").write_text(DEMOTED, "utf-8")
    (tmp_path / "b-plan.md").write_text(NO_NOTES, "utf-8")
    before = run("check", ".", cwd=tmp_path)
    assert before.returncode == 1
    assert "warning heading-level" in before.stdout and "error missing-section" in before.stdout
    (tmp_path / ".plan-lsp.toml").write_text(
        'severity = { heading-level = "error" }\noptionalSections = ["Notes"]\n', "utf-8"
    )
    after = run("check", ".", cwd=tmp_path)  # the cache does not hide the change
    assert after.returncode == 1
    assert after.stdout.splitlines() == [
        line.replace("warning heading-level", "error heading-level")
        for line in before.stdout.splitlines()
        if "missing-section" not in line
    ]
    (tmp_path / ".plan-lsp.toml").write_text('severity = { heading-level = "off" }\n', "utf-8")
    assert run("check", "a-plan.md", cwd=tmp_path).stdout == ""


def test_pyproject_tool_table_and_the_nearest_file_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.plan-lsp]\nseverity = { heading-level = "error" }\n',
        "utf-8",
    )
    sub = tmp_path / "team"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "y"\n', "utf-8")  # no table: skipped
    deeper = sub / "docs"
    deeper.mkdir()
    (deeper / "a-plan.md").write_text(DEMOTED, "utf-8")
    out = run("check", ".", cwd=tmp_path)
    assert "error heading-level" in out.stdout and out.returncode == 1
    (deeper / ".plan-lsp.toml").write_text('severity = { heading-level = "hint" }\n', "utf-8")
    out = run("check", ".", cwd=tmp_path)
    assert "hint heading-level" in out.stdout and out.returncode == 0
    # Run from elsewhere: the configuration is the file's, not the current folder's.
    assert "hint heading-level" in run("check", "a-plan.md", cwd=deeper).stdout


def test_globs_templates_dir_and_template_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "designs").mkdir()
    (tmp_path / "designs" / "login.md").write_text(NO_NOTES, "utf-8")
    assert run("check", ".", cwd=tmp_path).stdout.count("missing-section") == 1  # by its title
    (tmp_path / "designs" / "other.md").write_text("# Other\n", "utf-8")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "plan.md").write_text("# Implementation Plan: {{F}}\n\n## Only\n\nx\n")
    (tmp_path / ".plan-lsp.toml").write_text(
        'globs = ["**/designs/*.md"]\ntemplate = "conf/plan.md"\n', "utf-8"
    )
    out = run("check", ".", cwd=tmp_path)
    assert "./designs/other.md:1:1: error missing-section" in out.stdout  # a plan by its path
    assert "Missing section '## Only'" in out.stdout  # the configured plan template
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "adr.md").write_text("# ADR {{N}}: {{T}}\n\n## Context\n\nWhy.\n")
    (tmp_path / "designs" / "adr-1.md").write_text("# ADR 1: Use TOML\n", "utf-8")
    (tmp_path / ".plan-lsp.toml").write_text('templatesDir = "tpl"\n', "utf-8")
    out = run("check", "designs", cwd=tmp_path)
    assert "designs/adr-1.md:1:1: error missing-section Missing section '## Context'" in out.stdout


def test_an_invalid_file_is_an_invalid_config_error_and_defaults_apply(tmp_path: Path) -> None:
    (tmp_path / "a-plan.md").write_text(NO_NOTES, "utf-8")
    honest = run("check", "a-plan.md", cwd=tmp_path).stdout
    (tmp_path / ".plan-lsp.toml").write_text('optionalSections = ["Notes"]\nseverity = [\n')
    out = run("check", "a-plan.md", cwd=tmp_path)
    assert out.returncode == 2
    [problem, *rest] = out.stdout.splitlines()
    assert problem.startswith(".plan-lsp.toml:3:1: error invalid-config invalid TOML")
    assert "\n".join(rest) + "\n" == honest  # defaults apply: Notes is still required
    (tmp_path / ".plan-lsp.toml").write_text(
        'optionalSections = ["Notes"]\n\nmaxDiagnostics = -1\nfoo = 1\n'
    )
    out = run("check", "a-plan.md", cwd=tmp_path)
    assert out.returncode == 2 and out.stdout.splitlines() == [
        ".plan-lsp.toml:4:1: error invalid-config unknown setting 'foo' (defaults apply)",
        ".plan-lsp.toml:3:1: error invalid-config 'maxDiagnostics' must be a whole number ≥ 0 "
        "(defaults apply)",
    ]
