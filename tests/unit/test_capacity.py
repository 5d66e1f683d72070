"""analytics.capacity, utilisation, scenarios and whatif, and the utilisation / scenarios tables: load
reconciles with the catchment populations, utilisation growth on hand-computed figures, what-ifs
never touch their inputs and equal a recomputation with the changed inputs, scenarios saved as
versions; schema, recipe and import of utilisation records."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geodata_inputs import FACILITY_POINTS, write_region, write_table
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point, box

from analytics import access, distance, whatif
from analytics import capacity as cap
from analytics.fca import two_step_fca
from analytics.scenarios import (
    Change,
    MissingFacilityError,
    apply_changes,
    changes_from_frame,
    changes_to_frame,
    scenario_list,
    sites_after_changes,
    sites_as_changes,
)
from analytics.utilisation import (
    facility_districts,
    facility_growth,
    group_growth,
    group_series,
    record_frequency,
    utilisation_series,
    utilisation_windows,
)
from geodata.sources.recipe import build_from_recipe, build_workspace
from geodata.store.workspace import list_versions, read_table, read_workspace, save_version
from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.tables.utilisation import delete_scenario, save_scenario
from geodata.uploads import workflow as I
from geodata.uploads.mapping import IMPORT_TABLES, mapping_of, propose_mapping
from geodata.uploads.reading import save_upload
from geodata.users import audit

UTM39 = "EPSG:32639"


# --------------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------------


def line_areas() -> gpd.GeoDataFrame:
    """Three small squares in UTM 39N, centred at x = 0, 1000 and 5000 m (populations 100, 200,
    400), so every distance is known exactly."""
    return gpd.GeoDataFrame(
        {
            "area_id": ["A", "B", "C"],
            "name": ["A", "B", "C"],
            "population": pd.array([100, 200, 400], dtype="Int64"),
            "district_id": ["D1", "D1", "D2"],
        },
        geometry=[box(x - 10, -10, x + 10, 10) for x in (0.0, 1000.0, 5000.0)],
        crs=UTM39,
    )


def line_facilities() -> gpd.GeoDataFrame:
    """Two hospitals: F0 at x = 0 (10 beds), F1 at x = 2000 (30 beds)."""
    return gpd.GeoDataFrame(
        {
            "facility_id": ["F0", "F1"],
            "name": ["Zero", "One"],
            "type": ["hospital", "hospital"],
            "beds": pd.array([10, 30], dtype="Int64"),
            "status": ["operational", "operational"],
        },
        geometry=[Point(0, 0), Point(2000, 0)],
        crs=UTM39,
    )


LON0, LAT0, DLON, DLAT = 51.30, 35.62, 0.022, 0.018


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for iy in range(5):
        for ix in range(6):
            x0, y0 = LON0 + ix * DLON, LAT0 + iy * DLAT
            rows.append(
                {
                    "area_id": f"A{iy}{ix}",
                    "name": f"Area {iy}{ix}",
                    "population": int(rng.integers(500, 20_000)),
                    "district_id": f"D{ix // 3}",
                    "geometry": box(x0, y0, x0 + DLON, y0 + DLAT),
                }
            )
    frame = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    frame["population"] = frame["population"].astype("Int64")
    frame.loc[4, "population"] = pd.NA  # no population: no demand, never zero
    return frame


@pytest.fixture
def facilities() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(4)
    types = ["hospital"] * 4 + ["clinic"] * 6 + ["insurance_office"] * 3
    n = len(types)
    status = ["operational"] * n
    status[3] = "planned"
    status[9] = "closed"
    return gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i:02d}" for i in range(n)],
            "name": [f"Facility {i}" for i in range(n)],
            "type": types,
            "beds": pd.array([120, 300, 60, 80] + [None] * 9, dtype="Int64"),
            "staff": pd.array([150, 400, 70, 90, 12, 8, 20, 6, 9, None, None, None, None], "Int64"),
            "desks": pd.array([None] * 10 + [2, 5, 3], dtype="Int64"),
            "status": status,
        },
        geometry=gpd.points_from_xy(
            LON0 + rng.uniform(0, 6 * DLON, n), LAT0 + rng.uniform(0, 5 * DLAT, n)
        ),
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------------


def test_load_on_a_hand_computed_line():
    load = cap.facility_load(line_areas(), line_facilities(), catchment_km=1.5, supply="beds")
    # A (100) reaches F0 only; B (200) reaches both at 1 km, shared 10 : 30; C (400) reaches none.
    assert load["catchment_population"].tolist() == [300.0, 200.0]
    assert load["allocated_population"].tolist() == pytest.approx([150.0, 150.0])
    assert load["people_per_supply"].tolist() == pytest.approx([15.0, 5.0])
    assert load.attrs["reference_value"] == pytest.approx(300 / 40)
    assert load["load_ratio"].tolist() == pytest.approx([2.0, 2 / 3])
    assert load["n_areas"].tolist() == [2, 1]
    assert load.attrs["population_within_reach"] == 300.0
    assert load.attrs["population_total"] == 700.0
    median = cap.facility_load(
        line_areas(), line_facilities(), catchment_km=1.5, supply="beds", reference="median"
    )
    assert median.attrs["reference_value"] == pytest.approx(10.0)
    assert median["load_ratio"].tolist() == pytest.approx([1.5, 0.5])


@pytest.mark.parametrize("catchment", [2.0, 5.0, 10.0])
@pytest.mark.parametrize("decay", [False, True])
def test_load_reconciles_with_the_catchment_populations(areas, facilities, catchment, decay):
    hospitals = access.available_facilities(facilities, types=["hospital"])
    weights = cap.default_decay(catchment) if decay else None
    load = cap.facility_load(areas, hospitals, catchment_km=catchment, decay=weights)
    # Independently: every (area, hospital) pair within the catchment, from the metre coordinates.
    metric = distance.metric_crs_for({"areas": areas, "facilities": hospitals})
    origin = distance.project_points(areas, metric).xy
    dest = distance.project_points(hospitals, metric).xy
    km = np.hypot(*(origin[:, None, :] - dest[None, :, :]).transpose(2, 0, 1)) / 1000
    w = (km <= catchment).astype(float)
    if decay:
        w = w * weights(km)
    pop = areas["population"].astype("float64").fillna(0).to_numpy()
    beds = hospitals["beds"].astype("float64").to_numpy()
    # Everyone in each catchment (2SFCA's denominator).
    assert load["catchment_population"].to_numpy() == pytest.approx(pop @ w)
    # Allocated people add up to the people within reach of at least one hospital: each once.
    reached = (w * beds).sum(axis=1) > 0
    assert load["allocated_population"].sum() == pytest.approx(pop[reached].sum())
    assert load.attrs["population_within_reach"] == pytest.approx(pop[reached].sum())
    # No hospital serves more people than live within its reach; the load ratio averages 1 over
    # the beds.
    assert (load["allocated_population"] <= pop @ (w > 0) + 1e-6).all()
    assert np.average(load["load_ratio"], weights=beds) == pytest.approx(1.0)
    # The same links give 2SFCA: access = Σ_j beds_j / catchment_j · W_ij.
    fca = two_step_fca(areas, hospitals, catchment_km=catchment, decay=weights)
    ratio = np.where(load["catchment_population"] > 0, beds / load["catchment_population"], 0)
    assert fca["access"].to_numpy() == pytest.approx(w @ ratio * 1000)


def test_unlimited_catchment_shares_everyone_by_capacity(areas, facilities):
    hospitals = access.available_facilities(facilities, types=["hospital"])
    load = cap.facility_load(areas, hospitals, catchment_km=None)
    beds = hospitals["beds"].astype(float).to_numpy()
    total = areas["population"].astype(float).sum()
    assert load["allocated_population"].to_numpy() == pytest.approx(total * beds / beds.sum())
    assert load["load_ratio"].to_numpy() == pytest.approx(np.ones(len(hospitals)))


def test_people_per_insurance_office_and_missing_supply(areas, facilities):
    offices = facilities[facilities["type"] == "insurance_office"]
    per_office = cap.facility_load(areas, offices, catchment_km=None, supply=None)
    total = areas["population"].astype(float).sum()
    assert per_office["allocated_population"].to_numpy() == pytest.approx([total / 3] * 3)
    clinics = facilities[facilities["type"] == "clinic"]
    by_staff = cap.facility_load(areas, clinics, catchment_km=5.0, supply="staff")
    assert by_staff.attrs["n_missing_supply"] == 1  # the closed clinic has no staff count
    assert by_staff["load_ratio"].isna().sum() == 1


def test_visits_per_bed():
    totals = pd.Series([1200.0, 500.0, 90.0], index=["F0", "F1", "F9"])
    per_bed = cap.utilisation_per_supply(totals, line_facilities(), "beds")
    assert per_bed.tolist()[:2] == [120.0, 500.0 / 30]
    assert np.isnan(per_bed["F9"])


def test_load_refuses_a_geographic_crs_and_leaves_inputs_alone(areas, facilities):
    before_a, before_f = areas.copy(), facilities.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cap.facility_load(areas, facilities, catchment_km=5.0, supply="staff")
    assert_geodataframe_equal(areas, before_a)
    assert_geodataframe_equal(facilities, before_f)
    with pytest.raises(ValueError, match="projected CRS"):
        cap.facility_load(areas, facilities, catchment_km=5.0, crs="EPSG:4326")


# --------------------------------------------------------------------------------------------------
# utilisation growth
# --------------------------------------------------------------------------------------------------


def monthly_records() -> pd.DataFrame:
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    rows = []
    for i, month in enumerate(months):
        rows.append(("H1", month, "visits", 100.0 if i < 12 else 120.0))
        rows.append(("H2", month, "visits", 50.0 if i < 12 else 40.0))
        if i != 20:  # H3 misses a month of the latest year: no growth, left out of sums
            rows.append(("H3", month, "visits", 10.0))
        rows.append(("H1", month, "operations", float(i)))
    return pd.DataFrame(rows, columns=["facility_id", "period", "measure", "value"])


def test_monthly_growth_by_hand():
    records = monthly_records()
    growth = facility_growth(records, "visits")
    windows = growth.attrs["windows"]
    assert windows.frequency == "monthly" and windows.months == 12
    assert windows.current[0] == pd.Timestamp("2025-01-01")
    assert windows.previous[-1] == pd.Timestamp("2024-12-01")
    rows = growth.set_index("facility_id")
    assert rows.loc["H1", ["current", "previous"]].tolist() == [1440.0, 1200.0]
    assert rows.loc["H1", "growth"] == pytest.approx(0.2)
    assert rows.loc["H2", "growth"] == pytest.approx(-0.2)
    assert not rows.loc["H3", "complete"] and np.isnan(rows.loc["H3", "growth"])
    assert rows.loc["H3", "n_current"] == 11
    # operations: the sum of months 12..23 against 0..11
    ops = facility_growth(records, "operations").set_index("facility_id")
    assert ops.loc["H1", "growth"] == pytest.approx(sum(range(12, 24)) / sum(range(12)) - 1)
    by_district = group_growth(growth, pd.Series({"H1": "North", "H2": "North", "H3": "South"}))
    north = by_district.set_index("group").loc["North"]
    assert north[["current", "previous"]].tolist() == [1920.0, 1800.0]
    assert north["growth"] == pytest.approx(1920 / 1800 - 1)
    south = by_district.set_index("group").loc["South"]
    assert south["n_incomplete"] == 1 and np.isnan(south["growth"])
    series = utilisation_series(records, "visits")
    assert len(series) == 24 and series["value"].iloc[0] == 160.0
    assert series["n_facilities"].iloc[20] == 2


def test_yearly_growth_and_short_records():
    yearly = pd.DataFrame(
        {
            "facility_id": ["P", "P", "Q", "Q"],
            "period": pd.to_datetime(["2024-01-01", "2025-01-01"] * 2),
            "measure": "operations",
            "value": [11_830.0, 16_681.0, 100.0, 50.0],
        }
    )
    growth = facility_growth(yearly, "operations").set_index("facility_id")
    assert growth.attrs["windows"].frequency == "yearly"
    assert growth.loc["P", "growth"] == pytest.approx(16_681 / 11_830 - 1)  # +41 %
    assert growth.loc["Q", "growth"] == pytest.approx(-0.5)
    six = monthly_records()
    six = six[six["period"] >= "2025-07-01"]
    windows = utilisation_windows(six, "visits")
    assert windows.months == 3 and len(windows.previous) == 3
    one = utilisation_windows(yearly.iloc[[1]], "operations")
    assert one.frequency == "yearly" and not one.complete
    assert utilisation_windows(yearly.iloc[0:0], "operations") is None


def jalali_month_starts(year: int, n: int) -> list[pd.Timestamp]:
    """The first day of ``n`` Solar Hijri months from 1 Farvardin ``year``, as Gregorian dates."""
    from persiantools.jdatetime import JalaliDate

    return [
        pd.Timestamp(JalaliDate(year + m // 12, m % 12 + 1, 1).to_gregorian()) for m in range(n)
    ]


def test_yearly_records_dated_1_farvardin_are_yearly():
    # 1 Farvardin 1402, 1403, 1404 fall on 21 March 2023, 20 March 2024, 21 March 2025.
    starts = jalali_month_starts(1402, 25)[::12]
    assert [p.strftime("%m-%d") for p in starts] == ["03-21", "03-20", "03-21"]
    records = pd.DataFrame(
        {
            "facility_id": ["P", "P", "P", "Q", "Q", "R"],
            "period": [*starts, *starts[1:], starts[2]],
            "measure": "operations",
            "value": [9_000.0, 11_830.0, 16_681.0, 100.0, 50.0, 7.0],
        }
    )
    assert record_frequency(records, "operations") == "yearly"
    windows = utilisation_windows(records, "operations")
    assert windows.frequency == "yearly" and windows.months == 12
    assert windows.current == (starts[2],) and windows.previous == (starts[1],)
    growth = facility_growth(records, "operations").set_index("facility_id")
    # By hand: 16,681 / 11,830 - 1 = 0.41005... (+41 %); 50 / 100 - 1 = -0.5; R has one year.
    assert growth.loc["P", "growth"] == pytest.approx(0.410059, abs=1e-6)
    assert growth.loc["Q", "growth"] == pytest.approx(-0.5)
    assert not growth.loc["R", "complete"] and np.isnan(growth.loc["R", "growth"])
    by_district = group_growth(
        growth.reset_index(), pd.Series({"P": "North", "Q": "North", "R": "North"})
    ).set_index("group")
    # (16,681 + 50) / (11,830 + 100) - 1 = 16,731 / 11,930 - 1 = 0.40243...
    assert by_district.loc["North", "growth"] == pytest.approx(0.402431, abs=1e-6)
    assert by_district.loc["North", "n_incomplete"] == 1


def test_quarterly_records_compare_four_quarters_with_the_four_before():
    quarters = pd.date_range("2023-01-01", periods=8, freq="QS")
    records = pd.DataFrame(
        {
            "facility_id": ["A"] * 8 + ["B"] * 7,
            "period": [*quarters, *quarters.delete(5)],  # B misses the second quarter of 2024
            "measure": "visits",
            "value": [10.0, 20.0, 30.0, 40.0, 15.0, 25.0, 35.0, 45.0, *[5.0] * 7],
        }
    )
    assert record_frequency(records, "visits") == "quarterly"
    windows = utilisation_windows(records, "visits")
    assert windows.frequency == "quarterly" and windows.n_periods == 4 and windows.months == 12
    assert windows.current == tuple(quarters[4:]) and windows.previous == tuple(quarters[:4])
    growth = facility_growth(records, "visits").set_index("facility_id")
    # By hand: A 15+25+35+45 = 120 against 10+20+30+40 = 100: +20 %.
    assert growth.loc["A", ["current", "previous"]].tolist() == [120.0, 100.0]
    assert growth.loc["A", "growth"] == pytest.approx(0.2)
    assert not growth.loc["B", "complete"] and np.isnan(growth.loc["B", "growth"])
    # Quarters dated on 1 Farvardin, 1 Tir, 1 Mehr, 1 Dey read the same way.
    jalali = jalali_month_starts(1402, 24)[::3]
    shifted = records.assign(period=records["period"].map(dict(zip(quarters, jalali, strict=True))))
    again = facility_growth(shifted, "visits").set_index("facility_id")
    assert again.attrs["windows"].frequency == "quarterly"
    assert again.loc["A", "growth"] == pytest.approx(0.2)


def test_monthly_records_dated_on_solar_hijri_month_starts():
    months = jalali_month_starts(1402, 24)
    records = pd.DataFrame(
        {
            "facility_id": ["M"] * 24 + ["N"] * 23,
            "period": [*months, *months[:10], *months[11:]],  # N misses Bahman 1402
            "measure": "visits",
            "value": [100.0] * 12 + [110.0] * 12 + [1.0] * 23,
        }
    )
    assert record_frequency(records, "visits") == "monthly"
    windows = utilisation_windows(records, "visits")
    assert windows.frequency == "monthly" and windows.months == 12
    assert windows.current == tuple(months[12:]) and windows.previous == tuple(months[:12])
    growth = facility_growth(records, "visits").set_index("facility_id")
    # By hand: 12 × 110 = 1,320 against 12 × 100 = 1,200: +10 %.
    assert growth.loc["M", ["current", "previous"]].tolist() == [1320.0, 1200.0]
    assert growth.loc["M", "growth"] == pytest.approx(0.1)
    assert not growth.loc["N", "complete"]
    # Gregorian month starts, as before.
    gregorian = records.assign(
        period=records["period"].map(
            dict(zip(months, pd.date_range("2024-01-01", periods=24, freq="MS"), strict=True))
        )
    )
    assert facility_growth(gregorian, "visits").set_index("facility_id").loc[
        "M", "growth"
    ] == pytest.approx(0.1)


def test_a_solar_hijri_month_nobody_reported_is_dated_on_its_own_month_start():
    # Shahrivar to Bahman 1404, Dey missing: its slot is 1 Dey (22 December 2025), the month
    # before 1 Bahman (21 January 2026) in the periods' calendar, not a Gregorian month back.
    months = jalali_month_starts(1404, 11)[5:]
    records = pd.DataFrame(
        {
            "facility_id": "S",
            "period": [*months[:4], months[5]],
            "measure": "visits",
            "value": 10.0,
        }
    )
    windows = utilisation_windows(records, "visits", window_months=2)
    assert windows.current == (pd.Timestamp("2025-12-22"), pd.Timestamp("2026-01-21"))
    assert windows.current == tuple(months[4:]) and windows.previous == tuple(months[2:4])


def test_a_period_nobody_reported_leaves_every_facility_incomplete():
    records = pd.DataFrame(
        {
            "facility_id": ["P", "P", "Q", "Q", "Q"],
            "period": pd.to_datetime(
                ["2022-01-01", "2024-01-01", "2021-01-01", "2022-01-01", "2024-01-01"]
            ),
            "measure": "operations",
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    # Q reports yearly (2021 to 2022); nobody reported 2023, the year before the latest.
    windows = utilisation_windows(records, "operations")
    assert windows.frequency == "yearly" and windows.complete
    assert windows.previous == (pd.Timestamp("2023-01-01"),)
    growth = facility_growth(records, "operations")
    assert not growth["complete"].any() and growth["growth"].isna().all()


def test_growth_series_per_district():
    records = monthly_records()
    groups = pd.Series({"H1": "North", "H2": "North", "H3": "South"})
    series = group_series(records, "visits", groups)
    assert set(series["group"]) == {"North", "South"}
    north = series[series["group"] == "North"].set_index("period")["value"]
    by_hand = (
        records[(records["measure"] == "visits") & records["facility_id"].isin(["H1", "H2"])]
        .groupby("period")["value"]
        .sum()
    )
    pd.testing.assert_series_equal(north, by_hand, check_names=False, check_index_type=False)
    assert series["value"].sum() == pytest.approx(
        records.loc[records["measure"] == "visits", "value"].sum()
    )


def test_facility_districts_by_spatial_join():
    areas = line_areas()
    fac = line_facilities()
    districts = facility_districts(fac, areas)
    assert districts.to_dict() == {"F0": "D1", "F1": None}


# --------------------------------------------------------------------------------------------------
# what-if
# --------------------------------------------------------------------------------------------------

SETTINGS = whatif.NetworkSettings(near_km=2.0, referral_km=4.0, catchment_km=5.0, covered_at=0.8)
CHANGES = [
    Change("upgrade", "F02", supply="beds", value=240),
    Change("close", "F01"),
    Change("open", "F03"),
    Change(
        "new_site",
        "NEW-1",
        facility_type="hospital",
        supply="beds",
        value=50,
        lon=LON0 + 0.01,
        lat=LAT0 + 0.01,
    ),
]


def coverage_for(areas: gpd.GeoDataFrame) -> pd.Series:
    rng = np.random.default_rng(5)
    return pd.Series(rng.uniform(0.5, 1.0, len(areas)), index=areas.index)


def test_what_if_never_changes_its_inputs(areas, facilities):
    before_a, before_f = areas.copy(), facilities.copy()
    coverage = coverage_for(areas)
    before_c = coverage.copy()
    result = whatif.run_scenario(areas, facilities, CHANGES, SETTINGS, coverage)
    assert_geodataframe_equal(areas, before_a)
    assert_geodataframe_equal(facilities, before_f)
    pd.testing.assert_series_equal(coverage, before_c)
    assert result.facilities_after is not facilities
    assert len(result.facilities_after) == len(facilities) + 1


def test_scenario_figures_equal_a_recomputation_with_the_changed_inputs(areas, facilities):
    coverage = coverage_for(areas)
    result = whatif.run_scenario(areas, facilities, CHANGES, SETTINGS, coverage)
    # The same network built by hand.
    changed = facilities.copy()
    changed["beds"] = changed["beds"].astype("Float64")
    changed.loc[changed["facility_id"] == "F02", "beds"] = 240
    changed.loc[changed["facility_id"] == "F01", "status"] = "closed"
    changed.loc[changed["facility_id"] == "F03", "status"] = "operational"
    new = gpd.GeoDataFrame(
        {"facility_id": ["NEW-1"], "name": ["NEW-1"], "type": ["hospital"], "beds": [50.0]},
        geometry=[Point(LON0 + 0.01, LAT0 + 0.01)],
        crs="EPSG:4326",
    )
    changed = pd.concat([changed, new], ignore_index=True)
    by_hand = whatif.evaluate_network(areas, changed, SETTINGS, coverage)
    pd.testing.assert_frame_equal(result.after.areas, by_hand.areas)
    pd.testing.assert_frame_equal(
        result.after.load[by_hand.load.columns].reset_index(drop=True),
        by_hand.load,
        check_dtype=False,
    )
    assert result.after.summary == pytest.approx(by_hand.summary, nan_ok=True)
    # ...and each figure from the access functions directly.
    counted = access.available_facilities(changed)
    hospitals = counted[counted["type"] == "hospital"]
    fca = two_step_fca(areas, hospitals, catchment_km=5.0, supply="beds")
    assert result.after.areas["access"].to_numpy() == pytest.approx(fca["access"].to_numpy())
    near = distance.nearest_facility_km(areas, counted, types=["hospital"])
    gap = access.referral_gap(near["hospital_km"], 4.0)
    pop = areas["population"].astype(float).fillna(0)
    assert result.after.summary["people_referral_gap"] == pytest.approx(pop[gap].sum())
    # The baseline is the network as stored.
    assert result.before.summary == pytest.approx(
        whatif.evaluate_network(areas, facilities, SETTINGS, coverage).summary, nan_ok=True
    )
    comparison = result.comparison.set_index("figure")
    assert comparison.loc["supply_total", "before"] == 120 + 300 + 60
    assert comparison.loc["supply_total", "after"] == 120 + 240 + 80 + 50
    assert comparison.loc["facilities_counted", "change"] == 1
    classes = [f"people_{c}" for c in access.DOUBLE_GAP_CLASSES]
    assert comparison.loc[classes, "after"].sum() == pytest.approx(pop.sum())


def test_changes_apply_in_order_and_bad_ones_are_refused(facilities):
    after = apply_changes(
        facilities,
        [
            Change("upgrade", "F00", supply="beds", value=10),
            Change("upgrade", "F00", supply="beds", value=20),
            Change("close", "F02"),
            Change("open", "F02"),
            Change("upgrade", "F10", supply="desks", value=9),
        ],
    )
    rows = after.set_index("facility_id")
    assert rows.loc["F00", "beds"] == 20 and rows.loc["F02", "status"] == "operational"
    assert rows.loc["F10", "desks"] == 9 and after["beds"].dtype == "Int64"
    with pytest.raises(ValueError, match="no facility with id"):
        apply_changes(facilities, [Change("close", "NOPE")])
    with pytest.raises(ValueError, match="already used"):
        apply_changes(
            facilities,
            [Change("new_site", "F00", facility_type="clinic", lon=51.3, lat=35.6)],
        )
    with pytest.raises(ValueError):
        Change("upgrade", "F00", supply="beds", value=-1)
    with pytest.raises(ValueError):
        Change("demolish", "F00")
    with pytest.raises(ValueError):
        Change("new_site", "X", facility_type="clinic")


def test_sites_from_the_siting_tool_become_new_sites(areas, facilities):
    from analytics.siting import choose_sites

    existing = access.available_facilities(facilities, types=access.CARE_TYPES)
    result, chosen = choose_sites(areas, existing, 2, 1.0)
    changes = sites_as_changes(chosen, "clinic", taken=["NEW-1"])
    assert [c.facility_id for c in changes] == ["NEW-2", "NEW-3"]
    scenario = whatif.run_scenario(areas, facilities, changes, SETTINGS)
    within = distance.population_within(
        scenario.after.areas["care_km"], scenario.after.areas["population"], 1.0
    )["within"]
    before = distance.population_within(
        scenario.before.areas["care_km"], scenario.before.areas["population"], 1.0
    )["within"]
    assert within - before == pytest.approx(result.gain)


def test_scenarios_compared(areas, facilities):
    table = whatif.compare_scenarios(
        areas,
        facilities,
        {"upgrade": CHANGES[:1], "all": CHANGES},
        SETTINGS,
        coverage_for(areas),
    )
    assert table["scenario"].tolist() == ["", "upgrade", "all"]
    assert table.loc[0, "supply_total_change"] == 0
    assert table.loc[1, "supply_total_change"] == 180
    assert table.loc[2, "facilities_counted_change"] == 1


def test_sites_with_capacity_move_people_per_bed(areas, facilities):
    chosen = gpd.GeoDataFrame(
        {"name": ["Site"]},
        geometry=[Point(LON0 + 3 * DLON, LAT0 + 2 * DLAT)],
        crs="EPSG:4326",
    )
    with_beds = sites_as_changes(chosen, "hospital", supply="beds", value=200.0)
    assert (with_beds[0].supply, with_beds[0].value) == ("beds", 200.0)
    settings = whatif.NetworkSettings(catchment_km=50.0, near_km=2.0, referral_km=10.0)
    result = whatif.run_scenario(areas, facilities, with_beds, settings)
    before, after = result.before.summary, result.after.summary
    # Unlimited reach in this small region: people per bed = everyone / every bed.
    assert after["supply_total"] == before["supply_total"] + 200
    assert after["people_per_supply"] == pytest.approx(
        before["people_per_supply"] * before["supply_total"] / after["supply_total"]
    )
    bare = whatif.run_scenario(areas, facilities, sites_as_changes(chosen, "hospital"), settings)
    assert bare.after.summary["supply_total"] == before["supply_total"]


def test_siting_runs_on_the_network_after_the_pending_changes(areas, facilities):
    care = access.CARE_TYPES
    _, first = sites_after_changes(areas, facilities, [], care, 2, 1.0)
    changes = sites_as_changes(first, "clinic", taken=facilities["facility_id"])
    _, second = sites_after_changes(areas, facilities, changes, care, 2, 1.0)
    added = sites_as_changes(
        second, "clinic", taken=[*facilities["facility_id"], *(c.facility_id for c in changes)]
    )
    coordinates = {(round(c.lon, 6), round(c.lat, 6)) for c in [*changes, *added]}
    assert len(coordinates) == 4  # never the same spot twice
    assert len({c.facility_id for c in [*changes, *added]}) == 4
    # Closing every clinic makes the siting tool see a network without them.
    clinics = facilities.loc[facilities["type"] == "clinic", "facility_id"]
    closed = [Change("close", str(f)) for f in clinics]
    result, _ = sites_after_changes(areas, facilities, closed, ("clinic",), 1, 1.0)
    assert result.covered_before == 0.0
    result_as_is, _ = sites_after_changes(areas, facilities, [], ("clinic",), 1, 1.0)
    assert result_as_is.covered_before > 0.0
    assert_geodataframe_equal(facilities, facilities.copy())


def test_a_stale_scenario_does_not_hide_the_others(areas, facilities):
    stale = [Change("close", "F99"), Change("upgrade", "F02", supply="beds", value=1)]
    table = whatif.compare_scenarios(
        areas, facilities, {"good": CHANGES[:1], "stale": stale}, SETTINGS, coverage_for(areas)
    )
    assert table["scenario"].tolist() == ["", "good", "stale"]
    assert table["applicable"].tolist() == [True, True, False]
    row = table.set_index("scenario").loc["stale"]
    assert row["missing"] == "F99" and "F99" in row["reason"]
    assert np.isnan(row["supply_total"]) and row["n_changes"] == 2
    assert table.set_index("scenario").loc["good", "supply_total_change"] == 180
    with pytest.raises(MissingFacilityError) as caught:
        apply_changes(facilities, stale)
    assert caught.value.facility_ids == ("F99",)


def _network(summary: dict[str, float]) -> whatif.NetworkResult:
    return whatif.NetworkResult(areas=pd.DataFrame(), load=pd.DataFrame(), summary=summary)


def verdicts(before: whatif.NetworkResult, after: whatif.NetworkResult) -> dict[str, bool | None]:
    better = whatif.compare_networks(before, after).set_index("figure")["better"]
    return {k: None if pd.isna(v) else bool(v) for k, v in better.items()}


def test_verdicts_count_better_access_as_better():
    before = _network(
        {"people_both": 500.0, "people_uninsured_near": 100.0, "people_insured_far": 50.0}
    )
    after = _network(
        {"people_both": 300.0, "people_uninsured_near": 300.0, "people_insured_far": 50.0}
    )
    verdict = verdicts(before, after)
    # People move from "uninsured and far" to "uninsured but near": both are improvements.
    assert verdict["people_both"] is True and verdict["people_uninsured_near"] is True
    assert verdict["people_insured_far"] is None
    closer = _network({"people_covered_near": 10.0, "people_insured_far": 90.0})
    farther = _network({"people_covered_near": 0.0, "people_insured_far": 100.0})
    worse = verdicts(closer, farther)
    assert worse["people_covered_near"] is False and worse["people_insured_far"] is False
    # Noise far below the figure's size is no change; a real small change is.
    noisy = verdicts(_network({"access_mean": 0.2}), _network({"access_mean": 0.2 + 1e-14}))
    assert noisy["access_mean"] is None
    small = verdicts(_network({"access_mean": 0.2}), _network({"access_mean": 0.1998}))
    assert small["access_mean"] is False


def test_capacity_within_reach_is_shown_to_its_first_digits():
    from ui.capacity.views import access_digits

    assert access_digits("beds") == 2 and access_digits("facility") == 4
    # A change of -0.00012 facilities per 1,000 people shows two significant digits.
    assert access_digits("facility", -0.00012) == 5
    assert round(-0.00012, access_digits("facility", -0.00012)) != 0
    assert access_digits("beds", 0.5) == 2


# --------------------------------------------------------------------------------------------------
# scenarios in the workspace
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def small_workspace(tmp_path: Path, areas, facilities) -> Path:
    path = tmp_path / "ws.gpkg"
    save_version(path, {"areas": areas, "facilities": facilities}, message="start")
    return path


def test_saved_scenario_is_a_new_version_and_facilities_never_change(small_workspace):
    path = small_workspace
    facilities_before = read_table(path, "facilities")
    version, sid = save_scenario(
        path,
        changes_to_frame(CHANGES),
        name="Bigger F02",
        author="planner",
        actor=audit.Actor("ana", "planner"),
    )
    assert sid == "S001" and version == 2
    trail = audit.read(path, actions=["scenario_save"])  # the audit trail has it
    assert trail[["user", "role", "scope"]].values.tolist() == [["ana", "planner", "all"]]
    assert trail["what"].tolist() == ["scenario S001 'Bigger F02': 4 change(s), version 2"]
    versions = list_versions(path)
    assert versions[-1].summary["changed"].keys() == {"scenarios"}
    assert versions[-1].layers["facilities"] == versions[0].layers["facilities"]
    assert_geodataframe_equal(read_table(path, "facilities"), facilities_before)
    stored = read_table(path, "scenarios")
    assert changes_from_frame(stored) == CHANGES
    assert set(stored["name"]) == {"Bigger F02"} and set(stored["author"]) == {"planner"}
    _, second = save_scenario(path, changes_to_frame(CHANGES[1:2]), name="Close F01")
    listing = scenario_list(read_table(path, "scenarios"))
    assert second == "S002" and set(listing["scenario_id"]) == {"S001", "S002"}
    assert listing.set_index("scenario_id").loc["S001", "n_changes"] == 4
    delete_scenario(path, "S001")
    assert set(read_table(path, "scenarios")["scenario_id"]) == {"S002"}
    assert_geodataframe_equal(read_table(path, "facilities"), facilities_before)
    assert len(read_workspace(path, 2)["scenarios"]) == 4  # the old version still holds it


def test_bad_scenarios_are_not_saved(small_workspace):
    path = small_workspace
    with pytest.raises(DataError, match="name"):
        save_scenario(path, changes_to_frame(CHANGES), name="  ")
    with pytest.raises(DataError, match="NOPE"):
        save_scenario(path, changes_to_frame([Change("close", "NOPE")]), name="x")
    with pytest.raises(DataError, match="no change"):
        save_scenario(path, changes_to_frame([]), name="x")
    assert len(list_versions(path)) == 1


# --------------------------------------------------------------------------------------------------
# schema, recipe, import
# --------------------------------------------------------------------------------------------------


def test_schema_has_utilisation_and_scenarios():
    assert S.TABLES["utilisation"].key == ("facility_id", "period", "measure")
    assert S.TABLES["scenarios"].key == ("scenario_id", "change")
    assert {"staff", "desks"} <= set(S.FACILITIES.optional)
    assert "utilisation" in IMPORT_TABLES


UTILISATION_SECTION = """
[utilisation]
path = "{path}"
columns = {{ facility_id = "centre", period = "year" {extra} }}
{more}
"""


def test_recipe_reads_utilisation_long_and_wide(tmp_path: Path):
    recipe = write_region(tmp_path / "long")
    write_table(
        [
            {"centre": "F1", "year": "1403/01/01", "what": "visits", "n": "5,990"},
            {"centre": "F1", "year": "1404/01/01", "what": "visits", "n": "۷۰۶۸"},
            {"centre": "F9", "year": "1404/01/01", "what": "visits", "n": "10"},
            {"centre": "F2", "year": "2025-01-01", "what": "visits", "n": "-3"},
        ],
        recipe.parent / "use.csv",
    )
    recipe.write_text(
        recipe.read_text(encoding="utf-8")
        + UTILISATION_SECTION.format(
            path="use.csv", extra=', measure = "what", value = "n"', more=""
        ),
        encoding="utf-8",
    )
    tables, report = build_from_recipe(recipe)
    use = tables["utilisation"]
    assert use["value"].tolist() == [5990.0, 7068.0]
    assert use["period"].dt.month.tolist() == [3, 3]  # 1 Farvardin falls in March
    section = report.sections["utilisation"]
    assert section.unmatched == ["F9"] and section.kept == 2
    problems = " ".join(p.problem for p in report.problems)
    assert "matches no facility_id" in problems and "negative activity" in problems

    wide = write_region(tmp_path / "wide")
    write_table(
        [
            {"centre": "Centre 1", "year": "2024-01-01", "outp": "100", "ops": "7"},
            {"centre": "centre  1", "year": "2025-01-01", "outp": "118", "ops": "10"},
        ],
        wide.parent / "use.csv",
    )
    wide.write_text(
        wide.read_text(encoding="utf-8")
        + UTILISATION_SECTION.format(
            path="use.csv",
            extra="",
            more='key_column = "name"\nmeasures = { visits = "outp", operations = "ops" }',
        ),
        encoding="utf-8",
    )
    out = tmp_path / "wide.gpkg"
    build_workspace(wide, out)
    use = read_table(out, "utilisation").sort_values(["measure", "period"])
    assert use["facility_id"].unique().tolist() == ["F1"]
    assert use["measure"].tolist() == ["operations", "operations", "visits", "visits"]
    growth = facility_growth(use, "visits").set_index("facility_id")
    assert growth.loc["F1", "growth"] == pytest.approx(0.18)


def test_recipe_utilisation_needs_facilities(tmp_path: Path):
    recipe = write_region(tmp_path, sections=("population",))
    write_table(
        [{"centre": "F1", "year": "2025", "measure": "x", "value": "1"}], tmp_path / "u.csv"
    )
    recipe.write_text(
        recipe.read_text(encoding="utf-8")
        + UTILISATION_SECTION.format(path="u.csv", extra="", more=""),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="needs a \\[facilities\\] section"):
        build_from_recipe(recipe)


def test_utilisation_upload_is_checked_against_the_facilities(tmp_path: Path):
    path = tmp_path / "ws.gpkg"
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["F1", "F2"], "name": ["One", "Two"], "type": ["clinic", "hospital"]},
        geometry=[Point(*FACILITY_POINTS[0]), Point(*FACILITY_POINTS[1])],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["A"], "population": pd.array([10], dtype="Int64")},
        geometry=[box(51.3, 35.6, 51.5, 35.8)],
        crs="EPSG:4326",
    )
    save_version(path, {"areas": areas, "facilities": facilities}, message="start")
    csv = write_table(
        [
            {"facility": "F1", "month": "2025-03", "measure": "visits", "value": "120"},
            {"facility": "F2", "month": "2025-03-15", "measure": "admissions", "value": "4"},
            {"facility": "F7", "month": "2025-03", "measure": "visits", "value": "9"},
        ],
        tmp_path / "use.csv",
    )
    upload = I.read_upload(save_upload(csv.read_bytes(), csv.name), name=csv.name)
    mapping = mapping_of(propose_mapping(upload, "utilisation"))
    assert mapping == {
        "facility_id": "facility",
        "period": "month",
        "measure": "measure",
        "value": "value",
    }
    # 15 March is not a month's first day: a row problem unless booked to its month, as here.
    current = read_workspace(path)
    strict = I.prepare_import(upload, "utilisation", mapping, current)
    assert [p.value for p in strict.problems if p.severity == "rejected"] == ["2025-03-15", "F7"]
    prepared = I.prepare_import(upload, "utilisation", mapping, current, dates="containing")
    assert prepared.frame["facility_id"].tolist() == ["F1", "F2"]
    assert prepared.frame["period"].tolist() == [pd.Timestamp("2025-03-01")] * 2
    assert [p.value for p in prepared.problems if p.severity == "rejected"] == ["F7"]
    assert [p.code for p in prepared.problems if p.severity == "repaired"] == ["period_mapped"]
    I.commit_import(path, prepared)
    assert len(read_table(path, "utilisation")) == 2
    assert_geodataframe_equal(read_table(path, "facilities"), read_table(path, "facilities", 1))
