"""Hostile templates and documents against the pure core: YAML alias bombs, globs of repeated
``**/``, sandbox escapes by recursion and amplification, quadratic metadata and near-miss work.
Each runs in a child with a memory ceiling and a deadline (``hostile_support.bounded``): before
the fixes each one ran for minutes or took gigabytes."""

from __future__ import annotations

import re

import pytest
from hostile_support import bounded
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_lsp.core import engine, kinds, templates
from plan_lsp.core.templates import TemplateError

# -- YAML ---------------------------------------------------------------------------------------


def alias_bomb(levels: int = 9) -> str:
    text = '---\nplan-lsp:\n  fields:\n    X:\n      description: &a ["x","x","x","x","x","x"]\n'
    prev = "a"
    for i in range(levels):
        text += f"      k{i}: &b{i} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = f"b{i}"
    return text + f"  severity: {{x: *{prev}}}\n---\n# T\n\n## A\n"


def load_bomb() -> None:
    templates.load("bomb", alias_bomb())


def test_yaml_aliases_in_front_matter_are_refused() -> None:
    outcome, message = bounded(load_bomb)
    assert outcome == "TemplateError"
    assert "aliases (*name) are not allowed in front matter" in message
    with pytest.raises(TemplateError) as info:
        templates.load("t", "---\nplan-lsp:\n  optional: &o [A]\n  x: *o\n---\n# T\n")
    assert info.value.line == 3  # zero-based: the alias is on the 4th line of the file


def test_yaml_nested_too_deep_is_an_error_not_a_crash() -> None:
    with pytest.raises(TemplateError, match="invalid YAML"):
        templates.load("t", "---\nplan-lsp:\n  optional: " + "[" * 100_000 + "\n---\n# T\n")


def test_anchors_without_aliases_still_load() -> None:
    src = templates.load("t", "---\nplan-lsp:\n  optional: &o [A]\n---\n# T\n\n## A\n")
    assert src.metadata.optional == ("A",)


# -- metadata lines -----------------------------------------------------------------------------


def load_blank_front_matter() -> tuple[tuple[str, int | None], ...]:
    text = "---\n" + "\n" * 300_000 + "plan-lsp:\n  descripton: x\n---\n# T\n\n## A\n"
    return kinds.load_kind("t", text).schema.metadata.problems


def test_metadata_lines_of_a_huge_front_matter_are_found_in_one_pass() -> None:
    outcome, problems = bounded(load_blank_front_matter)
    assert outcome == "ok"
    # The unknown key is on line 300,003 of the file (0-based 300,002).
    assert "unknown metadata key 'descripton'" in problems and "300002)" in problems


def test_metadata_lines_of_thousands_of_unknown_keys() -> None:
    keys = "".join(f"  key{i}: x\n" for i in range(20_000))
    src = templates.load("t", "---\nplan-lsp:\n" + keys + "---\n# T\n")
    lines = [line for _, line in src.metadata.problems]
    assert lines[:3] == [2, 3, 4] and lines[-1] == 20_001


# -- globs --------------------------------------------------------------------------------------


def glob_of_repeated_double_stars() -> bool:
    return kinds.path_matches("/w/" + "a/" * 40 + "y.md", ["**/" * 40 + "x.md", "a/**/" * 20 + "z"])


def test_globs_of_repeated_double_stars_match_in_linear_time() -> None:
    assert bounded(glob_of_repeated_double_stars) == ("ok", "False")
    assert kinds.path_matches("/w/a/b/x.md", ["**/" * 40 + "x.md"])


def reference_regex(pattern: str) -> re.Pattern[str]:
    """The glob translation plan-lsp used before (backtracking): the behaviour to keep."""
    body = pattern[3:] if pattern.startswith("**/") else pattern.lstrip("/")
    out = ""
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif body.startswith("**", i):
            out += ".*"
            i += 2
        else:
            c = body[i]
            out += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
            i += 1
    return re.compile("^(?:.*/)?" + out + "$")


GLOB = st.lists(st.sampled_from(["**/", "**", "*", "?", "a", "b", "/", ".md", "-plan"]), max_size=7)
PATH = st.lists(st.sampled_from(["a", "b", "/", ".md", "-plan", "ab"]), max_size=8)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(GLOB.map("".join), PATH.map("".join))
def test_glob_matching_keeps_the_previous_behaviour(pattern: str, path: str) -> None:
    want = reference_regex(pattern).match(path) is not None
    assert kinds.path_matches(path, [pattern]) == want


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/plan.md", "/w/docs/plan.md", True),
        ("**/*-plan.md", "/w/user-login-plan.md", True),
        ("**/plans/**/*.md", "/w/plans/x.md", True),
        ("**/plans/**/*.md", "/w/plans/a/b/x.md", True),
        ("**/plans/**/*.md", "/w/plansx/x.md", False),
        ("adr/*.md", "/w/adr/1.md", True),
        ("adr/*.md", "/w/adr/a/1.md", False),
        ("docs/**", "/w/docs/a/b", True),
        ("?.md", "/w/ab.md", False),
    ],
)
def test_glob_examples(pattern: str, path: str, expected: bool) -> None:
    assert kinds.path_matches(path, [pattern]) is expected


