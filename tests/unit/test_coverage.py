"""Tests of analytics/coverage.py: coverage per area, aggregation, time series, headline figures."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal, assert_series_equal
from shapely.geometry import box

from analytics import coverage
from analytics.coverage import (
    aggregate_coverage,
    counted_in_coverage,
    coverage_by_area,
    coverage_over_time,
    headline_figures,
    target_series,
)
from analytics.insured import (
    InsuredIndex,
    available_periods,
    build_insured_index,
    insured_by_area,
    lookup_insured,
)

JAN = pd.Timestamp("2024-01-01")
FEB = pd.Timestamp("2024-02-01")
MAR = pd.Timestamp("2024-03-01")


# --------------------------------------------------------------------------------------------------
# fixtures: seven unit squares side by side
# --------------------------------------------------------------------------------------------------
#
# area  district  partner  population  Jan insured (health + voluntary)  Feb insured
# a1    d1        p1       100         40 + 10 = 50                      60
# a2    d1        p2       1000        900                               950 + 20
# a3    d1        p1       <NA>        30                                -
# a4    d2        p2       200         250 (above population: flagged)   -
# a5    d2        p1       50          - (no row)                        25
# a6    <NA>      <NA>     400         100 + <NA>                        -
# a7    d2        p2       0           5                                 -
#
# January, areas with data: a1, a2, a6 -> 1050 / 1500 = 0.7; mean of their rates 0.55 (a4's 250
# insured for 200 residents is implausible: flagged and left out of coverage).


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7"],
            "name": ["One", "Two", "Three", "Four", "Five", "Six", "Seven"],
            "population": pd.array([100, 1000, None, 200, 50, 400, 0], dtype="Int64"),
            "district_id": ["d1", "d1", "d1", "d2", "d2", None, "d2"],
            "province": ["P", "P", "P", "P", "P", "P", "P"],
            "partner_id": ["p1", "p2", "p1", "p2", "p1", None, "p2"],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(7)],
        crs="EPSG:4326",
    )


@pytest.fixture
def insured() -> pd.DataFrame:
    rows = [
        ("a1", JAN, 40, "health"),
        ("a1", JAN, 10, "voluntary"),
        ("a2", JAN, 900, "health"),
        ("a3", JAN, 30, "health"),
        ("a4", JAN, 250, "health"),
        ("a6", JAN, 100, "health"),
        ("a6", JAN, None, "voluntary"),
        ("a7", JAN, 5, "health"),
        # February, listed out of order on purpose
        ("a5", FEB, 25, "health"),
        ("a2", FEB, 950, "health"),
        ("a1", FEB, 60, "health"),
        ("a2", FEB, 20, "voluntary"),
    ]
    frame = pd.DataFrame(rows, columns=["area_id", "period", "insured", "scheme"])
    frame["insured"] = frame["insured"].astype("Int64")
    return frame


@pytest.fixture
def targets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scope": ["region", "d1", "region", "region"],
            "period": [FEB, JAN, MAR, JAN],
            "target_coverage": [0.85, 0.7, 0.9, 0.8],
        }
    )


def _random_case(seed: int, n: int = 60) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Random areas and insured counts with missing values, zeros and over-counts."""
    rng = np.random.default_rng(seed)
    population = rng.integers(0, 5_000, n).astype("float64")
    population[rng.random(n) < 0.15] = np.nan
    districts = rng.choice(np.array(["d1", "d2", "d3", None], dtype=object), n)
    areas = gpd.GeoDataFrame(
        {
            "area_id": [f"r{i:03d}" for i in range(n)],
            "name": [f"Area {i}" for i in range(n)],
            "population": pd.array(population, dtype="Int64"),
            "district_id": districts,
            "partner_id": rng.choice(np.array(["p1", "p2", None], dtype=object), n),
        },
        geometry=[box(i % 10, i // 10, i % 10 + 1, i // 10 + 1) for i in range(n)],
        crs="EPSG:4326",
    )
    rows = []
    for period in (JAN, FEB):
        present = rng.random(n) > 0.2
        for scheme in ("health", "voluntary"):
            counts = rng.integers(0, 4_000, n).astype("float64")
            counts[rng.random(n) < 0.05] = np.nan
            rows.append(
                pd.DataFrame(
                    {
                        "area_id": areas["area_id"][present],
                        "period": period,
                        "insured": pd.array(counts[present], dtype="Int64"),
                        "scheme": scheme,
                    }
                )
            )
    return areas, pd.concat(rows, ignore_index=True)


@pytest.fixture(params=[0, 1, 2], ids=lambda s: f"seed{s}")
def random_case(request: pytest.FixtureRequest) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    return _random_case(request.param)


# --------------------------------------------------------------------------------------------------
# periods and insured counts
# --------------------------------------------------------------------------------------------------


def test_available_periods_sorted_timestamps(insured: pd.DataFrame) -> None:
    periods = available_periods(insured)
    assert periods == [JAN, FEB]
    assert all(isinstance(p, pd.Timestamp) for p in periods)


def test_available_periods_empty() -> None:
    empty = pd.DataFrame({"area_id": [], "period": pd.Series([], dtype="datetime64[ns]")})
    assert available_periods(empty) == []


def test_insured_by_area_defaults_to_latest_period(insured: pd.DataFrame) -> None:
    result = insured_by_area(insured)
    expected = pd.DataFrame(
        {"insured": [60.0, 970.0, 25.0]}, index=pd.Index(["a1", "a2", "a5"], name="area_id")
    )
    assert_frame_equal(result, expected, check_index_type=False)


def test_insured_by_area_sums_schemes_and_leaves_absent_areas_out(insured: pd.DataFrame) -> None:
    result = insured_by_area(insured, period="2024-01-01")["insured"]
    expected = {"a1": 50.0, "a2": 900.0, "a3": 30.0, "a4": 250.0, "a6": 100.0, "a7": 5.0}
    assert result.to_dict() == expected
    assert "a5" not in result.index  # no row: absent, not zero


@pytest.mark.parametrize(
    ("schemes", "expected_a1", "expected_a6"),
    [
        ("health", 40.0, 100.0),
        (["health"], 40.0, 100.0),
        (["voluntary"], 10.0, np.nan),  # a6's only voluntary value is missing: NaN, not 0
        (("health", "voluntary"), 50.0, 100.0),
    ],
)
def test_insured_by_area_scheme_filter(
    insured: pd.DataFrame, schemes: object, expected_a1: float, expected_a6: float
) -> None:
    result = insured_by_area(insured, period=JAN, schemes=schemes)["insured"]
    assert result["a1"] == expected_a1
    if np.isnan(expected_a6):
        assert np.isnan(result["a6"])
    else:
        assert result["a6"] == expected_a6


def test_insured_by_area_unknown_period(insured: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="2024-03-01 is not among the available periods"):
        insured_by_area(insured, period=MAR)


def test_insured_by_area_schemes_without_scheme_column(insured: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no 'scheme' column"):
        insured_by_area(insured.drop(columns="scheme"), schemes="health")


@pytest.mark.parametrize("column", ["area_id", "period", "insured"])
def test_insured_by_area_missing_column(insured: pd.DataFrame, column: str) -> None:
    with pytest.raises(ValueError, match=rf"missing required column.*{column}"):
        insured_by_area(insured.drop(columns=column))


# --------------------------------------------------------------------------------------------------
# coverage per area
# --------------------------------------------------------------------------------------------------


def test_coverage_by_area_values(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    result = coverage_by_area(areas, insured, period=JAN, target=0.55)
    nan = np.nan
    expected = pd.DataFrame(
        {
            "insured": [50.0, 900.0, 30.0, 250.0, nan, 100.0, 5.0],
            "coverage": [0.5, 0.9, nan, nan, nan, 0.25, nan],
            "uninsured": [50.0, 100.0, nan, nan, nan, 300.0, nan],
            "target": [0.55] * 7,
            "gap_to_target": [0.05, 0.0, nan, nan, nan, 0.3, nan],
            # ceil(0.55 * 100) is 55, not 56, although 0.55 * 100 == 55.00000000000001 in floats
            "people_to_target": [5.0, 0.0, nan, nan, nan, 120.0, nan],
            "flag_insured_above_population": [False, False, False, True, False, False, True],
            "flag_missing_population": [False, False, True, False, False, False, True],
            "flag_missing_insured": [False, False, False, False, True, False, False],
            "data_status": pd.Series(
                [
                    "ok",
                    "ok",
                    "no_population",
                    "insured_above_population",
                    "no_insured",
                    "ok",
                    "no_population",
                ],
                dtype="str",
            ),
        },
        index=areas.index,
    )
    assert_frame_equal(pd.DataFrame(result[expected.columns]), expected, atol=1e-12)
    # the original columns, geometry and CRS come back untouched
    assert_geodataframe_equal(result[areas.columns], areas)
    assert isinstance(result, gpd.GeoDataFrame)
    assert result.crs == areas.crs


def test_coverage_nan_when_population_missing(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame
) -> None:
    result = coverage_by_area(areas, insured, period=JAN).set_index("area_id")
    assert pd.isna(areas.set_index("area_id").loc["a3", "population"])
    assert np.isnan(result.loc["a3", "coverage"])
    assert np.isnan(result.loc["a3", "uninsured"])
    assert result.loc["a3", "flag_missing_population"]
    # population kept as the nullable integer it was, NA not turned into 0
    assert result["population"].dtype == "Int64"
    assert pd.isna(result.loc["a3", "population"])


def test_coverage_uses_selected_period_and_schemes(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame
) -> None:
    latest = coverage_by_area(areas, insured).set_index("area_id")
    assert latest.loc["a2", "insured"] == 970.0
    assert latest.loc["a5", "coverage"] == pytest.approx(0.5)
    assert np.isnan(latest.loc["a4", "insured"])  # no February row for a4

    health = coverage_by_area(areas, insured, period=FEB, schemes=["health"]).set_index("area_id")
    assert health.loc["a2", "insured"] == 950.0
    assert health.loc["a2", "coverage"] == pytest.approx(0.95)


def test_coverage_target_series_by_area_id(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    target = pd.Series({"a2": 1.0, "a1": 0.6, "zz": 0.5})
    result = coverage_by_area(areas, insured, period=JAN, target=target).set_index("area_id")
    assert result.loc["a1", "target"] == 0.6
    assert result.loc["a1", "people_to_target"] == 10.0
    assert result.loc["a2", "people_to_target"] == 100.0
    assert np.isnan(result.loc["a4", "target"])
    assert np.isnan(result.loc["a4", "people_to_target"])


@pytest.mark.parametrize("target", [1.5, -0.1, pd.Series({"a1": 2.0})])
def test_coverage_target_out_of_range(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame, target: object
) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        coverage_by_area(areas, insured, target=target)


@pytest.mark.parametrize("column", ["area_id", "population"])
def test_coverage_missing_area_column(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame, column: str
) -> None:
    with pytest.raises(ValueError, match=rf"areas is missing required column.*{column}"):
        coverage_by_area(areas.drop(columns=column), insured)


def test_coverage_duplicate_area_id(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    doubled = pd.concat([areas, areas.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"duplicated area_id.*a1"):
        coverage_by_area(doubled, insured)


def test_coverage_unknown_period(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="not among the available periods"):
        coverage_by_area(areas, insured, period="2023-12-01")


def test_coverage_with_no_insured_rows(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    result = coverage_by_area(areas, insured.iloc[0:0])
    assert result["insured"].isna().all()
    assert result["coverage"].isna().all()
    assert set(result["data_status"]) == {"no_population", "no_insured"}


def test_insured_above_population_flagged(random_case: tuple) -> None:
    areas, insured = random_case
    result = coverage_by_area(areas, insured, period=JAN)
    population = result["population"].astype("float64")
    above = (result["insured"] > population).to_numpy()
    assert above.any()  # the random case does contain over-counts
    assert_series_equal(
        result["flag_insured_above_population"],
        pd.Series(above, index=result.index, name="flag_insured_above_population"),
    )
    # More insured than residents: flagged, kept as counted, and left out of every rate.
    assert result.loc[above, "insured"].notna().all()
    assert result.loc[above, ["coverage", "uninsured", "people_to_target"]].isna().all().all()
    assert not counted_in_coverage(result)[above].any()


# --------------------------------------------------------------------------------------------------
# aggregation invariants
# --------------------------------------------------------------------------------------------------


def test_region_coverage_is_population_weighted(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame
) -> None:
    area_cov = coverage_by_area(areas, insured, period=JAN)
    region = aggregate_coverage(area_cov, by=None)
    assert len(region) == 1
    row = region.iloc[0]
    assert row["coverage"] == pytest.approx(1050 / 1500)
    mean_of_rates = area_cov["coverage"].mean()
    assert mean_of_rates == pytest.approx(0.55)
    assert not math.isclose(row["coverage"], mean_of_rates, rel_tol=1e-3)
    # population counts every known population (a5's too) and insured every known count (a3's)
    assert row["population"] == 1750.0
    assert row["insured"] == 1335.0
    assert row["n_areas"] == 7
    assert row["n_with_data"] == 3
    assert row["n_flagged"] == 4
    assert row["uninsured"] == 450.0


def test_aggregate_by_district_values(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    area_cov = coverage_by_area(areas, insured, period=JAN)
    result = aggregate_coverage(area_cov, by="district_id")
    expected = pd.DataFrame(
        {
            "district_id": pd.Series(["d1", "d2", np.nan], dtype="str"),
            "n_areas": pd.Series([3, 3, 1], dtype="int64"),
            "n_with_data": pd.Series([2, 0, 1], dtype="int64"),
            "population": [1100.0, 250.0, 400.0],
            "insured": [980.0, 255.0, 100.0],
            "coverage": [950 / 1100, np.nan, 0.25],
            "uninsured": [150.0, np.nan, 300.0],
            "people_to_target": [150.0, np.nan, 300.0],
            "n_flagged": pd.Series([1, 3, 0], dtype="int64"),
        }
    )
    assert_frame_equal(result, expected, check_dtype=False, check_column_type=False)
    assert result["n_areas"].dtype == "int64"
    assert pd.isna(result["district_id"].iloc[-1])  # missing key kept as its own group


@pytest.mark.parametrize("by", ["district_id", "partner_id", ["district_id", "partner_id"]])
@pytest.mark.parametrize("period", [JAN, FEB])
@pytest.mark.parametrize("schemes", [None, "health"])
def test_groups_sum_to_region(
    random_case: tuple, by: str | list[str], period: pd.Timestamp, schemes: str | None
) -> None:
    areas, insured = random_case
    area_cov = coverage_by_area(areas, insured, period=period, schemes=schemes, target=0.9)
    groups = aggregate_coverage(area_cov, by=by)
    region = aggregate_coverage(area_cov, by=None).iloc[0]
    summed = ("n_areas", "n_with_data", "population", "insured", "uninsured", "people_to_target")
    for column in (*summed, "n_flagged"):
        assert groups[column].sum() == pytest.approx(region[column]), column
    # region and group coverage are Σinsured / Σpopulation over the areas with data
    with_data = counted_in_coverage(area_cov)
    ratio = area_cov.loc[with_data, "insured"].sum() / area_cov.loc[with_data, "population"].sum()
    assert region["coverage"] == pytest.approx(ratio)


def test_group_coverage_equals_ratio_of_group_sums(random_case: tuple) -> None:
    areas, insured = random_case
    area_cov = coverage_by_area(areas, insured, period=JAN)
    groups = aggregate_coverage(area_cov, by="district_id").set_index("district_id")
    usable = area_cov[counted_in_coverage(area_cov)]
    for key, members in usable.groupby("district_id", dropna=False):
        population = members["population"].astype("float64").sum()
        expected = members["insured"].sum() / population
        assert groups.loc[key, "coverage"] == pytest.approx(expected)


def test_aggregate_with_geometry(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    area_cov = coverage_by_area(areas, insured, period=JAN)
    result = aggregate_coverage(area_cov, by="district_id", with_geometry=True)
    assert isinstance(result, gpd.GeoDataFrame)
    assert result.crs == areas.crs
    plain = aggregate_coverage(area_cov, by="district_id")
    assert_frame_equal(pd.DataFrame(result.drop(columns="geometry")), plain)
    expected_shapes = gpd.GeoSeries(
        [box(0, 0, 3, 1), shapely.union_all([box(3, 0, 5, 1), box(6, 0, 7, 1)]), box(5, 0, 6, 1)],
        crs=areas.crs,
    )
    assert result.geometry.normalize().geom_equals(expected_shapes.normalize()).all()

    whole = aggregate_coverage(area_cov, by=None, with_geometry=True)
    assert whole.geometry.iloc[0].normalize().equals(box(0, 0, 7, 1).normalize())


def test_aggregate_with_geometry_needs_geodataframe(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame
) -> None:
    area_cov = pd.DataFrame(coverage_by_area(areas, insured).drop(columns="geometry"))
    with pytest.raises(ValueError, match="needs a GeoDataFrame"):
        aggregate_coverage(area_cov, by="district_id", with_geometry=True)


def test_aggregate_missing_group_column(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    area_cov = coverage_by_area(areas, insured)
    with pytest.raises(ValueError, match=r"missing required column.*commune_id"):
        aggregate_coverage(area_cov, by="commune_id")


# --------------------------------------------------------------------------------------------------
# over time, targets, headline figures
# --------------------------------------------------------------------------------------------------


def test_coverage_over_time_region(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    result = coverage_over_time(areas, insured)
    expected = pd.DataFrame(
        {
            "period": [JAN, FEB],
            "population": [1500.0, 1150.0],
            "insured": [1050.0, 1055.0],
            "coverage": [1050 / 1500, 1055 / 1150],
            "n_with_data": [3, 3],
        }
    )
    assert_frame_equal(result, expected, check_dtype=False)
    assert result["n_with_data"].dtype == "int64"


def test_coverage_over_time_scheme_filter(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    result = coverage_over_time(areas, insured, schemes="voluntary")
    assert result["period"].tolist() == [JAN, FEB]
    # January voluntary: a1 = 10 (a6's value is missing); February: a2 = 20
    assert result["insured"].tolist() == [10.0, 20.0]
    assert result["population"].tolist() == [100.0, 1000.0]
    assert result["n_with_data"].tolist() == [1, 1]


@pytest.mark.parametrize("by", [None, "district_id", "partner_id"])
@pytest.mark.parametrize("schemes", [None, ["health"]])
def test_coverage_over_time_matches_aggregate_per_period(
    random_case: tuple, by: str | None, schemes: list[str] | None
) -> None:
    areas, insured = random_case
    series = coverage_over_time(areas, insured, by=by, schemes=schemes)
    n_groups = 1 if by is None else areas[by].nunique(dropna=False)
    assert len(series) == 2 * n_groups  # every period x every group
    for period in (JAN, FEB):
        area_cov = coverage_by_area(areas, insured, period=period, schemes=schemes)
        aggregated = aggregate_coverage(area_cov, by=by)
        rows = series[series["period"] == period].reset_index(drop=True)
        assert_series_equal(rows["coverage"], aggregated["coverage"], check_names=False)
        assert_series_equal(rows["n_with_data"], aggregated["n_with_data"], check_names=False)


def test_coverage_over_time_empty(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    result = coverage_over_time(areas, insured.iloc[0:0], by="district_id")
    assert result.empty
    assert list(result.columns) == [
        "period",
        "district_id",
        "population",
        "insured",
        "coverage",
        "n_with_data",
    ]


def test_target_series(targets: pd.DataFrame) -> None:
    result = target_series(targets)
    expected = pd.DataFrame({"period": [JAN, FEB, MAR], "target_coverage": [0.8, 0.85, 0.9]})
    assert_frame_equal(result, expected, check_dtype=False)
    assert target_series(targets, scope="d1")["target_coverage"].tolist() == [0.7]


def test_target_series_unknown_scope_is_empty(targets: pd.DataFrame) -> None:
    result = target_series(targets, scope="p9")
    assert result.empty
    assert list(result.columns) == ["period", "target_coverage"]


def test_headline_figures(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    figures = headline_figures(coverage_by_area(areas, insured, period=JAN))
    assert figures == {
        "population": 1750.0,
        "insured": 1335.0,
        "coverage": pytest.approx(1050 / 1500),
        "uninsured": 450.0,
        "gap_to_full": 450.0,
        "n_areas": 7,
        "n_no_data": 4,
    }


def test_headline_figures_match_region_aggregate(random_case: tuple) -> None:
    areas, insured = random_case
    area_cov = coverage_by_area(areas, insured, period=FEB, target=1.0)
    figures = headline_figures(area_cov)
    region = aggregate_coverage(area_cov, by=None).iloc[0]
    assert figures["coverage"] == pytest.approx(region["coverage"])
    assert figures["population"] == pytest.approx(region["population"])
    # with a 100 % target, people to target are the people still to insure
    assert figures["gap_to_full"] == pytest.approx(region["people_to_target"])
    assert figures["n_no_data"] == region["n_areas"] - region["n_with_data"]


# --------------------------------------------------------------------------------------------------
# the insured index: recounts after a filter give what the table gives
# --------------------------------------------------------------------------------------------------

APR = pd.Timestamp("2024-04-01")
SCHEMES = ("health", "voluntary", "household")


def _index_case(seed: int, n: int = 80) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Random areas and a messy insured table: every case the index must reproduce.

    Missing counts (one of several schemes, or all of them), areas with no insured row, rows
    for areas the areas table does not know, repeated rows for one area, month and scheme, a
    missing scheme, a missing area_id or period, months with few rows, rows out of order.
    """
    rng = np.random.default_rng(seed)
    areas, _ = _random_case(seed, n)
    known = areas["area_id"].to_numpy()[rng.random(n) > 0.15]  # the others have no row at all
    ids = np.concatenate([known, np.array(["zz1", "zz2"], dtype=object)])  # unknown areas too
    m = 6 * n
    counts = rng.integers(0, 3_000, m).astype("float64")
    counts[rng.random(m) < 0.12] = np.nan
    scheme = rng.choice(np.array([*SCHEMES, None], dtype=object), m, p=[0.4, 0.3, 0.2, 0.1])
    area_id = rng.choice(ids, m).astype(object)
    area_id[rng.random(m) < 0.02] = None
    period = rng.choice(
        np.array([JAN, FEB, MAR, APR], dtype="datetime64[ns]"), m, p=[0.4, 0.35, 0.2, 0.05]
    )
    period[rng.random(m) < 0.02] = np.datetime64("NaT")
    insured = pd.DataFrame(
        {
            "area_id": area_id,
            "period": period,
            "insured": pd.array(counts, dtype="Int64"),
            "scheme": scheme,
        }
    )
    # one area whose every count in January is missing, in every scheme
    allna = pd.DataFrame(
        {
            "area_id": [known[0]] * 3,
            "period": [JAN] * 3,
            "insured": pd.array([None] * 3, dtype="Int64"),
            "scheme": list(SCHEMES),
        }
    )
    insured = insured[insured["area_id"].ne(known[0]) | insured["period"].ne(JAN)]
    return areas, pd.concat([insured, allna], ignore_index=True).sample(frac=1, random_state=seed)


FILTERS = [
    (None, None),
    (JAN, None),
    (FEB, ["health", "voluntary"]),
    (MAR, "household"),
    (APR, ["health"]),
    ("2024-01-01", ("voluntary",)),
    (FEB, ["absent"]),  # a scheme the table does not have
    (JAN, []),  # no scheme at all
    (MAR, ["health", "absent", "household"]),
]


def _subsets(areas: gpd.GeoDataFrame, seed: int) -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed + 100)
    return {
        "all": areas,
        "some": areas[rng.random(len(areas)) < 0.4],
        "shuffled": areas.sample(frac=1, random_state=seed),
        "empty": areas.iloc[0:0],
    }


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "sparse"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_index_recount_equals_table_recount(seed: int, dense: bool) -> None:
    areas, insured = _index_case(seed)
    index = build_insured_index(insured, dense=dense)
    assert (index.dense is not None) is dense
    target = pd.Series(
        np.random.default_rng(seed).uniform(0.5, 1, len(areas)), index=areas["area_id"]
    )
    goals = (1.0, 0.85, target)
    for name, subset in _subsets(areas, seed).items():
        for k, (period, schemes) in enumerate(FILTERS):
            goal = goals[k % len(goals)]
            expected = coverage_by_area(
                subset, insured, period=period, schemes=schemes, target=goal
            )
            got = coverage_by_area(subset, index, period=period, schemes=schemes, target=goal)
            try:
                assert_geodataframe_equal(got, expected)
            except AssertionError as exc:
                raise AssertionError(f"{name} areas, {period}, {schemes}: {exc}") from exc


def test_index_case_covers_the_edge_cases() -> None:
    """The random cases above hold what they claim to hold."""
    areas, insured = _index_case(0)
    jan = coverage_by_area(areas, insured, period=JAN)
    assert jan["insured"].isna().any() and jan["insured"].notna().any()
    assert not set(areas["area_id"]) <= set(insured["area_id"].dropna())  # areas with no row
    assert not set(insured["area_id"].dropna()) <= set(areas["area_id"])  # rows of unknown areas
    assert insured["scheme"].isna().any() and insured["insured"].isna().any()
    assert insured.duplicated(["area_id", "period", "scheme"]).any()
    assert set(jan["data_status"]) == set(coverage.DATA_STATUSES)


@pytest.mark.parametrize("seed", [0, 1])
def test_lookup_insured_equals_insured_by_area(seed: int) -> None:
    _, insured = _index_case(seed)
    index = build_insured_index(insured)
    ids = pd.Series(["zz1", "nowhere", *insured["area_id"].dropna().unique()[:20], "zz1"])
    for period, schemes in FILTERS:
        expected = insured_by_area(insured, period=period, schemes=schemes)["insured"]
        got = lookup_insured(index, ids, period=period, schemes=schemes)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, ids.map(expected).to_numpy(dtype="float64"))
    assert lookup_insured(index, [], period=JAN).shape == (0,)


def test_index_of_the_fixture_table(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    index = build_insured_index(insured)
    assert index.periods == (JAN, FEB)
    assert sorted(index.schemes) == ["health", "voluntary"]
    assert index.n_rows == len(insured)
    assert_geodataframe_equal(coverage_by_area(areas, index), coverage_by_area(areas, insured))
    got = coverage_by_area(areas, index, period=JAN)
    # a6: 100 + <NA> -> 100; a5 has no January row; a3 has no population
    assert got.set_index("area_id")["insured"].to_dict() == pytest.approx(
        {"a1": 50, "a2": 900, "a3": 30, "a4": 250, "a5": np.nan, "a6": 100, "a7": 5}, nan_ok=True
    )


def test_index_period_not_present(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    index = build_insured_index(insured)
    for period in ("2023-12-01", MAR):
        with pytest.raises(ValueError) as from_table:
            coverage_by_area(areas, insured, period=period)
        with pytest.raises(ValueError) as from_index:
            coverage_by_area(areas, index, period=period)
        assert str(from_index.value) == str(from_table.value)
        assert "not among the available periods" in str(from_index.value)
    with pytest.raises(ValueError, match="is not a date"):
        lookup_insured(index, ["a1"], period="not a month")


def test_index_without_scheme_column(areas: gpd.GeoDataFrame, insured: pd.DataFrame) -> None:
    table = insured.drop(columns="scheme")
    index = build_insured_index(table)
    assert index.schemes is None and index.n_slots == 1
    for period in (None, JAN, FEB):
        assert_geodataframe_equal(
            coverage_by_area(areas, index, period=period),
            coverage_by_area(areas, table, period=period),
        )
    with pytest.raises(ValueError) as from_table:
        coverage_by_area(areas, table, schemes="health")
    with pytest.raises(ValueError) as from_index:
        coverage_by_area(areas, index, schemes="health")
    assert str(from_index.value) == str(from_table.value)
    assert "no 'scheme' column" in str(from_index.value)


@pytest.mark.parametrize("schemes", [None, ["health"]])
def test_index_of_an_empty_table(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame, schemes: list[str] | None
) -> None:
    for table in (insured.iloc[0:0], insured.iloc[0:0].drop(columns="scheme")):
        index = build_insured_index(table)
        assert index.periods == () and index.n_rows == 0
        if schemes is not None and "scheme" not in table:
            continue  # the table path ignores schemes when there is no period at all: so does this
        assert_geodataframe_equal(
            coverage_by_area(areas, index, schemes=schemes),
            coverage_by_area(areas, table, schemes=schemes),
        )
        with pytest.raises(ValueError, match="not among the available periods"):
            coverage_by_area(areas, index, period=JAN)


def test_index_only_missing_periods_or_areas(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame
) -> None:
    table = insured.assign(period=pd.NaT)
    index = build_insured_index(table)
    assert_geodataframe_equal(coverage_by_area(areas, index), coverage_by_area(areas, table))
    table = insured.assign(area_id=None)
    index = build_insured_index(table)
    assert len(index.area_ids) == 0
    for period in (JAN, FEB):
        assert_geodataframe_equal(
            coverage_by_area(areas, index, period=period),
            coverage_by_area(areas, table, period=period),
        )


@pytest.mark.parametrize(
    "values",
    [
        pd.array([1, 2, 3, 4], dtype="Int64"),
        np.array([1, 2, 3, 4], dtype="int64"),
        np.array([1.0, np.nan, 3.0, 4.0]),
        pd.array([1, None, 3, None], dtype="Int32"),
    ],
    ids=["Int64", "int64", "float", "Int32"],
)
def test_index_count_dtypes_and_id_dtypes(values: object) -> None:
    areas = gpd.GeoDataFrame(
        {"area_id": ["a", "b", "c"], "population": pd.array([10, 0, 5], dtype="Int64")},
        geometry=[box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:4326",
    )
    for ids in (["a", "a", "b", "x"], pd.array(["a", "a", "b", "x"], dtype="string")):
        table = pd.DataFrame(
            {
                "area_id": ids,
                "period": ["2024-01-01", "2024-01-01", "2024-01-01", "2024-02-01"],
                "insured": values,
                "scheme": pd.Categorical(["h", "v", "h", "h"]),
            }
        )
        index = build_insured_index(table)
        for period, schemes in (("2024-01-01", None), (JAN, "v"), (FEB, ["h"])):
            assert_geodataframe_equal(
                coverage_by_area(areas, index, period=period, schemes=schemes),
                coverage_by_area(areas, table, period=period, schemes=schemes),
            )


def test_sparse_layout_chosen_for_a_sparse_table() -> None:
    """Many months with one row each: the dense array would be mostly empty."""
    n_areas, n_months = 2_000, 600
    months = pd.date_range("1980-01-01", periods=n_months, freq="MS")
    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        {
            "area_id": [f"s{i:04d}" for i in range(n_areas)],
            "period": months[rng.integers(0, n_months, n_areas)],
            "insured": pd.array(rng.integers(0, 100, n_areas), dtype="Int64"),
        }
    )
    index = build_insured_index(table)
    assert index.dense is None and len(index.cell_keys) == n_areas
    assert index.nbytes < n_areas * n_months * 8 / 10
    areas = pd.DataFrame(
        {"area_id": table["area_id"], "population": pd.array([100] * n_areas, dtype="Int64")}
    )
    for period in (None, *table["period"].iloc[:3]):
        pd.testing.assert_frame_equal(
            coverage_by_area(areas, index, period=period),
            coverage_by_area(areas, table, period=period),
        )


def test_index_is_read_only_and_keeps_no_table(insured: pd.DataFrame) -> None:
    dense, sparse = build_insured_index(insured), build_insured_index(insured, dense=False)
    assert isinstance(dense, InsuredIndex) and dense.dense is not None and sparse.dense is None
    for index in (dense, sparse):
        for array in (index.dense, index.cell_keys, index.cell_values):
            if array is not None:
                assert not array.flags.writeable
        assert index.nbytes > 0
        with pytest.raises(AttributeError):
            index.n_rows = 0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# inputs are never modified
# --------------------------------------------------------------------------------------------------

CALLS: dict[str, Callable[[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame], object]] = {
    "available_periods": lambda a, i, t: available_periods(i),
    "insured_by_area": lambda a, i, t: insured_by_area(i, JAN, schemes=["health"]),
    "coverage_by_area": lambda a, i, t: coverage_by_area(
        a, i, target=pd.Series({"a1": 0.5, "a2": 0.9})
    ),
    "aggregate_coverage": lambda a, i, t: aggregate_coverage(
        coverage_by_area(a, i), by="district_id", with_geometry=True
    ),
    "coverage_over_time": lambda a, i, t: coverage_over_time(a, i, by="partner_id"),
    "build_insured_index": lambda a, i, t: build_insured_index(i),
    "coverage_by_area (index)": lambda a, i, t: coverage_by_area(
        a, build_insured_index(i), period=JAN, schemes=["health"]
    ),
    "target_series": lambda a, i, t: target_series(t),
    "headline_figures": lambda a, i, t: headline_figures(coverage_by_area(a, i)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inputs_unchanged(
    name: str, areas: gpd.GeoDataFrame, insured: pd.DataFrame, targets: pd.DataFrame
) -> None:
    before = copy.deepcopy((areas, insured, targets))
    CALLS[name](areas, insured, targets)
    assert_geodataframe_equal(areas, before[0])
    assert_frame_equal(insured, before[1])
    assert_frame_equal(targets, before[2])


def test_aggregate_leaves_area_cov_unchanged(
    areas: gpd.GeoDataFrame, insured: pd.DataFrame
) -> None:
    area_cov = coverage_by_area(areas, insured, period=JAN)
    before = area_cov.copy(deep=True)
    aggregate_coverage(area_cov, by=["district_id", "partner_id"], with_geometry=True)
    headline_figures(area_cov)
    assert_geodataframe_equal(area_cov, before)


def test_data_statuses_cover_every_status() -> None:
    assert set(coverage.DATA_STATUSES) == {
        "ok",
        "no_population",
        "no_insured",
        "insured_above_population",
    }
