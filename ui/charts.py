"""Plotly figures. Streamlit bundles plotly.js, so charts need no CDN."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.i18n import translate

COVERAGE_COLOUR = "#1d6fa5"
TARGET_COLOUR = "#c2410c"
SESSION_COLOUR = "#15803d"


def coverage_trend(
    trend: pd.DataFrame,
    target: pd.DataFrame,
    lang: str,
    *,
    title: str,
    sessions: pd.DataFrame | None = None,
    height: int = 340,
) -> go.Figure:
    """Coverage per month against the target line, with outreach sessions marked.

    Parameters
    ----------
    trend
        ``period``, ``coverage`` (0–1) and ``insured`` columns, one row per month.
    target
        ``period`` and ``target_coverage`` columns (may be empty).
    sessions
        Optional ``date`` and ``enrolled`` columns: outreach sessions drawn as markers.
    """
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=trend["period"],
            y=trend["coverage"],
            mode="lines+markers",
            name=translate("chart.coverage", lang),
            line={"color": COVERAGE_COLOUR, "width": 3},
            customdata=trend[["insured"]].to_numpy() if "insured" in trend else None,
            hovertemplate="%{x|%Y-%m}: %{y:.1%}"
            + (" (%{customdata[0]:,.0f})" if "insured" in trend else "")
            + "<extra></extra>",
        )
    )
    if len(target):
        fig.add_trace(
            go.Scatter(
                x=target["period"],
                y=target["target_coverage"],
                mode="lines",
                name=translate("chart.target", lang),
                line={"color": TARGET_COLOUR, "dash": "dash"},
                hovertemplate="%{x|%Y-%m}: %{y:.0%}<extra></extra>",
            )
        )
    if sessions is not None and len(sessions) and len(trend):
        months = sessions["date"].dt.to_period("M").dt.to_timestamp()
        at = trend.set_index("period")["coverage"].reindex(months).to_numpy()
        fig.add_trace(
            go.Scatter(
                x=sessions["date"],
                y=at,
                mode="markers",
                name=translate("chart.sessions", lang),
                marker={"symbol": "triangle-up", "size": 11, "color": SESSION_COLOUR},
                customdata=sessions[["enrolled"]].to_numpy(),
                hovertemplate="%{x|%Y-%m-%d}: +%{customdata[0]:,.0f}<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 45, "b": 10},
        yaxis={
            "tickformat": ".0%",
            "rangemode": "tozero",
            "title": translate("chart.coverage", lang),
        },
        xaxis={"title": translate("chart.month", lang), "tickformat": "%Y-%m"},
        legend={"orientation": "h", "y": -0.25},
        hovermode="x unified",
        template="plotly_white",
    )
    return fig
