"""The scenario tables (one CSV file each) and the tables of saved plans and batch runs.

Every scenario table carries ``scenario_id`` in the database, so one database holds many
scenarios (regions, what-if variants); it is not a column of the CSV files.

Units of the domain: durations in minutes, lead and transit times in days, money in the
scenario's currency. Times of the work (shifts, windows, SLAs, plan stops) are local wall-clock
times without a time zone, as dispatchers read them; record timestamps (``created_at``...)
are timezone-aware UTC. ``fieldopt/translate`` turns them into
the solvers' integers (seconds, cents).

Each field's metadata drives parsing and validation (``fieldopt.io.parse``):
``ge``/``gt``/``le`` bounds, ``choices`` (allowed values) and ``ref`` (the table whose ``id``
the value names).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

LOCATION_KINDS = ("central", "depot", "van", "site", "home")
JOB_STATUSES = ("open", "scheduled", "in_progress", "done", "cancelled")
PART_KINDS = ("consumable", "repairable")
CRITICALITY_CLASSES = ("A", "B", "C")
TRAVEL_PROVIDERS = ("haversine", "euclidean", "matrix_csv", "matrix_npy", "osrm")


# Upper bounds of the scenario's numbers: generous for real work, small enough that every
# product the models form (minutes x cents, units x levels) stays far inside int64 and memory.
# Listed in docs/data-format.md ("Bounds") and docs/contract.md.
MAX_DURATION_MIN = 7 * 24 * 60
"""A job, a precedence lag: at most 7 days in minutes."""
MAX_DAY_MIN = 24 * 60
"""Daily allowances (overtime, lunch): at most one day in minutes."""
MAX_TEAM = 100
"""Technicians one job needs at once."""
MAX_UNITS = 1_000_000
"""Units of a part: quantities, stock levels, demand per period, installed units, capacities."""
MAX_MONEY = 1_000_000_000.0
"""Any cost or price, in the scenario's currency."""
MAX_DAYS = 3_650.0
"""Lead, repair and transit times in days (ten years)."""
MAX_VOLUME_L = 1_000_000.0
"""Volumes in litres (a part, a van's or depot's capacity)."""
MAX_HOLDING_RATE = 10.0
"""Annual holding cost as a fraction of the unit cost."""
MAX_FAILURE_RATE = 1_000.0
"""Failures per installed unit per year."""


def _meta(**kw: Any) -> dict[str, Any]:
    """Field metadata read by parsing and validation (``choices``, ``ref``)."""
    return {"json_schema_extra": kw}


# --------------------------------------------------------------------------- scenario tables
class ScenarioRow(SQLModel):
    """Columns every scenario table has in the database, but not in its CSV file:
    the scenario it belongs to, and the row's position in the file (kept so a round trip
    through the database gives the file back in its order)."""

    scenario_id: str = Field(primary_key=True)
    seq: int = Field(default=0)


class Setting(ScenarioRow, table=True):
    """Free key/value settings (travel provider, currency, name...)."""

    __tablename__ = "settings"
    key: str = Field(primary_key=True)
    value: str = ""


class Location(ScenarioRow, table=True):
    """A place: central warehouse, depot, technician van, technician home or customer site.

    ``parent_id`` builds the stock network (van → depot → central): the location that
    replenishes this one. ``capacity_volume_l`` bounds the stock volume a van or depot holds.
    """

    __tablename__ = "locations"
    id: str = Field(primary_key=True)
    kind: str = Field(schema_extra=_meta(choices=LOCATION_KINDS))
    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)
    name: str = ""
    parent_id: str | None = Field(default=None, schema_extra=_meta(ref="locations"))
    capacity_volume_l: float | None = Field(default=None, ge=0.0, le=MAX_VOLUME_L)