# -- the sandbox --------------------------------------------------------------------------------

BUSY = {
    "a two-branch recursive macro 40 deep": (
        "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}"
    ),
    "a macro recursing forever": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "replace on 40,000 characters": "{% set a = 'x' * 40000 %}{{ a|replace('x', a)|length }}",
    "str.replace on 40,000 characters": "{% set a = 'x' * 40000 %}{{ a.replace('x', a)|length }}",
    "doubling by ~": (
        "{% macro f(a, n) %}{% if n %}{{ f(a ~ a, n - 1) }}{% else %}{{ a|length }}{% endif %}"
        "{% endmacro %}{{ f('x', 40) }}"
    ),
    "doubling by set": "{% set a = 'x' * 1000 %}"
    + "".join("{% set a = a ~ a %}" for _ in range(40))
    + "{{ a|length }}",
    "doubling by +": "{% set a = 'x' * 1000 %}"
    + "".join("{% set a = a + a %}" for _ in range(40))
    + "{{ a|length }}",
    "doubling a macro's result": (
        "{% macro f(n) %}{% if n %}{% set x = f(n - 1) %}{{ x|string }}{{ x|string }}"
        "{% else %}x{% endif %}{% endmacro %}{{ f(40)|length }}"
    ),
    "a loop over a long string in a loop": (
        "{% set a = 'x' * 900000 %}{% for c in a %}{% for d in a %}{% endfor %}{% endfor %}"
    ),
    "text written in loops inside a macro": (
        "{% macro f() %}{% for i in range(900000) %}" + "y" * 1000 + "{% endfor %}{% endmacro %}"
        "{% set x = f() %}"
    ),
    "a wide format": "{{ '%999999999d'|format(1) }}",
    "a wide str.format": "{{ '{:>999999999}'.format(1) }}",
    "a wide %": "{{ '%999999999d' % 1 }}",
    "many holes in a format": "{% set a = 'x' * 100000 %}{{ ('%s' * 1000)|format(*([a] * 1000)) }}",
    "a wide center": "{{ 'x'|center(999999999) }}",
    "a wide ljust": "{{ 'x'.ljust(999999999) }}",
    "a deep indent": "{% set a = '\\n' * 100000 %}{{ a|indent(100000) }}",
    "a long join": "{% set a = 'x' * 100000 %}{{ ([a] * 1000)|join(a) }}",
    "a batch filled to a billion": "{{ [1]|batch(999999999, 0)|list }}",
    "nested lists written out": "{% set a = ['xxxxxxxxxx'] * 10 %}"
    + "".join("{% set a = [a, a, a, a, a, a, a, a, a, a] %}" for _ in range(8))
    + "{{ a|string|length }}",
    "nested lists to JSON": "{% set a = ['xxxxxxxxxx'] * 10 %}"
    + "".join("{% set a = [a, a, a, a, a, a, a, a, a, a] %}" for _ in range(8))
    + "{{ a|tojson|length }}",
    "a power tower": "{{ ((((10 ** 64) ** 64) ** 64) ** 64) ** 64 }}",
    "a product tower": "{% set a = 10 ** 60 %}"
    + "".join("{% set a = a * a %}" for _ in range(30))
    + "{{ a > 1 }}",
    "a recursive loop": (
        "{% set t = [[[1]]] %}{% for x in t recursive %}{{ loop(t) }}{% endfor %}"
    ),
}


def render(body: str) -> str:
    return templates.render(templates.load("busy", f"# Plan\n\n{body}\n"), {})


@pytest.mark.parametrize("name", list(BUSY))
def test_sandbox_bounds_recursion_output_and_memory(name: str) -> None:
    body = BUSY[name]
    outcome, message = bounded(lambda: render(body), timeout=60)
    assert outcome == "TemplateError", (outcome, message[:300])
    assert "MemoryError" not in message  # refused before allocating, not after failing to
    assert "template refused by the sandbox" in message or "template failed" in message


