"""Real browser: the access views measured in travel time (#19) on the Comoros workspace, the one
real workspace with roads. Each map page opens by car (``measure_by=motorised``, as a shared link
would), draws every one of its 423 neighbourhoods, names the measure in the sidebar in the
page's language and requests nothing beyond localhost; the Infrastructure page's referral gap
reads in minutes on the map. The languages rotate over the pages, so each page and each language
is seen at least once without opening every page three times (the suite's time)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from render.i18n import translate
from tests.browser.helpers import (
    drawn_polygons,
    finish,
    legend_text,
    map_frame,
    open_page,
    selectbox_values,
)
from tests.conftest import StreamlitServer

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

AREAS = 423  # the recipe's hexagons (tests/recipes/comoros.toml)
CASES = [
    ("infrastructure", "fa", "view=referral_gap"),
    ("gap_analysis", "vi", ""),
    ("capacity", "en", ""),
    ("outreach", "fa", ""),
]


@pytest.fixture(scope="module")
def comoros_server(comoros_workspace: Path) -> Iterator[StreamlitServer]:
    server = StreamlitServer(comoros_workspace)
    yield server
    server.stop()


@pytest.mark.parametrize(("slug", "lang", "extra"), CASES)
def test_map_pages_measure_by_car_on_the_comoros(comoros_server, guarded_page, slug, lang, extra):
    page = guarded_page.page
    query = "&".join(q for q in (f"lang={lang}", "measure_by=motorised", extra) if q)
    open_page(page, f"{comoros_server.url}/{slug}?{query}", timeout=120)
    counts = drawn_polygons(page, AREAS, timeout=120)
    assert counts["features"] >= AREAS
    by_car = translate("access.measure.motorised", lang)
    assert by_car in selectbox_values(page).values(), selectbox_values(page)
    if extra == "view=referral_gap":  # the map's referral gap is "no hospital within N min"
        legends = legend_text(map_frame(page))
        before, after = translate("access.minutes.map.gap", lang, min="{min}").split("{min}")
        assert before.strip() in legends and after.strip() in legends, legends
    finish(guarded_page, f"comoros-minutes-{slug}-{lang}")
