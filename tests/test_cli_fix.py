"""``plan-lsp check --fix`` and ``--diff``: the editor's preferred quick fixes, applied to files.

The fixes are the server's (features/actions.py); the property test holds the application to
the edit reference model of the LSP fuzzing (``support.lsp_edit``): text no fix touches is kept,
in order, byte for byte, and a second run changes nothing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from plan_lsp.core import engine, kinds
from plan_lsp.core.text import TextEdit
from plan_lsp.features import actions
from support import SEED, complete_plan, lsp_edit, remove_section
from test_cli import run

PLAN = kinds.builtin_plan()


def broken() -> str:
    text = remove_section(complete_plan(), "Overview")
    text = remove_section(text, "Testing Strategy")
    text = text.replace("\n## Notes\n", "\n### Notes\n")  # a heading level
    text = text.replace("### Phase 2:", "### Phase 5:").replace("### Phase 3:", "### Phase 7:")
    text = text.replace("**Status:** Draft", "**Status:** Done")  # an invalid value
    return text.replace("AuthService", "{{AuthService}}")  # a leftover template token


def test_fix_applies_the_preferred_fixes_and_reports_the_rest(tmp_path: Path) -> None:
    plan = tmp_path / "a-plan.md"
    plan.write_text(broken(), "utf-8")
    before = run("check", "a-plan.md", cwd=tmp_path)
    assert before.returncode == 1
    for code in ("missing-section", "heading-level", "numbering", "invalid-value"):
        assert code in before.stdout
    out = run("check", "--fix", "a-plan.md", cwd=tmp_path)
    fixed = plan.read_text("utf-8")
    assert "## Overview\n" in fixed and "## Testing Strategy\n" in fixed
    assert "\n## Notes\n" in fixed and "### Phase 2:" in fixed and "### Phase 3:" in fixed
    assert "**Status:** Draft" in fixed and "<<AuthService>>" in fixed
    assert out.stdout == run("check", "a-plan.md", cwd=tmp_path).stdout  # what remains
    for code in ("missing-section", "heading-level", "numbering", "invalid-value"):
        assert code not in out.stdout
    assert " template-token " not in out.stdout
    # A second run changes nothing and reports the same.
    again = run("check", "--fix", "a-plan.md", cwd=tmp_path)
    assert plan.read_text("utf-8") == fixed
    assert (again.returncode, again.stdout) == (out.returncode, out.stdout)


def test_diff_shows_the_fix_and_writes_nothing(tmp_path: Path) -> None:
    plan = tmp_path / "a-plan.md"
    plan.write_text(broken(), "utf-8")
    out = run("check", "--diff", "a-plan.md", cwd=tmp_path)
    assert out.returncode == 1
    assert plan.read_text("utf-8") == broken()
    (tmp_path / "a.patch").write_text(out.stdout, "utf-8")
    assert run("check", "--fix", "a-plan.md", cwd=tmp_path).returncode == 0
    fixed = plan.read_text("utf-8")
    plan.write_text(broken(), "utf-8")
    # The diff applies (git apply, outside a repository: like patch) and gives --fix's text.
    applied = subprocess.run(
        ["git", "apply", "a.patch"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert applied.returncode == 0, applied.stderr
    assert plan.read_text("utf-8") == fixed
    # Unchanged blank lines between changes are context, never removed and added again.
    assert "\n-\n+\n" not in out.stdout
    assert out.stdout.startswith("--- a/a-plan.md\n+++ b/a-plan.md\n@@ -")
    nothing = run("check", "--diff", "a-plan.md", cwd=tmp_path)
    assert (nothing.returncode, nothing.stdout) == (0, "")


def test_fix_keeps_line_ends_and_what_is_not_a_plan(tmp_path: Path) -> None:
    crlf = broken().replace("\n", "\r\n").encode()
    (tmp_path / "a-plan.md").write_bytes(crlf)
    (tmp_path / "README.md").write_bytes(b"# Readme\r\n\r\n{{X}}\r\n")
    out = run("check", "--fix", ".", cwd=tmp_path)
    assert out.returncode == 0, out.stdout
    data = (tmp_path / "a-plan.md").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > crlf.count(b"\n")
    assert (tmp_path / "README.md").read_bytes() == b"# Readme\r\n\r\n{{X}}\r\n"


def test_fix_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_text(broken(), "utf-8")
    (tmp_path / "a-plan.md").symlink_to("real.md")
    (tmp_path / "real.md").chmod(0o640)
    assert run("check", "--fix", "a-plan.md", cwd=tmp_path).returncode == 0
    assert (tmp_path / "a-plan.md").is_symlink()
    assert "## Overview" in (tmp_path / "real.md").read_text("utf-8")
    assert (tmp_path / "real.md").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-plan.md", "real.md"]


# -- the property: edits applied as the reference model applies them, nothing else touched ------

TITLES = ["Overview", "Prerequisites", "Architecture", "Component Changes", "Testing Strategy",
          "Unit Tests", "Dependencies", "Risks & Mitigations", "Definition of Done", "Notes",
          "Progress Log", "Timeline", "Phase 2: Core Implementation"]  # fmt: skip


def _damage(text: str, op: tuple[str, int, str]) -> str:
    what, n, piece = op
    lines = text.split("\n")
    heads = [i for i, ln in enumerate(lines) if ln.startswith("#")]
    if what == "remove":
        try:
            return remove_section(text, TITLES[n % len(TITLES)])
        except StopIteration:
            return text
    if what == "level" and heads:
        i = heads[n % len(heads)]
        lines[i] = ("#" + lines[i]) if n % 2 else lines[i].removeprefix("#")
    elif what == "insert":
        lines.insert(n % (len(lines) + 1), piece)
    elif what == "renumber":
        return text.replace("Phase 2", f"Phase {n % 9}", 1).replace("Step 1.2", f"Step 1.{n % 5}")
    elif what == "status":
        return text.replace("**Status:** Draft", f"**Status:** {piece}", 1)
    elif what == "swap" and len(heads) > 2:
        i = n % (len(heads) - 1)
        a, b = heads[i], heads[i + 1]
        lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


PIECES = st.sampled_from(
    ["{{X}}", "{{ Feature Name }}", "## Overview", "x <<F>>", "", "- [ ] t", "🔐 é", "\t",
     "### Phase 9: Extra", "## Notes", "**Status:** Done", "Done", "# Title", "```"]
)  # fmt: skip
OPS = st.tuples(
    st.sampled_from(["remove", "level", "insert", "renumber", "status", "swap"]),
    st.integers(0, 400),
    PIECES,
)


def _check(text: str) -> engine.Result:
    return engine.check(text, "/w/x-plan.md", [PLAN], force=PLAN)


def _utf16_col(line: str, character: int) -> int:
    return len(line[:character].encode("utf-16-le")) // 2


def _reference(text: str, edits: tuple[TextEdit, ...]) -> str:
    """The edits applied one by one, last first, by the LSP reference model (UTF-16 columns);
    inserted line ends are the file's."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").split("\n")

    def pos(p: object) -> tuple[int, int]:
        line, ch = p.line, p.character  # type: ignore[attr-defined]
        return line, _utf16_col(lines[line], ch) if line < len(lines) else ch

    out = text
    for e in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        out = lsp_edit(out, pos(e.span.start), pos(e.span.end), e.new_text.replace("\n", nl))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    base=st.sampled_from(["plan", "seed"]),
    ops=st.lists(OPS, min_size=1, max_size=4),
    crlf=st.booleans(),
)
def test_fix_never_loses_or_reorders_text_it_does_not_fix(
    base: str, ops: list[tuple[str, int, str]], crlf: bool
) -> None:
    text = complete_plan() if base == "plan" else SEED
    for op in ops:
        text = _damage(text, op)
    if crlf:
        text = text.replace("\n", "\r\n")
    fixed, rounds = actions.fix_all(text, _check)
    event(f"rounds: {min(len(rounds), 3)}")
    current = text
    for applied in rounds:
        assert applied.text == current
        # Each round is the reference model applied to the round's edits.
        current = _reference(current, applied.edits)
        lines = applied.text.replace("\r\n", "\n").split("\n")
        for e in applied.edits:
            if e.span.start == e.span.end:
                continue  # an insertion: nothing of the file is lost
            # A replacement replaces only what a finding points at: a heading (or a setext
            # heading's two lines), a front field's value, a leftover template token.
            line = lines[e.span.start.line]
            if e.span.end.line == e.span.start.line + 1:
                assert set(lines[e.span.end.line].strip()) <= {"=", "-"}, (line, e)
                continue
            assert e.span.end.line == e.span.start.line, e
            gone = line[e.span.start.character : e.span.end.character]
            heading = line.lstrip().startswith("#")
            field = line.startswith("**") and ":**" in line
            token = gone.startswith("{{") and gone.endswith("}}")
            assert heading or field or token, (line, gone, e)
    assert fixed == current
    # Line ends stay the file's own.
    if crlf:
        assert fixed.count("\n") == fixed.count("\r\n")
    # A second run changes nothing.
    again, more = actions.fix_all(fixed, _check)
    assert (again, more) == (fixed, [])


