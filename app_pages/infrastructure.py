"""Infrastructure needs: distance to care, referral gaps, double gaps, capacity, where to build.

The view (map layer, thresholds, 2SFCA supply, what-if switch, facility filters, the needs table's
facility set, siting parameters) lives in the URL, so a shared link reopens the same view. Proposed
sites can be opened on the Capacity page as a what-if (``cap_changes`` in the session). Analytics: :mod:`analytics.access` and
:mod:`analytics.siting`, through the cached loaders of :mod:`ui.access.data`; pieces in :mod:`ui.access`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import access
from ui import data, views
from ui.access import data as access_data
from ui.access import siting, tables
from ui.access.catchments import catchment_param, catchment_section, chosen_catchments
from ui.access.controls import COVERED, sidebar
from ui.access.measure import km_param, measure_params, measures_of
from ui.access.views import access_map, map_caption, map_views
from ui.area_search import find_on_map
from ui.context import current
from ui.facility_layer import facility_filters
from ui.state import Param, bind, publish, value

ctx = current()
ws, ver = ctx.source, ctx.version
areas = data.table(ws, ver, "areas")
all_facilities = access_data.facilities(ws, ver)
with_insured = data.has_insured(ws, ver)
with_beds = access_data.has_beds(ws, ver)
present_statuses = access_data.facility_statuses(all_facilities)
opening_dates = access_data.opening_dates(all_facilities)
supply_choices = access_data.supply_choices(all_facilities)
# Measure by straight line, or by travel time where the workspace holds a road extract (#19).
measures = measures_of(ctx)

care_sets = access_data.present_sets(all_facilities)
view_options = map_views(care_sets, with_insured=with_insured)
flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}

P = {
    "view": Param("view", view_options[0], lambda: view_options),
    "near": km_param("near", access.NEAR_KM),
    "referral": km_param("referral", access.REFERRAL_KM),
    "office": km_param("office", 5.0),
    # 2SFCA supply: hospital beds by default where there are any, else care facilities (1 each).
    "supply": Param(
        "supply",
        "beds" if with_beds and "beds" in supply_choices else "facility",
        lambda: supply_choices,
    ),
    "catchment": km_param("catchment", access.CATCHMENT_KM),
    "covered": Param(
        "covered", access.COVERED_AT, lambda: COVERED, parse=float, dump=lambda v: f"{v:g}"
    ),
    "decay": Param("decay", False, lambda: [False, True], **flag),
    "uc": Param("uc", False, lambda: [False, True], **flag),
    "asof": Param("asof", "", lambda: ["", *opening_dates]),
    # The needs table's facility set (its own selector, beside the table).
    "needs": Param("needs", "care", lambda: care_sets or ["care"]),
}
P.update(siting.siting_params(ctx, with_insured=with_insured, care_sets=care_sets))
P.update(measure_params(measures))  # straight line or travel time (#19)
P["catch"] = catchment_param(all_facilities)  # a travel-time catchment on the map


# The controls and what they change are one ``st.fragment``: a change reruns only it, not the
# app's frame or the loading above (the frames it reads are cached in ``ui.access.data``).
@st.fragment(key="infrastructure_view")
def infrastructure_view() -> None:
    bind(list(P.values()))

    measure, unit, suffix = sidebar(
        ctx,
        P,
        views=view_options,
        measures=measures,
        care_sets=care_sets,
        supply_choices=supply_choices,
        with_insured=with_insured,
        opening_dates=opening_dates,
        statuses=present_statuses,
    )
    # Facilities on the map: the filters every map page shares (type, status, operator, beds).
    markers = facility_filters(ctx, all_facilities, "infra")

    view = str(value(P["view"]))
    # Thresholds in the measure's unit (km, or minutes of travel).
    thresholds = {f"{n}_km": float(value(P[n + suffix])) for n in ("near", "referral", "office")}
    near_km, referral_km = thresholds["near_km"], thresholds["referral_km"]
    supply = str(value(P["supply"]))
    catchment_km = float(value(P["catchment" + suffix]))  # in minutes when measuring travel time
    decay = bool(value(P["decay"]))
    under_construction = bool(value(P["uc"]))
    asof = str(value(P["asof"])) if under_construction else ""
    as_of = pd.Timestamp(asof).date() if asof else None
    target = float(value(P["covered"]))

    views.page_header(ctx, "access.title")
    if not len(all_facilities):
        st.warning(ctx.t("access.no_facilities"))
        publish(list(P.values()))
        return
    if not with_insured:
        st.info(ctx.t("access.no_insured"), icon=":material/info:")
    if not with_beds:
        st.info(ctx.t("access.no_beds"), icon=":material/info:")

    frame = tables.area_figures(
        ctx,
        areas,
        measure=measure,
        under_construction=under_construction,
        as_of=as_of,
        supply=supply,
        catchment_km=catchment_km,
        decay=decay,
        near_km=near_km,
        referral_km=referral_km,
        covered_at=target,
    )
    tables.headline(ctx, frame, **thresholds, measure=measure)
    tables.counted_caption(
        ctx, len(all_facilities), under_construction=under_construction, as_of=as_of
    )

    # Siting: computed when switched on, shown on the map and below it.
    plan, upload = siting.planned_sites(ctx, P, under_construction=under_construction, as_of=as_of)
    find_on_map(ctx, key="infra")  # the search box above the map (a place found holds the map)
    catchments = chosen_catchments(ctx, P["catch"], measure, all_facilities, plan)
    access_map(
        ctx,
        data.display_shapes(ws, ver, "area"),
        frame,
        view,
        **thresholds,
        facilities=markers,
        proposed=plan[1] if plan else None,
        objective=str(value(P["objective"])),
        key=f"infra_map_{view}" + ("" if unit == "km" else f"_{measure}"),
        measure=measure,
        decay=decay,
        catchments=catchments[2] if catchments else None,
    )
    map_caption(ctx, view, unit, **thresholds, decay=decay)
    catchment_section(ctx, catchments)
    tables.area_downloads(ctx, frame, with_insured=with_insured, unit=unit)
    gap_col, capacity_col = st.columns(2, gap="medium") if with_insured else (None, st.container())
    if gap_col is not None:
        with gap_col:
            tables.double_gap_section(ctx, frame, covered_at=target, near_km=near_km, unit=unit)
    with capacity_col:
        tables.capacity_section(
            ctx, frame, supply=supply, catchment_km=catchment_km, decay=decay, unit=unit
        )
    tables.needs_section(
        ctx,
        frame,
        sets=care_sets or ["care"],
        key=P["needs"].widget_key,
        **thresholds,
        by_uninsured=with_insured,
        unit=unit,
    )

    siting.siting_section(
        ctx, P, plan, upload, names=frame.set_index("area_id")["name"], facilities=all_facilities
    )

    publish(list(P.values()))


infrastructure_view()
