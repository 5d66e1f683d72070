"""Cached loaders of the gap-analysis page, keyed on the session's source + version (never a frame).

They read the tables through :mod:`ui.data` and hand them to the pure functions of
``analytics.priority``, ``analytics.clusters``, ``analytics.trends``, ``analytics.uncertainty`` and
``analytics.breakdowns``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import streamlit as st

from analytics import access, breakdowns, clusters, distance, priority, trends
from analytics import coverage as cov
from ui import data
from ui.access import travel as travel_data
from ui.gaps import bands
from ui.scope import Source

LEVELS = ("district", "area")


@st.cache_data(show_spinner=False, max_entries=4)
def distance_to_care_km(source: Source, version: int) -> pd.Series | None:
    """Distance from each area to its nearest operational care facility (not insurance offices),
    or None when the workspace has no facilities."""
    tables = data.tables(source, version)
    facilities = tables["facilities"]
    if not len(facilities):
        return None
    areas = tables["areas"]
    care = access.available_facilities(facilities, types=access.CARE_TYPES)
    if not len(care):
        return None
    nearest = distance.nearest_facility_km(
        areas, care, types=[], groups={"care": access.CARE_TYPES}
    )
    km = pd.Series(
        nearest["care_km"].to_numpy(),
        index=pd.Index(areas["area_id"], name="area_id"),
        name="distance_km",
    )
    return None if km.isna().all() else km


def distance_to_care(source: Source, version: int, measure: str = "line") -> pd.Series | None:
    """The priority's distance to care as the access pages measure it (#19): straight-line km
    (:func:`distance_to_care_km`), or minutes of travel over the roads by ``measure`` to the
    nearest operational care facility (:func:`ui.access.travel.nearest_minutes`, its ``care``
    set). An area from which no road reaches care counts as the longest trip measured, so it
    ranks with the farthest rather than dropping the component; None without care facilities."""
    if measure == "line":
        return distance_to_care_km(source, version)
    found = travel_data.nearest_minutes(source, version, False, None, measure)
    minutes = pd.Series(
        found["care_min"].to_numpy(dtype="float64"),
        index=pd.Index(found["area_id"], name="area_id"),
        name="distance_min",
    )
    finite = minutes[np.isfinite(minutes)]
    if finite.empty:
        return None
    return minutes.where(~np.isinf(minutes), finite.max())


def unreachable_areas(source: Source, version: int, measure: str) -> set[str]:
    """The areas no road reaches care from, by ``measure`` (none in a straight line): the
    priority counts them as the longest trip measured (:func:`distance_to_care`), the tables
    show them as not reachable."""
    if measure == "line":
        return set()
    found = travel_data.nearest_minutes(source, version, False, None, measure)
    return set(found.loc[np.isinf(found["care_min"].to_numpy(dtype="float64")), "area_id"])


@st.cache_data(show_spinner=False, max_entries=16)
def priority_inputs(
    source: Source, version: int, period: pd.Timestamp | None, level: str, measure: str = "line"
) -> pd.DataFrame:
    """Coverage figures of each unit at ``level`` joined with its raw priority components (the
    distance to care in km, or in minutes of travel by ``measure``: :func:`distance_to_care`)."""
    per_area = data.area_coverage(source, version, period, None)
    inputs = priority.priority_inputs(per_area, distance_to_care(source, version, measure))
    if level == "area":
        # uninsured and deprivation are the area's own columns already
        return per_area.join(inputs.drop(columns=[c for c in inputs if c in per_area]))
    grouped = data.grouped_coverage(source, version, period, None, "district")
    target = data.region_target(source, version, period) or 1.0
    parts = priority.aggregate_priority_inputs(
        inputs,
        per_area["district_id"],
        grouped.set_index("district_id")["coverage"],
        target,
    )
    parts = parts.drop(columns=["population", "uninsured"]).rename_axis("district_id").reset_index()
    out = grouped.merge(parts, on="district_id", how="left")
    out["target"] = target
    out["gap_to_target"] = (out["target"] - out["coverage"]).clip(lower=0)
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def ranking(
    source: Source,
    version: int,
    period: pd.Timestamp | None,
    level: str,
    weights: dict[str, float],
    order: str,
    years_old: int,
    measure: str = "line",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranked table of the units at ``level`` and the population's interval
    (:func:`ui.gaps.bands.rank_table` of :func:`priority_inputs`), kept per settings: a change
    of the top list's size, the facilities or the section reuses it."""
    inputs = priority_inputs(source, version, period, level, measure)
    return bands.rank_table(inputs, weights, order, years_old, data.LEVEL_KEYS[level])


