"""analytics.access: nearest facility, shares within reach, referral gap, 2SFCA, double gap."""

from __future__ import annotations

import warnings

import access as pysal_access  # pysal's access (PyPI "access"), the reference for 2SFCA
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from pyproj import Geod
from shapely.geometry import Point, box

from analytics import access, distance, fca

# A 6 × 5 grid of 2 km cells around Tehran (UTM zone 39N), with facilities scattered over it.
LON0, LAT0 = 51.30, 35.62
DLON, DLAT = 0.022, 0.018


def grid_areas(nx: int = 6, ny: int = 5, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for iy in range(ny):
        for ix in range(nx):
            x0, y0 = LON0 + ix * DLON, LAT0 + iy * DLAT
            rows.append(
                {
                    "area_id": f"A{iy}{ix}",
                    "name": f"Area {iy}{ix}",
                    "population": int(rng.integers(500, 20_000)),
                    "geometry": box(x0, y0, x0 + DLON, y0 + DLAT),
                }
            )
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def facilities_frame(seed: int = 2) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    types = ["hospital"] * 3 + ["clinic"] * 6 + ["insurance_office"] * 2
    n = len(types)
    lon = LON0 + rng.uniform(0, 6 * DLON, n)
    lat = LAT0 + rng.uniform(0, 5 * DLAT, n)
    beds = [120, 300, 60] + [None] * 6 + [None, None]
    return gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i:02d}" for i in range(n)],
            "name": [f"Facility {i}" for i in range(n)],
            "type": types,
            "beds": pd.array(beds, dtype="Int64"),
            "desks": [0, 0, 0, 2, 1, 3, 1, 2, 4, 5, 6],
            "status": ["operational"] * n,
            "opens_on": pd.to_datetime([None] * n),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return grid_areas()


@pytest.fixture
def facilities() -> gpd.GeoDataFrame:
    return facilities_frame()


# ------------------------------------------------------------------------------------ nearest


def test_nearest_distances_match_geodesic_within_half_a_percent(areas, facilities):
    result = distance.nearest_facility_km(areas, facilities, ["hospital", "clinic"])
    geod = Geod(ellps="WGS84")
    origins = areas.representative_point()
    for ftype in ("hospital", "clinic"):
        fac = facilities[facilities["type"] == ftype]
        lon = np.repeat(origins.x.to_numpy(), len(fac))
        lat = np.repeat(origins.y.to_numpy(), len(fac))
        flon = np.tile(fac.geometry.x.to_numpy(), len(origins))
        flat = np.tile(fac.geometry.y.to_numpy(), len(origins))
        _, _, metres = geod.inv(lon, lat, flon, flat)
        geodesic = metres.reshape(len(origins), len(fac))
        best = geodesic.min(axis=1) / 1000
        np.testing.assert_allclose(result[f"{ftype}_km"].to_numpy(), best, rtol=0.005)
        ids = fac["facility_id"].to_numpy()[geodesic.argmin(axis=1)]
        assert (result[f"{ftype}_id"].to_numpy() == ids).mean() > 0.95  # ties at 0.5 % aside


def test_nearest_equals_an_strtree_query_nearest(areas, facilities):
    import shapely

    crs = distance.metric_crs_for({"areas": areas, "facilities": facilities})
    origin = distance.project_points(areas, crs)
    dest = distance.project_points(facilities, crs)
    (src, _), dist = shapely.STRtree(dest.geometries).query_nearest(
        origin.geometries, return_distance=True, all_matches=False
    )
    ours = distance.nearest_facility_km(areas, facilities, groups={"any": facilities["type"]})
    np.testing.assert_allclose(ours["any_km"].to_numpy()[src], dist / 1000, rtol=1e-12)


