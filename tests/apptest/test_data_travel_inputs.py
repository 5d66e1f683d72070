"""AppTest: the Data page's Versions tab shows the travel inputs (#19) the version measures
travel time with (the Comoros road extract, speed table and rasters, as stored, in the reader's
language) and how to change them; a workspace without them says travel time needs them.

A planner replaces one from the page: the file is checked with the engines' readers, what
changes is shown, and Save makes a new version the engines measure with; a bad file is named
and nothing is saved; a partner gets no uploader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, distance
from geodata.sources.inputs import input_files, stored_inputs
from geodata.store.workspace import list_versions, read_workspace
from geodata.users import audit
from render.i18n import translate
from render.safe import md_escape
from tests.apptest.helpers import run_as, run_page, write_users
from tests.conftest import SHARED_DATA
from traveltime import workspace as travel
from ui.auth import PAGE_ROLES

PAGE = "app_pages/data.py"


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_comoros_travel_inputs_are_shown(on_comoros, lang):
    at = run_page(PAGE, {"lang": lang})
    header = translate("data.inputs_name", lang)
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    stored = stored_inputs(on_comoros)
    assert sorted(table[header]) == sorted(f.name for f in stored)
    assert "comores-latest.osm.pbf" in set(table[header])
    role = translate("data.inputs_role", lang)
    assert translate("data.inputs_role_roads", lang) in set(table[role])
    assert translate("data.inputs_change", lang) in [c.value for c in at.caption]


def test_demo_says_it_has_no_travel_inputs(on_demo):
    at = run_page(PAGE, {"lang": "en"})
    assert translate("data.inputs_none", "en") in [c.value for c in at.caption]


# --------------------------------------------------------------------------- replacing them (#19)

COMOROS_KIT = SHARED_DATA / "comoros_geohealthaccess"


@pytest.fixture
def own_comoros(comoros_workspace: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the Comoros workspace that the pages open (saves stay in the test)."""
    path = tmp_path / "comoros.gpkg"
    shutil.copyfile(comoros_workspace, path)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return path


def open_travel(lang: str = "en") -> AppTest:
    """The Data page with its travel-input uploaders drawn (the toggle switched on)."""
    at = run_page(PAGE, {"lang": lang})
    at.toggle(key="dm_travel_open").set_value(True).run()
    return at


def travel_uploader(at: AppTest, role: str):
    return next(u for u in at.get("file_uploader") if u.key.startswith(f"dm_travel_{role}_"))


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


