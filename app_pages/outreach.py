"""Outreach planner: mobile enrolment desks day by day, model villages, work lists, sessions.

The view (desks, days, people a desk enrols per day, start date, radius, partner, map layer,
village rule and quota, work list) lives in the URL, so a shared link reopens the same plan; the
start date is always written, so a link names the plan's dates whenever it is opened. The
capacity's default comes from the recorded sessions, and the page says so. A partner's session plans within its own areas
only (its tables are already limited to them). Analytics: :mod:`analytics.outreach`, through the
cached loaders of :mod:`ui.outreach.data`.
"""

from __future__ import annotations

import streamlit as st

from analytics.outreach import MODEL_VILLAGE_RULES, SCORE_WEIGHTS, enrolled_by_month
from analytics.outreach import sessions_by_area as per_area_sessions
from render import charts
from render.format import fmt_int, fmt_number
from render.safe import md_escape
from ui import data, views
from ui.context import current, require_page
from ui.facility_layer import facility_filters
from ui.localize import display_names, names_by_key
from ui.outreach import data as od
from ui.outreach import plan as op
from ui.outreach import views as ov
from ui.partners import data as partner_data
from ui.state import Param, bind, publish, value

ctx = current()
require_page(ctx, "outreach")
ws, ver = ctx.source, ctx.version
areas = data.tables(ws, ver)["areas"]
with_insured = data.has_insured(ws, ver)
weight = od.weight_column(ws, ver)
partner_names = od.partner_names(ws, ver)
forced_partner = ctx.role == "partner"
partner_options = [str(ctx.partner_id)] if forced_partner else ["", *od.partner_choices(ws, ver)]
rules = [r for r in MODEL_VILLAGE_RULES if with_insured or r == "population"]
has_underserved = "underserved" in areas and bool(areas["underserved"].notna().any())
# Communes straight under the province (no district level): model villages are chosen in the whole
# region, and said so.
per = "" if "district_id" in areas and areas["district_id"].notna().any() else "_region"
percent = list(range(0, 101, 5))
flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}
capacity = od.desk_capacity(ws, ver)

P = {
    "desks": Param("desks", 3, lambda: range(1, 11), parse=int),
    "days": Param("days", 7, lambda: range(1, 15), parse=int),
    "cap": op.capacity_param(capacity),
    "start": op.start_param(),
    "radius": Param("radius", 1000, lambda: od.RADII_M, parse=int),
    "partner": Param("partner", partner_options[0], lambda: partner_options),
    "view": Param("view", "plan", lambda: ov.MAP_VIEWS),
    "rule": Param("rule", rules[0], lambda: rules),
    "quota": Param("quota", 5, lambda: range(1, 11), parse=int),
    "wu": Param("wu", 50, lambda: percent, parse=int),
    "wg": Param("wg", 30, lambda: percent, parse=int),
    "wd": Param("wd", 20, lambda: percent, parse=int),
    "under": Param("under", False, lambda: [False, True], **flag),
    "list": Param("list", "plan", lambda: ov.LIST_SCOPES),
}
bind(list(P.values()))


def publish_view() -> None:
    publish(list(P.values()))
    op.keep_start_in_url(P["start"], value(P["start"]))


sb = st.sidebar
sb.number_input(ctx.t("outreach.controls.desks"), 1, 10, key=P["desks"].widget_key)
sb.number_input(ctx.t("outreach.controls.days"), 1, 14, key=P["days"].widget_key)
op.plan_settings(ctx, P["cap"], P["start"], capacity)
sb.select_slider(
    ctx.t("outreach.controls.radius"),
    od.RADII_M,
    key=P["radius"].widget_key,
    format_func=lambda m: ctx.t("outreach.units.m", m=fmt_int(m, ctx.lang)),
    help=ctx.t("outreach.controls.radius_help"),
)
sb.selectbox(
    ctx.t("outreach.controls.partner"),
    partner_options,
    key=P["partner"].widget_key,
    format_func=lambda p: partner_names.get(p, p) if p else ctx.t("outreach.controls.all_partners"),
    disabled=forced_partner or len(partner_options) < 2,
    help=ctx.t("outreach.controls.partner_help"),
)
# Facilities on the map (off unless asked for): the filters every map page shares.
facilities = facility_filters(
    ctx, data.tables(ws, ver)["facilities"], "outreach", show_default=False
)

views.page_header(ctx, "outreach.title")
if not with_insured:
    st.info(ctx.t("outreach.no_insured"), icon=":material/info:")
if not len(areas):
    st.warning(ctx.t("outreach.no_areas"))
    publish_view()
    st.stop()

desks, days = int(value(P["desks"])), int(value(P["days"]))
cap, start = int(value(P["cap"])), value(P["start"])
op.plan_dates(ctx, start, days)
radius_m = float(value(P["radius"]))
partner_id = str(value(P["partner"])) or None
scope = od.scoped(ws, ver, partner_id)
in_scope = set(scope["area_id"])
names = display_names(areas, "name", ctx.lang).set_axis(areas["area_id"].to_numpy())
district_names = names_by_key(areas, "district_id", "district_name", ctx.lang)

