"""Real data: the Comoros workspace builds from tests/recipes/comoros.toml (hexagon areas made from
the WorldPop 2020 raster, OpenStreetMap facilities)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from geodata.store.workspace import read_workspace
from geodata.tables.schema import FACILITY_TYPES
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

    from geodata.store.workspace import latest_version, read_table, save_version
    from traveltime.workspace import road_network

    path = tmp_path / "comoros.gpkg"
    shutil.copy(comoros_workspace, path)
    first = latest_version(path)
    network = road_network(path)
    assert network.graph.n_nodes > 50_000  # PROVENANCE: 54,764 driving / 63,222 walking nodes
    assert road_network(path, first) is network  # cached for the version
    # a version that changes another table keeps the files, and shares the processed network
    facilities = read_workspace(path)["facilities"]
    same_files = save_version(path, {"facilities": facilities.head(10)}, message="fewer sites")
    assert road_network(path, same_files) is network
    # a new version (here: without its speed table, so with the built-in one) is processed
    # again; the old version keeps its own
    table = read_table(path, "inputs")
    save_version(path, {"inputs": table[table["role"] != "speeds"]}, message="default speeds")
    assert road_network(path) is not network
    assert road_network(path, first) is network and road_network(path, same_files) is network


def test_comoros_hospital_catchments_hold_their_people(comoros_workspace, tmp_path):
    """15/30/60-minute catchments of the hospitals and of a proposed site over the workspace's
    friction surface: the people inside are the WorldPop people of the cells reached (the stored
    raster summed onto the 1 km grid); the uninsured are known once the areas have insured counts."""
    import shutil

    import pandas as pd

    from analytics.traveltime.friction import cost_distance, snap_to_passable
    from geodata.store.workspace import save_version
    from traveltime.workspace import catchments, friction_surface, lonlat_cells, people_grid

    surface = friction_surface(comoros_workspace)
    grid = surface.friction_s
    assert grid.shape == (117, 147)  # the kit's 1 km grid
    people = people_grid(comoros_workspace)
    # the 1 km grid stops at 44.53 E: the eastern tip of Ndzuwani (about 1 %) lies beyond it
    assert people.sum() == pytest.approx(869_595, rel=0.02)
    facilities = read_workspace(comoros_workspace)["facilities"]
    hospitals = facilities[facilities["type"] == "hospital"]
    lon = np.append(hospitals.geometry.x.to_numpy(), 43.40)  # and a proposed site inland
    lat = np.append(hospitals.geometry.y.to_numpy(), -11.50)
    found = catchments(comoros_workspace, lon, lat, [15, 30, 60])
    table = found.table
    assert len(table) == 3 * len(lon) and table["uninsured"].isna().all()  # no insured data
    by_time = table.pivot(index="start", columns="minutes", values="people")
    assert (by_time[15] <= by_time[30]).all() and (by_time[30] <= by_time[60]).all()
    assert by_time[30].max() > 100_000  # Moroni's hospitals reach a large share of Ngazidja
    # the proposed site: the people of the cells its own cost-distance puts within 30 minutes
    rows, cols = lonlat_cells(grid, lon[-1:], lat[-1:])
    rows, cols, moved = snap_to_passable(grid.values, rows, cols, max_cells=2)  # onto land
    assert found.moved_cells[-1] == moved[0]
    cost = cost_distance(grid.values, rows, cols, ns_over_ew=surface.ns_over_ew).cost
    within = np.nan_to_num(cost, nan=np.inf) <= 30 * 60
    site = len(lon) - 1
    assert by_time.loc[site, 30] == pytest.approx(people[within].sum())
    polygons = found.polygons.set_index(["start", "minutes"])
    assert polygons.loc[(site, 30)].geometry.area > polygons.loc[(site, 15)].geometry.area

    # with half of every area insured, half the people inside are uninsured
    path = tmp_path / "insured.gpkg"
    shutil.copy(comoros_workspace, path)
    areas = read_workspace(path)["areas"]
    insured = pd.DataFrame(
        {
            "area_id": areas["area_id"],
            "period": pd.Timestamp("2024-01-01"),
            "scheme": "health",
            "insured": (areas["population"] // 2).astype("Int64"),
        }
    )
    save_version(path, {"insured": insured}, message="half insured")
    half = catchments(path, lon[-1:], lat[-1:], [30]).table
    assert half["uninsured"].item() == pytest.approx(half["people"].item() / 2, rel=0.02)


def test_comoros_network_catchments_are_the_areas_reached(comoros_workspace):
    """Over the road network a catchment is the hexagons whose measuring point the trip reaches:
    its people are theirs, as nearest_times with that facility alone counts them."""
    import pyproj

    from analytics.traveltime.network import nearest_times
    from traveltime.workspace import catchments, road_network

    tables = read_workspace(comoros_workspace)
    areas, facilities = tables["areas"], tables["facilities"]
    hospitals = facilities[facilities["type"] == "hospital"].head(5)
    found = catchments(
        comoros_workspace,
        hospitals.geometry.x.to_numpy(),
        hospitals.geometry.y.to_numpy(),
        [15, 30],
        engine="network",
    )
    network = road_network(comoros_workspace)
    to_m = pyproj.Transformer.from_crs(4326, network.crs, always_xy=True)
    origins = np.column_stack(to_m.transform(areas["pop_lon"], areas["pop_lat"]))
    sites = np.column_stack(to_m.transform(hospitals.geometry.x, hospitals.geometry.y))
    people = areas["population"].astype("float64").to_numpy()
    alone = nearest_times(network.graph, origins, sites[:1]).seconds
    first = found.table.query("start == 0").set_index("minutes")["people"]
    assert first[15] == pytest.approx(people[alone <= 15 * 60].sum())
    assert first[30] == pytest.approx(people[alone <= 30 * 60].sum())
    assert first[30] > first[15] > 0
    reached = found.polygons.set_index(["start", "minutes"]).loc[(0, 30)].geometry
    assert reached.area == pytest.approx(areas.geometry[alone <= 30 * 60].union_all().area)
