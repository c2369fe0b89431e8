"""A small parser for the MiniZinc data (``.dzn``) subset used by benchmark files.

Supported: assignments ``name = value;`` where a value is an integer, ``true``/``false``, a set
``{1, 3, 5..7}``, a 1-d array ``[v, ...]``, a 2-d array ``[| a, b, | c, d, |]`` or
``array1d(lo..hi, [...])`` / ``array2d(lo..hi, lo..hi, [...])``. Arrays nest as Python lists
(2-d as a list of rows); trailing commas are allowed; ``%`` line comments and ``/* */`` block
comments are skipped. Index sets of ``arrayNd`` are checked against the size, then dropped.
"""

from __future__ import annotations

import os
import re
from typing import TypeAlias

from benchmarks.loaders.errors import BenchmarkFormatError

__all__ = ["DznValue", "parse_dzn", "parse_dzn_with_lines"]

DznValue: TypeAlias = int | bool | frozenset[int] | list["DznValue"]

_SKIP_RE = re.compile(r"(?:\s+|%[^\n]*|/\*.*?\*/)*", re.DOTALL)
_IDENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_INT_RE = re.compile(r"-?\d+(?!\d|\.\d)")
# Fast paths: a whole flat list or set of integers (no comments or ranges inside).
_INT_LIST_RE = re.compile(r"\[\s*((?:-?\d+\s*,\s*)*-?\d+)?\s*,?\s*\]")
_INT_SET_RE = re.compile(r"\{\s*((?:-?\d+\s*,\s*)*-?\d+)?\s*,?\s*\}")
_FLAT_MATRIX_RE = re.compile(r"\[\|((?:[\s\d,|-]|true|false)*)\|\]")
_SCALAR_RE = re.compile(r"\s*(?:-?\d+|true|false)\s*")


