"""Map of the Infrastructure needs page: areas coloured by access, facilities, proposed sites.

Colours are decided here (distance classes, referral gap, double-gap classes, 2SFCA classes); the
map is drawn once per view and restyled (:func:`ui.category_map.category_map`), which escapes every
data string that reaches HTML. Proposed sites are added as a second point layer, their tooltips
escaped the same way. The page's figures
and tables are :mod:`ui.access.tables`, its siting tool :mod:`ui.access.siting`.
"""

from __future__ import annotations

from collections.abc import Callable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics.access import DOUBLE_GAP_CLASSES
from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from render.maps import LegendItem, escape_text, text_direction
from ui.access.catchments import add_catchments
from ui.access.measure import THRESHOLD_DIGITS, method_name, threshold_for, titled, unit_text
from ui.access.siting import siting_key
from ui.access.travel import unit_of
from ui.area_maps import add_legend, areas_with
from ui.category_map import frame_digest, value_category_map
from ui.context import Context
from ui.facility_layer import add_facilities
from ui.views import MapLayers

#: Map views: a distance (``*_km``), the referral gap, the double gap, or capacity (2SFCA).
VIEWS = (
    "care_km",
    "hospital_km",
    "clinic_km",
    "insurance_office_km",
    "referral_gap",
    "double_gap",
    "capacity",
)

GAP_COLOUR = "#d7301f"
#: Travel time: areas no road reaches a facility from (past the last class).
UNREACHABLE_COLOUR = "#3f007d"
NO_GAP_COLOUR = "#c7e9c0"
DOUBLE_GAP_COLOURS = {
    "covered_near": "#1a9850",
    "insured_far": "#fdae61",
    "uninsured_near": "#74add1",
    "both": "#d73027",
    "no_data": NO_DATA_COLOUR,
}
SITE_COLOUR = "#111111"
SITE_RING = "#ffd92f"


def map_views(care_sets: list[str], *, with_insured: bool) -> list[str]:
    """The :data:`VIEWS` a workspace can show: the double gap only with insured counts, a
    distance only to a facility set the workspace has."""
    return [
        v
        for v in VIEWS
        if (v != "double_gap" or with_insured)
        and (not v.endswith("_km") or v.removesuffix("_km") in care_sets)
    ]


