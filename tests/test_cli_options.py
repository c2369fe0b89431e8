"""Bad command-line values and unwritable outputs: exit 2 naming the option, before any work;
outputs replaced atomically. In-process (``fieldopt.cli.main``) to keep hundreds of cases
cheap."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from fieldopt.cli import main
from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK

TINY = str(Path(__file__).parents[1] / "docs" / "examples" / "tiny")
DAY = "2026-11-24"
BAD_NUMBERS = ("nan", "inf", "-inf", "-5", "0", "1e308", "abc", "99999999999999999999")


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """Exit code and stderr of ``fieldopt ARGS``."""
    monkeypatch.setattr(sys, "argv", ["fieldopt", *args])
    monkeypatch.setenv("COLUMNS", "200")
    code = EXIT_OK
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_OK
    return code, capsys.readouterr().err


def commands_with(option: str, value: str) -> list[list[str]]:
    base = {
        "plan": ["plan", TINY, "--date", DAY],
        "schedule": ["schedule", TINY, "--start", DAY],
        "optimise": ["inventory", "optimise", TINY],
        "rebalance": ["inventory", "rebalance", TINY],
        "frontier": ["inventory", "frontier", TINY],
    }
    has = {
        "--time-limit": ("plan", "schedule", "optimise", "rebalance", "frontier"),
        "--seed": ("plan", "schedule", "optimise", "rebalance"),
        "--workers": ("plan", "schedule", "optimise", "rebalance"),
    }
    return [[*base[c], option, value] for c in has[option]]


CASES = [
    *(
        cmd
        for option in ("--time-limit", "--seed", "--workers")
        for value in BAD_NUMBERS
        for cmd in commands_with(option, value)
        if not (option == "--seed" and value == "0")
    ),
    *(["schedule", TINY, "--start", DAY, "--days", v] for v in BAD_NUMBERS),
    *(["schedule", TINY, "--start", DAY, "--budget", v] for v in BAD_NUMBERS if v != "0"),
    *(["inventory", "optimise", TINY, "--budget", v] for v in BAD_NUMBERS if v != "0"),
    *(
        ["inventory", "optimise", TINY, "--target-fill-rate", v]
        for v in (*BAD_NUMBERS, "1", "1.5")
    ),
    *(
        ["inventory", "optimise", TINY, "--waiting-cost-per-day", v]
        for v in BAD_NUMBERS
        if v != "0"
    ),
    *(["inventory", "rebalance", TINY, "--min-quantity", v] for v in BAD_NUMBERS),
    *(["inventory", "forecast", TINY, "--holdout", v] for v in BAD_NUMBERS),
    *(
        ["inventory", "whatif", TINY, "--variant", v]
        for v in ("demand=nan%", "demand=inf%", "lead_time=xnan", "lead_time=x1e308",
                  "demand=-200%")
    ),
    *(["generate", "unused", f"--{o}", v] for o in ("jobs", "days", "seed") for v in BAD_NUMBERS
      if not (o == "seed" and v == "0")),
    *(["batch", "run", "no-spec.yaml", "--lease", v] for v in (*BAD_NUMBERS, "0.5")),
    *(["batch", "run", "no-spec.yaml", "--jobs", v] for v in BAD_NUMBERS),
    *(["plan", TINY, "--date", v] for v in ("2026-13-01", "tomorrow", "", f"{DAY}T08:00")),
    *(["schedule", TINY, "--start", v] for v in ("2026-02-30", "x")),
]  # fmt: skip


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_a_bad_option_value_is_bad_input_naming_the_option(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = run(capsys, monkeypatch, *args)
    assert code == EXIT_BAD_INPUT, err
    assert "Traceback" not in err
    named = args[-2].lstrip("-") if args[-2].startswith("--") else args[-2]
    if args[-2] == "--variant":
        named = "variant"
    assert named.replace("-", "") in err.replace("-", "").replace("\n", "")
    assert not (tmp_path / "unused").exists()  # nothing generated


OUTPUT_COMMANDS = [
    ["plan", TINY, "--date", DAY, "--time-limit", "1", "--out"],
    ["plan", TINY, "--date", DAY, "--time-limit", "1", "--report"],
    ["schedule", TINY, "--start", DAY, "--days", "2", "--time-limit", "1", "--out"],
    ["schedule", TINY, "--start", DAY, "--days", "2", "--time-limit", "1", "--report"],
    ["inventory", "forecast", TINY, "--json"],
    ["inventory", "optimise", TINY, "--budget", "100", "--report"],
    ["inventory", "rebalance", TINY, "--json"],
    ["generate", "--jobs", "5", "--technicians", "2", "--days", "1"],
    ["export", "sqlite:///nothing-here.db"],
]


@pytest.mark.parametrize("kind", ["folder", "under-a-file"])
@pytest.mark.parametrize("args", OUTPUT_COMMANDS, ids=" ".join)
def test_an_output_that_cannot_be_written_fails_before_the_work(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    kind: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.txt").write_text("x")
    (tmp_path / "a-folder").mkdir()
    folder_out = args[0] in ("generate", "export")
    if kind == "folder":
        target = tmp_path / ("a-file.txt" if folder_out else "a-folder")
    else:  # a path below a regular file: unwritable even for root
        target = tmp_path / "a-file.txt" / "out.json"
    cmd = [*args[:1], str(target), *args[1:]] if folder_out else [*args, str(target)]
    code, err = run(capsys, monkeypatch, *cmd)
    assert code == EXIT_BAD_INPUT, err
    assert "Traceback" not in err
    assert "searching" not in err  # refused before the solve
    assert not (tmp_path / "nothing-here.db").exists() or folder_out


def test_an_interrupted_write_leaves_the_previous_plan_intact(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fieldopt.dispatch.plan import DispatchPlan

    out = tmp_path / "plan.json"
    assert run(capsys, monkeypatch, "plan", TINY, "--date", DAY, "--time-limit", "1",
               "--out", str(out))[0] == EXIT_OK  # fmt: skip
    before = out.read_bytes()
    out.chmod(0o640)

    def broken(self: DispatchPlan) -> dict[str, object]:
        return {"format": "fieldopt.dispatch-plan/1", "oops": object()}  # not JSON: raises

    monkeypatch.setattr(DispatchPlan, "to_json", broken)
    code, err = run(capsys, monkeypatch, "plan", TINY, "--date", DAY, "--time-limit", "1",
                    "--seed", "3", "--out", str(out))  # fmt: skip
    assert code != EXIT_OK, err
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left
    assert json.loads(before)["format"].startswith("fieldopt.dispatch-plan")
    assert out.stat().st_mode & 0o777 == 0o640


def test_an_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    from fieldopt.io.files import write_text_atomic

    target = tmp_path / "x.json"
    target.write_text("old")
    target.chmod(0o644)
    write_text_atomic(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("command", ["forecast", "frontier", "optimise"])
def test_an_inventory_command_stopped_mid_solve_exits_130_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    """The stop request arrives as the forecast (or the marginal analysis) is under way, as
    a signal would set it."""
    import importlib

    import solvers.inventory.solve as solve
    from fieldopt.errors import EXIT_INTERRUPTED
    from fieldopt.options import request_stop

    forecast = importlib.import_module("fieldopt.inventory.forecast")  # the module, not the API
    if command == "forecast":
        choose = forecast.choose_method

        def choose_then_stop(*args: object, **kwargs: object) -> object:
            request_stop()
            return choose(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(forecast, "choose_method", choose_then_stop)
    else:
        curves = solve.part_curves

        def curves_then_stop(*args: object, **kwargs: object) -> object:
            request_stop()
            return curves(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(solve, "part_curves", curves_then_stop)
    out = tmp_path / "result.json"
    extra = ["--budget", "1000", "--no-side"] if command == "optimise" else []
    code, err = run(capsys, monkeypatch, "inventory", command, TINY, *extra, "--json", str(out))
    assert code == EXIT_INTERRUPTED, err
    assert "interrupted: nothing written" in err
    assert not out.exists()
