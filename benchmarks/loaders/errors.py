"""Errors raised by the benchmark loaders.

Two kinds of error, both :class:`ValueError`:

- :class:`BenchmarkFormatError` -- a file does not follow its format; the message starts with
  ``path:line:`` (or ``path:`` when no single line is at fault).
- a plain :class:`ValueError` from an instance's ``__post_init__`` -- the data parsed but is not
  valid; the message starts with the instance name and names the field, e.g.
  ``"C101: customer 7: ready time 912 is after due date 900"``.
"""

from __future__ import annotations

import os

__all__ = ["BenchmarkFormatError"]


class BenchmarkFormatError(ValueError):
    """A benchmark file is malformed.

    Parameters
    ----------
    path
        The file being read.
    line
        1-based line number of the fault, or ``None`` when it is not tied to one line.
    reason
        What is wrong, without the location.
    """

    def __init__(self, path: str | os.PathLike[str], line: int | None, reason: str) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")
