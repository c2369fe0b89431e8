"""A scenario: every table of one region's data, parsed, typed and validated.

Build one with :func:`read_scenario` (a CSV folder or a database URL) or
:func:`scenario_from_frames` (pandas DataFrames). Both collect every problem in the input and
raise one :class:`~fieldopt.errors.InputError` carrying the list if any is an error; warnings
stay on ``Scenario.warnings``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from fieldopt.domain.tables import SCENARIO_TABLES
from fieldopt.errors import InputError, Problem, raise_on_errors
from fieldopt.io.parse import canonical_frame
from fieldopt.io.settings import check_settings
from fieldopt.validate import validate_tables

if TYPE_CHECKING:
    from fieldopt.travel import TravelMatrix, TravelProvider
    from fieldopt.view import ScenarioView

PRIORITY_NAMES = {1: "critical", 2: "high", 3: "normal", 4: "low"}


@dataclass(frozen=True)
class Scenario:
    """The validated tables of a scenario, as canonical pandas frames keyed by table name.

    Treat the frames as read-only; :meth:`to_frames` gives copies to edit, and
    :func:`scenario_from_frames` turns edited frames back into a validated scenario.
    """

    name: str
    tables: Mapping[str, pd.DataFrame]
    warnings: tuple[Problem, ...] = ()
    source: str = ""
    base_dir: Path | None = field(default=None, compare=False)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    @functools.cached_property
    def view(self) -> ScenarioView:
        """Typed lookups (levels, requirements, shifts, stock, parts...), computed once."""
        from fieldopt.view import ScenarioView

        return ScenarioView(self)

    @property
    def locations(self) -> pd.DataFrame:
        return self.tables["locations"]

    @property
    def technicians(self) -> pd.DataFrame:
        return self.tables["technicians"]

    @property
    def technician_skills(self) -> pd.DataFrame:
        return self.tables["technician_skills"]

    @property
    def shifts(self) -> pd.DataFrame:
        return self.tables["shifts"]

    @property
    def jobs(self) -> pd.DataFrame:
        return self.tables["jobs"]

    @property
    def job_windows(self) -> pd.DataFrame:
        return self.tables["job_windows"]

    @property
    def job_skills(self) -> pd.DataFrame:
        return self.tables["job_skills"]

    @property
    def job_parts(self) -> pd.DataFrame:
        return self.tables["job_parts"]

    @property
    def job_predecessors(self) -> pd.DataFrame:
        return self.tables["job_predecessors"]

    @property
    def parts(self) -> pd.DataFrame:
        return self.tables["parts"]

    @property
    def stock(self) -> pd.DataFrame:
        return self.tables["stock"]

    @property
    def demand_history(self) -> pd.DataFrame:
        return self.tables["demand_history"]

    @property
    def installed_base(self) -> pd.DataFrame:
        return self.tables["installed_base"]

    @property
    def lanes(self) -> pd.DataFrame:
        return self.tables["lanes"]

    @property
    def transfers(self) -> pd.DataFrame:
        return self.tables["transfers"]

    @property
    def settings(self) -> dict[str, str]:
        frame = self.tables["settings"]
        return dict(zip(frame["key"], frame["value"], strict=True))

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Copies of every table, safe to edit."""
        return {name: frame.copy() for name, frame in self.tables.items()}

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write the scenario as a CSV folder (the canonical text; reads back unchanged)."""
        from fieldopt.io.csv_files import write_csv_folder

        return write_csv_folder(self.tables, Path(folder))

    def travel_provider(self) -> TravelProvider:
        """The travel-time provider named by the ``travel.*`` settings (default haversine)."""
        from fieldopt.errors import InputError
        from fieldopt.travel import provider_from_settings

        settings = self.settings
        try:
            return provider_from_settings(settings, self.base_dir or Path.cwd())
        except (ValueError, OSError) as exc:
            named = re.match(r"travel\.\w+", str(exc))
            # messages about a file's content start with its path: the matrix (or ids) file
            key = named.group(0) if named else "travel.matrix"
            text = str(exc)
            if isinstance(exc, UnicodeDecodeError):
                text = f"{settings.get(key, '')}: not UTF-8 text ({exc.reason})"
            raise InputError([_travel_problem(f"travel settings: {text}", key)]) from exc

    def travel_matrix(self, ids: Sequence[str] | None = None) -> TravelMatrix:
        """Integer travel seconds and metres between ``ids`` (default: every location)."""
        locations = self.locations.set_index("id")
        chosen = list(locations.index) if ids is None else list(ids)
        missing = [i for i in chosen if i not in locations.index]
        if missing:
            raise KeyError(f"unknown location id(s): {', '.join(map(str, missing))}")
        rows = locations.loc[chosen]
        return self.travel_provider().matrix(
            chosen, rows["lat"].to_numpy(dtype=float), rows["lon"].to_numpy(dtype=float)
        )

    def fingerprint(self) -> str:
        """SHA-256 of the canonical content: equal data gives an equal fingerprint."""
        from fieldopt.io.csv_files import frame_to_csv_text

        digest = hashlib.sha256()
        for spec in SCENARIO_TABLES:
            digest.update(spec.name.encode())
            digest.update(frame_to_csv_text(spec, self.tables[spec.name]).encode())
        return digest.hexdigest()

    def summary(self) -> dict[str, Any]:
        """Counts a planner checks first: people, work by priority, parts and stock."""
        jobs = self.jobs
        kinds = self.locations["kind"].value_counts()
        by_priority = jobs["priority"].map(PRIORITY_NAMES).value_counts()
        stock = self.stock
        shifts = self.shifts
        days = shifts["start"].dt.normalize()
        return {
            "scenario": self.name,
            "technicians": len(self.technicians),
            "skills": int(self.technician_skills["skill"].nunique()),
            "shift_days": int(days.nunique()),
            "first_day": None if shifts.empty else f"{days.min():%Y-%m-%d}",
            "jobs": len(jobs),
            "jobs_by_priority": {
                name: int(by_priority.get(name, 0)) for name in PRIORITY_NAMES.values()
            },
            "jobs_by_status": {str(k): int(v) for k, v in jobs["status"].value_counts().items()},
            "multi_technician_jobs": int((jobs["technicians_needed"] > 1).sum()),
            "jobs_with_windows": int(self.job_windows["job_id"].nunique()),
            "jobs_with_sla": int(jobs["sla_deadline"].notna().sum()),
            "jobs_needing_parts": int(self.job_parts["job_id"].nunique()),
            "precedences": len(self.job_predecessors),
            "parts": len(self.parts),
            "depots": int(kinds.get("depot", 0)),
            "central_warehouses": int(kinds.get("central", 0)),
            "vans": int(kinds.get("van", 0)),
            "sites": int(kinds.get("site", 0)),
            "stock_positions": len(stock),
            "units_on_hand": int(stock["on_hand"].sum()),
            "stock_value": float((stock["on_hand"] * stock["part_id"].map(self._unit_cost)).sum()),
            "demand_history_rows": len(self.demand_history),
            "warnings": len(self.warnings),
        }

    @property
    def _unit_cost(self) -> pd.Series:
        return self.parts.set_index("id")["unit_cost"]


def check_frames(
    frames: Mapping[str, pd.DataFrame],
    *,
    csv_lines: bool = False,
    unreadable: Collection[str] = (),
    base_dir: Path | None = None,
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Parse and validate ``frames`` (missing tables are empty); never raises on bad data.

    ``unreadable`` names tables whose file exists but could not be read (already reported):
    they are not reported missing, and the checks across tables are skipped, since every
    reference to such a table would otherwise be reported as unknown. ``base_dir`` is the
    folder files named by settings (``travel.matrix``) must be in; ``None`` (a database or
    DataFrames) leaves them to be checked when the travel provider is built.
    Returns the canonical tables and every problem found (errors and warnings).
    """
    problems: list[Problem] = []
    for name in frames:
        if name not in {spec.name for spec in SCENARIO_TABLES}:
            problems.append(
                Problem("warning", "unknown_table", name, f"unknown table {name!r} is ignored")
            )
    tables: dict[str, pd.DataFrame] = {}
    for spec in SCENARIO_TABLES:
        raw = frames.get(spec.name)
        if raw is None:
            if spec.required_file and spec.name not in unreadable:
                problems.append(
                    Problem(
                        "error", "missing_file", spec.name, f"required file {spec.file} is missing"
                    )
                )
            raw = pd.DataFrame({c.name: pd.Series(dtype=object) for c in spec.columns})
        table, found = canonical_frame(spec, raw, csv_lines=csv_lines)
        tables[spec.name] = table
        problems.extend(found)
    if not unreadable:
        problems.extend(validate_tables(tables, csv_lines=csv_lines))
        ids = set(tables["locations"]["id"].dropna())
        problems.extend(check_settings(tables["settings"], ids, base_dir, csv_lines=csv_lines))
    return tables, problems


