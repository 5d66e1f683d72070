"""Real browser: the access views measured in travel time (#19) on the Comoros workspace, the one
real workspace with roads. Each map page opens by car (``measure_by=motorised``, as a shared link
would), draws every one of its 423 neighbourhoods, names the measure in the sidebar in the
page's language and requests nothing beyond localhost; the Infrastructure page's referral gap
reads in minutes on the map, and its legend names the mode. Each page is read in one language,
the three languages in turn (the Infrastructure page, whose legend writes the minutes and the
mode, in two), over one server whose engines and figures are built by the first visit: what each
page writes in every language is read by the AppTests (``tests/apptest/test_access_minutes.py``
names the views and the mode in each language, ``test_outreach_minutes.py`` the desks' reach)."""

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
#: Each page, what its URL adds, and the languages it is read in.
PAGES = [
    ("infrastructure", "view=referral_gap", ("fa", "vi")),
    ("gap_analysis", "", ("en",)),
    ("capacity", "", ("fa",)),
    ("outreach", "", ("vi",)),
]


@pytest.fixture(scope="module")
def comoros_server(comoros_workspace: Path) -> Iterator[StreamlitServer]:
    server = StreamlitServer(comoros_workspace)
    yield server
    server.stop()


@pytest.mark.parametrize(("slug", "extra", "languages"), PAGES, ids=[p[0] for p in PAGES])
def test_map_pages_measure_by_car_on_the_comoros(
    comoros_server, guarded_page, slug, extra, languages
):
    page = guarded_page.page
    for lang in languages:
        query = "&".join(q for q in (f"lang={lang}", "measure_by=motorised", extra) if q)
        open_page(page, f"{comoros_server.url}/{slug}?{query}", timeout=120)
        counts = drawn_polygons(page, AREAS, timeout=120)
        assert counts["features"] >= AREAS
        by_car = translate("access.measure.motorised", lang)
        assert by_car in selectbox_values(page).values(), selectbox_values(page)
        if extra == "view=referral_gap":  # the legend: "no hospital within N min", by car
            legends = legend_text(map_frame(page))
            before, after = translate("access.minutes.map.gap", lang, min="{min}").split("{min}")
            assert before.strip() in legends and after.strip() in legends, legends
            assert translate("access.minutes.by.motorised", lang) in legends, legends
        finish(guarded_page, f"comoros-minutes-{slug}-{lang}")
