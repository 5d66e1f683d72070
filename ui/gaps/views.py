"""Page pieces of the gap analysis: map colours, the projection chart, its tables with their CSV
and XLSX downloads (the maps: :mod:`ui.gaps.maps`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.classify import NO_DATA_COLOUR
from render import charts
from render.language import Language
from ui.context import Context
from ui.downloads import COLUMN_KINDS
from ui.localize import COVERAGE_BAR, coverage_bar_column
from ui.tables import show_table

#: Colours of the cluster categories (analytics.clusters.CATEGORIES).
CLUSTER_COLOURS = {
    "cold_spot": "#2166ac",
    "isolated_low": "#e08214",
    "hot_spot": "#5aae61",
    "not_significant": "#d9dde3",
    "not_tested": NO_DATA_COLOUR,
}
#: Colours of the top-N map, rank 1 darkest; units outside the top N are light grey.
TOP_COLOURS = ("#7f0000", "#b30000", "#d7301f", "#ef6548", "#fc8d59")
OUTSIDE_COLOUR = "#e5e7eb"
PROJECTION_COLOUR = "#6b21a8"


def top_colours(rank: pd.Series, top_n: int) -> tuple[pd.Series, list[tuple[str, int, int]]]:
    """Colour per unit from its rank: the top ``top_n`` in up to five shades, the rest grey.

    Returns the colours and, per shade, ``(colour, first rank, last rank)`` for the legend.
    """
    shades = min(len(TOP_COLOURS), max(top_n, 1))
    size = -(-top_n // shades)  # ceil
    groups = []
    colours = pd.Series(OUTSIDE_COLOUR, index=rank.index, dtype="object")
    colours[rank.isna()] = NO_DATA_COLOUR
    for i in range(shades):
        first, last = i * size + 1, min((i + 1) * size, top_n)
        if first > last:
            break
        colours[(rank >= first) & (rank <= last)] = TOP_COLOURS[i]
        groups.append((TOP_COLOURS[i], first, last))
    return colours, groups


def projection_chart(
    trend: pd.DataFrame,
    target: pd.DataFrame,
    projection: pd.Series,
    goal: float,
    lang: str,
    *,
    title: str,
    labels: dict[str, str],
    sessions: pd.DataFrame | None = None,
) -> go.Figure:
    """Coverage against the target line, continued at the current pace to ``goal``, with range.

    ``projection`` is one row of :func:`analytics.trends.project_to_goal`; ``labels`` names the
    traces (``pace``, ``range``, ``goal``).
    """
    language = Language(lang)
    fig = charts.coverage_trend(trend, target, lang, title=title, sessions=sessions, height=380)
    start, level = projection["latest_period"], projection["latest"]
    if projection["status"] == "projected":
        ends = [projection["reach_earliest"], projection["reach_latest"]]
        if all(pd.notna(e) for e in ends):
            fig.add_trace(
                go.Scatter(
                    x=[start, ends[0], ends[1], start],
                    y=[level, goal, goal, level],
                    fill="toself",
                    mode="lines",
                    line={"width": 0},
                    fillcolor="rgba(107,33,168,0.15)",
                    name=labels["range"],
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=[start, projection["reach_month"]],
                y=[level, goal],
                mode="lines+markers",
                line={"color": PROJECTION_COLOUR, "dash": "dot", "width": 2},
                name=labels["pace"],
                # Months by name in the language (Plotly would write 2026-10, a day-like date).
                customdata=[language.month(p) for p in (start, projection["reach_month"])],
                hovertemplate="%{customdata}: %{y:.1%}<extra></extra>",
            )
        )
    fig.add_hline(
        y=goal,
        line={"color": PROJECTION_COLOUR, "width": 1, "dash": "dash"},
        annotation_text=labels["goal"],
        annotation_position="bottom left",
    )
    # The x axis now runs past the data: label it again over the whole span.
    ends = [*trend["period"], projection["reach_latest"], projection["reach_month"]]
    ends = [pd.Timestamp(e) for e in ends if pd.notna(e)]
    # One tick per month of the periods' own calendar (or per quarter … when long).
    ticks, labels_ = charts.month_ticks(ends, lang)
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=labels_)
    fig.update_layout(yaxis={"rangemode": "normal"})
    return fig


def formula(latex: str) -> None:
    """A formula drawn with KaTeX, kept left to right on right-to-left pages (Persian), where the
    page's ``direction: rtl`` would otherwise mirror the fraction bars and sums."""
    st.html("<style>.katex, .katex-display { direction: ltr; unicode-bidi: isolate; }</style>")
    st.latex(latex)


def shares_table(
    ctx: Context, view: pd.DataFrame, name: str, *, share: str, counts: tuple[str, ...]
) -> None:
    """A table whose ``share`` column (per cent 0–100) is drawn as a bar beside its figure and
    whose ``counts`` are whole numbers, on the page and in its CSV and XLSX alike
    (:func:`ui.tables.show_table`; the bar is left out of the files)."""
    shown = view.copy()
    shown.insert(list(view.columns).index(share) + 1, COVERAGE_BAR, view[share])
    show_table(
        ctx,
        shown,
        name,
        kinds={share: "percent"} | dict.fromkeys(counts, "count"),
        download_key=f"gap_download_{name}",
        column_config={COVERAGE_BAR: coverage_bar_column()},
    )


#: Labels of the page's columns that hold a share as percent 0–100 (the page shows every share
#: so), besides the share labels of :data:`ui.downloads.COLUMN_KINDS`.
PERCENT_LABELS = (
    "gap.table.vulnerable",
    "gap.trends.latest",
    "gap.table.line",
    "gap.outreach.before",
    "gap.breakdowns.share",
    "gap.breakdowns.est_coverage",
)


def show(
    ctx: Context,
    table: pd.DataFrame,
    name: str,
    *,
    kinds: dict[str, str] | None = None,
    files: pd.DataFrame | None = None,
    **options: Any,
) -> None:
    """``table`` on the page and in its CSV and XLSX by one spec (:func:`ui.tables.show_table`):
    its shares are percent 0–100, as the page shows them (:data:`PERCENT_LABELS` and the share
    labels of :data:`ui.downloads.COLUMN_KINDS`), names and districts are labels (their digits
    in the reader's), ``kinds`` the kinds of other columns; ``files`` and ``options`` as
    :func:`ui.tables.show_table` takes them."""
    shares = [k for k, kind in COLUMN_KINDS.items() if kind == "share"] + list(PERCENT_LABELS)
    labels = {ctx.t(k) for k in shares}
    declared = {str(c): "percent" for c in table.columns if str(c) in labels}
    declared |= {ctx.t("table.name"): "label", ctx.t("table.district"): "label"}
    declared |= kinds or {}
    show_table(
        ctx,
        table,
        name,
        kinds=declared,
        download_key=f"gap_download_{name}",
        files=files,
        **options,
    )