def scenario_from_frames(
    frames: Mapping[str, pd.DataFrame],
    name: str = "scenario",
    *,
    source: str = "",
    base_dir: Path | None = None,
    csv_lines: bool = False,
) -> Scenario:
    """Build a validated :class:`Scenario`; raises :class:`InputError` listing every error."""
    tables, problems = check_frames(frames, csv_lines=csv_lines, base_dir=base_dir)
    raise_on_errors(problems)
    return Scenario(name, tables, tuple(problems), source or name, base_dir)


def read_scenario(source: str | Path, name: str | None = None) -> Scenario:
    """Read a scenario from a CSV folder, or from a database URL (``name`` picks the scenario)."""
    text = str(source)
    if "://" in text:
        from fieldopt.io.database import load_frames

        stored, frames = load_frames(text, name)
        tables, problems = check_frames(frames)
        raise_on_errors(problems)
        return Scenario(stored, tables, tuple(problems), text, None)
    folder = Path(source)
    tables, problems = _check_folder(folder)
    raise_on_errors(problems)
    return Scenario(name or folder.name, tables, tuple(problems), str(folder), folder)


def _check_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The tables of a CSV folder and every problem found; a ``.csv`` file that a setting
    names (a travel matrix) is not reported as an unknown table."""
    from fieldopt.io.csv_files import read_csv_folder

    frames, problems = read_csv_folder(folder)
    tables, found = check_frames(
        frames, csv_lines=True, unreadable=_unreadable(problems), base_dir=folder
    )
    named = {
        Path(str(v)).name
        for k, v in zip(tables["settings"]["key"], tables["settings"]["value"], strict=True)
        if k in ("travel.matrix", "travel.ids") and isinstance(v, str)
    }
    problems = [
        p for p in problems if not (p.code == "unknown_table" and f"{p.table}.csv" in named)
    ]
    return tables, problems + found


def load_scenario(url: str, name: str | None = None) -> Scenario:
    """Read scenario ``name`` (or the only one stored) from the database at ``url``."""
    if "://" not in url:
        raise InputError(f"database: expected a URL such as sqlite:///fieldopt.db, got {url!r}")
    return read_scenario(url, name)


def validate_source(source: str | Path, name: str | None = None) -> list[Problem]:
    """Every problem of a CSV folder or database scenario, without raising."""
    text = str(source)
    if "://" in text:
        from fieldopt.io.database import load_frames

        tables, problems = check_frames(load_frames(text, name)[1])
        return problems + _travel_problems(tables, problems, Path.cwd())
    folder = Path(source)
    tables, problems = _check_folder(folder)
    return problems + _travel_problems(tables, problems, folder)


def _travel_problems(
    tables: Mapping[str, pd.DataFrame], problems: Sequence[Problem], base_dir: Path
) -> list[Problem]:
    """Build the travel provider and look up every location (reads a matrix file whole, so
    only ``validate`` does it up front; planning reads it anyway)."""
    if any(p.is_error for p in problems):
        return []
    from fieldopt.travel import MatrixTravel

    scenario = Scenario("validate", tables, (), "", base_dir)
    try:
        provider = scenario.travel_provider()
        if isinstance(provider, MatrixTravel):  # computed providers cover every place
            scenario.travel_matrix()
    except InputError as exc:
        return exc.problems
    except KeyError as exc:  # UnknownLocationError: the matrix lacks some locations
        return [_travel_problem(str(exc.args[0] if exc.args else exc), "travel.matrix")]
    return []


def _travel_problem(message: str, key: str | None) -> Problem:
    return Problem("error", "travel", "settings", message, row=key, field="value")


def _unreadable(problems: Sequence[Problem]) -> set[str]:
    return {p.table for p in problems if p.code == "unreadable_file"}