@st.cache_data(show_spinner=False, max_entries=8)
def coverage_clusters(
    source: Source, version: int, period: pd.Timestamp | None, alpha: float
) -> pd.DataFrame:
    """Cold spots and isolated low areas of coverage in a month (999 permutations, seeded)."""
    per_area = data.area_coverage(source, version, period, None)
    areas = data.tables(source, version)["areas"]
    return clusters.coverage_clusters(areas, per_area.set_index("area_id")["coverage"], alpha=alpha)


@st.cache_data(show_spinner=False, max_entries=4)
def area_monthly(source: Source, version: int) -> pd.DataFrame:
    """Coverage per area and month (long)."""
    tables = data.tables(source, version)
    return cov.coverage_over_time(tables["areas"], tables["insured"], by="area_id")


@st.cache_data(show_spinner=False, max_entries=16)
def projections(
    source: Source, version: int, level: str, last_n: int, goal: float, confidence: float
) -> pd.DataFrame:
    """Pace and projection to ``goal`` per unit of ``level`` (``region``, ``district``, ``area``)."""
    if level == "area":
        wide = trends.wide_coverage(area_monthly(source, version), "area_id")
    elif level == "district":
        wide = trends.wide_coverage(data.trend(source, version, None, "district_id"), "district_id")
    else:
        region = data.trend(source, version, None, None)
        wide = region.set_index("period")[["coverage"]].T.rename(index={"coverage": "region"})
    return trends.project_to_goal(trends.pace(wide, last_n, confidence), goal)


@st.cache_data(show_spinner=False, max_entries=8)
def outreach_effect(source: Source, version: int, months_after: int) -> pd.DataFrame:
    """Coverage before and after each outreach session in its area."""
    tables = data.tables(source, version)
    sessions = tables["outreach"]
    if not len(sessions) or "area_id" not in sessions:
        return pd.DataFrame()
    out = trends.outreach_before_after(sessions, area_monthly(source, version), months_after)
    areas = tables["areas"].set_index("area_id")
    # The name, and its translations (name_fa...) for the reader's language.
    for column in [c for c in areas.columns if re.fullmatch(r"name(_[a-z]{2})?", str(c))]:
        out[column] = out["area_id"].map(areas[column])
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def scheme_breakdown(source: Source, version: int, period: pd.Timestamp | None) -> pd.DataFrame:
    per_area = data.area_coverage(source, version, period, None)
    return breakdowns.by_scheme(data.tables(source, version)["insured"], per_area, period)


@st.cache_data(show_spinner=False, max_entries=16)
def group_breakdown(source: Source, version: int, period: pd.Timestamp | None) -> pd.DataFrame:
    return breakdowns.by_population_group(data.area_coverage(source, version, period, None))


@st.cache_data(show_spinner=False, max_entries=16)
def underserved_breakdown(
    source: Source, version: int, period: pd.Timestamp | None
) -> pd.DataFrame:
    per_area = data.area_coverage(source, version, period, None)
    return breakdowns.underserved_vs_other(per_area)


def target_line(source: Source, version: int, period: pd.Timestamp, scopes: pd.Series) -> pd.Series:
    """The target line in ``period`` per unit (its own scope, else the region's)."""
    return trends.target_at(data.tables(source, version)["targets"], period, scopes)
