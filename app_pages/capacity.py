"""Capacity and load: people per bed, per facility and per branch office; facilities carrying
more than their share; utilisation growth; what-if upgrades, openings and closures saved as named
scenarios, and scenarios compared.

The settings live in the URL (:mod:`ui.state`); the what-if being built lives in the session.
Analytics: :mod:`analytics.capacity`, through the cached loaders of :mod:`ui.capacity.data`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import access
from analytics import capacity as cap
from geodata.tables.problems import DataError
from geodata.tables.schema import FACILITY_TYPES
from render.format import fmt_int, fmt_number, fmt_pct
from render.i18n import isolated, joined
from render.safe import md_escape
from ui import data, views
from ui.access.data import DISTANCE_SETS, facility_types, present_sets
from ui.capacity import data as capacity_data
from ui.capacity import views as capacity_views
from ui.context import current, require_page
from ui.downloads import audit_actor, table_downloads
from ui.facility_layer import facility_filters
from ui.localize import display_names
from ui.state import Param, bind, publish, value

ctx = current()
require_page(ctx, "capacity")
ws, ver = ctx.source, ctx.version
tables = data.tables(ws, ver)
areas = tables["areas"]
all_facilities = tables["facilities"]
with_insured = data.has_insured(ws, ver)
services = capacity_data.present_services(all_facilities)
measures = capacity_data.measures(ws, ver)

DISTANCES = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0]
COVERED = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0]
OVERLOAD = [1.25, 1.5, 2.0, 3.0]
flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}
km_dump = {"parse": float, "dump": lambda v: f"{v:g}"}


def supplies() -> list[str]:
    service = st.session_state.get("url_service", services[0] if services else "care")
    return capacity_data.supply_options(all_facilities, service) if services else ["facility"]


P = {
    "service": Param("service", services[0] if services else "care", lambda: services or ["care"]),
    "supply": Param("supply", "", supplies),
    "catchment": Param("catchment", access.CATCHMENT_KM, lambda: DISTANCES, **km_dump),
    "near": Param("near", access.NEAR_KM, lambda: DISTANCES, **km_dump),
    "referral": Param("referral", access.REFERRAL_KM, lambda: DISTANCES, **km_dump),
    "covered": Param("covered", access.COVERED_AT, lambda: COVERED, **km_dump),
    "overload": Param("overload", 1.5, lambda: OVERLOAD, **km_dump),
    "decay": Param("decay", False, lambda: [False, True], **flag),
    "measure": Param("measure", measures[0] if measures else "", lambda: measures or [""]),
}
bind([P["service"]])
bind([p for name, p in P.items() if name != "service"])

km = {"format_func": lambda v: ctx.t("access.units.km", km=fmt_number(v, ctx.lang, digits=1))}
sb = st.sidebar
views.page_header(ctx, "capacity.title")
if not len(all_facilities) or not services:
    st.warning(ctx.t("capacity.no_facilities"))
    publish(list(P.values()))
    st.stop()

sb.selectbox(
    ctx.t("capacity.controls.service"),
    services,
    key=P["service"].widget_key,
    format_func=lambda v: ctx.t(f"capacity.service.{v}"),
)
supply_choices = supplies()
if st.session_state.get(P["supply"].widget_key) not in supply_choices:
    st.session_state[P["supply"].widget_key] = supply_choices[0]
sb.selectbox(
    ctx.t("capacity.controls.supply"),
    supply_choices,
    key=P["supply"].widget_key,
    format_func=lambda v: capacity_views.supply_label(ctx, v),
)
sb.select_slider(ctx.t("access.controls.catchment"), DISTANCES, key=P["catchment"].widget_key, **km)
sb.toggle(
    ctx.t("access.controls.decay"), key=P["decay"].widget_key, help=ctx.t("access.help.decay")
)
sb.select_slider(
    ctx.t("capacity.controls.overload"),
    OVERLOAD,
    key=P["overload"].widget_key,
    format_func=lambda v: ctx.t("capacity.times", n=fmt_number(v, ctx.lang, digits=2)),
    help=ctx.t("capacity.help.overload"),
)
sb.select_slider(ctx.t("access.controls.near"), DISTANCES, key=P["near"].widget_key, **km)
sb.select_slider(ctx.t("access.controls.referral"), DISTANCES, key=P["referral"].widget_key, **km)
if with_insured:
    sb.select_slider(
        ctx.t("access.controls.covered"),
        COVERED,
        key=P["covered"].widget_key,
        format_func=lambda v: fmt_pct(v, ctx.lang, digits=0),
    )
# Facilities besides the load circles: the filters every map page shares (off unless asked for).
shown_facilities = facility_filters(ctx, all_facilities, "cap", show_default=False)

service = str(value(P["service"]))
supply = str(value(P["supply"]))
overload_at = float(value(P["overload"]))
settings = capacity_data.settings_for(
    service,
    supply,
    near_km=float(value(P["near"])),
    referral_km=float(value(P["referral"])),
    catchment_km=float(value(P["catchment"])),
    decay=bool(value(P["decay"])),
    covered_at=float(value(P["covered"])),
    overload_at=overload_at,
)
names = pd.Series(display_names(areas, "name", ctx.lang).to_numpy(), index=areas["area_id"])
facility_names = pd.Series(
    all_facilities["name"].astype(str).to_numpy(), index=all_facilities["facility_id"].astype(str)
)
facility_names = facility_names[~facility_names.index.duplicated()]
s_label = capacity_views.supply_label(ctx, supply)

# ------------------------------------------------------------------------------------------ load
base = capacity_data.baseline(ws, ver, settings)
load = base.load
summary = capacity_data.load_summary(load)
measure = str(value(P["measure"])) or None
totals = capacity_data.latest_totals(ws, ver, measure)
growth = capacity_data.growth(ws, ver, measure) if measure else None

st.subheader(ctx.t("capacity.load.title", service=ctx.t(f"capacity.service.{service}")))
m1, m2, m3, m4 = st.columns(4)
m1.metric(ctx.t("capacity.load.facilities"), fmt_int(summary["n"], ctx.lang))
m2.metric(
    ctx.t("capacity.load.reference", supply=s_label),
    fmt_int(summary["reference"], ctx.lang),
    help=ctx.t(
        "capacity.load.reference_help",
        within=fmt_int(summary["within"], ctx.lang),
        supply=fmt_int(summary["supply"], ctx.lang),
        unit=s_label,
    ),
)
m3.metric(
    ctx.t("capacity.load.overloaded", at=fmt_number(overload_at, ctx.lang, digits=2)),
    fmt_int(summary["overloaded"], ctx.lang),
)
m4.metric(
    ctx.t("capacity.load.within"),
    fmt_pct(summary["within"] / summary["total"] if summary["total"] else None, ctx.lang),
    help=ctx.t(
        "capacity.load.within_help",
        n=fmt_int(summary["within"], ctx.lang),
        total=fmt_int(summary["total"], ctx.lang),
    ),
)
service_types = capacity_data.SERVICES[service]
others = (
    shown_facilities[
        ~shown_facilities["facility_id"].astype(str).isin(load["facility_id"].astype(str))
    ]
    if shown_facilities is not None
    else None
)
per_area = base.areas.assign(name=base.areas["area_id"].map(names).to_numpy())
capacity_views.load_map(
    ctx,
    data.display_shapes(ws, ver, "area"),
    per_area,
    load,
    all_facilities,
    others,
    supply=supply,
    overload_at=overload_at,
    key=f"cap_load_map_{service}_{supply}",
)
st.caption(
    ctx.t(
        "capacity.load.explain",
        km=fmt_number(settings.catchment_km, ctx.lang, digits=1),
        supply=s_label,
        at=fmt_number(overload_at, ctx.lang, digits=2),
    )
)
if load.attrs.get("n_missing_supply"):
    st.caption(
        ctx.t("capacity.load.missing_supply", n=fmt_int(load.attrs["n_missing_supply"], ctx.lang))
    )
ranked = capacity_views.load_table(
    ctx,
    load,
    supply=supply,
    totals=totals,
    measure=measure,
    growth=growth,
)
capacity_views.show_table(ctx, ranked, f"capacity_load_{service}", key="cap_load_dl")

# ----------------------------------------------------------------------------------- utilisation
st.subheader(ctx.t("capacity.growth.title"))
if not measures:
    st.info(ctx.t("capacity.growth.none"), icon=":material/info:")
else:
    st.selectbox(
        ctx.t("capacity.controls.measure"),
        measures,
        key=P["measure"].widget_key,
        format_func=lambda m: capacity_views.measure_label(ctx, m),
    )
    measure = str(value(P["measure"]))
    per_facility = capacity_data.growth(ws, ver, measure)
    per_district = capacity_data.district_growth(ws, ver, measure)
    windows = per_facility.attrs.get("windows")
    complete = per_facility[per_facility["complete"].astype(bool)]
    current_total = float(complete["current"].sum())
    previous_total = float(complete["previous"].sum())
    g1, g2, g3 = st.columns(3)
    label = capacity_views.measure_label(ctx, measure)
    # No facility with both periods complete: nothing to total, so no figure (not 0).
    any_complete = len(complete) > 0
    g1.metric(
        ctx.t("capacity.growth.current", measure=label),
        fmt_int(current_total, ctx.lang) if any_complete else "—",
        delta=fmt_pct(current_total / previous_total - 1, ctx.lang)
        if any_complete and previous_total
        else None,
    )
    g2.metric(
        ctx.t("capacity.growth.previous", measure=label),
        fmt_int(previous_total, ctx.lang) if any_complete else "—",
    )
    g3.metric(
        ctx.t("capacity.growth.reporting"),
        ctx.t(
            "capacity.growth.reporting_value",
            n=fmt_int(len(complete), ctx.lang),
            total=fmt_int(len(per_facility), ctx.lang),
        ),
    )
    if windows is not None:
        st.caption(capacity_views.window_text(ctx, windows))
    trend = capacity_data.series(ws, ver, measure)
    if len(trend) > 1:
        st.plotly_chart(
            capacity_views.utilisation_chart(ctx, trend, label),
            width="stretch",
            config={"displayModeBar": False},
        )
    by_district = capacity_data.district_series(ws, ver, measure)
    if by_district["period"].nunique() > 1:
        st.markdown(f"**{ctx.t('capacity.growth.district_series', measure=label)}**")
        st.plotly_chart(
            capacity_views.district_chart(ctx, by_district, label),
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
        own = capacity_data.facility_series(ws, ver, measure, str(picked))
        if len(own):
            st.plotly_chart(
                capacity_views.utilisation_chart(ctx, own, label),
                width="stretch",
                config={"displayModeBar": False},
                key="cap_facility_chart",
            )
    facility_table, district_table = capacity_views.growth_tables(
        ctx, per_facility, per_district, measure
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.markdown(f"**{ctx.t('capacity.growth.by_facility')}**")
        capacity_views.show_table(
            ctx, facility_table, f"capacity_growth_{measure}_facilities", key="cap_growth_dl"
        )
    if "district_id" in areas and areas["district_id"].notna().any():  # none: no such table
        with right:
            st.markdown(f"**{ctx.t('capacity.growth.by_district')}**")
            capacity_views.show_table(
                ctx, district_table, f"capacity_growth_{measure}_districts", key="cap_district_dl"
            )

# ---------------------------------------------------------------------------------------- what-if
st.subheader(ctx.t("capacity.whatif.title"))
st.caption(ctx.t("capacity.whatif.intro"))
CHANGES = "cap_changes"
st.session_state.setdefault(CHANGES, [])
pending: list[cap.Change] = list(st.session_state[CHANGES])
status = all_facilities["status"].fillna("operational") if "status" in all_facilities else None
ids = all_facilities["facility_id"].astype(str)
open_now = ids[(status == "operational").to_numpy()] if status is not None else ids
closed_now = ids[(status != "operational").to_numpy()] if status is not None else ids.iloc[0:0]
actions = ["upgrade", "open", "close", "sites", "place"]
types_present = set(facility_types(all_facilities))
supply_column = supply if supply in cap.SUPPLY_COLUMNS else None


def facility_option(fid: str) -> str:
    row_type = all_facilities.loc[ids.to_numpy() == fid, "type"]
    kind = ctx.label("facility_type", row_type.iloc[0]) if len(row_type) else ""
    return joined([facility_names.get(fid, fid), isolated(fid, ctx.lang), kind], ctx.lang)


def add_change(change: cap.Change) -> None:
    st.session_state[CHANGES] = [*st.session_state[CHANGES], change]


def typical_supply() -> int:
    """The median capacity of the service's facilities (a new site's starting value)."""
    if supply_column is None or supply_column not in all_facilities:
        return 10
    members = all_facilities[all_facilities["type"].isin(service_types).to_numpy()]
    numbers = pd.to_numeric(members[supply_column], errors="coerce")
    numbers = numbers[numbers > 0]
    return int(round(float(numbers.median()))) if len(numbers) else 10


def supply_value_input(container, key: str) -> None:
    """The capacity a new facility gets, in the sidebar's supply (beds, staff or desks)."""
    if supply_column is None:
        container.caption(ctx.t("capacity.whatif.counts_one"))
        return
    container.number_input(
        ctx.t("capacity.whatif.new_supply", supply=s_label),
        min_value=0,
        max_value=100_000,
        value=typical_supply(),
        step=1,
        key=key,
    )


