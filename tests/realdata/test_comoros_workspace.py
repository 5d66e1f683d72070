"""Real data: the Comoros workspace builds from tests/recipes/comoros.toml (hexagon areas made from
the WorldPop 2020 raster, OpenStreetMap facilities)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from geodata.schema import FACILITY_TYPES
from geodata.store import read_workspace
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.realdata

KIT = SHARED_DATA / "comoros_geohealthaccess"


def test_comoros_hexagons_hold_the_rasters_people(comoros_workspace):
    areas = read_workspace(comoros_workspace)["areas"]
    with rasterio.open(KIT / "population.tif") as src:
        raster_total = float(src.read(1, masked=True).astype("float64").sum())
    assert raster_total == pytest.approx(869_595, abs=1)
    assert len(areas) == 423  # hexagons 2.5 km across holding at least one populated cell
    # each hexagon's count is rounded to whole people: the total stays within half a person each
    assert abs(int(areas["population"].sum()) - raster_total) <= len(areas) / 2
    assert areas["population"].notna().all() and areas["area_id"].is_unique
    assert areas.geometry.is_valid.all() and areas.crs.to_epsg() == 4326
    by_island = areas.groupby("district_name")["population"].sum()
    assert set(by_island.index) == {"Ngazidja", "Mwali", "Ndzuwani"}
    assert by_island["Ngazidja"] == pytest.approx(449_425, rel=0.01)
    # names come from OpenStreetMap settlements, in Latin script, each area its own
    assert areas["name"].is_unique
    assert not areas["name"].str.contains("[\u0600-\u06ff]").any()
    assert {"Moroni", "Mutsamudu", "Fomboni"} <= set(areas["name"])
    # the measuring point of each area lies in it or on its edge
    import geopandas as gpd

    points = gpd.GeoSeries(gpd.points_from_xy(areas["pop_lon"], areas["pop_lat"]), crs=4326)
    metric = areas.estimate_utm_crs()
    gap_m = points.to_crs(metric).distance(areas.geometry.reset_index(drop=True).to_crs(metric))
    assert (gap_m < 100).mean() > 0.97


def test_comoros_facilities_mapped_to_the_vocabulary(comoros_workspace):
    tables = read_workspace(comoros_workspace)
    assert "insured" not in tables or tables["insured"].empty
    facilities = tables["facilities"]
    assert len(facilities) == 69  # one OSM object has neither an amenity nor a healthcare type
    assert set(facilities["type"]) <= set(FACILITY_TYPES)
    counts = facilities["type"].value_counts()
    assert counts["hospital"] == 29 and counts["pharmacy"] == 24
    assert facilities["name"].notna().all() and facilities["facility_id"].is_unique
    assert np.isfinite(facilities.geometry.x).all()


def test_comoros_engines_read_the_workspaces_inputs_once_per_version(comoros_workspace, tmp_path):
    import shutil

    from geodata.store import latest_version, read_table, save_version
    from traveltime.workspace import road_network

    path = tmp_path / "comoros.gpkg"
    shutil.copy(comoros_workspace, path)
    first = latest_version(path)
    network = road_network(path)
    assert network.graph.n_nodes > 50_000  # PROVENANCE: 54,764 driving / 63,222 walking nodes
    assert road_network(path, first) is network  # cached for the version
    # a new version (here: without its speed table, so with the built-in one) is processed
    # again; the old version keeps its own
    table = read_table(path, "inputs")
    save_version(path, {"inputs": table[table["role"] != "speeds"]}, message="default speeds")
    assert road_network(path) is not network
    assert road_network(path, first) is network


def test_comoros_hospital_catchments_hold_their_people(comoros_workspace):
    """30-minute catchments of the hospitals over the friction surface; the people inside are the
    WorldPop people of the cells reached (the raster summed onto the 1 km grid)."""
    import rasterio.warp
    from rasterio.enums import Resampling

    from analytics.traveltime.catchments import catchment_people, catchment_polygons, reach_within
    from traveltime.workspace import cells_with_people, friction_surface

    surface = friction_surface(comoros_workspace)
    grid = surface.friction_s
    assert grid.shape == (117, 147)  # the kit's 1 km grid
    facilities = read_workspace(comoros_workspace)["facilities"]
    hospitals = facilities[facilities["type"] == "hospital"]
    rows, cols = cells_with_people(grid, hospitals.geometry.x, hospitals.geometry.y)
    with rasterio.open(KIT / "population.tif") as src:
        people = np.zeros(grid.shape, dtype="float64")
        rasterio.warp.reproject(
            src.read(1, masked=True).filled(0).astype("float64"),
            people,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=grid.transform,
            dst_crs=grid.crs.to_wkt(),
            resampling=Resampling.sum,
        )
    reach = reach_within(grid.values, rows, cols, 60, ns_over_ew=surface.ns_over_ew)
    table = catchment_people(reach, [15, 30, 60], people)
    polygons = catchment_polygons(reach, [30], grid.transform, grid.crs)
    assert len(polygons) == len(hospitals) - len(reach.stranded)
    by_time = table.pivot(index="start", columns="minutes", values="people")
    assert (by_time[15] <= by_time[30]).all() and (by_time[30] <= by_time[60]).all()
    assert by_time[60].max() <= people.sum() + 1
    assert by_time[30].max() > 10_000  # a hospital in a town reaches many thousands in 30 min
