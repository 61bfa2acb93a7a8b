"""Property tests: the engine never raises, and every range lies inside the document."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from plan_lsp.core.text import split_lines
from support import complete_plan, findings

PLAN = complete_plan()
ALPHABET = st.sampled_from(
    list("#<>{}%|*-[]x `~=\n\r\t ")
    + [
        "<<F>>",
        "{{ T }}",
        "**Status:** ",
        "```",
        "🔐",
        "登",
        "\ufeff",
        "\0",
        "## Overview\n",
        "### Phase 9: X\n",
        "#### Step 1.1: Y\n",
        "\u2028",
        "> ",
        "1. ",
    ]
)
TEXT = st.lists(ALPHABET, max_size=80).map("".join)


def assert_inside(text: str) -> None:
    lines = split_lines(text)
    for f in findings(text):
        for pos in (f.span.start, f.span.end):
            assert 0 <= pos.line < len(lines), (f, len(lines))
            assert 0 <= pos.character <= len(lines[pos.line]), (f, lines[pos.line])
        assert f.span.start <= f.span.end


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    assert_inside(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_shaped_text(text: str) -> None:
    assert_inside(text)


@st.composite
def edited_plan(draw: st.DrawFn) -> str:
    text = PLAN
    for _ in range(draw(st.integers(1, 6))):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, min(len(text), a + 200)))
        text = text[:a] + draw(TEXT) + text[b:]
    return text


@settings(max_examples=300, deadline=None)
@given(edited_plan())
def test_edits_of_a_valid_plan(text: str) -> None:
    assert_inside(text)