def test_nearest_groups_missing_types_and_population_weighted_points(areas, facilities):
    centre = gpd.GeoSeries(
        [Point(LON0, LAT0)], index=[areas.index[0]], crs="EPSG:4326"
    )  # only one area gets a custom point
    result = distance.nearest_facility_km(
        areas,
        facilities,
        ["hospital", "lab"],
        groups={"care": ["hospital", "clinic"]},
        points=centre,
    )
    assert result["lab_km"].isna().all() and result["lab_id"].isna().all()
    care = np.minimum(
        result["hospital_km"],
        distance.nearest_facility_km(areas, facilities, ["clinic"], points=centre)["clinic_km"],
    )
    np.testing.assert_allclose(result["care_km"], care)
    plain = distance.nearest_facility_km(areas, facilities, ["hospital"])
    assert result["hospital_km"].iloc[0] != pytest.approx(plain["hospital_km"].iloc[0])
    np.testing.assert_allclose(result["hospital_km"].iloc[1:], plain["hospital_km"].iloc[1:])
    assert list(result.index) == list(areas.index)


def test_projected_input_gives_the_same_distances(areas, facilities):
    # Points, so that both runs measure from the same place (a polygon's representative point
    # depends on the CRS it is taken in).
    points = areas.set_geometry(areas.representative_point())
    utm = areas.estimate_utm_crs()
    a = distance.nearest_facility_km(points, facilities, ["hospital"])
    b = distance.nearest_facility_km(points.to_crs(utm), facilities.to_crs(utm), ["hospital"])
    np.testing.assert_allclose(a["hospital_km"], b["hospital_km"], rtol=1e-9)


def test_geographic_crs_missing_crs_and_mismatch_are_refused(areas, facilities):
    with pytest.raises(ValueError, match="projected CRS in metres"):
        distance.nearest_facility_km(areas, facilities, crs="EPSG:4326")
    with pytest.raises(ValueError, match="has no CRS"):
        distance.nearest_facility_km(areas.set_crs(None, allow_override=True), facilities)
    with pytest.raises(ValueError, match=r"areas is in .* but facilities is in"):
        distance.nearest_facility_km(areas, facilities.to_crs(3857))
    with pytest.raises(ValueError, match="projected CRS in metres"):
        fca.two_step_fca(areas, facilities, catchment_km=5, crs=4326)


def test_inputs_are_not_modified_and_nothing_warns(areas, facilities):
    a0, f0 = areas.copy(deep=True), facilities.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distance.nearest_facility_km(areas, facilities, groups={"care": access.CARE_TYPES})
        fca.two_step_fca(areas, facilities, catchment_km=5, supply="beds")
        access.available_facilities(facilities, under_construction=True, as_of="2030-01-01")
    assert_geodataframe_equal(areas, a0)
    assert_geodataframe_equal(facilities, f0)


# ------------------------------------------------------------------------------------ shares


def test_population_within_is_inclusive():
    dist = pd.Series([1.0, 5.0, 5.000001, np.nan, 2.0])
    pop = pd.Series([100, 200, 300, 400, None], dtype="Int64")
    got = distance.population_within(dist, pop, 5.0)
    assert got["within"] == 300 and got["total"] == 1000
    assert got["share"] == pytest.approx(0.3)
    assert got["n_areas_within"] == 3  # the area with no population is still within


def test_referral_gap_counts_no_hospital_at_all():
    gap = access.referral_gap(pd.Series([0.5, 10.0, 10.1, np.nan]), 10.0)
    assert gap.tolist() == [False, False, True, True]


def test_available_facilities_what_if(facilities):
    fac = facilities.copy()
    fac.loc[0, "status"] = "under_construction"
    fac.loc[0, "opens_on"] = pd.Timestamp("2027-03-01")
    fac.loc[1, "status"] = "closed"
    fac.loc[2, "status"] = "planned"
    fac.loc[3, "status"] = None
    fac.loc[4, "status"] = "under_construction"  # no opening date
    now = access.available_facilities(fac)
    assert set(now["facility_id"]) == set(fac["facility_id"]) - {"F00", "F01", "F02", "F04"}
    later = access.available_facilities(fac, under_construction=True, as_of="2027-03-01")
    assert "F00" in set(later["facility_id"]) and "F04" not in set(later["facility_id"])
    early = access.available_facilities(fac, under_construction=True, as_of="2027-02-28")
    assert "F00" not in set(early["facility_id"])
    every = access.available_facilities(fac, under_construction=True)
    assert {"F00", "F04"} <= set(every["facility_id"])
    assert set(access.available_facilities(fac, types=["hospital"])["type"]) <= {"hospital"}
    no_status = access.available_facilities(fac.drop(columns=["status"]))
    assert len(no_status) == len(fac)


