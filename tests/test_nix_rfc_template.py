"""The NixOS RFC template as the project installs it (tests/corpus/held-out/nix-rfc), through the
real CLI: the template's YAML front matter keys required in RFCs (a missing one reported, and
fixed in its place; an RFC with no front matter at all still checked), its `(fill me in …)`
values as placeholders while its other parenthesised notes may stay, and links to GitHub's
`user-content-` ids."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
NIX = CORPUS / "held-out" / "nix-rfc"
REMOVAL = "0180-broken-package-removal.md"
REAL = (NIX / "rfcs" / REMOVAL).read_text("utf-8")


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plan_lsp", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


def _repo(tmp_path: Path, docs: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(NIX / ".plan-templates", repo / ".plan-templates")
    (repo / "rfcs").mkdir()
    for name, text in docs.items():
        (repo / "rfcs" / name).write_text(text, "utf-8")
    return repo


def _check(repo: Path) -> dict[str, list[dict[str, object]]]:
    """``plan-lsp check --format json`` on every RFC: findings by file name."""
    out = _run(repo, "check", "--no-cache", "--format", "json", "rfcs")
    assert out.returncode in (0, 1), out.stdout + out.stderr
    return {Path(f["path"]).name: f["findings"] for f in json.loads(out.stdout)["files"]}


def _without(text: str, key: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(f"{key}:"))


def test_a_front_matter_key_left_out_is_reported_and_fixed_in_its_place(tmp_path: Path) -> None:
    """RFC 0180 without `shepherd-leader:` (as RFC 0080 was merged): one missing-section, and
    `--fix` puts the template's line back after `shepherd-team:`, before `related-issues:`."""
    repo = _repo(tmp_path, {"a.md": _without(REAL, "shepherd-leader"), "b.md": REAL})
    found = _check(repo)
    assert found["b.md"] == []
    assert [(f["code"], f["line"], f["message"]) for f in found["a.md"]] == [
        ("missing-section", 1, "Missing front matter key 'shepherd-leader'")
    ]
    fixed = _run(repo, "check", "--no-cache", "--fix", "rfcs/a.md")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    lines = (repo / "rfcs" / "a.md").read_text("utf-8").split("\n")
    at = lines.index("shepherd-leader: (name to be appointed by RFC steering committee)")
    assert lines[at - 1].startswith("shepherd-team:") and lines[at + 1] == "related-issues:"
    assert _check(repo)["a.md"] == []


def test_a_key_goes_after_the_whole_value_before_it(tmp_path: Path) -> None:
    """RFC 0119 writes `related-issues:` as a YAML list; a key the template has after a
    multi-line value goes after its last line, never inside the list."""
    listed = REAL.replace("co-authors:\n", 'co-authors:\n  - "@one"\n  - "@two"\n').replace(
        'shepherd-team: "@emilazy @preisi @jopejoe1"\n', ""
    )
    repo = _repo(tmp_path, {"a.md": listed})
    assert [f["message"] for f in _check(repo)["a.md"]] == [
        "Missing front matter key 'shepherd-team'"
    ]
    assert _run(repo, "check", "--no-cache", "--fix", "rfcs/a.md").returncode == 0
    text = (repo / "rfcs" / "a.md").read_text("utf-8")
    assert '  - "@two"\nshepherd-team: (names, to be nominated' in text
    assert _check(repo)["a.md"] == []


def test_an_rfc_with_no_front_matter_gets_one_finding_and_the_template_s(tmp_path: Path) -> None:
    """RFC 0140 put its metadata in a table: one finding names the template's keys (not one per
    key, no crash), the sections are still checked, and the fix inserts the template's front
    matter whole, as a new RFC gets it; its `(fill me in …)` values are then fields to fill."""
    table = "| feature | x |\n| --- | --- |\n| start-date | 2022-09-02 |\n\n"
    body = REAL.split("---\n", 2)[2].lstrip("\n")
    prior = body.index("# Prior Art")
    doc = table + body[:prior] + body[body.index("# Unresolved") :]
    repo = _repo(tmp_path, {"a.md": doc})
    found = _check(repo)["a.md"]
    unresolved = doc.split("\n").index("# Unresolved Questions") + 1
    assert [(f["line"], f["message"]) for f in found] == [
        (
            1,
            "Missing front matter (the template's 'feature', 'start-date', 'author', "
            "'co-authors', 'shepherd-team', 'shepherd-leader', 'related-issues')",
        ),
        (
            unresolved,
            "Missing section '# Prior art' (after 'Alternatives', before 'Unresolved questions')",
        ),
    ]
    assert _run(repo, "check", "--no-cache", "--fix", "rfcs/a.md").returncode == 0
    text = (repo / "rfcs" / "a.md").read_text("utf-8")
    template = (NIX / ".plan-templates" / "rfc.md").read_text("utf-8")
    front = template[: template.index("plan-lsp:")] + "---\n"
    assert text.startswith(front + "\n" + table)
    assert [(f["code"], f["line"]) for f in _check(repo)["a.md"]] == [
        ("unresolved-field", 2),
        ("unresolved-field", 3),
        ("empty-section", text.split("\n").index("# Prior art") + 1),
    ]


