"""The time charts' axes stay readable in every language: the Overview's coverage chart (a third of
the page wide) has at most six upright month ticks and no axis title under them, and the Capacity
page's count charts leave room for their Persian tick labels (Plotly's own margin cut them)."""

from __future__ import annotations

import pandas as pd
import pytest

from render.charts import coverage_trend
from ui.context import Context

PERIODS = pd.date_range("2024-11-01", periods=24, freq="MS")


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_the_coverage_chart_has_a_few_upright_month_ticks_and_no_axis_title(lang) -> None:
    trend = pd.DataFrame({"period": PERIODS, "coverage": 0.7})
    target = pd.DataFrame({"period": PERIODS, "target_coverage": 0.8})
    axis = coverage_trend(trend, target, lang, title="t", months="gregorian").layout.xaxis
    assert 2 <= len(axis.tickvals) <= 6
    assert axis.tickangle == 0 and not (axis.title and axis.title.text)


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_count_charts_leave_room_for_their_tick_labels(lang) -> None:
    from ui.capacity.growth import utilisation_chart

    words = Context(
        workspace="", version=1, is_demo=False, lang=lang, title="", calendar="gregorian",
        months="gregorian",
    )  # fmt: skip
    series = pd.DataFrame({"period": PERIODS, "value": 400_000.0})
    layout = utilisation_chart(words, series, "Visits").layout
    longest = max(map(len, layout.yaxis.ticktext))
    assert longest >= 7  # "400,000"
    if lang == "fa":  # right to left: Plotly's automatic margin measured them too narrow
        assert layout.margin.l >= 9 * longest
    assert layout.yaxis.automargin