class _Parser:
    """Recursive-descent parser working directly on the text (positions, not tokens)."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.lines: dict[str, int] = {}

    def _line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def _skip(self) -> None:
        match = _SKIP_RE.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
        if self.text.startswith("/*", self.pos):
            raise BenchmarkFormatError(self.source, self._line(), "unterminated comment")

    def _fail(self, what: str) -> BenchmarkFormatError:
        self._skip()
        rest = self.text[self.pos : self.pos + 12].split("\n", 1)[0]
        got = repr(rest) if rest else "end of file"
        return BenchmarkFormatError(self.source, self._line(), f"expected {what}, got {got}")

    def _accept(self, literal: str) -> bool:
        self._skip()
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def _expect(self, literal: str) -> None:
        if not self._accept(literal):
            raise self._fail(repr(literal))

    def _at(self, literal: str) -> bool:
        self._skip()
        return self.text.startswith(literal, self.pos)

    def parse(self) -> dict[str, DznValue]:
        out: dict[str, DznValue] = {}
        while True:
            self._skip()
            if self.pos >= len(self.text):
                return out
            match = _IDENT_RE.match(self.text, self.pos)
            if match is None:
                raise self._fail("a name")
            name, line = match.group(), self._line()
            if name in out:
                raise BenchmarkFormatError(self.source, line, f"{name!r} assigned twice")
            self.pos = match.end()
            self._expect("=")
            out[name] = self._value()
            self.lines[name] = line
            self._expect(";")

    def _int(self) -> int:
        self._skip()
        match = _INT_RE.match(self.text, self.pos)
        if match is None:
            raise self._fail("an integer")
        self.pos = match.end()
        return int(match.group())

    def _value(self) -> DznValue:
        self._skip()
        text, pos = self.text, self.pos
        if text.startswith("[|", pos):
            return self._matrix()
        if text.startswith("[", pos):
            match = _INT_LIST_RE.match(text, pos)
            if match is not None:
                self.pos = match.end()
                body = match.group(1)
                return [int(v) for v in body.split(",")] if body else []
            return self._list()
        if text.startswith("{", pos):
            match = _INT_SET_RE.match(text, pos)
            if match is not None:
                self.pos = match.end()
                body = match.group(1)
                return frozenset(int(v) for v in body.split(",")) if body else frozenset()
            return self._set()
        ident = _IDENT_RE.match(text, pos)
        if ident is not None:
            word = ident.group()
            if word in ("true", "false"):
                self.pos = ident.end()
                return word == "true"
            if word in ("array1d", "array2d"):
                return self._array_nd()
        if _INT_RE.match(text, pos):
            return self._int()
        raise self._fail("a value")

    def _items(self, closers: tuple[str, ...]) -> list[DznValue]:
        """Comma-separated values up to (not including) one of ``closers``; trailing comma ok."""
        items: list[DznValue] = []
        while not any(self._at(c) for c in closers):
            items.append(self._value())
            if not self._accept(","):
                break
        return items

    def _list(self) -> list[DznValue]:
        self._expect("[")
        items = self._items(("]",))
        self._expect("]")
        return items

    def _matrix(self) -> list[DznValue]:
        line = self._line()
        match = _FLAT_MATRIX_RE.match(self.text, self.pos)
        if match is not None:  # fast path: only integers and booleans inside
            pieces = match.group(1).split("|")
            while pieces and not pieces[0].strip():
                pieces.pop(0)
            while pieces and not pieces[-1].strip():
                pieces.pop()
            rows: list[DznValue] = [self._flat_row(piece, line) for piece in pieces]
            self.pos = match.end()
        else:
            rows = self._matrix_rows()
        widths = {len(r) for r in rows if isinstance(r, list)}
        if len(widths) > 1:
            raise BenchmarkFormatError(self.source, line, "2-d array rows differ in length")
        return rows

    def _flat_row(self, piece: str, line: int) -> list[DznValue]:
        cells = piece.split(",")
        if not cells[-1].strip():
            cells.pop()
        row: list[DznValue] = []
        for cell in cells:
            if not _SCALAR_RE.fullmatch(cell):
                raise BenchmarkFormatError(self.source, line, f"bad 2-d array entry {cell!r}")
            word = cell.strip()
            row.append(word == "true" if word in ("true", "false") else int(word))
        return row

    def _matrix_rows(self) -> list[DznValue]:
        self._expect("[|")
        rows: list[DznValue] = []
        while not self._accept("|]"):
            row = self._items(("|]", "|"))
            if not (self._at("|]") or self._accept("|")):
                raise self._fail("',' or '|' or '|]'")
            if row or rows:
                rows.append(row)
        return rows

    def _set(self) -> frozenset[int]:
        self._expect("{")
        members: set[int] = set()
        while not self._accept("}"):
            lo = self._int()
            hi = self._int() if self._accept("..") else lo
            members.update(range(lo, hi + 1))
            if not self._accept(","):
                self._expect("}")
                break
        return frozenset(members)

    def _array_nd(self) -> list[DznValue]:
        line = self._line()
        dims = 1 if self.text.startswith("array1d", self.pos) else 2
        self.pos += len("array1d")
        self._expect("(")
        ranges: list[tuple[int, int]] = []
        for _ in range(dims):
            lo = self._int()
            self._expect("..")
            ranges.append((lo, self._int()))
            self._expect(",")
        flat = self._list()
        self._expect(")")
        sizes = [max(hi - lo + 1, 0) for lo, hi in ranges]
        if len(flat) != sizes[0] * (sizes[1] if dims == 2 else 1):
            raise BenchmarkFormatError(
                self.source, line, f"array{dims}d: {len(flat)} values do not fit {ranges}"
            )
        if dims == 1:
            return flat
        width = sizes[1]
        return [flat[r * width : (r + 1) * width] for r in range(sizes[0])]


def parse_dzn(text: str, *, source: str | os.PathLike[str] = "<string>") -> dict[str, DznValue]:
    """Parse MiniZinc data text into ``{name: value}`` (see the module docstring for the subset).

    Raises
    ------
    BenchmarkFormatError
        On anything outside the subset; the message names ``source`` and the line.
    """
    return _Parser(text, os.fspath(source)).parse()


def parse_dzn_with_lines(
    text: str, *, source: str | os.PathLike[str] = "<string>"
) -> tuple[dict[str, DznValue], dict[str, int]]:
    """Like :func:`parse_dzn`, also returning the line on which each name is assigned."""
    parser = _Parser(text, os.fspath(source))
    values = parser.parse()
    return values, parser.lines