class Technician(ScenarioRow, table=True):
    """A technician: where the day starts and ends, costs, overtime and lunch break.

    The day ends at ``end_location_id`` (default: home). Lunch: ``lunch_duration_min``
    minutes starting between ``lunch_earliest`` and ``lunch_latest``; no break when
    the duration is 0. Working days and hours are rows of ``shifts``.
    """

    __tablename__ = "technicians"
    id: str = Field(primary_key=True)
    home_location_id: str = Field(schema_extra=_meta(ref="locations"))
    name: str = ""
    van_location_id: str | None = Field(default=None, schema_extra=_meta(ref="locations"))
    end_location_id: str | None = Field(default=None, schema_extra=_meta(ref="locations"))
    cost_per_hour: float = Field(default=0.0, ge=0.0, le=MAX_MONEY)
    overtime_max_min: int = Field(default=0, ge=0, le=MAX_DAY_MIN)
    overtime_cost_per_hour: float = Field(default=0.0, ge=0.0, le=MAX_MONEY)
    lunch_earliest: dt.time | None = None
    lunch_latest: dt.time | None = None
    lunch_duration_min: int = Field(default=0, ge=0, le=MAX_DAY_MIN)


class TechnicianSkill(ScenarioRow, table=True):
    """A skill a technician holds, at a level from 1 (novice) to 5 (expert)."""

    __tablename__ = "technician_skills"
    technician_id: str = Field(primary_key=True, schema_extra=_meta(ref="technicians"))
    skill: str = Field(primary_key=True)
    level: int = Field(ge=1, le=5)


class Shift(ScenarioRow, table=True):
    """One working period of a technician; a day without a shift is a day off."""

    __tablename__ = "shifts"
    technician_id: str = Field(primary_key=True, schema_extra=_meta(ref="technicians"))
    start: NaiveDatetime = Field(primary_key=True)
    end: NaiveDatetime


class Job(ScenarioRow, table=True):
    """A work order at a customer site.

    ``duration_min`` is the duration for a technician at level 3 in the job's skills;
    each level above (below) shortens (lengthens) it by ``level_factor_pct`` percent,
    using the technician's lowest level among the required skills.
    ``release_at`` is when the job can start at the earliest (parts arrive);
    ``outsource_cost`` is empty when the job cannot be outsourced.
    A pin fixes the technician and/or the start time.
    """

    __tablename__ = "jobs"
    id: str = Field(primary_key=True)
    site_id: str = Field(schema_extra=_meta(ref="locations"))
    duration_min: int = Field(gt=0, le=MAX_DURATION_MIN)
    priority: int = Field(default=3, ge=1, le=4)
    technicians_needed: int = Field(default=1, ge=1, le=MAX_TEAM)
    status: str = Field(default="open", schema_extra=_meta(choices=JOB_STATUSES))
    sla_deadline: NaiveDatetime | None = None
    release_at: NaiveDatetime | None = None
    level_factor_pct: float = Field(default=0.0, ge=0.0, le=50.0)
    splittable: bool = False
    outsource_cost: float | None = Field(default=None, ge=0.0, le=MAX_MONEY)
    pin_technician_id: str | None = Field(default=None, schema_extra=_meta(ref="technicians"))
    pin_start: NaiveDatetime | None = None
    description: str = ""


class JobWindow(ScenarioRow, table=True):
    """A time window in which the job must start (a job may have several, or none)."""

    __tablename__ = "job_windows"
    job_id: str = Field(primary_key=True, schema_extra=_meta(ref="jobs"))
    start: NaiveDatetime = Field(primary_key=True)
    end: NaiveDatetime


class JobSkill(ScenarioRow, table=True):
    """A skill a job needs: ``technicians`` people holding it at ``min_level`` or above."""

    __tablename__ = "job_skills"
    job_id: str = Field(primary_key=True, schema_extra=_meta(ref="jobs"))
    skill: str = Field(primary_key=True)
    min_level: int = Field(default=1, ge=1, le=5)
    technicians: int = Field(default=1, ge=1, le=MAX_TEAM)


class JobPart(ScenarioRow, table=True):
    """Units of a part a job consumes."""

    __tablename__ = "job_parts"
    job_id: str = Field(primary_key=True, schema_extra=_meta(ref="jobs"))
    part_id: str = Field(primary_key=True, schema_extra=_meta(ref="parts"))
    quantity: int = Field(gt=0, le=MAX_UNITS)


