"""The stock-out policy of each stocking site, from the scenario's ``settings``.

``inventory.stockout_policy`` is ``backorder`` (the default: a demand finding no stock waits for
the next unit) or ``emergency`` (it is met by an emergency shipment, lost to the site, at
``inventory.emergency_cost`` per shipment, the customer waiting ``inventory.emergency_days``).
The policy applies to the sites where customers' demand is served without stock below them (vans,
and depots without stocked vans); ``inventory.stockout_policy.<location>`` and the same suffix on
the two emergency keys set one site apart. A site with stocked sites below it always backorders:
its children's orders cannot be shipped elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fieldopt.errors import InputError, Problem

POLICIES = ("backorder", "emergency")
POLICY_KEY = "inventory.stockout_policy"
DAYS_KEY = "inventory.emergency_days"
COST_KEY = "inventory.emergency_cost"


@dataclass(frozen=True)
class StockoutPolicy:
    """Per stocking site: emergency shipments or not, their time (days) and cost per shipment."""

    emergency: NDArray[np.bool_]
    days: NDArray[np.float64]
    cost: NDArray[np.float64]


def _problem(key: str, message: str) -> Problem:
    return Problem("error", "stockout_policy", "settings", message, row=key, field="value")


def _setting(settings: Mapping[str, str], key: str, site: str) -> tuple[str, str] | None:
    """The site's own value of ``key`` or the scenario-wide one, with the key it came from."""
    for k in (f"{key}.{site}", key):
        value = settings.get(k)
        if value is not None and str(value).strip() != "":
            return k, str(value).strip()
    return None


def _amount(settings: Mapping[str, str], key: str, site: str, problems: list[Problem]) -> float:
    found = _setting(settings, key, site)
    if found is None:
        problems.append(
            _problem(key, f"stock-outs ship by emergency: set {key} (or {key}.<location>)")
        )
        return 0.0
    k, text = found
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        problems.append(_problem(k, f"{text!r} is not a number >= 0"))
        return 0.0
    return value


def stockout_policy(
    settings: Mapping[str, str], sites: Sequence[str], parent: Sequence[int]
) -> StockoutPolicy:
    """The policy of every stocking site (``parent[j]`` the index of j's parent, -1 at the root)."""
    n = len(sites)
    has_children = np.zeros(n, dtype=np.bool_)
    for p in parent:
        if p >= 0:
            has_children[p] = True
    emergency = np.zeros(n, dtype=np.bool_)
    days, cost = np.zeros(n), np.zeros(n)
    problems: list[Problem] = []
    for j, site in enumerate(sites):
        found = _setting(settings, POLICY_KEY, site)
        policy = "backorder" if found is None else found[1].lower()
        key = POLICY_KEY if found is None else found[0]
        if policy not in POLICIES:
            problems.append(_problem(key, f"{policy!r}: one of {', '.join(POLICIES)}"))
            continue
        if policy == "backorder":
            continue
        if has_children[j]:
            if key != POLICY_KEY:  # asked for this very site: say why not
                problems.append(
                    _problem(
                        key,
                        f"site {site} resupplies the sites below it, so its stock-outs are "
                        "backordered: only sites without stocked sites below can use emergency",
                    )
                )
            continue
        emergency[j] = True
        days[j] = _amount(settings, DAYS_KEY, site, problems)
        cost[j] = _amount(settings, COST_KEY, site, problems)
    if problems:  # one message per key, however many sites share it
        raise InputError(list({(p.row, p.message): p for p in problems}.values()))
    return StockoutPolicy(emergency, days, cost)
