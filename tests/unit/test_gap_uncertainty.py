"""Tests of analytics/uncertainty.py (coverage intervals, rank bands) and analytics/breakdowns.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.breakdowns import by_population_group, by_scheme, underserved_vs_other
from analytics.coverage import aggregate_coverage, coverage_by_area
from analytics.uncertainty import coverage_interval, rank_bands, relative_error


def test_relative_error_grows_with_the_age_of_the_census():
    assert relative_error(0) == pytest.approx(0.02)
    assert relative_error(10) == pytest.approx(0.02 + 0.15)
    assert relative_error(-3) == pytest.approx(0.02)  # a census after the month: no extra error
    assert relative_error(200) == pytest.approx(0.9)
    with pytest.raises(ValueError):
        relative_error(1, base_error=-0.1)


def test_coverage_interval_holds_the_estimate():
    population = pd.Series([1000.0, 2000.0, 0.0, np.nan])
    insured = pd.Series([800.0, 2100.0, 5.0, 10.0])
    out = coverage_interval(
        population, insured, years_since_census=4, base_error=0.05, error_per_year=0.0125
    )
    assert out["rel_error"].iloc[0] == pytest.approx(0.1)
    assert out["coverage_low"].iloc[0] == pytest.approx(800 / 1100)
    assert out["coverage_high"].iloc[0] == pytest.approx(800 / 900)
    assert out["uninsured_low"].iloc[0] == pytest.approx(100)
    assert out["uninsured_high"].iloc[0] == pytest.approx(300)
    assert out["uninsured_low"].iloc[1] == 0  # more insured than the low population
    known = out.iloc[:2]
    assert (known["coverage_low"] <= known["coverage"]).all()
    assert (known["coverage"] <= known["coverage_high"]).all()
    assert out.iloc[2:][["coverage", "coverage_low", "coverage_high"]].isna().all().all()


def test_rank_bands_separate_only_what_does_not_overlap():
    estimate = pd.Series([0.50, 0.52, 0.80, np.nan], index=list("abcd"))
    low = estimate - 0.03
    high = estimate + 0.03
    out = rank_bands(estimate, low, high)
    assert out.loc["a", ["rank", "rank_best", "rank_worst"]].tolist() == [1, 1, 2]
    assert out.loc["b", ["rank", "rank_best", "rank_worst"]].tolist() == [2, 1, 2]
    assert out.loc["c", ["rank", "rank_best", "rank_worst"]].tolist() == [3, 3, 3]
    assert out["distinct"].tolist() == [False, False, True, False]
    assert np.isnan(out.loc["d", "rank_best"])
    down = rank_bands(estimate, low, high, ascending=False)
    assert down.loc["c", ["rank_best", "rank_worst"]].tolist() == [1, 1]
    assert down.loc["a", ["rank_best", "rank_worst"]].tolist() == [2, 3]


def test_rank_bands_match_the_pairwise_definition():
    rng = np.random.default_rng(4)
    est = pd.Series(rng.uniform(0.4, 0.9, 40))
    width = rng.uniform(0.0, 0.05, 40)
    out = rank_bands(est, est - width, est + width)
    lo, hi = (est - width).to_numpy(), (est + width).to_numpy()
    for i in range(40):
        assert out["rank_best"][i] == 1 + (hi < lo[i]).sum()
        assert out["rank_worst"][i] == 40 - (lo > hi[i]).sum()
        assert out["rank_best"][i] <= out["rank"][i] <= out["rank_worst"][i]
    # with no uncertainty the bands collapse onto the ranks
    exact = rank_bands(est, est, est)
    assert (exact["rank_best"] == exact["rank"]).all() and exact["distinct"].all()


# ---------------------------------------------------------------------------------- breakdowns


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    areas = pd.DataFrame(
        {
            "area_id": ["a", "b", "c"],
            "population": [1000, 3000, 500],
            "pop_female": [500, 1600, 250],
            "pop_65plus": [100, 300, 100],
            "pop_under5": [50, 200, np.nan],
            "underserved": [True, False, None],
        }
    )
    month = pd.Timestamp("2026-01-01")
    insured = pd.DataFrame(
        {
            "area_id": ["a", "a", "b", "b", "c"],
            "period": [month] * 5,
            "scheme": ["health", "voluntary", "health", "voluntary", "health"],
            "insured": [400, 100, 2400, 300, 250],
        }
    )
    return areas, insured


def test_by_scheme_adds_up_to_all_insured():
    areas, insured = tables()
    cov = coverage_by_area(areas, insured)
    out = by_scheme(insured, cov, None)
    assert out["scheme"].tolist() == ["health", "voluntary"]
    assert out["insured"].sum() == insured["insured"].sum()
    assert out["share"].sum() == pytest.approx(cov["insured"].sum() / cov["population"].sum())
    assert by_scheme(insured.drop(columns="scheme"), cov, None).empty


def test_population_groups_assume_the_area_rate():
    areas, insured = tables()
    cov = coverage_by_area(areas, insured)  # a 0.5, b 0.9, c 0.5
    out = by_population_group(cov).set_index("group")
    assert out.loc["female", "population"] + out.loc["male", "population"] == 4500
    assert out.loc["age_65plus", "coverage"] == pytest.approx((50 + 270 + 50) / 500)
    assert out.loc["age_65plus", "uninsured"] == pytest.approx(50 + 30 + 50)
    assert out.loc["under_5", "population"] == 250  # c has no figure
    assert by_population_group(cov.drop(columns=["pop_female", "pop_65plus", "pop_under5"])).empty


def test_underserved_groups_add_up_to_the_region():
    areas, insured = tables()
    cov = coverage_by_area(areas, insured)
    out = underserved_vs_other(cov)
    region = aggregate_coverage(cov).iloc[0]
    assert out["population"].sum() == region["population"]
    assert out["uninsured"].sum() == region["uninsured"]
    assert out["underserved"].iloc[0] and not out["underserved"].iloc[1]
    assert underserved_vs_other(cov.drop(columns="underserved")).empty
