"""Population counts moved onto another grid, and which polygon holds each cell (geodata.sources.rasters)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

from geodata.sources.rasters import Grid, polygon_cells, sum_onto

CRS = pyproj.CRS.from_epsg(32738)


def test_people_summed_onto_a_coarser_grid_are_the_same_people(tmp_path):
    rng = np.random.default_rng(5)
    fine = rng.uniform(0, 10, (40, 60)).astype("float32")
    fine[0, 0] = -1  # nodata: no one
    path = tmp_path / "people.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=40,
        width=60,
        count=1,
        dtype="float32",
        crs=CRS.to_wkt(),
        transform=Affine(100, 0, 500_000, 0, -100, 8_800_000),
        nodata=-1,
    ) as dst:
        dst.write(fine, 1)
    coarse = Grid(np.zeros((4, 6)), Affine(1000, 0, 500_000, 0, -1000, 8_800_000), CRS)
    out = sum_onto(path, coarse)
    expected = np.where(fine < 0, 0, fine).reshape(4, 10, 6, 10).sum(axis=(1, 3))
    assert out == pytest.approx(expected, rel=1e-5)


def test_each_cell_belongs_to_the_polygon_holding_its_centre():
    grid = Grid(np.zeros((3, 4)), Affine(1000, 0, 0, 0, -1000, 3000), CRS)
    polygons = gpd.GeoSeries(
        [shapely.box(0, 0, 2000, 3000), shapely.box(2000, 1000, 4000, 3000)], crs=CRS
    )
    assert polygon_cells(polygons, grid).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, -1, -1]]
