"""Seeded generator of realistic scenarios (``fieldopt generate``).

One call builds every table of a region: towns of different sizes around a centre, customer
sites scattered around the towns, a central warehouse and depots in the bigger towns, one van
and one home per technician, a skill mix with rare skills, shifts on the working days, jobs
with windows, SLAs, teams and two-step repairs, spare parts with intermittent demand history,
stock at every echelon and the lanes between stock locations. The result goes through
:func:`~fieldopt.scenario.scenario_from_frames`, so it is validated like any input.

Everything random comes from one ``numpy.random.default_rng(seed)`` drawn in a fixed order:
the same arguments give the same CSV text.

Example
-------
>>> from fieldopt.generate import generate_scenario
>>> scenario = generate_scenario(technicians=5, jobs=20, parts=10, depots=1, seed=3)
>>> len(scenario.jobs)
20
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fieldopt.errors import InputError
from fieldopt.scenario import Scenario, scenario_from_frames

__all__ = ["REGION_CENTRE", "SKILLS", "SkillProfile", "generate_scenario"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

REGION_CENTRE = (45.76, 4.84)
"""Default centre of the region (lat, lon): a metropolitan area with towns around it."""

_KM_PER_DEG = 111.32
_DAY_START = 8 * 60  # shifts 08:00-17:00, in minutes of the day
_DAY_END = 17 * 60
_HISTORY_MONTHS = 24


@dataclass(frozen=True)
class SkillProfile:
    """How common a skill is among technicians and in the work, and what it breaks.

    ``holders``: probability that a technician holds the skill; ``demand``: relative share of
    jobs whose main skill it is; ``season``: amplitude of the yearly demand cycle of its
    parts, peaking in month ``peak_month`` (1 = January).
    """

    name: str
    holders: float
    demand: float
    season: float
    peak_month: int
    faults: tuple[str, ...]
    parts: tuple[str, ...]


SKILLS: tuple[SkillProfile, ...] = (
    SkillProfile(
        "electrical", 0.60, 0.28, 0.0, 1,
        ("Breaker tripping", "Lighting failure", "Power outage", "Socket repair",
         "Panel inspection"),
        ("Fuse kit", "Contactor", "Circuit breaker", "Relay", "Cable set", "LED driver"),
    ),
    SkillProfile(
        "hvac", 0.50, 0.22, 0.35, 1,
        ("No heating", "AC not cooling", "Annual HVAC service", "Noisy air handler",
         "Thermostat fault"),
        ("Fan motor", "Air filter", "Thermostat", "Expansion valve", "Blower wheel"),
    ),
    SkillProfile(
        "plumbing", 0.45, 0.16, 0.1, 1,
        ("Water leak", "Blocked drain", "Boiler pressure loss", "Pump failure",
         "Valve replacement"),
        ("Pump", "Valve", "Gasket set", "Pressure vessel", "Flow sensor"),
    ),
    SkillProfile(
        "refrigeration", 0.22, 0.10, 0.35, 7,
        ("Cold room too warm", "Freezer alarm", "Compressor fault", "Refrigerant leak check"),
        ("Compressor", "Condenser fan", "Drier filter", "Evaporator coil"),
    ),
    SkillProfile(
        "controls", 0.20, 0.09, 0.0, 1,
        ("BMS alarm", "Sensor calibration", "Controller reset", "Access control fault"),
        ("Control board", "Temperature sensor", "PLC module", "Actuator"),
    ),
    SkillProfile(
        "gas", 0.15, 0.07, 0.25, 1,
        ("Gas leak check", "Burner service", "Gas boiler fault"),
        ("Gas valve", "Ignition electrode", "Burner nozzle", "Flame sensor"),
    ),
    SkillProfile(
        "high_voltage", 0.07, 0.04, 0.0, 1,
        ("Transformer inspection", "Switchgear fault", "HV cable test"),
        ("HV fuse", "Surge arrester", "Insulator", "Switchgear relay"),
    ),
    SkillProfile(
        "elevators", 0.05, 0.04, 0.0, 1,
        ("Lift stuck", "Elevator door fault", "Lift annual inspection"),
        ("Door operator", "Lift rope", "Safety gear switch", "Lift control card"),
    ),
)  # fmt: skip

_TOWN_NAMES = (
    "Ashford", "Belmont", "Clairval", "Dunmore", "Eastleigh", "Fontenay",
    "Greystone", "Hollins", "Ivrac", "Juniac", "Kingsley", "Lormont",
)  # fmt: skip
_FIRST_NAMES = (
    "Ana", "Ben", "Chloé", "David", "Elif", "Farid", "Gaëlle", "Hugo", "Inès", "Jonas",
    "Karim", "Léa", "Marco", "Nora", "Oscar", "Paula", "Quentin", "Rosa", "Samir", "Tess",
    "Ugo", "Vera", "Wassim", "Yara", "Zoé", "Louis", "Maya", "Théo", "Lina", "Noah",
)  # fmt: skip
_LAST_INITIALS = "ABCDEFGHJKLMNPRSTVW"
_CUSTOMERS = (
    "Bakery", "Hospital", "School", "Supermarket", "Office", "Hotel", "Restaurant",
    "Factory", "Clinic", "Warehouse", "Pharmacy", "Data centre", "Care home", "Town hall",
)  # fmt: skip
_LEVEL_P = np.array([0.08, 0.22, 0.38, 0.22, 0.10])  # levels 1..5, skewed to the middle
_MIN_LEVEL_P = np.array([0.25, 0.40, 0.25, 0.10])  # jobs' minimum levels 1..4
_PRIORITY_P = np.array([0.05, 0.20, 0.50, 0.25])  # 1 critical .. 4 low


def generate_scenario(
    *,
    technicians: int = 50,
    jobs: int = 400,
    parts: int = 200,
    depots: int = 4,
    seed: int = 7,
    start: dt.date = dt.date(2026, 11, 24),
    days: int = 5,
    name: str | None = None,
    centre: tuple[float, float] = REGION_CENTRE,
    radius_km: float = 60.0,
) -> Scenario:
    """Generate a realistic, validated scenario; the same arguments give the same tables.

    Parameters
    ----------
    technicians, jobs, parts, depots : int
        Number of technicians (each with a home and a van), jobs, spare parts (SKUs) and
        depots (besides the central warehouse ``C``); all >= 1.
    seed : int
        Seed of the one random generator used.
    start : datetime.date
        First calendar day of the horizon; shifts run 08:00-17:00 on its working days
        (Monday-Friday). Demand history covers the 24 months before ``start``'s month.
    days : int
        Calendar days of the horizon (>= 1; must contain a working day).
    name : str, optional
        Scenario name (default ``generated-<seed>``).
    centre : (float, float)
        Region centre (lat, lon); every location lies within ``radius_km`` of it.
    radius_km : float
        Radius of the region, km (> 0).

    Returns
    -------
    Scenario
        Validated; raises :class:`~fieldopt.errors.InputError` if the arguments are invalid.
    """
    _check_arguments(technicians, jobs, parts, depots, days, centre, radius_km)
    work_days = _working_days(start, days)
    if len(work_days) == 0:
        raise InputError(f"no working day (Mon-Fri) in the {days} day(s) from {start}")
    rng = np.random.default_rng(seed)
    region = _Region(float(centre[0]), float(centre[1]), float(radius_km))
    towns = _make_towns(rng, max(int(rng.integers(5, 9)), depots), region)
    sites = max(1, round(0.85 * jobs))  # some customers call more than once
    net = _make_network(rng, towns, region, depots, technicians, sites)
    crew = _make_crew(rng, net.tech_ids, len(work_days))
    catalogue = _make_parts(rng, parts, towns.weight[net.depot_town])
    frames: dict[str, pd.DataFrame] = {
        "settings": _settings_frame(seed, start, days, centre, radius_km),
        "locations": net.frame,
        "technicians": _technicians_frame(crew, net),
        "technician_skills": _technician_skills_frame(crew),
        "shifts": _shifts_frame(crew, work_days),
        "parts": catalogue.frame,
    }
    frames |= _make_jobs(rng, jobs, work_days, crew, catalogue, net)
    frames["stock"] = _stock_frame(rng, catalogue, crew, net)
    frames["demand_history"] = _demand_frame(rng, catalogue, net, start)
    frames["installed_base"] = _installed_base_frame(catalogue, net)
    frames["lanes"] = _lanes_frame(net, catalogue)
    return scenario_from_frames(frames, name or f"generated-{seed}", source="fieldopt.generate")


# --------------------------------------------------------------------------- helpers
def _check_arguments(
    technicians: int,
    jobs: int,
    parts: int,
    depots: int,
    days: int,
    centre: tuple[float, float],
    radius_km: float,
) -> None:
    counts = {"technicians": technicians, "jobs": jobs, "parts": parts, "depots": depots}
    counts["days"] = days
    for label, value in counts.items():
        if int(value) != value or value < 1:
            raise InputError(f"{label}: must be an integer >= 1, got {value!r}")
    lat, lon = centre
    if not (-80.0 <= lat <= 80.0 and -180.0 <= lon <= 180.0):
        raise InputError(f"centre: expected (lat, lon) with |lat| <= 80, got {centre!r}")
    if not (0.0 < radius_km <= 500.0):
        raise InputError(f"radius_km: must be in (0, 500], got {radius_km!r}")


def _working_days(start: dt.date, days: int) -> npt.NDArray[np.datetime64]:
    first = np.datetime64(start, "D")
    calendar = first + np.arange(days)
    return calendar[np.is_busday(calendar)]


def _ids(prefix: str, n: int, width: int) -> StrArray:
    """``prefix`` + 1-based number, zero-padded to ``width`` (wider when ``n`` needs it)."""
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=str)


def _pick(rng: np.random.Generator, words: tuple[str, ...], n: int) -> StrArray:
    return np.array(words, dtype=str)[rng.integers(0, len(words), n)]


def _round_to(values: FloatArray, step: float) -> FloatArray:
    return np.asarray(np.round(values / step) * step, dtype=np.float64)


def _minutes(days: npt.NDArray[np.datetime64], minutes: IntArray) -> npt.NDArray[np.datetime64]:
    """Datetimes ``days`` + ``minutes`` (minute resolution)."""
    out: npt.NDArray[np.datetime64] = days.astype("datetime64[m]") + minutes.astype(
        "timedelta64[m]"
    )
    return out


def _stamps(values: npt.NDArray[np.datetime64], present: BoolArray) -> pd.Series:
    out = values.astype("datetime64[ns]").copy()
    out[~present] = np.datetime64("NaT")
    return pd.Series(out)


# --------------------------------------------------------------------------- geography
@dataclass(frozen=True)
class _Region:
    """A disc of ``radius_km`` around (lat0, lon0); positions in km east/north of it."""

    lat0: float
    lon0: float
    radius_km: float

    def latlon(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Lat/lon (5 decimals) of km offsets, pulled inside 97 % of the radius."""
        r = np.hypot(x, y)
        limit = 0.97 * self.radius_km
        shrink = np.where(r > limit, limit / np.maximum(r, 1e-9), 1.0)
        lat = self.lat0 + y * shrink / _KM_PER_DEG
        lon = self.lon0 + x * shrink / (_KM_PER_DEG * np.cos(np.radians(self.lat0)))
        return np.round(lat, 5), np.round(lon, 5)


