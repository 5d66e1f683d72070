"""analytics.outreach: desk plans equal brute force over every day-by-day plan, greedy stays
within its bound, model villages follow their rule and quota, work lists hold aggregates only,
and no function modifies its inputs."""

from __future__ import annotations

import io
from itertools import combinations, product

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from geopandas.testing import assert_geodataframe_equal
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal
from shapely.geometry import Point, box

from analytics import distance, outreach, siting
from analytics.sessions import (
    enrolled_by_area_month,
    enrolled_by_month,
    sessions_by_area,
    sessions_with_areas,
)
from analytics.villages import model_villages
from analytics.worklist import WORK_LIST_COLUMNS, work_list

UTM = "EPSG:32639"  # Tehran's UTM zone: metres


# --------------------------------------------------------------------------------------------------
# brute force over the model as stated: x[j, d] in {0, 1}, at most N desks a day
# --------------------------------------------------------------------------------------------------


def day_choices(n_sites: int, desks_per_day: int) -> list[tuple[int, ...]]:
    """Every set of neighbourhoods one day can hold (0 to N desks, one per neighbourhood)."""
    return [c for r in range(desks_per_day + 1) for c in combinations(range(n_sites), r)]


def brute_force(cover: sp.spmatrix, weights: np.ndarray, desks_per_day: int, days: int) -> float:
    """The best reached weight over every day-by-day plan (each day: any set of at most N
    neighbourhoods; a neighbourhood reached on any day counts once)."""
    dense = sp.csr_matrix(cover).toarray().astype(bool)
    w = np.nan_to_num(np.asarray(weights, dtype=float))
    per_day = day_choices(dense.shape[1], desks_per_day)
    best = 0.0
    for week in product(per_day, repeat=days):
        used = sorted({j for day in week for j in day})
        if used:
            best = max(best, float(w[dense[:, used].any(axis=1)].sum()))
    return best


def random_instance(seed: int, n_demand: int = 9, n_sites: int = 6, density: float = 0.3):
    rng = np.random.default_rng(seed)
    cover = rng.random((n_demand, n_sites)) < density
    cover[np.arange(min(n_demand, n_sites)), np.arange(min(n_demand, n_sites))] = True
    weights = rng.integers(0, 1000, n_demand).astype(float)
    return sp.csr_matrix(cover), weights


def assert_valid_schedule(day: np.ndarray, desk: np.ndarray, sites: np.ndarray, n: int, d: int):
    assert len(day) == len(desk) == len(sites)
    assert ((day >= 1) & (day <= d)).all() and ((desk >= 1) & (desk <= n)).all()
    # at most N desks a day, each desk number once a day
    assert np.bincount(np.asarray(day, dtype=int), minlength=1).max() <= n
    assert not pd.DataFrame({"day": day, "desk": desk}).duplicated().any()
    # at most one desk per neighbourhood per day (and here: per week)
    assert not pd.DataFrame({"day": day, "site": sites}).duplicated().any()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("desks_per_day", "days"), [(1, 2), (1, 3), (2, 2), (3, 1)])
def test_desk_plan_equals_brute_force(seed, desks_per_day, days):
    cover, weights = random_instance(seed)
    best = brute_force(cover, weights, desks_per_day, days)

    result, day, desk = outreach.desk_plan_from_matrix(
        cover, weights, desks_per_day, days, method="exact"
    )
    assert result.method == "exact" and result.optimal
    assert result.covered_after == pytest.approx(best)
    assert result.upper_bound == pytest.approx(best)
    assert siting.covered_weight(cover, weights, result.chosen) == pytest.approx(best)
    assert_valid_schedule(day, desk, result.chosen, desks_per_day, days)
    # the best places first: day 1 reaches the most
    assert list(result.gains) == sorted(result.gains, reverse=True)

    # the literal model (one binary per neighbourhood and day) agrees
    value, x = outreach.solve_time_expanded(cover, weights, desks_per_day, days)
    assert value == pytest.approx(best)
    assert (x.sum(axis=0) <= desks_per_day).all()


