"""Markdown -> outline: exact ranges for headings, fields, tokens, labels; tasks and tables."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from plan_lsp.core.outline import Heading, Marker, parse
from plan_lsp.core.text import Pos, Span, quick_init


def sp(line: int, a: int, b: int) -> Span:
    return Span(Pos(line, a), Pos(line, b))


def test_headings_with_exact_title_ranges_and_unicode() -> None:
    text = "# Plan: 登录 🔐\n\nintro\n\n##  Overview  ##\n\ntext\n\n### Étape é\n"
    out = parse(text)
    assert [(h.level, h.title, h.line, h.title_span) for h in out.headings] == [
        (1, "Plan: 登录 🔐", 0, sp(0, 2, 12)),
        (2, "Overview", 4, sp(4, 4, 12)),
        (3, "Étape é", 8, sp(8, 4, 11)),
    ]
    assert [(s.start, s.end, s.has_content) for s in out.sections] == [
        (0, 4, True),
        (4, 8, True),
        (8, 10, False),
    ]


def test_fields_and_tokens_flagged_in_code_and_absent_from_comments() -> None:
    text = (
        "# T <<Name>>\n"
        "\n"
        "```bash\n"
        "run <<CMD>> {{ OTHER }}\n"
        "echo $((a << b >> c))\n"
        "```\n"
        "`x.<<EXT>>` and a << b >> c and <<>> and << X>>\n"
        "{% if x %}\n"
        "<!-- <<[UNRESOLVED]>> {{ IN_COMMENT }} -->\n"
        "text <!-- <<HIDDEN>> --> and `foo::{{closure}}`\n"
    )
    out = parse(text)
    assert out.markers == [
        Marker("field", "Name", sp(0, 4, 12)),
        Marker("field", "CMD", sp(3, 4, 11), code=True),
        Marker("token", "OTHER", sp(3, 12, 23), code=True),
        Marker("field", "EXT", sp(6, 3, 10), code=True),
        Marker("token", "if x", sp(7, 0, 10)),
        Marker("token", "closure", sp(9, 35, 46), code=True),
    ]


def test_emoji_columns_count_code_points() -> None:
    out = parse("# 🔐🔐 <<F>>\n")
    assert out.markers[0].span == sp(0, 5, 10)


def test_labels_with_value_ranges() -> None:
    text = "# T\n\n**Issue:** ABC-1\n**Status:**  In Progress \n- **Owner**: Zoë\n**Empty:**\n"
    labels = parse(text).sections[0].labels
    assert [(lab.label, lab.value, lab.label_span, lab.value_span) for lab in labels] == [
        ("Issue", "ABC-1", sp(2, 2, 7), sp(2, 11, 16)),
        ("Status", "In Progress", sp(3, 2, 8), sp(3, 13, 24)),
        ("Owner", "Zoë", sp(4, 4, 9), sp(4, 13, 16)),
        ("Empty", "", sp(5, 2, 7), sp(5, 10, 10)),
    ]


def test_labels_on_one_line_an_empty_value_among_them() -> None:
    """``**A:** | **B:** x``: A's value is empty (was ``| **B:** x``, B never read)."""
    text = "# T\n\n1. **Status:** | **Owner:** Bo <!-- who -->\n**A:** x | **B:**  | **C:** \n"
    labels = parse(text).sections[0].labels
    assert [(lab.label, lab.value, lab.value_span) for lab in labels] == [
        ("Status", "", sp(2, 14, 14)),
        ("Owner", "Bo", sp(2, 28, 30)),
        ("A", "x", sp(3, 7, 8)),
        ("B", "", sp(3, 17, 17)),
        ("C", "", sp(3, 27, 27)),
    ]


def test_tasks_and_tables() -> None:
    text = (
        "# T\n\n- [x] one\n- [ ] two\n  - [X] nested\n- plain\n\n"
        "| A | B |\n| - | - |\n| 1 | 2 |\n| 3 | 4 |\n"
    )
    sec = parse(text).sections[0]
    assert (sec.tasks_done, sec.tasks_total) == (2, 3)
    assert [(t.line, t.header, t.rows) for t in sec.tables] == [(7, ("A", "B"), 2)]


def test_headings_inside_code_lists_and_quotes_do_not_open_sections() -> None:
    text = "# T\n\n```\n# not a heading\n```\n\n- # in a list\n\n> # in a quote\n\n## Real\n"
    assert [h.title for h in parse(text).headings] == ["T", "Real"]


def test_crlf_lone_cr_and_bom_keep_positions() -> None:
    text = "\ufeff# T\r\n\r\n## A <<F>>\r## B\n"
    out = parse(text)
    assert [(h.title, h.line) for h in out.headings] == [("T", 0), ("A <<F>>", 2), ("B", 3)]
    assert out.markers[0].span == sp(2, 5, 10)


def test_setext_headings_and_front_matter() -> None:
    text = "---\ntitle: x\n---\nTitle\n=====\n\nSub\n---\nbody\n"
    out = parse(text)
    assert [(h.level, h.title, h.line, h.setext) for h in out.headings] == [
        (1, "Title", 3, True),
        (2, "Sub", 6, True),
    ]
    assert out.sections[0].heading is None and out.sections[0].end == 3


def test_empty_and_odd_inputs() -> None:
    assert parse("").headings == []
    assert parse("\0\0#\0").headings == []
    assert parse("#").headings[0].title == ""
    assert parse("# \n").headings[0].title_span == sp(0, 2, 2)


def test_quick_init_builds_what_the_dataclass_init_builds() -> None:
    """The outline's records keep their dataclass behaviour with the cheaper ``__init__``:
    positional, keyword and default arguments, equality, order, hashing, frozen fields."""
    span = Span(Pos(line=0, character=2), end=Pos(0, 5))
    assert span.start == Pos(0, 2) and Pos(0, 2) < Pos(0, 3) and hash(Pos(1, 2)) == hash(Pos(1, 2))
    assert Marker("field", "Name", span) == Marker("field", "Name", span, False)
    h = Heading(2, "Overview", 4, span)
    assert (h.setext, Heading(2, "Overview", 4, span, setext=True).setext) == (False, True)
    assert pickle.loads(pickle.dumps(h)) == h
    assert dataclasses.replace(h, level=3).level == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.level = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        Pos(1)  # type: ignore[call-arg]

    @dataclasses.dataclass(frozen=True, slots=True)
    class Made:
        items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="not a plain field"):
        quick_init(Made)
