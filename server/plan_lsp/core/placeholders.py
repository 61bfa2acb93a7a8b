"""Declared placeholder syntaxes and heading patterns that match in linear time.

A template may declare the placeholder styles it uses (``placeholders:`` in its metadata):

- text around an ellipsis is a delimited placeholder: ``"{…}"`` is ``{`` + any text + ``}``
  (``...`` works too); ``"[NEEDS CLARIFICATION: …]"``, ``"(fill me in…)"``;
- anything else is a literal word: ``"NNNN"``, ``"TBD"``, ``"[FEATURE]"`` (case-sensitive, never
  part of a longer word).

No declared text is ever compiled as a regular expression: a delimited placeholder becomes a
literal prefix, one bounded run of characters (at most :data:`MAX_INNER`, never the closing
delimiter or a line end) and a literal suffix, so scanning a line costs at most ``MAX_INNER``
steps per character whatever the user wrote. Heading patterns (a title with fields) are matched
by :class:`Pattern`, literal pieces found left to right with ``str.find`` — no backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_SYNTAXES = 20
MAX_DECLARED = 60
MAX_INNER = 200
ELLIPSES = ("…", "...")

_WORD = re.compile(r"\w")
_WORDS = re.compile(r"[^\W\d_]{3}")


@dataclass(frozen=True, slots=True)
class Syntax:
    """One declared placeholder style."""

    text: str
    prefix: str
    suffix: str
    delimited: bool
    regex: re.Pattern[str]

    def finditer(self, line: str, refs: frozenset[str] = frozenset()) -> Iterator[tuple[int, int]]:
        """Where this placeholder occurs in ``line`` (start, end); ``refs``: the document's link
        reference labels (``[label]`` is then a link)."""
        for m in self.regex.finditer(line):
            a, b = m.start(), m.end()
            if self.delimited and self.prefix.startswith("["):
                nxt = line[b : b + 1]
                if (
                    nxt in ("(", "[", ":")
                    or line[a - 1 : a] in ("!", "\\", "]")
                    or (a and _WORD.match(line[a - 1]))
                ):
                    continue  # a link, an image, a reference or an index, not a placeholder
                if refs and " ".join(line[a + 1 : b - 1].split()).upper() in refs:
                    continue  # a shortcut reference link
                if line[a + 1 : b - 1].strip() in ("", "x", "X"):
                    continue  # a task box
            yield a, b


def compile_syntax(text: str) -> Syntax | str:
    """A declared placeholder style, or a message saying why it cannot be used."""
    if not isinstance(text, str) or not text.strip():
        return "a placeholder must be non-empty text"
    if len(text) > MAX_DECLARED or "\n" in text:
        return f"placeholder '{text[:20]}…' is longer than {MAX_DECLARED} characters"
    for ell in ELLIPSES:
        if ell in text:
            prefix, _, suffix = text.partition(ell)
            if ell in suffix or any(e in suffix for e in ELLIPSES):
                return f"placeholder '{text}' has more than one '…'"
            if not prefix:
                return f"placeholder '{text}' must start with fixed text before '…'"
            stop = {"\n"}
            if suffix:
                stop.add(suffix[0])
            if len(prefix) == 1:
                stop.add(prefix)
            inner = "[^" + "".join(re.escape(c) for c in sorted(stop)) + "]"
            rx = re.escape(prefix) + inner + "{1,%d}" % MAX_INNER + re.escape(suffix)
            if not suffix:
                rx = re.escape(prefix) + "[^\n]{0,%d}" % MAX_INNER
            return Syntax(text, prefix, suffix, True, re.compile(rx))
    lead = r"(?<!\w)" if _WORD.match(text[0]) else ""
    trail = r"(?!\w)" if _WORD.match(text[-1]) else ""
    return Syntax(text, text, "", False, re.compile(lead + re.escape(text) + trail))


def compile_all(declared: Iterable[str]) -> tuple[tuple[Syntax, ...], list[str]]:
    """The usable syntaxes of a declaration, and what is wrong with the others."""
    out: list[Syntax] = []
    problems: list[str] = []
    for text in list(declared)[: MAX_SYNTAXES + 1]:
        if len(out) >= MAX_SYNTAXES:
            problems.append(f"at most {MAX_SYNTAXES} placeholder syntaxes")
            break
        got = compile_syntax(text)
        if isinstance(got, str):
            problems.append(got)
        else:
            out.append(got)
    return tuple(out), problems


def find(
    syntaxes: Iterable[Syntax], line: str, refs: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """Non-overlapping placeholders in ``line``, leftmost first."""
    hits: list[tuple[int, int]] = []
    for s in syntaxes:
        hits.extend(s.finditer(line, refs))
    hits.sort(key=lambda h: (h[0], -h[1]))
    out: list[tuple[int, int]] = []
    end = -1
    for a, b in hits:
        if a >= end:
            out.append((a, b))
            end = b
    return out


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class Pattern:
    """A heading title with fields: literal pieces around wildcards (each at least one
    character). Matched case- and spacing-insensitively by finding the pieces in order, which
    is exact for patterns made only of literals and wildcards, and linear in the title."""

    pieces: tuple[str, ...]
    """Normalized literal text: before the first wildcard, between wildcards, after the last."""

    @property
    def specific(self) -> bool:
        """Whether its literal text says something (a word of three letters or more)."""
        return any(_WORDS.search(p) for p in self.pieces)

    def match(self, title: str) -> bool:
        text = _norm(title)
        first, last = self.pieces[0], self.pieces[-1]
        if not text.startswith(first):
            return False
        pos = len(first)
        for piece in self.pieces[1:-1]:
            at = text.find(piece, pos + 1)  # the wildcard before it takes one character at least
            if at < 0:
                return False
            pos = at + len(piece)
        if len(self.pieces) == 1:
            return pos == len(text)
        return len(text) - len(last) >= pos + 1 and text.endswith(last)


def pattern(title: str, wildcards: Iterable[tuple[int, int]]) -> Pattern | None:
    """The pattern of a heading title whose ``wildcards`` (spans) are fields; None without any."""
    spans = sorted(wildcards)
    if not spans:
        return None
    pieces: list[str] = []
    pos = 0
    for a, b in spans:
        if a < pos:
            continue
        pieces.append(title[pos:a])
        pos = b
    pieces.append(title[pos:])
    norm = [_norm(p) for p in pieces]
    # Spacing around wildcards is forgiven: " - " and "-" are the same piece edge.
    out = tuple(
        (p if i == 0 else p.lstrip()) if i == len(norm) - 1 else (p.rstrip() if i == 0 else p)
        for i, p in enumerate(norm)
    )
    return Pattern(tuple(p.strip() if 0 < i < len(out) - 1 else p for i, p in enumerate(out)))
