"""Infrastructure needs: distance to care, referral gaps, double gaps, capacity, where to build.

The view (map layer, thresholds, 2SFCA supply, what-if switch, facility filters, the needs table's
facility set, siting parameters) lives in the URL, so a shared link reopens the same view. Proposed
sites can be opened on the Capacity page as a what-if (``cap_changes`` in the session). Analytics: :mod:`analytics.access` and
:mod:`analytics.siting`, through the cached loaders of :mod:`ui.access.data`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import access
from render.format import fmt_date, fmt_int, fmt_number, fmt_pct
from ui import data, views
from ui.access import data as access_data
from ui.access import travel as travel_data
from ui.access import views as access_views
from ui.access.measure import THRESHOLD_DIGITS, measure_controls, measure_params, unit_text
from ui.access.views import VIEWS, access_map
from ui.admin.manage import upload_error_text
from ui.capacity import data as capacity_data
from ui.context import current
from ui.facility_layer import facility_filters
from ui.state import Param, bind, publish, value

ctx = current()
ws, ver = ctx.source, ctx.version
areas = data.tables(ws, ver)["areas"]
all_facilities = access_data.facilities(ws, ver)
with_insured = data.has_insured(ws, ver)
with_beds = access_data.has_beds(ws, ver)
present_statuses = access_data.facility_statuses(all_facilities)
opening_dates = access_data.opening_dates(all_facilities)
supply_choices = access_data.supply_choices(all_facilities)
# Measure by straight line, or by travel time where the workspace holds a road extract (#19).
with_roads = travel_data.has_roads(ws, ver)
measures = list(travel_data.MEASURES) if with_roads else ["line"]

COVERED = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0]
DISTANCES = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0]
care_sets = access_data.present_sets(all_facilities)
view_options = [
    v
    for v in VIEWS
    if (v != "double_gap" or with_insured)
    and (not v.endswith("_km") or v.removesuffix("_km") in care_sets)
]
objectives = ["population", "uninsured"] if with_insured else ["population"]
candidate_kinds = ["areas", *(["pipeline"] if len(access_data.pipeline_sites(ws, ver)) else [])]
if ctx.may("import"):  # uploading a layer is for the roles that may change data
    candidate_kinds.append("upload")
flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}

P = {
    "view": Param("view", view_options[0], lambda: view_options),
    "near": Param("near", access.NEAR_KM, lambda: DISTANCES, parse=float, dump=lambda v: f"{v:g}"),
    "referral": Param(
        "referral", access.REFERRAL_KM, lambda: DISTANCES, parse=float, dump=lambda v: f"{v:g}"
    ),
    "office": Param("office", 5.0, lambda: DISTANCES, parse=float, dump=lambda v: f"{v:g}"),
    # 2SFCA supply: hospital beds by default where there are any, else care facilities (1 each).
    "supply": Param(
        "supply",
        "beds" if with_beds and "beds" in supply_choices else "facility",
        lambda: supply_choices,
    ),
    "catchment": Param(
        "catchment", access.CATCHMENT_KM, lambda: DISTANCES, parse=float, dump=lambda v: f"{v:g}"
    ),
    "covered": Param(
        "covered", access.COVERED_AT, lambda: COVERED, parse=float, dump=lambda v: f"{v:g}"
    ),
    "decay": Param("decay", False, lambda: [False, True], **flag),
    "uc": Param("uc", False, lambda: [False, True], **flag),
    "asof": Param("asof", "", lambda: ["", *opening_dates]),
    "plan": Param("plan", False, lambda: [False, True], **flag),
    "k": Param("k", 3, lambda: range(1, 11), parse=int),
    "radius": Param("radius", 2.0, lambda: DISTANCES, parse=float, dump=lambda v: f"{v:g}"),
    "objective": Param("objective", objectives[0], lambda: objectives),
    "candidates": Param("candidates", "areas", lambda: candidate_kinds),
    "care": Param("care", "care", lambda: care_sets or ["care"]),
    # The needs table's facility set (its own selector, beside the table).
    "needs": Param("needs", "care", lambda: care_sets or ["care"]),
}
P.update(measure_params(measures))  # straight line or travel time (#19)
bind(list(P.values()))

sb = st.sidebar
sb.selectbox(
    ctx.t("access.controls.view"),
    view_options,
    key=P["view"].widget_key,
    format_func=lambda v: ctx.t(f"access.view.{v}"),
)
measure, unit, suffix = measure_controls(
    ctx,
    sb,
    P,
    measures=measures,
    distances=DISTANCES,
    with_office="insurance_office" in care_sets,
)
km = {"format_func": lambda v: ctx.t("access.units.km", km=fmt_number(v, ctx.lang, digits=1))}
sb.select_slider(ctx.t("access.controls.catchment"), DISTANCES, key=P["catchment"].widget_key, **km)
sb.selectbox(
    ctx.t("access.controls.supply"),
    supply_choices,
    key=P["supply"].widget_key,
    format_func=lambda v: ctx.t(f"access.supply.{v}"),
)
if with_insured:
    sb.select_slider(
        ctx.t("access.controls.covered"),
        COVERED,
        key=P["covered"].widget_key,
        format_func=lambda v: fmt_pct(v, ctx.lang, digits=0),
    )
sb.toggle(
    ctx.t("access.controls.decay"), key=P["decay"].widget_key, help=ctx.t("access.help.decay")
)
sb.toggle(
    ctx.t("access.controls.under_construction"),
    key=P["uc"].widget_key,
    disabled=not opening_dates and "under_construction" not in present_statuses,
    help=ctx.t("access.help.under_construction"),
)
if value(P["uc"]) and opening_dates:
    sb.selectbox(
        ctx.t("access.controls.as_of"),
        ["", *opening_dates],
        key=P["asof"].widget_key,
        format_func=lambda d: (
            fmt_date(d, ctx.lang, calendar=ctx.calendar) if d else ctx.t("access.controls.all_open")
        ),
    )
# Facilities on the map: the filters every map page shares (type, status, operator, beds).
markers = facility_filters(ctx, all_facilities, "infra")

view = str(value(P["view"]))
# Thresholds in the measure's unit (km, or minutes of travel).
near_km = float(value(P["near" + suffix]))
referral_km = float(value(P["referral" + suffix]))
office_km = float(value(P["office" + suffix]))
supply = str(value(P["supply"]))
catchment_km = float(value(P["catchment"]))
decay = bool(value(P["decay"]))
under_construction = bool(value(P["uc"]))
as_of = pd.Timestamp(value(P["asof"])).date() if under_construction and value(P["asof"]) else None

views.page_header(ctx, "access.title")
if not len(all_facilities):
    st.warning(ctx.t("access.no_facilities"))
    publish(list(P.values()))
    st.stop()
if not with_insured:
    st.info(ctx.t("access.no_insured"), icon=":material/info:")
if not with_beds:
    st.info(ctx.t("access.no_beds"), icon=":material/info:")

counted = access_data.counted_facilities(ws, ver, under_construction, as_of)

target = float(value(P["covered"]))
frame = access_views.area_table(
    ctx,
    areas,
    access_data.nearest(ws, ver, under_construction, as_of)
    if unit == "km"
    else travel_data.nearest_minutes(ws, ver, under_construction, as_of, measure),
    access_data.capacity(ws, ver, under_construction, as_of, supply, catchment_km, decay),
    data.area_coverage(ws, ver, None, None),
    near_km=near_km,
    referral_km=referral_km,
    covered_at=target,
    unit=unit,
)
access_views.headline(
    ctx, frame, near_km=near_km, referral_km=referral_km, office_km=office_km, unit=unit
)
n_counted = len(counted)
st.caption(
    ctx.t(
        "access.counted",
        n=fmt_int(n_counted, ctx.lang),
        total=fmt_int(len(all_facilities), ctx.lang),
    )
    + (" " + ctx.t("access.what_if_on") if under_construction else "")
)

# Siting: computed when switched on, shown on the map and below it.
plan = None
upload = None
if value(P["candidates"]) == "upload":
    file = st.session_state.get("infra_candidates_file")
    upload = (file.name, file.getvalue()) if file is not None else None
if bool(value(P["plan"])) and (value(P["candidates"]) != "upload" or upload is not None):
    plan, problem = access_data.proposed_sites(
        ws,
        ver,
        under_construction,
        as_of,
        str(value(P["care"])),
        int(value(P["k"])),
        float(value(P["radius"])),
        str(value(P["objective"])),
        str(value(P["candidates"])),
        upload,
    )
    if problem:
        st.session_state["infra_upload_error"] = problem

access_map(
    ctx,
    data.display_shapes(ws, ver, "area"),
    frame,
    view,
    near_km=near_km,
    referral_km=referral_km,
    office_km=office_km,
    facilities=markers,
    proposed=plan[1] if plan else None,
    objective=str(value(P["objective"])),
    key=f"infra_map_{view}" + ("" if unit == "km" else f"_{measure}"),
    unit=unit,
)
st.caption(
    unit_text(
        ctx,
        f"explain.{view}",
        unit,
        near=fmt_number(near_km, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
        referral=fmt_number(referral_km, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
        office=fmt_number(office_km, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
    )
)
access_views.area_downloads(ctx, frame, with_insured=with_insured, unit=unit)
gap_col, capacity_col = st.columns(2, gap="medium") if with_insured else (None, st.container())
if gap_col is not None:
    with gap_col:
        access_views.double_gap_section(ctx, frame, covered_at=target, near_km=near_km, unit=unit)
with capacity_col:
    access_views.capacity_section(ctx, frame, supply=supply, catchment_km=catchment_km, decay=decay)
access_views.needs_section(
    ctx,
    frame,
    sets=care_sets or ["care"],
    key=P["needs"].widget_key,
    near_km=near_km,
    referral_km=referral_km,
    office_km=office_km,
    by_uninsured=with_insured,
    unit=unit,
)

# Siting tool.
st.subheader(ctx.t("access.siting.title"))
c1, c2, c3, c4, c5 = st.columns(5)
c1.number_input(ctx.t("access.siting.k"), min_value=1, max_value=10, key=P["k"].widget_key)
c2.select_slider(ctx.t("access.siting.radius"), DISTANCES, key=P["radius"].widget_key, **km)
c3.selectbox(
    ctx.t("access.siting.objective"),
    objectives,
    key=P["objective"].widget_key,
    format_func=lambda v: ctx.t(f"access.siting.objective_{v}"),
)
c4.selectbox(
    ctx.t("access.siting.candidates"),
    candidate_kinds,
    key=P["candidates"].widget_key,
    format_func=lambda v: ctx.t(f"access.siting.candidates_{v}"),
)
c5.selectbox(
    ctx.t("access.siting.care"),
    care_sets or ["care"],
    key=P["care"].widget_key,
    format_func=lambda v: ctx.t(f"access.set.{v}"),
)
if value(P["candidates"]) == "upload":
    st.file_uploader(
        ctx.t("access.siting.upload"),
        type=access_data.CANDIDATE_SUFFIXES,
        key="infra_candidates_file",
        help=ctx.t("access.siting.upload_help"),
    )
problem = st.session_state.pop("infra_upload_error", None)
if problem is not None:  # an unusable layer, or a run beyond the caps: in the page's language
    st.error(ctx.t("access.siting.upload_error", reason=upload_error_text(ctx, problem)))
st.toggle(ctx.t("access.siting.run"), key=P["plan"].widget_key)
if plan is not None:
    access_views.siting_results(
        ctx,
        *plan,
        frame.set_index("area_id")["name"],
        care_set=str(value(P["care"])),
        facility_ids=all_facilities["facility_id"].astype(str).tolist(),
        services=capacity_data.present_services(all_facilities),
    )
elif value(P["plan"]) and upload is None and value(P["candidates"]) == "upload":
    st.info(ctx.t("access.siting.upload_first"))
else:
    st.caption(ctx.t("access.siting.hint"))

publish(list(P.values()))
