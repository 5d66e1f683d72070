"""The Infrastructure needs page's siting tool: where to build, its controls (how many sites,
radius, objective, candidates, care set, an uploaded candidate layer), the run, its results and
the hand-over of the proposed sites to the Capacity page as a what-if.

The run is :func:`ui.access.data.proposed_sites` (:mod:`analytics.siting`); the sites on the map
are drawn by :func:`ui.access.views.add_proposed_sites`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.scenarios import Change, sites_as_changes
from analytics.supply import SITE_SERVICES, SITE_TYPES
from ui.access import data as access_data
from ui.access.measure import DISTANCES, MINUTES, km_format, km_param, minutes_format
from ui.access.tables import figure_kinds
from ui.access.travel import unit_of
from ui.admin.upload import upload_error_text
from ui.auth import may_open
from ui.capacity import data as capacity_data
from ui.capacity.whatif import CHANGES
from ui.context import Context
from ui.state import Param, open_page, value
from ui.tables import show_table
from ui.uploader import localize_uploader

CAPACITY_PAGE = "app_pages/capacity.py"


def candidate_kinds(ctx: Context) -> list[str]:
    """Where candidate sites come from: neighbourhood centres, the workspace's pipeline sites
    where it has any, and an uploaded layer for the roles that may change data."""
    ws, ver = ctx.source, ctx.version
    kinds = ["areas", *(["pipeline"] if len(access_data.pipeline_sites(ws, ver)) else [])]
    if ctx.may("import"):  # uploading a layer is for the roles that may change data
        kinds.append("upload")
    return kinds


def siting_params(ctx: Context, *, with_insured: bool, care_sets: list[str]) -> dict[str, Param]:
    """The siting tool's URL settings: switched on, how many sites, their reach in km (the reach
    in minutes is :func:`ui.access.measure.measure_params`'), the objective, where candidates
    come from and the facility set kept."""
    objectives = ["population", "uninsured"] if with_insured else ["population"]
    kinds = candidate_kinds(ctx)
    flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}
    return {
        "plan": Param("plan", False, lambda: [False, True], **flag),  # type: ignore[arg-type]
        "k": Param("k", 3, lambda: range(1, 11), parse=int),
        "radius": km_param("radius", 2.0),
        "objective": Param("objective", objectives[0], lambda: objectives),
        "candidates": Param("candidates", "areas", lambda: kinds),
        "care": Param("care", "care", lambda: care_sets or ["care"]),
    }


def planned_sites(
    ctx: Context,
    params: dict[str, Param],
    *,
    under_construction: bool,
    as_of: dt.date | None,
) -> tuple[tuple | None, tuple[str, bytes] | None]:
    """The siting run when switched on (and, for an uploaded layer, a file is there): ``(plan,
    upload)``, ``plan`` as :func:`ui.access.data.proposed_sites` gives it (or None) and
    ``upload`` the file's name and bytes. A problem with the layer or the run is kept for
    :func:`siting_section` to report. Measured by travel time (the setting ``by`` other than
    ``line``, see :func:`ui.access.measure.measure_params`) a site's reach is the setting
    ``radius_min``, in minutes."""
    measure = measure_of(params)
    plan = None
    upload = None
    if value(params["candidates"]) == "upload":
        file = st.session_state.get("infra_candidates_file")
        upload = (file.name, file.getvalue()) if file is not None else None
    if bool(value(params["plan"])) and (
        value(params["candidates"]) != "upload" or upload is not None
    ):
        plan, problem = access_data.proposed_sites(
            ctx.source,
            ctx.version,
            under_construction,
            as_of,
            str(value(params["care"])),
            int(value(params["k"])),
            float(value(params[radius_setting(measure)])),
            str(value(params["objective"])),
            str(value(params["candidates"])),
            upload,
            measure,
        )
        if problem:
            st.session_state["infra_upload_error"] = problem
    return plan, upload


def measure_of(params: dict[str, Param]) -> str:
    """The page's measure: ``line`` (also where it has no ``by`` setting) or a travel mode."""
    return str(value(params["by"])) if "by" in params else "line"


