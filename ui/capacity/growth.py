"""The Capacity and load page's utilisation section: a measure's latest window against the one
before, its series over time (all facilities, per district, one facility), and growth per facility
and per district, every label in the reader's language and calendar."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.utilisation import UtilisationWindows
from render.charts import _PLOTLY_SEPARATORS, month_ticks
from render.fonts import font_stack
from render.i18n import direction, isolated, joined
from render.maps import escape_text
from ui import data
from ui.capacity import data as capacity_data
from ui.capacity.selection import Selection
from ui.capacity.views import measure_label, show_table
from ui.context import Context
from ui.localize import names_by_key
from ui.scope import Source


def growth_section(ctx: Context, sel: Selection, measure: str) -> None:
    """``measure``'s totals, windows, charts and growth tables (with their downloads)."""
    ws, ver = sel.source, sel.version
    facility_names = sel.facility_names
    per_facility = capacity_data.growth(ws, ver, measure)
    per_district = capacity_data.district_growth(ws, ver, measure)
    windows = per_facility.attrs.get("windows")
    complete = per_facility[per_facility["complete"].astype(bool)]
    current_total = float(complete["current"].sum())
    previous_total = float(complete["previous"].sum())
    g1, g2, g3 = st.columns(3)
    label = measure_label(ctx, measure)
    # No facility with both periods complete: nothing to total, so no figure (not 0).
    any_complete = len(complete) > 0
    g1.metric(
        ctx.t("capacity.growth.current", measure=label),
        ctx.language.int(current_total) if any_complete else "—",
        delta=ctx.language.pct(current_total / previous_total - 1)
        if any_complete and previous_total
        else None,
    )
    g2.metric(
        ctx.t("capacity.growth.previous", measure=label),
        ctx.language.int(previous_total) if any_complete else "—",
    )
    g3.metric(
        ctx.t("capacity.growth.reporting"),
        ctx.t(
            "capacity.growth.reporting_value",
            n=ctx.language.int(len(complete)),
            total=ctx.language.int(len(per_facility)),
        ),
    )
    if windows is not None:
        st.caption(window_text(ctx, windows))
    overall, districts = series_charts(ws, ver, measure, ctx.lang, ctx.calendar, ctx.months)
    if overall is not None:
        st.plotly_chart(overall, width="stretch", config={"displayModeBar": False})
    if districts is not None:
        st.markdown(f"**{ctx.t('capacity.growth.district_series', measure=label)}**")
        st.plotly_chart(
            districts,
            width="stretch",
            config={"displayModeBar": False},
            key="cap_district_chart",
        )
    reporting = per_facility["facility_id"].astype(str).tolist()
    if reporting:
        picked = st.selectbox(
            ctx.t("capacity.growth.pick_facility"),
            reporting,
            key="cap_series_facility",
            format_func=lambda fid: joined(
                [facility_names.get(fid, fid), isolated(fid, ctx.lang)], ctx.lang
            ),
        )
        own = facility_chart(ws, ver, measure, str(picked), ctx.lang, ctx.calendar, ctx.months)
        if own is not None:
            st.plotly_chart(
                own,
                width="stretch",
                config={"displayModeBar": False},
                key="cap_facility_chart",
            )
    facility_table, district_table = growth_tables(ctx, per_facility, per_district, measure)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.markdown(f"**{ctx.t('capacity.growth.by_facility')}**")
        show_table(
            ctx, facility_table, f"capacity_growth_{measure}_facilities", key="cap_growth_dl"
        )
    areas = sel.areas
    if "district_id" in areas and areas["district_id"].notna().any():  # none: no such table
        with right:
            st.markdown(f"**{ctx.t('capacity.growth.by_district')}**")
            show_table(
                ctx, district_table, f"capacity_growth_{measure}_districts", key="cap_district_dl"
            )