@dataclass(frozen=True)
class _Towns:
    x: FloatArray  # km east of the centre
    y: FloatArray
    weight: FloatArray  # relative size, sorted descending, sums to 1
    sigma_km: FloatArray  # spread of sites and homes around the town centre
    names: tuple[str, ...]

    def scatter(
        self, rng: np.random.Generator, town: IntArray, scale: float = 1.0
    ) -> tuple[FloatArray, FloatArray]:
        sigma = self.sigma_km[town] * scale
        return (
            self.x[town] + rng.normal(0.0, 1.0, len(town)) * sigma,
            self.y[town] + rng.normal(0.0, 1.0, len(town)) * sigma,
        )


def _make_towns(rng: np.random.Generator, n: int, region: _Region) -> _Towns:
    """One big town near the centre and ``n - 1`` smaller ones around it (Zipf-like sizes)."""
    weight = np.sort(np.arange(1, n + 1) ** -1.1 * rng.lognormal(0.0, 0.15, n))[::-1]
    weight = weight / weight.sum()
    dist = rng.uniform(0.2, 0.75, n) * region.radius_km
    angle = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(n) / max(n - 1, 1)
    angle += rng.normal(0.0, 0.3, n)
    dist[0] = abs(rng.normal(0.0, 0.05 * region.radius_km))
    scale = region.radius_km / 60.0
    sigma = scale * (1.5 + 5.5 * np.sqrt(weight / weight[0]))
    order = rng.permutation(len(_TOWN_NAMES))
    names = tuple(
        _TOWN_NAMES[order[k]] if k < len(_TOWN_NAMES) else f"Town {k + 1}" for k in range(n)
    )
    return _Towns(dist * np.cos(angle), dist * np.sin(angle), weight, sigma, names)