a1, a2 = st.columns([1, 3])
action = a1.selectbox(
    ctx.t("capacity.whatif.action"),
    actions,
    key="cap_action",
    format_func=lambda a: ctx.t(f"capacity.whatif.action_{a}"),
)
with a2:
    if action == "upgrade":
        if supply_column is None:
            # Capacity counted per facility: beds, staff or desks change nothing here.
            st.info(ctx.t("capacity.whatif.upgrade_needs_supply"), icon=":material/info:")
        else:
            service_ids = ids[all_facilities["type"].isin(service_types).to_numpy()].tolist()
            u1, u2 = st.columns([3, 1])
            chosen = u1.selectbox(
                ctx.t("capacity.whatif.facility"),
                service_ids or ids.tolist(),
                key="cap_upgrade_id",
                format_func=facility_option,
            )
            now = pd.to_numeric(
                all_facilities.loc[ids.to_numpy() == chosen, supply_column]
                if supply_column in all_facilities
                else pd.Series(dtype="float64"),
                errors="coerce",
            )
            start = int(now.iloc[0]) * 2 if len(now) and pd.notna(now.iloc[0]) else 10
            amount = u2.number_input(
                ctx.t("capacity.whatif.new_supply", supply=s_label),
                min_value=0,
                max_value=100_000,
                value=start,
                step=1,
                key=f"cap_upgrade_value_{chosen}_{supply_column}",
            )
            st.button(
                ctx.t("capacity.whatif.add"),
                key="cap_add_upgrade",
                on_click=add_change,
                args=(
                    cap.Change("upgrade", str(chosen), supply=supply_column, value=float(amount)),
                ),
                icon=":material/add:",
            )
    elif action in ("open", "close"):
        pool = (closed_now if action == "open" else open_now).tolist()
        if not pool:
            st.info(ctx.t(f"capacity.whatif.nothing_to_{action}"))
        else:
            chosen = st.selectbox(
                ctx.t("capacity.whatif.facility"),
                pool,
                key=f"cap_{action}_id",
                format_func=facility_option,
            )
            st.button(
                ctx.t("capacity.whatif.add"),
                key=f"cap_add_{action}",
                on_click=add_change,
                args=(cap.Change(action, str(chosen)),),
                icon=":material/add:",
            )
    elif action == "sites":
        care_sets = present_sets(all_facilities) or list(DISTANCE_SETS)
        s1, s2, s3, s4 = st.columns(4)
        s1.selectbox(
            ctx.t("access.siting.care"),
            care_sets,
            key="cap_site_care",
            format_func=lambda v: ctx.t(f"access.set.{v}"),
        )
        s2.number_input(ctx.t("access.siting.k"), 1, 10, 2, key="cap_site_k")
        s3.select_slider(
            ctx.t("access.siting.radius"), DISTANCES, value=2.0, key="cap_site_radius", **km
        )
        supply_value_input(s4, "cap_site_value")

        def add_sites() -> None:
            # Sited on the network after the pending changes: closures count, sites added
            # before are existing facilities (never proposed twice).
            state = st.session_state
            try:
                proposed = capacity_data.siting_changes(
                    ws,
                    ver,
                    str(state["cap_site_care"]),
                    int(state["cap_site_k"]),
                    float(state["cap_site_radius"]),
                    tuple(state[CHANGES]),
                    supply=supply_column,
                    value=state.get("cap_site_value"),
                )
            except ValueError as exc:
                state["cap_sites_error"] = str(exc)
                return
            if not proposed:
                state["cap_sites_error"] = ctx.t("capacity.whatif.no_sites")
            for change in proposed:
                add_change(change)

        st.button(
            ctx.t("capacity.whatif.add_sites"),
            key="cap_add_sites",
            on_click=add_sites,
            icon=":material/add_location_alt:",
            help=ctx.t("capacity.whatif.add_sites_help"),
        )
        problem = st.session_state.pop("cap_sites_error", None)
        if problem:
            st.warning(md_escape(problem), icon=":material/warning:")
    else:
        # One new facility placed by hand.
        bounds = areas.to_crs(4326).total_bounds if len(areas) else (51.3, 35.6, 51.5, 35.8)
        type_choices = [t for t in FACILITY_TYPES if t in types_present or t in service_types]
        p1, p2, p3 = st.columns(3)
        p1.number_input(
            ctx.t("capacity.whatif.lat"),
            min_value=-90.0,
            max_value=90.0,
            value=round(float((bounds[1] + bounds[3]) / 2), 5),
            step=0.001,
            format="%.5f",
            key="cap_place_lat",
        )
        p2.number_input(
            ctx.t("capacity.whatif.lon"),
            min_value=-180.0,
            max_value=180.0,
            value=round(float((bounds[0] + bounds[2]) / 2), 5),
            step=0.001,
            format="%.5f",
            key="cap_place_lon",
        )
        p3.selectbox(
            ctx.t("map.type"),
            type_choices or list(FACILITY_TYPES),
            index=(type_choices or list(FACILITY_TYPES)).index(service_types[0])
            if service_types[0] in (type_choices or FACILITY_TYPES)
            else 0,
            key="cap_place_type",
            format_func=lambda t: ctx.label("facility_type", t),
        )
        q1, q2 = st.columns([2, 1])
        q1.text_input(ctx.t("capacity.whatif.place_name"), key="cap_place_name", max_chars=120)
        supply_value_input(q2, "cap_place_value")

        def place_site() -> None:
            state = st.session_state
            fid = capacity_data.next_site_id(ws, ver, tuple(state[CHANGES]))
            name = str(state.get("cap_place_name") or "").strip() or None
            given = state.get("cap_place_value")
            add_change(
                cap.Change(
                    "new_site",
                    fid,
                    supply=supply_column if given is not None else None,
                    value=float(given) if supply_column is not None and given is not None else None,
                    facility_type=str(state["cap_place_type"]),
                    facility_name=name,
                    lon=float(state["cap_place_lon"]),
                    lat=float(state["cap_place_lat"]),
                )
            )

        st.button(
            ctx.t("capacity.whatif.add"),
            key="cap_add_place",
            on_click=place_site,
            icon=":material/add_location:",
        )

