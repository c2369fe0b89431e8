"""The keys of ``settings.csv``: what each holds, its type and bounds, checked up front.

Settings are free key/value pairs, so a key fieldopt does not know is a warning (a note such as
``region`` or ``owner`` is fine) — except in the namespaces fieldopt reads (``travel.``,
``dispatch.``, ``inventory.``, ``schedule.``, ``horizon_``), where an unknown key is almost
certainly a misspelling that would silently change a plan, so it is an error. Every problem
names ``settings.csv``, the line, the key (as the row id) and the field ``value``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import stat
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fieldopt.domain.tables import MAX_DAY_MIN, MAX_DAYS, MAX_MONEY, TRAVEL_PROVIDERS
from fieldopt.errors import Problem

OWN_NAMESPACES = ("travel.", "dispatch.", "inventory.", "schedule.", "horizon_")


@dataclass(frozen=True)
class SettingSpec:
    """One key: its kind (``text``, ``int``, ``number``, ``date``, ``choice``, ``path``), the
    bounds of a number (``above``: strictly greater than ``low``), the allowed choices."""

    kind: str
    meaning: str
    low: float | None = None
    high: float | None = None
    above: bool = False
    choices: tuple[str, ...] = ()
    empty_is_unset: bool = False


SETTINGS: dict[str, SettingSpec] = {
    "currency": SettingSpec("text", "currency of every cost (e.g. EUR)"),
    "name": SettingSpec("text", "the scenario's display name"),
    "description": SettingSpec("text", "free text"),
    "generator": SettingSpec("text", "how `fieldopt generate` made the scenario"),
    "horizon_start": SettingSpec("date", "first day of the schedule, YYYY-MM-DD"),
    "horizon_days": SettingSpec("int", "days of the planning horizon", 1, 366),
    "dispatch.pickup_min": SettingSpec("int", "minutes of a depot pick-up", 0, MAX_DAY_MIN),
    "dispatch.replan_move_slack_min": SettingSpec(
        "int", "minutes a re-plan may move a visit for free", 0, MAX_DAY_MIN
    ),
    "travel.provider": SettingSpec(
        "choice", "where travel times come from", choices=TRAVEL_PROVIDERS
    ),
    "travel.speed_kmh": SettingSpec("number", "haversine speed, km/h", 0, 300, above=True),
    "travel.road_factor": SettingSpec("number", "haversine road factor", 1, 10),
    "travel.speed": SettingSpec("number", "euclidean units per second", 0, 1e6, above=True),
    "travel.scale": SettingSpec("number", "euclidean metres per unit", 0, 1e6, above=True),
    "travel.matrix": SettingSpec("path", "matrix file inside the scenario folder"),
    "travel.ids": SettingSpec("path", "ids file inside the scenario folder"),
}
PER_LOCATION: dict[str, SettingSpec] = {
    "inventory.stockout_policy": SettingSpec(
        "choice", "backorder or emergency", choices=("backorder", "emergency"), empty_is_unset=True
    ),
    "inventory.emergency_days": SettingSpec(
        "number", "days an emergency shipment takes", 0, MAX_DAYS, empty_is_unset=True
    ),
    "inventory.emergency_cost": SettingSpec(
        "number", "cost of one emergency shipment", 0, MAX_MONEY, empty_is_unset=True
    ),
}
"""Keys that may also end in ``.<location id>`` to set one location apart."""

PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "haversine": ("travel.speed_kmh", "travel.road_factor"),
    "euclidean": ("travel.speed", "travel.scale"),
    "matrix_csv": ("travel.matrix",),
    "matrix_npy": ("travel.matrix", "travel.ids"),
    "osrm": ("travel.matrix", "travel.ids"),
}
_NEEDS_FILES = {"matrix_csv": ("travel.matrix",)} | {
    p: ("travel.matrix", "travel.ids") for p in ("matrix_npy", "osrm")
}


class _Found:
    def __init__(self, csv_lines: bool) -> None:
        self.csv_lines = csv_lines
        self.problems: list[Problem] = []

    def add(self, i: int, key: str, message: str, code: str = "bad_setting") -> None:
        self.warn_or_error("error", i, key, message, code)

    def warn_or_error(self, severity: str, i: int, key: str, message: str, code: str) -> None:
        self.problems.append(
            Problem(
                "error" if severity == "error" else "warning",
                code,
                "settings",
                message,
                row=key,
                field="value",
                line=i + 2 if self.csv_lines else None,
            )
        )


def check_settings(
    settings: pd.DataFrame,
    location_ids: Collection[str],
    base_dir: Path | None,
    *,
    csv_lines: bool = False,
) -> list[Problem]:
    """Every problem of the canonical ``settings`` table: unknown keys, values of the wrong
    type or out of bounds, travel keys the provider does not use or lacks, files that are
    missing, not regular files, or outside ``base_dir`` (the scenario folder; ``None`` for a
    database or DataFrames leaves files to the travel provider, which refuses the same)."""
    found = _Found(csv_lines)
    values: dict[str, tuple[int, str]] = {}
    for i, (key, value) in enumerate(zip(settings["key"], settings["value"], strict=True)):
        if not isinstance(key, str):
            continue  # a missing key is reported by the column checks
        text = value.strip() if isinstance(value, str) else ""
        values.setdefault(key, (i, text))
        spec = _spec_of(key, location_ids, found, i)
        if spec is not None:
            _check_value(found, i, key, text, spec, base_dir)
    _check_travel(found, values)
    return found.problems


def _spec_of(key: str, location_ids: Collection[str], found: _Found, i: int) -> SettingSpec | None:
    if key in SETTINGS:
        return SETTINGS[key]
    if key in PER_LOCATION:
        return PER_LOCATION[key]
    for base, spec in PER_LOCATION.items():
        if key.startswith(base + "."):
            location = key[len(base) + 1 :]
            if location not in location_ids:
                found.add(i, key, f"unknown location {location!r} (not in locations.csv)")
                return None
            return spec
    known = [*SETTINGS, *PER_LOCATION]
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    if key.startswith(OWN_NAMESPACES):
        found.add(i, key, f"unknown setting {key!r}{hint}", "unknown_setting")
    else:
        found.warn_or_error(
            "warning", i, key, f"unknown setting {key!r} is ignored{hint}", "unknown_setting"
        )
    return None


def _check_value(
    found: _Found, i: int, key: str, text: str, spec: SettingSpec, base_dir: Path | None
) -> None:
    if spec.kind == "text" or (text == "" and spec.empty_is_unset):
        return
    if text == "":
        found.add(i, key, "a value is required (remove the row to use the default)")
        return
    if spec.kind == "choice":
        if text.lower() not in spec.choices:
            found.add(i, key, f"{text!r} is not one of {', '.join(spec.choices)}")
    elif spec.kind == "date":
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            found.add(i, key, f"expected a date YYYY-MM-DD, got {text!r}")
    elif spec.kind in ("int", "number"):
        message = _number_problem(text, spec)
        if message:
            found.add(i, key, message)
    elif spec.kind == "path" and base_dir is not None:
        message = path_problem(text, base_dir)
        if message:
            found.add(i, key, message)


def _number_problem(text: str, spec: SettingSpec) -> str | None:
    what = "a whole number" if spec.kind == "int" else "a number"
    try:
        value = int(text) if spec.kind == "int" else float(text)
    except ValueError:
        return f"expected {what}, got {text!r}"
    if not math.isfinite(value):
        return f"expected a finite number, got {text!r}"
    low, high = spec.low, spec.high
    if low is not None and (value <= low if spec.above else value < low):
        return f"must be {'>' if spec.above else '>='} {low:g}, got {text}"
    if high is not None and value > high:
        return f"must be <= {high:g}, got {text}"
    return None


def path_problem(text: str, base_dir: Path) -> str | None:
    """Why ``text`` (a path relative to ``base_dir``) cannot be read as a data file, or
    ``None``: it must stay inside ``base_dir`` (no ``..`` or absolute path out of it, no link
    pointing out) and be a regular file (never a folder or a FIFO, which would block)."""
    base = base_dir.resolve()
    target = (base_dir / text).resolve()
    if not target.is_relative_to(base):
        return f"{text!r} points outside the scenario folder {base}; keep the file inside it"
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return f"no such file {text!r} in the scenario folder"
    if not stat.S_ISREG(mode):
        return f"{text!r} is not a regular file"
    if not os.access(target, os.R_OK):
        return f"{text!r} cannot be read (permission denied)"
    return None


def _check_travel(found: _Found, values: Mapping[str, tuple[int, str]]) -> None:
    """Keys the chosen provider does not use, and files it needs that are not set."""
    line, provider = values.get("travel.provider", (-1, "haversine"))
    provider = provider.lower() or "haversine"
    if provider not in PROVIDER_KEYS:
        return  # reported by the value check
    used = PROVIDER_KEYS[provider]
    for key, (i, _) in values.items():
        own_key = key.startswith("travel.") and key in SETTINGS and key != "travel.provider"
        if own_key and key not in used:
            found.add(
                i, key, f"not used by travel.provider = {provider} (it uses {', '.join(used)})"
            )
    for key in _NEEDS_FILES.get(provider, ()):
        if not values.get(key, (0, ""))[1]:
            found.add(max(line, 0), "travel.provider", f"travel.provider = {provider} needs {key}")