@dataclass(frozen=True)
class _Network:
    """Locations: central ``C``, depots, vans, homes and sites (in that order in ``frame``)."""

    frame: pd.DataFrame
    depot_ids: StrArray
    depot_town: IntArray
    depot_xy: FloatArray  # (depots, 2) km
    central_xy: FloatArray  # (2,) km
    tech_ids: StrArray
    people: StrArray
    van_ids: StrArray
    van_capacity: FloatArray
    home_ids: StrArray
    site_ids: StrArray


def _make_network(
    rng: np.random.Generator,
    towns: _Towns,
    region: _Region,
    depots: int,
    technicians: int,
    sites: int,
) -> _Network:
    n_towns = len(towns.weight)
    # Central warehouse on the outskirts of the main town; depots in the biggest towns.
    angle = rng.uniform(0, 2 * np.pi)
    off = rng.uniform(4.0, 9.0) * region.radius_km / 60.0
    cx, cy = towns.x[:1] + off * np.cos(angle), towns.y[:1] + off * np.sin(angle)
    depot_town = np.arange(depots, dtype=np.int64) % n_towns
    dx, dy = towns.scatter(rng, depot_town, 0.4)
    # Homes near towns (bigger towns house more technicians); each van parks at its home
    # and is replenished by the nearest depot.
    home_town = rng.choice(n_towns, technicians, p=towns.weight).astype(np.int64)
    hx, hy = towns.scatter(rng, home_town, 1.2)
    nearest = np.argmin(np.hypot(hx[:, None] - dx[None, :], hy[:, None] - dy[None, :]), axis=1)
    # Customer sites: Gaussian around towns, in proportion to town size.
    site_town = rng.choice(n_towns, sites, p=towns.weight).astype(np.int64)
    sx, sy = towns.scatter(rng, site_town)
    customer = _pick(rng, _CUSTOMERS, sites)
    points = [region.latlon(x, y) for x, y in ((cx, cy), (dx, dy), (hx, hy), (hx, hy), (sx, sy))]

    depot_ids = np.array([f"D{k + 1}" for k in range(depots)], dtype=str)
    tech_ids, van_ids = _ids("T", technicians, 3), _ids("V", technicians, 3)
    home_ids, site_ids = _ids("H", technicians, 3), _ids("S", sites, 4)
    first = _pick(rng, _FIRST_NAMES, technicians)
    initial = _pick(rng, tuple(_LAST_INITIALS), technicians)
    people = np.char.add(np.char.add(first, " "), np.char.add(initial, "."))
    capacity = _round_to(rng.uniform(300.0, 600.0, technicians), 50.0)
    town_names = np.array(towns.names, dtype=str)
    frame = pd.DataFrame(
        {
            "id": np.concatenate([["C"], depot_ids, van_ids, home_ids, site_ids]),
            "kind": ["central"]
            + ["depot"] * depots
            + ["van"] * technicians
            + ["home"] * technicians
            + ["site"] * sites,
            "lat": np.concatenate([p[0] for p in points]),
            "lon": np.concatenate([p[1] for p in points]),
            "name": np.concatenate(
                [
                    ["Central warehouse"],
                    np.char.add(town_names[depot_town], " depot"),
                    np.char.add("Van of ", people),
                    np.char.add("Home of ", people),
                    np.char.add(np.char.add(customer, " "), town_names[site_town]),
                ]
            ),
            "parent_id": [None]
            + ["C"] * depots
            + depot_ids[nearest].tolist()
            + [None] * (technicians + sites),
            "capacity_volume_l": np.concatenate(
                [np.full(1 + depots, np.nan), capacity, np.full(technicians + sites, np.nan)]
            ),
        }
    )
    return _Network(
        frame=frame,
        depot_ids=depot_ids,
        depot_town=depot_town,
        depot_xy=np.column_stack([dx, dy]),
        central_xy=np.array([cx[0], cy[0]]),
        tech_ids=tech_ids,
        people=people,
        van_ids=van_ids,
        van_capacity=capacity,
        home_ids=home_ids,
        site_ids=site_ids,
    )


