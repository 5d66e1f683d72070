"""Area polygons simplified for drawing on a map: fewer vertices sent to the browser, borders that
neighbours share kept shared (coverage simplification, a near-coverage cleaned first), every
non-empty polygon still valid and non-empty. Used by the dashboard's maps and the map documents.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

__all__ = ["simplify_for_display"]


def simplify_for_display(gdf: gpd.GeoDataFrame, tolerance_m: float = 15.0) -> gpd.GeoDataFrame:
    """Simplify area polygons for drawing, keeping borders shared by neighbours shared.

    When the polygons form a valid coverage (no overlaps, identical vertices along shared
    edges), ``shapely.coverage_simplify`` simplifies each shared edge once, so neighbours stay
    edge to edge with no gaps or slivers. A near-coverage (real files: tiny overlaps, vertices
    that do not quite match) is first made valid with ``shapely.coverage_clean`` (closing
    slivers narrower than ``min(1 m, tolerance_m / 10)``) when that changes no polygon's area
    by more than 1 %. Otherwise each polygon is simplified on its own with
    ``simplify(preserve_topology=True)`` (shared borders may then drift by up to the
    tolerance). The work is done in metres (the frame's projected CRS, or its UTM zone from
    ``estimate_utm_crs()``) and the result is returned in the input CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Polygons/MultiPolygons with a CRS. Not modified.
    tolerance_m : float, default 15.0
        Simplification tolerance in metres (for coverage simplification: roughly the square
        root of the area of the triangles removed). ``0`` returns a copy.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the same index, columns and CRS. Every non-empty input geometry gives a
        valid, non-empty output geometry; missing or empty geometries are passed through.

    Raises
    ------
    ValueError
        If the frame has no CRS, the tolerance is negative, or a geometry is not polygonal.
    """
    if tolerance_m < 0 or not math.isfinite(tolerance_m):
        raise ValueError(f"tolerance_m must be a finite number >= 0, got {tolerance_m!r}")
    out = gdf.copy()
    if len(gdf) == 0 or tolerance_m == 0:
        return out
    if gdf.crs is None:
        raise ValueError("simplify_for_display: the frame has no CRS; set it before simplifying")

    geom_col = gdf.geometry.name
    present = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if not present.any():
        return out
    kinds = set(gdf.geometry[present].geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise ValueError(
            "simplify_for_display expects Polygon/MultiPolygon geometries, got "
            + ", ".join(sorted(kinds - {"Polygon", "MultiPolygon"}))
        )

    metric = _metric_crs(gdf)
    originals = gdf.geometry[present].to_crs(metric).to_numpy()
    originals = np.asarray(originals, dtype=object)
    # Invalid polygons cannot form a coverage; repair them first (display only).
    invalid = ~shapely.is_valid(originals)
    if invalid.any():
        originals = originals.copy()
        originals[invalid] = shapely.make_valid(originals[invalid])
        originals[invalid] = [_polygonal_part(g) for g in originals[invalid]]

    simplified: np.ndarray | None = None
    coverage = (
        originals
        if shapely.coverage_is_valid(originals)
        else _cleaned(originals, gap_width=min(1.0, tolerance_m / 10))
    )
    if coverage is not None:
        try:
            simplified = shapely.coverage_simplify(coverage, tolerance_m, simplify_boundary=True)
        except shapely.errors.GEOSException:
            simplified = None
    if simplified is None:
        simplified = shapely.simplify(originals, tolerance_m, preserve_topology=True)

    # Belt and braces: any result that is invalid or empty falls back to a per-geometry
    # simplification, then to the original polygon.
    bad = ~shapely.is_valid(simplified) | shapely.is_empty(simplified)
    if bad.any():
        simplified = np.asarray(simplified, dtype=object).copy()
        for i in np.flatnonzero(bad):
            alt = shapely.simplify(originals[i], tolerance_m, preserve_topology=True)
            if not shapely.is_valid(alt) or shapely.is_empty(alt):
                alt = originals[i]
            simplified[i] = alt

    back = np.asarray(gpd.GeoSeries(simplified, crs=metric).to_crs(gdf.crs).to_numpy(), object)
    # Reprojection can, very rarely, fold a tiny spike into a self-touching ring.
    folded = ~shapely.is_valid(back)
    if folded.any():
        back[folded] = [_polygonal_part(g) for g in shapely.make_valid(back[folded])]
    new_geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object).copy()
    new_geoms[present] = back
    out[geom_col] = gpd.GeoSeries(new_geoms, index=gdf.index, crs=gdf.crs)
    return out


def _metric_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """A projected CRS in metres for ``gdf``: its own if it is one, else its UTM zone."""
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_projected and all(
        (axis.unit_name or "").lower() in ("metre", "meter") for axis in crs.axis_info
    ):
        return crs
    return gdf.estimate_utm_crs()


def _cleaned(
    geoms: np.ndarray, gap_width: float, max_area_change: float = 0.01
) -> np.ndarray | None:
    """Make near-coverages (tiny overlaps, unmatched vertices) valid with ``coverage_clean``.

    Real boundary files are rarely exact coverages. Cleaning snaps near vertices together,
    gives each overlap to one neighbour and closes slivers of gap narrower than ``gap_width``
    (metres; wider gaps such as rivers stay); it is accepted only when the result is a valid
    coverage of non-empty polygons, none of which changed its area by more than
    ``max_area_change`` (relative). Otherwise returns None (per-polygon fallback).
    """
    clean = getattr(shapely, "coverage_clean", None)  # Shapely >= 2.2
    if clean is None:
        return None
    try:
        cleaned = np.asarray(clean(geoms, gap_width=gap_width), dtype=object)
    except (shapely.errors.GEOSException, TypeError, ValueError):
        return None
    if shapely.is_empty(cleaned).any() or not shapely.is_valid(cleaned).all():
        return None
    if not set(shapely.get_type_id(cleaned).tolist()) <= {3, 6}:  # Polygon, MultiPolygon
        return None
    before, after = shapely.area(geoms), shapely.area(cleaned)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(after - before) / before
    if not (np.isfinite(change) & (change <= max_area_change)).all():
        return None
    return cleaned if shapely.coverage_is_valid(cleaned) else None


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of ``make_valid`` output (which may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else geom
