"""Run kinds: what one run of a batch does (the table of kinds is :mod:`fieldopt.batch.registry`).

A kind turns a scenario and JSON-able parameters into a :class:`RunOutcome`: the solver's
status, a flat dict of KPIs (numbers or short texts, the columns of ``batch results``) and the
full result as JSON (the plan, schedule or stocking plan). It must respect
``params["time_limit"]`` and ``params["seed"]``.

Besides the registered names, ``kind: "package.module:function"`` runs any importable function
with the same signature, so users can batch their own analyses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldopt.errors import InputError

if TYPE_CHECKING:
    from fieldopt.scenario import Scenario

Params = dict[str, Any]


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced; committed with the run in one transaction."""

    solver_status: str
    kpis: dict[str, Any] = field(default_factory=dict)
    result: Any = None


Execute = Callable[["Scenario", Params], RunOutcome]


@dataclass(frozen=True)
class RunKind:
    """A named kind of run.

    ``expand`` turns one entry of the spec's ``runs`` list into the parameters of each run
    (default: one run per combination of the ``grid`` values). ``execute`` is called in a
    worker process; it must be a module-level function so executors can pickle it.
    """

    name: str
    execute: Execute
    description: str = ""
    expand: Callable[[Params], list[Params]] | None = None

    def runs(self, entry: Params) -> list[Params]:
        return (self.expand or expand_grid)(dict(entry))


def expand_grid(entry: Params) -> list[Params]:
    """One parameter set per combination of ``entry["grid"]`` (a mapping of name → list)."""
    grid = entry.pop("grid", None) or {}
    if not isinstance(grid, Mapping):
        raise InputError("runs: 'grid' must map parameter names to lists of values")
    names = list(grid)
    values = [v if isinstance(v, list) else [v] for v in grid.values()]
    return [entry | dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def run_validate(scenario: Scenario, params: Params) -> RunOutcome:
    """Validate the scenario and count what it holds (a nightly data-quality check)."""
    summary = scenario.summary()
    kpis = {
        key: value
        for key, value in summary.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    return RunOutcome(
        "valid",
        kpis,
        {"warnings": [str(w) for w in scenario.warnings], "summary": summary},
    )


VALIDATE = RunKind(
    "validate", run_validate, "validate the scenario and report its counts and warnings"
)
