"""MSPSP-InstLib loader, its ``.dzn`` parser and the best-known table."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from benchmarks.loaders import (
    BenchmarkFormatError,
    MspspBks,
    MspspInstance,
    parse_dzn,
    read_mspsp,
    read_mspsp_bks,
)

MSPSP = Path(__file__).parents[3] / "data" / "benchmarks" / "mspsp"
SUBSETS = {"set-1a": 216, "set-1b": 216, "set-2a": 110, "set-2b": 77, "set-2c": 91}
# proven optimal per subset, as stated in the data README (from the authors' result files)
PROVEN = {"set-1a": 216, "set-1b": 26, "set-2a": 82, "set-2b": 63, "set-2c": 91}
FIRST = MSPSP / "instances/set-1/set-1a/inst_set1a_sf0.5_nc1.5_n20_m10_00.dzn"


@cache
def subset(name: str) -> list[tuple[Path, MspspInstance]]:
    folder = MSPSP / "instances" / name[:-1] / name
    return [(p, read_mspsp(p)) for p in sorted(folder.glob("*.dzn"))]


@cache
def bks() -> dict[str, MspspBks]:
    return read_mspsp_bks(MSPSP / "bks.csv")


def test_first_set1a_file_known_facts() -> None:
    inst = read_mspsp(FIRST)
    assert inst.name == "inst_set1a_sf0.5_nc1.5_n20_m10_00"
    assert (inst.num_activities, inst.num_skills, inst.num_resources) == (22, 4, 10)
    assert (inst.num_precedences, inst.makespan_lower_bound) == (31, 48)
    assert inst.duration[:4].tolist() == [0, 9, 8, 9]  # dur = [0,9,8,9,...]
    assert inst.sreq[1].tolist() == [1, 1, 0, 0]  # file activity 2
    assert inst.sreq[3].tolist() == [3, 0, 3, 0]
    assert inst.mastery[0].tolist() == [True, True, True, False]  # file resource 1
    assert inst.mastery[9].tolist() == [True, False, True, True]
    assert (inst.pred[0], inst.succ[0]) == (0, 1)  # file: 1 -> 2
    assert (inst.pred[-1], inst.succ[-1]) == (20, 21)  # file: 21 -> 22


def _dims_from_name(name: str) -> tuple[int, int | None, int]:
    match = re.search(r"_n(\d+)_(?:l(\d+)_)?m(\d+)_", name)
    assert match is not None
    skills = int(match.group(2)) if match.group(2) else None
    return int(match.group(1)), skills, int(match.group(3))


@pytest.mark.parametrize("name", SUBSETS)
def test_every_file_parses_with_consistent_dimensions(name: str) -> None:
    loaded = subset(name)
    assert len(loaded) == SUBSETS[name]
    for path, inst in loaded:
        n, skills, resources = _dims_from_name(path.stem)
        assert inst.name == path.stem
        assert inst.num_activities == n + 2  # the file name leaves out the two dummies
        assert inst.num_resources == resources
        assert inst.num_skills == (skills if skills is not None else 4)
        for dummy in (0, inst.num_activities - 1):
            assert inst.duration[dummy] == 0 and not inst.sreq[dummy].any()
        assert inst.sreq[1:-1].sum(axis=1).min() >= 1


def _coverable(need: np.ndarray, mastery: np.ndarray) -> bool:
    """Can distinct resources fill every required skill unit (one skill per resource)?

    Hall's condition on the skill-unit/resource bipartite graph: for every set T of needed
    skills, the units needed in T must not exceed the resources mastering some skill in T.
    """
    needed = np.flatnonzero(need)
    masks = np.arange(1, 1 << needed.size)[:, None] >> np.arange(needed.size) & 1  # subsets T
    units = masks @ need[needed]
    resources = ((mastery[:, needed].astype(np.int64) @ masks.T) > 0).sum(axis=0)
    return bool((units <= resources).all())


def test_coverable_helper_can_fail() -> None:
    mastery = np.array([[True, True], [True, False], [False, True]])
    assert _coverable(np.array([2, 1]), mastery)
    assert _coverable(np.array([0, 2]), mastery)
    assert not _coverable(np.array([3, 0]), mastery)  # only two resources master skill 0
    assert not _coverable(np.array([2, 2]), mastery)  # four units, three resources


@pytest.mark.parametrize("name", SUBSETS)
def test_every_skill_requirement_is_coverable(name: str) -> None:
    for _, inst in subset(name):
        for i in range(inst.num_activities):
            assert _coverable(inst.sreq[i], inst.mastery), f"{inst.name}: activity {i}"


def _reachability(inst: MspspInstance) -> np.ndarray:
    n = inst.num_activities
    reach = np.zeros((n, n), dtype=bool)
    reach[inst.pred, inst.succ] = True
    for k in range(n):  # Warshall
        reach |= reach[:, [k]] & reach[[k], :]
    return reach


@pytest.mark.parametrize("name", SUBSETS)
def test_precedences_and_skills_match_the_files_derived_data(name: str) -> None:
    """Acyclic, dummies first/last; and the files' own derived data (1-based) agree with ours,
    which pins down the orientation of sreq/mastery and of pred/succ."""
    for path, inst in subset(name):
        n = inst.num_activities
        reach = _reachability(inst)
        assert not reach.diagonal().any(), f"{inst.name}: cycle"
        assert reach[0, 1:].all() and reach[:-1, n - 1].all()
        raw = parse_dzn(path.read_text())
        first, second = np.nonzero(np.triu(~(reach | reach.T), k=1))  # row-major, as the file
        assert raw["unpred"] == (first + 1).tolist()
        assert raw["unsucc"] == (second + 1).tolist()
        needs = inst.sreq > 0
        useful = [
            frozenset((np.flatnonzero(inst.mastery[:, needs[i]].any(axis=1)) + 1).tolist())
            for i in range(n)
        ]
        assert raw["USEFUL_RES"] == useful
        # mint is the critical-path length
        start = np.zeros(n, dtype=np.int64)
        order = np.argsort(reach.sum(axis=0), kind="stable")  # fewer ancestors first
        for a in order.tolist():
            mask = inst.pred == a
            np.maximum.at(start, inst.succ[mask], start[a] + inst.duration[a])
        assert int((start + inst.duration).max()) == inst.makespan_lower_bound


def test_bks_table() -> None:
    table = bks()
    assert len(table) == sum(SUBSETS.values())
    stems = {p.stem for name in SUBSETS for p, _ in subset(name)}
    assert set(table) == stems
    first = table["inst_set1a_sf0.5_nc1.5_n20_m10_00"]
    assert (first.objective, first.proven_optimal, first.lower_bound) == (61, True, 48)
    assert first.path == "instances/set-1/set-1a/inst_set1a_sf0.5_nc1.5_n20_m10_00.dzn"
    for name in SUBSETS:
        rows = [table[inst.name] for _, inst in subset(name)]
        assert sum(row.proven_optimal for row in rows) == PROVEN[name]
        for (path, inst), row in zip(subset(name), rows, strict=True):
            assert (MSPSP / row.path) == path
            assert row.lower_bound == inst.makespan_lower_bound
            assert row.objective >= inst.makespan_lower_bound


def test_bks_upstream_instnum_quirk_is_resolved_by_lower_bound() -> None:
    # bks.csv lists this _00 twice (LB 22 then 20) and its _01 never; the files' mint are 22 / 20.
    table = bks()
    group = "inst_set2c_sf0_nc1.5_n30_l3_m4"
    assert (table[f"{group}_00"].objective, table[f"{group}_00"].lower_bound) == (36, 22)
    assert (table[f"{group}_01"].objective, table[f"{group}_01"].lower_bound) == (43, 20)
    assert table[f"{group}_01"].path.endswith(f"{group}_01.dzn")
    raw = (MSPSP / "bks.csv").read_text().count(f"{group}_00.dzn")
    assert raw == 2


HEADER = "instance,objective,proven_optimal,lower_bound,source\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "a/x_00.dzn,5,1,3,s\na/x_00.dzn,6,1,3,s\na/x_01.dzn,6,1,3,s\n",
            "3: duplicate instance 'x_00'",
        ),
        ("a/x_02.dzn,5,1,3,s\na/x_02.dzn,6,1,3,s\n", "3: duplicate instance 'x_02'"),
        ("a/x_00.dzn,5,1,3,s\na/x_00.dzn,6,1,3,s\na/x_00.dzn,7,1,3,s\n", "3: duplicate"),
        ("a/x_00.dzn,5,yes,3,s\n", "2: proven_optimal must be 0 or 1"),
        ("a/x_00.dzn,5.5,1,3,s\n", "2: bad value"),
    ],
)
def test_bad_bks_csv(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / "bks.csv"
    path.write_text(HEADER + rows)
    with pytest.raises(BenchmarkFormatError, match=rf"bks\.csv:{message}"):
        read_mspsp_bks(path)


def test_bks_quirk_rekeys_only_the_second_row(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_text(HEADER + "a/x_00.dzn,5,1,3,s\na/x_00.dzn,6,0,2,s\n")
    table = read_mspsp_bks(path)
    assert table["x_00"] == MspspBks("x_00", "a/x_00.dzn", 5, True, 3, "s")
    assert table["x_01"] == MspspBks("x_01", "a/x_01.dzn", 6, False, 2, "s")


# -- the .dzn parser ---------------------------------------------------------------------------


def test_parse_dzn_subset() -> None:
    text = """
    % comment
    a = 1; neg = -3;
    b = [| 1, 2,
         | 3, 4, |];
    b2 = [| 1, 2, % inline comment forces the general path
          | 3, 4 |];
    flags = [| true, false | false, true |];
    c = {1, 3..5};  e = [{}, {1,2}, {2..3}];
    d = array2d(1..2, 1..3, [1,2,3,4,5,6]); d1 = array1d(0..1, [7, 8]);
    f = [true, false,]; g = [ 1, /* block */ 2 ]; h = [| |]; empty = [];
    """
    assert parse_dzn(text) == {
        "a": 1,
        "neg": -3,
        "b": [[1, 2], [3, 4]],
        "b2": [[1, 2], [3, 4]],
        "flags": [[True, False], [False, True]],
        "c": frozenset({1, 3, 4, 5}),
        "e": [frozenset(), frozenset({1, 2}), frozenset({2, 3})],
        "d": [[1, 2, 3], [4, 5, 6]],
        "d1": [7, 8],
        "f": [True, False],
        "g": [1, 2],
        "h": [],
        "empty": [],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = 1", "t.dzn:1: expected ';', got end of file"),
        ("a = 1;\n\nb = 1.5;", "t.dzn:3: expected a value, got '1.5;'"),
        ("a = 12.5;", "t.dzn:1: expected a value, got '12.5;'"),
        ("a = [1, 12.5];", "t.dzn:1: expected a value, got '12.5];'"),
        ("a = [1,\n 2;", "t.dzn:2: expected ']', got ';'"),
        ("a = 1;\na = 2;", "t.dzn:2: 'a' assigned twice"),
        ("a = [| 1, 2 | 3 |];", "t.dzn:1: 2-d array rows differ in length"),
        ("a = [| 1, 2 % x\n | 3 |];", "t.dzn:1: 2-d array rows differ in length"),
        ("a = [| 1,, 2 |];", "t.dzn:1: bad 2-d array entry"),
        ("1 = 2;", "t.dzn:1: expected a name, got '1 = 2;'"),
        ("a = array2d(1..2, 1..2, [1,2,3]);", "t.dzn:1: array2d: 3 values do not fit"),
        ("a = {1, x};", "t.dzn:1: expected an integer, got 'x};'"),
        ("a = 1; /* open", "t.dzn:1: unterminated comment"),
        ("a = 'x';", "t.dzn:1: expected a value"),
    ],
)
def test_parse_dzn_errors_name_source_and_line(text: str, message: str) -> None:
    with pytest.raises(BenchmarkFormatError) as info:
        parse_dzn(text, source="t.dzn")
    assert str(info.value).startswith(message)


# -- loader errors and validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("nActs = 22;", "", ": missing 'nActs'"),
        ("nActs = 22;", "nActs = 21;", ":7: dur: expected 21 values, got 22"),
        ("nSkills = 4;", "nSkills = true;", ":9: nSkills: expected an integer"),
        (
            "nResources = 10;",
            "nResources = 11;",
            ":34: mastery: expected shape (11, 4), got (10, 4)",
        ),
        ("dur = [0,9,", "dur = [{0},9,", ":7: dur: expected a 1-d array of integers"),
        ("| 1,1,0,0,", "| 1,true,0,0,", ":10: sreq: expected int entries, got True"),
        ("nPrecs = 31;", "nPrecs = 30;", ":46: pred: expected 30 values, got 31"),
        ("sreq = [|", "sreq = [", ":11: expected"),
    ],
)
def test_malformed_file_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = FIRST.read_text()
    assert old in text
    path = tmp_path / "bad.dzn"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(BenchmarkFormatError) as info:
        read_mspsp(path)
    assert str(info.value).startswith(f"{path}{message}")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pred": [0, 1, 2], "succ": [1, 2, 1]}, "precedences: activity 1 is on a cycle"),
        ({"pred": [0, 1], "succ": [1, 1]}, "precedence 1: activity 1 precedes itself"),
        ({"pred": [0, 3], "succ": [1, 2]}, "precedence 1: pred 3 is not an activity 0..2"),
        ({"pred": [0], "succ": [1, 2]}, r"succ: expected shape \(1,\), got \(2,\)"),
        ({"duration": [0, -1, 0]}, "activity 1: duration -1 is negative"),
        ({"sreq": [[0, 0], [1, -2], [0, 0]]}, r"activity 1: sreq\[1, 1\] = -2 is negative"),
        ({"mastery": [[True, False, True]]}, r"mastery: expected shape \(\*, 2\)"),
        ({"mastery": [[1, 0]]}, "mastery: expected booleans"),
        ({"makespan_lower_bound": -1}, "makespan_lower_bound: -1 is negative"),
    ],
)
def test_invalid_instance_is_rejected(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "name": "toy",
        "duration": [0, 3, 0],
        "sreq": [[0, 0], [1, 1], [0, 0]],
        "mastery": [[True, False], [True, True]],
        "pred": [0, 1],
        "succ": [1, 2],
        "makespan_lower_bound": 3,
    }
    MspspInstance(**fields)  # type: ignore[arg-type]
    fields.update(changes)
    with pytest.raises(ValueError, match=f"^toy: {message}"):
        MspspInstance(**fields)  # type: ignore[arg-type]


def test_replace_revalidates() -> None:
    inst = read_mspsp(FIRST)
    with pytest.raises(ValueError, match="is on a cycle"):
        dataclasses.replace(inst, pred=np.append(inst.pred, 21), succ=np.append(inst.succ, 0))