def test_fill_me_in_left_is_a_field_and_the_template_s_other_notes_may_stay(
    tmp_path: Path,
) -> None:
    """`(fill me in …)` is the template's declared placeholder: left in `feature:` or
    `start-date:` it is an unresolved-field; `co-authors: (find a buddy later …)` and
    `related-issues: (will contain links …)`, kept in merged RFCs such as 0133, are no finding."""
    kept = REAL.replace(
        "co-authors:\n", "co-authors: (find a buddy later to help out with the RFC)\n"
    ).replace("related-issues:\n", "related-issues: (will contain links to implementation PRs)\n")
    left = kept.replace(
        "start-date: 2024-07-14", "start-date: (fill me in with today's date, YYYY-MM-DD)"
    )
    repo = _repo(tmp_path, {"kept.md": kept, "left.md": left})
    found = _check(repo)
    assert found["kept.md"] == []
    assert [(f["code"], f["line"]) for f in found["left.md"]] == [("unresolved-field", 3)]


def test_a_link_to_github_s_user_content_id_resolves(tmp_path: Path) -> None:
    """GitHub renders `<a id="req-ref">` as id `user-content-req-ref`: RFC 0140 links to it so,
    and to a heading so too; a name the RFC lacks stays a broken link."""
    text = REAL.replace(
        "## Broken Packages\n",
        '## Broken Packages\n\n- <a id="req-ref"></a> Marked broken on all platforms.\n',
    ).replace(
        "# Alternatives\n",
        "# Alternatives\n\nSee the [requirement](#user-content-req-ref), "
        "[removal](#user-content-unmaintained-packages) and [nothing](#user-content-nope).\n",
    )
    found = _check(_repo(tmp_path, {"a.md": text}))["a.md"]
    assert [(f["code"], f["message"]) for f in found] == [
        ("broken-link", "Broken link: this document has no heading '#user-content-nope'")
    ]


def test_an_empty_section_s_fix_keeps_its_anchor_line_once(tmp_path: Path) -> None:
    """Every NixOS section opens with an anchor line (`[unresolved]: #unresolved-questions`),
    which renders nothing: a section holding only it is empty (RFC 0042's Unresolved questions),
    and the fix writes the template's guidance after it, never a second anchor line."""
    empty = REAL.replace(
        "[unresolved]: #unresolved-questions\n\nNone.\n", "[unresolved]: #unresolved-questions\n"
    )
    repo = _repo(tmp_path, {"a.md": empty})
    found = _check(repo)["a.md"]
    assert [(f["code"], f["message"]) for f in found] == [
        ("empty-section", "Section 'Unresolved questions' is empty")
    ]
    assert _run(repo, "check", "--no-cache", "--fix", "rfcs/a.md").returncode == 0
    text = (repo / "rfcs" / "a.md").read_text("utf-8")
    assert (
        "# Unresolved Questions\n\n[unresolved]: #unresolved-questions\n\n"
        "What parts of the design are still TBD or unknowns?\n\n# Future Work\n"
    ) in text
    assert text.count("[unresolved]:") == 1
    # What it inserted is the template's text, still to replace.
    assert [f["message"] for f in _check(repo)["a.md"]] == [
        "Section 'Unresolved questions' still holds the template's text, unchanged"
    ]


def test_sections_under_the_rfc_s_own_title_are_at_their_level(tmp_path: Path) -> None:
    """The template has no title (its first heading is `# Summary`); RFC 0127 opens with its
    own `# RFC: …` and writes every section one level down: no heading-level finding for each,
    a section it lacks is missing at that level (and fixed so), a heading off that level is
    still reported, and a document with two such top headings is not taken for one title."""
    body = REAL.split("---\n", 2)[2]
    down = "\n".join("#" + line if line.startswith("#") else line for line in body.split("\n"))
    front = REAL[: len(REAL) - len(body)]
    titled = front + "\n# RFC: Remove broken packages\n" + down
    no_prior = titled.replace("## Prior Art\n", "## Unused\n", 1).split("## Unused\n")
    lacking = no_prior[0] + no_prior[1][no_prior[1].index("## Unresolved") :]
    off = titled.replace("## Drawbacks\n", "### Drawbacks\n")
    two = titled.replace("## Future Work\n", "# Future Work\n")
    repo = _repo(tmp_path, {"a.md": titled, "b.md": lacking, "c.md": off, "d.md": two})
    found = _check(repo)
    assert found["a.md"] == []
    assert [f["message"] for f in found["b.md"]] == [
        "Missing section '## Prior art' (after 'Alternatives', before 'Unresolved questions')"
    ]
    assert [f["message"] for f in found["c.md"]] == [
        "Section 'Drawbacks' should be a level-2 heading (##), not level 3"
    ]
    assert len(found["d.md"]) == 8 and {f["code"] for f in found["d.md"]} == {"heading-level"}
    assert _run(repo, "check", "--no-cache", "--fix", "rfcs/b.md").returncode == 0
    assert "\n## Prior art\n[prior-art]: #prior-art\n" in (repo / "rfcs/b.md").read_text("utf-8")
    assert _check(repo)["b.md"][0]["message"].startswith("Section 'Prior art' still holds")
