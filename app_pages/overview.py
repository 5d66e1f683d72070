"""Overview: headline figures, coverage by district on a map, and coverage over time.

The month and the facility filters, the figures, the map and the table they change are one
``st.fragment``: a change of a control reruns only it, not the app's frame or the loading above
(the frames it reads are cached per source, version and month in ``ui.data``).
"""

from __future__ import annotations

import streamlit as st

from analytics import coverage as cov
from analytics.priority import split_ranked
from render import charts
from render.i18n import joined
from ui import data, map_shapes, views
from ui.area_search import find_on_map
from ui.context import current
from ui.facility_layer import facility_filters
from ui.gaps.rankings import no_data_list
from ui.localize import COVERAGE_BAR, coverage_bar_column, names_by_key
from ui.tables import show_table

ctx = current()
ws, ver = ctx.source, ctx.version
months = data.periods(ws, ver)
with_insured = bool(months)
attributes = data.area_attributes(ws, ver)
level = "district" if attributes["district_id"].notna().any() else "area"
metric = "coverage" if with_insured else "population"
# District names in the chosen language, where the workspace has them.
district_names = names_by_key(attributes, "district_id", "district_name", ctx.lang)
facility_table = data.table(ws, ver, "facilities")
# More units than the map draws smoothly: a national layer's districts are dissolved before
# simplifying (``ui.map_shapes``), as on the Coverage map; drawn once per view, then restyled.
big = len(attributes) > views.MAX_AREAS_ON_MAP
shapes = map_shapes.view_shapes(ws, ver, level, big=big)
trend_figure = None
if with_insured:
    sessions = data.table(ws, ver, "outreach")
    trend_figure = charts.coverage_trend(
        data.trend(ws, ver, None, None),
        data.targets(ws, ver),
        ctx.lang,
        title=ctx.t("overview.trend_chart"),
        sessions=sessions if len(sessions) else None,
        calendar=ctx.calendar,
    )


@st.fragment(key="overview_view")
def overview_view() -> None:
    """The month, the facility filters and what they change: headline, map, trend, table."""
    month = views.sidebar_month(ctx, months, "ov_month")
    # Facilities on the map (off unless asked for): the filters every map page shares.
    facilities = facility_filters(ctx, facility_table, "ov", show_default=False)
    views.page_header(ctx, "overview.title", month)

    per_area = data.area_coverage(ws, ver, month, None)
    figures = cov.headline_figures(per_area)
    previous = None
    if with_insured and months.index(month) > 0:
        previous = cov.headline_figures(
            data.area_coverage(ws, ver, months[months.index(month) - 1], None)
        )
    views.headline(ctx, figures, previous)
    if not with_insured:
        st.warning(ctx.t("overview.no_insured"), icon=":material/info:")

    left, right = st.columns([5, 4], gap="medium")
    grouped = data.grouped_coverage(ws, ver, month, None, level)
    if level == "district":
        grouped = grouped.assign(district_name=grouped["district_id"].map(district_names))
    name_col = "district_name" if level == "district" else "name"
    with left:
        by = "overview.map_title" if level == "district" else "overview.map_title_region"
        st.subheader(ctx.t(by, metric=ctx.t(f"metric.{metric}").lower()))
        find_on_map(ctx, key="ov")  # the search box above the map
        views.live_metric_map(
            ctx,
            shapes,
            grouped,
            view=("overview", level, "big" if big else ""),
            id_column=data.LEVEL_KEYS[level],
            name_column=name_col,
            metric=metric,
            facilities=facilities,
            key="overview_map",
            size="small",
        )
    with right:
        st.subheader(ctx.t("overview.trend_title"))
        if trend_figure is not None:
            st.plotly_chart(trend_figure, width="stretch")
        else:
            st.caption(ctx.t("overview.no_trend"))

    order = "uninsured" if with_insured else "population"
    by_what = "districts" if level == "district" else "areas"
    st.subheader(ctx.t(f"overview.table_{by_what}_by_{order}"))
    # No data is not a rank: units without population are listed apart, below the table.
    ranked, no_data = split_ranked(grouped)
    ranked = ranked.sort_values(order, ascending=False)
    shown = {
        name_col: ctx.t("table.name"),
        "population": ctx.t("metric.population"),
        "insured": ctx.t("metric.insured"),
        "coverage": ctx.t("metric.coverage"),
        "uninsured": ctx.t("metric.uninsured"),
    }
    view = ranked[list(shown)].rename(columns=shown)
    view[ctx.t("table.name")] = ctx.language.names(ranked, name_col)
    view.insert(list(shown).index("coverage") + 1, COVERAGE_BAR, ranked["coverage"] * 100)
    show_table(
        ctx,
        view,
        f"overview_{level}",
        percent=(ctx.t("metric.coverage"),),
        column_config={COVERAGE_BAR: coverage_bar_column()},
    )
    no_data_list(
        ctx,
        no_data,
        name_column=name_col,
        key_column=data.LEVEL_KEYS[level],
        district_column="district_name" if level == "area" else None,
        key="overview_no_data",
    )
    flags = per_area["data_status"].value_counts()
    quality = [
        ctx.t(f"quality.{status}", n=ctx.language.int(n))
        for status, n in flags.items()
        if status != "ok"
    ]
    if quality:
        st.caption(ctx.t("quality.title") + " " + joined(quality, ctx.lang))
    note = ctx.t("overview.coverage_note", coverage=ctx.language.pct(figures.get("coverage")))
    st.caption(note)


overview_view()
