"""Real-browser tests of the Briefings page: two maps side by side, and the presentation mode.

Both draw their polygons with Leaflet served from this server; no request leaves localhost (the
``guarded_page`` fixture fails the test on any)."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    current_url,
    drawn_polygons,
    finish,
    no_exception_shown,
    open_page,
    wait_for_app,
    wait_for_url,
)
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser


def test_two_districts_side_by_side(demo_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_server.url}/briefings?section=compare&cmp=districts&a=D01&b=D02")
    left = drawn_polygons(page, 10, index=0)
    right = drawn_polygons(page, 10, index=1)
    assert left["drawn"] == left["features"] and right["drawn"] == right["features"]
    boxes = [
        page.locator("iframe[title='streamlit_folium.st_folium']").nth(i).bounding_box()
        for i in (0, 1)
    ]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1  # side by side, not stacked
    finish(guarded_page, "briefings-compare-districts")


def test_two_months_side_by_side_in_persian(demo_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_server.url}/briefings?lang=fa&section=compare&cmp=months")
    drawn_polygons(page, 12, index=0)
    drawn_polygons(page, 12, index=1)
    finish(guarded_page, "briefings-compare-months-fa")


def test_presentation_mode_hides_controls_and_steps(demo_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_server.url}/briefings?present=1&by=districts")
    drawn_polygons(page, 10)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert main["width"] > 1300  # the whole width of the 1400-pixel window
    page.screenshot(path=screenshot_path("briefings-present-1"), full_page=True)
    # The region first, then its trend, then the districts, the one most in need first.
    page.get_by_role("button", name="Next").click()
    wait_for_url(page, r"step=1")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.screenshot(path=screenshot_path("briefings-present-trend"), full_page=True)
    page.get_by_role("button", name="Next").click()
    wait_for_url(page, r"step=2")
    wait_for_app(page)
    drawn_polygons(page, 10)
    assert "District" in page.locator(".ca-present-title").inner_text()
    page.screenshot(path=screenshot_path("briefings-present-2"), full_page=True)
    page.get_by_role("button", name="Leave the presentation").click()
    wait_for_app(page)
    page.get_by_text("Briefings and exports").first.wait_for(timeout=30_000)
    assert "present=1" not in current_url(page)
    no_exception_shown(page)
    assert guarded_page.errors == []
