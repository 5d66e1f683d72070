"""AppTest: every page runs on the Comoros workspace (hexagon areas made from the WorldPop raster,
OpenStreetMap facilities, no insured data) without an exception, and says there is no insured data."""

from __future__ import annotations

import pytest

from tests.apptest.helpers import app_pages, run_page

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize("page", app_pages())
def test_every_page_runs_on_comoros(on_comoros, page):
    at = run_page(page, {"lang": "en"})
    assert at.title, page
    assert not any("Synthetic" in i.value for i in at.info)


def test_comoros_overview_has_the_rasters_people_and_no_coverage(on_comoros):
    at = run_page("app_pages/overview.py", {"lang": "en"})
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Population"] == "869,595"
    assert tiles["Coverage"] == "—"
    assert any("no insured counts" in w.value for w in at.warning)
