"""The parameters each built-in run kind accepts, as pydantic models: typed, bounded, unknown
keys refused. :func:`check_entry` checks one entry of a spec's ``runs`` (with the defaults it
inherits and its ``grid``) and returns every problem, so a misspelt key or ``seed: banana`` is
refused when the spec is read, not when the run starts.

The models only check: the parameters a run receives (and its id) are the spec's own values.
A ``module:function`` kind takes any parameters; only ``time_limit``, ``seed`` and ``workers``
are checked for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from fieldopt.errors import InputError
from fieldopt.io.validation import Issue, Loc, issues_from_validation_error, show, unknown_key
from fieldopt.options import MAX_SEED, MAX_TIME_LIMIT_S, MAX_WORKERS

MAX_DAYS = 366
"""Most days a ``schedule`` run may plan."""
MAX_SAMPLES = 1000
"""Most points of an inventory frontier."""
MAX_MONEY = 1e12
"""Upper bound of a budget or a cost (currency units)."""

Objective = Literal["weighted_tardiness", "weighted_completion", "makespan"]
Method = Literal["metric", "vari-metric", "exact"]
Policy = Literal["backorder", "emergency"]


def _iso_day(value: str) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "day_format", "must be a date YYYY-MM-DD, got {got}", {"got": show(value)}
        ) from None
    if not 1900 <= day.year <= 2200:
        raise PydanticCustomError(
            "day_range", "must be a date between 1900 and 2200, got {got}", {"got": value}
        )
    return value


def _variant(key: str) -> Any:
    """A validator: ``key=value`` must be a what-if variant ``fieldopt inventory whatif`` reads."""

    def check(value: str | float) -> str | float:
        _parse_variant(f"{key}={value}")
        return value

    return AfterValidator(check)


def _variant_text(value: str) -> str:
    _parse_variant(value)
    return value


def _parse_variant(text: str) -> None:
    from fieldopt.translate.inventory.variants import parse_variant

    try:
        parse_variant(text)
    except InputError as exc:
        message = exc.errors[0].message if exc.errors else str(exc)
        raise PydanticCustomError("bad_variant", "{message}", {"message": message}) from None


Day = Annotated[str, AfterValidator(_iso_day)]
"""A day: ``2026-11-24`` (YAML reads it as a date; the spec keeps it as ISO text)."""
Factor = str | float


class CommonParams(BaseModel):
    """What every run takes: the solver's time limit (s), seed and workers.

    A parameter is given or left out: ``null`` is refused (the run would receive ``None``),
    except for ``stockout_policy``, where it means the scenario's own setting.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    time_limit: Annotated[float, Field(gt=0, le=MAX_TIME_LIMIT_S)] | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None
    workers: Annotated[int, Field(ge=1, le=MAX_WORKERS)] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name != "stockout_policy":
            raise PydanticCustomError(
                "null", "must have a value, not null (leave the key out for the default)"
            )
        return value


class UserParams(CommonParams):
    """A ``module:function`` kind: any other parameter is the function's business."""

    model_config = ConfigDict(extra="allow")


class ValidateParams(CommonParams):
    pass


class DispatchParams(CommonParams):
    date: Day | None = None


class ScheduleParams(CommonParams):
    start: Day | None = None
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    objective: Objective | None = None


class FrontierParams(CommonParams):
    method: Method | None = None
    samples: Annotated[int, Field(ge=2, le=MAX_SAMPLES)] | None = None
    stockout_policy: Policy | None = None


class OptimiseParams(CommonParams):
    budget: Annotated[float, Field(ge=0, le=MAX_MONEY)] | None = None
    target_fill_rate: Annotated[float, Field(gt=0, le=1)] | None = None
    waiting_cost_per_day: Annotated[float, Field(ge=0, le=MAX_MONEY)] | None = None
    method: Method | None = None
    stockout_policy: Policy | None = None


class WhatifParams(CommonParams):
    demand: Annotated[Factor, _variant("demand")] | None = None
    lead_time: Annotated[Factor, _variant("lead_time")] | None = None
    repair_time: Annotated[Factor, _variant("repair_time")] | None = None
    close_depot: Annotated[str, Field(min_length=1)] | None = None
    stockout_policy: Policy | None = None
    variants: list[Annotated[str, AfterValidator(_variant_text)]] | None = None
    method: Method | None = None
    samples: Annotated[int, Field(ge=2, le=MAX_SAMPLES)] | None = None