# ------------------------------------------------------------------------------------ 2SFCA


def _full_costs(areas, facilities):
    crs = distance.metric_crs_for({"areas": areas, "facilities": facilities})
    o = distance.project_points(areas, crs)
    d = distance.project_points(facilities, crs)
    i, j, km = distance.pairs_within(o, d, None)
    return pd.DataFrame(
        {
            "origin": areas["area_id"].to_numpy()[i],
            "dest": facilities["facility_id"].to_numpy()[j],
            "cost": km,
        }
    )


# pysal access 1.1.10 calls set_index(inplace=True), which pandas 3.1 deprecates.
PYSAL_WARNING = "ignore:The inplace keyword in DataFrame.set_index"


@pytest.mark.filterwarnings(PYSAL_WARNING)
@pytest.mark.parametrize("catchment", [3.0, 6.0, 25.0])
def test_2sfca_equals_pysal_access(areas, facilities, catchment):
    pysal = pysal_access
    hospitals = facilities[facilities["type"] == "hospital"]
    ours = fca.two_step_fca(areas, hospitals, catchment_km=catchment, supply="beds", per=1)
    model = pysal.Access(
        demand_df=pd.DataFrame(areas[["area_id", "population"]]).astype({"population": float}),
        demand_index="area_id",
        demand_value="population",
        supply_df=pd.DataFrame(hospitals[["facility_id", "beds"]]).astype({"beds": float}),
        supply_index="facility_id",
        supply_value="beds",
        cost_df=_full_costs(areas, hospitals),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    theirs = model.two_stage_fca(max_cost=catchment)["2sfca_beds"]
    theirs = theirs.reindex(areas["area_id"]).fillna(0.0).to_numpy()
    np.testing.assert_allclose(ours["access"].to_numpy(), theirs, rtol=1e-9, atol=0)


@pytest.mark.filterwarnings(PYSAL_WARNING)
def test_e2sfca_equals_pysal_access(areas, facilities):
    pysal = pysal_access
    zones = [(2.0, 1.0), (4.0, 0.68), (8.0, 0.22)]
    desks = facilities[facilities["desks"] > 0]
    ours = fca.two_step_fca(
        areas, desks, catchment_km=None, supply="desks", decay=fca.step_weights(zones), per=1
    )
    model = pysal.Access(
        demand_df=pd.DataFrame(areas[["area_id", "population"]]).astype({"population": float}),
        demand_index="area_id",
        demand_value="population",
        supply_df=pd.DataFrame(desks[["facility_id", "desks"]]).astype({"desks": float}),
        supply_index="facility_id",
        supply_value="desks",
        cost_df=_full_costs(areas, desks),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    theirs = model.enhanced_two_stage_fca(
        max_cost=8.0, weight_fn=pysal.weights.step_fn(dict(zones))
    )["e2sfca_desks"]
    theirs = theirs.reindex(areas["area_id"]).fillna(0.0).to_numpy()
    np.testing.assert_allclose(ours["access"].to_numpy(), theirs, rtol=1e-9, atol=0)


def test_unlimited_catchment_gives_total_supply_over_total_demand(areas, facilities):
    result = fca.two_step_fca(areas, facilities, catchment_km=None, supply="beds")
    expected = 1000 * (120 + 300 + 60) / areas["population"].sum()
    np.testing.assert_allclose(result["access"].to_numpy(), expected, rtol=1e-12)
    assert result.attrs["n_missing_supply"] == 8  # clinics and offices have no beds
    counted = fca.two_step_fca(areas, facilities, catchment_km=1e6, supply=None)
    np.testing.assert_allclose(
        counted["access"], 1000 * len(facilities) / areas["population"].sum()
    )


def test_2sfca_population_weighted_supply_is_conserved(areas, facilities):
    """Each facility's supply is shared out in full among the people in its catchment."""
    hospitals = facilities[facilities["type"] == "hospital"]
    result = fca.two_step_fca(areas, hospitals, catchment_km=4, supply="beds", per=1)
    served = (result["access"] * areas["population"]).sum()
    crs = distance.metric_crs_for({"a": areas})
    _, j, _ = distance.pairs_within(
        distance.project_points(areas, crs), distance.project_points(hospitals, crs), 4
    )
    reached = hospitals["beds"].to_numpy(dtype=float)[np.unique(j)].sum()
    assert served == pytest.approx(reached, rel=1e-12)


def test_pairs_within_keeps_coincident_points_and_the_edge():
    crs = "EPSG:32639"
    o = distance.PointSet(np.array([[0.0, 0.0], [3000.0, 0.0]]), pd.RangeIndex(2), crs)
    d = distance.PointSet(np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 3000.0]]), pd.RangeIndex(3), crs)
    i, j, km = distance.pairs_within(o, d, 3.0)
    got = sorted(zip(i.tolist(), j.tolist(), km.tolist(), strict=True))
    assert got == [(0, 0, 0.0), (0, 1, 0.0), (0, 2, 3.0), (1, 0, 3.0), (1, 1, 3.0)]


