"""Run kinds used by the batch tests (importable by spawned workers through PYTHONPATH).

Each run leaves marker files, so a test can count how often a run *started* and *finished*
independently of what the database says.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from pathlib import Path
from typing import Any

from fieldopt.batch import RunOutcome
from fieldopt.scenario import Scenario


def slow(scenario: Scenario, params: dict[str, Any]) -> RunOutcome:
    markers = Path(params["markers"])
    tag = f"{params['n']}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    (markers / f"start-{tag}").touch()
    time.sleep(float(params.get("sleep", 0.5)))
    (markers / f"end-{tag}").touch()
    return RunOutcome("ok", {"n": params["n"], "jobs": len(scenario.jobs)}, {"n": params["n"]})


def sometimes_broken(scenario: Scenario, params: dict[str, Any]) -> RunOutcome:
    if params["n"] == 1:
        raise ValueError("boom on n=1")
    return RunOutcome("ok", {"n": params["n"]})


def not_a_number(scenario: Scenario, params: dict[str, Any]) -> RunOutcome:
    """A run whose KPIs and result hold NaN and infinity, as frontier rows can."""
    return RunOutcome("ok", {"n": params["n"], "fill": math.nan}, {"rows": [1.5, math.inf]})


def starts(markers: Path, n: int) -> int:
    return len(list(markers.glob(f"start-{n}-*")))
