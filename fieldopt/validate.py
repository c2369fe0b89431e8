"""Cross-record checks of a scenario, run after each table is parsed (``fieldopt.io.parse``).

Every check appends to one list of problems instead of stopping at the first, so a user
fixes a file in one pass. Errors make the scenario unusable; warnings describe work that
will stay unassigned for a reason the data already proves (nobody holds the skill level).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

import numpy as np
import pandas as pd

from fieldopt.domain.tables import SCENARIO_TABLES, TableSpec, table_spec
from fieldopt.errors import Problem
from fieldopt.io.parse import RowIds
from fieldopt.reasons import ReasonCode
from fieldopt.view import Requirement, holds, qualified_team_exists

Frames = Mapping[str, pd.DataFrame]


class _Collector:
    """Builds problems for one table, naming the row by its key and CSV line."""

    def __init__(self, tables: Frames, csv_lines: bool) -> None:
        self.tables = tables
        self.csv_lines = csv_lines
        self.problems: list[Problem] = []
        self._ids: dict[str, RowIds] = {}

    def ids(self, spec: TableSpec) -> RowIds:
        if spec.name not in self._ids:
            self._ids[spec.name] = RowIds(spec, self.tables[spec.name])
        return self._ids[spec.name]

    def add(
        self,
        table: str,
        rows: Iterable[int],
        field: str | None,
        code: str,
        message: Callable[[int], str] | str,
        severity: str = "error",
    ) -> None:
        spec = table_spec(table)
        ids = self.ids(spec)
        for i in rows:
            self.problems.append(
                Problem(
                    "error" if severity == "error" else "warning",
                    code,
                    table,
                    message if isinstance(message, str) else message(i),
                    ids[i],
                    field,
                    i + 2 if self.csv_lines else None,
                )
            )


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))]


def validate_tables(tables: Frames, *, csv_lines: bool = False) -> list[Problem]:
    """Check the relations between records of canonical ``tables`` (every table present)."""
    c = _Collector(tables, csv_lines)
    _check_duplicates(c)
    _check_references(c)
    _check_intervals(c)
    _check_sla(c)
    _check_kinds(c)
    _check_stock_levels(c)
    _check_team_sizes(c)
    _check_qualified(c)
    _check_qualified_together(c)
    _check_cycles(c, "job_predecessors", "job_id", "predecessor_id", "predecessor")
    _check_cycles(c, "locations", "id", "parent_id", "parent")
    return c.problems


def _check_duplicates(c: _Collector) -> None:
    for spec in SCENARIO_TABLES:
        frame = c.tables[spec.name]
        key = list(spec.key)
        complete = frame[key].notna().all(axis=1)
        dup = frame[key].duplicated(keep="first") & complete
        if not dup.any():
            continue
        involved = _rows(frame[key].duplicated(keep=False) & complete)
        keys = {i: tuple(frame[key].iloc[i]) for i in involved}
        first_line: dict[tuple[object, ...], int] = {}
        for i in involved:
            first_line.setdefault(keys[i], i + 2)
        label = "id" if key == ["id"] else "key (" + ", ".join(key) + ")"
        messages = {
            i: f"duplicated {label}"
            + (f" (first at line {first_line[keys[i]]})" if c.csv_lines else "")
            for i in _rows(dup)
        }
        c.add(
            spec.name,
            messages,
            key[-1] if len(key) == 1 else ",".join(key),
            "duplicate_id",
            messages.__getitem__,
        )


def _check_references(c: _Collector) -> None:
    for spec in SCENARIO_TABLES:
        frame = c.tables[spec.name]
        for col in spec.columns:
            if col.ref is None:
                continue
            known = set(c.tables[col.ref]["id"].dropna())
            values = frame[col.name]
            bad = values.notna() & ~values.isin(known)
            noun = col.ref.rstrip("s").replace("_", " ")
            messages = {
                i: f"unknown {noun} {values.iloc[i]!r} (not in {col.ref}.csv)" for i in _rows(bad)
            }
            c.add(spec.name, messages, col.name, "unknown_reference", messages.__getitem__)


def _check_intervals(c: _Collector) -> None:
    for table in ("job_windows", "shifts"):
        frame = c.tables[table]
        bad = frame["end"] <= frame["start"]
        messages = {
            i: f"end {frame['end'].iloc[i]:%Y-%m-%d %H:%M} is not after "
            f"start {frame['start'].iloc[i]:%Y-%m-%d %H:%M}"
            for i in _rows(bad)
        }
        c.add(table, messages, "end", "window_order", messages.__getitem__)
    techs = c.tables["technicians"]
    earliest, latest = techs["lunch_earliest"], techs["lunch_latest"]
    both = earliest.notna() & latest.notna()
    bad = pd.Series(
        [bool(b) and e > lt for b, e, lt in zip(both, earliest, latest, strict=True)],
        index=techs.index,
        dtype=bool,
    )
    c.add(
        "technicians",
        _rows(bad),
        "lunch_latest",
        "window_order",
        lambda i: (
            f"lunch window ends ({latest.iloc[i]:%H:%M}) before it starts "
            f"({earliest.iloc[i]:%H:%M})"
        ),
    )
    one_side = earliest.isna() != latest.isna()
    needs = (techs["lunch_duration_min"].fillna(0) > 0) & (earliest.isna() | latest.isna())
    c.add(
        "technicians",
        _rows(one_side | needs),
        "lunch_earliest",
        "missing_value",
        lambda i: "a lunch break needs both lunch_earliest and lunch_latest",
    )


def _check_sla(c: _Collector) -> None:
    jobs, windows = c.tables["jobs"], c.tables["job_windows"]
    first = windows.groupby("job_id")["start"].min()
    # reindex keeps the datetime dtype even when there are no windows at all
    earliest = pd.Series(first.reindex(jobs["id"]).to_numpy(), index=jobs.index)
    bad = jobs["sla_deadline"].notna() & earliest.notna() & (jobs["sla_deadline"] < earliest)
    c.add(
        "jobs",
        _rows(bad),
        "sla_deadline",
        "sla_before_window",
        lambda i: (
            f"SLA deadline {jobs['sla_deadline'].iloc[i]:%Y-%m-%d %H:%M} is before the "
            f"earliest time window start {earliest.iloc[i]:%Y-%m-%d %H:%M}"
        ),
    )
    bad = jobs["sla_deadline"].notna() & jobs["release_at"].notna()
    bad &= jobs["sla_deadline"] < jobs["release_at"]
    c.add(
        "jobs",
        _rows(bad),
        "sla_deadline",
        "sla_before_release",
        lambda i: (
            f"SLA deadline {jobs['sla_deadline'].iloc[i]:%Y-%m-%d %H:%M} is before the "
            f"release date {jobs['release_at'].iloc[i]:%Y-%m-%d %H:%M}"
        ),
    )


def _check_kinds(c: _Collector) -> None:
    """Vans must be locations of kind ``van``; a technician's van is their own."""
    kinds = c.tables["locations"].set_index("id")["kind"]
    kinds = kinds[~kinds.index.duplicated()]
    techs = c.tables["technicians"]
    van_kind = techs["van_location_id"].map(kinds)
    bad = van_kind.notna() & (van_kind != "van")
    c.add(
        "technicians",
        _rows(bad),
        "van_location_id",
        "wrong_kind",
        lambda i: (
            f"location {techs['van_location_id'].iloc[i]!r} is a {van_kind.iloc[i]}, not a van"
        ),
    )
    shared = techs["van_location_id"].notna() & techs["van_location_id"].duplicated(keep="first")
    c.add(
        "technicians",
        _rows(shared),
        "van_location_id",
        "duplicate_id",
        lambda i: f"van {techs['van_location_id'].iloc[i]!r} already belongs to another technician",
    )


