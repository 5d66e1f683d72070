"""Overview: headline figures, coverage by district on a map, and coverage over time."""

from __future__ import annotations

import streamlit as st

from analytics import coverage as cov
from ui import charts, data, views
from ui.context import current
from ui.format import fmt_int, fmt_month, fmt_pct

ctx = current()
ws, ver = ctx.workspace, ctx.version
months = data.periods(ws, ver)
with_insured = bool(months)

month = None
if with_insured:
    month = st.sidebar.selectbox(
        ctx.t("controls.month"), months[::-1], format_func=fmt_month, key="ov_month"
    )
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
level = "district" if per_area["district_id"].notna().any() else "area"
metric = "coverage" if with_insured else "population"
grouped = data.grouped_coverage(ws, ver, month, None, level)
with left:
    st.subheader(ctx.t("overview.map_title", metric=ctx.t(f"metric.{metric}").lower()))
    views.metric_map(
        ctx,
        data.display_shapes(ws, ver, level),
        grouped,
        id_column=data.LEVEL_KEYS[level],
        name_column="district_name" if level == "district" else "name",
        metric=metric,
        key="overview_map",
        height=430,
    )
with right:
    st.subheader(ctx.t("overview.trend_title"))
    if with_insured:
        trend = data.trend(ws, ver, None, None)
        sessions = data.tables(ws, ver)["outreach"]
        st.plotly_chart(
            charts.coverage_trend(
                trend,
                data.targets(ws, ver),
                ctx.lang,
                title=ctx.t("overview.trend_chart"),
                sessions=sessions if len(sessions) else None,
            ),
            width="stretch",
        )
    else:
        st.caption(ctx.t("overview.no_trend"))

order = "uninsured" if with_insured else "population"
st.subheader(ctx.t(f"overview.table_{'districts' if level == 'district' else 'areas'}_by_{order}"))
table = grouped.sort_values(order, ascending=False)
name_col = "district_name" if level == "district" else "name"
shown = {
    name_col: ctx.t("table.name"),
    "population": ctx.t("metric.population"),
    "insured": ctx.t("metric.insured"),
    "coverage": ctx.t("metric.coverage"),
    "uninsured": ctx.t("metric.uninsured"),
}
view = table[list(shown)].rename(columns=shown)
view[ctx.t("metric.coverage")] = table["coverage"] * 100
st.dataframe(
    view,
    hide_index=True,
    width="stretch",
    column_config={
        ctx.t("metric.coverage"): st.column_config.ProgressColumn(
            format="%.1f %%", min_value=0, max_value=100
        ),
        ctx.t("metric.population"): st.column_config.NumberColumn(format="localized"),
        ctx.t("metric.insured"): st.column_config.NumberColumn(format="localized"),
        ctx.t("metric.uninsured"): st.column_config.NumberColumn(format="localized"),
    },
)
flags = per_area["data_status"].value_counts()
quality = [
    ctx.t(f"quality.{status}", n=fmt_int(n, ctx.lang))
    for status, n in flags.items()
    if status != "ok"
]
if quality:
    st.caption(ctx.t("quality.title") + " " + " · ".join(quality))
st.caption(ctx.t("overview.coverage_note", coverage=fmt_pct(figures.get("coverage"), ctx.lang)))
