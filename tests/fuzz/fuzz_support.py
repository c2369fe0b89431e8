"""What the fuzz suites share: running the real CLI in-process and the checks on its outcome.

``fieldopt.cli.main`` is called as the console script calls it (same exception-to-exit-code
mapping), inside click's ``CliRunner`` isolation, so an example costs a solve, not the ~1 s of
imports a subprocess would. ``FIELDOPT_FUZZ_EXAMPLES=<factor>`` multiplies every suite's
example count and draws fresh random inputs (CI: factor 1, derandomized, reproducible).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from typer.testing import CliRunner

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "data" / "sample"
TINY = REPO / "docs" / "examples" / "tiny"
TINY_DAY = "2026-11-24"

FACTOR = max(1, int(os.environ.get("FIELDOPT_FUZZ_EXAMPLES", "1") or "1"))
SHRINK = os.environ.get("FIELDOPT_FUZZ_SHRINK", "") == "1"


def fuzz_settings(examples: int) -> settings:
    """``examples`` examples (times ``FIELDOPT_FUZZ_EXAMPLES``), no deadline (solves take
    their time limit), derandomized unless more examples were asked for. The first failing
    example is reported as drawn: shrinking costs minutes of CLI runs (``FIELDOPT_FUZZ_SHRINK=1``
    turns it on)."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    return settings(
        phases=[*phases, Phase.shrink] if SHRINK else phases,
        max_examples=examples * FACTOR,
        deadline=None,
        derandomize=FACTOR == 1,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@dataclass(frozen=True)
class Outcome:
    """A finished command: its arguments, exit code and output."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """stdout and stderr with runs of white space (rich's wrapping) made one space."""
        return " ".join((self.stdout + "\n" + self.stderr).split())

    def __str__(self) -> str:
        return (
            f"fieldopt {' '.join(self.args)} → exit {self.code}\n--- stdout\n{self.stdout}\n"
            f"--- stderr\n{self.stderr}"
        )


def fieldopt(*args: str | Path) -> Outcome:
    """Run ``fieldopt ARGS`` in this process, as the ``fieldopt`` console script does."""
    import fieldopt.cli as cli

    argv = [str(a) for a in args]
    runner = CliRunner()
    with runner.isolation(env={"COLUMNS": "100"}) as (out, err, *_):
        saved = sys.argv
        sys.argv = ["fieldopt", *argv]
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = saved
            sys.stdout.flush()  # print() writes through a buffered wrapper of ``out``
            sys.stderr.flush()
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return Outcome(tuple(argv), code, stdout, stderr)


def assert_clean(outcome: Outcome, allowed: tuple[int, ...] = (0, 2), what: object = "") -> None:
    """Exit code in ``allowed`` (0 ok, 2 bad input; 3 "no plan" where a solve may time out),
    and no Python traceback or internal error. ``what``: the input, for the failure message."""
    shown = f"{str(what)[:500]}\n{outcome}"
    assert outcome.code in allowed, shown
    assert "Traceback" not in outcome.stdout + outcome.stderr, shown
    assert "internal error" not in outcome.text, shown


def assert_names(outcome: Outcome, *words: str) -> None:
    """The command failed with exit 2 and its message names each of ``words``."""
    assert outcome.code == 2, str(outcome)
    for word in words:
        assert word in outcome.text, f"{word!r} not named in the message\n{outcome}"


def assert_names_any(outcome: Outcome, words: list[str]) -> None:
    """Exit 2 and the message names at least one of ``words``."""
    assert outcome.code == 2, str(outcome)
    assert any(w in outcome.text for w in words), f"none of {words} named\n{outcome}"