def _check_stock_levels(c: _Collector) -> None:
    stock = c.tables["stock"]
    bad = stock["min_level"].notna() & stock["max_level"].notna()
    bad &= stock["min_level"] > stock["max_level"]
    c.add(
        "stock",
        _rows(bad),
        "max_level",
        "window_order",
        lambda i: (
            f"max_level {stock['max_level'].iloc[i]} is below "
            f"min_level {stock['min_level'].iloc[i]}"
        ),
    )


def _check_team_sizes(c: _Collector) -> None:
    skills, jobs = c.tables["job_skills"], c.tables["jobs"]
    team = skills["job_id"].map(jobs.drop_duplicates("id").set_index("id")["technicians_needed"])
    bad = team.notna() & (skills["technicians"] > team)
    c.add(
        "job_skills",
        _rows(bad),
        "technicians",
        "team_size",
        lambda i: (
            f"needs {skills['technicians'].iloc[i]} technicians with skill "
            f"{skills['skill'].iloc[i]!r} but the job's technicians_needed is {team.iloc[i]}"
        ),
    )


UNQUALIFIED = ReasonCode.NO_QUALIFIED_TECHNICIAN.value


def _check_qualified_together(c: _Collector) -> None:
    """Warn about jobs whose skills are each held but by no one team together (one
    technician alone must hold every skill): :func:`fieldopt.view.qualified_team_exists`."""
    needs, jobs = c.tables["job_skills"], c.tables["jobs"]
    levels: dict[str, dict[str, int]] = {}
    for t, skill, level in zip(
        *(c.tables["technician_skills"][k] for k in ("technician_id", "skill", "level")),
        strict=True,
    ):
        if isinstance(skill, str) and not pd.isna(level):
            levels.setdefault(str(t), {})[skill] = int(level)
    size = dict(zip(jobs["id"], jobs["technicians_needed"], strict=True))
    reqs: dict[str, list[Requirement]] = {}
    for job, skill, lvl, k in zip(
        *(needs[x] for x in ("job_id", "skill", "min_level", "technicians")), strict=True
    ):
        if pd.isna(lvl) or pd.isna(k) or not isinstance(skill, str):
            return  # bad cells are reported by the column checks
        reqs.setdefault(str(job), []).append(Requirement(skill, int(lvl), int(k)))
    people = list(levels.values())
    lacking = {
        j
        for j, r in reqs.items()
        if len(r) > 1
        and not pd.isna(size.get(j))
        and all(sum(holds(p, x) for p in people) >= x.technicians for x in r)
        and not qualified_team_exists(people, r, int(size[j]))
    }
    c.add(
        "jobs",
        _rows(jobs["id"].isin(lacking)),
        "technicians_needed",
        UNQUALIFIED,
        lambda i: (
            f"no team of {jobs['technicians_needed'].iloc[i]} technician(s) holds the job's "
            f"skills together; the job will stay unassigned"
        ),
        severity="warning",
    )