def test_ordinary_templates_still_render() -> None:
    body = (
        "{% macro task(n) %}- [ ] Task {{ n + 0 }}{% endmacro %}"
        "{% for i in range(3) %}{{ task(i + 1) }}\n{% endfor %}"
        "{{ 'a-b'|replace('-', ' ')|title }} {{ '%s/%s'|format(1, 2) }} {{ '{}!'.format('hi') }} "
        "{{ ['x', 'y']|join(', ') }} {{ 'v'|center(5) }}| {{ 'ab' ~ 'cd' }} {{ 2 ** 10 }}"
    )
    out = render(body)
    assert out == (
        "# Plan\n\n- [ ] Task 1\n- [ ] Task 2\n- [ ] Task 3\nA B 1/2 hi! x, y   v  | abcd 1024\n"
    )


# -- near-miss work -----------------------------------------------------------------------------


def words(i: int) -> str:
    return "".join("abcdefghij"[int(d)] for d in str(i))


def check_unknown_headings_plan() -> int:
    plan = "# Implementation Plan: X\n\n" + "".join(
        f"## Unknown heading {words(i)}\n\n" for i in range(12_500)
    )
    builtin = kinds.builtin_plan()
    return len(engine.check(plan, "x-plan.md", [builtin], force=builtin).findings)


def check_large_template() -> int:
    kind = kinds.load_kind(
        "t", "# T\n\n" + "".join(f"## Section {words(i)} alpha\n\nbody\n\n" for i in range(5000))
    )
    doc = "# T\n\n" + "".join(f"## Other {words(i)} beta\n\n" for i in range(5000))
    return len(engine.check(doc, "x.md", [kind], force=kind).findings)


def test_near_miss_work_is_bounded_on_a_plan_of_unknown_headings() -> None:
    assert bounded(check_unknown_headings_plan, timeout=120)[0] == "ok"


def test_near_miss_work_is_bounded_on_a_template_of_thousands_of_sections() -> None:
    outcome, count = bounded(check_large_template, timeout=120)
    assert (outcome, count) == ("ok", "5000")  # every section missing, each said once


def test_near_miss_still_names_the_renamed_heading() -> None:
    from support import complete_plan

    plan = complete_plan().replace("## Overview\n", "## Overveiw\n")
    found = [
        f.message
        for f in engine.check(plan, "x-plan.md", [kinds.builtin_plan()]).findings
        if f.code == "missing-section"
    ]
    assert len(found) == 1 and "did you mean 'Overveiw' (line" in found[0]


# -- fuzzing templates --------------------------------------------------------------------------

FUZZ_LONG = __import__("os").environ.get("PLAN_LSP_FUZZ") == "long"
TEMPLATE_PIECES = st.sampled_from(
    [
        "---\n",
        "plan-lsp:\n",
        "  description: d\n",
        "  applies-to: ['**/**/**/x.md', '!**/drafts/**']\n",
        "  optional: [A, &o B]\n",
        "  fields: {X: {values: [a, b], default: a}}\n",
        "  severity: {empty-section: error}\n",
        "  bad: *o\n",
        "title: '{{TITLE}}'\n",
        "# T {{N}}: {{TITLE}}\n",
        "# ",
        "## A\n",
        "### Phase 1: {{P}}\n",
        "#### Step 1.1: x\n",
        "## A\n",
        "\n",
        "text <<F>> {{ X }} {{Step Title}}\n",
        "**Status:** Draft | Done\n",
        "{% for i in range(3) %}",
        "{% for c in 'abc' * 1000 %}",
        "{% endfor %}",
        "{% if x %}",
        "{% else %}",
        "{% endif %}",
        "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
        "{% set a = 'x' * 100000 %}",
        "{{ a|replace('x', a) }}",
        "{{ a ~ a ~ a }}",
        "{{ '%9999999999s'|format(1) }}",
        "{{ (a * 5)|length }}",
        "{{ ''.__class__ }}",
        "{% include 'x' %}",
        "{{ 2 ** 99 }}",
        "{#",
        "#}",
        "{{",
        "}}",
        "{%",
        "%}",
        "```\n",
        "| a | b |\n",
        "\0",
        "\r\n",
        "🔐",
    ]
)


@settings(max_examples=2000 if FUZZ_LONG else 150, deadline=None, derandomize=not FUZZ_LONG)
@given(st.lists(TEMPLATE_PIECES, max_size=25).map("".join))
def test_hostile_template_text_never_crashes(text: str) -> None:
    from plan_lsp.features import scaffold

    try:
        kind = kinds.load_kind("fuzz", text)
    except TemplateError as exc:
        assert exc.message
        return
    try:
        rendered = scaffold.render(kind, {"feature": "F", "issue": "I-1"})
    except TemplateError as exc:
        assert exc.message
        return
    engine.check(rendered, "/w/x.md", [kind], force=kind)
    engine.check(text, "/w/x.md", [kind, kinds.builtin_plan()])
