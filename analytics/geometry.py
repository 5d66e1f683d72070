"""Geometry helpers that need metres: areas in km² and polygons merged per group."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def metric_crs(gdf: gpd.GeoDataFrame):
    """A projected CRS for measuring ``gdf`` (its own if projected, else the local UTM zone)."""
    if gdf.crs is None:
        raise ValueError("the frame has no CRS; set one before measuring (it is never guessed)")
    if gdf.crs.is_projected:
        return gdf.crs
    return gdf.estimate_utm_crs()


def area_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area of each geometry in km², measured in a projected CRS (never in degrees)."""
    if len(gdf) == 0:
        return pd.Series(dtype="float64", index=gdf.index)
    projected = gdf.geometry.to_crs(metric_crs(gdf))
    return pd.Series(shapely.area(projected.to_numpy()) / 1e6, index=gdf.index, name="area_km2")


def merge_by(gdf: gpd.GeoDataFrame, by: str | Sequence[str]) -> gpd.GeoDataFrame:
    """One polygon per group: the union of the member polygons (shared borders dissolve).

    Groups whose key is missing form their own group. Uses ``shapely.coverage_union_all`` when
    the members tile without overlaps (fast). Real layers rarely tile exactly: neighbours whose
    shared vertices differ by rounding noise (a hair's gap or overlap) make it fail, or succeed
    with the members still apart. Such groups are snapped to a precision grid of a billionth of
    the frame's extent (sub-millimetre for a country), which closes those hairlines, and merged
    again: with the coverage union where the snapped members tile, else with ``union_all`` on
    that grid.
    """
    keys = [by] if isinstance(by, str) else list(by)
    codes, _uniques = pd.factorize(
        pd.MultiIndex.from_frame(gdf[keys].astype(object)) if len(keys) > 1 else gdf[keys[0]],
        use_na_sentinel=False,
    )
    geoms = gdf.geometry.to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    grid_size = _hairline(gdf)
    merged = [_dissolve(members, grid_size) for members in np.split(geoms[order], bounds)]
    first = np.split(order, bounds)
    out = gdf.iloc[[idx[0] for idx in first]][keys].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=merged, crs=gdf.crs)


def _hairline(gdf: gpd.GeoDataFrame) -> float:
    """A billionth of the frame's larger side, in its own units: the gaps and overlaps between
    neighbours that come from rounding, not from the data."""
    present = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if not len(present):
        return 0.0
    minx, miny, maxx, maxy = present.total_bounds
    side = max(maxx - minx, maxy - miny)
    return float(side) * 1e-9 if np.isfinite(side) and side > 0 else 0.0


def _dissolve(members: np.ndarray, grid_size: float) -> shapely.Geometry:
    """The union of one group's polygons (see :func:`merge_by`): the fast coverage union, on
    the members as they are, else snapped to the hairline grid; ``union_all`` on that grid
    where even that leaves them apart (vertices along an edge on one side only)."""
    union = _coverage_union(members, grid_size)
    if union is not None:
        return union
    if grid_size > 0:
        union = _coverage_union(shapely.set_precision(members, grid_size), grid_size)
        if union is not None:
            return union
        try:
            return shapely.union_all(members, grid_size=grid_size)
        except shapely.errors.GEOSException:
            pass
    return shapely.union_all(members)


def _coverage_union(members: np.ndarray, grid_size: float) -> shapely.Geometry | None:
    """``coverage_union_all`` of the members, or None where they do not form a coverage that
    it can merge (it fails, or leaves members a hair apart)."""
    try:
        union = shapely.coverage_union_all(members)
    except shapely.errors.GEOSException:  # not a clean coverage (real layers rarely are)
        return None
    if not union.is_valid or _parts_a_hair_apart(union, grid_size):
        return None
    return union


def _parts_a_hair_apart(union: shapely.Geometry, distance: float) -> bool:
    """Whether two parts of a multi-part union lie within ``distance`` of each other: members
    that meet but do not share their vertices exactly, left apart by ``coverage_union_all``.
    (Parts that touch at a corner count too; merging those again changes nothing.)"""
    parts = shapely.get_parts(union)
    if len(parts) < 2:
        return False
    left, right = shapely.STRtree(parts).query(parts, predicate="dwithin", distance=distance)
    return bool((left != right).any())