# --------------------------------------------------------------------------- workforce
@dataclass(frozen=True)
class _Crew:
    ids: StrArray
    levels: IntArray  # (technicians, skills): level 1..5, 0 when the skill is not held
    on_shift: BoolArray  # (technicians, working days)
    cost: FloatArray
    overtime_min: IntArray


def _make_crew(rng: np.random.Generator, ids: StrArray, working_days: int) -> _Crew:
    """Skills (common ones held by many, rare ones by few), shifts with ~5 % days off, costs."""
    n, n_skills = len(ids), len(SKILLS)
    share = np.array([s.holders for s in SKILLS])
    held = rng.random((n, n_skills)) < share
    # Everyone holds a skill, and every skill has a holder (no job is unqualified for lack
    # of anybody at all).
    lone = ~held.any(axis=1)
    held[lone, rng.choice(n_skills, int(lone.sum()), p=share / share.sum())] = True
    for s in range(n_skills):
        if not held[:, s].any():
            held[rng.integers(n), s] = True
    level = rng.choice(5, (n, n_skills), p=_LEVEL_P) + 1
    on_shift = rng.random((n, working_days)) >= 0.05
    cost = _round_to(rng.uniform(35.0, 55.0, n), 0.5)
    overtime = np.where(rng.random(n) < 0.4, rng.choice([30, 45, 60, 90], n), 0)
    return _Crew(
        ids,
        np.where(held, level, 0).astype(np.int64),
        on_shift,
        cost,
        overtime.astype(np.int64),
    )


def _technicians_frame(crew: _Crew, net: _Network) -> pd.DataFrame:
    n = len(crew.ids)
    return pd.DataFrame(
        {
            "id": crew.ids,
            "home_location_id": net.home_ids,
            "name": net.people,
            "van_location_id": net.van_ids,
            "end_location_id": [None] * n,
            "cost_per_hour": crew.cost,
            "overtime_max_min": crew.overtime_min,
            "overtime_cost_per_hour": np.where(crew.overtime_min > 0, crew.cost * 1.5, 0.0),
            "lunch_earliest": [dt.time(11, 30)] * n,
            "lunch_latest": [dt.time(13, 30)] * n,
            "lunch_duration_min": np.full(n, 30),
        }
    )


def _technician_skills_frame(crew: _Crew) -> pd.DataFrame:
    tech, skill = np.nonzero(crew.levels)
    return pd.DataFrame(
        {
            "technician_id": crew.ids[tech],
            "skill": np.array([s.name for s in SKILLS], dtype=str)[skill],
            "level": crew.levels[tech, skill],
        }
    )


def _shifts_frame(crew: _Crew, work_days: npt.NDArray[np.datetime64]) -> pd.DataFrame:
    tech, day = np.nonzero(crew.on_shift)
    n = len(tech)
    return pd.DataFrame(
        {
            "technician_id": crew.ids[tech],
            "start": _stamps(_minutes(work_days[day], np.full(n, _DAY_START)), np.ones(n, bool)),
            "end": _stamps(_minutes(work_days[day], np.full(n, _DAY_END)), np.ones(n, bool)),
        }
    )


# --------------------------------------------------------------------------- parts
@dataclass(frozen=True)
class _Catalogue:
    frame: pd.DataFrame
    ids: StrArray
    skill: IntArray  # the skill whose jobs use the part
    cost: FloatArray
    volume: FloatArray
    lead_days: FloatArray
    critical: BoolArray  # criticality A
    new: BoolArray  # no demand history; installed base instead
    occurrence: FloatArray  # (parts, depots): monthly probability of some demand
    size_mean: FloatArray  # (parts,): demand size is 1 + Poisson(size_mean)
    units: IntArray  # (parts, depots): installed base of new parts
    failures: FloatArray  # (parts,): failures per unit-year of new parts
    monthly: FloatArray  # (parts, depots): mean units per month
    fast: BoolArray  # fast movers, small enough for vans