# ---- the desk plan
plan = od.desk_plan(ws, ver, desks, days, radius_m, partner_id, cap, start)
st.subheader(ctx.t("outreach.plan.title"))
op.plan_headline(ctx, plan)
partner_label = partner_names.get(partner_id, partner_id) if partner_id else None
op.plan_caption(ctx, plan, partner_label, len(scope))

# Model-village choice, read now (its widgets are drawn further down) for the map and lists.
rule = str(value(P["rule"]))
weights = tuple(
    (name, float(value(P[short])))
    for name, short in (("uninsured", "wu"), ("gap", "wg"), ("deprivation", "wd"))
)
score_ok = rule != "score" or any(w > 0 for _, w in weights)
village_args = (
    (rule, int(value(P["quota"])), weights, bool(value(P["under"])) and has_underserved)
    if score_ok
    else None
)
chosen = od.villages(ws, ver, partner_id, *village_args) if village_args else None
recorded = od.scoped_sessions(ws, ver, partner_id)
per_area = per_area_sessions(recorded)

st.radio(
    ctx.t("outreach.controls.view"),
    ov.MAP_VIEWS,
    key=P["view"].widget_key,
    horizontal=True,
    format_func=lambda v: ctx.t(f"outreach.view.{v}"),
)
view = str(value(P["view"]))
frame = scope[["area_id", "population"]].assign(_name=scope["area_id"].map(names).to_numpy())
ov.outreach_map(
    ctx,
    data.display_shapes(ws, ver, "area"),
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
st.caption(ctx.t(f"outreach.map.explain_{view}{per if view == 'villages' else ''}"))

if len(plan.plan):
    op.plan_table(ctx, plan, names, partner_names)
else:
    st.info(ctx.t("outreach.plan.nothing"))

# ---- model villages
st.subheader(ctx.t("outreach.villages.title"))
c1, c2, c3 = st.columns([2, 2, 2])
c1.selectbox(
    ctx.t("outreach.villages.rule"),
    rules,
    key=P["rule"].widget_key,
    format_func=lambda r: ctx.t(f"outreach.villages.rule_{r}"),
)
c2.slider(
    ctx.t(f"outreach.villages.quota{per}"),
    1,
    10,
    key=P["quota"].widget_key,
    help=ctx.t(f"outreach.villages.quota_help{per}"),
)
c3.toggle(
    ctx.t("outreach.villages.underserved"),
    key=P["under"].widget_key,
    disabled=not has_underserved,
)
if rule == "score":
    w1, w2, w3 = st.columns(3)
    for col, short in ((w1, "wu"), (w2, "wg"), (w3, "wd")):
        col.select_slider(
            ctx.t(f"outreach.villages.weight_{short}"),
            percent,
            key=P[short].widget_key,
            format_func=lambda v: fmt_int(v, ctx.lang),
        )
if chosen is None:
    st.warning(ctx.t("outreach.villages.no_weights"))
else:
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
        st.caption(ctx.t("outreach.villages.no_data", n=fmt_int(chosen.n_no_data, ctx.lang)))
    if len(chosen.table):
        ov.villages_table(ctx, chosen, names, district_names)
    else:
        st.info(ctx.t("outreach.villages.none"))
    if rule == "score" and SCORE_WEIGHTS.keys() - chosen.weights.keys():
        st.caption(ctx.t("outreach.villages.dropped_terms"))

# ---- work lists
st.subheader(ctx.t("outreach.lists.title"))
st.caption(ctx.t("outreach.lists.note"))
l1, l2 = st.columns(2)
l1.selectbox(
    ctx.t("outreach.lists.scope"),
    ov.LIST_SCOPES,
    key=P["list"].widget_key,
    format_func=lambda s: ctx.t(f"outreach.lists.scope_{s}"),
)
list_scope = str(value(P["list"]))
area_id = None
if list_scope == "area":
    options = sorted(in_scope)
    area_id = l2.selectbox(
        ctx.t("outreach.lists.area"),
        options,
        key="outreach_list_area",
        format_func=lambda a: f"{names.get(a, a)} ({a})",
    )
full = od.work_list(ws, ver, partner_id, (desks, days, radius_m, cap, start), village_args)
rows = ov.work_list_for(ctx, full, list_scope, plan=plan, area_id=area_id, names=names)
table, kinds = ov.translated(ctx, rows, weight)
st.caption(ctx.t("outreach.lists.rows", n=fmt_int(len(table), ctx.lang)))
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

# ---- recorded sessions
st.subheader(ctx.t("outreach.sessions.title"))
if not len(recorded):
    st.info(ctx.t("outreach.sessions.none"))
else:
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
            fmt_int(total, ctx.lang),
            help=ctx.t("outreach.sessions.count", n=fmt_int(len(recorded), ctx.lang)),
        )
        ov.sessions_table(ctx, per_area, names)
    unplaced = int(recorded["area_id"].isna().sum())
    if unplaced:
        st.caption(ctx.t("outreach.sessions.unplaced", n=fmt_int(unplaced, ctx.lang)))

st.caption(
    ctx.t(
        "outreach.footer",
        n=fmt_int(plan.n_candidates, ctx.lang),
        limit=fmt_number(od.PLAN_TIME_LIMIT_S, ctx.lang, digits=1),
    )
)
publish_view()