def _check_qualified(c: _Collector) -> None:
    """Warn about work nobody can do: it will stay unassigned with this reason."""
    held = c.tables["technician_skills"]
    needs = c.tables["job_skills"]
    best = held.groupby("skill")["level"].max()
    holders = {
        (skill, level): int((held["skill"].eq(skill) & (held["level"] >= level)).sum())
        for skill, level in set(zip(needs["skill"], needs["min_level"], strict=True))
    }
    top = needs["skill"].map(best)
    nobody = top.isna() | (top < needs["min_level"])
    c.add(
        "job_skills",
        _rows(nobody),
        "min_level",
        UNQUALIFIED,
        lambda i: (
            f"no technician holds skill {needs['skill'].iloc[i]!r} at level "
            f">= {needs['min_level'].iloc[i]}"
            + ("" if pd.isna(top.iloc[i]) else f" (best level held: {top.iloc[i]})")
            + "; the job will stay unassigned"
        ),
        severity="warning",
    )
    count = pd.Series(
        [holders.get((s, lv), 0) for s, lv in zip(needs["skill"], needs["min_level"], strict=True)],
        index=needs.index,
        dtype="int64",
    )
    short = ~nobody & (needs["technicians"] > count)
    c.add(
        "job_skills",
        _rows(short),
        "technicians",
        UNQUALIFIED,
        lambda i: (
            f"needs {needs['technicians'].iloc[i]} technicians with skill "
            f"{needs['skill'].iloc[i]!r} >= {needs['min_level'].iloc[i]} at once but only "
            f"{count.iloc[i]} hold it; the job will stay unassigned"
        ),
        severity="warning",
    )
    jobs = c.tables["jobs"]
    n_techs = int(c.tables["technicians"]["id"].nunique())
    crowd = jobs["technicians_needed"] > n_techs
    c.add(
        "jobs",
        _rows(crowd),
        "technicians_needed",
        UNQUALIFIED,
        lambda i: (
            f"needs {jobs['technicians_needed'].iloc[i]} technicians at once but the "
            f"scenario has {n_techs}; the job will stay unassigned"
        ),
        severity="warning",
    )


def _check_cycles(c: _Collector, table: str, node: str, parent: str, noun: str) -> None:
    frame = c.tables[table]
    links = frame[[node, parent]].dropna()
    graph: dict[str, set[str]] = {}
    for child, pred in zip(links[node], links[parent], strict=True):
        graph.setdefault(str(child), set()).add(str(pred))
    reported: set[frozenset[str]] = set()
    while True:
        try:
            TopologicalSorter(graph).prepare()
            return
        except CycleError as exc:
            cycle = [str(v) for v in exc.args[1]]
        members = frozenset(cycle)
        if members in reported:  # pragma: no cover - defensive, graph shrinks each round
            return
        reported.add(members)
        first = cycle[0]
        second = cycle[1] if len(cycle) > 1 else cycle[0]
        # Report on the record that closes the cycle, then cut that link and look for more.
        rows = _rows(frame[node].astype(str).eq(second) & frame[parent].astype(str).eq(first))
        rows = rows[:1] or _rows(frame[node].astype(str).eq(first))[:1]
        path = " -> ".join(cycle)
        c.add(table, rows, parent, "cycle", f"cyclic {noun}s: {path}")
        graph.get(second, set()).discard(first)
