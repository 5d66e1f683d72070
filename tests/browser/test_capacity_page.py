"""Real-browser tests of the Capacity and load page: the map draws its polygons and the load
symbols, a what-if draws its change map, Persian lays out right to left, nothing leaves localhost."""

from __future__ import annotations

import pytest

from tests.browser.helpers import drawn_polygons, map_frame, no_exception_shown, wait_for_app
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

COUNT_CIRCLES = """() => { let n = 0; window.map.eachLayer(l => {
  if (l instanceof L.CircleMarker && !l.feature) n += 1; }); return n; }"""


def test_demo_capacity_map_and_what_if(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/capacity")
    wait_for_app(page)
    counts = drawn_polygons(page, 300)
    assert counts["features"] == counts["drawn"] >= 300
    frame = map_frame(page)
    legends = " | ".join(frame.locator(".ca-legend").all_inner_texts())
    assert "Load of each facility" in legends and "Beds within reach per 1,000 people" in legends
    assert frame.evaluate(COUNT_CIRCLES) == 5  # the five operational hospitals, sized by load
    page.get_by_text("Utilisation and growth").first.wait_for(timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-capacity"), full_page=True)
    # A what-if: the change map appears beside the load map.
    page.get_by_role("button", name="Add to the what-if").click()
    drawn_polygons(page, 300, index=1, timeout=90)
    wait_for_app(page)
    changed = map_frame(page, index=1)
    assert "Changed in this what-if" in " ".join(changed.locator(".ca-legend").all_inner_texts())
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-capacity-what-if"), full_page=True)
    assert guarded_page.errors == []


def test_demo_capacity_in_persian_is_right_to_left(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/capacity?lang=fa&service=insurance_office")
    wait_for_app(page)
    drawn_polygons(page, 300)
    page.get_by_text("ظرفیت و بار").first.wait_for(timeout=30_000)
    assert page.locator("#coverage-atlas").get_attribute("dir") == "rtl"
    legend = map_frame(page).locator(".ca-legend").first
    assert legend.get_attribute("dir") == "rtl"
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("lang-fa-capacity"), full_page=True)
    assert guarded_page.errors == []


@pytest.mark.realdata
def test_tehran_capacity_map(tehran_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{tehran_server.url}/capacity?service=care")
    wait_for_app(page, timeout=120)
    counts = drawn_polygons(page, 375, timeout=120)
    assert counts["features"] == counts["drawn"] == 375
    assert map_frame(page).evaluate(COUNT_CIRCLES) > 100
    assert page.get_by_text("no utilisation records").count() >= 1
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("tehran-capacity"), full_page=True)
    assert guarded_page.errors == []