def radius_setting(measure: str) -> str:
    """The setting holding a new site's reach: ``radius`` (km) or ``radius_min`` (minutes)."""
    return "radius" if unit_of(measure) == "km" else "radius_min"


def siting_section(
    ctx: Context,
    params: dict[str, Param],
    plan: tuple | None,
    upload: tuple[str, bytes] | None,
    *,
    names: pd.Series,
    facilities: gpd.GeoDataFrame,
) -> None:
    """The siting tool below the map: its controls, a problem of the last run in the page's
    language, and the results of ``plan`` (see :func:`siting_results`) or what to do first.
    The choices are those of ``params``; ``names`` maps ``area_id`` to the name shown;
    ``facilities`` are the workspace's; a site's reach is in minutes of travel when the page
    measures by travel time."""
    st.subheader(ctx.t("access.siting.title"))
    measure = measure_of(params)
    by_line = unit_of(measure) == "km"
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.number_input(ctx.t("access.siting.k"), min_value=1, max_value=10, key=params["k"].widget_key)
    c2.select_slider(
        ctx.t("access.siting.radius"),
        DISTANCES if by_line else MINUTES,
        key=params[radius_setting(measure)].widget_key,
        format_func=km_format(ctx) if by_line else minutes_format(ctx),
    )
    if not by_line:
        st.caption(ctx.t("access.minutes.siting.reach"))
    c3.selectbox(
        ctx.t("access.siting.objective"),
        params["objective"].allowed(),
        key=params["objective"].widget_key,
        format_func=lambda v: ctx.t(f"access.siting.objective_{v}"),
    )
    c4.selectbox(
        ctx.t("access.siting.candidates"),
        params["candidates"].allowed(),
        key=params["candidates"].widget_key,
        format_func=lambda v: ctx.t(f"access.siting.candidates_{v}"),
    )
    c5.selectbox(
        ctx.t("access.siting.care"),
        params["care"].allowed(),
        key=params["care"].widget_key,
        format_func=lambda v: ctx.t(f"access.set.{v}"),
    )
    if value(params["candidates"]) == "upload":
        st.file_uploader(
            ctx.t("access.siting.upload"),
            type=access_data.CANDIDATE_SUFFIXES,
            key="infra_candidates_file",
            help=ctx.t("access.siting.upload_help"),
        )
        localize_uploader(ctx.lang, "infra_candidates_file", access_data.CANDIDATE_SUFFIXES)
    problem = st.session_state.pop("infra_upload_error", None)
    if problem is not None:  # an unusable layer, or a run beyond the caps: in the page's language
        st.error(ctx.t("access.siting.upload_error", reason=upload_error_text(ctx, problem)))
    st.toggle(ctx.t("access.siting.run"), key=params["plan"].widget_key)
    if plan is not None:
        siting_results(
            ctx,
            *plan,
            names,
            care_set=str(value(params["care"])),
            facility_ids=facilities["facility_id"].astype(str).tolist(),
            services=capacity_data.present_services(facilities),
        )
        if not by_line and may_open(ctx.role, "capacity"):  # judged there in the same mode
            st.caption(ctx.t("access.minutes.siting.capacity"))
    elif value(params["plan"]) and upload is None and value(params["candidates"]) == "upload":
        st.info(ctx.t("access.siting.upload_first"))
    else:
        st.caption(ctx.t("access.siting.hint"))


def siting_key(name: str, objective: str) -> str:
    """The catalog key of a siting label: the ``uninsured`` objective counts uninsured people,
    and its labels say so."""
    return (
        f"access.siting.{name}_uninsured" if objective == "uninsured" else f"access.siting.{name}"
    )


