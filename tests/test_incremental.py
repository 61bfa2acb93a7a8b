"""Re-parsing only the edited section gives exactly what a full parse gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from plan_lsp.core import checks, kinds
from plan_lsp.core.outline import Outline, merge_changes, parse_lines, update
from plan_lsp.workspace.documents import Document
from support import SEED, complete_plan, findings

PLAN = complete_plan()
PIECES = st.sampled_from(
    [
        "x",
        " ",
        "\n",
        "\n\n",
        "#",
        "## ",
        "```",
        "~~~",
        "\n```\n",
        "<div>",
        "<!--",
        "-->",
        "---",
        "===",
        "- [ ] t",
        "- [x] ",
        "**Status:** ",
        "Done",
        "<<F>>",
        "{{ T }}",
        "| a |",
        "| - |",
        "> ",
        "1. ",
        "    ",
        "\t",
        "🔐",
        "登",
        "\r\n",
        "\r",
        "### Phase 9: X\n",
        "#### Step 1.3: Y\n",
        "Title\n",
        "\n## Overview\n",
    ]
)
TEXT = st.lists(PIECES, max_size=6).map("".join)


def snapshot(o: Outline) -> list[object]:
    return [
        (
            s.start,
            s.end,
            s.heading,
            s.body_start,
            s.has_content,
            s.markers,
            s.labels,
            s.tasks_done,
            s.tasks_total,
            s.tables,
            s.links,
        )
        for s in o.sections
    ] + [o.front, o.setext, o.lines]


def lines_of(doc: Document) -> list[str]:
    return doc.content_lines()


@st.composite
def edits(draw: st.DrawFn, base: str) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    n_lines = base.count("\n") + 1
    out = []
    for _ in range(draw(st.integers(1, 5))):
        line = draw(st.integers(0, n_lines))
        col = draw(st.integers(0, 40))
        span = draw(st.integers(0, 3))
        end_line = line + draw(st.integers(0, 2)) if span else line
        end_col = col + span * draw(st.integers(0, 30))
        out.append(((line, col), (end_line, end_col), draw(TEXT)))
    return out


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([PLAN, SEED, PLAN.replace("\n", "\r\n")]), st.data())
def test_incremental_outline_equals_full_parse(base: str, data: st.DataObject) -> None:
    doc = Document.open("u", base, 0)
    outline = parse_lines(lines_of(doc))
    for i, (a, b, text) in enumerate(data.draw(edits(base))):
        doc.edit(a, b, text, i + 1)
        region = merge_changes(doc.changed_lines)
        doc.changed_lines.clear()
        assert region is not None
        lines = lines_of(doc)
        outline = update(outline, lines, *region)
        assert snapshot(outline) == snapshot(parse_lines(lines))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_several_edits_merged_into_one_region(data: st.DataObject) -> None:
    doc = Document.open("u", PLAN, 0)
    outline = parse_lines(lines_of(doc))
    for i, (a, b, text) in enumerate(data.draw(edits(PLAN))):
        doc.edit(a, b, text, i + 1)
    region = merge_changes(doc.changed_lines)
    assert region is not None
    lines = lines_of(doc)
    assert snapshot(update(outline, lines, *region)) == snapshot(parse_lines(lines))


def test_findings_from_an_incremental_outline_equal_a_full_check() -> None:
    doc = Document.open("u", PLAN, 0)
    outline = parse_lines(lines_of(doc))
    line = PLAN.split("\n").index("Sign in by password or passkey.")
    doc.edit((line, 0), (line, 5), "<<Summary>>", 1)
    region = merge_changes(doc.changed_lines)
    assert region == (line, 1, 1)
    lines = lines_of(doc)
    new = update(outline, lines, *region)
    # Only the edited section was re-parsed: the others keep their blocks.
    assert [s.block for s in new.sections if s.start != line - 2] == [
        s.block for s in outline.sections if s.start != line - 2
    ]
    got = checks.run(new, kinds.builtin_plan().schema)
    assert got == findings(doc.text)
    assert [f.code for f in got] == ["unresolved-field"]


def test_a_reloaded_template_with_the_same_text_checks_the_same() -> None:
    from plan_lsp.core import engine, templates

    outline = parse_lines(Document.open("u", PLAN, 0).content_lines())
    first = kinds.builtin_plan()
    assert engine.check("", "x-plan.md", [first], outline=outline).findings == []
    again = kinds.load_kind("plan", templates.builtin_text())  # a new schema, same version
    assert again.schema.version == first.schema.version
    assert engine.check("", "x-plan.md", [again], outline=outline).findings == []