class JobPredecessor(ScenarioRow, table=True):
    """Finish-to-start precedence: ``job_id`` starts ``lag_min`` after ``predecessor_id`` ends."""

    __tablename__ = "job_predecessors"
    job_id: str = Field(primary_key=True, schema_extra=_meta(ref="jobs"))
    predecessor_id: str = Field(primary_key=True, schema_extra=_meta(ref="jobs"))
    lag_min: int = Field(default=0, ge=0, le=MAX_DURATION_MIN)


class Part(ScenarioRow, table=True):
    """A spare part (SKU).

    ``holding_rate`` is the annual holding cost as a fraction of ``unit_cost``.
    ``lead_time_days``: purchase lead time into the central warehouse.
    Repairables: ``repair_time_days`` is the repair turnaround and ``local_repair_share``
    the share of failed units repaired at the base instead of sent up.
    """

    __tablename__ = "parts"
    id: str = Field(primary_key=True)
    unit_cost: float = Field(ge=0.0, le=MAX_MONEY)
    name: str = ""
    holding_rate: float = Field(default=0.25, ge=0.0, le=MAX_HOLDING_RATE)
    criticality: str = Field(default="B", schema_extra=_meta(choices=CRITICALITY_CLASSES))
    kind: str = Field(default="consumable", schema_extra=_meta(choices=PART_KINDS))
    lead_time_days: float = Field(default=0.0, ge=0.0, le=MAX_DAYS)
    repair_time_days: float | None = Field(default=None, ge=0.0, le=MAX_DAYS)
    local_repair_share: float = Field(default=0.0, ge=0.0, le=1.0)
    volume_l: float = Field(default=0.0, ge=0.0, le=MAX_VOLUME_L)


class Stock(ScenarioRow, table=True):
    """Stock position of a part at a location (units)."""

    __tablename__ = "stock"
    location_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    part_id: str = Field(primary_key=True, schema_extra=_meta(ref="parts"))
    on_hand: int = Field(ge=0, le=MAX_UNITS)
    on_order: int = Field(default=0, ge=0, le=MAX_UNITS)
    target: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    min_level: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    max_level: int | None = Field(default=None, ge=0, le=MAX_UNITS)


class DemandHistory(ScenarioRow, table=True):
    """Units of a part demanded at a location in the period starting on ``period``."""

    __tablename__ = "demand_history"
    location_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    part_id: str = Field(primary_key=True, schema_extra=_meta(ref="parts"))
    period: dt.date = Field(primary_key=True)
    quantity: int = Field(ge=0, le=MAX_UNITS)


class InstalledBase(ScenarioRow, table=True):
    """Units in the field that use a part, for demand of parts without history."""

    __tablename__ = "installed_base"
    location_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    part_id: str = Field(primary_key=True, schema_extra=_meta(ref="parts"))
    units: int = Field(ge=0, le=MAX_UNITS)
    failures_per_unit_year: float = Field(ge=0.0, le=MAX_FAILURE_RATE)


class Lane(ScenarioRow, table=True):
    """A transport lane between two stock locations."""

    __tablename__ = "lanes"
    from_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    to_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    transit_days: float = Field(default=1.0, ge=0.0, le=MAX_DAYS)
    cost_per_unit: float = Field(default=0.0, ge=0.0, le=MAX_MONEY)
    fixed_cost: float = Field(default=0.0, ge=0.0, le=MAX_MONEY)
    capacity_units: int | None = Field(default=None, ge=0, le=MAX_UNITS)


class Transfer(ScenarioRow, table=True):
    """A proposed stock transfer (input to review, or output of rebalancing)."""

    __tablename__ = "transfers"
    from_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    to_id: str = Field(primary_key=True, schema_extra=_meta(ref="locations"))
    part_id: str = Field(primary_key=True, schema_extra=_meta(ref="parts"))
    quantity: int = Field(gt=0, le=MAX_UNITS)


