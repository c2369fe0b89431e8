"""What-if variants: ``demand=+20%``, ``lead_time=x1.5``, ``repair_time=-10%``,
``close_depot=D3``, ``stockout_policy=emergency``, parsed and applied to a stocking network."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from fieldopt.errors import InputError, Problem
from fieldopt.scenario import Scenario
from fieldopt.translate.inventory.network import Network, floats, network, with_policy
from fieldopt.translate.stockout import POLICIES

MAX_FACTOR = 10.0
"""The largest factor of a what-if (``x10``, ``+900%``): more is a typo, and demand or lead
times 10^16 times larger made the evaluators allocate terabytes."""


def _bad_variant(message: str) -> InputError:
    """A what-if variant that cannot be read or applied (the ``variant`` option)."""
    return InputError([Problem("error", "bad_variant", "options", message, field="variant")])


def parse_variant(text: str) -> tuple[str, str, float | str]:
    """``demand=+20%``, ``lead_time=x1.5``, ``repair_time=-10%``, ``close_depot=D3``,
    ``stockout_policy=emergency`` (or ``backorder``) at every site serving customers."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    keys = ("demand", "lead_time", "repair_time", "close_depot", "stockout_policy")
    if not sep or key not in keys:
        raise _bad_variant(f"variant {text!r}: expected {'=, '.join(keys)}=")
    if key == "close_depot":
        return text, key, value
    if key == "stockout_policy":
        if value.lower() not in POLICIES:
            raise _bad_variant(f"variant {text!r}: policy one of {', '.join(POLICIES)}")
        return text, key, value.lower()
    try:
        if value.endswith("%"):
            factor = 1.0 + float(value[:-1]) / 100.0
        elif value[:1] in "xX*":
            factor = float(value[1:])
        else:
            factor = float(value)
    except ValueError as exc:
        raise _bad_variant(f"variant {text!r}: {value!r} is not +N%, -N% or xF") from exc
    if not (math.isfinite(factor) and 0 <= factor <= MAX_FACTOR):
        raise _bad_variant(
            f"variant {text!r}: the factor must be from 0 to {MAX_FACTOR:g} "
            f"(-100% to +{100 * (MAX_FACTOR - 1):g}%), got {factor}"
        )
    return text, key, factor


def apply_variant(
    scenario: Scenario, net: Network, rates: pd.DataFrame, key: str, value: float | str
) -> Network:
    """``net`` with one parsed variant (:func:`parse_variant`) applied: demand scaled, lead
    times (consumables) or repair times (repairables) scaled, a policy forced, or a depot closed
    (its demand moved to the nearest remaining site with demand)."""
    data = net.data
    if key == "demand":
        return network(scenario, rates.assign(rate_per_year=rates["rate_per_year"] * float(value)))
    if key == "stockout_policy":
        return with_policy(scenario, net, str(value))
    consumable = (net.parts["kind"] != "repairable").to_numpy()
    if key == "lead_time":
        return replace(
            net,
            data=replace(
                data, root_time=np.where(consumable, data.root_time * float(value), data.root_time)
            ),
        )
    if key == "repair_time":
        return replace(
            net,
            data=replace(
                data,
                root_time=np.where(consumable, data.root_time, data.root_time * float(value)),
                local_repair_time=data.local_repair_time * float(value),
            ),
        )
    # close a depot: its demand moves to the nearest remaining demand site
    site = str(value)
    # sites with own demand (a depot stocked only for its vans has none to move)
    with_demand = [
        s
        for j, s in enumerate(data.site_ids)
        if j != data.root and data.demand_rate[:, j].sum() > 0
    ]
    if site not in with_demand:
        raise _bad_variant(
            f"close_depot={site}: not a stocking site with demand ({', '.join(with_demand)})"
        )
    others = [s for s in with_demand if s != site]
    if not others:
        raise _bad_variant(f"close_depot={site}: the last site cannot close")
    locs = scenario.locations.set_index("id")

    lat, lon = floats(locs["lat"]), floats(locs["lon"])
    pos = {str(k): n for n, k in enumerate(locs.index)}

    def dist(o: str) -> float:
        a, b = pos[o], pos[site]
        return float((lat[a] - lat[b]) ** 2 + (lon[a] - lon[b]) ** 2)

    nearest = min(others, key=dist)
    moved = rates.assign(location_id=rates["location_id"].replace({site: nearest}))
    return network(scenario, moved)