@pytest.mark.realdata
def test_a_planner_replaces_the_road_extract_as_a_new_version(own_comoros: Path):
    before = list_versions(own_comoros)
    at = open_travel()
    extract = (COMOROS_KIT / "comores-latest.osm.pbf").read_bytes()
    travel_uploader(at, "roads").set_value(("comoros-2021.osm.pbf", extract, "application/x"))
    at.run()
    assert not at.exception and not at.error, errors(at)
    change = next(
        d.value for d in at.dataframe if translate("data.travel_new", "en") in d.value.columns
    )
    assert list(change[translate("data.travel_old", "en")]) == ["comores-latest.osm.pbf"]
    assert list(change[translate("data.travel_new", "en")]) == ["comoros-2021.osm.pbf"]
    assert len(list_versions(own_comoros)) == len(before)  # shown, not yet saved
    at.button(key="dm_travel_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = list_versions(own_comoros)
    assert len(after) == len(before) + 1
    assert after[-1].message == "travel inputs: roads ← comoros-2021.osm.pbf"
    stored = {(f.role, f.name) for f in stored_inputs(own_comoros)}
    old = {(f.role, f.name) for f in stored_inputs(own_comoros, before[-1].number)}
    assert stored == old - {("roads", "comores-latest.osm.pbf")} | {
        ("roads", "comoros-2021.osm.pbf")
    }
    assert md_escape("comoros-2021.osm.pbf") in at.success[0].value  # named, escaped
    trail = audit.read(own_comoros)
    assert (
        "travel inputs roads: comores-latest.osm.pbf → comoros-2021.osm.pbf"
        in trail["what"].iloc[-1]
    )
    # the engines read the new version's extract: travel times measured from it
    assert input_files(own_comoros)["roads"][0].name == "comoros-2021.osm.pbf"
    tables = read_workspace(own_comoros)
    areas = tables["areas"]
    minutes = travel.nearest_minutes(
        own_comoros,
        None,
        areas,
        access.available_facilities(tables["facilities"]),
        access.DISTANCE_SETS,
        points=distance.area_points(areas),
    )
    assert np.isfinite(minutes["care_min"]).any()


@pytest.mark.realdata
def test_a_text_file_named_as_an_extract_is_refused(own_comoros: Path):
    before = len(list_versions(own_comoros))
    at = open_travel()
    name = "roads <b>2021.osm.pbf"
    travel_uploader(at, "roads").set_value((name, b"not an extract\n", "x"))
    at.run()
    assert md_escape(name) in errors(at)  # named as uploaded, escaped for Markdown
    assert translate("data.nothing_saved", "en", reason="").strip() in errors(at)
    assert "dm_travel_save" not in _keys(at)
    assert len(list_versions(own_comoros)) == before


@pytest.mark.realdata
def test_a_malformed_speed_table_is_refused(own_comoros: Path):
    before = len(list_versions(own_comoros))
    at = open_travel()
    at.radio(key="dm_travel_kind").set_value("speeds").run()
    table = json.loads((COMOROS_KIT / "moving-speeds.json").read_text(encoding="utf-8"))
    table["transport"]["highway"]["primary"] = "fast"
    travel_uploader(at, "speeds").set_value(("speeds.json", json.dumps(table).encode(), "x"))
    at.run()
    assert md_escape("speeds.json") in errors(at)
    assert md_escape("transport.highway.primary") in errors(at)
    assert "dm_travel_save" not in _keys(at)
    # broken JSON, in Persian: the file, and the line and column in Persian digits
    at.query_params["lang"] = "fa"
    at.run()
    travel_uploader(at, "speeds").set_value(("speeds.json", b'{\n "land-cover": {,\n', "x"))
    at.run()
    assert md_escape("speeds.json") in errors(at) and "۲" in errors(at), errors(at)
    assert len(list_versions(own_comoros)) == before


@pytest.mark.realdata
def test_an_extract_over_the_memory_limit_is_refused_naming_the_limit(own_comoros, monkeypatch):
    """Read in the upload sandbox (#18): the child stops at the travel inputs' memory limit, the
    page names the file and the limit in the reader's digits, and nothing is saved."""
    monkeypatch.setenv("COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB", "20")
    before = len(list_versions(own_comoros))
    at = open_travel("fa")
    extract = (COMOROS_KIT / "comores-latest.osm.pbf").read_bytes()
    travel_uploader(at, "roads").set_value(("comoros-2021.osm.pbf", extract, "application/x"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert md_escape("comoros-2021.osm.pbf") in errors(at) and "۲۰" in errors(at), errors(at)
    assert "COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB" in errors(at)
    assert "dm_travel_save" not in _keys(at)
    assert len(list_versions(own_comoros)) == before


def _keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button}


def test_only_those_who_may_import_get_the_travel_uploaders(on_demo, tmp_path, monkeypatch):
    users = write_users(
        tmp_path / "users.toml", {"planner": ("planner", None), "relief": ("partner", "P1")}
    )
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users)
    at = run_as("planner", PAGE)
    at.toggle(key="dm_travel_open").set_value(True).run()
    assert any(u.key.startswith("dm_travel_roads_") for u in at.get("file_uploader"))
    assert run_as("relief", PAGE) is None  # the Data page is not in a partner's navigation
    # were it opened to partners, a partner would still get no travel uploader
    monkeypatch.setitem(PAGE_ROLES, "data", frozenset({"admin", "planner", "partner"}))
    at = run_as("relief", PAGE)
    assert at is not None
    assert not any(t.key == "dm_travel_open" for t in at.toggle)
    assert not any(u.key.startswith("dm_travel_") for u in at.get("file_uploader"))
