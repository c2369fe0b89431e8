"""Fixtures shared by the benchmark tests: the tiny example and its day reduced for VROOM."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.days import reduce_day
from benchmarks.dispatch_scale import DAY
from fieldopt.scenario import Scenario, read_scenario

TINY = Path(__file__).parents[2] / "docs" / "examples" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return read_scenario(TINY)


@pytest.fixture(scope="module")
def reduced_tiny(tiny: Scenario) -> Scenario:
    return reduce_day(tiny, DAY)
