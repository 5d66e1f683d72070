"""Real-browser tests: the map pages draw every polygon, with no request leaving localhost."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    click_feature,
    current_url,
    drawn_polygons,
    map_frame,
    no_exception_shown,
    selectbox_values,
    wait_for_app,
    wait_for_url,
)
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser


def test_demo_coverage_map_draws_every_neighbourhood(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map")
    wait_for_app(page)
    counts = drawn_polygons(page, 300)
    assert counts["features"] == counts["drawn"] >= 300
    no_exception_shown(page)
    legend = " | ".join(map_frame(page).locator(".ca-legend").all_inner_texts())
    assert "Coverage" in legend
    page.screenshot(path=screenshot_path("demo-coverage-map"), full_page=True)
    assert guarded_page.errors == []


def test_demo_overview_draws_districts_and_chart(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(demo_server.url)
    wait_for_app(page)
    counts = drawn_polygons(page, 12)
    assert counts["drawn"] == 12
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    no_exception_shown(page)
    assert page.get_by_text("Synthetic demo data").count() >= 1
    page.screenshot(path=screenshot_path("demo-overview"), full_page=True)


def test_shared_link_reopens_the_same_view(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(
        f"{demo_server.url}/coverage_map?metric=uninsured&classes=equal_interval&k=4&level=district"
    )
    wait_for_app(page)
    counts = drawn_polygons(page, 12)
    assert counts["drawn"] == 12
    legend = " | ".join(map_frame(page).locator(".ca-legend").all_inner_texts())
    assert "Uninsured" in legend
    shown = selectbox_values(page)
    assert shown["Classes"] == "Equal interval" and shown["Show"] == "Uninsured"
    # The URL keeps the view after the page has run (nothing was reset to defaults).
    url = current_url(page)
    assert "metric=uninsured" in url and "k=4" in url and "classes=equal_interval" in url


def test_click_district_drills_down_then_area_shows_details(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map?level=district")
    wait_for_app(page)
    drawn_polygons(page, 12)
    click_feature(page, "D03")
    wait_for_url(page, r"district=D03")
    wait_for_app(page)
    counts = drawn_polygons(page, 5)
    assert 5 <= counts["drawn"] < 60  # only the neighbourhoods of district D03
    area_id = map_frame(page).evaluate(
        "() => { let id=null; window.map.eachLayer(l => { if (!id && l.feature && "
        "l.feature.properties.area_id) id = l.feature.properties.area_id; }); return id; }"
    )
    click_feature(page, area_id)
    wait_for_url(page, rf"area={area_id}")
    wait_for_app(page)
    page.get_by_text("Clear selection").wait_for(timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-coverage-map-details"), full_page=True)


@pytest.mark.realdata
def test_tehran_map_draws_375_neighbourhoods_79_without_data(tehran_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{tehran_server.url}/coverage_map")
    wait_for_app(page)
    counts = drawn_polygons(page, 375)
    assert counts["features"] == counts["drawn"] == 375
    legend = " | ".join(map_frame(page).locator(".ca-legend").all_inner_texts())
    assert "No data" in legend and "79" in legend
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("tehran-coverage-map"), full_page=True)


@pytest.mark.realdata
def test_tehran_overview(tehran_server, guarded_page):
    page = guarded_page.page
    page.goto(tehran_server.url)
    wait_for_app(page)
    counts = drawn_polygons(page, 22)
    assert counts["drawn"] == 22
    assert page.get_by_text("7,510,552").count() >= 1
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("tehran-overview"), full_page=True)
