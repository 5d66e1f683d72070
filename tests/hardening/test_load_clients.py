"""The load command's sessions without a browser (reliability/clients.py, #21) drive the dashboard
as a browser tab does: a filter they change is the page's, in its fragment, and the page's query
string follows it; several at once end every run without an error."""

from __future__ import annotations

import asyncio

from reliability.clients import ProtocolClient, client_session, client_week, filters
from reliability.load import LoadReport
from render.i18n import translate
from tests.asyncrun import run_async


def test_a_client_changes_a_filter_of_the_coverage_map(demo_server) -> None:
    async def change() -> tuple[list[str], str, str, list[str]]:
        client = await ProtocolClient.open(demo_server.url, "test")
        try:
            run, _ = await client.run(page_name="coverage_map")
            labels = [box.label for box in filters(client)]
            show = next(
                b for b in filters(client) if translate("metric.uninsured", "en") in b.options
            )
            client.choose(show, translate("metric.uninsured", "en"))
            changed, _ = await client.run(fragment_id=show.fragment_id)
            return (
                labels,
                show.fragment_id,
                client.query_string,
                run.exceptions + changed.exceptions,
            )
        finally:
            await client.close()

    labels, fragment, query, errors = run_async(change())
    assert errors == []
    # The sidebar's filters, the language left out, drawn in the page's fragment.
    assert translate("controls.language", "en") not in labels and len(labels) >= 3
    assert fragment
    assert "metric=uninsured" in query  # the app took the change and wrote it in the URL


def test_sessions_at_once_end_every_run_without_an_error(demo_server) -> None:
    # Three sessions on the Coverage map's filters, one moving across the pages meanwhile.
    report, week = LoadReport(sessions=3), LoadReport(sessions=1)

    async def sessions() -> None:
        await asyncio.gather(
            *(client_session(demo_server.url, 3, s, report) for s in range(3)),
            client_week(demo_server.url, 7, week, seconds=4, think=(0.2, 0.4)),
        )

    run_async(sessions())
    assert report.errors == [] and week.errors == []
    assert report.actions == 9 and len(report.server_latencies) == 9
    assert all(0 < seconds < 60 for seconds in report.server_latencies)
    # The week opened other pages and worked their main controls.
    assert week.kinds.get("navigate", 0) >= 2 and week.kinds.get("control", 0) >= 1, week.kinds
