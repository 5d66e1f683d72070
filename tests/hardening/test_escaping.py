"""37 HTML/JavaScript/template payloads in every string field of a workspace (area, district, province,
partner and facility names, operators, addresses, services, contacts), rendered on every page the
app lists, in a real browser: no payload becomes an element, none runs, no dialog opens — in the
page and in every map frame, with every tooltip and popup opened. The payloads are shown (as
text) somewhere, so the check looks at real output."""

from __future__ import annotations

import pytest

from tests.conftest import StreamlitServer
from tests.hardening.payloads import PAYLOADS, check_all_pages, payload_workspace

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("payloads") / "payloads.gpkg"
    placed = payload_workspace(path)
    server = StreamlitServer(path)
    yield server, placed
    server.stop()


def test_no_payload_is_injected_or_runs_on_any_page(payload_server, browser) -> None:
    server, placed = payload_server
    assert len(PAYLOADS) >= 30 and placed["fields"] >= 10
    checks = check_all_pages(browser, server.url, extra_urls=("coverage_map?area=A001",))
    assert len(checks) >= 5, [c.page for c in checks]
    for check in checks:
        assert check.injected == [], f"{check.page}: markup from data: {check.injected[:3]}"
        assert not check.ran, f"{check.page}: a payload ran (window.__pwned set)"
        assert not check.templated, f"{check.page}: a template expression in data was evaluated"
        assert check.errors == 0, f"{check.page}: the page shows an exception"
        assert check.dialogs == [], f"{check.page}: dialogs opened: {check.dialogs}"
    # The payloads reached the pages (as text): the check looked at real output.
    assert sum(c.shown for c in checks) >= 50
    assert "Traceback" not in server.output()
