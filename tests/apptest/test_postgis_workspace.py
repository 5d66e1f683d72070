"""AppTest: the app opens a workspace kept in PostGIS (``--workspace postgresql://…``) — the demo
region saved into the test server — and shows the same figures as from the GeoPackage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from render.i18n import translate
from tests.apptest.helpers import run_page


@pytest.fixture(scope="module")
def demo_in_postgis(postgis_url: str) -> str:
    """The demo tables saved as a workspace in its own schema of the test server."""
    from geodata.sources.workspaces import write_demo_workspace

    url = f"{postgis_url}?schema=app_demo"
    write_demo_workspace(url)
    return url


@pytest.fixture
def on_postgis(demo_in_postgis: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", demo_in_postgis)
    yield demo_in_postgis


def test_overview_on_postgis_matches_the_geopackage(on_postgis, demo_workspace, monkeypatch):
    at = run_page("app_pages/overview.py")
    assert at.title[0].value == translate("overview.title", "en")
    assert any(translate("header.demo_label", "en") in i.value for i in at.info)  # still the demo
    on_pg = {m.label: m.value for m in at.metric}
    assert on_pg[translate("metric.population", "en")] not in ("", "—")

    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(demo_workspace))
    on_file = {m.label: m.value for m in run_page("app_pages/overview.py").metric}
    assert on_pg == on_file


@pytest.mark.parametrize("page", ["app_pages/coverage_map.py", "app_pages/data.py"])
def test_other_pages_run_on_postgis(on_postgis, page):
    run_page(page, {"lang": "fa"})
