"""Forecasting without the ``forecast`` extra: a clean error naming it, exit 2, no trace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fieldopt.errors import EXIT_BAD_INPUT, InputError
from fieldopt.inventory.methods import one_step

REPO = Path(__file__).parents[2]


def test_one_step_without_statsforecast_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)  # the import fails
    with pytest.raises(InputError, match=r"fieldopt\[forecast\]") as info:
        one_step(np.array([0.0, 2.0, 0.0, 1.0]), "CrostonSBA")
    assert info.value.exit_code == EXIT_BAD_INPUT
    # an all-zero series needs no model
    assert one_step(np.zeros(4), "CrostonSBA") == 0.0


def test_forecast_command_without_statsforecast_exits_2() -> None:
    code = (
        "import sys; sys.modules['statsforecast'] = None; "
        "sys.argv = ['fieldopt', 'inventory', 'forecast', sys.argv[1]]; "
        "from fieldopt.cli import main; main()"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "data" / "sample")],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert "fieldopt[forecast]" in run.stderr
    assert "Traceback" not in run.stderr
