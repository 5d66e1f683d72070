"""Cached loaders: every cache is keyed on the session's source + version (never on a frame).

The first argument of every loader is the session's *source* (``source: Source``, ``ctx.source``;
see :mod:`ui.scope`): the workspace path, plus the partner id for a partner's session.
:func:`tables` filters a partner's tables on the server before anything else sees them, so every
loader built on it computes and caches one partner's rows only. Pages ask here for tables and for
results of analytics; a new workspace version gives new keys, so nothing stale is shown after an
import.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics import coverage as cov
from analytics.geometry import area_km2, merge_by
from analytics.insured import InsuredIndex, available_periods, build_insured_index
from analytics.partners import restrict_to_partner
from geodata.store.workspace import read_workspace
from geodata.tables.area_columns import fill_area_columns
from render.language import Language
from render.simplify import simplify_for_display
from ui.scope import Source, parse_source

LEVELS = ("province", "district", "area")
LEVEL_KEYS = {"province": "province", "district": "district_id", "area": "area_id"}


@st.cache_data(show_spinner=False, max_entries=4)
def tables(source: Source, version: int) -> dict[str, pd.DataFrame]:
    """All tables of one workspace version, as the session's scope may see them."""
    path, partner_id = parse_source(source)
    loaded = read_workspace(path, version)
    if partner_id is not None:
        loaded = restrict_to_partner(loaded, partner_id)
    loaded["areas"] = fill_area_columns(loaded["areas"])
    return loaded


@st.cache_data(show_spinner=False, max_entries=32)
def table(source: Source, version: int, name: str) -> pd.DataFrame:
    """One table of :func:`tables`: a cache hit copies this table alone, where :func:`tables`
    copies every table (the insured counts most of all) on each call. For what a rerun reads."""
    return tables(source, version)[name]


@st.cache_data(show_spinner=False, max_entries=8)
def has_insured(source: Source, version: int) -> bool:
    """Whether the workspace holds any insured counts."""
    return len(tables(source, version)["insured"]) > 0


@st.cache_data(show_spinner=False, max_entries=4)
def periods(source: Source, version: int) -> list[pd.Timestamp]:
    insured = tables(source, version)["insured"]
    return available_periods(insured) if len(insured) else []


@st.cache_data(show_spinner=False, max_entries=4)
def schemes(source: Source, version: int) -> list[str]:
    insured = tables(source, version)["insured"]
    if "scheme" not in insured or not len(insured):
        return []
    return sorted(insured["scheme"].dropna().astype(str).unique())


def region_target(source: Source, version: int, period: pd.Timestamp | None) -> float | None:
    """The region's target coverage for a month (the latest target at or before it)."""
    series = targets(source, version, "region")
    if period is None or series.empty:
        return None
    before = series[series["period"] <= period]
    return float(before["target_coverage"].iloc[-1]) if len(before) else None


@st.cache_resource(show_spinner=False, max_entries=4)
def insured_index(source: Source, version: int) -> InsuredIndex:
    """The insured table indexed for recounts (:func:`analytics.insured.build_insured_index`).

    Built once per workspace version (and scope) and shared, not copied: the index is read-only.
    A change of month or scheme then recounts from it, without reading the insured table again.
    """
    return build_insured_index(tables(source, version)["insured"])


@st.cache_data(show_spinner=False, max_entries=4)
def area_attributes(source: Source, version: int) -> pd.DataFrame:
    """The areas table without its geometry (a small copy to recount from)."""
    areas = tables(source, version)["areas"]
    return pd.DataFrame(areas.drop(columns=areas.geometry.name))


@st.cache_data(show_spinner=False, max_entries=32)
def area_coverage(
    source: Source, version: int, period: pd.Timestamp | None, schemes: tuple[str, ...] | None
) -> pd.DataFrame:
    """Coverage per area for a month (no geometry), with area in km² and population density.

    Counted from the cached :func:`insured_index` and :func:`area_attributes`, so a new month or
    scheme costs a lookup, not a pass over the insured table or a copy of the workspace.
    """
    areas = area_attributes(source, version)
    index = insured_index(source, version)
    target = region_target(source, version, period) or 1.0
    if index.n_rows:
        result = cov.coverage_by_area(
            areas,
            index,
            period=period,
            schemes=list(schemes) if schemes else None,
            target=target,
        )
    else:
        empty = pd.DataFrame(columns=["area_id", "period", "insured", "scheme"])
        empty["period"] = pd.to_datetime(empty["period"])
        result = cov.coverage_by_area(areas, empty.astype({"insured": "Int64"}), target=target)
    result["area_km2"] = area_sizes(source, version).to_numpy()
    result["density"] = result["population"].astype("float64") / result["area_km2"]
    return result


