"""Tests of the synthetic demo workspace generator (geodata/sources/demo.py)."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geodata.sources import demo
from geodata.tables import schema

PERSIAN = re.compile(r"^[\u0600-\u06FF\u200c ]+$")
TABLE_NAMES = {
    "areas",
    "facilities",
    "insured",
    "partners",
    "targets",
    "outreach",
    "utilisation",
}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo.build_demo_tables()


@pytest.fixture(scope="module")
def areas(tables: dict[str, pd.DataFrame]) -> gpd.GeoDataFrame:
    return tables["areas"]


@pytest.fixture(scope="module")
def coverage(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Total coverage (all schemes) per area (rows) and period (columns); NaN where missing."""
    insured = tables["insured"]
    total = insured.groupby(["area_id", "period"])["insured"].sum().unstack("period")
    population = tables["areas"].set_index("area_id")["population"]
    return total.astype(float).div(population.astype(float), axis=0)


@pytest.fixture(scope="module")
def campaign(tables: dict[str, pd.DataFrame]) -> str:
    return demo.campaign_area_id(tables)


def _assert_tables_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        if isinstance(left[name], gpd.GeoDataFrame):
            assert_geodataframe_equal(left[name], right[name], check_less_precise=False)
        else:
            pd.testing.assert_frame_equal(left[name], right[name])


# --- the module and its tables ------------------------------------------------------------------


def test_constants() -> None:
    assert demo.DEMO_SEED == 1404
    assert demo.DEMO_LABEL == "Synthetic demo data — not real people"


def test_same_seed_gives_identical_tables(tables: dict[str, pd.DataFrame]) -> None:
    _assert_tables_equal(tables, demo.build_demo_tables(demo.DEMO_SEED))


def test_other_seed_gives_other_tables(tables: dict[str, pd.DataFrame]) -> None:
    other = demo.build_demo_tables(7)
    assert not other["areas"]["population"].equals(tables["areas"]["population"])
    assert not other["areas"].geometry.geom_equals(tables["areas"].geometry).all()