def _make_parts(rng: np.random.Generator, n: int, depot_weight: FloatArray) -> _Catalogue:
    """SKUs with lognormal cost, criticality, repairables, lead times and demand rates.

    Demand at depot d in a month: with probability ``q_p f_d`` (``f_d`` the depot's town size
    relative to the mean) a positive quantity ``1 + Poisson(lambda_p)``; cheap parts move in
    bigger lots.
    """
    demand = np.array([s.demand for s in SKILLS])
    skill = rng.choice(len(SKILLS), n, p=demand / demand.sum()).astype(np.int64)
    z = rng.normal(0.0, 1.0, n)
    cost = np.round(np.clip(60.0 * np.exp(1.4 * z), 5.0, 5000.0), 2).astype(np.float64)
    volume = np.round(np.clip(np.exp(0.7 * z + rng.normal(0.0, 0.8, n)), 0.05, 60.0), 2)
    holding = np.round(rng.uniform(0.2, 0.3, n), 2)
    criticality = np.array(["A", "B", "C"])[rng.choice(3, n, p=[0.15, 0.35, 0.5])]
    cost_rank = np.argsort(np.argsort(cost, kind="stable"), kind="stable") / max(n - 1, 1)
    repairable = rng.random(n) < 0.05 + 0.4 * cost_rank  # expensive parts get repaired
    repair_days = rng.integers(3, 22, n).astype(np.float64)
    local_share = np.round(rng.uniform(0.1, 0.7, n), 2)
    lead = np.clip(np.round(rng.lognormal(np.log(12.0), 0.7, n)), 2, 60)
    nouns = [
        SKILLS[s].parts[k % len(SKILLS[s].parts)]
        for s, k in zip(skill.tolist(), rng.integers(0, 60, n).tolist(), strict=True)
    ]
    codes = rng.integers(0, 26, (n, 2))
    numbers = rng.integers(100, 1000, n)
    names = [
        f"{noun} {chr(65 + a)}{chr(65 + b)}-{num}"
        for noun, (a, b), num in zip(nouns, codes.tolist(), numbers.tolist(), strict=True)
    ]
    ids = _ids("P", n, 4)

    factor = depot_weight / depot_weight.mean()
    q = np.clip(rng.lognormal(np.log(0.12), 0.9, n), 0.01, 0.8)
    occurrence = np.clip(q[:, None] * factor[None, :], 0.0, 0.95)
    size_mean = np.clip(rng.lognormal(np.log(0.8), 0.5, n) * np.exp(-0.4 * z), 0.05, 5.0)
    new = np.zeros(n, dtype=bool)
    if n >= 10:
        new[rng.choice(n, max(1, round(0.05 * n)), replace=False)] = True
    units = np.round(rng.integers(5, 200, (n, len(factor))) * factor[None, :]).astype(np.int64)
    units = np.where(new[:, None], np.maximum(units, 1), 0)
    failures = np.round(rng.uniform(0.02, 0.3, n), 3)
    monthly = np.where(
        new[:, None], units * failures[:, None] / 12.0, occurrence * (1.0 + size_mean[:, None])
    )
    rate = monthly.sum(axis=1)
    fast = (rate >= np.quantile(rate, 0.8)) & (volume <= 2.5) & ~new

    frame = pd.DataFrame(
        {
            "id": ids,
            "unit_cost": cost,
            "name": names,
            "holding_rate": holding,
            "criticality": criticality,
            "kind": np.where(repairable, "repairable", "consumable"),
            "lead_time_days": lead,
            "repair_time_days": np.where(repairable, repair_days, np.nan),
            "local_repair_share": np.where(repairable, local_share, 0.0),
            "volume_l": volume,
        }
    )
    return _Catalogue(
        frame=frame,
        ids=ids,
        skill=skill,
        cost=cost,
        volume=volume,
        lead_days=lead,
        critical=criticality == "A",
        new=new,
        occurrence=occurrence,
        size_mean=size_mean,
        units=units,
        failures=failures,
        monthly=monthly,
        fast=fast,
    )


