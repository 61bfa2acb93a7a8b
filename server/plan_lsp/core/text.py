"""Positions and lines, the way LSP counts them, in code points.

The core works in (line, character) pairs where ``character`` counts Python ``str`` code points;
the protocol layer converts to the client's encoding (UTF-16 by default) at the edge.
Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (LSP's rule, and markdown-it's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NEWLINES = re.compile(r"\r\n?")


@dataclass(frozen=True, order=True, slots=True)
class Pos:
    """A position: zero-based line and code-point column."""

    line: int
    character: int


@dataclass(frozen=True, slots=True)
class Span:
    """A range between two positions, end exclusive."""

    start: Pos
    end: Pos

    def contains(self, pos: Pos) -> bool:
        return self.start <= pos <= self.end

    def overlaps(self, other: Span) -> bool:
        return not (other.end < self.start or self.end < other.start)


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``span`` with ``new_text``."""

    span: Span
    new_text: str


def normalize(text: str) -> str:
    """Text as the parser sees it: one ``\\n`` per line end, a leading BOM turned into a space.

    Line numbers and columns are unchanged by this, so positions found in the normalized text
    are positions in the original.
    """
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    return text


def split_lines(text: str) -> list[str]:
    """Lines without their line ends; ``n`` line breaks give ``n + 1`` lines."""
    return normalize(text).split("\n")


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits (code-point positions) to ``text``."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(p: Pos) -> int:
        line = min(max(p.line, 0), len(lines) - 1)
        return offsets[line] + min(max(p.character, 0), len(lines[line]))

    out = text
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        a, b = offset(edit.span.start), offset(edit.span.end)
        out = out[:a] + edit.new_text + out[b:]
    return out


# ``(Optional)``, ``*(mandatory)*``, ``(if applicable)``, ``*(include if feature involves data)*``:
# how templates say whether a section may be left out. Documents may keep or drop them.
DECORATION = re.compile(
    r"[*_]{0,3}\(\s{0,3}(optional|mandatory|required|if applicable|include if[^()\n]{0,100})"
    r"\s{0,3}\)[*_]{0,3}",
    re.I,
)
_NON_WORD = re.compile(r"[\W_]+")
CACHED = 200
"""Titles up to this long are remembered (the same titles come back in every document of a
kind); longer ones, rare and possibly huge, are not kept."""


def title_key(title: str) -> str:
    """How titles and labels compare, the one definition: a heading's title, a field's label
    (``**Status:**``), a rule's ``when`` field. Case, spacing, punctuation, ``&``/``and`` and
    ``(Optional)``-style decorations ignored."""
    return _title_key(title) if len(title) <= CACHED else _title_key.__wrapped__(title)


@lru_cache(maxsize=4096)
def _title_key(title: str) -> str:
    if "(" in title:
        title = DECORATION.sub(" ", title)
    t = title.lower().replace("&", " and ")
    t = _NON_WORD.sub(" ", t)
    return " ".join(t.split())
