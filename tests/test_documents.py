"""The server's own copy of a document follows every edit exactly, even hostile ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from plan_lsp.workspace.documents import UTF8, UTF16, UTF32, Document, from_units, to_units
from support import lsp_edit


def test_utf16_columns() -> None:
    line = "a🔐b登"
    assert [to_units(line, i, UTF16) for i in range(5)] == [0, 1, 3, 4, 5]
    assert [from_units(line, u, UTF16) for u in range(6)] == [0, 1, 1, 2, 3, 4]
    assert [to_units(line, i, UTF8) for i in range(5)] == [0, 1, 5, 6, 9]
    assert to_units(line, 3, UTF32) == 3


def test_incremental_edits_keep_line_endings() -> None:
    doc = Document.open("u", "# T\r\n\r\nbody\n", 1)
    doc.edit((2, 0), (2, 4), "new\r\nline", 2)
    assert doc.text == "# T\r\n\r\nnew\r\nline\n"
    doc.edit((0, 2), (3, 1), "X", 3)
    assert doc.text == "# Xine\n"
    assert doc.version == 3


def test_cr_then_lf_join_into_one_line_break() -> None:
    doc = Document.open("u", "a\r", 1)
    doc.edit((1, 0), (1, 0), "\nb", 2)
    assert doc.text == "a\r\nb"
    assert doc.lines == ["a\r\n", "b"]


def test_hostile_ranges_are_clamped() -> None:
    doc = Document.open("u", "ab\ncd", 1)
    doc.edit((5, 9), (7, 0), "!", 2)  # past the end: append
    assert doc.text == "ab\ncd!"
    doc.edit((1, 2), (0, 1), "", 3)  # reversed: put in order
    assert doc.text == "a!"
    doc.edit((0, 99), (0, 99), "?", 4)
    assert doc.text == "a!?"


HOSTILE = st.sampled_from(["", "x", "\n", "\r", "\r\n", "🔐", "\ufeff", "\0", "登\n", "\r\r\n"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(HOSTILE, max_size=8).map("".join),
    st.lists(
        st.tuples(
            st.tuples(st.integers(-1, 6), st.integers(-1, 6)),
            st.tuples(st.integers(-1, 6), st.integers(-1, 6)),
            st.lists(HOSTILE, max_size=4).map("".join),
        ),
        max_size=8,
    ),
)
def test_edits_match_the_reference_model(
    text: str, edits: list[tuple[tuple[int, int], tuple[int, int], str]]
) -> None:
    doc = Document.open("u", text, 0)
    model = text
    for i, (a, b, new) in enumerate(edits):
        doc.edit(a, b, new, i + 1)
        model = lsp_edit(model, a, b, new)
        assert doc.text == model
        assert all(line for line in doc.lines[:-1])
