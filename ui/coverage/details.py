"""The Coverage map page's details of the chosen neighbourhood: its figures, its data status,
the insured by scheme and its coverage over time (with the outreach sessions held there), and the
button that clears the choice."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from render import charts
from render.safe import md_escape
from ui import data
from ui.context import Context
from ui.coverage.views import forget_map_click
from ui.state import rerun_view
from ui.tables import show_table


def area_details(
    ctx: Context,
    values: pd.DataFrame,
    selected: str,
    *,
    level: str,
    month: pd.Timestamp | None,
    with_insured: bool,
    district_names: pd.Series,
    sessions: pd.DataFrame,
) -> None:
    """The details of the ``selected`` neighbourhood (at the neighbourhood level, when it is in
    view), else a hint to pick one. ``sessions`` are the workspace's outreach sessions."""
    ws, ver = ctx.source, ctx.version
    if not (level == "area" and selected and selected in set(values["area_id"])):
        st.info(ctx.t("details.pick"), icon=":material/touch_app:")
        return
    chosen = values[values["area_id"] == selected]
    row = chosen.iloc[0]
    district_shown = district_names.get(row.get("district_id"), row.get("district_name"))
    st.subheader(md_escape(ctx.language.names(chosen, "name").iloc[0]))
    st.caption(ctx.t("details.district", district=md_escape(district_shown or "—")))
    c1, c2 = st.columns(2)
    c1.metric(ctx.t("metric.population"), ctx.language.int(row["population"]))
    c2.metric(ctx.t("metric.coverage"), ctx.language.pct(row["coverage"]))
    c1.metric(ctx.t("metric.insured"), ctx.language.int(row["insured"]))
    c2.metric(ctx.t("metric.uninsured"), ctx.language.int(row["uninsured"]))
    c1.metric(ctx.t("metric.people_to_target"), ctx.language.int(row["people_to_target"]))
    c2.metric(ctx.t("metric.density"), ctx.language.int(row["density"]))
    if row["data_status"] != "ok":
        st.warning(ctx.t("details.status", status=ctx.t(f"status.{row['data_status']}")))
    if with_insured:
        by_scheme = data.insured_by_scheme(ws, ver, selected, month)
        if len(by_scheme) and "scheme" in by_scheme:
            schemes = pd.DataFrame(
                {
                    ctx.t("table.scheme"): [ctx.label("scheme", s) for s in by_scheme["scheme"]],
                    ctx.t("metric.insured"): by_scheme["insured"].to_numpy(),
                }
            )
            show_table(ctx, schemes, f"insured_by_scheme_{selected}")
        trend = data.trend(ws, ver, None, None, (selected,))
        if "area_id" in sessions:
            sessions = sessions[sessions["area_id"] == selected]
        st.plotly_chart(
            charts.coverage_trend(
                trend,
                data.targets(ws, ver),
                ctx.lang,
                title=ctx.t("details.trend"),
                sessions=sessions if len(sessions) else None,
                height=280,
                calendar=ctx.calendar,
            ),
            width="stretch",
        )
    if st.button(ctx.t("details.clear"), icon=":material/close:"):
        st.session_state["cm_pending"] = {"area": ""}
        # Off the map: a fresh map, where clicking the same area selects it again.
        forget_map_click()
        rerun_view()
