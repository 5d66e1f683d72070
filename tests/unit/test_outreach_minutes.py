"""The Outreach planner's reach in minutes of travel (#19): a desk reaches the neighbourhoods the
road trips say (analytics.outreach.plan_desks(pairs=…)), its own neighbourhood always, never one
only a straight line would put within range, and only within the partner's neighbourhoods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analytics import outreach
from tests.unit.test_outreach import brute_force, grid_areas


def _pairs(links: list[tuple[int, int]]) -> pd.DataFrame:
    """Trips both ways between the neighbourhoods (row positions) of ``links``."""
    both = [*links, *((b, a) for a, b in links)]
    return pd.DataFrame(
        {"area": [a for a, _ in both], "facility": [f for _, f in both], "minutes": 10.0}
    )


def test_desks_reach_what_the_roads_reach():
    areas = grid_areas(3, nx=3, ny=3)  # 400 m squares: neighbours within 600 m in a line
    links = [(0, 8), (2, 6)]  # opposite corners, joined by roads; no road between neighbours
    plan = outreach.plan_desks(areas, 1, 2, 10.0, pairs=_pairs(links))
    assert plan.unit == "min" and plan.radius_m == 10.0
    cover = np.eye(9, dtype=bool)
    for a, b in links:
        cover[a, b] = cover[b, a] = True
    best = brute_force(sp.csr_matrix(cover), areas["uninsured"].to_numpy(), 1, 2)
    assert plan.optimal and plan.in_range == pytest.approx(best)
    reach = plan.reach.dropna(subset=["reached_day"])
    reached = set(zip(reach["area_id"], reach["reached_from"], strict=True))
    ids = areas["area_id"].tolist()
    allowed = {(ids[a], ids[b]) for a, b in [*links, *((b, a) for a, b in links)]}
    allowed |= {(i, i) for i in ids}
    assert reached <= allowed
    # in a straight line the same plan reaches the neighbours instead
    line = outreach.plan_desks(areas, 1, 2, 600.0)
    assert line.unit == "m" and line.in_range != pytest.approx(plan.in_range)


def test_trips_to_other_partners_neighbourhoods_do_not_count():
    areas = grid_areas(3, nx=3, ny=3)
    scope = np.flatnonzero((areas["partner_id"] == "P2").to_numpy())
    outside = np.flatnonzero((areas["partner_id"] != "P2").to_numpy())
    links = [(int(scope[0]), int(o)) for o in outside]  # one P2 area reaches every other one
    plan = outreach.plan_desks(areas, 1, 1, 15.0, partner_id="P2", pairs=_pairs(links))
    assert set(plan.reach["area_id"]) == set(areas["area_id"].iloc[scope])
    weights = areas["uninsured"].to_numpy()[scope]
    assert plan.in_range == pytest.approx(weights.max())  # each desk reaches only itself
