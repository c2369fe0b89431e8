"""The checker entry point refuses what it cannot check instead of passing it silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldopt.check import Violation, check
from fieldopt.scenario import read_scenario


def test_unknown_result_type_is_refused(tiny_dir: Path) -> None:
    with pytest.raises(TypeError, match="no checker for dict"):
        check({}, read_scenario(tiny_dir))


def test_violation_reads_as_a_sentence() -> None:
    v = Violation("time_window", "J1", "starts 12 min after its window closes", 720.0)
    assert str(v) == "time_window: J1: starts 12 min after its window closes"
