"""Cached polygons for drawing a big workspace: dissolved units, and the areas of one unit.

:func:`ui.data.display_shapes` simplifies every area of a workspace once per version and merges
them into districts and provinces: right for a few thousand areas, minutes for a national layer of
100,000. A view with more areas than a map draws (:data:`ui.views.MAX_AREAS_ON_MAP`) is drawn
from these instead: its districts (or provinces) dissolved from the full areas first and then
simplified (interior borders are gone before the costly step, neighbours still share their
simplified borders), and, once a district is chosen, only that district's areas simplified.
Both are cached per workspace source (partner scope included) and version.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from analytics.geometry import merge_by
from render.simplify import simplify_for_display
from ui import data
from ui.scope import Source

__all__ = ["areas_within", "dissolved_units", "view_shapes"]


@st.cache_data(show_spinner=False, max_entries=8)
def dissolved_units(source: Source, version: int, level: str) -> gpd.GeoDataFrame:
    """One simplified polygon per unit of ``level`` (``district`` / ``province``), keyed by the
    level's id column: the areas dissolved first, then simplified with shared borders kept."""
    key = data.LEVEL_KEYS[level]
    areas = data.tables(source, version)["areas"]
    return simplify_for_display(merge_by(areas[[key, "geometry"]], key))


@st.cache_data(show_spinner=False, max_entries=32)
def areas_within(source: Source, version: int, column: str, unit: str) -> gpd.GeoDataFrame:
    """The simplified areas whose ``column`` (``district_id`` / ``province``) is ``unit``."""
    areas = data.tables(source, version)["areas"]
    inside = areas[areas[column].astype("string") == unit]
    return simplify_for_display(inside[["area_id", "district_id", "province", "geometry"]])


def view_shapes(
    source: Source,
    version: int,
    level: str,
    *,
    province: str = "",
    district: str = "",
    big: bool,
) -> gpd.GeoDataFrame:
    """Polygons to draw a level's units with: :func:`ui.data.display_shapes` for a workspace
    that a map draws whole, else dissolved units or the areas of the chosen district (or
    province)."""
    if not big:
        return data.display_shapes(source, version, level)
    if level != "area":
        return dissolved_units(source, version, level)
    if district:
        return areas_within(source, version, "district_id", district)
    if province:
        return areas_within(source, version, "province", province)
    return data.display_shapes(source, version, level)