_LINES = st.lists(st.sampled_from(["", "# A", "## B", "text", "- [ ] task"]), max_size=25)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_LINES, _LINES)
def test_the_diff_applies_whatever_the_change(
    tmp_path: Path, old: list[str], new: list[str]
) -> None:
    """``--diff``'s unified diff (shared first and last lines matched first) applies with git
    and gives the new text, for any two texts of often-repeated lines."""
    from plan_lsp.cli.fix import unified_diff

    a, b = "\n".join(old) + "\n", "\n".join(new) + "\n"
    diff = unified_diff(a, b, "x.md")
    if a == b:
        assert diff == ""
        return
    (tmp_path / "x.md").write_text(a, "utf-8")
    (tmp_path / "x.patch").write_text(diff, "utf-8")
    applied = subprocess.run(
        ["git", "apply", "x.patch"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert applied.returncode == 0, applied.stderr + diff
    assert (tmp_path / "x.md").read_text("utf-8") == b


def test_the_diff_of_changes_far_apart_in_a_long_file_applies(tmp_path: Path) -> None:
    """Changes further apart than ``MAX_COMPARED`` lines of equal text are shown as one change
    (not compared line by line, which grows with the square of such a run); it applies."""
    from plan_lsp.cli.fix import MAX_COMPARED, unified_diff

    same = ["- [ ] task"] * (2 * MAX_COMPARED)
    a = "\n".join(["# A", *same, "end"]) + "\n"
    b = "\n".join(["# A", "new", *same, "end too"]) + "\n"
    diff = unified_diff(a, b, "x.md")
    assert diff.count("\n@@ ") + diff.startswith("@@ ") == 1  # one hunk
    (tmp_path / "x.md").write_text(a, "utf-8")
    (tmp_path / "x.patch").write_text(diff, "utf-8")
    applied = subprocess.run(
        ["git", "apply", "x.patch"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / "x.md").read_text("utf-8") == b
