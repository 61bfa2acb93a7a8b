"""What to insert for a section: the template's text for it, renumbered, as text or snippet."""

from __future__ import annotations

import re

from plan_lsp.core.outline import FIELD_RE
from plan_lsp.core.schema import Schema, SectionSpec, numbered

_SNIPPET_ESCAPE = re.compile(r"([$}\\])")


def section_text(
    schema: Schema, spec: SectionSpec, numbers: list[int] | None = None, level: int | None = None
) -> str:
    """The template's text for ``spec`` and its subsections, ending with one newline.

    A numbered section gets ``numbers`` (``[2, 1]`` -> ``Step 2.1``) and the numbered sections
    inside it are counted from 1 under it.
    """
    out: list[str] = []
    counters: dict[int, int] = {}
    base = list(numbers or [])
    shift = 0 if level is None else level - spec.level
    end = spec.end
    for n in range(spec.start, end):
        line = schema.rendered[n]
        if n in schema.heading_lines:
            hashes = len(line) - len(line.lstrip("#"))
            title = line[hashes:].strip()
            num = numbered(title) if base else None
            if num is not None:
                depth = len(num.numbers)
                if depth <= len(base):
                    new = base[:depth]
                else:
                    counters[depth] = counters.get(depth, 0) + 1
                    for deeper in [d for d in counters if d > depth]:
                        del counters[deeper]
                    new = base + [counters.get(d, 1) for d in range(len(base) + 1, depth + 1)]
                title = f"{num.label} {'.'.join(map(str, new))}"
                rest = num.rest
                if new[-1] != 1 and "<<" not in rest:
                    rest = f"<<{num.label} Title>>"  # the template's title is an example
                if rest:
                    title += f": {rest}"
            line = "#" * max(1, min(6, hashes + shift)) + " " + title
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def to_snippet(text: str) -> str:
    """``text`` as an LSP snippet: a tabstop on every ``<<FIELD>>`` (one per distinct field)."""
    stops: dict[str, int] = {}
    parts: list[str] = []
    last = 0
    for m in FIELD_RE.finditer(text):
        parts.append(_SNIPPET_ESCAPE.sub(r"\\\1", text[last : m.start()]))
        name = m.group(1)
        if name in stops:
            parts.append(f"${stops[name]}")
        else:
            stops[name] = len(stops) + 1
            parts.append("${%d:%s}" % (stops[name], _SNIPPET_ESCAPE.sub(r"\\\1", m.group(0))))
        last = m.end()
    parts.append(_SNIPPET_ESCAPE.sub(r"\\\1", text[last:]))
    return "".join(parts)
