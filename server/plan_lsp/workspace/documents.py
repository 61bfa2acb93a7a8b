"""Open documents: their text as LSP sees it, edited in the client's position units.

The server keeps its own copy of every open document (not pygls's), split into lines the way LSP
counts them (``\\n``, ``\\r\\n`` or a lone ``\\r``), each line with its own ending so the text is
kept byte for byte. Edits from the client come in the negotiated encoding (UTF-16 code units by
default); hostile ones are made harmless: positions past a line's end or the document's end are
clamped, reversed ranges are put in order, a column inside a surrogate pair rounds down to the
character's start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plan_lsp.core.text import Pos

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def split_keep_ends(text: str) -> list[str]:
    """Lines with their endings; the last line has none (and may be empty)."""
    lines = _LINE_RE.findall(text)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def content(line: str) -> str:
    """A line without its ending."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the client's position units."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def to_units(line: str, character: int, encoding: str) -> int:
    """Code-point column -> client column on ``line`` (content, no ending)."""
    character = max(0, min(character, len(line)))
    if encoding == UTF32 or line.isascii():
        return character
    return units(line[:character], encoding)


def from_units(line: str, column: int, encoding: str) -> int:
    """Client column -> code-point column; past the end clamps, inside a character rounds down."""
    if column <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(column, len(line))
    seen = 0
    for i, c in enumerate(line):
        width = (
            (1 if ord(c) < 0x80 else 2 if ord(c) < 0x800 else 3 if ord(c) < 0x10000 else 4)
            if encoding == UTF8
            else (2 if ord(c) > 0xFFFF else 1)
        )
        if seen + width > column:
            return i
        seen += width
    return len(line)


def _split(text: str) -> tuple[list[str], list[str]]:
    """Contents and endings of the lines of ``text``."""
    if "\r" not in text:  # the usual case, ten times faster
        contents = text.split("\n")
        ends = ["\n"] * len(contents)
        ends[-1] = ""
        return contents, ends
    pieces = split_keep_ends(text)
    contents = [content(x) for x in pieces]
    return contents, [x[len(c) :] for x, c in zip(pieces, contents, strict=True)]


@dataclass
class Document:
    """An open document: uri, version, language, and its lines as contents and endings.

    The contents are the very strings the outline holds, so the text is kept once.
    """

    uri: str
    version: int | None
    contents: list[str]
    """Each line without its ending."""
    ends: list[str]
    """Each line's ending: ``\\n``, ``\\r\\n``, ``\\r``, or '' for the last line."""
    language_id: str = "markdown"
    changed_lines: list[tuple[int, int, int]] = field(default_factory=list)
    """Edits since the last look, as (first line, old line count, new line count)."""

    @classmethod
    def open(
        cls, uri: str, text: str, version: int | None, language_id: str = "markdown"
    ) -> Document:
        contents, ends = _split(text)
        return cls(uri, version, contents, ends, language_id)

    @property
    def lines(self) -> list[str]:
        """Lines with their endings."""
        return [c + e for c, e in zip(self.contents, self.ends, strict=True)]

    @property
    def line_count(self) -> int:
        return len(self.contents)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.contents)

    def content_lines(self, start: int = 0, end: int | None = None) -> list[str]:
        """Lines ``start``..``end`` without their endings, as the outline parser reads them
        (a leading BOM read as a space, which keeps every column)."""
        out = self.contents[start:end]
        if start == 0 and out and out[0].startswith("\ufeff"):
            out[0] = " " + out[0][1:]
        return out

    def line(self, n: int) -> str:
        """Content of line ``n`` ('' past the end)."""
        return self.contents[n] if 0 <= n < len(self.contents) else ""

    def position(self, line: int, column: int, encoding: str = UTF16) -> Pos:
        """A client position as a code-point :class:`Pos` inside the document."""
        if line < 0:
            return Pos(0, 0)
        if line >= len(self.contents):
            last = len(self.contents) - 1
            return Pos(last, len(self.contents[last]))
        return Pos(line, from_units(self.contents[line], column, encoding))

    def client_column(self, pos: Pos, encoding: str = UTF16) -> int:
        return to_units(self.line(pos.line), pos.character, encoding)

    def replace_all(self, text: str, version: int | None) -> None:
        old = len(self.contents)
        self.contents, self.ends = _split(text)
        self.version = version
        self.changed_lines.append((0, old, len(self.contents)))

    def edit(
        self,
        start: tuple[int, int],
        end: tuple[int, int],
        text: str,
        version: int | None,
        encoding: str = UTF16,
    ) -> None:
        """Replace the client range ``start``-``end`` (line, column) with ``text``."""
        a = self.position(*start, encoding=encoding)
        b = self.position(*end, encoding=encoding)
        if b < a:
            a, b = b, a
        first, last = a.line, b.line
        region = (
            self.contents[first][: a.character]
            + text
            + self.contents[last][b.character :]
            + self.ends[last]
        )
        # A CR at the region's end may pair with a LF opening the next line, and vice versa.
        lo, hi = first, last + 1
        n = len(self.contents)
        if region.endswith("\r") and hi < n:
            region += self.contents[hi] + self.ends[hi]
            hi += 1
        if region.startswith("\n") and lo > 0 and self.ends[lo - 1] == "\r":
            lo -= 1
            region = self.contents[lo] + self.ends[lo] + region
        contents, ends = _split(region)
        if hi < n and contents[-1] == "" and ends[-1] == "":
            contents.pop()  # the region ended with a line break; the next line follows it
            ends.pop()
        self.contents[lo:hi] = contents
        self.ends[lo:hi] = ends
        if not self.contents:
            self.contents, self.ends = [""], [""]
        self.version = version
        self.changed_lines.append((lo, hi - lo, len(contents)))
