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

from analytics.sessions import sessions_by_area as per_area_sessions
from analytics.villages import MODEL_VILLAGE_RULES
from ui import data, views
from ui.area_search import find_on_map
from ui.context import current, require_page
from ui.facility_layer import facility_filters
from ui.outreach import data as od
from ui.outreach import field, reach, sections
from ui.outreach import plan as op
from ui.outreach import views as ov
from ui.outreach.reach import reach_params
from ui.state import Param, bind, publish, value

ctx = current()
require_page(ctx, "outreach")
ws, ver = ctx.source, ctx.version
areas = data.table(ws, ver, "areas")
with_insured = data.has_insured(ws, ver)
partner_names = data.partner_names(ws, ver, ctx.lang)
forced_partner = ctx.role == "partner"
partner_options = [str(ctx.partner_id)] if forced_partner else ["", *od.partner_choices(ws, ver)]
rules = [r for r in MODEL_VILLAGE_RULES if with_insured or r == "population"]
has_underserved = "underserved" in areas and bool(areas["underserved"].notna().any())
# Communes straight under the province (no district level): model villages are chosen in the whole
# region, and said so.
per = "" if "district_id" in areas and areas["district_id"].notna().any() else "_region"
flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}
capacity = od.desk_capacity(ws, ver)

P = {
    "desks": Param("desks", 3, lambda: range(1, 11), parse=int),
    "days": Param("days", 7, lambda: range(1, 15), parse=int),
    "cap": op.capacity_param(capacity),
    "start": op.start_param(),
    "partner": Param("partner", partner_options[0], lambda: partner_options),
    "view": Param("view", "plan", lambda: ov.MAP_VIEWS),
    "rule": Param("rule", rules[0], lambda: rules),
    "quota": Param("quota", 5, lambda: range(1, 11), parse=int),
    "wu": Param("wu", 50, lambda: sections.PERCENT, parse=int),
    "wg": Param("wg", 30, lambda: sections.PERCENT, parse=int),
    "wd": Param("wd", 20, lambda: sections.PERCENT, parse=int),
    "under": Param("under", False, lambda: [False, True], **flag),
    "list": Param("list", "plan", lambda: ov.LIST_SCOPES),
}
P.update(reach_params(choices := reach.measures(ctx)))  # metres, or minutes over the roads
bind(list(P.values()))


def publish_view() -> None:
    publish(list(P.values()))
    op.keep_start_in_url(P["start"], value(P["start"]))


sb = st.sidebar
sb.number_input(ctx.t("outreach.controls.desks"), 1, 10, key=P["desks"].widget_key)
sb.number_input(ctx.t("outreach.controls.days"), 1, 14, key=P["days"].widget_key)
op.plan_settings(ctx, P["cap"], P["start"], capacity)
measure, reach_value = reach.reach_controls(ctx, sb, P, choices)
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
    ctx, data.table(ws, ver, "facilities"), "outreach", show_default=False
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
radius_m = reach_value  # metres, or minutes of travel by ``measure``
partner_id = str(value(P["partner"])) or None
scope = od.scoped(ws, ver, partner_id)
in_scope = set(scope["area_id"])
names, district_names = od.area_names(areas, ctx.lang)

# ---- the desk plan
plan = od.desk_plan(ws, ver, desks, days, radius_m, partner_id, cap, start, measure)
st.subheader(ctx.t("outreach.plan.title"))
op.plan_headline(ctx, plan)
partner_label = partner_names.get(partner_id, partner_id) if partner_id else None
op.plan_caption(ctx, plan, partner_label, len(scope))

# Model-village choice, read now (its widgets are drawn further down) for the map and lists.
village_args = sections.village_choice(P, has_underserved)
chosen = od.villages(ws, ver, partner_id, *village_args) if village_args else None
recorded = od.scoped_sessions(ws, ver, partner_id)
per_area = per_area_sessions(recorded)

find_on_map(ctx, key="or")  # the search box above the map
sections.map_section(
    ctx,
    P["view"],
    scope,
    names,
    per=per,
    in_scope=in_scope,
    plan=plan,
    chosen=chosen,
    recorded=recorded,
    per_area=per_area,
    facilities=facilities,
)
if len(plan.plan):
    op.plan_table(ctx, plan, names, partner_names, district_names)
else:
    st.info(ctx.t("outreach.plan.nothing"))

sections.villages_section(
    ctx,
    P,
    chosen,
    rules=rules,
    per=per,
    has_underserved=has_underserved,
    names=names,
    district_names=district_names,
)
sections.work_lists_section(
    ctx,
    P["list"],
    in_scope=in_scope,
    names=names,
    plan=plan,
    partner_id=partner_id,
    plan_args=(desks, days, radius_m, cap, start, measure),
    village_args=village_args,
)
field.field_section(ctx, plan, names, district_names, in_scope=in_scope, recorded_sessions=recorded)
sections.sessions_section(
    ctx,
    recorded,
    per_area,
    names,
    in_scope=in_scope,
    partner_id=partner_id,
    with_insured=with_insured,
)
sections.footer(ctx, plan)
publish_view()
