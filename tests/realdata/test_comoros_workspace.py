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