pending = list(st.session_state[CHANGES])
if not pending:
    st.caption(ctx.t("capacity.whatif.empty"))
else:
    st.markdown(
        "\n".join(
            f"{i}. " + md_escape(capacity_views.change_label(ctx, c, facility_names))
            for i, c in enumerate(pending, start=1)
        )
    )
    st.button(
        ctx.t("capacity.whatif.clear"),
        key="cap_clear",
        on_click=lambda: st.session_state.update({CHANGES: []}),
        icon=":material/clear_all:",
    )
    try:
        result = capacity_data.scenario(ws, ver, settings, tuple(pending))
    except ValueError as exc:
        st.error(ctx.t("capacity.whatif.invalid", reason=md_escape(str(exc))))
        result = None
    if result is not None:
        comparison = result.comparison
        by_area = result.by_area
        left, right = st.columns([3, 2], gap="medium")
        with left:
            shown = capacity_views.comparison_table(ctx, comparison, supply=supply)
            st.dataframe(shown, hide_index=True, width="stretch")
            table_downloads(ctx, shown, "capacity_what_if", key="cap_whatif_dl")
        with right:
            if with_insured:
                st.markdown(f"**{ctx.t('access.double_gap.title')}**")
                capacity_views.show_table(
                    ctx,
                    capacity_views.double_gap_table(ctx, comparison),
                    "capacity_what_if_double_gap",
                    key="cap_dg_dl",
                )
            else:
                st.info(ctx.t("capacity.whatif.no_insured"), icon=":material/info:")
        capacity_views.change_map(
            ctx,
            data.display_shapes(ws, ver, "area"),
            by_area,
            names,
            result,
            supply=supply,
            overload_at=overload_at,
            key=f"cap_change_map_{service}_{supply}",
        )
        changed = capacity_views.changed_areas_table(ctx, by_area, names, supply=supply)
        st.markdown(f"**{ctx.t('capacity.areas.title', n=fmt_int(len(changed), ctx.lang))}**")
        if len(changed):
            capacity_views.show_table(ctx, changed, "capacity_what_if_areas", key="cap_areas_dl")

        # Save as a named scenario: a new workspace version; facilities never change.
        if ctx.may("save_scenario") and ctx.role != "partner":
            n1, n2 = st.columns([3, 1])
            n1.text_input(ctx.t("capacity.whatif.name"), key="cap_scenario_name", max_chars=120)

            def save_scenario() -> None:
                name = str(st.session_state.get("cap_scenario_name", "")).strip()
                if not name:
                    st.session_state["cap_saved"] = ("error", ctx.t("capacity.whatif.name_needed"))
                    return
                try:
                    version, sid = capacity_data.save(
                        ctx.workspace,
                        list(st.session_state[CHANGES]),
                        name=name,
                        author=ctx.user,
                        actor=audit_actor(ctx),
                    )
                except DataError as exc:
                    st.session_state["cap_saved"] = ("error", str(exc))
                    return
                st.session_state["cap_saved"] = (
                    "success",
                    ctx.t("capacity.whatif.saved", name=name, id=sid, version=version),
                )
                st.session_state[CHANGES] = []
                st.session_state["cap_scenario_name"] = ""

            n2.button(
                ctx.t("capacity.whatif.save"),
                key="cap_save",
                on_click=save_scenario,
                icon=":material/save:",
                type="primary",
            )
        else:
            st.caption(ctx.t("capacity.whatif.no_save"))
