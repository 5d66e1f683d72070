"""Tests of analytics/clusters.py: Gi* and local Moran's I equal esda's, FDR, categories."""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import Queen
from shapely.geometry import box

from analytics.clusters import CATEGORIES, benjamini_hochberg, coverage_clusters

SIDE = 10
# esda's own notices on the direct calls (Gi* self-weight default, future p-value convention).
pytestmark = [
    pytest.mark.filterwarnings("ignore:Gi\\* requested:UserWarning"),
    pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning"),
]
PERMUTATIONS = 999
SEED = 7


def grid(side: int = SIDE) -> gpd.GeoDataFrame:
    """``side`` × ``side`` unit squares (metres), ids ``r{row}c{col}``, row-major."""
    cells = [(r, c) for r in range(side) for c in range(side)]
    return gpd.GeoDataFrame(
        {"area_id": [f"r{r}c{c}" for r, c in cells]},
        geometry=[box(c * 100, r * 100, (c + 1) * 100, (r + 1) * 100) for r, c in cells],
        crs="EPSG:32639",
    )


def patterned_coverage(areas: gpd.GeoDataFrame) -> pd.Series:
    """High coverage (~0.85) with a 4×4 block of low coverage in one corner."""
    rng = np.random.default_rng(3)
    values = 0.85 + rng.normal(0, 0.02, len(areas))
    rows = np.arange(len(areas)) // SIDE
    cols = np.arange(len(areas)) % SIDE
    values[(rows < 4) & (cols < 4)] = 0.35 + rng.normal(0, 0.02, 16)
    return pd.Series(values, index=areas["area_id"].to_numpy())


@pytest.fixture(scope="module")
def result() -> pd.DataFrame:
    areas = grid()
    return coverage_clusters(
        areas, patterned_coverage(areas), permutations=PERMUTATIONS, seed=SEED, alpha=0.05
    )


def test_statistics_equal_esda_called_directly(result):
    areas = grid()
    y = patterned_coverage(areas).to_numpy()
    w = Queen.from_dataframe(areas, use_index=False)
    gi = esda.G_Local(
        y, w, transform="R", permutations=PERMUTATIONS, star=True, n_jobs=1, seed=SEED
    )
    lm = esda.Moran_Local(y, w, transformation="r", permutations=PERMUTATIONS, n_jobs=1, seed=SEED)
    np.testing.assert_allclose(result["gi_z"], gi.Zs)
    np.testing.assert_allclose(result["gi_p"], gi.p_sim)
    np.testing.assert_allclose(result["moran_i"], lm.Is)
    np.testing.assert_array_equal(result["moran_q"], lm.q)
    np.testing.assert_allclose(result["moran_p"], lm.p_sim)
    np.testing.assert_allclose(result["gi_q"], benjamini_hochberg(gi.p_sim))
    np.testing.assert_allclose(result["moran_fdr"], benjamini_hochberg(lm.p_sim))
    assert (result["n_neighbours"] == [w.cardinalities[i] for i in range(w.n)]).all()


def test_cold_block_is_a_cold_spot(result):
    by_id = result.set_index("area_id")["category"]
    inner_block = [f"r{r}c{c}" for r in range(3) for c in range(3)]
    assert (by_id[inner_block] == "cold_spot").all()
    assert set(result["category"]) <= set(CATEGORIES)
    # Nothing in the uniform high part far from the block is called a cold spot.
    assert (by_id[[f"r{r}c9" for r in range(5, 10)]] != "cold_spot").all()


def test_low_area_amid_high_ones_is_isolated_not_a_cluster():
    areas = grid(6)
    rng = np.random.default_rng(5)
    values = pd.Series(rng.uniform(0.5, 0.8, 36), index=areas["area_id"].to_numpy())
    ring = [f"r{r}c{c}" for r in (2, 3, 4) for c in (2, 3, 4) if (r, c) != (3, 3)]
    values[ring] = 0.95
    values["r3c3"] = 0.1
    result = coverage_clusters(areas, values, permutations=999, seed=SEED).set_index("area_id")
    assert result.loc["r3c3", "moran_q"] == 2  # low–high
    assert result.loc["r3c3", "category"] == "isolated_low"
    assert (result["category"] != "cold_spot").all()


def test_same_seed_same_result_and_inputs_untouched():
    areas = grid()
    coverage = patterned_coverage(areas)
    before_areas, before_cov = areas.copy(), coverage.copy()
    a = coverage_clusters(areas, coverage, permutations=99, seed=1)
    b = coverage_clusters(areas, coverage, permutations=99, seed=1)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(areas, before_areas)
    pd.testing.assert_series_equal(coverage, before_cov)


def test_islands_and_missing_coverage_are_not_tested():
    areas = grid(4)
    island = gpd.GeoDataFrame(
        {"area_id": ["island"]}, geometry=[box(5000, 5000, 5100, 5100)], crs=areas.crs
    )
    areas = pd.concat([areas, island], ignore_index=True)
    coverage = pd.Series(np.linspace(0.4, 0.9, len(areas)), index=areas["area_id"].to_numpy())
    coverage["r0c0"] = np.nan
    result = coverage_clusters(areas, coverage, permutations=99, seed=2).set_index("area_id")
    assert result.loc["island", "category"] == "not_tested"
    assert result.loc["island", "n_neighbours"] == 0
    assert result.loc["r0c0", "category"] == "not_tested"
    assert result.drop(index=["island", "r0c0"])["gi_z"].notna().all()
    # The tested areas get exactly what esda gives on them alone.
    kept = areas[~areas["area_id"].isin(["island", "r0c0"])].reset_index(drop=True)
    w = Queen.from_dataframe(kept, use_index=False)
    gi = esda.G_Local(
        coverage[kept["area_id"]].to_numpy(),
        w,
        transform="R",
        permutations=99,
        star=True,
        n_jobs=1,
        seed=2,
    )
    np.testing.assert_allclose(result.loc[kept["area_id"], "gi_z"], gi.Zs)


def test_too_few_areas_or_bad_arguments():
    areas = grid(1)
    out = coverage_clusters(areas, pd.Series({"r0c0": 0.5}))
    assert out["category"].tolist() == ["not_tested"]
    with pytest.raises(ValueError, match="alpha"):
        coverage_clusters(grid(3), pd.Series(dtype=float), alpha=1.5)
    with pytest.raises(ValueError, match="permutations"):
        coverage_clusters(grid(3), pd.Series(dtype=float), permutations=0)


# ------------------------------------------------------------------------------------------ FDR


def test_benjamini_hochberg_by_hand():
    # sorted: 0.005, 0.01, 0.03, 0.04 -> p*n/k: 0.02, 0.02, 0.04, 0.04 (already monotone)
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    # monotone step-up: 0.04*3/2 = 0.06 > 0.05*3/3 = 0.05, so the second takes 0.05
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.04, 0.05]), [0.03, 0.05, 0.05])
    np.testing.assert_allclose(benjamini_hochberg([0.9, np.nan, 0.8]), [0.9, np.nan, 0.9])
    assert benjamini_hochberg([]).size == 0
    assert (benjamini_hochberg([1.0, 1.0]) <= 1).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_benjamini_hochberg_rejects_what_esda_fdr_rejects(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.002, 15), rng.uniform(0, 1, 85)])
    alpha = 0.05
    threshold = esda.fdr(p, alpha)
    np.testing.assert_array_equal(benjamini_hochberg(p) <= alpha, p <= threshold)
