"""The presentation's slides: what it steps through and in which order.

Stepping through the workspace's units (districts, or the areas of a workspace without districts),
the presentation opens with the whole region and its coverage over time against the target, then
shows one unit per slide, the unit most in need first: ordered by the priority score the Gap
analysis ranks by (:func:`analytics.priority.priority_score` with its starting weights; distance
to care in km, or in minutes of travel where the shared "measure by" is a travel mode), units
without data last. Stepping through months shows one month per slide.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.priority import DEFAULT_WEIGHTS, priority_score
from render import charts
from ui import data
from ui.briefings.choices import Choices
from ui.context import Context
from ui.gaps import data as gd
from ui.scope import Source

#: The slides that open a presentation by units, before the units themselves.
REGION, TREND = "@region", "@trend"


def unit_level(offered: Choices) -> str:
    """The units a presentation steps through: districts, or areas where there are none."""
    return "district" if offered.districts else "area"


@st.cache_data(show_spinner=False, max_entries=8)
def need_order(
    source: Source, version: int, period: pd.Timestamp | None, level: str, measure: str = "line"
) -> list[str]:
    """The ids of the units at ``level`` (``district`` or ``area``), most in need first: by the
    Gap analysis's priority score with its starting weights, its distance to care measured as
    the Gap analysis measures it by ``measure`` (straight-line km, or minutes of travel by a
    mode: :func:`ui.gaps.data.priority_inputs`); ties and units without a score (no
    population, no data) by id, the latter last."""
    inputs = gd.priority_inputs(source, version, period, level, measure)
    key = data.LEVEL_KEYS[level]
    scores = priority_score(inputs, DEFAULT_WEIGHTS)
    order = pd.DataFrame(
        {"id": inputs[key].astype(str).to_numpy(), "rank": scores["rank"].to_numpy()}
    ).sort_values(["rank", "id"], na_position="last", kind="stable")
    return order["id"].tolist()


def slide_items(ctx: Context, offered: Choices, by: str, measure: str = "line") -> list[str]:
    """What the presentation steps through: months, or the region, its trend and the units by
    need (the trend slide only where there are insured counts), need with the distance to care
    measured by ``measure`` (the shared "measure by": ``line`` or a travel mode)."""
    if by == "months":
        return list(offered.month_keys)
    period = offered.stamp(offered.latest)
    units = need_order(ctx.source, ctx.version, period, unit_level(offered), measure)
    return [REGION, *([TREND] if offered.with_insured else []), *units]


def trend_slide(ctx: Context) -> None:
    """The region's coverage per month against the target, full width."""
    ws, ver = ctx.source, ctx.version
    st.plotly_chart(
        charts.coverage_trend(
            data.trend(ws, ver, None, None),
            data.targets(ws, ver),
            ctx.lang,
            title=ctx.t("briefings.slides.trend_chart"),
            height=560,
            calendar=ctx.calendar,
            months=ctx.months,
        ),
        width="stretch",
        key="br_present_trend",
    )
