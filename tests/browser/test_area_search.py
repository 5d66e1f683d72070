"""Real browser: a name typed into the search box above the Coverage map (in Vietnamese without
its tones, no Enter: the box looks after a pause in typing) finds the area; choosing it zooms the
map onto it and opens its details (the box is a fragment: the click reruns the whole page)."""

from __future__ import annotations

import time

import pytest

from tests.browser.helpers import (
    drawn_polygons,
    map_frame,
    no_exception_shown,
    open_page,
    wait_for_app,
    wait_for_url,
)
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

#: The map's view: its zoom, the bounds shown, and the search focus it carries.
VIEW = """() => { const b = window.map.getBounds();
  return {zoom: window.map.getZoom(), south: b.getSouth(), west: b.getWest(),
          north: b.getNorth(), east: b.getEast(),
          focus: window.map.getContainer().dataset.caFocus || ''}; }"""


def test_search_zooms_to_the_area_and_opens_its_details(demo_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_server.url}/coverage_map?lang=vi")
    drawn_polygons(page, 200)
    before = map_frame(page).evaluate(VIEW)
    box = page.get_by_placeholder("Tên khu dân cư hoặc quận/huyện")
    box.press_sequentially("thung lung ngoc trai", delay=30)  # typed, no Enter
    found = page.get_by_role("button", name="Thung Lũng Ngọc Trai").first
    found.wait_for(timeout=60_000)
    wait_for_app(page)
    found.click()
    wait_for_url(page, r"area=A002", timeout=60)
    wait_for_app(page)
    # the details panel of the area opens beside the map
    page.get_by_role("heading", name="Thung Lũng Ngọc Trai").first.wait_for(timeout=30_000)
    deadline, after = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        try:
            after = map_frame(page).evaluate(VIEW)
        except Exception:  # the map frame was replaced while we looked
            after = None
        if after and after["focus"] and after["zoom"] > before["zoom"] + 1:
            break
        time.sleep(0.25)
    assert after and after["focus"], after
    assert after["zoom"] > before["zoom"] + 1, (before, after)
    # the area (51.421–51.438 E, 35.716–35.731 N) lies inside the view, which is about its size
    assert after["west"] < 51.4215 and after["east"] > 51.4376, after
    assert after["south"] < 35.7165 and after["north"] > 35.7313, after
    assert after["east"] - after["west"] < 0.2, after
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("area-search-vi"), full_page=True)