PARAMS: dict[str, type[CommonParams]] = {
    "validate": ValidateParams,
    "dispatch": DispatchParams,
    "schedule": ScheduleParams,
    "inventory.frontier": FrontierParams,
    "inventory.optimise": OptimiseParams,
    "inventory.whatif": WhatifParams,
}
"""The parameter model of each built-in kind."""

ENTRY_KEYS = ("kind", "scenarios", "grid")
"""Keys of a ``runs`` entry that are not parameters (``dispatch`` also takes ``dates``)."""
GOALS = ("budget", "target_fill_rate", "waiting_cost_per_day")


def params_model(kind: str) -> type[CommonParams]:
    return PARAMS.get(kind, UserParams)


def check_entry(
    i: int, kind: str, entry: Mapping[str, Any], defaults: Mapping[str, Any]
) -> list[Issue]:
    """Every problem of ``runs[i]`` (an entry of kind ``kind``) with the spec's ``defaults``."""
    model = params_model(kind)
    here: Loc = ("runs", i)
    issues: list[Issue] = []
    skip = ENTRY_KEYS + (("dates",) if kind == "dispatch" else ())
    own = {k: v for k, v in entry.items() if k not in skip}
    inherited = {k: v for k, v in defaults.items() if k not in own}
    for values, base in ((own, here), (inherited, ("defaults",))):
        issues += [
            Issue(base + issue.path, issue.code, issue.message)
            for issue in _validate(model, values, kind)
        ]
    grid = entry.get("grid")
    if grid is not None:
        issues += _check_grid(model, kind, grid, (*here, "grid"))
    if kind == "dispatch" and "dates" in entry:
        issues += _check_dates(entry["dates"], (*here, "dates"))
    if kind == "inventory.optimise":
        given = set(own) | set(inherited) | (set(grid) if isinstance(grid, Mapping) else set())
        goals = sorted(given & set(GOALS))
        if len(goals) != 1:
            text = "give exactly one of 'budget', 'target_fill_rate' and 'waiting_cost_per_day'"
            issues.append(Issue((*here, "budget"), "bad_run_params", f"{text} (got {goals})"))
    return issues


_OWN_CODES = dict.fromkeys(("day_format", "day_range", "bad_variant", "null"), "invalid_value")
"""The errors of the parameters' own validators, and their problem code."""


def _validate(model: type[CommonParams], values: Mapping[str, Any], kind: str) -> list[Issue]:
    """The problems of ``values`` as parameters of a run of ``kind`` (paths from the values)."""

    def unknown(path: Loc) -> str:
        allowed = [*model.model_fields] + (["dates"] if kind == "dispatch" else [])
        return unknown_key(path[-1], allowed, noun="parameter", of=f"kind {kind}")

    try:
        model.model_validate(dict(values))
    except ValidationError as exc:
        return issues_from_validation_error(
            exc, unknown=unknown, own_codes=_OWN_CODES, text_is="text"
        )
    return []


def _check_grid(model: type[CommonParams], kind: str, grid: object, here: Loc) -> list[Issue]:
    if not isinstance(grid, Mapping):
        return [Issue(here, "wrong_type", "must map parameter names to lists of values")]
    issues: list[Issue] = []
    for name, values in grid.items():
        if not isinstance(name, str):
            issues.append(Issue(here, "wrong_type", f"parameter names are text, got {show(name)}"))
            continue
        if model.model_config.get("extra") == "forbid" and name not in model.model_fields:
            issues += [
                Issue((*here, name), i.code, i.message) for i in _validate(model, {name: 0}, kind)
            ]
            continue
        if isinstance(values, list) and not values:
            issues.append(Issue((*here, name), "missing_field", "must list at least one value"))
        for j, value in enumerate(values if isinstance(values, list) else [values]):
            spot = here + ((name, j) if isinstance(values, list) else (name,))
            for issue in _validate(model, {name: value}, kind):
                issues.append(Issue(spot, issue.code, issue.message))
    return issues


def _check_dates(dates: object, here: Loc) -> list[Issue]:
    if not isinstance(dates, list) or not dates:
        return [Issue(here, "wrong_type", "'dates' must be a non-empty list of days")]
    issues: list[Issue] = []
    for j, value in enumerate(dates):
        for issue in _validate(DispatchParams, {"date": value}, "dispatch"):
            issues.append(Issue((*here, j), issue.code, issue.message))
    return issues