def siting_results(
    ctx: Context,
    figures: dict[str, float | str | bool],
    chosen: gpd.GeoDataFrame,
    names: pd.Series,
    *,
    care_set: str,
    facility_ids: list[str],
    services: list[str],
) -> None:
    """Before/after figures, the solution's quality and the proposed sites (CSV and XLSX), and a
    button that opens them as a what-if on the Capacity page (see :func:`open_on_capacity`).

    Under the ``uninsured`` objective every figure counts uninsured people, and the labels say
    so. ``names`` maps ``area_id`` to the name shown, for sites at neighbourhood centres;
    ``facility_ids`` are the ids the new sites must not take; ``services`` the Capacity page's."""
    objective = str(figures.get("objective", "population"))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ctx.t(siting_key("before", objective)), ctx.language.pct(figures["share_before"]))
    m2.metric(
        ctx.t(siting_key("after", objective)),
        ctx.language.pct(figures["share_after"]),
        delta=ctx.t(siting_key("people", objective), n=ctx.language.int(figures["gain"])),
    )
    m3.metric(ctx.t(siting_key("gain", objective)), ctx.language.int(figures["gain"]))
    m4.metric(
        ctx.t("access.siting.quality"),
        ctx.t("access.siting.optimal")
        if figures["optimal"]
        else ctx.t("access.siting.within", share=ctx.language.pct(figures["guaranteed"])),
        help=ctx.t(
            siting_key("quality_help", objective),
            method=ctx.t(f"access.siting.method_{figures['method']}"),
            bound=ctx.language.int(float(figures["upper_bound"]) - float(figures["before"])),
        ),
    )
    if chosen.empty:
        st.info(ctx.t("access.siting.nothing"))
        return
    site_names = proposed_names(chosen, names)
    table = pd.DataFrame(
        {
            ctx.t("access.table.rank"): chosen["rank"].to_numpy(),
            ctx.t("table.name"): site_names.astype(str).to_numpy(),
            ctx.t(siting_key("gain", objective)): chosen["gain"].to_numpy(),
            "lat": chosen.geometry.y.round(6).to_numpy(),
            "lon": chosen.geometry.x.round(6).to_numpy(),
        }
    )
    show_table(
        ctx,
        table,
        "proposed_sites",
        kinds=figure_kinds(ctx)
        | {ctx.t(siting_key("gain", objective)): "count", "lat": "number:6", "lon": "number:6"},
        download_key="infra_sites_csv",
    )
    if may_open(ctx.role, "capacity"):
        if st.button(
            ctx.t("access.siting.open_capacity"),
            key="infra_open_capacity",
            icon=":material/bed:",
            help=ctx.t("access.siting.open_capacity_help"),
        ):
            open_on_capacity(
                chosen,
                care_set=care_set,
                names=site_names.astype(str).tolist(),
                facility_ids=facility_ids,
                services=services,
            )


def proposed_names(chosen: gpd.GeoDataFrame, names: pd.Series) -> pd.Series:
    """The name of each proposed site: its neighbourhood's (in the reader's language, from
    ``names`` by ``area_id``) for neighbourhood centres, else the candidate layer's own name."""
    if "area_id" in chosen:
        return chosen["area_id"].map(names)
    return chosen["name"] if "name" in chosen else chosen.iloc[:, 1]


def siting_changes(
    chosen: gpd.GeoDataFrame, *, care_set: str, names: list[str], facility_ids: list[str]
) -> list[Change]:
    """The proposed sites as ``new_site`` changes of the Capacity page's what-if (ids ``NEW-1``,
    ``NEW-2``… that no facility has; the facility type the Capacity page gives new sites of
    ``care_set``)."""
    return sites_as_changes(
        chosen,
        SITE_TYPES.get(care_set, "clinic"),
        prefix="NEW",
        taken=facility_ids,
        names=names,
    )


def open_on_capacity(
    chosen: gpd.GeoDataFrame,
    *,
    care_set: str,
    names: list[str],
    facility_ids: list[str],
    services: list[str],
) -> None:
    """Put the proposed sites in the Capacity page's what-if (replacing the one being built
    there), show that page's service for them, and go there."""
    st.session_state[CHANGES] = siting_changes(
        chosen, care_set=care_set, names=names, facility_ids=facility_ids
    )
    service = SITE_SERVICES.get(care_set)
    open_page(CAPACITY_PAGE, **({"service": service} if service in services else {}))
