"""A map of areas filled by a colour per row, drawn once per view and then restyled.

The polygons, their names, the facilities, the labels and any further layers of a view are built
and rendered once per source, version, view, language and facility selection
(:func:`ui.views.drawn_map`); a change of what colours the areas sends only the colours, the
tooltips' values and the legend (:func:`ui.area_maps.restyle_script`), as on the Coverage map.
Every data string is escaped there. Used by the Gap analysis maps (the top N, the clusters), the
Infrastructure needs map and the Capacity load map.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analytics.classify import NO_DATA_COLOUR
from render.maps import LegendItem
from render.mapview import MAP_SIZES
from ui.area_maps import restyle_script, show_parts, value_tooltip
from ui.context import Context
from ui.views import MapLayers, drawn_map

__all__ = ["category_map", "frame_digest", "value_category_map"]


def category_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    *,
    id_column: str,
    colour_column: str,
    tooltip: list[tuple[str, str]],
    legend_title: str,
    legend_items: list[LegendItem],
    key: str,
    size: str = "panel",
    facilities: gpd.GeoDataFrame | None = None,
    layers: MapLayers | None = None,
) -> None:
    """Draw ``shapes`` coloured by ``frame[colour_column]`` (joined on ``id_column``).

    ``tooltip`` names ``frame``'s display strings, the unit's name first; rows of ``shapes`` that
    ``frame`` lacks are drawn in the no-data colour with "—" in the tooltip. ``key`` names the
    view: the same ``key`` must mean the same ``shapes`` and names (the map drawn for it is
    kept). ``facilities``, when given, are drawn on top with their legend, and ``layers`` over
    them (kept with the map per ``layers.key``).
    """
    (name_column, _), *cells = tooltip
    columns = [id_column, colour_column, *(c for c, _ in tooltip)]
    joined = shapes[[id_column, "geometry"]].merge(
        frame[list(dict.fromkeys(columns))], on=id_column, how="left"
    )
    parts = drawn_map(
        ctx,
        gpd.GeoDataFrame(joined[[id_column, "geometry"]], crs=shapes.crs),
        joined[name_column].fillna(joined[id_column]).astype(str),
        view=("category", key),
        id_column=id_column,
        facilities=facilities,
        size=size,
        layers=layers,
    )
    colours = joined[colour_column].fillna(NO_DATA_COLOUR).astype(str)
    palette = list(dict.fromkeys(colours))
    classes = colours.map({c: i for i, c in enumerate(palette)}).to_numpy()
    values = joined[[c for c, _ in cells]].fillna("—").astype(str).to_numpy().tolist()
    restyle = restyle_script(
        parts.signature,
        palette=palette,
        classes=classes,
        values=values,
        labels=[label for _, label in tooltip],
        legend_title=legend_title,
        legend_items=legend_items,
        count_format=ctx.map_view.count_format,
    )
    show_parts(parts.parts, restyle, key=key, height=MAP_SIZES[size], returned_objects=())


def value_category_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    merged: gpd.GeoDataFrame,
    *,
    colours: Sequence[str] | np.ndarray,
    values: Sequence[str] | pd.Series,
    title: str,
    legend_items: list[LegendItem],
    key: str,
    size: str,
    layers: MapLayers | None = None,
) -> None:
    """:func:`category_map` of the areas in ``merged`` (``shapes`` joined to their figures:
    ``area_id``, ``name``, ``population``) filled with ``colours``, whose tooltip is the area's
    name (else its id), ``title`` with its value as shown (``values``) and its population, as
    :func:`ui.area_maps.value_map` draws them anew."""
    cells, tooltip = value_tooltip(
        ctx, merged["name"], merged["area_id"], values, merged["population"], title
    )
    coloured = pd.DataFrame(
        {
            "area_id": merged["area_id"].to_numpy(),
            "_colour": np.asarray(colours, dtype=object),
            **cells,
        }
    )
    category_map(
        ctx,
        shapes,
        coloured,
        id_column="area_id",
        colour_column="_colour",
        tooltip=tooltip,
        legend_title=title,
        legend_items=legend_items,
        key=key,
        size=size,
        layers=layers,
    )


def frame_digest(*parts: pd.DataFrame | gpd.GeoSeries | str | None) -> str:
    """A short digest of what further layers show (:class:`ui.views.MapLayers`): frames by
    their values, geometries by their WKB, strings as they are; None and empty parts count."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(b"\x1e")
        if part is None:
            continue
        if isinstance(part, str):
            digest.update(part.encode())
        elif isinstance(part, gpd.GeoSeries):
            digest.update(b"".join(shapely.to_wkb(part.to_numpy())))
        else:
            digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]
