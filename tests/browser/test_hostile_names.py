"""Names from data never become markup: a workspace whose names are HTML/Markdown payloads renders
as text on every page, runs no script and makes no request outside localhost."""

from __future__ import annotations

import pytest

from tests.browser.helpers import drawn_polygons, map_frame, no_exception_shown, wait_for_app
from tests.conftest import StreamlitServer, screenshot_path

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<img src=x onerror=window.__pwned=1>",
    '"><script>window.__pwned=1</script>',
    "![beacon](http://example.invalid/beacon.png)",
    "[click](javascript:window.__pwned=1)",
    "`${window.__pwned=1}`",
    "</div><svg onload=window.__pwned=1>",
]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from geodata.sources.demo import build_demo_tables
    from geodata.store.workspace import save_version

    tables = build_demo_tables()
    areas = tables["areas"].copy()
    areas["name"] = [PAYLOADS[i % len(PAYLOADS)] + f" {i}" for i in range(len(areas))]
    areas["district_name"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(areas))]
    # Names are shown in the chosen language where the workspace has them: hostile there too.
    for column in ("name_en", "name_fa", "name_vi"):
        areas[column] = areas["name"]
    facilities = tables["facilities"].copy()
    facilities["name"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(facilities))]
    tables.update(areas=areas, facilities=facilities)
    path = tmp_path_factory.mktemp("hostile") / "hostile.gpkg"
    save_version(path, tables, message="hostile names", summary={"title": PAYLOADS[2]})
    server = StreamlitServer(path)
    yield server, areas
    server.stop()


def assert_not_injected(page) -> None:
    assert page.evaluate("() => window.__pwned === undefined")
    frame = map_frame(page)
    assert frame.evaluate("() => window.__pwned === undefined")
    # No element created from the payloads, in the page or in the map frame.
    for target in (page, frame):
        assert target.locator("img[src='x'], svg[onload], script:has-text('__pwned')").count() == 0
        assert target.locator("a[href^='javascript']").count() == 0


def test_coverage_map_with_hostile_names(hostile_server, guarded_page):
    server, areas = hostile_server
    page = guarded_page.page
    area = areas["area_id"].iloc[2]  # named with the Markdown image payload
    page.goto(f"{server.url}/coverage_map?area={area}&district={areas['district_id'].iloc[2]}")
    wait_for_app(page)
    drawn_polygons(page, 5)
    no_exception_shown(page)
    # The payload is shown as text (the detail title), not turned into an image.
    assert page.get_by_text(PAYLOADS[2] + " 2", exact=False).count() >= 1
    # Hover tooltips: move over every area so each tooltip is built.
    map_frame(page).evaluate(
        "() => window.map.eachLayer(l => { if (l.feature) { l.fire('mouseover'); "
        "if (l.openTooltip) l.openTooltip(); } })"
    )
    # Facility details on click: open every popup, each one's content built from the names.
    opened = map_frame(page).evaluate(
        "() => { let n = 0; window.map.eachLayer(l => { if (l.getPopup && l.getPopup()) "
        "{ l.openPopup(); n += 1; } }); return n; }"
    )
    assert opened > 0
    assert_not_injected(page)
    page.screenshot(path=screenshot_path("hostile-names-coverage-map"), full_page=True)


def test_overview_with_hostile_names(hostile_server, guarded_page):
    server, _ = hostile_server
    page = guarded_page.page
    page.goto(server.url)
    wait_for_app(page)
    drawn_polygons(page, 12)
    no_exception_shown(page)
    assert_not_injected(page)