def _classes(
    values: pd.Series,
    breaks: list[float] | None,
    number: Callable[[float, int], str],
    digits: int,
    no_data_label: str,
    reverse: bool,
) -> tuple[np.ndarray, list[LegendItem], int]:
    """Colours and legend rows of ``values`` in classes (``breaks``, else quantiles), their
    bounds written by ``number`` with ``digits`` decimals or as many more as part them; and
    those decimals, for the values shown beside the legend."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    classes = classify(numbers, scheme="user" if breaks else "quantiles", k=5, breaks=breaks)
    palette = palette_for(max(classes.k, 1), reverse=reverse)
    colours = classes.class_of.map(dict(enumerate(palette))).fillna(NO_DATA_COLOUR).to_numpy()
    shown = classes.digits(at_least=digits)
    labels = classes.labels(lambda v: number(v, shown))
    items = [
        LegendItem(c, label, n)
        for c, label, n in zip(palette, labels, classes.counts, strict=False)
    ]
    if classes.n_no_data:
        items.append(LegendItem(NO_DATA_COLOUR, no_data_label, classes.n_no_data))
    return colours, items, shown


def colour_areas(
    ctx: Context,
    frame: pd.DataFrame,
    view: str,
    *,
    near_km: float,
    referral_km: float,
    office_km: float | None = None,
    measure: str = "line",
    decay: bool = False,
) -> tuple[np.ndarray, list[LegendItem], str, pd.Series]:
    """Fill colour per row, legend items, legend title and the tooltip value of ``view``; a
    distance view (``{set}_km``) shows the column ``{set}_{unit}``, where the unit is the
    ``measure``'s (travel minutes for a travel mode, the thresholds then in minutes, and the
    legend's title naming the mode). ``decay``: the capacity view is E2SFCA."""
    language = ctx.language
    unit = unit_of(measure)
    if view.endswith("_km"):
        _, threshold = threshold_for(
            view.removesuffix("_km"), near_km=near_km, referral_km=referral_km, office_km=office_km
        )
        breaks = sorted({threshold / 2, threshold, threshold * 2, threshold * 4})
        column = f"{view.removesuffix('_km')}_{unit}"
        values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        unreachable = np.isinf(values.to_numpy())
        none_label = ctx.t("access.map.none_in_workspace")
        colours, items, _ = _classes(
            values.where(~unreachable),
            breaks,
            language.number,
            1,
            none_label,
            reverse=False,
        )
        if unreachable.any():  # counted as no data by the classes: a legend row of their own
            n = int(unreachable.sum())
            items = [
                LegendItem(i.colour, i.label, i.count - n) if i.label == none_label else i
                for i in items
            ]
            items = [i for i in items if i.label != none_label or i.count]
            items.append(LegendItem(UNREACHABLE_COLOUR, ctx.t("access.minutes.unreachable"), n))
            colours = np.where(unreachable, UNREACHABLE_COLOUR, colours)
        shown = frame[column].map(
            lambda v: (
                ctx.t("access.map.none_in_workspace")
                if pd.isna(v)
                else ctx.t("access.minutes.unreachable")
                if np.isinf(v)  # travel time: no road reaches one from here
                else unit_text(ctx, "units.km", unit, km=language.number(v, 1))
            )
        )
        suffix = ctx.t("access.minutes.suffix") if unit == "min" else "km"
        title = unit_text(ctx, f"view.{view}", unit) + f" ({suffix})"
        return colours, items, titled(ctx, title, measure), shown
    if view == "referral_gap":
        gap = frame["referral_gap"].astype(bool).to_numpy()
        colours = np.where(gap, GAP_COLOUR, NO_GAP_COLOUR)
        items = [
            LegendItem(
                GAP_COLOUR,
                unit_text(ctx, "map.gap", unit, km=language.number(referral_km, 0)),
                int(gap.sum()),
            ),
            LegendItem(NO_GAP_COLOUR, ctx.t("access.map.no_gap"), int((~gap).sum())),
        ]
        shown = pd.Series(
            np.where(gap, ctx.t("access.map.yes"), ctx.t("access.map.no")), index=frame.index
        )
        return (
            colours,
            items,
            titled(ctx, unit_text(ctx, "view.referral_gap", unit), measure),
            shown,
        )
    if view == "double_gap":
        classes = frame["double_gap"].astype(str)
        colours = classes.map(DOUBLE_GAP_COLOURS).fillna(NO_DATA_COLOUR).to_numpy()
        counts = classes.value_counts()
        items = [
            LegendItem(
                DOUBLE_GAP_COLOURS[c], ctx.t(f"access.double_gap.{c}"), int(counts.get(c, 0))
            )
            for c in DOUBLE_GAP_CLASSES
            if counts.get(c, 0)
        ]
        shown = classes.map(lambda c: ctx.t(f"access.double_gap.{c}"))
        return colours, items, titled(ctx, unit_text(ctx, "view.double_gap", unit), measure), shown
    if view == "capacity":
        colours, items, digits = _classes(
            frame["access"],
            None,
            language.number,
            2,
            ctx.t("map.no_data"),
            reverse=True,
        )
        shown = frame["access"].map(lambda v: language.number(v, digits))
        name = unit_text(ctx, "view.capacity_decay" if decay else "view.capacity", unit)
        return colours, items, titled(ctx, name, measure), shown
    raise ValueError(f"unknown view {view!r}")


def access_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    view: str,
    *,
    near_km: float,
    referral_km: float,
    office_km: float | None = None,
    facilities: gpd.GeoDataFrame | None,
    proposed: gpd.GeoDataFrame | None,
    objective: str = "population",
    key: str,
    size: str = "page",
    measure: str = "line",
    decay: bool = False,
    catchments: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw the areas coloured by ``view`` with facilities and proposed sites (their gain in
    people, or uninsured people under the ``uninsured`` objective), and the travel-time
    ``catchments`` of one of them (``minutes``, geometry; see :mod:`ui.access.catchments`).

    The map (polygons, names, points, catchments) is drawn once and kept
    (:func:`ui.category_map.category_map`): a change of the thresholds, the 2SFCA settings or
    the coverage target sends only the colours, the tooltips' values and the legend."""
    merged = areas_with(shapes, frame)
    colours, items, title, shown = colour_areas(
        ctx,
        merged,
        view,
        near_km=near_km,
        referral_km=referral_km,
        office_km=office_km,
        measure=measure,
        decay=decay,
    )
    value_category_map(
        ctx,
        shapes,
        merged,
        colours=colours,
        values=shown,
        title=title,
        legend_items=items,
        key=key,
        size=size,
        layers=point_layers(facilities, proposed, objective, catchments),
    )