def test_tables_follow_schema(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == TABLE_NAMES
    for name, frame in tables.items():
        table = schema.TABLES[name]
        columns = [c for c in frame.columns if c != "geometry"]
        assert set(table.required) <= set(columns), name
        assert set(columns) <= set(table.columns), name
        if table.geometry is None:
            assert not isinstance(frame, gpd.GeoDataFrame), name
        else:
            assert isinstance(frame, gpd.GeoDataFrame), name
            assert frame.crs == schema.STORAGE_CRS, name
        for column in columns:
            kind = table.kinds[column]
            if kind == "count":
                assert frame[column].dtype == "Int64", (name, column)
                assert (frame[column].dropna() >= 0).all(), (name, column)
            elif kind == "date":
                assert pd.api.types.is_datetime64_dtype(frame[column]), (name, column)
            elif kind == "bool":
                assert pd.api.types.is_bool_dtype(frame[column]), (name, column)
            elif kind == "fraction":
                values = frame[column].dropna()
                assert ((values >= 0) & (values <= 1)).all(), (name, column)
            elif kind in ("id", "text"):
                values = frame[column].dropna()
                assert values.map(type).eq(str).all(), (name, column)
        for column, vocabulary in table.vocabularies.items():
            if column in frame:
                assert set(frame[column].dropna()) <= set(vocabulary), (name, column)
        assert not frame.duplicated(list(table.key)).any(), name


def test_areas_have_every_optional_column(areas: gpd.GeoDataFrame) -> None:
    assert list(areas.columns) == [*schema.AREAS.columns, "geometry"]
    filled = [c for c in schema.AREAS.optional if c != "partner_id"]
    assert areas[filled].notna().all().all()


# --- geography ----------------------------------------------------------------------------------


def test_row_counts(tables: dict[str, pd.DataFrame]) -> None:
    assert 280 <= len(tables["areas"]) <= 320
    assert tables["areas"]["district_id"].nunique() == 12
    assert 35 <= len(tables["facilities"]) <= 45
    assert len(tables["partners"]) == 4
    assert 20 <= len(tables["outreach"]) <= 30


def test_area_ids_are_unique_strings(areas: gpd.GeoDataFrame) -> None:
    assert areas["area_id"].is_unique
    assert areas["area_id"].map(type).eq(str).all()
    assert areas["area_id"].str.fullmatch(r"A\d{3}").all()


def test_geometries_are_valid_polygons_in_the_region(areas: gpd.GeoDataFrame) -> None:
    assert shapely.is_valid(areas.geometry.to_numpy()).all()
    assert (areas.geom_type == "Polygon").all()
    lon_min, lat_min, lon_max, lat_max = areas.total_bounds
    assert 51.2 <= lon_min < lon_max <= 51.6
    assert 35.55 <= lat_min < lat_max <= 35.85


def test_areas_tile_the_region_without_gaps_or_overlaps(areas: gpd.GeoDataFrame) -> None:
    projected = areas.to_crs(areas.estimate_utm_crs())
    union = projected.union_all()
    assert projected.area.sum() == pytest.approx(union.area, rel=1e-6)
    # One piece, no holes: no gap inside the region.
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0
    # About 600 km² in all; neighbourhoods of a fraction of a km² to a few km².
    assert 300e6 < union.area < 1200e6
    assert projected.area.min() > 0.2e6


def test_every_area_lies_in_exactly_one_district(areas: gpd.GeoDataFrame) -> None:
    assert areas["district_id"].notna().all()
    assert sorted(areas["district_id"].unique()) == [f"D{k:02d}" for k in range(1, 13)]
    names = areas.groupby("district_id")["district_name"].unique()
    assert all(len(v) == 1 for v in names)
    assert names.map(lambda v: v[0]).to_dict() == {
        f"D{k:02d}": f"District {k}" for k in range(1, 13)
    }
    districts = areas.dissolve("district_id")
    assert (districts.geom_type == "Polygon").all(), "every district is contiguous"
    points = areas.geometry.representative_point().to_numpy()
    inside = shapely.contains(districts.geometry.to_numpy()[:, None], points[None, :])
    assert (inside.sum(axis=0) == 1).all()
    own = districts.index.to_numpy()[inside.argmax(axis=0)]
    assert (own == areas["district_id"].to_numpy()).all()


def test_names_are_distinct_in_every_language(areas: gpd.GeoDataFrame) -> None:
    for column in ("name_en", "name_fa", "name_vi"):
        assert areas[column].is_unique, column
    assert (areas["name"] == areas["name_en"]).all()
    assert areas["name_fa"].map(lambda s: bool(PERSIAN.match(s))).all()
    # Persian letters, not Arabic yeh and kaf.
    assert not areas["name_fa"].str.contains("[يك]").any()
    assert areas["name_vi"].map(lambda s: unicodedata.normalize("NFC", s) == s).all()
    assert areas["name_vi"].map(lambda s: not s.isascii()).mean() > 0.5
    assert areas["province"].eq("Demo province").all()


# --- people -------------------------------------------------------------------------------------


def test_population_is_realistic(areas: gpd.GeoDataFrame) -> None:
    population = areas["population"].astype(float)
    assert population.between(3_000, 60_000).all()
    assert 5e6 <= population.sum() <= 7e6
    households = areas["households"] / areas["population"]
    assert (1 / households).astype(float).between(2.7, 4.0).all()
    assert (1 / households).astype(float).mean() == pytest.approx(3.3, abs=0.1)
    for column, low, high in (
        ("pop_female", 0.49, 0.51),
        ("pop_65plus", 0.05, 0.12),
        ("pop_under5", 0.05, 0.09),
    ):
        share = (areas[column] / areas["population"]).astype(float)
        assert share.between(low - 0.001, high + 0.001).all(), column


def test_underserved_areas_are_more_deprived_and_clustered(areas: gpd.GeoDataFrame) -> None:
    underserved = areas["underserved"]
    assert 0.35 <= underserved.mean() <= 0.45
    assert (
        areas.loc[underserved, "deprivation"].min() > areas.loc[~underserved, "deprivation"].max()
    )
    share = underserved.groupby(areas["district_id"]).mean()
    assert share.max() >= 0.8
    assert share.min() <= 0.1


def test_partners(tables: dict[str, pd.DataFrame], areas: gpd.GeoDataFrame) -> None:
    partners = tables["partners"]
    assert partners["partner_id"].tolist() == ["P1", "P2", "P3", "P4"]
    assert partners["partner_id"].is_unique
    assert (partners["target_coverage"] == 1.0).all()
    assert partners["contact"].str.fullmatch(r"[\w.-]+@[\w.-]+\.\w+").all()
    assert partners["kind"].notna().all() and partners["kind"].is_unique


def test_partner_only_on_underserved_areas(areas: gpd.GeoDataFrame) -> None:
    has_partner = areas["partner_id"].notna()
    assert (has_partner == areas["underserved"]).all()
    assert set(areas["partner_id"].dropna()) == {"P1", "P2", "P3", "P4"}


def test_partner_proportions(areas: gpd.GeoDataFrame) -> None:
    counts = areas["partner_id"].value_counts()
    ratio = pd.Series({"P1": 440, "P2": 318, "P3": 215, "P4": 900})
    expected = ratio / ratio.sum() * counts.sum()
    assert (counts.reindex(expected.index) - expected).abs().max() <= 1.5


# --- insured ------------------------------------------------------------------------------------


def test_insured_periods(tables: dict[str, pd.DataFrame]) -> None:
    insured = tables["insured"]
    periods = pd.DatetimeIndex(sorted(insured["period"].unique()))
    assert len(periods) == 24
    assert periods[-1] == pd.Timestamp("2026-10-01")
    assert periods[0] == pd.Timestamp("2024-11-01")
    assert (periods.day == 1).all()
    assert set(insured["scheme"]) == {"health", "social_security", "voluntary"}
    assert (insured["source"] == "synthetic").all()
    assert set(insured["area_id"]) == set(tables["areas"]["area_id"])


def test_a_few_areas_have_missing_months(coverage: pd.DataFrame, tables) -> None:
    missing = coverage.isna().sum(axis=1)
    assert 1 <= (missing > 0).sum() <= 3
    assert missing.max() <= 2
    # Missing means no rows at all, never a zero.
    assert (tables["insured"]["insured"] > 0).all()


def test_insured_never_exceeds_population(coverage: pd.DataFrame) -> None:
    values = coverage.to_numpy()
    assert (values[~np.isnan(values)] <= 1.0).all()
    assert np.nanmin(values) > 0


def test_coverage_range_at_latest_month(coverage: pd.DataFrame) -> None:
    latest = coverage.iloc[:, -1]
    assert latest.notna().all()
    assert latest.min() >= 0.38
    assert latest.max() <= 0.985
    # A real spread, not one value.
    assert latest.max() - latest.min() > 0.3


def test_coverage_rises_over_time(coverage: pd.DataFrame) -> None:
    mean = coverage.mean()
    assert mean.iloc[-1] > mean.iloc[0] + 0.02
    assert mean.iloc[-1] - mean.iloc[0] < 0.15


def test_underserved_coverage_is_lower(coverage: pd.DataFrame, areas: gpd.GeoDataFrame) -> None:
    underserved = areas.set_index("area_id")["underserved"].reindex(coverage.index)
    latest = coverage.iloc[:, -1]
    assert latest[underserved].mean() < latest[~underserved].mean() - 0.1


def test_campaign_area(
    tables: dict[str, pd.DataFrame], areas: gpd.GeoDataFrame, coverage: pd.DataFrame, campaign: str
) -> None:
    area = areas.set_index("area_id").loc[campaign]
    assert area["underserved"]
    assert 11_000 <= area["population"] <= 13_000
    insured = tables["insured"]
    total = insured.loc[insured["area_id"] == campaign].groupby("period")["insured"].sum()
    assert len(total) == 24
    jumps = total.diff()
    month = jumps.idxmax()
    before = total.loc[: month - pd.DateOffset(months=1)]
    assert len(before) >= 6
    uninsured_before = 1 - before / area["population"]
    assert uninsured_before.between(0.72, 0.78).all()
    # About 9,000 enrolled within two months of the campaign month.
    two_months = total.loc[month + pd.DateOffset(months=1)] - before.iloc[-1]
    assert 8_500 <= two_months <= 9_500
    assert total.iloc[-1] <= area["population"]
    # The enrolment sessions account for it, and one is a mobile desk in the campaign month.
    outreach = tables["outreach"]
    sessions = outreach.loc[outreach["area_id"] == campaign]
    assert sessions["enrolled"].sum() == two_months
    in_month = sessions.loc[sessions["date"].dt.to_period("M") == month.to_period("M")]
    assert (in_month["kind"] == "mobile_desk").any()
    # No other area jumps like this one.
    others = coverage.drop(index=campaign).diff(axis=1).max(axis=1)
    assert others.max() < 0.2


# --- facilities ---------------------------------------------------------------------------------


def test_facilities_cover_every_type(tables: dict[str, pd.DataFrame]) -> None:
    facilities = tables["facilities"]
    assert set(facilities["type"]) == set(schema.FACILITY_TYPES)
    assert facilities["facility_id"].is_unique
    assert facilities["name"].is_unique
    assert (facilities.geom_type == "Point").all()
    assert facilities["operator"].notna().all()
    assert facilities["services"].notna().all()
    assert facilities["shifts"].between(1, 3).all()


def test_facility_beds(tables: dict[str, pd.DataFrame]) -> None:
    facilities = tables["facilities"]
    beds = facilities.set_index("type")["beds"]
    assert beds.loc["hospital"].between(60, 400).all()
    assert beds.loc["polyclinic"].between(10, 40).all()
    others = beds.drop(index=["hospital", "polyclinic"])
    assert others.isna().all()


def test_facility_statuses(tables: dict[str, pd.DataFrame]) -> None:
    facilities = tables["facilities"]
    status = facilities["status"]
    assert (status == "operational").mean() > 0.85
    building = facilities.loc[status == "under_construction"]
    assert len(building) == 1
    assert building["type"].iloc[0] == "clinic"
    assert building["opens_on"].iloc[0].year == 2027
    assert (status == "planned").sum() == 1
    assert (status == "closed").sum() == 1
    assert facilities.loc[status != "under_construction", "opens_on"].isna().all()


def test_facilities_lie_in_the_region_fewer_where_underserved(
    tables: dict[str, pd.DataFrame], areas: gpd.GeoDataFrame
) -> None:
    facilities = tables["facilities"]
    joined = gpd.sjoin(
        facilities, areas[["area_id", "underserved", "geometry"]], predicate="within"
    )
    assert len(joined) == len(facilities)
    assert joined["underserved"].mean() < 0.5 * areas["underserved"].mean()
    hospitals = joined.loc[
        (joined["type"] == "hospital") & (joined["status"] == "operational"), "underserved"
    ]
    assert not hospitals.any()


# --- targets and outreach -----------------------------------------------------------------------


def test_targets(tables: dict[str, pd.DataFrame]) -> None:
    targets = tables["targets"]
    scopes = ["region"] + [f"D{k:02d}" for k in range(1, 13)]
    assert sorted(targets["scope"].unique()) == sorted(scopes)
    assert targets.groupby("scope").size().eq(24).all()
    assert set(targets["period"]) == set(tables["insured"]["period"])
    region = targets.loc[targets["scope"] == "region"].sort_values("period")["target_coverage"]
    assert region.iloc[0] == pytest.approx(0.80)
    assert region.iloc[-1] == pytest.approx(1.00)
    assert np.allclose(np.diff(region.to_numpy(), n=2), 0, atol=1e-3), "linear"
    assert targets["target_coverage"].between(0.75, 1.0).all()


def test_outreach_sessions(tables: dict[str, pd.DataFrame], areas: gpd.GeoDataFrame) -> None:
    outreach = tables["outreach"]
    assert outreach["session_id"].tolist() == [f"S{i:03d}" for i in range(1, len(outreach) + 1)]
    assert outreach["date"].is_monotonic_increasing
    periods = tables["insured"]["period"]
    assert outreach["date"].between(periods.min(), periods.max() + pd.DateOffset(months=1)).all()
    assert (outreach.geom_type == "Point").all()
    by_id = areas.set_index("area_id")
    hosts = by_id.geometry.loc[outreach["area_id"]].to_numpy()
    assert shapely.contains(hosts, outreach.geometry.to_numpy()).all()
    assert (outreach["partner_id"].to_numpy() == by_id.loc[outreach["area_id"], "partner_id"]).all()
    assert outreach["partner_id"].notna().all()
    small = outreach.loc[outreach["area_id"] != demo.campaign_area_id(tables), "enrolled"]
    assert small.between(10, 999).all()


def test_demo_flag_follows_imports_restores_and_resets() -> None:
    from types import SimpleNamespace as V

    demo_v = {"demo": True}
    history = [V(number=1, summary=demo_v)]
    assert demo.holds_only_demo_data(history)
    history.append(V(number=2, summary={"reassignment": {}}))  # an edit of synthetic data
    assert demo.holds_only_demo_data(history)
    history.append(V(number=3, summary={"import": {"table": "areas"}}))
    assert not demo.holds_only_demo_data(history)
    history.append(V(number=4, summary={"restored_from": 2}))
    assert demo.holds_only_demo_data(history)
    history.append(V(number=5, summary={"restored_from": 3}))
    assert not demo.holds_only_demo_data(history)
    history.append(V(number=6, summary={"demo": True, "reset": True}))
    assert demo.holds_only_demo_data(history)
    history.append(V(number=7, summary={"report": {}, "title": "Tehran"}))  # a recipe build
    assert not demo.holds_only_demo_data(history)
    assert not demo.holds_only_demo_data([])
