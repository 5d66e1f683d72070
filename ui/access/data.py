"""Cached loaders for the Infrastructure needs page: access, capacity and siting results.

Like :mod:`ui.data`, every cache is keyed on the session's ``source`` (:data:`ui.scope.Source`) +
version and plain parameters (never a frame argument); the analytics live in :mod:`analytics.access`
and :mod:`analytics.siting`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics import access, distance, fca, siting
from analytics.capacity import default_decay
from analytics.supply import SUPPLY_SERVICES, SUPPLY_TYPES, supply_options
from geodata.sources.readers import VECTOR_SUFFIXES
from geodata.tables.problems import DataError
from geodata.tables.schema import FACILITY_STATUSES, FACILITY_TYPES
from geodata.uploads.reading import discard_upload, save_upload
from geodata.uploads.sandbox import read_upload_isolated
from traveltime.workspace import travel_pairs
from ui import data
from ui.scope import Source, source_path

#: File types a candidate-site layer can be uploaded as (files that carry their geometry).
CANDIDATE_SUFFIXES = sorted(s.lstrip(".") for s in VECTOR_SUFFIXES - {".shp"})
#: Caps on an uploaded layer of candidate sites (checked where it is read, in the sandbox).
CANDIDATE_MAX_SITES = 5_000
CANDIDATE_MAX_VERTICES = 1_000_000
#: Cap on candidate sites × demand points of one siting run: the distances the run measures.
SITING_MAX_PAIRS = 5_000_000

#: Distance columns computed per area: the facility types and groups the page can map.
DISTANCE_SETS: dict[str, tuple[str, ...]] = access.DISTANCE_SETS


def facilities(source: Source, version: int) -> gpd.GeoDataFrame:
    """Every facility of the workspace (status, opening date and beds when it has them)."""
    return data.table(source, version, "facilities")


@st.cache_data(show_spinner=False, max_entries=4)
def area_points(source: Source, version: int) -> gpd.GeoSeries:
    """The point every area is measured from (EPSG:4326 as stored, aligned on the areas' index):
    its population-weighted centre where the areas carry ``pop_lon`` / ``pop_lat``, else its
    representative point. Computed once per version, shared by distances, capacity and siting."""
    return distance.area_points(data.tables(source, version)["areas"])


def supply_choices(fac: gpd.GeoDataFrame) -> list[str]:
    """The :data:`analytics.supply.SUPPLY_TYPES` this workspace can measure: a supply column with a
    value for some facility of its service (see :func:`analytics.supply.supply_options`), then
    ``facility`` (each care facility counts 1)."""
    return [
        supply
        for supply, service in SUPPLY_SERVICES.items()
        if supply in supply_options(fac, service)
    ]


@st.cache_data(show_spinner=False, max_entries=16)
def counted_facilities(
    source: Source, version: int, under_construction: bool, as_of: dt.date | None
) -> gpd.GeoDataFrame:
    """The facilities that count for access (operational, plus the what-if ones)."""
    return access.available_facilities(
        facilities(source, version), under_construction=under_construction, as_of=as_of
    )


@st.cache_data(show_spinner=False, max_entries=16)
def nearest(
    source: Source, version: int, under_construction: bool, as_of: dt.date | None
) -> pd.DataFrame:
    """Per area: ``area_id`` and, for each of :data:`DISTANCE_SETS`, ``{name}_km`` and ``{name}_id``."""
    areas = data.tables(source, version)["areas"]
    counted = counted_facilities(source, version, under_construction, as_of)
    result = distance.nearest_facility_km(
        areas,
        counted,
        types=[],
        groups={k: list(v) for k, v in DISTANCE_SETS.items()},
        points=area_points(source, version),
    )
    result.insert(0, "area_id", areas["area_id"].to_numpy())
    return result.reset_index(drop=True)


def has_beds(source: Source, version: int) -> bool:
    """Whether any facility has a bed count."""
    fac = facilities(source, version)
    return "beds" in fac and bool(pd.to_numeric(fac["beds"], errors="coerce").notna().any())


@st.cache_data(show_spinner=False, max_entries=16)
def capacity(
    source: Source,
    version: int,
    under_construction: bool,
    as_of: dt.date | None,
    supply: str | None,
    catchment_km: float,
    decay: bool,
) -> pd.DataFrame:
    """2SFCA (or E2SFCA with ``decay``) per area: ``area_id``, ``access``, ``n_facilities``.

    ``supply`` is one of :data:`analytics.supply.SUPPLY_TYPES`: ``beds`` (hospital beds),
    ``staff`` (care facilities' staff), ``desks`` (insurance offices' desks) or ``facility`` (care
    facilities, 1 each; also ``None``)."""
    areas = data.tables(source, version)["areas"]
    counted, column = supplying(source, version, under_construction, as_of, supply)
    result = fca.two_step_fca(
        areas,
        counted,
        catchment_km=catchment_km,
        supply=column,
        decay=default_decay(catchment_km) if decay else None,
        points=area_points(source, version),
    )
    result.insert(0, "area_id", areas["area_id"].to_numpy())
    return result.reset_index(drop=True)


def supplying(
    source: Source,
    version: int,
    under_construction: bool,
    as_of: dt.date | None,
    supply: str | None,
) -> tuple[gpd.GeoDataFrame, str | None]:
    """The counted facilities that supply ``supply`` (see :func:`capacity`) and the facilities'
    column holding it (None: each counts as 1)."""
    counted = counted_facilities(source, version, under_construction, as_of)
    chosen = "facility" if supply is None else supply
    if chosen not in SUPPLY_TYPES:
        raise ValueError(f"supply must be one of {list(SUPPLY_TYPES)}, got {supply!r}")
    counted = counted[counted["type"].isin(SUPPLY_TYPES[chosen])]
    return counted, None if chosen == "facility" else chosen


@st.cache_data(show_spinner=False, max_entries=32)
def sites(
    source: Source,
    version: int,
    under_construction: bool,
    as_of: dt.date | None,
    care: str,
    k: int,
    radius_km: float,
    objective: str,
    candidates: str,
    upload: tuple[str, bytes] | None = None,
    measure: str = "line",
) -> tuple[dict[str, float | str | bool], gpd.GeoDataFrame]:
    """Choose ``k`` new sites (see :func:`analytics.siting.choose_sites`): within ``radius_km``
    in a straight line (``measure="line"``), or within ``radius_km`` minutes of travel by
    ``measure`` (``motorised``, ``walking``): the candidates and the existing facilities are
    reached over the road network like any facility (a walk to and from the nearest road).

    ``care`` names a :data:`DISTANCE_SETS` entry (existing facilities kept); ``objective`` is
    ``population`` or ``uninsured``; ``candidates`` is ``areas`` (the point every neighbourhood
    is measured from, see :func:`area_points`), ``pipeline`` (planned and under-construction
    facility sites, less those the what-if already counts as facilities) or ``upload`` (the layer
    in ``upload``: file name and bytes, see :func:`candidate_layer`).
    Returns the before/after figures and the chosen sites (EPSG:4326 points).
    """
    areas = data.tables(source, version)["areas"]
    demand = areas[["area_id", "name", "population", "geometry"]].copy()
    if objective == "uninsured":
        cov = data.area_coverage(source, version, None, None)
        demand["uninsured"] = demand["area_id"].map(cov.set_index("area_id")["uninsured"])
    counted = counted_facilities(source, version, under_construction, as_of)
    existing = counted[counted["type"].isin(DISTANCE_SETS[care])]
    pool = None
    if candidates == "pipeline":
        pool = pipeline_sites(source, version)
        # With the what-if on, sites under construction already count as facilities: they are
        # no longer somewhere to build.
        pool = pool.loc[~pool.index.isin(counted.index)]
    elif candidates == "upload":
        if upload is None:
            raise ValueError("candidates='upload' needs the uploaded layer")
        pool = candidate_layer(*upload)
    n_candidates = len(demand) if pool is None else len(pool)
    if n_candidates * len(demand) > SITING_MAX_PAIRS:
        raise DataError(
            f"{n_candidates} candidate sites × {len(demand)} areas is more than one siting run "
            f"may measure ({SITING_MAX_PAIRS}); use fewer candidate sites.",
            code="siting_too_large",
            params={"sites": n_candidates, "areas": len(demand), "limit": SITING_MAX_PAIRS},
        )
    points = area_points(source, version)
    travel: dict[str, pd.DataFrame] = {}
    if measure != "line":
        sites_at = gpd.GeoDataFrame(geometry=points) if pool is None else pool

        def trips(to: gpd.GeoDataFrame) -> pd.DataFrame:
            return travel_pairs(
                source_path(source), version, demand, to, radius_km, points=points, mode=measure
            )

        travel = {"pairs": trips(sites_at), "existing_pairs": trips(existing)}
    result, chosen = siting.choose_sites(
        demand,
        existing,
        k,
        radius_km,
        candidates=pool,
        weight=objective,
        points=points,
        time_limit=20.0,
        **travel,
    )
    figures: dict[str, float | str | bool] = {
        "before": result.covered_before,
        "after": result.covered_after,
        "gain": result.gain,
        "total": result.total,
        "share_before": result.share_before,
        "share_after": result.share_after,
        "upper_bound": result.upper_bound,
        "guaranteed": result.guaranteed_ratio,
        "method": result.method,
        "optimal": result.optimal,
        "n_areas_newly": int(np.count_nonzero(result.newly_covered)),
        "objective": objective,
    }
    return figures, chosen


def proposed_sites(
    *args: object,
) -> tuple[tuple[dict[str, float | str | bool], gpd.GeoDataFrame] | None, str | None]:
    """:func:`sites`, with an unreadable uploaded layer or a run beyond the caps reported
    instead of raised: ``(result, None)`` or ``(None, error)``."""
    try:
        return sites(*args), None  # type: ignore[arg-type]
    except DataError as exc:
        return None, exc


def pipeline_sites(source: Source, version: int) -> gpd.GeoDataFrame:
    """Planned and under-construction facilities (candidate sites for the siting tool)."""
    fac = facilities(source, version)
    if "status" not in fac:
        return fac.iloc[0:0]
    return fac[fac["status"].isin(["planned", "under_construction"])]


def present_sets(fac: gpd.GeoDataFrame) -> list[str]:
    """The :data:`DISTANCE_SETS` that have at least one facility in the workspace."""
    types = set(fac["type"].dropna().astype(str)) if "type" in fac else set()
    return [name for name, members in DISTANCE_SETS.items() if types & set(members)]


def facility_types(fac: gpd.GeoDataFrame) -> list[str]:
    """The facility types present, in vocabulary order (unknown types last, sorted)."""
    present = set(fac["type"].dropna().astype(str)) if "type" in fac else set()
    return [t for t in FACILITY_TYPES if t in present] + sorted(present - set(FACILITY_TYPES))


def facility_statuses(fac: gpd.GeoDataFrame) -> list[str]:
    """The statuses present (a missing status reads as operational); empty without a status."""
    if "status" not in fac or not fac["status"].notna().any():
        return []
    present = set(fac["status"].fillna("operational").astype(str))
    return [s for s in FACILITY_STATUSES if s in present] + sorted(present - set(FACILITY_STATUSES))


def opening_dates(fac: gpd.GeoDataFrame) -> list[str]:
    """Opening dates (``YYYY-MM-DD``) of the facilities under construction, ascending."""
    if "status" not in fac or "opens_on" not in fac:
        return []
    pending = fac[fac["status"] == "under_construction"]
    dates = pd.to_datetime(pending["opens_on"], errors="coerce").dropna()
    return sorted({d.strftime("%Y-%m-%d") for d in dates})


@st.cache_data(show_spinner=False, max_entries=8)
def candidate_layer(name: str, content: bytes) -> gpd.GeoDataFrame:
    """Candidate sites from an uploaded layer (GeoJSON, GeoPackage, zipped Shapefile, KML).

    Polygons and lines become their representative point. Returns EPSG:4326 points with a
    ``name`` column (the file's own name column when it has one, else the row number).

    Raises
    ------
    geodata.tables.problems.DataError
        The file cannot be read, carries no geometry, or holds no usable site.
    """
    path = save_upload(content, name)
    try:
        # Read, capped and reduced to points in the upload sandbox: the app never holds the
        # layer's shapes (see geodata.uploads.candidates.candidate_points).
        upload = read_upload_isolated(
            path,
            name=name,
            sites={"max_rows": CANDIDATE_MAX_SITES, "max_vertices": CANDIDATE_MAX_VERTICES},
        )
    finally:
        discard_upload(path)
    frame = upload.frame
    if not len(frame):
        raise DataError(f"{name}: no site with a geometry.")
    return gpd.GeoDataFrame(
        {"name": frame["name"].astype("string").fillna("").to_numpy()},
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def facility_operators(fac: gpd.GeoDataFrame) -> list[str]:
    """The operators named in the facilities table, sorted; empty without an operator column."""
    if "operator" not in fac:
        return []
    return sorted(fac["operator"].dropna().astype(str).unique())


def max_beds(fac: gpd.GeoDataFrame) -> int:
    """The largest bed count (0 when no facility has one)."""
    if "beds" not in fac:
        return 0
    beds = pd.to_numeric(fac["beds"], errors="coerce")
    return int(beds.max()) if beds.notna().any() else 0


def facility_markers(
    fac: gpd.GeoDataFrame,
    *,
    types: list[str],
    statuses: list[str] | None = None,
    operators: list[str] | None = None,
    min_beds: int = 0,
) -> gpd.GeoDataFrame:
    """The facilities to draw: of ``types``; of ``statuses`` (a missing status reads as
    operational) and ``operators`` (a missing operator always passes) when given; with at least
    ``min_beds`` beds when above 0."""
    keep = fac["type"].isin(types).to_numpy(dtype=bool, copy=True)
    if statuses is not None and "status" in fac:
        keep &= fac["status"].fillna("operational").isin(statuses).to_numpy(dtype=bool)
    if operators is not None and "operator" in fac:
        keep &= (fac["operator"].isna() | fac["operator"].isin(operators)).to_numpy(dtype=bool)
    if min_beds > 0 and "beds" in fac:
        beds = pd.to_numeric(fac["beds"], errors="coerce")
        keep &= (beds >= min_beds).fillna(False).to_numpy(dtype=bool)
    return fac.loc[keep]