@st.cache_data(show_spinner=False, max_entries=8)
def area_sizes(source: Source, version: int) -> pd.Series:
    """Area of every area in km² (index as the areas table), once per workspace version.

    Geometry is measured here only: a change of month, scheme or level recounts from the
    insured table and never projects or measures polygons again.
    """
    return area_km2(tables(source, version)["areas"])


@st.cache_data(show_spinner=False, max_entries=16)
def grouped_coverage(
    source: Source,
    version: int,
    period: pd.Timestamp | None,
    schemes: tuple[str, ...] | None,
    level: str,
) -> pd.DataFrame:
    """Coverage aggregated to a level (population-weighted), one row per unit."""
    per_area = area_coverage(source, version, period, schemes)
    if level == "area":
        return per_area
    key = LEVEL_KEYS[level]
    names = {"district_id": ["district_name", "province"], "province": []}[key]
    grouped = cov.aggregate_coverage(per_area, [key, *names])
    areas = area_attributes(source, version)
    km2 = area_sizes(source, version).groupby(areas[key].to_numpy(), dropna=False).sum()
    grouped["area_km2"] = grouped[key].map(km2).to_numpy()
    grouped["density"] = grouped["population"].astype("float64") / grouped["area_km2"]
    return grouped


@st.cache_data(show_spinner=False, max_entries=8)
def display_shapes(source: Source, version: int, level: str) -> gpd.GeoDataFrame:
    """Simplified polygons for drawing at a level (shared borders kept), keyed by the level's id."""
    areas = tables(source, version)["areas"]
    simplified = simplify_for_display(areas[["area_id", "district_id", "province", "geometry"]])
    if level == "area":
        return simplified
    return merge_by(simplified, LEVEL_KEYS[level])


@st.cache_data(show_spinner=False, max_entries=16)
def trend(
    source: Source,
    version: int,
    schemes: tuple[str, ...] | None,
    by: str | None,
    area_ids: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Coverage per month (population-weighted), for the region or per group, optionally a subset."""
    data = tables(source, version)
    if not len(data["insured"]):
        return pd.DataFrame(columns=["period", "population", "insured", "coverage", "n_with_data"])
    areas = data["areas"]
    if area_ids is not None:
        areas = areas[areas["area_id"].isin(area_ids)]
    return cov.coverage_over_time(
        areas, data["insured"], by=by, schemes=list(schemes) if schemes else None
    )


@st.cache_data(show_spinner=False, max_entries=4)
def targets(source: Source, version: int, scope: str = "region") -> pd.DataFrame:
    return cov.target_series(tables(source, version)["targets"], scope)


@st.cache_data(show_spinner=False, max_entries=16)
def insured_by_scheme(
    source: Source, version: int, area_id: str, period: pd.Timestamp
) -> pd.DataFrame:
    """One area's insured counts per scheme in one month."""
    insured = tables(source, version)["insured"]
    rows = insured[(insured["area_id"] == area_id) & (insured["period"] == period)]
    if "scheme" not in rows:
        return rows[["insured"]]
    return rows.groupby("scheme", as_index=False)["insured"].sum()


@st.cache_data(show_spinner=False, max_entries=8)
def partner_names(source: Source, version: int, lang: str) -> dict[str, str]:
    """Partner id -> name in ``lang`` (``name_fa``... where the workspace has it, else its name;
    the id itself where the partners table has no name)."""
    partners = tables(source, version)["partners"]
    if not len(partners) or "name" not in partners:
        return {}
    partners = partners.dropna(subset=["partner_id"])
    names = Language(lang).names(partners, "name").fillna(partners["name"])
    names = names.where(names.notna(), partners["partner_id"])
    return dict(zip(partners["partner_id"].astype(str), names.astype(str), strict=False))
