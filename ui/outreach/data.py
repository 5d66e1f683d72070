"""Cached loaders of the Outreach planner: desk plans, model villages, sessions, work lists.

Like :mod:`ui.data`, every cache takes the session's source (``ctx.source``: the workspace path,
plus the partner id for a partner's session) and the workspace version first, then plain
parameters — never a frame. The tables come from :func:`ui.data.tables`, already limited to a
partner's own areas for a partner's session; the analytics live in :mod:`analytics.outreach`
(desks), :mod:`analytics.villages`, :mod:`analytics.worklist` and :mod:`analytics.sessions`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics import access, distance, worklist
from analytics import outreach as out
from analytics import sessions as recorded
from analytics.villages import ModelVillages, model_villages
from render.language import Language
from traveltime import workspace as travel
from ui import data
from ui.access import travel as travel_data
from ui.access.travel import unit_of
from ui.localize import names_by_key
from ui.scope import Source, source_path

#: Walking radii offered (metres). Beyond 2 km a desk is no longer within walking distance.
RADII_M = (250, 500, 750, 1000, 1250, 1500, 2000)
#: Seconds the exact solver may take before the best plan found so far is shown with its proven
#: bound (the page then says "at least x % of the best"): keeps the page responsive.
PLAN_TIME_LIMIT_S = out.INTERACTIVE_TIME_LIMIT_S


def area_names(areas: pd.DataFrame, lang: str) -> tuple[pd.Series, pd.Series]:
    """Area names by ``area_id`` and district names by ``district_id``, in ``lang`` where the
    workspace has them."""
    language = Language(lang)
    names = language.names(areas, "name").set_axis(areas["area_id"].to_numpy())
    return names, names_by_key(areas, "district_id", "district_name", lang)


def weight_column(source: Source, version: int) -> str:
    """What the planner counts: uninsured people, or population where there are no counts."""
    return "uninsured" if data.has_insured(source, version) else "population"


@st.cache_data(show_spinner=False, max_entries=8)
def demand(source: Source, version: int) -> gpd.GeoDataFrame:
    """Areas with ``insured``, ``uninsured`` and ``coverage`` of the latest month (NaN where a
    workspace or an area has no count)."""
    areas = data.tables(source, version)["areas"]
    per_area = data.area_coverage(source, version, None, None).set_index("area_id")
    frame = areas.copy()
    for column in ("insured", "uninsured", "coverage"):
        frame[column] = frame["area_id"].map(per_area[column]).astype("float64").to_numpy()
    return frame


def partner_choices(source: Source, version: int) -> list[str]:
    """Partners that have at least one area in this scope, in the partners table's order (then
    ids that only the areas name)."""
    tables = data.tables(source, version)
    areas = tables["areas"]
    if "partner_id" not in areas:
        return []
    present = set(areas["partner_id"].dropna().astype(str))
    listed = [str(p) for p in tables["partners"].get("partner_id", pd.Series(dtype=str))]
    return [p for p in listed if p in present] + sorted(present - set(listed))


def scoped(source: Source, version: int, partner_id: str | None) -> gpd.GeoDataFrame:
    """The demand areas of the plan's scope: every area, or one partner's."""
    frame = demand(source, version)
    if partner_id is None:
        return frame
    mask = (frame["partner_id"].astype("string") == partner_id).fillna(False).to_numpy(bool)
    return frame.loc[mask]


@st.cache_data(show_spinner=False, max_entries=32)
def desk_plan(
    source: Source,
    version: int,
    desks_per_day: int,
    days: int,
    radius_m: float,
    partner_id: str | None,
    capacity: int = recorded.FALLBACK_DESK_CAPACITY,
    start: dt.date | None = None,
    measure: str = "line",
) -> out.DeskPlan:
    """The day-by-day desk plan (see :func:`analytics.outreach.plan_desks`): ``capacity``
    people enrolled per desk-day at most, day 1 on ``start``. A desk reaches the people within
    ``radius_m`` metres in a straight line (``measure="line"``), or within ``radius_m`` minutes
    of travel by ``measure`` over the workspace's roads, a desk standing at a neighbourhood's
    measuring point reached like a siting candidate (:func:`traveltime.workspace.travel_pairs`)."""
    areas = demand(source, version)
    pairs = None
    if measure != "line":
        points = distance.area_points(areas)
        pairs = travel.travel_pairs(
            source_path(source),  # the roads are the workspace's; the areas are the scope's
            version,
            areas,
            gpd.GeoDataFrame(geometry=points.to_numpy(), crs=points.crs),
            float(radius_m),
            points=points,
            mode=measure,
        )
    return out.plan_desks(
        areas,
        desks_per_day,
        days,
        radius_m,
        weight=weight_column(source, version),
        partner_id=partner_id,
        time_limit=PLAN_TIME_LIMIT_S,
        capacity=capacity,
        start=start,
        pairs=pairs,
    )


def desk_capacity(source: Source, version: int) -> recorded.DeskCapacity:
    """The default people a desk enrols per day, from every recorded session this session may
    see (see :func:`analytics.sessions.desk_capacity`): the same whichever partner the plan is
    limited to, so that choosing a partner never moves the setting."""
    return recorded.desk_capacity(sessions(source, version))


@st.cache_data(show_spinner=False, max_entries=32)
def villages(
    source: Source,
    version: int,
    partner_id: str | None,
    rule: str,
    quota: int,
    weights: tuple[tuple[str, float], ...],
    only_underserved: bool,
) -> ModelVillages:
    """Model villages per district (see :func:`analytics.villages.model_villages`)."""
    frame = scoped(source, version, partner_id)
    return model_villages(
        frame,
        rule=rule,
        quota=quota,
        weights=dict(weights) if rule == "score" else None,
        only_underserved=only_underserved,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def sessions(source: Source, version: int) -> pd.DataFrame:
    """Recorded sessions with their area (from the point where the record names none) and a
    position: the recorded point, else the area's representative point."""
    tables = data.tables(source, version)
    areas = tables["areas"]
    found = recorded.sessions_with_areas(tables["outreach"], areas)
    if len(found) and len(areas):
        centres = areas.geometry.to_crs("EPSG:4326").representative_point()
        lon = pd.Series(centres.x.to_numpy(), index=areas["area_id"].to_numpy())
        lat = pd.Series(centres.y.to_numpy(), index=areas["area_id"].to_numpy())
        no_point = found["lon"].isna() & found["area_id"].notna()
        found.loc[no_point, "lon"] = found.loc[no_point, "area_id"].map(lon)
        found.loc[no_point, "lat"] = found.loc[no_point, "area_id"].map(lat)
    return found


