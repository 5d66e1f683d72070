"""analytics.siting: the exact optimum equals brute force; greedy stays within its bound."""

from __future__ import annotations

from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import box

from analytics import distance, siting


def random_instance(seed: int, n_demand: int = 14, n_sites: int = 9, density: float = 0.25):
    rng = np.random.default_rng(seed)
    cover = rng.random((n_demand, n_sites)) < density
    weights = rng.integers(0, 1000, n_demand).astype(float)
    before = rng.random(n_demand) < 0.15
    return sp.csr_matrix(cover), weights, before


def brute_force(cover: sp.csr_matrix, weights, k: int, before) -> float:
    dense = cover.toarray()
    w = np.where(before, 0.0, weights)
    best = 0.0
    for sites in combinations(range(dense.shape[1]), k):
        best = max(best, float(w[dense[:, list(sites)].any(axis=1)].sum()))
    return best + float(weights[before].sum())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_exact_equals_brute_force_and_greedy_is_within_its_bound(seed, k):
    cover, weights, before = random_instance(seed)
    best = brute_force(cover, weights, k, before)

    exact = siting.maximal_covering(cover, weights, k, already_covered=before, method="exact")
    assert exact.method == "exact" and exact.optimal
    assert exact.covered_after == pytest.approx(best)
    assert exact.upper_bound == pytest.approx(best)
    assert len(exact.chosen) <= k
    assert siting.covered_weight(cover, np.where(before, 0, weights), exact.chosen) + weights[
        before
    ].sum() == pytest.approx(best)

    greedy = siting.maximal_covering(cover, weights, k, already_covered=before, method="greedy")
    assert greedy.covered_before == pytest.approx(weights[before].sum())
    assert greedy.covered_after <= best + 1e-9
    assert greedy.upper_bound >= best - 1e-9  # the reported bound really bounds the optimum
    assert greedy.gain >= siting.GREEDY_RATIO * (best - greedy.covered_before) - 1e-9
    assert greedy.gain >= greedy.guaranteed_ratio * greedy.gain_bound - 1e-9
    assert greedy.gains.sum() == pytest.approx(greedy.gain)
    assert list(greedy.gains) == sorted(greedy.gains, reverse=True)

    lp = siting.maximal_covering(
        cover, weights, k, already_covered=before, method="greedy", lp_bound=True
    )
    assert best - 1e-9 <= lp.upper_bound <= greedy.upper_bound + 1e-9


def test_greedy_can_be_suboptimal_and_says_so():
    # Classic trap: one big site covers a+b partly; two sites cover everything.
    cover = sp.csr_matrix(
        np.array(
            [
                [1, 1, 0],
                [1, 0, 1],
                [0, 1, 0],
                [0, 0, 1],
            ],
            dtype=bool,
        )
    )
    weights = np.array([10.0, 10.0, 9.0, 9.0])
    greedy = siting.maximal_covering(cover, weights, 2, method="greedy")
    exact = siting.maximal_covering(cover, weights, 2, method="exact")
    assert exact.covered_after == 38 and exact.optimal
    assert greedy.covered_after == 29 and not greedy.optimal
    assert greedy.upper_bound >= 38


def test_nothing_to_gain_and_bad_arguments():
    cover = sp.csr_matrix(np.ones((3, 2), dtype=bool))
    r = siting.maximal_covering(cover, np.array([1.0, 2, 3]), 2, already_covered=np.ones(3, bool))
    assert r.gain == 0 and len(r.chosen) == 0 and r.optimal and r.guaranteed_ratio == 1.0
    with pytest.raises(ValueError, match="one value per demand point"):
        siting.maximal_covering(cover, np.array([1.0]), 1)
    with pytest.raises(ValueError, match="method"):
        siting.maximal_covering(cover, np.array([1.0, 2, 3]), 1, method="magic")


def test_choose_sites_from_frames():
    # A row of 1 km cells; an existing clinic in the first; 2 km reach.
    lon0, lat0, step = 105.80, 21.00, 0.0096  # ~1 km in Hanoi
    areas = gpd.GeoDataFrame(
        {
            "area_id": [f"C{i}" for i in range(12)],
            "population": [1000] * 12,
            "uninsured": [0, 0, 0, 0, 0, 0, 500, 500, 0, 0, 900, 900],
        },
        geometry=[
            box(lon0 + i * step, lat0, lon0 + (i + 1) * step, lat0 + step) for i in range(12)
        ],
        crs="EPSG:4326",
    )
    existing = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "type": ["clinic"]},
        geometry=areas.representative_point().iloc[[0]].to_numpy(),
        crs="EPSG:4326",
    )
    before = distance.population_within(
        distance.nearest_facility_km(areas, existing, ["clinic"])["clinic_km"],
        areas["population"],
        2.0,
    )
    result, chosen = siting.choose_sites(areas, existing, 1, 2.0, method="exact")
    assert result.covered_before == before["within"] == 3000
    assert result.gain == 5000 and result.optimal
    assert chosen["area_id"].tolist()[0] in {"C5", "C6", "C7", "C8"}
    assert chosen.crs == areas.crs and chosen.geom_type.eq("Point").all()
    by_uninsured, picked = siting.choose_sites(areas, existing, 1, 2.0, weight="uninsured")
    assert by_uninsured.gain == 2300 and picked["area_id"].iloc[0] == "C9"
    assert list(areas.columns) == ["area_id", "population", "uninsured", "geometry"]

    candidates = gpd.GeoDataFrame(
        {"site": ["north", "far east"]},
        geometry=areas.representative_point().iloc[[1, 11]].to_numpy(),
        crs="EPSG:4326",
    )
    _, picked = siting.choose_sites(areas, existing, 1, 2.0, candidates=candidates)
    assert picked["site"].tolist() == ["far east"] and picked["gain"].iloc[0] == 3000
    with pytest.raises(ValueError, match="projected CRS"):
        siting.choose_sites(areas, existing, 1, 2.0, crs="EPSG:4326")
    assert isinstance(pd.DataFrame(picked), pd.DataFrame)
