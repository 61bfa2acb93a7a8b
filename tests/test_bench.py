"""The benchmark harness (bench/) keeps working: its plan generator, its configurations for the
compared tools, and one protocol round trip with its client. No timing is asserted."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import compare  # noqa: E402
import lsp_client as lsp  # noqa: E402
import plans  # noqa: E402
from plan_lsp.core import engine, kinds  # noqa: E402


def findings(text: str) -> list[str]:
    kind = kinds.builtin_plan()
    return [f.code for f in engine.check(text, "x-plan.md", [kind], force=kind).findings]


@pytest.mark.parametrize("lines", [250, 2_500])
def test_generated_plans_have_the_size_asked_and_no_findings(lines: int) -> None:
    plan = plans.generate(lines, seed=lines)
    assert plan.lines == lines
    assert findings(plan.text) == []
    text = plan.text.split("\n")
    assert text[plan.heading_before] == "## Testing Strategy"
    line, col = plan.typing
    assert text[line][col - 1].isalpha() and text[line][col] == " "  # inside a paragraph
    assert text[plan.reference_after + 1] == ""  # the paragraph's last line
    phases = [ln for ln in text if ln.startswith("### Phase ")]
    assert phases[-1].startswith(f"### Phase {len(phases)}:")


def test_corpus_plans_break_as_labelled() -> None:
    seen = {}
    for _, plan in plans.corpus(20, 260):
        got = findings(plan.text)
        if plan.defects:
            seen[plan.defects[0]] = got
        else:
            assert got == []
    assert seen == {
        "missing-section": ["missing-section"],
        "invalid-value": ["invalid-value"],
        "unresolved-field": ["unresolved-field"],
        "wrong-order": ["section-order"],
    }


def test_markdownlint_config_lists_the_template_headings() -> None:
    config = compare.markdownlint_config()
    assert '"## Testing Strategy"' in config and '"+"' in config and '"default": false' in config


def test_mdsmith_config_has_the_plan_schema(tmp_path: Path) -> None:
    binary = compare.mdsmith_binary()
    if binary is None:
        pytest.skip("mdsmith is not installed (pip install -e '.[bench]')")
    (tmp_path / ".mdsmith.yml").write_text(compare.mdsmith_config(binary))
    plans.write_spec(str(tmp_path))  # no plan: mdsmith does not hold it to the plan schema
    good = plans.generate(260, seed=1)
    (tmp_path / "good-plan.md").write_text(good.text)
    (tmp_path / "bad-plan.md").write_text(plans.broken(good, "missing-section").text)
    run = compare.run_timed(compare.mdsmith_argv(binary), tmp_path)
    assert run.returncode == 1, run.output
    assert "bad-plan.md" in run.output and "good-plan.md" not in run.output
    assert compare.flagged_files(run.output) == 1


def test_client_initialize_and_one_keystroke(tmp_path: Path) -> None:
    plan = plans.generate(250, seed=1)
    plans.write_spec(str(tmp_path))  # the plan's Spec link resolves
    doc = (tmp_path / "bench-plan.md").as_uri()

    async def go() -> None:
        client = await lsp.Client.spawn([sys.executable, "-m", "plan_lsp"], cwd=str(tmp_path))
        try:
            init = await client.initialize(str(tmp_path))
            assert "capabilities" in init
            first = await client.open(doc, plan.text, 1)
            assert first["diagnostics"] == []
            line, col = plan.typing
            fut = client.expect_diagnostics(doc, 2)
            sent = client.change(doc, 2, (line, col), (line, col), "x")
            await client.drain()
            params, got = await asyncio.wait_for(fut, 30)
            assert params["version"] == 2 and got > sent
            assert lsp.rss_kib(client.pid)[0] > 0
        finally:
            await client.close()
        assert client.proc.returncode == 0

    asyncio.run(go())
