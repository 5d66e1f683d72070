"""In Chromium: a workspace with more neighbourhoods than the map draws smoothly (10,404 here,
above ``ui.views.MAX_AREAS_ON_MAP``) opens the Coverage map on its districts, says why, and
drills into a district that is clicked: its neighbourhoods, and a filter change that restyles the
map in place (same frame, same zoom) instead of drawing it anew."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.browser.helpers import (
    click_feature,
    drawn_polygons,
    finish,
    legend_text,
    map_frame,
    wait_for_app,
    wait_for_url,
)
from tests.conftest import StreamlitServer

pytestmark = pytest.mark.browser

SIDE = 102  # 102 x 102 = 10,404 neighbourhoods
BLOCK = 17  # 17 x 17 neighbourhoods per district: 6 x 6 = 36 districts
CELL = 0.01  # degrees (~1 km)


def grid_workspace_tables() -> dict[str, pd.DataFrame]:
    import geopandas as gpd
    import shapely

    from geodata.store.workspace import empty_table

    rows, cols = np.divmod(np.arange(SIDE * SIDE), SIDE)
    x0, y0 = 51.0 + cols * CELL, 35.0 + rows * CELL
    rng = np.random.default_rng(9)
    population = rng.integers(500, 5_000, len(rows))
    areas = gpd.GeoDataFrame(
        {
            "area_id": [f"N{i:05d}" for i in range(len(rows))],
            "name": [f"Neighbourhood {i}" for i in range(len(rows))],
            "population": pd.array(population, dtype="Int64"),
            "district_id": [f"D{r // BLOCK}{c // BLOCK}" for r, c in zip(rows, cols, strict=True)],
            "district_name": [
                f"District {r // BLOCK}-{c // BLOCK}" for r, c in zip(rows, cols, strict=True)
            ],
        },
        geometry=shapely.box(x0, y0, x0 + CELL, y0 + CELL),
        crs="EPSG:4326",
    )
    insured = pd.DataFrame(
        {
            "area_id": areas["area_id"],
            "period": pd.Timestamp("2026-10-01"),
            "insured": pd.array((population * rng.uniform(0.3, 0.95, len(rows))).astype(int)),
            "scheme": "health",
        }
    )
    return {
        "areas": areas,
        "insured": insured.astype({"insured": "Int64"}),
        "facilities": empty_table("facilities"),
    }


@pytest.fixture(scope="module")
def national_server(tmp_path_factory):
    from geodata.store.workspace import save_version

    path = tmp_path_factory.mktemp("national") / "national.gpkg"
    save_version(path, grid_workspace_tables(), message="10,404 neighbourhoods")
    server = StreamlitServer(path)
    yield server
    server.stop()


def test_many_neighbourhoods_open_on_districts_and_drill_down(national_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{national_server.url}/coverage_map")
    wait_for_app(page, timeout=180)
    page.get_by_text("This view has 10,404 neighbourhoods").wait_for(timeout=60_000)
    counts = drawn_polygons(page, 36, timeout=120)
    assert counts["features"] == counts["drawn"] == 36
    assert "Coverage" in legend_text(map_frame(page))
    finish(guarded_page, "scale-coverage-map-districts")

    click_feature(page, "D23")
    wait_for_url(page, r"district=D23")
    wait_for_app(page, timeout=120)
    counts = drawn_polygons(page, BLOCK * BLOCK, timeout=120)
    assert counts["features"] == counts["drawn"] == BLOCK * BLOCK
    assert page.get_by_text("This view has 10,404 neighbourhoods").count() == 0
    frame = map_frame(page)
    assert (
        frame.evaluate(
            "() => { let n = 0; window.map.eachLayer(l => { if (l.feature && "
            "l.feature.properties.district_id === undefined && l.feature.properties.area_id) n += 1 });"
            " return n; }"
        )
        == BLOCK * BLOCK
    )
    # A filter change restyles the drawn map: same frame (its marker survives), new legend.
    frame.evaluate("() => { window.__sameFrame = true; }")
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Show"
    )
    box.click()
    page.get_by_role("option", name="Uninsured", exact=True).click()
    wait_for_url(page, r"metric=uninsured")
    wait_for_app(page)
    frame.locator(".ca-legend", has_text="Uninsured").wait_for(timeout=30_000)
    assert frame.evaluate("() => window.__sameFrame === true")
    finish(guarded_page, "scale-coverage-map-district-areas")

    # Choosing a neighbourhood on the map outlines it in the same map and shows its details;
    # after "Clear selection", clicking it again selects it again.
    area = f"N{(2 * BLOCK + 1) * SIDE + 3 * BLOCK + 1:05d}"  # inside district D23
    click_feature(page, area)
    wait_for_url(page, rf"area={area}")
    wait_for_app(page)
    page.get_by_text("Clear selection").wait_for(timeout=30_000)
    assert frame.evaluate("() => window.__sameFrame === true")
    page.get_by_role("button", name="Clear selection").click()
    wait_for_app(page)
    page.get_by_text("Click an area on the map, or select a row").wait_for(timeout=30_000)
    drawn_polygons(page, BLOCK * BLOCK, timeout=60)
    click_feature(page, area)
    wait_for_url(page, rf"area={area}")
    page.get_by_text("Clear selection").wait_for(timeout=30_000)


def test_overview_of_many_neighbourhoods_draws_dissolved_districts(national_server, guarded_page):
    """The Overview's map of a workspace above the limit is drawn from districts dissolved before
    simplifying (the Coverage map's shapes), in the packed layer, not from every neighbourhood."""
    page = guarded_page.page
    page.goto(national_server.url)
    wait_for_app(page, timeout=180)
    counts = drawn_polygons(page, 36, timeout=120)
    assert counts["features"] == counts["drawn"] == 36
    assert "Coverage" in legend_text(map_frame(page))
    finish(guarded_page, "scale-overview-districts")