def scoped_sessions(source: Source, version: int, partner_id: str | None) -> pd.DataFrame:
    """The sessions of the plan's scope (every session, or those in one partner's areas)."""
    found = sessions(source, version)
    if partner_id is None:
        return found
    ids = set(scoped(source, version, partner_id)["area_id"])
    return found[found["area_id"].isin(ids)]


@st.cache_data(show_spinner=False, max_entries=16)
def work_list(
    source: Source,
    version: int,
    partner_id: str | None,
    plan_args: tuple[int, int, float, int, dt.date | None, str] | None,
    village_args: tuple[str, int, tuple[tuple[str, float], ...], bool] | None,
) -> pd.DataFrame:
    """The work list of every area in scope (see :func:`analytics.worklist.work_list`), with the
    plan's days and the model villages marked. The reach of care and of an insurance office is
    measured as the plan measures a desk's reach (its ``measure``, the access pages' shared
    "measure by"): straight-line km, or minutes of travel over the roads by that mode, as the
    access pages measure them (:func:`ui.access.travel.nearest_minutes`)."""
    tables = data.tables(source, version)
    frame = scoped(source, version, partner_id)
    with_insured = data.has_insured(source, version)
    plan = None
    measure = plan_args[-1] if plan_args else "line"
    if plan_args:
        desks_per_day, days, radius, capacity, start, measure = plan_args
        plan = desk_plan(
            source, version, desks_per_day, days, radius, partner_id, capacity, start, measure
        )
    chosen = villages(source, version, partner_id, *village_args) if village_args else None
    counted = access.available_facilities(tables["facilities"])
    nearest = None
    if measure != "line":
        minutes = travel_data.nearest_minutes(source, version, False, None, measure)
        nearest = minutes.set_index("area_id").reindex(frame["area_id"]).set_axis(frame.index)
    return worklist.work_list(
        frame,
        coverage=frame[["area_id", "insured", "uninsured", "coverage"]] if with_insured else None,
        partners=tables["partners"],
        facilities=counted if len(counted) else None,
        sessions=scoped_sessions(source, version, partner_id),
        plan=plan,
        villages=chosen,
        nearest=nearest,
        unit=unit_of(measure),
    )
