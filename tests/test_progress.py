"""Task progress on phase and step headings: pure, then as inlay hints through the server."""

from __future__ import annotations

from lsp_support import change, diagnostics, open_doc, rng, session
from lsprotocol import types
from plan_lsp.core.outline import parse
from plan_lsp.features import progress
from support import complete_plan

PLAN = complete_plan()
LINES = PLAN.split("\n")


def line_of(prefix: str) -> int:
    return next(i for i, ln in enumerate(LINES) if ln.startswith(prefix))


def shown(text: str) -> list[tuple[str, str]]:
    lines = text.split("\n")
    return [(lines[p.line], p.label) for p in progress.headings(parse(text))]


def test_every_phase_and_step_shows_its_tasks() -> None:
    text = PLAN.replace("- [ ] Hash passwords", "- [x] Hash passwords", 1).replace(
        "- [ ] Render the form", "- [x] Render the form", 1
    )
    assert [(t.split(":")[0], label) for t, label in shown(text)] == [
        ("### Phase 1", "2/5 tasks"),
        ("#### Step 1.1", "1/3 tasks"),
        ("#### Step 1.2", "1/2 tasks"),
        ("### Phase 2", "0/2 tasks"),
        ("#### Step 2.1", "0/2 tasks"),
        ("### Phase 3", "0/6 tasks"),
        ("#### Step 3.1", "0/3 tasks"),
        ("#### Step 3.2", "0/3 tasks"),
    ]


def test_headings_without_tasks_show_nothing_and_every_heading_can_be_asked_for() -> None:
    text = "# Plan\n\n## Notes\n\nNone.\n\n### Phase 1: A\n\nNo tasks.\n\n## Done\n\n- [x] a\n"
    assert progress.headings(parse(text)) == []
    every = progress.headings(parse(text), numbered_only=False)
    assert [(p.line, p.label) for p in every] == [(0, "1/1 tasks"), (10, "1/1 tasks")]


async def test_inlay_hints_follow_the_text_as_you_type() -> None:
    uri = "file:///work/plans/user-login-plan.md"
    phase1, step11 = line_of("### Phase 1"), line_of("#### Step 1.1")
    task = LINES.index("- [ ] Hash passwords with argon2")
    async with session() as client:
        open_doc(client, uri, PLAN)
        await diagnostics(client, uri, version=1)
        whole = rng((0, 0), (len(LINES), 0))
        params = types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=whole
        )
        hints = await client.text_document_inlay_hint_async(params)
        assert hints is not None
        assert [(h.position.line, h.label) for h in hints][:2] == [
            (phase1, "0/5 tasks"),
            (step11, "0/3 tasks"),
        ]
        assert hints[0].position.character == len(LINES[phase1])
        assert hints[0].padding_left is True
        change(client, uri, 2, ((task, 3), (task, 4), "x"))
        await diagnostics(client, uri, version=2)
        hints = await client.text_document_inlay_hint_async(params)
        assert hints is not None
        assert [(h.position.line, h.label) for h in hints][:2] == [
            (phase1, "1/5 tasks"),
            (step11, "1/3 tasks"),
        ]
        # Only the range asked for.
        part = types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=rng((0, 0), (step11, 0))
        )
        got = await client.text_document_inlay_hint_async(part)
        assert got is not None
        assert [h.label for h in got] == ["1/5 tasks"]
        # A document no kind claims gets none.
        other = "file:///work/notes.md"
        open_doc(client, other, "# Notes\n\n### Phase 1: x\n\n- [ ] a\n")
        none = await client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=types.TextDocumentIdentifier(uri=other), range=whole
            )
        )
        assert not none