# --------------------------------------------------------------------------- plans and runs
class ScenarioRecord(SQLModel, table=True):
    """A scenario stored in the database."""

    __tablename__ = "scenarios"
    id: str = Field(primary_key=True)
    source: str = ""
    fingerprint: str = ""
    created_at: dt.datetime


class PlanRecord(SQLModel, table=True):
    """A saved plan: dispatch routes, a repair schedule or a stocking plan."""

    __tablename__ = "plans"
    id: str = Field(primary_key=True)
    scenario_id: str = Field(index=True)
    kind: str = Field(schema_extra=_meta(choices=("dispatch", "schedule", "inventory")))
    status: str
    created_at: dt.datetime
    objective: float | None = None
    params_json: str = "{}"
    kpis_json: str = "{}"


class PlanStop(SQLModel, table=True):
    """A stop of a dispatch route (job visit, depot pick-up, break)."""

    __tablename__ = "plan_stops"
    plan_id: str = Field(primary_key=True, foreign_key="plans.id")
    technician_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True, ge=0)
    kind: str
    location_id: str
    job_id: str | None = None
    arrival: NaiveDatetime
    start: NaiveDatetime
    end: NaiveDatetime
    travel_s: int = 0
    distance_m: int = 0
    wait_s: int = 0


class PlanAssignment(SQLModel, table=True):
    """A visit of an intervention of a repair schedule, given to one technician (a split job
    has one row per visit and technician)."""

    __tablename__ = "plan_assignments"
    plan_id: str = Field(primary_key=True, foreign_key="plans.id")
    job_id: str = Field(primary_key=True)
    technician_id: str = Field(primary_key=True)
    start: NaiveDatetime = Field(primary_key=True)
    end: NaiveDatetime
    skill: str | None = None


class PlanTransfer(SQLModel, table=True):
    """A transfer of a stocking plan."""

    __tablename__ = "plan_transfers"
    plan_id: str = Field(primary_key=True, foreign_key="plans.id")
    part_id: str = Field(primary_key=True)
    from_id: str = Field(primary_key=True)
    to_id: str = Field(primary_key=True)
    quantity: int = Field(gt=0)


class PlanUnassigned(SQLModel, table=True):
    """Work a plan leaves out, with the reason."""

    __tablename__ = "plan_unassigned"
    plan_id: str = Field(primary_key=True, foreign_key="plans.id")
    job_id: str = Field(primary_key=True)
    reason: str


class BatchRecord(SQLModel, table=True):
    """One invocation of ``fieldopt batch run``: a spec expanded into runs."""

    __tablename__ = "batches"
    id: str = Field(primary_key=True)
    name: str
    spec_hash: str = Field(index=True)
    spec_json: str
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "running"


class RunRecord(SQLModel, table=True):
    """A unit of work, identified by the fingerprint of its inputs (kind, scenario, params).

    Two batches asking for the same inputs share the run, which is what makes re-running a
    batch idempotent. ``claimed_by``/``heartbeat_at`` let several runners share a database:
    a runner claims a pending run atomically and refreshes the heartbeat while it runs; a run
    whose runner is gone (no heartbeat within the lease) can be claimed again.
    The result is written together with ``status = "done"`` in one transaction.
    """

    __tablename__ = "runs"
    id: str = Field(primary_key=True)
    kind: str
    scenario_id: str
    scenario_fingerprint: str
    params_json: str = "{}"
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    claimed_by: str | None = None
    heartbeat_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    runtime_s: float | None = None
    solver_status: str | None = None
    error: str | None = None
    kpis_json: str = "{}"
    result_json: str | None = None


