"""The Capacity and load page's what-if editor: upgrades, openings, closures, sites proposed by the
siting tool and sites placed by hand, kept in the session; the network before and after them
(figures, double-gap classes, the map of what changes, the areas that change), and saving them as
a named scenario."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics import capacity as cap
from analytics.access import DISTANCE_SETS, DOUBLE_GAP_CLASSES
from analytics.scenarios import Change
from analytics.whatif import ScenarioResult
from geodata.tables.problems import DataError
from geodata.tables.schema import FACILITY_TYPES
from render.i18n import isolated, joined
from render.maps import LegendItem
from render.mapview import MAP_SIZES
from render.safe import md_escape
from ui import data
from ui.access.data import facility_types, present_sets
from ui.access.measure import MINUTES, km_format, minutes_format
from ui.area_maps import add_legend, area_map, areas_with, show_map
from ui.capacity import data as capacity_data
from ui.capacity.budget import refusal_text
from ui.capacity.selection import Selection
from ui.capacity.views import (
    CHANGED_RING,
    access_digits,
    add_load_symbols,
    show_table,
    supply_label,
)
from ui.context import Context
from ui.downloads import audit_actor, table_downloads
from ui.grid import grid
from ui.localize import counted_text_input

#: Where the what-if being built is kept in the session (a list of :class:`analytics.scenarios.Change`).
CHANGES = "cap_changes"
#: What the editor can add: an upgrade, an opening, a closure, sites from the siting tool, a site
#: placed by hand.
ACTIONS = ["upgrade", "open", "close", "sites", "place"]
#: The nearest care's labels in each unit: the change map's tooltip, the changed areas' before
#: and after columns.
CARE_LABELS = {
    "km": (
        "capacity.change.care_km",
        "capacity.areas.care_km_before",
        "capacity.areas.care_km_after",
    ),
    "min": (
        "capacity.minutes.change_care",
        "capacity.minutes.care_before",
        "capacity.minutes.care_after",
    ),
}
CHANGE_COLOURS = {"better": "#1a9850", "worse": "#d73027", "same": "#f0f0f0"}


def in_minutes(sel: Selection) -> bool:
    """Whether the selection judges the network in minutes of travel (else in km)."""
    return sel.settings.catchment_unit == "min"


def add_change(change: Change) -> None:
    st.session_state[CHANGES] = [*st.session_state[CHANGES], change]


def whatif_section(ctx: Context, sel: Selection, distances: Sequence[float]) -> list[Change]:
    """The editor, the changes pending and what they do; returns the changes pending (the
    scenario section compares them with the stored ones). ``distances`` are the siting radii in
    km; with settings in minutes (``sel.by`` a travel mode) every reach here is in minutes of
    travel over the roads, new sites included."""
    st.subheader(ctx.t("capacity.whatif.title"))
    st.caption(ctx.t("capacity.whatif.intro"))
    if in_minutes(sel):
        st.caption(ctx.t("capacity.minutes.whatif", mode=ctx.t(f"access.measure.{sel.by}")))
    st.session_state.setdefault(CHANGES, [])
    # A third of the width: the longest action ("Đổi công suất (giường, nhân viên, quầy)")
    # is read whole in the closed picker.
    a1, a2 = st.columns([1, 2])
    action = a1.selectbox(
        ctx.t("capacity.whatif.action"),
        ACTIONS,
        key="cap_action",
        format_func=lambda a: ctx.t(f"capacity.whatif.action_{a}"),
    )
    with a2:
        _editor(ctx, sel, action, distances)
    pending = list(st.session_state[CHANGES])
    if not pending:
        st.caption(ctx.t("capacity.whatif.empty"))
    else:
        _pending_and_result(ctx, sel, pending)
    saved = st.session_state.pop("cap_saved", None)
    if saved:
        kind, message = saved
        (st.success if kind == "success" else st.error)(md_escape(message))
    return pending


def _editor(ctx: Context, sel: Selection, action: str, distances: Sequence[float]) -> None:
    """The form of ``action``, with its button that adds the change(s) to the what-if."""
    ws, ver = sel.source, sel.version
    all_facilities, areas = sel.facilities, sel.areas
    facility_names = sel.facility_names
    service_types = sel.settings.service_types
    supply, s_label = sel.supply, supply_label(ctx, sel.supply)
    status = all_facilities["status"].fillna("operational") if "status" in all_facilities else None
    ids = all_facilities["facility_id"].astype(str)
    open_now = ids[(status == "operational").to_numpy()] if status is not None else ids
    closed_now = ids[(status != "operational").to_numpy()] if status is not None else ids.iloc[0:0]
    types_present = set(facility_types(all_facilities))
    supply_column = supply if supply in cap.SUPPLY_COLUMNS else None

    def facility_option(fid: str) -> str:
        row_type = all_facilities.loc[ids.to_numpy() == fid, "type"]
        kind = ctx.label("facility_type", row_type.iloc[0]) if len(row_type) else ""
        return joined([facility_names.get(fid, fid), isolated(fid, ctx.lang), kind], ctx.lang)

    def supply_value_input(container, key: str) -> None:
        """The capacity a new facility gets, in the sidebar's supply (beds, staff or desks)."""
        if supply_column is None:
            container.caption(ctx.t("capacity.whatif.counts_one"))
            return
        container.number_input(
            ctx.t("capacity.whatif.new_supply", supply=s_label),
            min_value=0,
            max_value=100_000,
            value=typical_supply(all_facilities, service_types, supply_column),
            step=1,
            key=key,
        )

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
                args=(Change("upgrade", str(chosen), supply=supply_column, value=float(amount)),),
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
                args=(Change(action, str(chosen)),),
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
        minutes = in_minutes(sel)  # a new site's reach in minutes of travel, or in km
        radius_key = "cap_site_radius_min" if minutes else "cap_site_radius"
        s3.select_slider(
            ctx.t("access.siting.radius"),
            MINUTES if minutes else distances,
            value=30.0 if minutes else 2.0,
            key=radius_key,
            format_func=minutes_format(ctx) if minutes else km_format(ctx),
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
                    float(state[radius_key]),
                    tuple(state[CHANGES]),
                    supply=supply_column,
                    value=state.get("cap_site_value"),
                    measure=sel.by if minutes else "line",
                )
            except DataError as exc:  # beyond the what-if's budget
                state["cap_sites_error"] = refusal_text(ctx, exc)
                return
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
        counted_text_input(
            q1, ctx.t("capacity.whatif.place_name"), key="cap_place_name", max_chars=120
        )
        supply_value_input(q2, "cap_place_value")

        def place_site() -> None:
            state = st.session_state
            fid = capacity_data.next_site_id(ws, ver, tuple(state[CHANGES]))
            name = str(state.get("cap_place_name") or "").strip() or None
            given = state.get("cap_place_value")
            add_change(
                Change(
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


def typical_supply(
    facilities: gpd.GeoDataFrame, service_types: Sequence[str], supply_column: str | None
) -> int:
    """The median capacity of the service's facilities (a new site's starting value)."""
    if supply_column is None or supply_column not in facilities:
        return 10
    members = facilities[facilities["type"].isin(service_types).to_numpy()]
    numbers = pd.to_numeric(members[supply_column], errors="coerce")
    numbers = numbers[numbers > 0]
    return int(round(float(numbers.median()))) if len(numbers) else 10


def _pending_and_result(ctx: Context, sel: Selection, pending: list[Change]) -> None:
    """The changes pending, the network before and after them, and the form that saves them."""
    ws, ver, supply, names = sel.source, sel.version, sel.supply, sel.area_names
    st.markdown(
        "\n".join(
            f"{i}. " + md_escape(change_label(ctx, c, sel.facility_names))
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
        result = capacity_data.scenario(ws, ver, sel.settings, tuple(pending), sel.by)
    except DataError as exc:  # beyond the what-if's budget: nothing was measured
        st.error(refusal_text(ctx, exc))
        return
    except ValueError as exc:
        st.error(ctx.t("capacity.whatif.invalid", reason=md_escape(str(exc))))
        return
    comparison = result.comparison
    by_area = result.by_area
    left, right = st.columns([3, 2], gap="medium")
    with left:
        shown = comparison_table(ctx, comparison, supply=supply)
        grid(ctx.lang, shown, hide_index=True, width="stretch")
        table_downloads(ctx, shown, "capacity_what_if", key="cap_whatif_dl")
    with right:
        if sel.with_insured:
            st.markdown(f"**{ctx.t('access.double_gap.title')}**")
            show_table(
                ctx,
                double_gap_table(ctx, comparison),
                "capacity_what_if_double_gap",
                key="cap_dg_dl",
            )
        else:
            st.info(ctx.t("capacity.whatif.no_insured"), icon=":material/info:")
    change_map(
        ctx,
        data.display_shapes(ws, ver, "area"),
        by_area,
        names,
        result,
        supply=supply,
        overload_at=sel.overload_at,
        key=f"cap_change_map_{sel.service}_{supply}",
    )
    changed = changed_areas_table(ctx, by_area, names, supply=supply)
    st.markdown(f"**{ctx.t('capacity.areas.title', n=ctx.language.int(len(changed)))}**")
    if len(changed):
        show_table(ctx, changed, "capacity_what_if_areas", key="cap_areas_dl")

    # Save as a named scenario: a new workspace version; facilities never change.
    if ctx.may("save_scenario") and ctx.role != "partner":
        n1, n2 = st.columns([3, 1])
        counted_text_input(
            n1, ctx.t("capacity.whatif.name"), key="cap_scenario_name", max_chars=120
        )
        n2.button(
            ctx.t("capacity.whatif.save"),
            key="cap_save",
            on_click=_saver(ctx),
            icon=":material/save:",
            type="primary",
        )
    else:
        st.caption(ctx.t("capacity.whatif.no_save"))


def _saver(ctx: Context) -> Callable[[], None]:
    """The save button's callback: the what-if as a named scenario, the outcome kept for the next
    run to show."""

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

    return save_scenario


def change_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    by_area: pd.DataFrame,
    names: pd.Series,
    result: ScenarioResult,
    *,
    supply: str,
    overload_at: float,
    key: str,
    size: str = "panel",
) -> None:
    """Areas coloured by the change in capacity within reach (better / worse / same), the load
    after the change, and the changed facilities ringed."""
    merged = areas_with(shapes, by_area)
    unit = result.before.unit  # km, or minutes of travel
    care_before, care_after = merged[f"care_{unit}_before"], merged[f"care_{unit}_after"]
    delta = pd.to_numeric(merged["access_change"], errors="coerce").fillna(0.0)
    nearer = care_after.fillna(np.inf) < care_before.fillna(np.inf) - 1e-9
    farther = care_after.fillna(np.inf) > care_before.fillna(np.inf) + 1e-9
    better = ((delta > 1e-12) | nearer) & ~(delta < -1e-12)
    worse = (delta < -1e-12) | (farther & ~better)
    state = np.select([better.to_numpy(), worse.to_numpy()], ["better", "worse"], default="same")
    merged["_colour"] = pd.Series(state).map(CHANGE_COLOURS).to_numpy()
    merged["_name"] = merged["area_id"].map(names).fillna(merged["area_id"]).astype(str)
    digits = access_digits(supply)
    merged["_value"] = [
        f"{ctx.language.number(b, digits)} → {ctx.language.number(a, digits)}"
        for b, a in zip(merged["access_before"], merged["access_after"], strict=True)
    ]
    merged["_km"] = [
        f"{ctx.language.number(b, 1)} → {ctx.language.number(a, 1)}"
        for b, a in zip(care_before, care_after, strict=True)
    ]
    counts = pd.Series(state).value_counts()
    items = [
        LegendItem(CHANGE_COLOURS[s], ctx.t(f"capacity.change.{s}"), int(counts.get(s, 0)))
        for s in ("better", "worse", "same")
    ]
    title = ctx.t("capacity.change.title")
    fmap = area_map(
        ctx,
        merged,
        tooltip=[
            ("_name", ctx.t("map.name")),
            ("_value", ctx.t("capacity.map.access", supply=supply_label(ctx, supply))),
            ("_km", ctx.t(CARE_LABELS[unit][0])),
        ],
        legend_title=title,
        legend_items=items,
        size=size,
    )
    changed = {c.facility_id for c in result.changes}
    load_items = add_load_symbols(
        ctx,
        fmap,
        result.after.load,
        result.facilities_after,
        supply=supply,
        overload_at=overload_at,
        changed=changed,
    )
    load_items.append(LegendItem(CHANGED_RING, ctx.t("capacity.map.changed"), len(changed)))
    add_legend(ctx, fmap, ctx.t("capacity.map.load_after"), load_items, position="topright")
    show_map(fmap, key=key, height=MAP_SIZES[size])


def _figure_text(
    ctx: Context, figure: str, value: float, *, change: bool = False, supply: str = "beds"
) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    sign = "+" if change and value > 0 else ""
    if figure == "share_near_care":
        if change:
            return sign + ctx.t("units.points", n=ctx.language.number(value * 100, 1))
        return ctx.language.pct(value)
    if figure == "access_mean":
        digits = access_digits(supply, value if change else None)
        return sign + ctx.language.number(value, digits)
    if figure == "max_load_ratio":
        return sign + ctx.language.number(value, 2)
    return sign + ctx.language.int(value)


def comparison_table(ctx: Context, comparison: pd.DataFrame, *, supply: str) -> pd.DataFrame:
    """Before / after / change side by side, every figure formatted for the reader (capacity
    within reach to as many decimals as ``supply`` needs, a change to its first significant
    digits); a change within the tolerance of :func:`analytics.whatif.compare_networks` has no
    verdict."""
    labels = [
        ctx.t(f"capacity.figure.{f}", supply=supply_label(ctx, supply))
        for f in comparison["figure"]
    ]
    verdict = comparison["better"].map(
        lambda b: (
            "" if pd.isna(b) else ctx.t("capacity.change.better" if b else "capacity.change.worse")
        )
    )
    return pd.DataFrame(
        {
            ctx.t("capacity.whatif.figure"): labels,
            ctx.t("capacity.whatif.before"): [
                _figure_text(ctx, f, v, supply=supply)
                for f, v in zip(comparison["figure"], comparison["before"], strict=True)
            ],
            ctx.t("capacity.whatif.after"): [
                _figure_text(ctx, f, v, supply=supply)
                for f, v in zip(comparison["figure"], comparison["after"], strict=True)
            ],
            ctx.t("capacity.whatif.change"): [
                _figure_text(ctx, f, v, change=True, supply=supply)
                for f, v in zip(comparison["figure"], comparison["change"], strict=True)
            ],
            ctx.t("capacity.whatif.verdict"): verdict.to_numpy(),
        }
    )


def changed_areas_table(
    ctx: Context, by_area: pd.DataFrame, names: pd.Series, *, supply: str = "beds"
) -> pd.DataFrame:
    """The areas whose figures change, most people first (capacity to the decimals ``supply``
    needs)."""
    digits = access_digits(supply)
    unit = "min" if "care_min_before" in by_area else "km"
    rows = by_area[by_area["changed"]].sort_values("population", ascending=False)
    yes, no = ctx.t("access.map.yes"), ctx.t("access.map.no")
    return pd.DataFrame(
        {
            ctx.t("table.name"): rows["area_id"]
            .map(names)
            .fillna(rows["area_id"])
            .astype(str)
            .to_numpy(),
            ctx.t("metric.population"): rows["population"].to_numpy(),
            ctx.t(CARE_LABELS[unit][1]): rows[f"care_{unit}_before"].round(2).to_numpy(),
            ctx.t(CARE_LABELS[unit][2]): rows[f"care_{unit}_after"].round(2).to_numpy(),
            ctx.t("capacity.areas.access_before"): rows["access_before"].round(digits).to_numpy(),
            ctx.t("capacity.areas.access_after"): rows["access_after"].round(digits).to_numpy(),
            ctx.t("capacity.areas.gap_before"): np.where(rows["referral_gap_before"], yes, no),
            ctx.t("capacity.areas.gap_after"): np.where(
                rows["referral_gap_after"].astype(bool), yes, no
            ),
            ctx.t("capacity.areas.class_before"): rows["double_gap_before"]
            .map(lambda c: ctx.t(f"access.double_gap.{c}"))
            .to_numpy(),
            ctx.t("capacity.areas.class_after"): rows["double_gap_after"]
            .map(lambda c: ctx.t(f"access.double_gap.{c}"))
            .to_numpy(),
        }
    )


def double_gap_table(ctx: Context, comparison: pd.DataFrame) -> pd.DataFrame:
    """People per double-gap class before and after."""
    rows = comparison.set_index("figure")
    classes = [c for c in DOUBLE_GAP_CLASSES if f"people_{c}" in rows.index]
    return pd.DataFrame(
        {
            ctx.t("access.double_gap.class"): [ctx.t(f"access.double_gap.{c}") for c in classes],
            ctx.t("capacity.whatif.before"): [rows.loc[f"people_{c}", "before"] for c in classes],
            ctx.t("capacity.whatif.after"): [rows.loc[f"people_{c}", "after"] for c in classes],
            ctx.t("capacity.whatif.change"): [rows.loc[f"people_{c}", "change"] for c in classes],
        }
    )


def change_label(ctx: Context, change: Change, names: pd.Series) -> str:
    """A change in words (names escaped for Markdown by the caller where needed)."""
    name = change.facility_name or names.get(change.facility_id, change.facility_id)
    if change.kind == "upgrade":
        return ctx.t(
            "capacity.whatif.upgrade_to",
            name=name,
            supply=supply_label(ctx, str(change.supply)),
            value=ctx.language.int(change.value),
        )
    if change.kind == "new_site":
        return ctx.t(
            "capacity.whatif.new_site_at",
            name=name,
            type=ctx.label("facility_type", change.facility_type),
        )
    return ctx.t(f"capacity.whatif.{change.kind}_named", name=name)
