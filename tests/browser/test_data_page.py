"""Real-browser tests of the Data page: files go through the real file input, columns are mapped
with the page's selectboxes, and the import becomes a new version of the test's own workspace."""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from geodata.store.workspace import list_versions, read_workspace, restore_version
from tests.browser.helpers import drawn_polygons, map_frame, no_exception_shown, wait_for_app
from tests.browser.test_cluster import version_line
from tests.conftest import SHARED_DATA, StreamlitServer, require, screenshot_path

pytestmark = pytest.mark.browser

TEHRAN_SHAPEFILE = SHARED_DATA / "tehran_mahalat_amlaknama" / "Mahalat_Tehran"


@pytest.fixture
def own_server(demo_workspace: Path, tmp_path: Path) -> Iterator[tuple[StreamlitServer, Path]]:
    """A server on a private copy of the demo workspace (never the shared one)."""
    workspace = tmp_path / "workspace.gpkg"
    shutil.copyfile(demo_workspace, workspace)
    server = StreamlitServer(workspace)
    yield server, workspace
    server.stop()


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (as a person would: click, type, pick)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    box.first.click()
    exact = re.compile(rf"^\s*{re.escape(option)}\s*$")
    page.get_by_role("option").filter(has_text=exact).first.click()


def wait_for_text(page, text: str, timeout: float = 60) -> None:
    page.get_by_text(text).first.wait_for(timeout=timeout * 1000)


def wait_for_version(workspace: Path, number: int, page=None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list_versions(workspace)[-1].number >= number:
            return
        time.sleep(0.25)
    shown = ""
    if page is not None:  # what the page said instead: an error, or a button never pressed
        page.screenshot(path=screenshot_path("data-no-new-version"), full_page=True)
        shown = " | ".join(
            page.locator('[data-testid="stAlert"], [data-testid="stButton"]').all_inner_texts()
        )
    raise AssertionError(f"no version {number} in {workspace}; the page shows: {shown}")


@pytest.mark.realdata
def test_an_open_page_follows_a_version_saved_elsewhere(own_server, guarded_page):
    """A GeoPackage workspace is watched too: a version saved by another session or the command
    line shows on an open page within seconds, without a reload or any action of its user."""
    server, workspace = own_server
    page = guarded_page.page
    page.goto(f"{server.url}/?lang=en")
    wait_for_app(page)
    newest = list_versions(workspace)[-1].number
    page.get_by_text(version_line(newest)).first.wait_for(timeout=30_000)
    saved = restore_version(workspace, 1, author="command line")
    page.get_by_text(version_line(saved)).first.wait_for(timeout=15_000)
    wait_for_app(page)
    no_exception_shown(page)
    assert guarded_page.errors == []


def test_tehran_shapefile_zipped_gives_375_areas(own_server, guarded_page, tmp_path):
    require(
        TEHRAN_SHAPEFILE.with_suffix(".shp").exists(),
        f"Tehran neighbourhood shapefile not found at {TEHRAN_SHAPEFILE}.shp",
    )
    archive = tmp_path / "Mahalat_Tehran.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".CPG"):
            part = TEHRAN_SHAPEFILE.with_suffix(suffix)
            if part.exists():
                out.write(part, arcname=part.name)
    server, workspace = own_server
    page = guarded_page.page
    page.goto(f"{server.url}/data")
    wait_for_text(page, "Import a table")
    wait_for_app(page)
    page.screenshot(path=screenshot_path("data-1-empty"), full_page=True)
    page.locator('input[type="file"]').set_input_files(str(archive))
    wait_for_text(page, "Each workspace column")
    wait_for_app(page)
    # The proposal takes the 'name' column (garbled in this file); the person picks NAME_MAHAL.
    choose(page, "name *", "NAME_MAHAL")
    wait_for_app(page)
    wait_for_text(page, "Import 375 rows as a new version")
    drawn_polygons(page, 375)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("data-2-mapped-tehran"), full_page=True)
    assert list_versions(workspace)[-1].number == 1  # nothing saved before the button
    page.get_by_role("button", name="Import 375 rows as a new version").click()
    wait_for_version(workspace, 2, page)
    wait_for_text(page, "375 rows imported as version 2")
    wait_for_text(page, "Table to import")
    wait_for_app(page)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("data-3-imported-tehran"), full_page=True)
    areas = read_workspace(workspace)["areas"]
    assert len(areas) == 375
    assert areas["name"].str.contains("تجریش|نارمک").any()
    assert areas["population"].isna().all()  # the file has none: missing, never zero
    assert list_versions(workspace)[-1].summary["diff"]["areas"]["added"] == 375
    # The page now shows the new version, and its version list has it.
    assert page.get_by_text("(version 2)").count() >= 1
    page.get_by_role("tab", name="Versions").click()
    wait_for_text(page, "Compare two versions")
    # The comparison of version 1 with 2 lists the areas table (the table is a canvas: its cells
    # are read from the grid's accessible copy).
    page.locator('[data-testid="glide-cell-3-0"]').first.wait_for(state="attached")
    # The version's message, as the workspace wrote it, in the reader's words (data.message_import)
    assert page.locator("td", has_text="Areas imported from Mahalat_Tehran.zip").count() >= 1
    page.screenshot(path=screenshot_path("data-4-versions"), full_page=True)


