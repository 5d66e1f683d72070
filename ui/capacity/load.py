"""The Capacity and load page's load section: headline figures, the map of capacity within reach
with the service's facilities sized by the people they serve and coloured by load, and the
facilities ranked by load ratio (with their latest utilisation and growth)."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics import capacity as cap
from analytics import whatif
from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from render.maps import LegendItem
from ui import data
from ui.access.measure import method_name
from ui.area_maps import add_legend, areas_with
from ui.capacity import data as capacity_data
from ui.capacity.selection import Selection
from ui.capacity.views import (
    access_digits,
    add_load_symbols,
    measure_label,
    show_table,
    supply_label,
)
from ui.category_map import frame_digest, value_category_map
from ui.context import Context
from ui.facility_layer import add_facilities, facility_filters
from ui.views import MapLayers

NONE_IN_REACH_COLOUR = "#fde0dd"


def load_section(
    ctx: Context,
    sel: Selection,
    facilities: gpd.GeoDataFrame,
    measure: str | None,
    settings: whatif.NetworkSettings | None = None,
    mode: str = "motorised",
) -> None:
    """The service's load under the sidebar's settings: figures, map (with the ``facilities``
    the shared filters show besides: :func:`load_map_view`), and the ranked table with its
    downloads; with ``measure``, each facility's latest figure and growth in the table.
    ``settings`` replace ``sel.settings`` (the load in travel minutes); with a catchment in
    minutes (``catchment_unit``), the trips are by ``mode`` over the roads."""
    ws, ver = sel.source, sel.version
    service, supply, overload_at = sel.service, sel.supply, sel.overload_at
    settings = sel.settings if settings is None else settings
    s_label = supply_label(ctx, supply)
    minutes = settings.catchment_unit == "min"
    base = (
        capacity_data.baseline(ws, ver, settings, mode)
        if minutes
        else capacity_data.baseline(ws, ver, settings)
    )
    load = base.load
    summary = capacity_data.load_summary(load)
    totals = capacity_data.latest_totals(ws, ver, measure)
    growth = capacity_data.growth(ws, ver, measure) if measure else None

    st.subheader(ctx.t("capacity.load.title", service=ctx.t(f"capacity.service.{service}")))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ctx.t("capacity.load.facilities"), ctx.language.int(summary["n"]))
    m2.metric(
        ctx.t("capacity.load.reference", supply=s_label),
        ctx.language.int(summary["reference"]),
        help=ctx.t(
            "capacity.load.reference_help",
            within=ctx.language.int(summary["within"]),
            supply=ctx.language.int(summary["supply"]),
            unit=s_label,
        ),
    )
    m3.metric(
        ctx.t("capacity.load.overloaded", at=ctx.language.number(overload_at, 2)),
        ctx.language.int(summary["overloaded"]),
    )
    m4.metric(
        ctx.t("capacity.load.within"),
        ctx.language.pct(summary["within"] / summary["total"] if summary["total"] else None),
        help=ctx.t(
            "capacity.load.within_help",
            n=ctx.language.int(summary["within"]),
            total=ctx.language.int(summary["total"]),
        ),
    )
    per_area = base.areas.assign(name=base.areas["area_id"].map(sel.area_names).to_numpy())
    load_map_view(ctx, sel, facilities, per_area, load)
    reach = ctx.language.number(settings.catchment_km, 0 if minutes else 1)
    at = ctx.language.number(overload_at, 2)
    if minutes:
        explain = ctx.t(
            "capacity.minutes.explain",
            min=reach,
            mode=ctx.t(f"access.measure.{mode}"),
            supply=s_label,
            at=at,
            method=method_name(settings.decay),
        )
    else:
        explain = ctx.t(
            "capacity.load.explain",
            km=reach,
            supply=s_label,
            at=at,
            method=method_name(settings.decay),
        )
    st.caption(explain)
    if load.attrs.get("n_missing_supply"):
        st.caption(
            ctx.t(
                "capacity.load.missing_supply", n=ctx.language.int(load.attrs["n_missing_supply"])
            )
        )
    ranked = load_table(
        ctx,
        load,
        supply=supply,
        totals=totals,
        measure=measure,
        growth=growth,
        catchment_min=settings.catchment_km if minutes else None,
    )
    show_table(ctx, ranked, f"capacity_load_{service}", key="cap_load_dl")


@st.fragment
def load_map_view(
    ctx: Context,
    sel: Selection,
    facilities: gpd.GeoDataFrame,
    per_area: pd.DataFrame,
    load: pd.DataFrame,
) -> None:
    """The load map with the facilities the shared filters (in the sidebar) show besides the
    load circles: a change of those filters reruns only this, not the figures or the table."""
    shown = facility_filters(ctx, facilities, "cap", show_default=False)
    loaded = load["facility_id"].astype(str)
    others = shown[~shown["facility_id"].astype(str).isin(loaded)] if shown is not None else None
    load_map(
        ctx,
        data.display_shapes(sel.source, sel.version, "area"),
        per_area,
        load,
        sel.facilities,
        others,
        supply=sel.supply,
        overload_at=sel.overload_at,
        key=f"cap_load_map_{sel.service}_{sel.supply}",
    )


def load_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    per_area: pd.DataFrame,
    load: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    others: gpd.GeoDataFrame | None,
    *,
    supply: str,
    overload_at: float,
    key: str,
    size: str = "page",
) -> None:
    """Areas coloured by capacity within reach (2SFCA), the service's facilities as circles sized
    by the people they serve and coloured by load, and the other facilities (shared layer)."""
    merged = areas_with(shapes, per_area[["area_id", "name", "population", "access"]])
    numbers = pd.to_numeric(merged["access"], errors="coerce").astype("float64")
    # Areas with nothing in reach get a class of their own; the rest are split into quantiles.
    none_in_reach = (numbers <= 0).to_numpy()
    classes = classify(numbers.where(~none_in_reach), scheme="quantiles", k=4)
    palette = palette_for(max(classes.k, 1), reverse=True)
    colours = classes.class_of.map(dict(enumerate(palette))).fillna(NO_DATA_COLOUR)
    merged["_colour"] = np.where(none_in_reach, NONE_IN_REACH_COLOUR, colours.to_numpy())
    digits = classes.digits(at_least=access_digits(supply))  # never "0.00 – 0.00"
    items = [
        LegendItem(c, label, n)
        for c, label, n in zip(
            palette,
            classes.labels(lambda v: ctx.language.number(v, digits)),
            classes.counts,
            strict=False,
        )
    ]
    if none_in_reach.any():
        items.append(
            LegendItem(
                NONE_IN_REACH_COLOUR, ctx.t("capacity.map.none_in_reach"), int(none_in_reach.sum())
            )
        )
    missing = classes.n_no_data - int(none_in_reach.sum())
    if missing > 0:
        items.append(LegendItem(NO_DATA_COLOUR, ctx.t("map.no_data"), missing))
    title = ctx.t("capacity.map.access", supply=supply_label(ctx, supply))
    value_category_map(
        ctx,
        shapes,
        merged,
        colours=merged["_colour"].to_numpy(),
        values=merged["access"].map(lambda v: ctx.language.number(v, digits)),
        title=title,
        legend_items=items,
        key=key,
        size=size,
        layers=load_layers(load, facilities, others, supply=supply, overload_at=overload_at),
    )


#: The load columns the circles and their tooltips show.
LOAD_SHOWN = [
    "facility_id",
    "name",
    "allocated_population",
    "supply",
    "people_per_supply",
    "load_ratio",
    "overloaded",
]


def load_layers(
    load: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    others: gpd.GeoDataFrame | None,
    *,
    supply: str,
    overload_at: float,
) -> MapLayers:
    """The other facilities (shared layer, legend bottom left) and the service's facilities as
    circles sized by the people they serve and coloured by load (legend top right), over the
    load map: drawn with the map, which is kept while the load and the facilities shown are the
    same (a change of the near distance; the areas' colours alone are restyled)."""
    others = others if others is not None and len(others) else None
    key = frame_digest(
        load[[c for c in LOAD_SHOWN if c in load.columns]],
        None if others is None else others[["facility_id"]],
        f"{supply}|{overload_at!r}",
    )

    def draw(words: Context, fmap: folium.Map) -> None:
        if others is not None:
            other_items = add_facilities(words, fmap, others)
            add_legend(
                words, fmap, words.t("access.map.facilities"), other_items, position="bottomleft"
            )
        load_items = add_load_symbols(
            words, fmap, load, facilities, supply=supply, overload_at=overload_at
        )
        add_legend(words, fmap, words.t("capacity.map.load"), load_items, position="topright")

    return MapLayers(key=key, draw=draw)


def load_table(
    ctx: Context,
    load: pd.DataFrame,
    *,
    supply: str,
    totals: pd.Series,
    measure: str | None,
    growth: pd.DataFrame | None,
    catchment_min: float | None = None,
) -> pd.DataFrame:
    """The service's facilities ranked by load ratio (heaviest first), as shown (and downloaded);
    with ``catchment_min``, the catchment's header says its minutes of travel."""
    ranked = load.sort_values(["load_ratio", "allocated_population"], ascending=False)
    ranked = ranked.reset_index(drop=True)
    columns: dict[str, object] = {
        ctx.t("access.table.rank"): np.arange(1, len(ranked) + 1),
        ctx.t("table.name"): ranked["name"].astype(str).to_numpy()
        if "name" in ranked
        else ranked["facility_id"].to_numpy(),
        ctx.t("map.type"): ranked["type"].map(lambda t: ctx.label("facility_type", t)).to_numpy(),
    }
    if supply != "facility":
        columns[supply_label(ctx, supply)] = ranked["supply"].round().astype("Int64").to_numpy()
    catchment = (
        ctx.t("capacity.table.catchment")
        if catchment_min is None
        else ctx.t("capacity.minutes.catchment", min=ctx.language.number(catchment_min, 0))
    )
    columns[catchment] = ranked["catchment_population"].round().to_numpy()
    columns[ctx.t("capacity.table.allocated")] = ranked["allocated_population"].round().to_numpy()
    if supply != "facility":
        columns[ctx.t("capacity.table.per_supply", supply=supply_label(ctx, supply))] = (
            ranked["people_per_supply"].round().to_numpy()
        )
    columns[ctx.t("capacity.table.load_ratio")] = ranked["load_ratio"].round(2).to_numpy()
    columns[ctx.t("capacity.table.overloaded")] = np.where(
        ranked["overloaded"], ctx.t("access.map.yes"), ""
    )
    if measure is not None and len(totals):
        label = measure_label(ctx, measure)
        columns[ctx.t("capacity.table.latest", measure=label)] = (
            ranked["facility_id"].map(totals).round().to_numpy()
        )
        if supply != "facility":
            per = cap.utilisation_per_supply(
                totals,
                ranked.assign(**{supply: ranked["supply"]})[["facility_id", supply]],
                supply,
            )
            columns[
                ctx.t(
                    "capacity.table.activity_per", measure=label, supply=supply_label(ctx, supply)
                )
            ] = ranked["facility_id"].map(per).round(1).to_numpy()
        if growth is not None and len(growth):
            rates = growth.set_index("facility_id")["growth"]
            columns[ctx.t("capacity.table.growth")] = (
                (ranked["facility_id"].map(rates) * 100).round(1).to_numpy()
            )
    return pd.DataFrame(columns)