saved = st.session_state.pop("cap_saved", None)
if saved:
    kind, message = saved
    (st.success if kind == "success" else st.error)(md_escape(message))

# -------------------------------------------------------------------------------------- scenarios
st.subheader(ctx.t("capacity.scenarios.title"))
stored = capacity_data.stored_scenarios(ws, ver)
CURRENT = "\x00current"
extra = ((CURRENT, tuple(pending)),) if pending else ()
if not len(stored) and not pending:
    st.caption(ctx.t("capacity.scenarios.none"))
else:
    try:
        compared = capacity_data.comparison(ws, ver, settings, extra)
    except ValueError as exc:
        compared = None
        st.error(ctx.t("capacity.whatif.invalid", reason=md_escape(str(exc))))
    if compared is not None:
        table = capacity_views.scenario_table(ctx, compared, supply=supply, current_label=CURRENT)
        capacity_views.show_table(ctx, table, "capacity_scenarios", key="cap_scenarios_dl")
        st.caption(ctx.t("capacity.scenarios.note"))
        if "applicable" in compared and not compared["applicable"].astype(bool).all():
            st.warning(ctx.t("capacity.scenarios.stale_note"), icon=":material/warning:")
    listing = cap.scenario_list(stored)
    if len(listing):

        def load_scenario() -> None:
            sid = st.session_state.get("cap_pick")
            rows = stored[stored["scenario_id"] == sid]
            st.session_state[CHANGES] = cap.changes_from_frame(rows)

        may_delete = ctx.may("save_scenario") and ctx.role != "partner"
        l1, l2, l3 = st.columns([3, 1, 1] if may_delete else [3, 1, 0.01])
        l1.selectbox(
            ctx.t("capacity.scenarios.pick"),
            listing["scenario_id"].tolist(),
            key="cap_pick",
            format_func=lambda sid: str(listing.set_index("scenario_id").loc[sid, "name"]),
        )
        l2.button(
            ctx.t("capacity.scenarios.load"),
            key="cap_load_scenario",
            on_click=load_scenario,
            icon=":material/upload:",
        )
        if may_delete:

            def delete_scenario() -> None:
                sid = str(st.session_state.get("cap_pick"))
                name = str(listing.set_index("scenario_id").loc[sid, "name"])
                try:
                    version = capacity_data.delete(ctx.workspace, sid, author=ctx.user)
                except DataError as exc:
                    st.session_state["cap_deleted"] = ("error", str(exc))
                    return
                st.session_state["cap_deleted"] = (
                    "success",
                    ctx.t("capacity.scenarios.deleted", name=name, version=version),
                )
                st.session_state.pop("cap_pick", None)

            l3.button(
                ctx.t("capacity.scenarios.delete"),
                key="cap_delete_scenario",
                on_click=delete_scenario,
                icon=":material/delete:",
            )
deleted = st.session_state.pop("cap_deleted", None)
if deleted:
    kind, message = deleted
    (st.success if kind == "success" else st.error)(md_escape(message))

publish(list(P.values()))
