"""Tests of analytics/priority.py: the transparent priority score, its inputs, distance to care."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analytics.priority import (
    COMPONENTS,
    aggregate_priority_inputs,
    priority_inputs,
    priority_score,
)


def area_cov() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": ["a", "b", "c", "d"],
            "district_id": ["d1", "d1", "d2", "d2"],
            "population": [1000, 2000, 500, 0],
            "insured": [800, 1000, 500, np.nan],
            "coverage": [0.8, 0.5, 1.0, np.nan],
            "uninsured": [200, 1000, 0, np.nan],
            "target": [0.9, 0.9, 0.9, 0.9],
            "deprivation": [0.2, 0.6, np.nan, 0.4],
            "pop_65plus": [100, 100, 50, 10],
            "pop_under5": [100, 300, 0, 10],
        }
    )


def test_inputs_are_the_documented_components():
    inputs = priority_inputs(area_cov(), pd.Series({"a": 1.0, "b": 4.0, "c": 2.5}))
    assert list(inputs.columns) == ["area_id", "population", *COMPONENTS]
    assert inputs["uninsured"].tolist()[:3] == [200, 1000, 0]
    np.testing.assert_allclose(inputs["shortfall"][:3], [0.1, 0.4, 0.0])
    np.testing.assert_allclose(inputs["vulnerable"][:3], [0.2, 0.2, 0.1])
    assert np.isnan(inputs["vulnerable"].iloc[3])  # population 0 counts as missing
    assert inputs["distance"].tolist()[:3] == [1.0, 4.0, 2.5]
    assert np.isnan(inputs["distance"].iloc[3])


def test_score_follows_the_formula():
    inputs = pd.DataFrame(
        {"uninsured": [0.0, 50.0, 100.0], "shortfall": [0.3, 0.1, 0.2], "deprivation": [1, 1, 1]}
    )
    weights = {"uninsured": 3, "shortfall": 1, "deprivation": 2}
    out = priority_score(inputs, weights)
    # x' uninsured: 0, .5, 1 ; shortfall: 1, 0, .5 ; deprivation constant -> 0
    expected = 100 * (3 * np.array([0, 0.5, 1]) + 1 * np.array([1, 0, 0.5]) + 0) / 6
    np.testing.assert_allclose(out["score"], expected)
    np.testing.assert_allclose(out["part_uninsured"], 100 * 3 * np.array([0, 0.5, 1]) / 6)
    np.testing.assert_allclose(
        out[["part_uninsured", "part_shortfall", "part_deprivation"]].sum(axis=1), out["score"]
    )
    assert out["rank"].tolist() == [3, 2, 1]
    assert (out["norm_deprivation"] == 0).all()


def test_missing_components_rescale_the_weights_and_zero_switches_off():
    inputs = pd.DataFrame({"uninsured": [0.0, 10.0, np.nan], "distance": [0.0, 0.0, 5.0]})
    out = priority_score(inputs, {"uninsured": 1, "distance": 1})
    # row 2 has only distance (x' = 1): its score is 100, on that component alone
    assert out["score"].tolist() == pytest.approx([0.0, 50.0, 100.0])
    assert out["n_components"].tolist() == [2, 2, 1]
    off = priority_score(inputs, {"uninsured": 0, "distance": 1})
    assert "norm_uninsured" not in off
    assert off["score"].tolist() == pytest.approx([0.0, 0.0, 100.0])
    nothing = priority_score(inputs, {"deprivation": 1})
    assert nothing["score"].isna().all() and nothing["rank"].isna().all()


def test_score_is_between_0_and_100_and_inputs_untouched():
    rng = np.random.default_rng(1)
    inputs = pd.DataFrame({c: rng.uniform(0, 10, 50) for c in COMPONENTS})
    before = inputs.copy()
    out = priority_score(inputs, dict.fromkeys(COMPONENTS, 2.0))
    assert out["score"].between(0, 100).all()
    pd.testing.assert_frame_equal(inputs, before)
    # equal weights of any size give the same score
    same = priority_score(inputs, dict.fromkeys(COMPONENTS, 5.0))
    np.testing.assert_allclose(out["score"], same["score"])


def test_scale_from_scores_interval_ends_on_the_central_scale():
    central = pd.DataFrame({"uninsured": [0.0, 100.0]})
    higher = pd.DataFrame({"uninsured": [10.0, 120.0]})
    out = priority_score(higher, {"uninsured": 1}, scale_from=central)
    assert out["score"].tolist() == pytest.approx([10.0, 120.0])


def test_bad_weights_raise():
    inputs = pd.DataFrame({"uninsured": [1.0, 2.0]})
    with pytest.raises(ValueError, match="unknown"):
        priority_score(inputs, {"beds": 1})
    with pytest.raises(ValueError, match=">= 0"):
        priority_score(inputs, {"uninsured": -1})


def test_district_inputs_add_up_to_their_areas():
    cov = area_cov()
    inputs = priority_inputs(cov, pd.Series({"a": 1.0, "b": 4.0, "c": 2.0}))
    coverage = pd.Series({"d1": 1800 / 3000, "d2": 1.0})
    out = aggregate_priority_inputs(inputs, cov["district_id"], coverage, 0.9)
    assert out.loc["d1", "uninsured"] == 1200
    assert out["uninsured"].sum() == inputs["uninsured"].sum()
    assert out.loc["d1", "shortfall"] == pytest.approx(0.3)
    assert out.loc["d2", "shortfall"] == 0
    assert out.loc["d1", "deprivation"] == pytest.approx((0.2 * 1000 + 0.6 * 2000) / 3000)
    assert out.loc["d1", "vulnerable"] == pytest.approx(600 / 3000)
    assert out.loc["d1", "distance"] == pytest.approx((1 * 1000 + 4 * 2000) / 3000)


# ---------------------------------------------------------------------------- distance to care


def squares() -> gpd.GeoDataFrame:
    # two 1 km squares, 10 km apart, in UTM 39N (Tehran's zone)
    return gpd.GeoDataFrame(
        {"area_id": ["near", "far"]},
        geometry=[
            box(500_000, 3_950_000, 501_000, 3_951_000),
            box(510_000, 3_950_000, 511_000, 3_951_000),
        ],
        crs="EPSG:32639",
    )


def test_units_without_population_get_no_score_and_do_not_set_the_scale():
    """No data is not a rank: a unit with no (or zero) population, however far from care, is
    neither scored nor ranked, and its distance does not stretch the others' scale."""
    from analytics.priority import has_population, split_ranked

    inputs = pd.DataFrame(
        {
            "population": [1000.0, 2000.0, np.nan, 0.0],
            "distance": [1.0, 3.0, 50.0, 40.0],
        },
        index=["a", "b", "c", "d"],
    )
    assert has_population(inputs["population"]).tolist() == [True, True, False, False]
    out = priority_score(inputs, {"distance": 1.0})
    assert out["score"].tolist()[:2] == [0.0, 100.0]
    assert out["score"].iloc[2:].isna().all() and out["rank"].iloc[2:].isna().all()
    assert out["rank"].tolist()[:2] == [2.0, 1.0]
    ranked, no_data = split_ranked(inputs)
    assert list(ranked.index) == ["a", "b"] and list(no_data.index) == ["c", "d"]
