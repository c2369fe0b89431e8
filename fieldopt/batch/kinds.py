"""Run kinds: what one run of a batch does. Each model registers its kinds here.

A kind turns a scenario and JSON-able parameters into a :class:`RunOutcome`: the solver's
status, a flat dict of KPIs (numbers or short texts, the columns of ``batch results``) and the
full result as JSON (the plan, schedule or stocking plan). It must respect
``params["time_limit"]`` and ``params["seed"]``.

Besides the registered names, ``kind: "package.module:function"`` runs any importable function
with the same signature, so users can batch their own analyses.
"""

from __future__ import annotations

import importlib
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


_KINDS: dict[str, RunKind] = {}


def register_kind(kind: RunKind) -> RunKind:
    """Make ``kind`` available to batch specs under ``kind.name``."""
    _KINDS[kind.name] = kind
    return kind


def known_kinds() -> dict[str, RunKind]:
    """Every registered kind (the models that have landed register theirs on import)."""
    import fieldopt.batch.model_kinds
    import fieldopt.commands

    for name in fieldopt.commands.MODEL_MODULES:
        importlib.import_module(name)
    return dict(_KINDS)


def resolve_kind(name: str) -> RunKind:
    """The registered kind ``name``, or a ``module:function`` given by import path."""
    kinds = known_kinds()
    if name in kinds:
        return kinds[name]
    if ":" in name:
        module_name, _, func_name = name.partition(":")
        try:
            func = getattr(importlib.import_module(module_name), func_name)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"run kind {name!r}: cannot import it ({exc})") from exc
        return RunKind(name, func, f"user function {name}")
    raise InputError(
        f"unknown run kind {name!r}; known: {', '.join(sorted(kinds))}, or 'module:function'"
    )


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


register_kind(
    RunKind("validate", run_validate, "validate the scenario and report its counts and warnings")
)
