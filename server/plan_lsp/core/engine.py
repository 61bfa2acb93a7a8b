"""One document, start to finish: parse, pick its kind, run the checks. Shared by CLI and server."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from plan_lsp.core import checks
from plan_lsp.core.codes import Finding
from plan_lsp.core.kinds import Kind, detect
from plan_lsp.core.links import Lookup
from plan_lsp.core.outline import Outline, parse
from plan_lsp.core.schema import title_key
from plan_lsp.core.structure import Structure, match
from plan_lsp.core.text import Pos, Span


@dataclass(frozen=True)
class Options:
    """What settings change about checking."""

    severity: Mapping[str, str] = field(default_factory=dict)
    optional: tuple[str, ...] = ()
    globs: Mapping[str, Sequence[str]] | None = None
    """Per kind name, globs replacing the template's ``applies-to``."""
    max_findings: int = 0
    """Cap on findings (0: none); past it one final 'N more' finding is added."""


class Result:
    """A checked document: its outline, kind, matched structure and findings. The structure
    and the findings are worked out when first asked for: a completion typed right after an
    edit (fields after ``<<``, a value after ``**Status:**``) needs only the outline and the
    kind, and answers before the checks it does not need run."""

    __slots__ = ("_findings", "_structure", "_work", "kind", "outline")

    def __init__(
        self,
        outline: Outline,
        kind: Kind | None,
        findings: list[Finding] | None = None,
        structure: Structure | None = None,
        work: Callable[[Result], list[Finding]] | None = None,
    ) -> None:
        self.outline = outline
        self.kind = kind
        self._structure = structure
        self._findings = findings
        self._work = work

    @property
    def structure(self) -> Structure | None:
        if self._structure is None and self.kind is not None:
            self._structure = match(self.outline, self.kind.schema)
        return self._structure

    @property
    def findings(self) -> list[Finding]:
        if self._findings is None:
            self._findings = self._work(self) if self._work is not None else []
            self._work = None
        return self._findings

    def __repr__(self) -> str:
        kind = self.kind.name if self.kind is not None else None
        return f"Result(kind={kind!r}, lines={len(self.outline.lines)})"


def check(
    text: str,
    path: str | None,
    kinds: Sequence[Kind],
    options: Options | None = None,
    *,
    force: Kind | None = None,
    outline: Outline | None = None,
    lookup: Lookup | None = None,
    root: str | None = None,
) -> Result:
    """Check ``text``; ``force`` checks it as that kind whatever it looks like. With ``lookup``
    (what exists beside the document), relative links are checked too, root-relative ones
    (``/docs/x.md``) from ``root``, the repository's root. The structure and findings are
    worked out on first use (see :class:`Result`)."""
    opts = options or Options()
    outline = outline if outline is not None else parse(text)
    kind = force or detect(outline, path, kinds, dict(opts.globs) if opts.globs else None)
    if kind is None:
        return Result(outline, None, [])
    schema = kind.schema

    def work(result: Result) -> list[Finding]:
        findings = checks.run(
            outline,
            schema,
            structure=result.structure,
            optional=frozenset(title_key(t) for t in opts.optional),
            severity=opts.severity,
            path=path,
            lookup=lookup,
            root=root,
        )
        return cap(findings, opts.max_findings)

    return Result(outline, kind, work=work)


def cap(findings: list[Finding], limit: int) -> list[Finding]:
    """At most ``limit`` findings, errors first, and a last one saying how many were left out."""
    if limit <= 0 or len(findings) <= limit:
        return findings
    rank = {s: i for i, s in enumerate(checks.SEVERITIES)}
    keep = sorted(findings, key=lambda f: rank.get(f.severity, 9))[: limit - 1]
    keep.sort(key=lambda f: (f.span.start, f.code))
    rest = len(findings) - len(keep)
    last = keep[-1].span if keep else Span(Pos(0, 0), Pos(0, 0))
    keep.append(
        Finding(
            "too-many",
            "information",
            f"{rest} more findings not shown (limit {limit})",
            last,
            {"hidden": rest},
        )
    )
    return keep
