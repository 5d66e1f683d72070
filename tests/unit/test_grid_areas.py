"""Areas made from a population raster: hexagons with their cells' people (geodata.sources.grid_areas)."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from rasterio.transform import from_origin

from geodata.sources.grid_areas import hex_index, hex_polygons, hexagon_areas
from geodata.sources.rasters import Grid, write_grid
from geodata.sources.recipe import build_from_recipe
from geodata.tables.problems import DataError

CELL_DEG = 0.001  # about 110 m


def write_raster(path, values, west=43.0, north=-11.0, nodata=-99999.0):
    grid = Grid(
        np.asarray(values, dtype="float64"),
        from_origin(west, north, CELL_DEG, CELL_DEG),
        pyproj.CRS.from_epsg(4326),
    )
    write_grid(path, grid, dtype="float32", nodata=nodata)
    return path


def two_islands(tmp_path):
    """Two blocks of land 30 cells apart; water (nodata) between and around them."""
    rng = np.random.default_rng(7)
    values = np.full((40, 80), -99999.0)
    values[5:35, 2:30] = rng.uniform(0, 20, (30, 28))
    values[10:20, 60:75] = rng.uniform(0, 5, (10, 15))
    return write_raster(tmp_path / "pop.tif", values), values


def test_hex_index_finds_the_hexagon_holding_each_point():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-5000, 5000, 2000), rng.uniform(-5000, 5000, 2000)
    q, r = hex_index(x, y, 700.0)
    polygons = hex_polygons(q, r, 700.0)
    import shapely

    assert shapely.intersects_xy(polygons, x, y).all()
    # and each point is nearer its hexagon's centre than any other's
    centres = shapely.centroid(polygons)
    d = np.hypot(shapely.get_x(centres) - x, shapely.get_y(centres) - y)
    assert (d <= 700.0 + 1e-6).all()


def test_people_per_hexagon_are_the_sum_of_their_cells(tmp_path):
    path, values = two_islands(tmp_path)
    areas = hexagon_areas(
        path, 0.8, district_names={"West": [43.015, -11.02], "East": [43.065, -11.015]}
    )
    valid = values[values >= 0]
    assert int(areas["population"].sum()) == pytest.approx(valid.sum(), abs=len(areas) / 2)
    assert areas["area_id"].is_unique and areas.geometry.is_valid.all()
    assert set(areas["district_name"]) == {"West", "East"}
    # each island's people are its district's
    west = values[5:35, 2:30].sum()
    got = areas.groupby("district_name")["population"].sum()
    assert got["West"] == pytest.approx(west, abs=int((areas["district_name"] == "West").sum()))
    # each hexagon holds the cells whose centres lie in it: count them again from its polygon
    import geopandas as gpd

    rows, cols = np.nonzero(values >= 0)
    centres = gpd.GeoDataFrame(
        {"people": values[rows, cols]},
        geometry=gpd.points_from_xy(
            43.0 + (cols + 0.5) * CELL_DEG, -11.0 - (rows + 0.5) * CELL_DEG
        ),
        crs="EPSG:4326",
    )
    joined = gpd.sjoin(centres, areas[["area_id", "geometry"]], predicate="within")
    joined = joined[~joined.index.duplicated()]
    by_hex = joined.groupby("area_id")["people"].sum().round()
    inside = areas.set_index("area_id")["population"].astype(float).loc[by_hex.index]
    assert (np.abs(by_hex - inside) <= 1).mean() > 0.95  # cells on a cut coastline may fall outside
    # measuring points are on the areas' own land
    assert (
        areas["pop_lon"].between(43.0, 43.08).all()
        and areas["pop_lat"].between(-11.04, -11.0).all()
    )


def test_unnamed_islands_are_numbered_by_people(tmp_path):
    path, _ = two_islands(tmp_path)
    areas = hexagon_areas(path, 0.8)
    got = areas.groupby("district_name")["population"].sum()
    assert list(got.sort_values(ascending=False).index) == ["Island 1", "Island 2"]
    assert areas["name"].str.startswith("Island ").all()


def test_a_district_point_in_the_sea_is_an_error(tmp_path):
    path, _ = two_islands(tmp_path)
    with pytest.raises(DataError, match="Lagoon"):
        hexagon_areas(path, 0.8, district_names={"Lagoon": [43.045, -11.02]})


def test_recipe_builds_hexagon_areas_and_fills_blank_columns(tmp_path):
    _path, values = two_islands(tmp_path)
    (tmp_path / "sites.csv").write_text(
        "amenity,healthcare,name,lat,lon\n"
        "hospital,,Central,-11.02,43.015\n"
        ",clinic,,-11.015,43.065\n"
        ",,,-11.016,43.066\n",
        encoding="utf-8",
    )
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        """
name = "Two islands"
[areas]
grid = "hexagon"
population_raster = "pop.tif"
cell_km = 0.8
district_names = { West = [43.015, -11.02], East = [43.065, -11.015] }
[facilities]
path = "sites.csv"
columns = { facility_id = "_row", name = "name", type = "amenity", lat = "lat", lon = "lon" }
fill = { type = "healthcare", name = "Site {_row} ({type})" }
""",
        encoding="utf-8",
    )
    tables, report = build_from_recipe(recipe)
    areas = tables["areas"]
    assert int(areas["population"].sum()) == pytest.approx(
        values[values >= 0].sum(), abs=len(areas)
    )
    facilities = tables["facilities"].sort_values("facility_id")
    assert list(facilities["type"]) == ["hospital", "clinic"]
    assert list(facilities["name"]) == ["Central", "Site 3 (clinic)"]  # the file's line number
    assert report.sections["facilities"].rejected == 1  # neither tag: reported, not guessed


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('grid = "square"\npopulation_raster = "pop.tif"\ncell_km = 1', "grid can be"),
        ('grid = "hexagon"\npopulation_raster = "pop.tif"', "cell_km"),
        ('grid = "hexagon"\npopulation_raster = "pop.tif"\ncell_km = -2', "above 0"),
        (
            'grid = "hexagon"\npopulation_raster = "pop.tif"\ncell_km = 1\npath = "a.shp"',
            "does not go",
        ),
        ('path = "a.shp"\ncell_km = 2', "unknown setting"),
    ],
)
def test_grid_settings_are_checked(tmp_path, settings, message):
    recipe = tmp_path / "r.toml"
    recipe.write_text(f"[areas]\n{settings}\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        build_from_recipe(recipe)