@pytest.mark.parametrize("seed", range(10))
def test_greedy_stays_within_its_bound(seed):
    cover, weights = random_instance(seed, n_demand=40, n_sites=25, density=0.12)
    exact, _, _ = outreach.desk_plan_from_matrix(cover, weights, 2, 3, method="exact")
    greedy, day, desk = outreach.desk_plan_from_matrix(cover, weights, 2, 3, method="greedy")
    assert greedy.method == "greedy"
    assert greedy.covered_after <= exact.covered_after + 1e-9
    assert greedy.covered_after >= siting.GREEDY_RATIO * exact.covered_after - 1e-9
    assert greedy.upper_bound >= exact.covered_after - 1e-9  # the bound really bounds
    assert_valid_schedule(day, desk, greedy.chosen, 2, 3)


def test_budget_and_method_are_checked():
    cover, weights = random_instance(0)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="whole number"):
            outreach.desk_plan_from_matrix(cover, weights, bad, 3)
    with pytest.raises(ValueError, match="method"):
        outreach.desk_plan_from_matrix(cover, weights, 1, 1, method="fast")


# --------------------------------------------------------------------------------------------------
# from frames: a grid of neighbourhoods
# --------------------------------------------------------------------------------------------------


def grid_areas(seed: int = 0, nx: int = 4, ny: int = 3, size: float = 400.0) -> gpd.GeoDataFrame:
    """``nx × ny`` square neighbourhoods in EPSG:4326 (built in UTM), two partners and two
    districts, uninsured counts drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    x0, y0 = 530_000.0, 3_950_000.0
    cells = [
        box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
        for j in range(ny)
        for i in range(nx)
    ]
    n = len(cells)
    frame = gpd.GeoDataFrame(
        {
            "area_id": [f"A{k:02d}" for k in range(n)],
            "name": [f"Area {k}" for k in range(n)],
            "district_id": ["D1" if k % nx < nx // 2 else "D2" for k in range(n)],
            "partner_id": ["P1" if k % 3 else "P2" for k in range(n)],
            "population": rng.integers(2_000, 9_000, n),
            "households": rng.integers(500, 2_500, n),
        },
        geometry=cells,
        crs=UTM,
    ).to_crs(4326)
    insured = np.floor(frame["population"] * rng.uniform(0.5, 0.95, n))
    frame["insured"] = insured
    frame["uninsured"] = frame["population"] - insured
    frame["coverage"] = insured / frame["population"]
    frame["deprivation"] = np.round(rng.uniform(0, 1, n), 3)
    frame["underserved"] = rng.random(n) < 0.5
    return frame


def frame_cover(areas: gpd.GeoDataFrame, radius_m: float) -> sp.csr_matrix:
    metric = areas.estimate_utm_crs()
    pts = distance.project_points(areas, metric)
    return outreach.walking_matrix(pts, pts, radius_m)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("radius_m", [300.0, 600.0])
def test_plan_from_frames_equals_brute_force(seed, radius_m):
    areas = grid_areas(seed, nx=3, ny=3)
    plan = outreach.plan_desks(areas, 1, 3, radius_m)
    best = brute_force(frame_cover(areas, radius_m), areas["uninsured"].to_numpy(), 1, 3)
    assert plan.optimal and plan.method == "exact"
    assert plan.in_range == pytest.approx(best)
    assert plan.total == pytest.approx(areas["uninsured"].sum())
    table = plan.plan
    assert list(table.columns) == list(outreach.PLAN_COLUMNS)
    assert_valid_schedule(
        table["day"].to_numpy(), table["desk"].to_numpy(), table["area_id"].to_numpy(), 1, 3
    )
    assert table["cumulative_enrolled"].to_numpy() == pytest.approx(np.cumsum(table["enrolled"]))
    assert table["in_range_new"].sum() == pytest.approx(plan.in_range)
    # every neighbourhood reached is within the radius of the desk that reached it first
    reach = plan.reach.dropna(subset=["reached_day"])
    assert table["areas_new"].sum() == len(reach)
    assert reach["weight"].sum() == pytest.approx(plan.in_range)
    metric = areas.estimate_utm_crs()
    where = areas.set_index("area_id").representative_point().to_crs(metric)
    gap = where.loc[reach["area_id"]].distance(where.loc[reach["reached_from"]], align=False)
    assert (gap.to_numpy() <= radius_m + 1e-6).all()


def test_one_desk_per_neighbourhood_per_day_even_with_spare_desks():
    areas = grid_areas(1, nx=2, ny=2)
    plan = outreach.plan_desks(areas, 3, 4, 250.0)  # 12 desk-days for 4 neighbourhoods
    assert plan.desk_days == 12 and plan.desk_days_used <= 4
    assert not plan.plan.duplicated(["day", "area_id"]).any()
    assert plan.plan["area_id"].is_unique
    assert plan.in_range == pytest.approx(plan.total)


@pytest.mark.parametrize("seed", range(3))
def test_partner_restriction_limits_desks_and_counted_people(seed):
    areas = grid_areas(seed)
    plan = outreach.plan_desks(areas, 1, 2, 600.0, partner_id="P2")
    own = areas[areas["partner_id"] == "P2"]
    assert set(plan.plan["area_id"]) <= set(own["area_id"])
    assert set(plan.plan["partner_id"]) <= {"P2"}
    assert set(plan.reach["area_id"]) == set(own["area_id"])
    assert plan.total == pytest.approx(own["uninsured"].sum())
    # the same optimum as planning the partner's areas alone
    alone = outreach.plan_desks(own, 1, 2, 600.0)
    assert plan.in_range == pytest.approx(alone.in_range)
    best = brute_force(frame_cover(own, 600.0), own["uninsured"].to_numpy(), 1, 2)
    assert plan.in_range == pytest.approx(best)
    # an unknown partner has nothing to plan
    empty = outreach.plan_desks(areas, 1, 2, 600.0, partner_id="nobody")
    assert empty.plan.empty and empty.in_range == 0 and empty.total == 0


def test_population_weight_and_missing_values():
    areas = grid_areas(2)
    areas.loc[[0, 5], "uninsured"] = np.nan
    plan = outreach.plan_desks(areas, 2, 2, 500.0)
    assert plan.n_no_weight == 2
    assert plan.total == pytest.approx(areas["uninsured"].sum())
    by_people = outreach.plan_desks(areas, 2, 2, 500.0, weight="population")
    assert by_people.weight == "population"
    assert by_people.total == pytest.approx(areas["population"].sum())


def test_crs_rules():
    areas = grid_areas(0)
    with pytest.raises(ValueError, match="projected CRS in metres"):
        outreach.plan_desks(areas, 1, 1, 500.0, crs="EPSG:4326")
    with pytest.raises(ValueError, match="no CRS"):
        outreach.plan_desks(areas.set_crs(None, allow_override=True), 1, 1, 500.0)
    # measured in the local UTM zone: same plan from the projected frame
    projected = outreach.plan_desks(areas.to_crs(UTM), 2, 2, 500.0)
    assert projected.in_range == pytest.approx(outreach.plan_desks(areas, 2, 2, 500.0).in_range)
    with pytest.raises(ValueError, match="radius_m"):
        outreach.plan_desks(areas, 1, 1, 0)
    with pytest.raises(ValueError, match="no column"):
        outreach.plan_desks(areas.drop(columns="uninsured"), 1, 1, 500.0)


# --------------------------------------------------------------------------------------------------
# model villages
# --------------------------------------------------------------------------------------------------


def many_areas(seed: int = 3, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    population = rng.integers(500, 10_000, n).astype(float)
    coverage = rng.uniform(0.4, 0.98, n)
    frame = pd.DataFrame(
        {
            "area_id": [f"V{k:03d}" for k in range(n)],
            "district_id": rng.choice(["D1", "D2", "D3", "D4"], n, p=[0.4, 0.3, 0.25, 0.05]),
            "population": population,
            "coverage": coverage,
            "uninsured": np.round(population * (1 - coverage)),
            "deprivation": rng.uniform(0, 1, n),
            "underserved": rng.random(n) < 0.5,
        }
    )
    return frame


@pytest.mark.parametrize("quota", [5, 6, 8])
@pytest.mark.parametrize("rule", ["uninsured", "coverage", "population"])
def test_model_villages_follow_rule_and_quota(rule, quota):
    areas = many_areas()
    chosen = model_villages(areas, rule=rule, quota=quota)
    table = chosen.table
    sizes = areas.groupby("district_id").size()
    picked = table.groupby("district_id").size()
    for district, n in sizes.items():
        assert picked.get(district, 0) == min(n, quota)
    assert chosen.short == {d: int(n) for d, n in sizes.items() if n < quota}
    key = {"uninsured": "uninsured", "coverage": "coverage", "population": "population"}[rule]
    ascending = rule == "coverage"
    for district, group in areas.groupby("district_id"):
        expected = group.sort_values(key, ascending=ascending).head(quota)["area_id"]
        got = table.loc[table["district_id"] == district].sort_values("rank")["area_id"]
        assert list(got) == list(expected)
    assert (
        table.groupby("district_id")["rank"].apply(lambda r: list(r) == list(range(1, len(r) + 1)))
    ).all()
    assert str(quota) in chosen.explain()


def test_model_village_score_is_the_stated_formula():
    areas = many_areas(5)
    weights = {"uninsured": 2.0, "gap": 1.0, "deprivation": 1.0}
    chosen = model_villages(areas, rule="score", quota=5, weights=weights)
    assert chosen.weights == pytest.approx({"uninsured": 0.5, "gap": 0.25, "deprivation": 0.25})
    expected = (
        0.5 * areas["uninsured"] / areas["uninsured"].max()
        + 0.25 * (1 - areas["coverage"])
        + 0.25 * areas["deprivation"]
    )
    scores = chosen.table.set_index("area_id")["score"]
    assert scores.to_numpy() == pytest.approx(
        expected.set_axis(areas["area_id"]).loc[scores.index].to_numpy()
    )
    for district, group in areas.assign(score=expected).groupby("district_id"):
        top = group.sort_values("score", ascending=False).head(5)["area_id"]
        assert set(chosen.table.loc[chosen.table["district_id"] == district, "area_id"]) == set(top)
    assert "0.50 × uninsured" in chosen.formula
    # without a deprivation column its term is dropped and the rest renormalised
    plain = model_villages(areas.drop(columns="deprivation"), rule="score")
    assert set(plain.weights) == {"uninsured", "gap"}
    assert sum(plain.weights.values()) == pytest.approx(1.0)


def test_model_villages_never_pick_an_area_without_population():
    """No data is not a rank: a deprivation-only score would otherwise rank the most deprived
    areas first, population or not."""
    areas = many_areas(11)
    most_deprived = areas["deprivation"].nlargest(2).index
    areas.loc[most_deprived[0], "population"] = np.nan
    areas.loc[most_deprived[1], "population"] = 0.0
    chosen = model_villages(areas, rule="score", quota=8, weights={"deprivation": 1.0})
    assert not set(chosen.table["area_id"]) & set(areas.loc[most_deprived, "area_id"])
    assert chosen.n_no_data == 2


def test_model_village_quotas_filters_and_errors():
    areas = many_areas(7)
    areas.loc[[0, 1, 2], "uninsured"] = np.nan
    chosen = model_villages(areas, quota=5, quotas={"D1": 8, "D2": 0})
    counts = chosen.table.groupby("district_id").size()
    assert counts.get("D1") == 8 and "D2" not in counts
    assert chosen.n_no_data == 3
    assert not set(chosen.table["area_id"]) & {"V000", "V001", "V002"}
    under = model_villages(areas, quota=5, only_underserved=True)
    flagged = set(areas.loc[areas["underserved"], "area_id"])
    assert set(under.table["area_id"]) <= flagged
    with pytest.raises(ValueError, match="rule"):
        model_villages(areas, rule="random")
    with pytest.raises(ValueError, match="quota"):
        model_villages(areas, quota=0)
    with pytest.raises(ValueError, match="weight"):
        model_villages(areas, rule="score", weights={"uninsured": 0, "gap": 0})
    with pytest.raises(ValueError, match="no column"):
        model_villages(areas.drop(columns="coverage"), rule="coverage")


# --------------------------------------------------------------------------------------------------
# sessions and work lists
# --------------------------------------------------------------------------------------------------


def sessions_for(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    inside = areas.representative_point()
    return gpd.GeoDataFrame(
        {
            "session_id": ["S1", "S2", "S3", "S4", "S5"],
            "date": pd.to_datetime(
                ["2026-01-05", "2026-01-20", "2026-03-02", "2026-03-09", "2026-04-01"]
            ),
            "enrolled": pd.array([100, 50, 30, 7, 12], dtype="Int64"),
            "area_id": ["A00", "A00", None, "A03", None],
            "kind": ["mobile_desk", "door_to_door", "mobile_desk", "door_to_door", "mobile_desk"],
        },
        geometry=[inside.iloc[0], inside.iloc[0], inside.iloc[4], None, Point(0, 0)],
        crs=areas.crs,
    )


def test_sessions_are_placed_and_summed():
    areas = grid_areas(0)
    raw = sessions_for(areas)
    found = sessions_with_areas(raw, areas)
    assert found["area_id"].tolist() == ["A00", "A00", "A04", "A03", None]
    per_area = sessions_by_area(found).set_index("area_id")
    assert per_area.loc["A00", "sessions"] == 2 and per_area.loc["A00", "enrolled"] == 150
    assert per_area.loc["A00", "last_date"] == pd.Timestamp("2026-01-20")
    assert per_area.loc["A00", "last_enrolled"] == 50
    assert per_area.loc["A00", "last_kind"] == "door_to_door"
    monthly = enrolled_by_area_month(found)
    assert monthly["enrolled"].sum() == 150 + 30 + 7  # the unplaced session has no area
    assert set(monthly["period"]) == {pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-01")}
    overall = enrolled_by_month(found)
    assert overall["enrolled"].sum() == raw["enrolled"].sum()
    assert overall.set_index("date").loc["2026-03-01", "sessions"] == 2


def test_sessions_are_summed_by_the_workspace_reporting_month():
    # 25 September and 20 October 2026 are both in Mehr 1405 (from 23 September); 24 October is
    # in Aban (from 23 October). In a Gregorian workspace they are September and October.
    sessions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-09-25", "2026-10-20", "2026-10-24"]),
            "enrolled": pd.array([10, 20, 4], dtype="Int64"),
            "area_id": ["A00", "A00", "A00"],
        }
    )
    mehr, aban = pd.Timestamp("2026-09-23"), pd.Timestamp("2026-10-23")
    solar = enrolled_by_month(sessions, "solar_hijri").set_index("date")
    assert solar["enrolled"].to_dict() == {mehr: 30, aban: 4}
    assert solar.loc[mehr, "sessions"] == 2
    per_area = enrolled_by_area_month(sessions, "solar_hijri")
    assert per_area[["period", "enrolled"]].values.tolist() == [[mehr, 30], [aban, 4]]
    gregorian = enrolled_by_month(sessions, "gregorian").set_index("date")
    assert gregorian["enrolled"].to_dict() == {
        pd.Timestamp("2026-09-01"): 10,
        pd.Timestamp("2026-10-01"): 24,
    }


def facilities_for(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    corner = areas.geometry.iloc[0].centroid
    far = areas.geometry.iloc[-1].centroid
    return gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3"],
            "name": ["Clinic <b>one</b>", "Insurance office", "Pharmacy"],
            "type": ["clinic", "insurance_office", "pharmacy"],
        },
        geometry=[corner, far, corner],
        crs=areas.crs,
    )


PERSON_LEVEL = {"national_id", "person_name", "household_head", "phone", "birth_date", "lat"}


def test_work_list_holds_per_area_aggregates_only():
    areas = grid_areas(4)
    # columns a careless import might carry: they must never reach a work list
    areas["national_id"] = "0012345678"
    areas["household_head"] = "someone"
    partners = pd.DataFrame(
        {"partner_id": ["P1", "P2"], "name": ["Relief", "Crescent"], "contact": ["a@x", "b@x"]}
    )
    facilities = facilities_for(areas)
    found = sessions_with_areas(sessions_for(areas), areas)
    plan = outreach.plan_desks(areas, 1, 3, 500.0)
    chosen = model_villages(areas, quota=2)
    listed = work_list(
        areas,
        coverage=areas[["area_id", "insured", "uninsured", "coverage"]],
        partners=partners,
        facilities=facilities,
        sessions=found,
        plan=plan,
        villages=chosen,
    )
    assert list(listed.columns) == list(WORK_LIST_COLUMNS)
    assert not PERSON_LEVEL & set(listed.columns)
    assert listed["area_id"].is_unique and len(listed) == len(areas)
    assert listed["area_id"].tolist() == areas["area_id"].tolist()
    assert listed["population"].sum() == areas["population"].sum()
    assert listed["uninsured"].sum() == pytest.approx(areas["uninsured"].sum())
    assert (
        listed["partner_name"].tolist()
        == areas["partner_id"].map({"P1": "Relief", "P2": "Crescent"}).tolist()
    )
    row = listed.set_index("area_id")
    assert row.loc["A00", "sessions"] == 2 and row.loc["A00", "enrolled_total"] == 150
    assert row.loc["A00", "last_session_date"] == pd.Timestamp("2026-01-20")
    assert row.loc["A04", "sessions"] == 1  # placed by its point
    assert row.loc["A00", "nearest_care"] == "Clinic <b>one</b>"  # pharmacies are not care
    assert row.loc["A00", "nearest_care_type"] == "clinic"
    near = distance.nearest_facility_km(
        areas, facilities, types=[], groups={"o": ["insurance_office"]}
    )
    assert listed["nearest_office_km"].to_numpy() == pytest.approx(near["o_km"].round(3).to_numpy())
    desks = plan.plan.set_index("area_id")
    assert row.loc[desks.index, "desk_day"].tolist() == desks["day"].tolist()
    assert row["reached_day"].notna().sum() == plan.reach["reached_day"].notna().sum()
    assert set(row.index[row["model_village"]]) == set(chosen.table["area_id"])


def test_work_list_without_optional_inputs():
    areas = grid_areas(5)[["area_id", "name", "population", "geometry"]]
    listed = work_list(areas)
    assert list(listed.columns) == list(WORK_LIST_COLUMNS)
    assert listed["insured"].isna().all() and (listed["sessions"] == 0).all()
    assert not listed["model_village"].any()


def test_inputs_are_not_modified():
    areas = grid_areas(6)
    raw = sessions_for(areas)
    facilities = facilities_for(areas)
    partners = pd.DataFrame({"partner_id": ["P1"], "name": ["Relief"]})
    before = (areas.copy(), raw.copy(), facilities.copy(), partners.copy())
    plan = outreach.plan_desks(areas, 2, 2, 500.0, partner_id="P1")
    chosen = model_villages(areas, rule="score", quota=2)
    found = sessions_with_areas(raw, areas)
    found_copy = found.copy()
    sessions_by_area(found)
    enrolled_by_area_month(found)
    enrolled_by_month(found)
    work_list(
        areas, partners=partners, facilities=facilities, sessions=found, plan=plan, villages=chosen
    )
    assert_geodataframe_equal(areas, before[0])
    assert_geodataframe_equal(raw, before[1])
    assert_geodataframe_equal(facilities, before[2])
    assert_frame_equal(partners, before[3])
    assert_frame_equal(found, found_copy)


# --------------------------------------------------------------------------------------------------
# downloads (reports.exports, as ui.outreach.views writes work lists): formatted XLSX, and no
# formula from data text
# --------------------------------------------------------------------------------------------------


def test_xlsx_and_csv_downloads_are_formatted_and_inert():
    from reports.exports import table_csv, table_xlsx

    table = pd.DataFrame(
        {
            "محله": ['=HYPERLINK("http://x")', "@SUM(A1)", "Vườn Đông"],
            "Population": [1200, 34000, 5],
            "Coverage": [0.5, 0.91, np.nan],
        }
    )
    data = table_xlsx(
        table,
        sheet="Plan: day/1",
        kinds={"Population": "count", "Coverage": "share"},
        rtl=True,
        title="Work list",
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Plan day1"
    assert sheet.sheet_view.rightToLeft is True
    assert sheet["A1"].value == "Work list"
    header = sheet["A3"]
    assert (
        header.value == "محله" and header.font.bold and header.fill.fgColor.rgb.endswith("1D4E89")
    )
    assert sheet.freeze_panes == "A4"
    assert sheet["A4"].data_type == "s" and sheet["A4"].value.startswith("=HYPERLINK")
    assert sheet["B5"].value == 34000 and sheet["B5"].number_format == "#,##0"
    assert sheet["C3"].value == "Coverage (%)"
    assert sheet["C4"].value == 50.0 and sheet["C4"].number_format == "0.0"
    assert sheet["C6"].value is None
    text = table_csv(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text and "Vườn Đông" in text
