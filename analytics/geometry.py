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
    the members tile without overlaps (fast) and falls back to ``union_all`` otherwise.
    """
    keys = [by] if isinstance(by, str) else list(by)
    codes, uniques = pd.factorize(
        pd.MultiIndex.from_frame(gdf[keys].astype(object)) if len(keys) > 1 else gdf[keys[0]],
        use_na_sentinel=False,
    )
    geoms = gdf.geometry.to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    merged = []
    for members in np.split(geoms[order], bounds):
        try:
            union = shapely.coverage_union_all(members)
        except shapely.errors.GEOSException:  # not a clean coverage (real layers rarely are)
            union = None
        if union is None or not union.is_valid:
            union = shapely.union_all(members)
        merged.append(union)
    first = np.split(order, bounds)
    out = gdf.iloc[[idx[0] for idx in first]][keys].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=merged, crs=gdf.crs)
