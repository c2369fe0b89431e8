"""Schedules in the database: ``plans``, ``plan_assignments`` and ``plan_unassigned``."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from fieldopt.domain.tables import PlanAssignment, PlanRecord, PlanUnassigned
from fieldopt.errors import InputError, StorageError
from fieldopt.io.database import connect
from fieldopt.io.files import dumps_strict
from fieldopt.schedule.result import RepairSchedule

OUTSOURCED = "outsourced"


def save_schedule(schedule: RepairSchedule, url: str, plan_id: str | None = None) -> str:
    """Store ``schedule`` as a plan of kind ``schedule``, in one transaction; returns its id.

    Outsourced jobs are ``plan_unassigned`` rows with reason ``outsourced``, unscheduled ones
    carry their reason's sentence (code and facts are in the JSON); the whole JSON document is
    kept in ``params_json`` so :func:`load_schedule` gives it back exactly.
    """
    pid = plan_id or f"schedule-{uuid.uuid4().hex[:12]}"
    doc = schedule.to_json()
    engine = connect(url)
    try:
        _check_visit_key(engine, schedule)
        with engine.begin() as conn:
            for table in (PlanAssignment.__table__, PlanUnassigned.__table__):  # type: ignore[attr-defined]
                conn.execute(delete(table).where(table.c.plan_id == pid))
            conn.execute(delete(PlanRecord.__table__).where(PlanRecord.__table__.c.id == pid))  # type: ignore[attr-defined]
            conn.execute(
                insert(PlanRecord.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "id": pid,
                        "scenario_id": schedule.scenario,
                        "kind": "schedule",
                        "status": str(schedule.status),
                        "created_at": dt.datetime.now(dt.UTC),
                        "objective": schedule.report.objective,
                        "params_json": dumps_strict(doc, indent=None),
                        "kpis_json": dumps_strict(schedule.kpis, indent=None),
                    }
                ],
            )
            if schedule.assignments:
                conn.execute(
                    insert(PlanAssignment.__table__),  # type: ignore[attr-defined]
                    [
                        {
                            "plan_id": pid,
                            "job_id": a.job_id,
                            "technician_id": a.technician_id,
                            "start": a.start,
                            "end": a.end,
                            "skill": a.skill,
                        }
                        for a in schedule.assignments
                    ],
                )
            left = [(j, OUTSOURCED) for j in schedule.outsourced]
            left += [(j, r.text) for j, r in sorted(schedule.unassigned.items())]
            if left:
                conn.execute(
                    insert(PlanUnassigned.__table__),  # type: ignore[attr-defined]
                    [{"plan_id": pid, "job_id": j, "reason": r} for j, r in left],
                )
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot save schedule {pid}: {exc}") from exc
    finally:
        engine.dispose()
    return pid


def _check_visit_key(engine: Engine, schedule: RepairSchedule) -> None:
    """A database created before split jobs keys ``plan_assignments`` without ``start``: it
    can hold every schedule but those with a job visited twice by one technician."""
    key = inspect(engine).get_pk_constraint("plan_assignments")["constrained_columns"]
    twice = any(len(v) > 1 for v in schedule.visits().values())
    if "start" not in key and twice:
        raise StorageError(
            "cannot save schedule: table plan_assignments has the primary key "
            f"{tuple(key)} of an older fieldopt, which holds one visit per job and technician; "
            "this schedule splits jobs into visits. Rename or drop that table (fieldopt "
            "creates it again) or save to a new database."
        )


def load_schedule(url: str, plan_id: str) -> RepairSchedule:
    """Read back a schedule saved by :func:`save_schedule`."""
    engine = connect(url, create=False)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(PlanRecord.__table__).where(PlanRecord.__table__.c.id == plan_id)  # type: ignore[attr-defined]
            ).first()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read plan {plan_id}: {exc}") from exc
    finally:
        engine.dispose()
    if row is None or row.kind != "schedule":
        raise InputError(f"plans: no schedule with id {plan_id!r}")
    return RepairSchedule.from_json(json.loads(row.params_json), what=f"plans: {plan_id}")
