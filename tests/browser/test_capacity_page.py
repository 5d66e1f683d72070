"""Real-browser tests of the Capacity and load page: the map draws its polygons and the load
symbols, a what-if draws its change map, Persian lays out right to left, nothing leaves localhost."""

from __future__ import annotations

import re
import shutil

import pytest

from render.i18n import translate
from tests.browser.helpers import (
    COUNT_CIRCLE_MARKERS,
    drawn_polygons,
    finish,
    legend_text,
    map_frame,
    no_exception_shown,
    open_page,
    wait_for_app,
)
from tests.conftest import StreamlitServer, screenshot_path

pytestmark = pytest.mark.browser


def private_server(workspace, tmp_path_factory, name: str):
    """A server on a private copy of ``workspace``: the what-if tests save scenarios, and the
    session's shared workspaces (the embedded demo among them) must stay as they are."""
    path = tmp_path_factory.mktemp(name) / f"{name}.gpkg"
    shutil.copyfile(workspace, path)
    server = StreamlitServer(path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_copy_server(demo_workspace, tmp_path_factory):
    yield from private_server(demo_workspace, tmp_path_factory, "capacity-demo")


@pytest.fixture(scope="module")
def tehran_copy_server(tehran_workspace, tmp_path_factory):
    yield from private_server(tehran_workspace, tmp_path_factory, "capacity-tehran")


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key`` (click, then the option)."""
    box = page.locator(f".st-key-{key} input").first
    box.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    wait_for_app(page)
    shown = box.get_attribute("value") or box.get_attribute("aria-label") or ""
    assert option in shown or page.locator(f".st-key-{key}").inner_text().find(option) >= 0


def click(page, key: str, timeout: float = 120) -> None:
    page.locator(f".st-key-{key} button").first.click()
    wait_for_app(page, timeout=timeout)


def save_compare_and_delete(page, name: str, timeout: float = 120) -> None:
    """Save the what-if as scenario ``name``, see it in the scenarios table, then delete it."""
    field = page.locator(".st-key-cap_scenario_name input").first
    field.fill(name)
    field.press("Enter")
    wait_for_app(page)
    click(page, "cap_save", timeout)
    page.get_by_text("saved as workspace version").first.wait_for(timeout=timeout * 1000)
    # The scenarios table is a canvas: its cells are read from the grid's accessible copy.
    page.locator("td", has_text=name).first.wait_for(state="attached", timeout=timeout * 1000)
    assert page.locator("td", has_text="Network as it is").count() >= 1
    no_exception_shown(page)
    click(page, "cap_delete_scenario", timeout)
    page.get_by_text(f"“{name}” deleted").first.wait_for(timeout=timeout * 1000)


def test_demo_capacity_map_and_what_if(demo_copy_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_copy_server.url}/capacity")
    counts = drawn_polygons(page, 300)
    assert counts["features"] == counts["drawn"] >= 300
    frame = map_frame(page)
    legends = legend_text(frame)
    assert "Load of each facility" in legends and "Beds within reach per 1,000 people" in legends
    # the five operational hospitals, sized by load
    assert frame.evaluate(COUNT_CIRCLE_MARKERS) == 5
    page.get_by_text("Utilisation and growth").first.wait_for(timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("demo-capacity"), full_page=True)
    # A what-if: the change map appears beside the load map.
    page.get_by_role("button", name="Add to the what-if").click()
    drawn_polygons(page, 300, index=1, timeout=90)
    wait_for_app(page)
    changed = map_frame(page, index=1)
    assert "Changed in this what-if" in " ".join(changed.locator(".ca-legend").all_inner_texts())
    page.screenshot(path=screenshot_path("demo-capacity-what-if"), full_page=True)
    save_compare_and_delete(page, "Browser upgrade")
    finish(guarded_page, "demo-capacity-scenario")


#: The spans under the focused input: their text, size and what their ``::after`` adds.
INSTRUCTIONS = """() => [...document.querySelectorAll('[data-testid="InputInstructions"] > span')]
  .map((s) => [s.textContent, getComputedStyle(s).fontSize, getComputedStyle(s, '::after').content])"""


def test_demo_capacity_in_persian_is_right_to_left(demo_copy_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{demo_copy_server.url}/capacity?lang=fa&service=insurance_office")
    drawn_polygons(page, 300)
    page.get_by_text("ظرفیت و بار").first.wait_for(timeout=30_000)
    assert page.locator("#coverage-atlas").get_attribute("dir") == "rtl"
    legend = map_frame(page).locator(".ca-legend").first
    assert legend.get_attribute("dir") == "rtl"
    # A name with a character limit, focused before anything is typed: its counter ("0/120",
    # alone under the box) reads as Streamlit writes it, not covered by the Enter hint.
    choose(page, "cap_action", translate("capacity.whatif.action_place", "fa"))
    page.locator(".st-key-cap_place_name input").first.click()
    page.wait_for_selector('[data-testid="InputInstructions"] > span', state="attached")
    assert page.evaluate(INSTRUCTIONS) == [["0/120", "12px", "none"]]
    finish(guarded_page, "lang-fa-capacity")


@pytest.mark.realdata
def test_tehran_capacity_map(tehran_copy_server, guarded_page):
    page = guarded_page.page
    open_page(page, f"{tehran_copy_server.url}/capacity?service=care", timeout=120)
    counts = drawn_polygons(page, 375, timeout=120)
    assert counts["features"] == counts["drawn"] == 375
    assert map_frame(page).evaluate(COUNT_CIRCLE_MARKERS) > 100
    assert page.get_by_text("no utilisation records").count() >= 1
    # No beds in the register: capacity is counted per facility, and no upgrade is offered
    # (changing capacity is the first kind of change).
    assert page.get_by_text("Capacity is counted per facility (sidebar)").count() >= 1
    # Close a facility, then place a new one by hand (siting on Tehran is covered by AppTest;
    # the exact model over 375 neighbourhoods is too slow for the browser suite).
    choose(page, "cap_action", "Close a facility")
    click(page, "cap_add_close")
    choose(page, "cap_action", "Place a new facility by hand")
    page.locator(".st-key-cap_place_name input").first.fill("Browser clinic")
    click(page, "cap_add_place")
    page.get_by_text(re.compile(r"New .*Browser clinic")).first.wait_for(timeout=120_000)
    assert page.get_by_text("Close ").count() >= 1
    no_exception_shown(page)
    save_compare_and_delete(page, "Tehran closure and sites")
    finish(guarded_page, "tehran-capacity")
