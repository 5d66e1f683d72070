"""A layer of candidate sites (Infrastructure needs' siting tool) as the app needs it: checked
against its caps and reduced to a name and a point per site. Run where the layer is read, in the
upload sandbox (:mod:`geodata.uploads._worker`), so the app never holds the layer's shapes.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geodata.tables.problems import DataError

#: Columns that name a site in a layer of candidate sites, in order of preference.
SITE_NAME_COLUMNS = ("name", "Name", "NAME", "site", "title", "label", "id")


def candidate_points(frame: pd.DataFrame, shown: str, caps: dict) -> gpd.GeoDataFrame:
    """A layer of candidate sites as what the app needs of it: ``name`` and one point each
    (polygons and lines at an inner point) in EPSG:4326 — after the caps on its rows and
    vertices (``caps``: ``max_rows``, ``max_vertices``), so the app never holds the shapes."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataError(
            f"{shown}: the file carries no geometry; upload GeoJSON, GeoPackage or KML.",
            code="no_geometry",
            params={"file": shown},
        )
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if len(frame) > caps["max_rows"]:
        raise DataError(
            f"{shown}: {len(frame)} sites; a layer of candidate sites may hold at most "
            f"{caps['max_rows']}.",
            code="too_many_sites",
            params={"file": shown, "n": len(frame), "limit": caps["max_rows"]},
        )
    vertices = int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum())
    if vertices > caps["max_vertices"]:
        raise DataError(
            f"{shown}: the shapes have {vertices} vertices; a layer of candidate sites may have "
            f"at most {caps['max_vertices']} (upload points, or simpler shapes).",
            code="too_many_vertices",
            params={"file": shown, "n": vertices, "limit": caps["max_vertices"]},
        )
    if frame.crs is None:
        raise DataError(f"{shown}: the file carries no CRS.", code="no_crs", params={"file": shown})
    column = next((c for c in SITE_NAME_COLUMNS if c in frame.columns), None)
    names = (
        frame[column].astype("string").fillna("").to_numpy()
        if column
        else pd.array([str(i) for i in range(1, len(frame) + 1)], dtype="string")
    )
    points = frame.geometry.representative_point().to_crs(4326)
    return gpd.GeoDataFrame({"name": names}, geometry=points.to_numpy(), crs="EPSG:4326")