def test_facilities_csv_with_lat_lon(own_server, guarded_page, tmp_path):
    server, workspace = own_server
    source = tmp_path / "centres.csv"
    source.write_text(
        "کد,نام,نوع,latitude,longitude\n"
        "N1,درمانگاه نمونه,درمانگاه,35.70,51.40\n"
        "N2,<img src=x onerror=alert(1)>,Bệnh viện,35.72,51.42\n"
        "N3,بدون مختصات,clinic,,\n",
        encoding="utf-8",
    )
    page = guarded_page.page
    page.goto(f"{server.url}/data")
    wait_for_text(page, "Import a table")
    wait_for_app(page)
    choose(page, "Table to import", "Facilities")
    wait_for_app(page)
    page.locator('input[type="file"]').set_input_files(str(source))
    wait_for_text(page, "Import 2 rows as a new version")
    wait_for_app(page)
    assert page.get_by_text("missing coordinates").count() >= 1  # the validation report
    # The preview map above the button settles its height once Leaflet has drawn; a click before
    # that can land where the button was a moment earlier.
    map_frame(page)
    wait_for_app(page)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("data-5-facilities-checked"), full_page=True)
    page.get_by_role("button", name="Import 2 rows as a new version").click()
    wait_for_version(workspace, 2, page)
    wait_for_text(page, "2 rows imported as version 2")
    facilities = read_workspace(workspace)["facilities"]
    assert sorted(facilities["facility_id"]) == ["N1", "N2"]
    assert sorted(facilities["type"]) == ["clinic", "hospital"]
    assert guarded_page.errors == []


@pytest.fixture(scope="module")
def formats_server(
    demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StreamlitServer, Path]]:
    """One server for every format, on a private copy of the demo workspace."""
    workspace = tmp_path_factory.mktemp("formats") / "workspace.gpkg"
    shutil.copyfile(demo_workspace, workspace)
    server = StreamlitServer(workspace)
    yield server, workspace
    server.stop()


#: The formats the browser uploads: one per way the page takes a file (several files making one
#: layer, a table chosen before the upload, person records counted into areas). Every other format
#: takes the same path through the page (tests/apptest/test_data_page.py checks that the uploader
#: accepts each and imports one) and the same reading (tests/unit/test_imports.py, every format).
BROWSER_FORMATS = ("shp", "xlsx", "geoparquet")


def _format_inputs(folder: Path) -> list[tuple[str, str, list[Path], str]]:
    """(what, table, files to upload together, text the checked page shows) for each format the
    browser uploads (:data:`BROWSER_FORMATS`)."""
    import geopandas as gpd
    import shapely

    from tests.unit.geodata_inputs import FACILITY_POINTS, area_frame, write_layer, write_table

    frame = area_frame()
    frame["code"] = ["S" + c for c in frame["code"]]
    path = write_layer(frame, folder / "shp", "shp", stem="areas_shp")
    shapefile = sorted(path.parent.glob(f"{path.stem}.*"))
    assert len(shapefile) >= 4  # .shp, .shx, .dbf, .prj: several files, one layer
    latlon = [
        {"id": f"X{i}", "name": f"Post {i}", "type": "health post", "latitude": y, "longitude": x}
        for i, (x, y) in enumerate(FACILITY_POINTS[:3])
    ]
    # Person records: three inside the (just imported) areas, one far outside every area.
    spots = [*FACILITY_POINTS[:3], (10.0, 10.0)]
    people = gpd.GeoDataFrame(
        {"date": ["2026-09-03"] * 4, "scheme": ["health"] * 4},
        geometry=[shapely.Point(x, y) for x, y in spots],
        crs="EPSG:4326",
    )
    parquet = folder / "people.geoparquet"
    people.to_parquet(parquet)
    return [
        ("shp", "Areas", shapefile, "Import 4 rows as a new version"),
        (
            "xlsx",
            "Facilities",
            [write_table(latlon, folder / "posts.xlsx")],
            "Import 3 rows as a new version",
        ),
        (
            "geoparquet",
            "Insured people or households (points)",
            [parquet],
            "3 counted into areas, 1 outside",
        ),
    ]


def test_each_way_of_uploading_imports(formats_server, guarded_page, tmp_path):
    """A loose Shapefile with its parts, an XLSX of facilities, and person records (GeoParquet)
    through the real file input, each a new version."""
    server, workspace = formats_server
    page = guarded_page.page
    number = list_versions(workspace)[-1].number
    inputs = _format_inputs(tmp_path)
    assert tuple(what for what, *_ in inputs) == BROWSER_FORMATS
    for what, table, files, ready in inputs:
        page.goto(f"{server.url}/data")
        wait_for_text(page, "Import a table")
        wait_for_app(page)
        if table != "Areas":
            choose(page, "Table to import", table)
            wait_for_app(page)
        page.locator('input[type="file"]').set_input_files([str(f) for f in files])
        wait_for_text(page, ready)
        wait_for_app(page)
        map_frame(page)  # the preview settles the page's height before the click
        wait_for_app(page)
        no_exception_shown(page)
        page.get_by_role("button", name=re.compile(r"^Import .* rows as a new version")).click()
        number += 1
        wait_for_version(workspace, number, page)
        wait_for_text(page, f"imported as version {number}")
        tables = read_workspace(workspace)
        if what == "shp":
            assert sorted(tables["areas"]["area_id"]) == [f"S10{i}" for i in range(1, 5)]
            assert set(tables["areas"]["population"].dropna()) == {44406, 12000}, what
        elif what == "xlsx":
            assert sorted(tables["facilities"]["facility_id"]) == ["X0", "X1", "X2"]
            assert set(tables["facilities"]["type"]) == {"health_post"}
        else:
            insured = tables["insured"]
            new = insured[(insured["period"] == "2026-09-01") & (insured["source"] == "points")]
            assert int(new["insured"].sum()) == 3, what
            assert set(new["area_id"]) == {"S101", "S102", "S103"}, what
        summary = list_versions(workspace)[-1].summary["import"]
        assert summary["source"] == files[-1].name or what == "shp", summary
    page.screenshot(path=screenshot_path("data-6-every-format"), full_page=True)
    assert guarded_page.errors == []