class BatchRun(SQLModel, table=True):
    """Which runs a batch asked for, in spec order."""

    __tablename__ = "batch_runs"
    batch_id: str = Field(primary_key=True, foreign_key="batches.id")
    run_id: str = Field(primary_key=True, foreign_key="runs.id")
    seq: int = 0
    label: str = ""


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Column:
    """One CSV column of a scenario table, derived from the SQLModel field."""

    name: str
    type: type
    required: bool
    default: Any
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] | None = None
    ref: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A scenario table: its CSV file, model, key and columns (in file order)."""

    name: str
    model: type[SQLModel]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required_file: bool

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.file}: no column {name!r}")

    @property
    def row_id_columns(self) -> tuple[str, ...]:
        """Columns that name a record in messages (its key)."""
        return self.key


def _python_type(annotation: Any) -> type:
    args = getattr(annotation, "__args__", None)
    if args:  # X | None
        annotation = next(a for a in args if a is not type(None))
    if annotation is NaiveDatetime:
        return dt.datetime
    return annotation  # type: ignore[no-any-return]


def _columns(model: type[SQLModel]) -> tuple[Column, ...]:
    cols: list[Column] = []
    for name, info in model.model_fields.items():
        if name in ScenarioRow.model_fields:
            continue
        bounds: dict[str, float] = {}
        for meta in info.metadata:
            for attr in ("ge", "gt", "le"):
                value = getattr(meta, attr, None)
                if value is not None:
                    bounds[attr] = float(value)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        choices = extra.get("choices")
        ref = extra.get("ref")
        cols.append(
            Column(
                name=name,
                type=_python_type(info.annotation),
                required=info.is_required(),
                default=None if info.is_required() else info.default,
                choices=tuple(str(v) for v in choices)
                if isinstance(choices, list | tuple)
                else None,
                ref=ref if isinstance(ref, str) else None,
                **bounds,
            )
        )
    return tuple(cols)


def _spec(model: type[SQLModel], required_file: bool = False) -> TableSpec:
    table = model.__table__  # type: ignore[attr-defined]
    key = tuple(c.name for c in table.primary_key.columns if c.name != "scenario_id")
    return TableSpec(str(table.name), model, key, _columns(model), required_file)


# Parents before children: the order of database inserts and of reference checks.
SCENARIO_TABLES: tuple[TableSpec, ...] = (
    _spec(Setting),
    _spec(Location, required_file=True),
    _spec(Technician, required_file=True),
    _spec(TechnicianSkill),
    _spec(Shift),
    _spec(Part),
    _spec(Job, required_file=True),
    _spec(JobWindow),
    _spec(JobSkill),
    _spec(JobPart),
    _spec(JobPredecessor),
    _spec(Stock),
    _spec(DemandHistory),
    _spec(InstalledBase),
    _spec(Lane),
    _spec(Transfer),
)
PLAN_TABLES: tuple[type[SQLModel], ...] = (
    ScenarioRecord,
    PlanRecord,
    PlanStop,
    PlanAssignment,
    PlanTransfer,
    PlanUnassigned,
    BatchRecord,
    RunRecord,
    BatchRun,
)
_BY_NAME = {spec.name: spec for spec in SCENARIO_TABLES}
SCENARIO_TABLE_NAMES = frozenset(_BY_NAME)


def table_spec(name: str) -> TableSpec:
    """The spec of scenario table ``name`` (e.g. ``"jobs"``)."""
    return _BY_NAME[name]


def _add_reference_constraints() -> None:
    """Composite foreign keys (scenario_id, column) → (scenario_id, id) of the named table.

    Deferred to commit time, so a scenario's rows insert in any order within its transaction.
    """
    from sqlalchemy import ForeignKeyConstraint

    for spec in SCENARIO_TABLES:
        table = spec.model.__table__  # type: ignore[attr-defined]
        for col in spec.columns:
            if col.ref is None:
                continue
            table.append_constraint(
                ForeignKeyConstraint(
                    ["scenario_id", col.name],
                    [f"{col.ref}.scenario_id", f"{col.ref}.id"],
                    name=f"fk_{spec.name}_{col.name}",
                    deferrable=True,
                    initially="DEFERRED",
                )
            )
        table.append_constraint(
            ForeignKeyConstraint(
                ["scenario_id"],
                ["scenarios.id"],
                name=f"fk_{spec.name}_scenario",
                deferrable=True,
                initially="DEFERRED",
                ondelete="CASCADE",
            )
        )


_add_reference_constraints()
