"""Outreach planner: the page's sections around the desk plan — the map with its view switch, the
model villages (rule, quota, weights, explanation and table), the work lists (scope, preview,
CSV and XLSX), the recorded sessions (coverage trend with enrolments, totals per area) and the
footer.

Figures come from :mod:`analytics.outreach` through the cached loaders of
:mod:`ui.outreach.data`; the map, tables and downloads are drawn by :mod:`ui.outreach.views`, the
plan's settings, headline and table by :mod:`ui.outreach.plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.outreach import DeskPlan
from analytics.sessions import enrolled_by_month
from analytics.villages import SCORE_WEIGHTS, ModelVillages
from render import charts
from render.safe import md_escape
from ui import data
from ui.context import Context
from ui.outreach import data as od
from ui.outreach import views as ov
from ui.partners import data as partner_data
from ui.state import Param, value

#: Weights of the score rule, in steps of five percent.
PERCENT = list(range(0, 101, 5))
#: The score's terms and the URL parameters of their weights.
WEIGHT_PARAMS = (("uninsured", "wu"), ("gap", "wg"), ("deprivation", "wd"))

#: How model villages are chosen: rule, quota, weights (term, weight) and underserved areas only.
VillageArgs = tuple[str, int, tuple[tuple[str, float], ...], bool]


def village_choice(params: dict[str, Param[Any]], has_underserved: bool) -> VillageArgs | None:
    """The model-village choice of the view (its widgets are drawn further down the page); None
    where the score rule has every weight at zero."""
    rule = str(value(params["rule"]))
    weights = tuple((name, float(value(params[short]))) for name, short in WEIGHT_PARAMS)
    score_ok = rule != "score" or any(w > 0 for _, w in weights)
    if not score_ok:
        return None
    return (
        rule,
        int(value(params["quota"])),
        weights,
        bool(value(params["under"])) and has_underserved,
    )


def map_section(
    ctx: Context,
    view_param: Param[Any],
    scope: pd.DataFrame,
    names: pd.Series,
    *,
    per: str,
    in_scope: set[str],
    plan: DeskPlan,
    chosen: ModelVillages | None,
    recorded: pd.DataFrame,
    per_area: pd.DataFrame,
    facilities: gpd.GeoDataFrame | None,
) -> None:
    """The map's view switch (plan, villages, sessions), the map and what it shows, in words."""
    st.radio(
        ctx.t("outreach.controls.view"),
        ov.MAP_VIEWS,
        key=view_param.widget_key,
        horizontal=True,
        format_func=lambda v: ctx.t(f"outreach.view.{v}"),
    )
    view = str(value(view_param))
    # Every area drawn is named (and labelled) in the reader's language, also those outside the
    # plan's scope, drawn pale: a label falls back to the id only where the area has no name.
    frame = pd.DataFrame({"area_id": names.index, "_name": names.to_numpy()}).merge(
        scope[["area_id", "population"]], on="area_id", how="left"
    )
    ov.outreach_map(
        ctx,
        data.display_shapes(ctx.source, ctx.version, "area"),
        frame,
        view,
        in_scope=in_scope,
        plan=plan,
        chosen=chosen,
        sessions=recorded,
        per_area=per_area,
        key=f"outreach_map_{view}",
        facilities=facilities,
    )
    if view == "plan" and plan.unit != "m":  # a desk's reach in minutes of travel, not on foot
        st.caption(ctx.t("outreach.minutes.explain_plan", m=ctx.language.int(plan.radius_m)))
    else:
        st.caption(ctx.t(f"outreach.map.explain_{view}{per if view == 'villages' else ''}"))


def villages_section(
    ctx: Context,
    params: dict[str, Param[Any]],
    chosen: ModelVillages | None,
    *,
    rules: list[str],
    per: str,
    has_underserved: bool,
    names: pd.Series,
    district_names: pd.Series,
) -> None:
    """The model villages: the rule, quota, underserved toggle and (score rule) weights, then
    the choice explained, the districts short of villages and the table."""
    st.subheader(ctx.t("outreach.villages.title"))
    rule = str(value(params["rule"]))
    c1, c2, c3 = st.columns([2, 2, 2])
    c1.selectbox(
        ctx.t("outreach.villages.rule"),
        rules,
        key=params["rule"].widget_key,
        format_func=lambda r: ctx.t(f"outreach.villages.rule_{r}"),
    )
    c2.slider(
        ctx.t(f"outreach.villages.quota{per}"),
        1,
        10,
        key=params["quota"].widget_key,
        help=ctx.t(f"outreach.villages.quota_help{per}"),
    )
    c3.toggle(
        ctx.t("outreach.villages.underserved"),
        key=params["under"].widget_key,
        disabled=not has_underserved,
    )
    if rule == "score":
        w1, w2, w3 = st.columns(3)
        for col, (_, short) in zip((w1, w2, w3), WEIGHT_PARAMS, strict=True):
            col.select_slider(
                ctx.t(f"outreach.villages.weight_{short}"),
                PERCENT,
                key=params[short].widget_key,
                format_func=ctx.language.int,
            )
    if chosen is None:
        st.warning(ctx.t("outreach.villages.no_weights"))
        return
    st.caption(ov.villages_explanation(ctx, chosen, by_district=not per))
    if chosen.short:
        st.caption(
            ctx.t(
                "outreach.villages.short",
                districts="، ".join(
                    md_escape(district_names.get(d, d)) for d in sorted(chosen.short)
                )
                if ctx.lang == "fa"
                else ", ".join(md_escape(district_names.get(d, d)) for d in sorted(chosen.short)),
            )
        )
    if chosen.n_no_data:
        st.caption(ctx.t("outreach.villages.no_data", n=ctx.language.int(chosen.n_no_data)))
    if len(chosen.table):
        ov.villages_table(ctx, chosen, names, district_names)
    else:
        st.info(ctx.t("outreach.villages.none"))
    if rule == "score" and SCORE_WEIGHTS.keys() - chosen.weights.keys():
        st.caption(ctx.t("outreach.villages.dropped_terms"))


