"""Travel-time inputs (a road extract, its speed table, rasters) kept in the workspace byte for
byte, one version at a time, on GeoPackage and PostGIS (geodata.sources.inputs)."""

from __future__ import annotations

import hashlib
import os

import pytest

from geodata.sources import inputs
from geodata.sources.recipe import build_workspace
from geodata.sources.recipe_format import load_recipe
from geodata.store.workspace import list_versions
from geodata.tables.problems import DataError

AREAS = """name,wkt,population
A,"POLYGON((43 -11, 43.1 -11, 43.1 -11.1, 43 -11.1, 43 -11))",100
"""


def kit(tmp_path, roads: bytes):
    (tmp_path / "areas.csv").write_text("id," + AREAS.replace("\nA", "\n1,A"), encoding="utf-8")
    (tmp_path / "x.osm.pbf").write_bytes(roads)
    (tmp_path / "speeds.json").write_text('{"land-cover": {}, "transport": {}}', encoding="utf-8")
    for name in ("landcover_Tree.tif", "landcover_Grass.tif", "slope.tif", "water_osm.tif"):
        (tmp_path / name).write_bytes(hashlib.sha256(name.encode()).digest() * 40)
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        """
[areas]
path = "areas.csv"
columns = { area_id = "id", name = "name", population = "population", wkt = "wkt" }
crs = "EPSG:4326"
[roads]
path = "x.osm.pbf"
speeds = "speeds.json"
[rasters]
landcover = "landcover_*.tif"
slope = "slope.tif"
water = ["water_osm.tif"]
""",
        encoding="utf-8",
    )
    return recipe


def test_inputs_are_stored_per_version_byte_for_byte(tmp_path, new_workspace):
    first = os.urandom(inputs.PART_BYTES * 2 + 123)  # three parts
    recipe = kit(tmp_path, first)
    v1, report = build_workspace(recipe, new_workspace)
    assert report.sections["roads"].kept == 2 and report.sections["rasters"].kept == 4
    held = {(f.role, f.name) for f in inputs.stored_inputs(new_workspace, v1)}
    assert held == {
        ("roads", "x.osm.pbf"),
        ("speeds", "speeds.json"),
        ("landcover", "landcover_Grass.tif"),
        ("landcover", "landcover_Tree.tif"),
        ("slope", "slope.tif"),
        ("water", "water_osm.tif"),
    }
    cache = tmp_path / "cache"
    files = inputs.input_files(new_workspace, v1, cache=cache)
    assert files["roads"][0].read_bytes() == first
    assert files["roads"][0].name == "x.osm.pbf"
    assert [p.name for p in files["landcover"]] == ["landcover_Grass.tif", "landcover_Tree.tif"]

    # the same files again: the new version shares the stored layer
    v2, _ = build_workspace(recipe, new_workspace)
    # another extract: a new layer; the old version still gives its own bytes back
    second = os.urandom(5000)
    (tmp_path / "x.osm.pbf").write_bytes(second)
    v3, _ = build_workspace(recipe, new_workspace)
    layers = {v.number: v.layers["inputs"] for v in list_versions(new_workspace)}
    assert layers[v2] == layers[v1] != layers[v3]
    assert inputs.input_files(new_workspace, v3, cache=cache)["roads"][0].read_bytes() == second
    assert inputs.input_files(new_workspace, v1, cache=cache)["roads"][0].read_bytes() == first


def test_damaged_parts_are_refused(tmp_path):
    recipe = kit(tmp_path, b"roads")
    out = tmp_path / "ws.gpkg"
    build_workspace(recipe, out)
    from geodata.store.workspace import read_table, save_version

    table = read_table(out, "inputs")
    table.loc[table["name"] == "x.osm.pbf", "data"] = "cm9hZHo="  # "roadz"
    save_version(out, {"inputs": table}, message="damaged")
    with pytest.raises(DataError, match="SHA-256"):
        inputs.input_files(out, cache=tmp_path / "cache")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[roads]\nspeeds = "speeds.json"', "needs path"),
        ('[roads]\npath = "missing.pbf"', "no file missing.pbf"),
        ('[rasters]\nlandcover = "nothing_*.tif"', "no file nothing_"),
        ('[rasters]\nlandcover = "landcover_*.tif"\nroads = "x.osm.pbf"', "unknown setting"),
        ("[rasters]\nlandcover = 3", "must be a file name"),
    ],
)
def test_input_sections_are_checked(tmp_path, section, message):
    recipe = kit(tmp_path, b"roads")
    text = recipe.read_text(encoding="utf-8").split("[roads]")[0]
    recipe.write_text(text + section + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_recipe(recipe)


def test_engines_say_when_a_workspace_has_no_inputs(tmp_path):
    from traveltime.workspace import friction_surface, road_network

    recipe = kit(tmp_path, b"roads")
    recipe.write_text(recipe.read_text(encoding="utf-8").split("[roads]")[0], encoding="utf-8")
    out = tmp_path / "ws.gpkg"
    build_workspace(recipe, out)
    for engine in (road_network, friction_surface):
        with pytest.raises(DataError, match=r"no travel-time inputs: add \[roads\]"):
            engine(out)


def test_the_files_hashed_are_the_files_stored(tmp_path) -> None:
    """``file_entries`` (hashed, not encoded) names what ``input_rows`` stores, in its order."""
    from geodata.sources.inputs import PART_BYTES, file_entries, input_rows, inputs_in

    paths = []
    for name, size in (("water_osm.tif", 10), ("landcover_Built.tif", PART_BYTES * 2 + 7)):
        path = tmp_path / name
        path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        paths.append(path)
    (tmp_path / "empty.tif").write_bytes(b"")
    paths.append(tmp_path / "empty.tif")
    assert file_entries("landcover", paths) == tuple(inputs_in(input_rows({"landcover": paths})))
