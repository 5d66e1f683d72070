"""Map pieces shared by the page views: areas joined to their figures, the area map and its
legends with counts in the reader's numerals, and the map shown on the page.

The drawing and the escaping of every string are :func:`ui.maps.choropleth_map`'s and
:class:`ui.maps.Legend`'s; these helpers only fix what every view passes them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from streamlit_folium import st_folium

from ui.context import Context
from ui.format import fmt_int
from ui.maps import Legend, LegendItem, choropleth_map

__all__ = ["add_legend", "area_map", "areas_with", "show_map", "value_map"]


def areas_with(shapes: gpd.GeoDataFrame, frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """``shapes``' ``area_id`` and geometry with ``frame``'s columns joined on ``area_id`` (every
    shape kept; a geometry in ``frame`` is ignored). Neither input is modified."""
    merged = shapes[["area_id", "geometry"]].merge(
        pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore"), on="area_id", how="left"
    )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=shapes.crs)


def area_map(
    ctx: Context,
    frame: gpd.GeoDataFrame,
    *,
    tooltip: list[tuple[str, str]],
    legend_title: str,
    legend_items: list[LegendItem],
    height: int,
) -> folium.Map:
    """Areas (``area_id``) filled with ``frame["_colour"]``, their ``tooltip`` and the legend,
    counts written in the reader's numerals."""
    return choropleth_map(
        frame,
        id_column="area_id",
        colour_column="_colour",
        tooltip=tooltip,
        legend_title=legend_title,
        legend_items=legend_items,
        height=height,
        count_format=lambda n: fmt_int(n, ctx.lang),
    )


def value_map(
    ctx: Context,
    frame: gpd.GeoDataFrame,
    *,
    names: pd.Series,
    values: Sequence[str] | pd.Series,
    title: str,
    legend_items: list[LegendItem],
    height: int,
) -> folium.Map:
    """:func:`area_map` whose tooltip is the area's name (``names``, else its id), ``title``
    with the area's value as shown (``values``, in ``frame``'s order) and its population."""
    shown = frame.assign(
        _name=names.fillna(frame["area_id"]).astype(str).to_numpy(),
        _value=np.asarray(values, dtype=object),
        _population=frame["population"].map(lambda v: fmt_int(v, ctx.lang)).to_numpy(),
    )
    return area_map(
        ctx,
        shown,
        tooltip=[
            ("_name", ctx.t("map.name")),
            ("_value", title),
            ("_population", ctx.t("metric.population")),
        ],
        legend_title=title,
        legend_items=legend_items,
        height=height,
    )


def add_legend(
    ctx: Context,
    fmap: folium.Map,
    title: str,
    items: list[LegendItem],
    *,
    position: str,
    direction: str = "auto",
) -> None:
    """A further legend on ``fmap`` (markers, facilities), counts in the reader's numerals."""
    Legend(
        title,
        items,
        position=position,
        count_format=lambda n: fmt_int(n, ctx.lang),
        direction=direction,
    ).add_to(fmap)


def show_map(fmap: folium.Map, *, key: str, height: int) -> None:
    """Show ``fmap`` across the page's width; nothing is sent back on a click."""
    st_folium(fmap, key=key, height=height, use_container_width=True, returned_objects=[])