def work_lists_section(
    ctx: Context,
    list_param: Param[Any],
    *,
    in_scope: set[str],
    names: pd.Series,
    plan: DeskPlan,
    partner_id: str | None,
    plan_args: tuple[int, int, float, int, dt.date | None, str],
    village_args: VillageArgs | None,
) -> None:
    """The work lists: which list (the plan, the model villages, every area, one area), its
    first rows and its CSV and XLSX downloads."""
    st.subheader(ctx.t("outreach.lists.title"))
    st.caption(ctx.t("outreach.lists.note"))
    l1, l2 = st.columns(2)
    l1.selectbox(
        ctx.t("outreach.lists.scope"),
        ov.LIST_SCOPES,
        key=list_param.widget_key,
        format_func=lambda s: ctx.t(f"outreach.lists.scope_{s}"),
    )
    list_scope = str(value(list_param))
    area_id = None
    if list_scope == "area":
        options = sorted(in_scope)
        area_id = l2.selectbox(
            ctx.t("outreach.lists.area"),
            options,
            key="outreach_list_area",
            format_func=lambda a: ctx.language.named(names.get(a, a), a),
        )
    ws, ver = ctx.source, ctx.version
    full = od.work_list(ws, ver, partner_id, plan_args, village_args)
    rows = ov.work_list_for(ctx, full, list_scope, plan=plan, area_id=area_id, names=names)
    table, kinds = ov.translated(ctx, rows, od.weight_column(ws, ver))
    st.caption(ctx.t("outreach.lists.rows", n=ctx.language.int(len(table))))
    ov.preview(ctx, table, kinds)
    title = ctx.t(f"outreach.lists.scope_{list_scope}")
    ov.download_buttons(
        ctx,
        table,
        kinds,
        stem=f"work_list_{list_scope}" + (f"_{area_id}" if area_id else ""),
        title=title,
        key=f"outreach_list_{list_scope}",
    )


def sessions_section(
    ctx: Context,
    recorded: pd.DataFrame,
    per_area: pd.DataFrame,
    names: pd.Series,
    *,
    in_scope: set[str],
    partner_id: str | None,
    with_insured: bool,
) -> None:
    """The recorded sessions: the scope's coverage trend with the people enrolled each month
    (held to the partner's own target for a partner), the total and the sessions per area."""
    st.subheader(ctx.t("outreach.sessions.title"))
    if not len(recorded):
        st.info(ctx.t("outreach.sessions.none"))
        return
    ws, ver = ctx.source, ctx.version
    left, right = st.columns([3, 2], gap="medium")
    with left:
        if with_insured:
            ids = tuple(sorted(in_scope)) if partner_id else None
            trend = data.trend(ws, ver, None, None, ids)
            monthly = enrolled_by_month(recorded, ctx.months)
            st.plotly_chart(
                charts.coverage_trend(
                    trend,
                    # A partner's trend is held to the partner's own target, not the region's.
                    partner_data.partner_target_line(ws, ver, partner_id)
                    if partner_id
                    else data.targets(ws, ver),
                    ctx.lang,
                    title=ctx.t("outreach.sessions.trend"),
                    sessions=monthly if len(monthly) else None,
                    calendar=ctx.calendar,
                ),
                width="stretch",
            )
            st.caption(ctx.t("outreach.sessions.trend_note"))
        else:
            st.caption(ctx.t("outreach.sessions.no_trend"))
    with right:
        total = recorded["enrolled"].sum()
        st.metric(
            ctx.t("outreach.sessions.enrolled"),
            ctx.language.int(total),
            help=ctx.t("outreach.sessions.count", n=ctx.language.int(len(recorded))),
        )
        ov.sessions_table(ctx, per_area, names)
    unplaced = int(recorded["area_id"].isna().sum())
    if unplaced:
        st.caption(ctx.t("outreach.sessions.unplaced", n=ctx.language.int(unplaced)))


def footer(ctx: Context, plan: DeskPlan) -> None:
    """Candidate sites the plan chose among and the solver's time limit."""
    st.caption(
        ctx.t(
            "outreach.footer",
            n=ctx.language.int(plan.n_candidates),
            limit=ctx.language.number(od.PLAN_TIME_LIMIT_S, 1),
        )
    )
