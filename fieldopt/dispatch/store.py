"""Save a dispatch plan to the plan tables ``plans``, ``plan_stops`` and ``plan_unassigned``."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, SQLModel

from fieldopt.dispatch.plan import DispatchPlan
from fieldopt.domain.tables import PlanRecord, PlanStop, PlanUnassigned
from fieldopt.io.database import connect
from fieldopt.io.files import dumps_strict
from fieldopt.plans import report_to_json


def save_plan(plan: DispatchPlan, url: str) -> str:
    """Write ``plan`` in one transaction; returns its plan id."""
    engine = connect(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add(
            PlanRecord(
                id=plan.plan_id,
                scenario_id=plan.scenario,
                kind="dispatch",
                status=plan.status.value,
                created_at=dt.datetime.now(dt.UTC),
                objective=plan.report.objective,
                params_json=dumps_strict(
                    {"report": report_to_json(plan.report), "details": plan.details}, None
                ),
                kpis_json=dumps_strict(plan.kpis, None),
            )
        )
        session.flush()
        for s in plan.stops:
            session.add(
                PlanStop(
                    plan_id=plan.plan_id,
                    technician_id=s.technician_id,
                    seq=s.seq,
                    kind=s.kind,
                    location_id=s.location_id,
                    job_id=s.job_id,
                    arrival=s.arrival,
                    start=s.start,
                    end=s.end,
                    travel_s=s.travel_s,
                    distance_m=s.distance_m,
                    wait_s=s.wait_s,
                )
            )
        for job, reason in plan.unassigned.items():
            session.add(PlanUnassigned(plan_id=plan.plan_id, job_id=job, reason=reason.text))
    engine.dispose()
    return plan.plan_id