def _words(version: int, lang: str, calendar: str, months: str) -> Context:
    """A context of words only (the language, the reader's calendar and the workspace's months),
    reading nothing: what a chart shared by the sessions of one source and version is labelled
    with."""
    return Context(
        workspace="",
        version=version,
        is_demo=False,
        lang=lang,
        title="",
        calendar=calendar,
        months=months,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def series_charts(
    source: Source, version: int, measure: str, lang: str, calendar: str, months: str
) -> tuple[go.Figure | None, go.Figure | None]:
    """``measure`` over time for all facilities and per district (None where there is a single
    period). Built once per source (the partner scope), version, measure, language and calendars:
    a change of the page's settings only sends them (the figures are shared and never changed
    after they are built)."""
    words = _words(version, lang, calendar, months)
    label = measure_label(words, measure)
    trend = capacity_data.series(source, version, measure)
    by_district = capacity_data.district_series(source, version, measure)
    names = district_names(source, version, lang)
    return (
        utilisation_chart(words, trend, label) if len(trend) > 1 else None,
        district_chart(words, by_district, label, names)
        if by_district["period"].nunique() > 1
        else None,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def district_names(source: Source, version: int, lang: str) -> pd.Series:
    """Each district's name in ``lang`` by its id (the growth figures name districts by id):
    looked up once per source, version and language, not on every rerun of the tables."""
    return names_by_key(data.table(source, version, "areas"), "district_id", "district_name", lang)


@st.cache_resource(show_spinner=False, max_entries=64)
def facility_chart(
    source: Source,
    version: int,
    measure: str,
    facility_id: str,
    lang: str,
    calendar: str,
    months: str,
) -> go.Figure | None:
    """``measure`` over time at one facility (None without figures), built once per source,
    version, measure, facility, language and calendar, as :func:`series_charts`."""
    own = capacity_data.facility_series(source, version, measure, facility_id)
    if not len(own):
        return None
    words = _words(version, lang, calendar, months)
    return utilisation_chart(words, own, measure_label(words, measure))


def growth_tables(
    ctx: Context, per_facility: pd.DataFrame, per_district: pd.DataFrame, measure: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Growth per facility (fastest first) and per district, as shown."""
    label = measure_label(ctx, measure)
    names = district_names(ctx.source, ctx.version, ctx.lang)
    rows = per_facility.sort_values("growth", ascending=False, na_position="last")
    facility_table = pd.DataFrame(
        {
            ctx.t("table.name"): rows["name"].astype(str).to_numpy(),
            ctx.t("map.type"): rows["type"].map(lambda t: ctx.label("facility_type", t)).to_numpy(),
            ctx.t("table.district"): rows["district"].map(names).astype("string").to_numpy(),
            ctx.t("capacity.growth.current", measure=label): rows["current"].round().to_numpy(),
            ctx.t("capacity.growth.previous", measure=label): rows["previous"].round().to_numpy(),
            ctx.t("capacity.table.growth"): (rows["growth"] * 100).round(1).to_numpy(),
            ctx.t("capacity.growth.per_bed"): rows["per_bed"].round(1).to_numpy(),
            ctx.t("capacity.growth.complete"): np.where(
                rows["complete"].astype(bool), ctx.t("access.map.yes"), ctx.t("access.map.no")
            ),
        }
    )
    district_table = pd.DataFrame(
        {
            ctx.t("table.district"): per_district["group"].map(names).fillna("—").to_numpy(),
            ctx.t("capacity.growth.facilities"): per_district["n_facilities"].to_numpy(),
            ctx.t("capacity.growth.incomplete"): per_district["n_incomplete"].to_numpy(),
            ctx.t("capacity.growth.current", measure=label): per_district["current"]
            .round()
            .to_numpy(),
            ctx.t("capacity.growth.previous", measure=label): per_district["previous"]
            .round()
            .to_numpy(),
            ctx.t("capacity.table.growth"): (per_district["growth"] * 100).round(1).to_numpy(),
        }
    )
    return facility_table, district_table


def window_text(ctx: Context, windows: UtilisationWindows) -> str:
    """The two windows compared, in the reader's calendar."""

    def span(periods: tuple[pd.Timestamp, ...]) -> str:
        if not periods:
            return "—"
        first = ctx.language.month(periods[0])
        if len(periods) == 1:
            return first
        return f"{first} – {ctx.language.month(periods[-1])}"

    return ctx.t(
        f"capacity.growth.windows_{windows.frequency}",
        current=span(windows.current),
        previous=span(windows.previous),
        months=ctx.language.int(windows.months),
        n=ctx.language.int(windows.n_periods),
    )


def month_names(ctx: Context, periods: pd.Series) -> dict[object, str]:
    """Period → its month in the reader's language and calendar, each month named once (a chart
    of every district repeats them)."""
    unique = periods.drop_duplicates()
    return dict(zip(unique, map(ctx.language.month, unique), strict=True))


def utilisation_chart(ctx: Context, series: pd.DataFrame, label: str, height: int = 260):
    """``measure`` per period (all facilities) as bars, every label in the reader's language and
    calendar (Plotly writes dates and digits only in English)."""
    months = series["period"].map(month_names(ctx, series["period"]))
    values = series["value"].map(ctx.language.int)
    fig = go.Figure(
        go.Bar(
            x=series["period"],
            y=series["value"],
            marker={"color": "#1d6fa5"},
            customdata=np.column_stack([months.to_numpy(), values.to_numpy()]),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
        )
    )
    _lay_out_counts_over_time(ctx, fig, series, series["period"], label, height, showlegend=False)
    return fig


def _lay_out_counts_over_time(
    ctx: Context,
    fig: go.Figure,
    series: pd.DataFrame,
    periods: pd.Series,
    label: str,
    height: int,
    *,
    yaxis: dict | None = None,
    **layout: object,
) -> None:
    """The layout the utilisation charts share: round count ticks on the y axis (at most about
    five steps of 1, 2, 2.5 or 5 × 10ⁿ), month ticks on the x axis, both in the reader's
    language and calendar, the axis title left out in right-to-left languages."""
    rtl = direction(ctx.lang) == "rtl"
    top = float(series["value"].max()) if len(series) else 1.0
    step = 10 ** max(0, int(math.floor(math.log10(max(top, 1.0) / 4))))
    step = next(s * step for s in (1, 2, 2.5, 5, 10) if top / (s * step) <= 5)
    ticks = [i * step for i in range(int(top // step) + 2)]
    tick_x, tick_x_text = month_ticks(periods, ctx.lang, ctx.calendar, max_ticks=6)
    tick_y_text = [ctx.language.int(t) for t in ticks]
    # Room for the count ticks: Plotly measures them too narrow in a right-to-left page (its
    # automatic margin left "۴۰۰٬۰۰۰" cut to "٬۰۰۰"), about 9 px a character at this size.
    left = 10 + 9 * max(map(len, tick_y_text)) if rtl else 10
    fig.update_layout(
        font={"family": font_stack('"Source Sans", "Open Sans", sans-serif')},
        separators=_PLOTLY_SEPARATORS.get(ctx.lang, ".,"),
        height=height,
        margin={"l": left, "r": 10, "t": 10, "b": 10},
        yaxis={
            "tickvals": ticks,
            "ticktext": tick_y_text,
            "title": {"text": "" if rtl else label, "standoff": 10},
            "automargin": True,
            **(yaxis or {}),
        },
        xaxis={"tickvals": tick_x, "ticktext": tick_x_text, "automargin": True},
        template="plotly_white",
        **layout,
    )


def district_chart(
    ctx: Context, series: pd.DataFrame, label: str, names: pd.Series, height: int = 300
):
    """``measure`` per district and period (:func:`analytics.utilisation.group_series`, districts
    by id): one line per district in the order of their ids, named by ``names`` (id → name in the
    reader's language), every label in the reader's language and calendar."""
    fig = go.Figure()
    named = month_names(ctx, series["period"])
    for group, rows in series.groupby("group", sort=True):
        months = rows["period"].map(named)
        values = rows["value"].map(ctx.language.int)
        name = escape_text(names.get(group, group))
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["value"],
                mode="lines+markers",
                name=name,
                customdata=np.column_stack([months.to_numpy(), values.to_numpy()]),
                hovertemplate=f"{name}<br>%{{customdata[0]}}: %{{customdata[1]}}<extra></extra>",
            )
        )
    _lay_out_counts_over_time(
        ctx,
        fig,
        series,
        pd.Series(sorted(series["period"].unique())),
        label,
        height,
        yaxis={"rangemode": "tozero"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15},
    )
    return fig