# --------------------------------------------------------------------------- jobs
def _make_jobs(
    rng: np.random.Generator,
    n: int,
    work_days: npt.NDArray[np.datetime64],
    crew: _Crew,
    cat: _Catalogue,
    net: _Network,
) -> dict[str, pd.DataFrame]:
    """Jobs and their windows, skills, parts and predecessors.

    Roles: ordinary jobs; ~3 % two-step pairs (a diagnosis, then the repair released on a
    later working day when its parts arrive); ~4 % two-technician jobs.
    """
    n_days, n_tech, n_skills = len(work_days), len(crew.ids), len(SKILLS)
    ids = _ids("J", n, 4)
    arange = np.arange(n)

    # Roles: diagnosis job i followed by its repair job i + 1.
    n_pairs = round(0.03 * n) if n >= 20 else 0
    diag = np.sort(rng.choice(n // 2, n_pairs, replace=False)).astype(np.int64) * 2
    rep = diag + 1
    role = np.zeros(n, dtype=np.int64)
    role[diag], role[rep] = 1, 2

    # Days: most work on the first days.
    weight = 0.65 ** np.arange(n_days)
    day = rng.choice(n_days, n, p=weight / weight.sum()).astype(np.int64)
    day[diag] = np.minimum(day[diag], max(n_days - 2, 0))
    day[rep] = np.minimum(day[diag] + 1 + rng.integers(0, 2, n_pairs), n_days - 1)
    date = work_days[day]

    priority = (rng.choice(4, n, p=_PRIORITY_P) + 1).astype(np.int64)
    priority[rep] = priority[diag]
    team = np.ones(n, dtype=np.int64)
    ordinary = np.flatnonzero(role == 0)
    n_multi = min(round(0.04 * n), len(ordinary)) if n_tech >= 2 else 0
    team[rng.choice(ordinary, n_multi, replace=False)] = 2

    minutes = rng.lognormal(np.log(60.0), 0.5, n)
    minutes[rep] = rng.lognormal(np.log(90.0), 0.4, n_pairs)
    minutes[diag] = rng.uniform(30.0, 60.0, n_pairs)
    minutes[team == 2] *= 1.2
    duration = np.clip(_round_to(minutes, 5.0), 20, 180).astype(np.int64)

    # Skills: one main skill at a level somebody holds (two people hold it for teams).
    demand = np.array([s.demand for s in SKILLS])
    skill = rng.choice(n_skills, n, p=demand / demand.sum()).astype(np.int64)
    skill[rep] = skill[diag]
    ranked = np.sort(crew.levels, axis=0)
    best = ranked[-1]
    second = ranked[-2] if n_tech >= 2 else np.zeros(n_skills, dtype=np.int64)
    min_level = np.minimum(rng.choice(4, n, p=_MIN_LEVEL_P) + 1, best[skill])
    pair_team = (team == 2) & (second[skill] >= 1)
    min_level = np.where(pair_team, np.minimum(min_level, second[skill]), min_level)
    skill_team = np.where(pair_team, 2, 1)
    extra = _second_skills(rng, crew, skill, min_level, (role == 0) & (team == 1))

    # Windows (2 h, start 08:00-15:00 so that the work ends by 17:00), report times, SLAs.
    has_window = (priority != 1) & (rng.random(n) < 0.37)
    latest = np.minimum(15 * 60, _DAY_END - 120 - duration)
    window_start = _DAY_START + 30 * rng.integers(0, (latest - _DAY_START) // 30 + 1)
    reported = _DAY_START + 30 * rng.integers(0, 11, n)  # 08:00-13:00
    reported[rep] = _DAY_START
    critical = priority == 1
    release = np.where(critical, reported, _DAY_START)
    has_release = critical | (role == 2) | ((day > 0) & ~has_window)
    one_day, two_days = (np.busday_offset(date, k, roll="forward") for k in (1, 2))
    day_end = np.full(n, _DAY_END)
    sla = _minutes(date, day_end)
    sla = np.where(critical, _minutes(date, reported + 240), sla)
    late_high = (priority == 2) & ~has_window & (reported >= 12 * 60)
    sla = np.where(late_high, _minutes(one_day, day_end), sla)
    sla = np.where(priority == 3, _minutes(two_days, day_end), sla)
    has_sla = critical | (priority == 2)
    has_sla |= (priority == 3) & ~has_window & (rng.random(n) < 0.5)

    # Pins and statuses: a few jobs already given to a qualified technician on shift.
    status = np.full(n, "open", dtype=object)
    pin = np.full(n, None, dtype=object)
    single = (role == 0) & (team == 1) & ~np.isin(arange, extra[0])
    n_pin = min(round(0.015 * n), int(single.sum()))
    for j in np.sort(rng.choice(np.flatnonzero(single), n_pin, replace=False)).tolist():
        able = (crew.levels[:, skill[j]] >= min_level[j]) & crew.on_shift[:, day[j]]
        if able.any():
            pin[j] = crew.ids[rng.choice(np.flatnonzero(able))]
            status[j] = "scheduled"
    pinned = status == "scheduled"
    can_be_done = np.flatnonzero((role != 2) & ~pinned & (day == 0))
    status[rng.choice(can_be_done, min(round(0.02 * n), len(can_be_done)), replace=False)] = "done"

    level_factor = np.where(rng.random(n) < 0.4, rng.integers(1, 4, n) * 5, 0)
    outsource = _round_to(60.0 + 1.6 * duration + rng.normal(0.0, 10.0, n), 5.0)
    can_outsource = (priority >= 3) & (role == 0) & (team == 1) & (rng.random(n) < 0.3)
    splittable = (duration >= 150) & (role != 1) & (rng.random(n) < 0.5)

    # Sites: every site gets a job, some get several; a repair is where its diagnosis was.
    n_sites = len(net.site_ids)
    base = np.flatnonzero(role != 2)
    spread = rng.integers(0, n_sites, max(len(base) - n_sites, 0))
    site = np.zeros(n, dtype=np.int64)
    site[base] = rng.permutation(np.concatenate([rng.permutation(n_sites), spread]))[: len(base)]
    site[rep] = site[diag]

    fault = rng.integers(0, 60, n)
    prefix = np.array(["", "Diagnose: ", "Repair: "])[role]
    text = [
        p + SKILLS[s].faults[f % len(SKILLS[s].faults)]
        for p, s, f in zip(prefix.tolist(), skill.tolist(), fault.tolist(), strict=True)
    ]
    jobs = pd.DataFrame(
        {
            "id": ids,
            "site_id": net.site_ids[site],
            "duration_min": duration,
            "priority": priority,
            "technicians_needed": team,
            "status": status,
            "sla_deadline": _stamps(sla, has_sla),
            "release_at": _stamps(_minutes(date, release), has_release),
            "level_factor_pct": level_factor.astype(np.float64),
            "splittable": splittable.tolist(),
            "outsource_cost": np.where(can_outsource, outsource, np.nan),
            "pin_technician_id": pin,
            "pin_start": _stamps(_minutes(date, window_start), pinned & has_window),
            "description": text,
        }
    )
    win = np.flatnonzero(has_window)
    windows = pd.DataFrame(
        {
            "job_id": ids[win],
            "start": _stamps(_minutes(date[win], window_start[win]), np.ones(len(win), bool)),
            "end": _stamps(_minutes(date[win], window_start[win] + 120), np.ones(len(win), bool)),
        }
    )
    names = np.array([s.name for s in SKILLS], dtype=str)
    job = np.concatenate([arange, extra[0]])
    order = np.argsort(job, kind="stable")
    skills = pd.DataFrame(
        {
            "job_id": ids[job[order]],
            "skill": names[np.concatenate([skill, extra[1]])[order]],
            "min_level": np.concatenate([min_level, extra[2]])[order],
            "technicians": np.concatenate([skill_team, np.ones(len(extra[0]), np.int64)])[order],
        }
    )
    predecessors = pd.DataFrame(
        {"job_id": ids[rep], "predecessor_id": ids[diag], "lag_min": np.zeros(n_pairs, np.int64)}
    )
    return {
        "jobs": jobs,
        "job_windows": windows,
        "job_skills": skills,
        "job_parts": _job_parts_frame(rng, ids, skill, role, cat),
        "job_predecessors": predecessors,
    }


def _second_skills(
    rng: np.random.Generator,
    crew: _Crew,
    skill: IntArray,
    min_level: IntArray,
    eligible: BoolArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """A second skill for ~12 % of eligible jobs, copied from a technician who can do the
    first, so that one person can do the whole job. Returns (job, skill, min_level) arrays."""
    versatile = (crew.levels > 0).sum(axis=1) >= 2
    wanted = eligible & (rng.random(len(skill)) < 0.12)
    rows: list[tuple[int, int, int]] = []
    for j in np.flatnonzero(wanted).tolist():
        able = np.flatnonzero(versatile & (crew.levels[:, skill[j]] >= min_level[j]))
        if len(able) == 0:
            continue
        tech = int(rng.choice(able))
        others = np.flatnonzero(crew.levels[tech] > 0)
        other = int(rng.choice(others[others != skill[j]]))
        level = min(int(rng.choice(4, p=_MIN_LEVEL_P)) + 1, int(crew.levels[tech, other]))
        rows.append((j, other, level))
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def _job_parts_frame(
    rng: np.random.Generator, ids: StrArray, skill: IntArray, role: IntArray, cat: _Catalogue
) -> pd.DataFrame:
    """~35 % of ordinary jobs and every repair need 1 (sometimes 2) parts of their skill,
    fast movers more often; cheap parts come in quantities up to 3."""
    n, n_parts = len(ids), len(cat.ids)
    needs = ((role == 0) & (rng.random(n) < 0.35)) | (role == 2)
    two = rng.random(n) < 0.25
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    rate = cat.monthly.sum(axis=1) + 1e-3
    for s in range(len(SKILLS)):
        jobs = np.flatnonzero(needs & (skill == s))
        group = np.flatnonzero(cat.skill == s)
        if len(group) == 0:
            group = np.arange(n_parts)
        p = rate[group] / rate[group].sum()
        first[jobs] = rng.choice(group, len(jobs), p=p)
        second[jobs] = rng.choice(group, len(jobs), p=p)
    second = np.where(two & (second != first), second, -1)
    job = np.concatenate([np.flatnonzero(first >= 0), np.flatnonzero(second >= 0)])
    part = np.concatenate([first[first >= 0], second[second >= 0]])
    order = np.argsort(job, kind="stable")
    job, part = job[order], part[order]
    lots = rng.choice(np.array([1, 2, 3]), len(part), p=[0.6, 0.3, 0.1])
    quantity = np.where(cat.cost[part] < 50.0, lots, 1)
    return pd.DataFrame({"job_id": ids[job], "part_id": cat.ids[part], "quantity": quantity})


# --------------------------------------------------------------------------- stock
def _stock_frame(
    rng: np.random.Generator, cat: _Catalogue, crew: _Crew, net: _Network
) -> pd.DataFrame:
    """Central holds almost every part, depots a subset (fast movers and A parts more
    likely) with min/max levels, vans a few dozen small fast movers of their skills."""
    n_parts, n_depots = cat.monthly.shape
    total = cat.monthly.sum(axis=1)
    # Central: cover for the lead time; purchase orders open on some parts.
    central = (rng.random(n_parts) < 0.9) | cat.critical
    c_on = rng.poisson(total * rng.uniform(1.5, 4.0, n_parts))
    c_order = np.where(rng.random(n_parts) < 0.25, rng.poisson(np.maximum(total, 0.5)), 0)
    c_target = np.maximum(1, np.ceil(total * (cat.lead_days / 30.0 + 1.0))).astype(np.int64)
    # Depots: min = about a month of demand (at least 1), max = min + two months.
    rank = np.argsort(np.argsort(total, kind="stable"), kind="stable") / max(n_parts - 1, 1)
    p_hold = np.clip(0.2 + 0.7 * rank + 0.3 * cat.critical, 0.0, 1.0)
    depot = rng.random((n_parts, n_depots)) < p_hold[:, None]
    mu = cat.monthly
    d_on = rng.poisson(2.0 * mu + 0.3)
    d_min = np.maximum(1, np.round(mu)).astype(np.int64)
    d_max = d_min + np.maximum(1, np.ceil(2.0 * mu)).astype(np.int64)
    d_on = np.minimum(d_on, d_max)
    d_order = np.where((d_on < d_min) & (rng.random(mu.shape) < 0.6), d_max - d_on, 0)

    loc: list[StrArray] = []
    cols: dict[str, list[npt.NDArray[np.generic]]] = {
        k: [] for k in ("part", "on_hand", "on_order", "target", "min_level", "max_level")
    }

    def add(where: str, part: IntArray, values: tuple[npt.NDArray[Any], ...]) -> None:
        loc.append(np.full(len(part), where))
        cols["part"].append(part)
        for key, value in zip(list(cols)[1:], values, strict=True):
            cols[key].append(value.astype(np.float64))

    keep = np.flatnonzero(central)
    none = np.full(len(keep), np.nan)
    add("C", keep, (c_on[keep], c_order[keep], c_target[keep], none, none))
    for d, where in enumerate(net.depot_ids.tolist()):
        keep = np.flatnonzero(depot[:, d])
        add(
            where,
            keep,
            (d_on[keep, d], d_order[keep, d], d_max[keep, d], d_min[keep, d], d_max[keep, d]),
        )
    fast = np.flatnonzero(cat.fast)
    for t, where in enumerate(net.van_ids.tolist()):
        own = fast[(crew.levels[t, cat.skill[fast]] > 0) & (rng.random(len(fast)) < 0.7)]
        own = np.sort(rng.permutation(own)[:30])
        on_hand = rng.choice(4, len(own), p=[0.1, 0.35, 0.35, 0.2])
        fits = np.cumsum(on_hand * cat.volume[own]) <= net.van_capacity[t]
        own, on_hand = own[fits], on_hand[fits]
        k = len(own)
        add(where, own, (on_hand, np.zeros(k), np.full(k, 2), np.ones(k), np.full(k, 3)))

    def column(key: str) -> pd.Series:
        return pd.Series(np.concatenate(cols[key])).astype("Int64")

    return pd.DataFrame(
        {
            "location_id": np.concatenate(loc),
            "part_id": cat.ids[np.concatenate(cols["part"]).astype(np.int64)],
            "on_hand": column("on_hand"),
            "on_order": column("on_order"),
            "target": column("target"),
            "min_level": column("min_level"),
            "max_level": column("max_level"),
        }
    )


def _demand_frame(
    rng: np.random.Generator, cat: _Catalogue, net: _Network, start: dt.date
) -> pd.DataFrame:
    """Monthly demand of the last 24 months per depot and part (parts with history):
    intermittent, Bernoulli occurrence x (1 + Poisson) size, with a yearly cycle for
    seasonal skills (heating in winter, refrigeration in summer)."""
    old = np.flatnonzero(~cat.new)
    months = np.datetime64(start, "M") - _HISTORY_MONTHS + np.arange(_HISTORY_MONTHS)
    month_of_year = months.astype(np.int64) % 12 + 1
    amp = np.array([s.season for s in SKILLS])[:, None]
    peak = np.array([s.peak_month for s in SKILLS])[:, None]
    season = 1.0 + amp * np.cos(2 * np.pi * (month_of_year[None, :] - peak) / 12.0)
    # (depots, parts, months)
    prob = cat.occurrence[old].T[:, :, None] * season[cat.skill[old]][None, :, :]
    shape = prob.shape
    occurs = rng.random(shape) < np.clip(prob, 0.0, 0.95)
    size = 1 + rng.poisson(np.broadcast_to(cat.size_mean[old][None, :, None], shape))
    n_depots, n_old, n_months = shape
    return pd.DataFrame(
        {
            "location_id": np.repeat(net.depot_ids, n_old * n_months),
            "part_id": np.tile(np.repeat(cat.ids[old], n_months), n_depots),
            "period": np.tile(months.astype("datetime64[ns]"), n_depots * n_old),
            "quantity": np.where(occurs, size, 0).reshape(-1),
        }
    )


def _installed_base_frame(cat: _Catalogue, net: _Network) -> pd.DataFrame:
    part, depot = np.nonzero(cat.units)
    return pd.DataFrame(
        {
            "location_id": net.depot_ids[depot],
            "part_id": cat.ids[part],
            "units": cat.units[part, depot],
            "failures_per_unit_year": cat.failures[part],
        }
    )


def _lanes_frame(net: _Network, cat: _Catalogue) -> pd.DataFrame:
    """Central -> each depot (1-2 days; a trunk shipment carries about two months of the
    depot's demand), and between every two depots (1 day, courier, no capacity); costs grow
    with the road distance."""
    xy = net.depot_xy
    n = len(xy)
    src, dst = np.nonzero(~np.eye(n, dtype=bool))
    central_km = 1.3 * np.hypot(*(xy - net.central_xy).T)
    lateral_km = 1.3 * np.hypot(*(xy[src] - xy[dst]).T)
    trunk = np.maximum(100, np.ceil(2.0 * cat.monthly.sum(axis=0) / 50.0) * 50)
    return pd.DataFrame(
        {
            "from_id": np.concatenate([np.full(n, "C"), net.depot_ids[src]]),
            "to_id": np.concatenate([net.depot_ids, net.depot_ids[dst]]),
            "transit_days": np.concatenate(
                [np.where(central_km < 50.0, 1.0, 2.0), np.ones(len(src))]
            ),
            "cost_per_unit": np.round(
                np.concatenate([0.3 + 0.015 * central_km, 0.4 + 0.02 * lateral_km]), 2
            ),
            "fixed_cost": np.round(np.concatenate([35 + 0.4 * central_km, 25 + 0.5 * lateral_km])),
            "capacity_units": pd.array(
                np.concatenate([trunk, np.full(len(src), np.nan)]), dtype="Int64"
            ),
        }
    )


def _settings_frame(
    seed: int, start: dt.date, days: int, centre: tuple[float, float], radius_km: float
) -> pd.DataFrame:
    settings = {
        "currency": "EUR",
        "travel.provider": "haversine",
        "travel.speed_kmh": "40",
        "travel.road_factor": "1.3",
        "horizon_start": start.isoformat(),
        "horizon_days": str(days),
        "generator": f"fieldopt.generate seed={seed} centre={centre[0]},{centre[1]} "
        f"radius_km={radius_km:g}",
        # stock-outs are backordered by default; these price the emergency policy when chosen
        "inventory.emergency_days": "0.5",
        "inventory.emergency_cost": "120",
    }
    return pd.DataFrame({"key": list(settings), "value": list(settings.values())})
