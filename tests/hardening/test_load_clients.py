"""The load command's sessions without a browser (reliability/clients.py, #21) drive the dashboard
as a browser tab does: a filter they change is the page's, in its fragment, and the page's query
string follows it; several at once, and one moving across the pages, end every run without an
error."""

from __future__ import annotations

import asyncio

from reliability.clients import ProtocolClient, client_session, client_week, filters
from reliability.load import LoadReport
from render.i18n import translate
from tests.asyncrun import run_async


def test_clients_change_the_coverage_maps_filters_and_move_across_pages(demo_server) -> None:
    uninsured = translate("metric.uninsured", "en")
    report, week = LoadReport(sessions=3), LoadReport(sessions=1)

    async def one() -> tuple[list[str], str, str, list[str]]:
        client = await ProtocolClient.open(demo_server.url, "test")
        try:
            run, _ = await client.run(page_name="coverage_map")
            labels = [box.label for box in filters(client)]
            show = next(b for b in filters(client) if uninsured in b.options)
            client.choose(show, uninsured)
            changed, _ = await client.run(fragment_id=show.fragment_id)
            errors = run.exceptions + changed.exceptions
            return labels, show.fragment_id, client.query_string, errors
        finally:
            await client.close()

    async def many() -> None:
        await asyncio.gather(
            *(client_session(demo_server.url, 3, s, report) for s in range(3)),
            client_week(demo_server.url, 7, week, seconds=5, think=(0.2, 0.4)),
        )

    labels, fragment, query, errors = run_async(one())
    assert errors == []
    # The sidebar's filters, the language left out, drawn in the page's fragment.
    assert translate("controls.language", "en") not in labels and len(labels) >= 3
    assert fragment
    assert "metric=uninsured" in query  # the app took the change and wrote it in the URL

    run_async(many())
    assert report.errors == [] and week.errors == []
    assert report.actions == 9 and len(report.server_latencies) == 9
    assert all(0 < seconds < 60 for seconds in report.server_latencies)
    # The week opened another page and worked a page's main control.
    assert week.kinds.get("navigate", 0) >= 1 and week.kinds.get("control", 0) >= 1, week.kinds