def _present(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    return frame if frame is not None and len(frame) else None


def point_layers(
    facilities: gpd.GeoDataFrame | None,
    proposed: gpd.GeoDataFrame | None,
    objective: str,
    catchments: gpd.GeoDataFrame | None,
) -> MapLayers | None:
    """The catchments (legend bottom left), the proposed sites and the facilities (one legend
    top right, the sites first) over the access map; None when there are none. Their key is a
    digest of what they show, so the map is drawn again only when they change."""
    facilities, proposed, catchments = (
        _present(facilities),
        _present(proposed),
        _present(catchments),
    )
    if facilities is None and proposed is None and catchments is None:
        return None
    key = frame_digest(
        None if facilities is None else facilities[["facility_id"]],
        None if proposed is None else proposed[["rank", "gain"]],
        None if proposed is None else proposed.geometry,
        None if catchments is None else catchments[["minutes"]],
        None if catchments is None else catchments.geometry,
        objective,
    )

    def draw(words: Context, fmap: folium.Map) -> None:
        if catchments is not None:
            bands = add_catchments(words, fmap, catchments)
            add_legend(
                words, fmap, words.t("access.catchment.legend"), bands, position="bottomleft"
            )
        items: list[LegendItem] = []
        if proposed is not None:
            add_proposed_sites(words, fmap, proposed, objective)
            items.append(LegendItem(SITE_COLOUR, words.t("access.map.proposed"), len(proposed)))
        if facilities is not None:
            # Types, then the status and bed-size keys: proposed sites first, above the keys.
            items += add_facilities(words, fmap, facilities)
        if items:
            add_legend(words, fmap, words.t("access.map.facilities"), items, position="topright")

    return MapLayers(key=key, draw=draw)


def add_proposed_sites(
    ctx: Context, fmap: folium.Map, proposed: gpd.GeoDataFrame, objective: str = "population"
) -> None:
    """Proposed sites as large black circles ringed in yellow, with rank and gain (people, or
    uninsured people under that objective) in their (escaped) tooltip."""
    layer = folium.FeatureGroup(name="proposed", control=False)
    site_key = siting_key("site", objective)
    direction = text_direction(ctx.t(site_key, rank=1, gain="1"))
    for geom, rank, gain in zip(
        proposed.geometry.to_numpy(), proposed["rank"], proposed["gain"], strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        text = escape_text(
            ctx.t(site_key, rank=ctx.language.int(rank), gain=ctx.language.int(gain))
        )
        folium.CircleMarker(
            location=[round(geom.y, 6), round(geom.x, 6)],
            radius=9,
            color=SITE_RING,
            weight=4,
            fill=True,
            fill_color=SITE_COLOUR,
            fill_opacity=0.95,
            tooltip=folium.Tooltip(text, style=f"direction: {direction};"),
        ).add_to(layer)
    layer.add_to(fmap)


def map_caption(
    ctx: Context,
    view: str,
    unit: str,
    *,
    near_km: float,
    referral_km: float,
    office_km: float,
    decay: bool = False,
) -> None:
    """What the map's ``view`` shows, with the thresholds in the measure's unit (``decay``: the
    capacity view is E2SFCA)."""
    digits = THRESHOLD_DIGITS[unit]
    st.caption(
        unit_text(
            ctx,
            f"explain.{view}",
            unit,
            near=ctx.language.number(near_km, digits),
            referral=ctx.language.number(referral_km, digits),
            office=ctx.language.number(office_km, digits),
            method=method_name(decay),
        )
    )
