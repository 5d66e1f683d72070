"""Travel inputs read in the upload sandbox (#18, #19, :mod:`geodata.uploads.travel_sandbox`): a
road extract that overruns the travel inputs' memory or time limit is refused with a message
naming the file and the limit, and the app's process goes on checking the next file; a raster is
opened with GDAL's GTiff driver only; saving a replacement never opens the file in the app's
process."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine

from geodata.sources.inputs import stored_inputs
from geodata.sources.rasters import Grid, write_grid
from geodata.store.workspace import list_versions
from geodata.tables.problems import DataError
from geodata.uploads import travel_inputs
from geodata.uploads.travel_inputs import check_input_files, save_travel_inputs
from tests.conftest import SHARED_DATA

EXTRACT = SHARED_DATA / "comoros_geohealthaccess" / "comores-latest.osm.pbf"
#: Areas around Moroni (lon, lat), inside the Comoros extract.
MORONI = np.array([43.2, -11.8, 43.3, -11.6])


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    if not EXTRACT.exists():
        pytest.skip(f"real data not found at {EXTRACT}")
    return Path(shutil.copyfile(EXTRACT, tmp_path / "comoros-2021.osm.pbf"))


def refused(path: Path, role: str = "roads", areas: np.ndarray = MORONI) -> DataError:
    with pytest.raises(DataError) as caught:
        check_input_files(role, [path], areas)
    return caught.value


@pytest.mark.realdata
@pytest.mark.parametrize("limit", [1, 20])  # 1 MB: libosmium cannot start its threads
def test_an_extract_over_the_memory_limit_is_refused_and_the_next_one_read(
    extract, monkeypatch, limit
):
    monkeypatch.setenv("COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB", str(limit))
    error = refused(extract)
    assert error.code in {"travel_memory", "travel_crashed"}, error.message
    assert (error.params["file"], error.params["limit"]) == ("comoros-2021.osm.pbf", limit)
    assert "COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB" in error.message
    monkeypatch.delenv("COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB")
    check_input_files("roads", [extract], MORONI)  # this process reads on


@pytest.mark.realdata
def test_an_extract_past_the_time_limit_is_stopped(extract, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_UPLOAD_TRAVEL_TIMEOUT_S", "0.05")
    error = refused(extract)
    assert (error.code, error.params["file"]) == ("travel_timeout", "comoros-2021.osm.pbf")
    assert error.params["seconds"] == 0.05


def test_a_raster_in_another_format_under_a_tif_name_is_refused(tmp_path):
    source = tmp_path / "source.tif"
    write_grid(
        source, Grid(np.ones((4, 5)), Affine(0.01, 0, 43.2, 0, -0.01, -11.6), pyproj.CRS(4326))
    )
    vrt = tmp_path / "people.tif"  # a VRT: it could name any file the server can read
    with rasterio.open(source) as src:
        srs = src.crs.to_wkt()
    vrt.write_text(
        f'<VRTDataset rasterXSize="5" rasterYSize="4"><SRS>{srs}</SRS>'
        "<GeoTransform>43.2, 0.01, 0, -11.6, 0, -0.01</GeoTransform>"
        '<VRTRasterBand dataType="Float64" band="1"><SimpleSource>'
        f"<SourceFilename>{source}</SourceFilename><SourceBand>1</SourceBand>"
        "</SimpleSource></VRTRasterBand></VRTDataset>",
        encoding="utf-8",
    )
    error = refused(vrt, "population")
    assert (error.code, error.params["file"]) == ("travel_raster_unreadable", "people.tif")


def test_saving_a_raster_never_opens_it_in_this_process(demo_workspace, tmp_path, monkeypatch):
    workspace = Path(shutil.copyfile(demo_workspace, tmp_path / "demo.gpkg"))
    tree, slope = tmp_path / "landcover_Tree.tif", tmp_path / "slope.tif"
    grid = Grid(np.ones((26, 36)), Affine(0.01, 0, 51.22, 0, -0.01, 35.83), pyproj.CRS(4326))
    write_grid(tree, grid)
    write_grid(slope, Grid(np.ones((20, 30)), grid.transform, grid.crs))
    before = len(list_versions(workspace))

    def no_gdal_here(*args, **kwargs):
        raise AssertionError("a travel input was opened with GDAL in the app's process")

    monkeypatch.setattr(rasterio, "open", no_gdal_here)
    number, change = save_travel_inputs(workspace, "landcover", [tree], author="tests")
    versions = list_versions(workspace)
    assert number == versions[-1].number and len(versions) == before + 1
    assert [f.name for f in change.new] == ["landcover_Tree.tif"]
    assert {(f.role, f.name) for f in stored_inputs(workspace)} >= {
        ("landcover", "landcover_Tree.tif")
    }
    # the stored land cover's grid, read in the sandbox too, against a slope on another grid
    with pytest.raises(DataError) as caught:
        travel_inputs.check_travel_inputs(workspace, "slope", [slope])
    assert caught.value.code == "travel_grid" and caught.value.params["kit_rows"] == 26


def test_saving_the_checked_files_does_not_read_them_again(demo_workspace, tmp_path, monkeypatch):
    workspace = Path(shutil.copyfile(demo_workspace, tmp_path / "demo.gpkg"))
    people = tmp_path / "people.tif"
    grid = Grid(np.ones((26, 36)), Affine(0.01, 0, 51.22, 0, -0.01, 35.83), pyproj.CRS(4326))
    write_grid(people, grid)
    change = travel_inputs.check_travel_inputs(workspace, "population", [people])

    def read_again(role, path, **kwargs):
        raise AssertionError(f"{path.name} read again")

    monkeypatch.setattr(travel_inputs, "read_travel_file_isolated", read_again)
    other = tmp_path / "other" / "people.tif"  # the same name, other bytes: read again
    other.parent.mkdir()
    write_grid(other, Grid(np.zeros((26, 36)), grid.transform, grid.crs))
    with pytest.raises(AssertionError, match=r"people\.tif read again"):
        save_travel_inputs(workspace, "population", [other], checked=change)
    number, saved = save_travel_inputs(workspace, "population", [people], checked=change)
    assert saved.new == change.new and number == list_versions(workspace)[-1].number
