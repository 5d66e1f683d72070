"""Checks of a travel input replaced from the Data page (#19, :mod:`geodata.uploads.travel_inputs`):
each bad raster or speed table is refused with a code naming the file (and the key where one
applies) before anything is saved; small rasters written here, no real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine

from geodata.sources.rasters import Grid, write_grid
from geodata.tables.problems import DataError
from geodata.uploads.travel_inputs import check_input_files, check_speed_table

#: The workspace's areas: around Moroni (lon, lat).
AREAS = np.array([43.2, -11.8, 43.3, -11.6])


def raster(path: Path, west: float = 43.2, north: float = -11.6, shape=(4, 5)) -> Path:
    values = np.ones(shape)
    write_grid(path, Grid(values, Affine(0.01, 0, west, 0, -0.01, north), pyproj.CRS(4326)))
    return path


def refused(role: str, paths: list[Path], kit_shape=None) -> DataError:
    with pytest.raises(DataError) as caught:
        check_input_files(role, paths, AREAS, kit_shape)
    return caught.value


def test_good_rasters_pass(tmp_path):
    check_input_files("population", [raster(tmp_path / "people.tif")], AREAS)
    covers = [raster(tmp_path / f"landcover_{c}.tif") for c in ("Tree", "Crops")]
    check_input_files("landcover", covers, AREAS, (4, 5))


def test_a_raster_without_crs_is_refused(tmp_path):
    path = tmp_path / "elevation.tif"
    grid = {"height": 2, "width": 2, "transform": Affine(0.01, 0, 43.2, 0, -0.01, -11.6)}
    with rasterio.open(path, "w", driver="GTiff", count=1, dtype="float32", **grid) as dst:
        dst.write(np.zeros((2, 2), dtype="float32"), 1)
    error = refused("elevation", [path])
    assert (error.code, error.params["file"]) == ("travel_no_crs", "elevation.tif")


def test_a_raster_outside_the_areas_is_refused(tmp_path):
    error = refused("population", [raster(tmp_path / "people.tif", west=10.0, north=50.0)])
    assert error.code == "travel_outside" and error.params["file"] == "people.tif"
    assert error.params["west"] == 10.0


def test_kit_rasters_keep_their_names_and_grid(tmp_path):
    error = refused("slope", [raster(tmp_path / "steepness.tif")])
    assert (error.code, error.params["example"]) == ("travel_kit_name", "slope.tif")
    error = refused("slope", [raster(tmp_path / "slope.tif", shape=(3, 3))], kit_shape=(4, 5))
    assert error.code == "travel_grid"
    assert (error.params["rows"], error.params["kit_rows"]) == (3, 4)


def test_one_file_for_a_single_file_role(tmp_path):
    paths = [raster(tmp_path / "a.tif"), raster(tmp_path / "b.tif")]
    assert refused("population", paths).code == "travel_one_file"
    assert refused("roads", [tmp_path / "a.tif"]).code == "travel_suffix"


@pytest.mark.parametrize(
    ("content", "code", "entry"),
    [
        ("[1, 2]", "travel_speeds_sections", None),
        (
            '{"land-cover": {}, "transport": {"highway": 5}}',
            "travel_speeds_key",
            "transport.highway",
        ),
        (
            '{"land-cover": {"Tree": 4}, "transport": {"highway": {"track": null}}}',
            "travel_speeds_value",
            "transport.highway.track",
        ),
        (
            '{"land-cover": {"Tree": true}, "transport": {"highway": {}}}',
            "travel_speeds_value",
            "land-cover.Tree",
        ),
    ],
)
def test_a_malformed_speed_table_names_what_is_wrong(tmp_path, content, code, entry):
    path = tmp_path / "speeds.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        check_speed_table(path)
    assert caught.value.code == code and caught.value.params["file"] == "speeds.json"
    assert caught.value.params.get("entry") == entry


def test_the_default_layout_passes(tmp_path):
    from analytics.traveltime.speeds import DEFAULT_TABLE

    path = tmp_path / "moving-speeds.json"
    path.write_text(json.dumps(DEFAULT_TABLE), encoding="utf-8")
    assert check_speed_table(path) == DEFAULT_TABLE
