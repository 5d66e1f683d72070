"""The second part of the escaping sweep of ``test_escaping.py`` (which says what it checks):
every page the app lists but the Overview, Coverage map, Gap analysis and Infrastructure pages
(there), a page added later included, with the map export of the Briefings page."""

from __future__ import annotations

import pytest

from tests.hardening.escaping_sweep import (
    FIRST_PART,
    payload_server,  # noqa: F401 — the fixture
    sweep_part,
)


@pytest.mark.browser
def test_no_payload_is_injected_or_runs_on_the_other_pages(payload_server, browser) -> None:  # noqa: F811
    swept = sweep_part(
        payload_server,
        browser,
        first=False,
        minimum={"shown": 25, "csv": 4, "xlsx": 4, "html": 1, "pdf": 1},
    )
    names = {name.split("?")[0] for name in swept}
    assert not names & set(FIRST_PART) and len(names) >= 5, swept
    assert {"capacity", "partners", "outreach", "briefings", "data"} <= names, swept
    assert "briefings?section=map" in swept, swept
