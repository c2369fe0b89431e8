"""The exceptions fieldopt raises, the input problems it reports, and the CLI exit codes.

::

    FieldoptError
    ├── InputError      bad input: carries every Problem found (exit code 2)
    ├── NoPlanError     the solver found no plan within its limits (exit code 3)
    │   └── InvalidPlanError  its plan failed the independent checker: not handed out
    ├── StorageError    the database refused a read or write (exit code 1)
    └── Interrupted     SIGINT / SIGTERM stopped the command (exit code 130)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_NO_PLAN = 3
EXIT_INTERRUPTED = 130

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem found in the input, naming where it is.

    ``table`` is the scenario table (file ``<table>.csv``), ``row`` the record's id (its key
    values joined by ``/``), ``field`` the column, ``line`` the line in the CSV file (header
    is line 1) when the input came from a file.
    """

    severity: Severity
    code: str
    table: str
    message: str
    row: str | None = None
    field: str | None = None
    line: int | None = None

    @property
    def file(self) -> str:
        """The CSV file of the table, or the table name for problems outside the tables."""
        from fieldopt.domain.tables import SCENARIO_TABLE_NAMES

        return f"{self.table}.csv" if self.table in SCENARIO_TABLE_NAMES else self.table

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"id {self.row}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.severity}: {self.where()}: {self.message}"


class FieldoptError(Exception):
    """Base class of every error fieldopt raises on purpose."""

    exit_code = EXIT_INTERNAL


class InputError(FieldoptError):
    """The input is invalid; ``problems`` lists every problem found (errors and warnings)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("error", "invalid_input", "input", problems)]
        self.problems: list[Problem] = list(problems)
        errors = self.errors
        head = f"{len(errors)} error(s) in the input"
        shown = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{head}:\n{shown}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class NoPlanError(FieldoptError):
    """The solver found no plan (infeasible, or no solution within the time limit)."""

    exit_code = EXIT_NO_PLAN


class InvalidPlanError(NoPlanError):
    """The plan a solve produced failed the independent checker, so it is not handed out
    (nothing is written). ``violations`` are the checker's findings, as text."""

    def __init__(self, what: str, violations: Sequence[object]) -> None:
        self.violations = [str(v) for v in violations]
        shown = "\n".join(f"  {v}" for v in self.violations[:20])
        more = f"\n  ... and {len(self.violations) - 20} more" if len(self.violations) > 20 else ""
        super().__init__(
            f"{what} failed the independent checker ({len(self.violations)} violation(s)); "
            f"nothing was written:\n{shown}{more}"
        )


class StorageError(FieldoptError):
    """A database read or write failed; nothing was written."""

    exit_code = EXIT_INTERNAL


class Interrupted(FieldoptError):
    """A signal (SIGINT, SIGTERM) stopped the command; the message says what was written."""

    exit_code = EXIT_INTERRUPTED


def raise_on_errors(problems: Sequence[Problem]) -> None:
    """Raise one :class:`InputError` carrying all problems if any of them is an error."""
    if any(p.is_error for p in problems):
        raise InputError(problems)
