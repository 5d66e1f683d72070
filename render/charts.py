"""Plotly figures. Streamlit bundles plotly.js, so charts need no CDN.

Charts take the language (and calendar) and write every label themselves: Plotly formats dates
and digits only in English.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from geodata.tables.calendar import month_start, periods_calendar, tick_months
from render.fonts import font_stack
from render.format import fmt_date, fmt_int, fmt_pct, fmt_signed, is_missing, month_label
from render.i18n import direction, translate

COVERAGE_COLOUR = "#1d6fa5"
TARGET_COLOUR = "#c2410c"
SESSION_COLOUR = "#15803d"
# Plotly's ``separators``: decimal then thousands, for any number Plotly formats itself.
_PLOTLY_SEPARATORS = {"en": ".,", "vi": ",.", "fa": "\u066b\u066c"}


def month_ticks(
    periods: pd.Series | list,
    lang: str,
    calendar: str | None = None,
    max_ticks: int = 12,
    months: str | None = None,
) -> tuple[list[pd.Timestamp], list[str]]:
    """Tick positions and their labels for a month axis: one tick per reporting month from the
    first period to the last, or one per quarter, half-year or year when that would be more than
    ``max_ticks``; each labelled by its month's name (``Mehr 1405``), never as a day.

    ``months`` is the reporting calendar (None: the one the periods are month starts of);
    ``calendar``, the reader's calendar for days, does not change a month. Plotly writes dates
    and digits itself only in English; passing the text keeps month names and Persian digits.
    """
    del calendar  # a month is labelled in its own calendar (render.format.month_label)
    present = pd.Series(
        [pd.Timestamp(p) for p in periods if not is_missing(p)], dtype="datetime64[ns]"
    )
    chosen_calendar = periods_calendar(present, months)
    chosen = list(tick_months(present, chosen_calendar, max_ticks))
    return chosen, [month_label(m, lang, chosen_calendar) for m in chosen]


def share_ticks(top: float, lang: str) -> tuple[list[float], list[str]]:
    """Ticks 0 … ``top`` (a share 0–1) at a round step, labelled as localised percentages."""
    top = max(float(top), 0.05) if math.isfinite(top) else 1.0
    step = next(s for s in (0.05, 0.1, 0.2, 0.25, 0.5, 1.0) if top / s <= 6)
    values = [round(i * step, 4) for i in range(int(math.ceil(top / step - 1e-9)) + 1)]
    return values, [fmt_pct(v, lang, digits=0) for v in values]


def coverage_trend(
    trend: pd.DataFrame,
    target: pd.DataFrame,
    lang: str,
    *,
    title: str,
    sessions: pd.DataFrame | None = None,
    height: int = 340,
    calendar: str | None = None,
    months: str | None = None,
) -> go.Figure:
    """Coverage per month against the target line, with outreach sessions marked.

    Every text on the chart is in ``lang``: title, axes, legend, tick labels and hover text
    (dates in ``calendar``, Solar Hijri by default in Persian, with the language's digits). In a
    right-to-left language the title and the legend sit on the right.

    Parameters
    ----------
    trend
        ``period``, ``coverage`` (0–1) and ``insured`` columns, one row per month.
    target
        ``period`` and ``target_coverage`` columns (may be empty).
    lang
        Language of every text on the chart.
    title
        Chart title (already translated).
    sessions
        Optional ``date`` and ``enrolled`` columns: outreach sessions drawn as markers.
    height
        Height in pixels.
    calendar
        ``"gregorian"`` or ``"jalali"``: the reader's calendar for the sessions' days; None: the
        language's own.
    months
        The workspace's reporting calendar (None: the one the periods are month starts of): the
        months of the axis, the hover text and the month each session falls in.
    """
    rtl = direction(lang) == "rtl"
    family = font_stack('"Source Sans", "Open Sans", sans-serif')
    fig = go.Figure()
    months = periods_calendar(trend["period"], months)
    month_text = trend["period"].map(lambda p: month_label(p, lang, months))
    hover = pd.DataFrame(
        {
            "month": month_text,
            "coverage": trend["coverage"].map(lambda v: fmt_pct(v, lang)),
            "insured": trend["insured"].map(lambda v: fmt_int(v, lang))
            if "insured" in trend
            else "",
        }
    )
    fig.add_trace(
        go.Scatter(
            x=trend["period"],
            y=trend["coverage"],
            mode="lines+markers",
            name=translate("chart.coverage", lang),
            line={"color": COVERAGE_COLOUR, "width": 3},
            customdata=hover.to_numpy(),
            hovertemplate="%{customdata[0]}: %{customdata[1]}"
            + (" (%{customdata[2]})" if "insured" in trend else "")
            + "<extra></extra>",
        )
    )
    top = pd.to_numeric(trend["coverage"], errors="coerce").max() if len(trend) else 1.0
    if len(target):
        fig.add_trace(
            go.Scatter(
                x=target["period"],
                y=target["target_coverage"],
                mode="lines",
                name=translate("chart.target", lang),
                line={"color": TARGET_COLOUR, "dash": "dash"},
                customdata=pd.DataFrame(
                    {
                        "month": target["period"].map(lambda p: month_label(p, lang, months)),
                        "target": target["target_coverage"].map(
                            lambda v: fmt_pct(v, lang, digits=0)
                        ),
                    }
                ).to_numpy(),
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
        top = max(top, pd.to_numeric(target["target_coverage"], errors="coerce").max())
    if sessions is not None and len(sessions) and len(trend):
        held = month_start(sessions["date"], months)
        at = trend.set_index("period")["coverage"].reindex(held).to_numpy()
        fig.add_trace(
            go.Scatter(
                x=sessions["date"],
                y=at,
                mode="markers",
                name=translate("chart.sessions", lang),
                marker={"symbol": "triangle-up", "size": 11, "color": SESSION_COLOUR},
                customdata=pd.DataFrame(
                    {
                        "date": sessions["date"].map(
                            lambda d: fmt_date(d, lang, calendar=calendar)
                        ),
                        "enrolled": sessions["enrolled"].map(lambda v: fmt_signed(v, lang)),
                    }
                ).to_numpy(),
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    # At most six month ticks, upright, and no axis title under them: the chart sits in a column
    # a third of the page wide, where twelve slanted months ran into each other and into the
    # title ("Month"), which the month names make plain anyway.
    tick_x, tick_x_text = month_ticks(trend["period"], lang, months=months, max_ticks=6)
    tick_y, tick_y_text = share_ticks(float(top) if pd.notna(top) else 1.0, lang)
    fig.update_layout(
        title={
            "text": title,
            "x": 0.99 if rtl else 0.01,
            "xanchor": "right" if rtl else "left",
            "font": {"size": 15, "family": family},
        },
        font={"family": family},
        separators=_PLOTLY_SEPARATORS.get(lang, ".,"),
        height=height,
        margin={"l": 10, "r": 10, "t": 45, "b": 10},
        yaxis={
            "tickvals": tick_y,
            "ticktext": tick_y_text,
            "range": [0, tick_y[-1] * 1.02] if tick_y else None,
            # Plotly places the axis title by the tick labels' measured width, which is wrong for
            # Persian digits measured before the local font has loaded: the title would cover them.
            # The legend and the chart title name the value already.
            "title": {"text": "" if rtl else translate("chart.coverage", lang), "standoff": 10},
            "automargin": True,
        },
        xaxis={
            "automargin": True,
            "tickvals": tick_x,
            "ticktext": tick_x_text,
            "tickangle": 0,
        },
        legend={
            "orientation": "h",
            "y": -0.25,
            "x": 1 if rtl else 0,
            "xanchor": "right" if rtl else "left",
        },
        hovermode="closest",
        template="plotly_white",
    )
    return fig