def test_decay_functions():
    w = fca.step_weights([(10, 1), (20, 0.68), (30, 0.22)])
    assert w(np.array([0, 10, 10.5, 20, 30, 30.1])).tolist() == [1, 1, 0.68, 0.68, 0.22, 0]
    g = fca.gaussian_weights(5)
    assert g(np.array([0.0]))[0] == 1 and 0 < g(np.array([5.0]))[0] < 1
    with pytest.raises(ValueError):
        fca.step_weights([])


# ------------------------------------------------------------------------------------ double gap


def test_double_gap_classes_and_people():
    coverage = pd.Series([0.95, 0.95, 0.5, 0.5, np.nan])
    distance = pd.Series([1.0, 9.0, 2.0, np.nan, 1.0])
    classes = access.double_gap(coverage, distance, covered_at=0.9, near_km=2.0)
    assert classes.tolist() == ["covered_near", "insured_far", "uninsured_near", "both", "no_data"]
    summary = access.double_gap_summary(
        classes, pd.Series([10, 20, 30, 40, 50]), pd.Series([0, 1, 15, 20, np.nan])
    )
    assert summary["double_gap"].tolist() == list(access.DOUBLE_GAP_CLASSES)
    assert summary["population"].tolist() == [10, 20, 30, 40, 50]
    assert summary["population"].sum() == 150  # every person in exactly one class


def test_facility_needs_ranks_far_areas_by_people():
    table = pd.DataFrame(
        {
            "area_id": ["a", "b", "c", "d"],
            "population": [100, 500, 300, 50],
            "uninsured": [90, 10, 50, 5],
            "care_km": [1.0, 8.0, np.nan, 5.0],
        }
    )
    needs = access.facility_needs(table, distance_column="care_km", near_km=5.0)
    assert needs["area_id"].tolist() == ["b", "c"] and needs["rank"].tolist() == [1, 2]
    by_uninsured = access.facility_needs(
        table, distance_column="care_km", near_km=0.5, weight="uninsured"
    )
    assert by_uninsured["area_id"].tolist() == ["a", "c", "b", "d"]
    assert list(table.columns) == ["area_id", "population", "uninsured", "care_km"]


# --------------------------------------------------------------------------------------------------
# the point each area is measured from
# --------------------------------------------------------------------------------------------------


