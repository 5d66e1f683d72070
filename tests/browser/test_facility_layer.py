"""Real-browser tests of the facility layer: an icon per type, served from localhost, details on
click (English and Persian), filters that reduce the markers, and the Tehran network."""

from __future__ import annotations

import time

import pytest

from tests.browser.helpers import (
    drawn_polygons,
    map_frame,
    no_exception_shown,
    open_legends,
    wait_for_app,
)
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

MARKERS = """() => {
  const out = {n: 0, types: {}, statuses: {}};
  window.map.eachLayer(l => {
    if (l instanceof L.Marker && l.feature && l.feature.properties.t) {
      out.n += 1;
      const p = l.feature.properties;
      out.types[p.t] = (out.types[p.t] || 0) + 1;
      out.statuses[p.s] = (out.statuses[p.s] || 0) + 1;
    }
  });
  return out;
}"""

ICONS_LOADED = """() => {
  const imgs = [...document.querySelectorAll('.leaflet-marker-pane .ca-fac img')];
  return {
    n: imgs.length,
    loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    srcs: [...new Set(imgs.map(i => i.src))],
  };
}"""


def demo_facilities():
    from geodata.sources.workspaces import demo_workspace_path
    from geodata.store.workspace import read_workspace

    return read_workspace(demo_workspace_path())["facilities"]


def markers(page, expected: int | None = None, timeout: float = 30) -> dict:
    """The facility markers on the map, once there are ``expected`` of them (when given)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = map_frame(page).evaluate(MARKERS)
        except Exception:
            found = None
        if found and found["n"] and (expected is None or found["n"] == expected):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"facility markers {found}, expected {expected}")
        time.sleep(0.5)


def open_popup_by_click(page, facility_type: str) -> str:
    """Click (a real mouse click) the first marker of ``facility_type``; the popup's text."""
    frame = map_frame(page)
    selector = f".leaflet-marker-pane .ca-fac-{facility_type}"
    # The first such icon that nothing (a legend, another icon) covers at its centre; looked for
    # again while the map settles (it is fitted to its frame and legends fold on first view).
    deadline = time.monotonic() + 15
    while True:
        index = frame.evaluate(
            """(selector) => [...document.querySelectorAll(selector)].findIndex(el => {
                const r = el.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return hit && el.contains(hit);
            })""",
            selector,
        )
        if index >= 0 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert index >= 0, f"every {facility_type} icon is covered"
    frame.locator(selector).nth(index).click(timeout=10_000)
    popup = map_frame(page).locator(".leaflet-popup-content .ca-fac-popup")
    popup.wait_for(timeout=15_000)
    return popup.inner_text()


def test_demo_icons_load_locally_and_open_details(demo_server, guarded_page):
    fac = demo_facilities()
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map")
    wait_for_app(page)
    drawn_polygons(page, 300)
    found = markers(page, len(fac))
    # An icon of its own for every type in the workspace, every status drawn.
    assert found["types"] == fac["type"].value_counts().to_dict()
    assert set(found["statuses"]) == set(fac["status"])
    frame = map_frame(page)
    for kind in set(fac["type"]):
        assert frame.locator(f".leaflet-marker-pane .ca-fac-{kind}").count() >= 1
    assert frame.locator(".leaflet-marker-pane .ca-fac-st-closed").count() == 1
    # The icon images come from this server, and every one of them loaded.
    deadline = time.monotonic() + 20
    while (icons := frame.evaluate(ICONS_LOADED))["loaded"] < icons["n"]:
        assert time.monotonic() < deadline, icons
        time.sleep(0.25)
    assert icons["n"] == len(fac)
    assert all(
        src.startswith(f"{demo_server.url}/app/static/vendor/facility-icons/")
        for src in icons["srcs"]
    ), icons["srcs"]
    # The legend shows the icons too (once unfolded: it folds on first view where it would
    # cover the areas).
    open_legends(frame)
    legend = frame.locator(".ca-legend").filter(has_text="Facilities")
    assert legend.locator("img").count() >= len(set(fac["type"]))
    text = legend.inner_text()
    assert "Under construction" in text and "Beds (icon size)" in text
    # Details on click.
    details = open_popup_by_click(page, "hospital")
    hospitals = set(fac.loc[fac["type"] == "hospital", "name"])
    assert any(name in details for name in hospitals), details
    for label in ("Type", "Status", "Beds", "Operator", "Services"):
        assert label in details
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("facilities-demo-en"), full_page=False)
    assert guarded_page.errors == []


def test_demo_filters_reduce_the_markers(demo_server, guarded_page):
    fac = demo_facilities()
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map?types=hospital,pharmacy")
    wait_for_app(page)
    found = markers(page, int(fac["type"].isin(["hospital", "pharmacy"]).sum()))
    assert set(found["types"]) == {"hospital", "pharmacy"}
    page.goto(f"{demo_server.url}/coverage_map?status=closed,planned")
    wait_for_app(page)
    found = markers(page, int(fac["status"].isin(["closed", "planned"]).sum()))
    assert set(found["statuses"]) == {"closed", "planned"}
    page.goto(f"{demo_server.url}/infrastructure?beds=200-1000")
    wait_for_app(page)
    beds = fac["beds"].astype("float64")
    markers(page, int(((beds >= 200) & (beds <= 1000)).sum()))
    assert guarded_page.errors == []


def test_demo_details_in_persian(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map?lang=fa")
    wait_for_app(page)
    drawn_polygons(page, 300)
    markers(page)
    details = open_popup_by_click(page, "hospital")
    assert "نوع" in details and "بیمارستان" in details and "تخت" in details
    popup = map_frame(page).locator(".ca-fac-popup")
    assert popup.get_attribute("dir") == "rtl"
    open_legends(map_frame(page))
    legend = map_frame(page).locator(".ca-legend").filter(has_text="مراکز")
    assert legend.get_attribute("dir") == "rtl" and "در دست ساخت" in legend.inner_text()
    page.screenshot(path=screenshot_path("facilities-demo-fa"), full_page=False)
    assert guarded_page.errors == []


@pytest.mark.realdata
def test_tehran_network_draws_and_filters(tehran_server, tehran_workspace, guarded_page):
    from geodata.store.workspace import read_workspace

    fac = read_workspace(tehran_workspace)["facilities"]
    areas = read_workspace(tehran_workspace)["areas"]
    minx, miny, maxx, maxy = areas.total_bounds
    in_view = fac.cx[minx:maxx, miny:maxy]
    page = guarded_page.page
    page.goto(f"{tehran_server.url}/coverage_map?fac=1")
    wait_for_app(page)
    drawn_polygons(page, 375)
    found = markers(page, len(in_view), timeout=60)
    assert found["n"] > 300
    page.screenshot(path=screenshot_path("facilities-tehran"), full_page=False)
    page.goto(f"{tehran_server.url}/coverage_map?fac=1&types=hospital")
    wait_for_app(page)
    markers(page, int((in_view["type"] == "hospital").sum()), timeout=60)
    assert guarded_page.errors == []
