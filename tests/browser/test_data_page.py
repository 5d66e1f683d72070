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

from geodata.store import list_versions, read_workspace
from tests.browser.helpers import drawn_polygons, map_frame, no_exception_shown, wait_for_app
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
    assert page.locator("td", has_text="import areas from Mahalat_Tehran.zip").count() >= 1
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