def test_area_points_use_the_population_centre_where_known_else_the_representative_point(areas):
    plain = distance.area_points(areas)
    assert plain.crs == areas.crs and plain.index.equals(areas.index)
    assert plain.geom_type.eq("Point").all()
    assert areas.geometry.contains(plain).all()  # a point inside each polygon
    weighted = areas.copy()
    weighted["pop_lon"] = areas.geometry.bounds["minx"] + 0.1 * DLON
    weighted["pop_lat"] = areas.geometry.bounds["miny"] + 0.1 * DLAT
    weighted.loc[weighted.index[:3], "pop_lat"] = np.nan  # unknown: representative point
    points = distance.area_points(weighted)
    np.testing.assert_allclose(points.x.to_numpy()[3:], weighted["pop_lon"].to_numpy()[3:])
    np.testing.assert_allclose(points.y.to_numpy()[3:], weighted["pop_lat"].to_numpy()[3:])
    assert points.iloc[:3].geom_equals(plain.iloc[:3]).all()
    # distances are measured from those points (the same as handing them over as points=)
    fac = facilities_frame()
    from_columns = distance.nearest_facility_km(weighted, fac, ["clinic"], points=points)
    from_points = distance.nearest_facility_km(areas, fac, ["clinic"], points=points)
    from_shapes = distance.nearest_facility_km(areas, fac, ["clinic"])
    np.testing.assert_allclose(from_columns["clinic_km"], from_points["clinic_km"])
    assert not np.allclose(from_columns["clinic_km"], from_shapes["clinic_km"])


def test_area_points_in_a_projected_crs_take_the_centre_from_longitude_latitude(areas):
    weighted = areas.copy()
    weighted["pop_lon"] = areas.geometry.bounds["minx"] + 0.3 * DLON
    weighted["pop_lat"] = areas.geometry.bounds["miny"] + 0.6 * DLAT
    projected = weighted.to_crs(32639)
    points = distance.area_points(projected)
    assert points.crs == projected.crs
    back = points.to_crs(4326)
    np.testing.assert_allclose(back.x.to_numpy(), weighted["pop_lon"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(back.y.to_numpy(), weighted["pop_lat"].to_numpy(), atol=1e-9)


def test_area_points_refuse_an_area_with_neither_shape_nor_centre(areas):
    broken = areas.copy()
    broken.loc[broken.index[0], "geometry"] = None
    with pytest.raises(ValueError, match="no geometry"):
        distance.area_points(broken)
    broken["pop_lon"], broken["pop_lat"] = 51.3, 35.6  # a centre makes the row usable
    assert distance.area_points(broken).iloc[0].x == pytest.approx(51.3)
    with pytest.raises(ValueError, match="no CRS"):
        distance.area_points(areas.set_crs(None, allow_override=True))


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(51.4, 35.7), (-0.5, 51.5), (0.5, 51.5), (106.7, 10.8), (-58.4, -34.6), (179.9, -16.0)],
)
def test_utm_zone_is_the_one_geopandas_estimates(lon, lat):
    geoms = gpd.GeoSeries([Point(lon - 0.2, lat - 0.1), Point(lon + 0.2, lat + 0.1)], crs=4326)
    assert distance.utm_crs(geoms) == geoms.estimate_utm_crs()
    assert distance.metric_crs_for({"areas": geoms}) == geoms.estimate_utm_crs()


def test_facility_needs_leave_out_areas_without_population():
    """No data is not a rank: an area with no (or zero) population is far from care but no
    rank of the list, whatever it is ranked by."""
    table = pd.DataFrame(
        {
            "area_id": ["a", "b", "c", "d"],
            "population": [100.0, np.nan, 0.0, 40.0],
            "uninsured": [90.0, 70.0, 60.0, 5.0],
            "care_km": [9.0, 30.0, 20.0, 8.0],
        }
    )
    for weight in (None, "uninsured"):
        needs = access.facility_needs(table, distance_column="care_km", near_km=5.0, weight=weight)
        assert needs["area_id"].tolist() == ["a", "d"] and needs["rank"].tolist() == [1, 2]
