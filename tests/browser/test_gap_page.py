"""Real-browser tests of the gap-analysis page: its maps draw, nothing leaves localhost."""

from __future__ import annotations

import pytest

from tests.browser.helpers import drawn_polygons, map_frame, no_exception_shown, wait_for_app
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser


def test_demo_gap_ranking_draws_top_n_map(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/gap_analysis?top=12")
    wait_for_app(page)
    counts = drawn_polygons(page, 300)
    assert counts["features"] == counts["drawn"] == 300
    legend = map_frame(page).locator(".ca-legend").first.inner_text()
    assert "Outside the top 12" in legend
    page.get_by_text("Priority score: your weights").wait_for(timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-gap-ranking"), full_page=True)
    assert guarded_page.errors == []


def test_demo_gap_clusters_map(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/gap_analysis?view=clusters")
    wait_for_app(page)
    counts = drawn_polygons(page, 300)
    assert counts["drawn"] == 300
    legend = map_frame(page).locator(".ca-legend").first.inner_text()
    assert "Cold spot" in legend
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-gap-clusters"), full_page=True)


@pytest.mark.realdata
def test_tehran_gap_ranking_without_insured_counts(tehran_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{tehran_server.url}/gap_analysis")
    wait_for_app(page)
    counts = drawn_polygons(page, 375)
    assert counts["features"] == counts["drawn"] == 375
    assert page.get_by_text("has no insured counts").count() >= 1
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("tehran-gap-ranking"), full_page=True)
