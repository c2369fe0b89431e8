"""Reference cases (``data/inventory-cases/*.json``): read one, answer every query, report.

``run_case`` returns the case with ``computed_*`` fields added next to the expected ones, as
``fieldopt bench inventory CASE.json --json OUT`` writes it.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fieldopt.errors import InputError, Problem
from solvers.inventory.data import METHODS, StockingData
from solvers.inventory.distributions import erlang_loss
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import FrontierParams, PartCurves, part_curves
from solvers.inventory.milp import SideConstraints, solve_stocking_milp


def _bad(path: Path, message: str, field: str | None = None) -> InputError:
    return InputError([Problem("error", "bad_case", str(path), message, field=field)])


def case_data(case: dict[str, Any], flows: list[dict[str, Any]], path: Path) -> StockingData:
    """The solver data of a case (or of one of its ``cases`` entries' ``flows``)."""
    try:
        parts = [str(p["id"]) for p in case["parts"]]
        sites = [str(s["id"]) for s in case["sites"]]
        shape = (len(parts), len(sites))
        arrays = {k: np.zeros(shape) for k in ("lam", "r", "tb", "o")}
        t0 = np.zeros(len(parts))
        for n, f in enumerate(flows):
            if f["part"] not in parts or f["site"] not in sites:
                raise _bad(path, f"flow {n}: unknown part or site {f['part']}/{f['site']}", "flows")
            i, j = parts.index(f["part"]), sites.index(f["site"])
            arrays["lam"][i, j] = float(f.get("demand_rate", 0.0))
            arrays["r"][i, j] = float(f.get("local_repair_fraction", 0.0))
            arrays["tb"][i, j] = float(f.get("local_repair_time", 0.0))
            arrays["o"][i, j] = float(f.get("resupply_time", 0.0))
            if "repair_time" in f:
                t0[i] = float(f["repair_time"])
        parent = np.array(
            [-1 if s.get("parent") is None else sites.index(s["parent"]) for s in case["sites"]],
            dtype=np.int64,
        )
        emergency = np.array(
            [s.get("stockout_policy", "backorder") == "emergency" for s in case["sites"]]
        )
        return StockingData(
            tuple(parts),
            tuple(sites),
            np.array([float(p["unit_cost"]) for p in case["parts"]]),
            parent,
            arrays["lam"],
            arrays["r"],
            arrays["tb"],
            arrays["o"],
            t0,
            emergency,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise _bad(path, f"cannot read the case: {exc}") from exc


def _stock(data: StockingData, stock: dict[str, dict[str, int]]) -> np.ndarray:
    out = np.zeros(data.demand_rate.shape, dtype=np.int64)
    for p, by_site in stock.items():
        for s, units in by_site.items():
            out[data.part_ids.index(p), data.site_ids.index(s)] = int(units)
    return out


def _stock_dict(data: StockingData, stock: np.ndarray) -> dict[str, dict[str, int]]:
    return {
        p: {s: int(stock[i, j]) for j, s in enumerate(data.site_ids)}
        for i, p in enumerate(data.part_ids)
    }


def _series(entry: dict[str, Any], path: Path) -> np.ndarray:
    if "y" in entry:
        return np.asarray(entry["y"], dtype=np.float64)
    name = Path(str(entry["file"])).name
    for candidate in (path.parent / str(entry["file"]), path.parent.parent / "spare-parts" / name):
        if candidate.exists():
            frame = pd.read_csv(candidate)
            return frame[frame.columns[-1]].to_numpy(dtype=np.float64)
    raise _bad(path, f"series {entry.get('id')}: file {entry['file']} not found", "file")


def run_case(
    path: Path, params: LpParams | None = None, time_limit_s: float = 60.0
) -> dict[str, Any]:
    """Answer every query of the case at ``path``; the case with ``computed_*`` fields added."""
    from fieldopt.inventory.methods import canonical_method, one_step

    params = params or LpParams(time_limit_s=time_limit_s)
    try:
        case = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise _bad(path, f"cannot read JSON: {exc}") from exc
    out: dict[str, Any] = copy.deepcopy(case)
    t0 = time.perf_counter()
    for entry in out.get("series", []):
        y = _series(entry, path)
        methods = entry.get("expected_h1") or {m: None for m in _default_methods()}
        entry["computed_h1"] = {m: one_step(y, canonical_method(m)) for m in methods}
    if "flows" in out:
        data = case_data(out, out["flows"], path)
        for q in out.get("evaluate", []):
            method = _method(q, path)
            q["computed_total_ebo"] = evaluate(data, _stock(data, q["stock"]), method).total_ebo
        curves: dict[str, PartCurves] = {}
        for q in out.get("optimise", []):
            method = _method(q, path)
            if method not in curves:
                curves[method] = part_curves(data, FrontierParams(method=method))
            side = SideConstraints(budget=float(q["budget"]))
            res = solve_stocking_milp(data, side, params, method, curves[method])
            q["computed_total_ebo"] = res.total_ebo
            q["computed_stock"] = _stock_dict(data, res.stock)
            q["computed_status"] = str(res.report.status)
    for q in out.get("cases", []):
        data = case_data(out, q["flows"], path)
        ev = evaluate(data, _stock(data, q["stock"]), "metric")
        q["computed_total_ebo"] = ev.total_ebo
        q["computed_emergency_fraction"] = float(ev.emergency.sum() / max(ev.emergency.size, 1))
        q["computed_fill_rate"] = float(ev.fill.mean())
        # the Erlang-B recursion directly, as a second opinion on the evaluator
        i = 0
        a = float(ev.pipeline[i, 0])
        if data.emergency[0]:
            q["computed_emergency_fraction"] = erlang_loss(int(_stock(data, q["stock"])[i, 0]), a)
            q["computed_fill_rate"] = 1.0 - q["computed_emergency_fraction"]
    out["computed_runtime_s"] = time.perf_counter() - t0
    out["engine"] = "inventory"
    return out


def _default_methods() -> tuple[str, ...]:
    from fieldopt.inventory.methods import METHOD_NAMES

    return METHOD_NAMES


def _method(query: dict[str, Any], path: Path) -> Any:
    method = query.get("method", "metric")
    if method not in METHODS:
        raise _bad(path, f"method {method!r}: expected one of {', '.join(METHODS)}", "method")
    return method


def comparison_rows(
    result: dict[str, Any],
) -> list[tuple[str, str, float | None, float, bool | None]]:
    """``(query, quantity, expected, computed, within tolerance)`` for every answered query."""
    tol = float(result.get("tolerance_abs", 1e-6))
    rows: list[tuple[str, str, float | None, float, bool | None]] = []

    def add(label: str, what: str, expected: Any, computed: float) -> None:
        ok = None if expected is None else abs(float(expected) - computed) <= tol
        rows.append((label, what, None if expected is None else float(expected), computed, ok))

    for q in result.get("evaluate", []):
        add(
            f"evaluate {q['method']} {_short(q['stock'])}",
            "total EBO",
            q.get("expected_total_ebo"),
            q["computed_total_ebo"],
        )
    for q in result.get("optimise", []):
        add(
            f"optimise {q['method']} budget {q['budget']}",
            "total EBO",
            q.get("expected_total_ebo"),
            q["computed_total_ebo"],
        )
    for n, q in enumerate(result.get("cases", [])):
        label = f"case {n} stock {_short(q['stock'])}"
        add(
            label,
            "emergency fraction",
            q.get("expected_emergency_fraction"),
            q["computed_emergency_fraction"],
        )
        add(label, "fill rate", q.get("expected_fill_rate"), q["computed_fill_rate"])
    for s in result.get("series", []):
        expected = s.get("expected_h1", {})
        for m, v in s["computed_h1"].items():
            add(f"series {s['id']}", f"h1 {m}", expected.get(m), v)
    return rows


def _short(stock: dict[str, dict[str, int]]) -> str:
    return " ".join(
        f"{p}:" + ",".join(str(v) for v in sites.values()) for p, sites in stock.items()
    )
