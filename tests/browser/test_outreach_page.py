"""Real-browser tests of the Outreach planner: the map draws with the desk plan (markers numbered
by day), sessions, Persian right to left, and no request leaves localhost."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    COUNT_CIRCLE_MARKERS,
    drawn_polygons,
    finish,
    legend_text,
    map_frame,
    metrics_out_of_line,
    no_exception_shown,
    open_page,
)
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

DESK_NUMBERS = """() => Array.from(document.querySelectorAll('.ca-desk')).map(e => e.textContent)"""
SESSION_MARKERS = COUNT_CIRCLE_MARKERS


def wait_for_desks(frame, expected: int, timeout_ms: int = 30_000) -> list[str]:
    frame.wait_for_function(
        f"() => document.querySelectorAll('.ca-desk').length >= {expected}", timeout=timeout_ms
    )
    return frame.evaluate(DESK_NUMBERS)


def test_demo_desk_plan_on_the_map(demo_server, guarded_page):
    page = guarded_page.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, f"{demo_server.url}/outreach?desks=3&days=7&radius=1000&fac=1")
    counts = drawn_polygons(page, 300)
    assert counts["features"] == counts["drawn"] >= 300
    frame = map_frame(page)
    numbers = wait_for_desks(frame, 21)
    # 3 desks on each of 7 days, each marker numbered with its day
    assert sorted(numbers) == sorted(str(d) for d in range(1, 8) for _ in range(3))
    legend = legend_text(frame)
    assert "First day reached" in legend and "Day 1" in legend and "Day 7" in legend
    assert "Hospital" in legend  # the facilities, switched on in the URL (shared filters)
    page.get_by_text("Mobile desks").first.wait_for(timeout=30_000)
    page.get_by_text("Download Excel (XLSX)").first.wait_for(timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-outreach"), full_page=True)
    page.get_by_text("Work lists for field teams").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("demo-outreach-villages"))
    assert dialogs == [] and guarded_page.errors == []


def test_demo_recorded_sessions_on_the_map(demo_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_server.url}/outreach?view=sessions")
    drawn_polygons(page, 300)
    frame = map_frame(page)
    frame.wait_for_function(SESSION_MARKERS.replace("return n;", "return n >= 20;"))
    assert frame.evaluate(SESSION_MARKERS) >= 20  # the demo records 26 sessions
    assert frame.evaluate(DESK_NUMBERS) == []  # the desks belong to the plan view
    legend = legend_text(frame)
    assert "Recorded sessions" in legend
    # the coverage trend with the sessions marked
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    finish(guarded_page, "demo-outreach-sessions", full_page=False)


def test_demo_outreach_in_persian_right_to_left(demo_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_server.url}/outreach?lang=fa&partner=P1&view=plan")
    drawn_polygons(page, 300)
    frame = map_frame(page)
    numbers = wait_for_desks(frame, 1)
    assert numbers and all(ch in "۱۲۳۴۵۶۷" for n in numbers for ch in n)  # Persian digits
    assert page.locator("#coverage-atlas").get_attribute("dir") == "rtl"
    assert frame.locator(".ca-legend").first.get_attribute("dir") == "rtl"
    page.get_by_text("برنامه‌ریزی ثبت‌نام میدانی").first.wait_for(timeout=30_000)
    # The plan's figures read on one line, each whole, though a Persian label takes two lines.
    assert metrics_out_of_line(page) == []
    finish(guarded_page, "demo-outreach-fa")


@pytest.mark.realdata
def test_tehran_outreach_plans_by_population(tehran_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{tehran_server.url}/outreach")
    counts = drawn_polygons(page, 375)
    assert counts["features"] == counts["drawn"] == 375
    wait_for_desks(map_frame(page), 21)
    assert page.get_by_text("no insured counts").count() >= 1
    finish(guarded_page, "tehran-outreach")
