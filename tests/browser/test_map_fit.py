"""Real-browser measure of every map page on the demo: the region fills its frame, the legends
sit beside it (or fold) on first view, and the scale bar is metric and inside the frame."""

from __future__ import annotations

import time

import pytest

from tests.browser.helpers import drawn_polygons, map_fit_failures, open_page
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

PAGES = [
    ("overview", "/", 12),
    ("coverage-map", "/coverage_map", 300),
    ("gap-analysis", "/gap_analysis", 300),
    ("infrastructure", "/infrastructure", 12),
    ("capacity", "/capacity", 12),
    ("partners", "/partners?fac=1", 12),
    ("outreach", "/outreach", 12),
]


def test_each_map_fills_its_frame_with_legends_aside_and_a_metric_scale(demo_server, guarded_page):
    # In Persian (legends and scale bar on the other side) every map page is measured the same
    # way by tests/browser/test_languages.py.
    page = guarded_page.page
    failures: list[str] = []
    for name, path, polygons in PAGES:
        open_page(page, f"{demo_server.url}{path}")
        drawn_polygons(page, polygons)
        time.sleep(0.5)  # a refit after the frame took its final width
        failures += map_fit_failures(page, name)
        page.screenshot(path=screenshot_path(f"demo-map-fit-{name}"), full_page=True)
    assert not failures, "\n".join(failures)
    assert guarded_page.errors == []
