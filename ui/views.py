"""Page pieces shared by several pages: the header, headline figures and the metric map (drawn
anew each run, or kept in the browser and only restyled: :func:`live_metric_map`)."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass, replace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from geodata.tables.calendar import key_period
from render.i18n import joined
from render.language import Language
from render.mapframe import MapFrame, region_bounds
from render.maps import MAP_BACKGROUND, LegendItem, _MapStyle, area_labels, choropleth_map
from render.mapview import MAP_SIZES
from render.offline import basemap_tiles, offline_map
from render.safe import md_escape
from ui.area_maps import (
    MapParts,
    PackedAreas,
    district_labels,
    label_texts,
    labelled,
    map_parts,
    restyle_script,
    show_parts,
)
from ui.context import Context
from ui.data import tables as scoped_tables
from ui.facility_layer import add_facility_layer
from ui.scope import Source
from ui.state import Param, bind, publish
from ui.state import value as bound_value


@dataclass(frozen=True)
class Metric:
    """A value a map can show."""

    name: str
    kind: str  # "rate" (0–1), "count" (people) or "density" (people per km²)
    needs_insured: bool


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("coverage", "rate", True),
        Metric("uninsured", "count", True),
        Metric("insured", "count", True),
        Metric("people_to_target", "count", True),
        Metric("gap_to_target", "rate", True),
        Metric("population", "count", False),
        Metric("density", "density", False),
    )
}


RATE_METRICS = frozenset(m for m, spec in METRICS.items() if spec.kind == "rate")

#: The most areas a map draws one by one. Leaflet draws 10,000 simplified polygons in about 3 s
#: (BENCHMARKS.md, "map draw in Chromium") and grows slower past that (100,000: a minute), so a
#: view with more areas than this is shown as its districts until one district is chosen.
MAX_AREAS_ON_MAP = 10_000


def month_picker(ctx: Context, month_keys: list[str], key: str) -> None:
    """The sidebar's month picker over ``YYYY-MM`` keys (the URL form), shown in the user's
    language and calendar."""
    labels = _month_labels(tuple(month_keys), ctx.lang, ctx.months)
    st.sidebar.selectbox(
        ctx.t("controls.month"),
        month_keys,
        key=key,
        format_func=labels.__getitem__,
    )


def level_picker(ctx: Context, levels: list[str], key: str) -> None:
    """The sidebar's choice of administrative level (``level.<name>`` in the user's language)."""
    st.sidebar.radio(
        ctx.t("controls.level"),
        levels,
        key=key,
        horizontal=True,
        format_func=lambda lv: ctx.t(f"level.{lv}"),
    )


@functools.lru_cache(maxsize=256)
def _month_labels(month_keys: tuple[str, ...], lang: str, months: str) -> dict[str, str]:
    """``YYYY-MM`` key → the month's name in ``lang`` (workspace calendar ``months``): named once,
    not on every rerun (each name reads the calendar's tables)."""
    language = Language(lang)
    return {m: language.month(key_period(m, months)) for m in month_keys}


def sidebar_month(ctx: Context, months: list[pd.Timestamp], key: str) -> pd.Timestamp | None:
    """The sidebar's month selectbox over ``months`` (newest first, in the user's language and
    calendar); None, with no widget, when there are no months.

    The month is the shared ``month`` parameter (:mod:`ui.state`): kept in the URL, kept when
    the user comes back to the page, and the month chosen on another page."""
    if not months:
        return None
    by_key = {m.strftime("%Y-%m"): m for m in months}
    month = Param("month", next(reversed(by_key)), lambda: list(by_key), key=key)
    bind([month])
    month_picker(ctx, list(by_key)[::-1], key)  # the months named once, not on every rerun
    publish([month])
    return by_key[str(bound_value(month))]


def metrics_for(with_insured: bool) -> list[str]:
    """The metrics a workspace can show (population only when it has no insured counts)."""
    return [m for m, spec in METRICS.items() if with_insured or not spec.needs_insured]


def page_header(ctx: Context, title_key: str, period: pd.Timestamp | None = None) -> None:
    """Title, workspace line and — for the demo — the synthetic-data label."""
    st.title(ctx.t(title_key))
    version = ctx.language.int(ctx.version)
    line = ctx.t("header.workspace", title=md_escape(ctx.title), version=version)
    if period is not None:
        month = ctx.month(period)
        line = joined([line, ctx.t("header.month", month=month)], ctx.lang)
    st.caption(line)
    if ctx.role == "partner":
        st.info(
            ctx.t("auth.partner_scope", partner=md_escape(ctx.user or ctx.partner_id or "")),
            icon=":material/lock:",
        )
        # The partner's own tables (filtered on the server, cached): none of its areas here?
        if scoped_tables(ctx.source, ctx.version)["areas"].empty:
            partner = md_escape(ctx.partner_id or ctx.user or "")
            st.warning(ctx.t("auth.partner_no_areas", partner=partner), icon=":material/info:")
            st.stop()  # nothing of the page applies to an organisation without areas
    if ctx.is_demo:
        st.info(ctx.t("header.demo", label=ctx.t("header.demo_label")), icon=":material/science:")


def headline(ctx: Context, figures: dict[str, float], previous: dict[str, float] | None) -> None:
    """Population, insured, coverage, uninsured and gap to 100 % as metric tiles."""
    cols = st.columns(5)
    specs = [
        ("population", "count"),
        ("insured", "count"),
        ("coverage", "rate"),
        ("uninsured", "count"),
        ("gap_to_full", "count"),
    ]
    for col, (name, kind) in zip(cols, specs, strict=True):
        value = figures.get(name)
        delta = None
        if (
            previous
            and name in ("insured", "coverage", "uninsured")
            and previous.get(name) is not None
        ):
            change = (value or 0) - (previous[name] or 0)
            delta = (
                ctx.t("units.points", n=ctx.language.signed(change * 100, 1))
                if kind == "rate"
                else ctx.language.signed(change)
            )
        col.metric(
            ctx.t(f"metric.{name}"),
            ctx.language.value(value, kind),
            delta=delta,
            delta_color="inverse" if name == "uninsured" else "normal",
            help=ctx.t(f"metric_help.{name}"),
        )


def format_metric(values: pd.Series, metric: str, lang: str) -> pd.Series:
    language = Language(lang)
    kind = METRICS[metric].kind
    if kind == "density":
        return values.map(language.int)
    return values.map(lambda v: language.value(v, kind))


def _classes(
    ctx: Context,
    numbers: pd.Series,
    metric: str,
    scheme: str,
    k: int,
    breaks: list[float] | None,
    lower: float | None = None,
) -> tuple[pd.Series, list[str], list[LegendItem]]:
    """Class of each value (-1: no data), the palette and the legend rows with their counts
    (the first class from ``lower`` when given)."""
    classes = classify(numbers, scheme=scheme, k=k, breaks=breaks)
    if lower is not None and classes.bins:
        classes = replace(classes, lower=float(lower))
    palette = palette_for(max(classes.k, 1))
    kind = METRICS[metric].kind

    def fmt(v: float) -> str:
        return ctx.language.pct(v) if kind == "rate" else ctx.language.int(v)

    items = [
        LegendItem(colour, label, count)
        for colour, label, count in zip(palette, classes.labels(fmt), classes.counts, strict=False)
    ]
    if classes.n_no_data:
        items.append(LegendItem(NO_DATA_COLOUR, ctx.t("map.no_data"), classes.n_no_data))
    return classes.class_of, palette, items


def flag_texts(ctx: Context, frame: pd.DataFrame) -> np.ndarray:
    """Per area, the tooltip's flag of an area left out of coverage for having more insured than
    residents (``data_status``), in ``ctx``'s language; None for every other area (no row)."""
    status = frame["data_status"] if "data_status" in frame else pd.Series(None, index=frame.index)
    flagged = status.eq("insured_above_population").to_numpy(bool)
    return np.where(flagged, ctx.t("map.insured_above_population"), None)


def metric_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    id_column: str,
    name_column: str,
    metric: str,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
    highlight: str | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    basemap: bool = False,
    key: str,
    size: str = "page",
    lower: float | None = None,
    fit: list[list[float]] | None = None,
) -> str | None:
    """Draw a classified map of ``metric`` and return the id of the area clicked (or None).

    ``lower``: where the legend's first class starts (a value shared with another map; the
    lowest value drawn by default); ``fit``: the bounds the map opens on (the region by default).
    """
    frame = shapes[[id_column, "geometry"]].merge(
        values.drop(columns=["geometry"], errors="ignore"), on=id_column, how="left"
    )
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=shapes.crs)
    numbers = pd.to_numeric(frame[metric], errors="coerce").astype("float64")
    class_of, palette, items = _classes(ctx, numbers, metric, scheme, k, breaks, lower)
    colour_of = dict(enumerate(palette))
    frame["_colour"] = class_of.map(colour_of).fillna(NO_DATA_COLOUR).to_numpy()
    frame["_name"] = ctx.language.names(frame, name_column).fillna(frame[id_column]).astype(str)
    frame["_value"] = format_metric(frame[metric], metric, ctx.lang).to_numpy()
    frame["_population"] = frame["population"].map(ctx.language.int).to_numpy()
    tooltip = [("_name", ctx.t("map.name")), ("_value", ctx.t(f"metric.{metric}"))]
    if metric != "population":
        tooltip.append(("_population", ctx.t("metric.population")))
    flags = flag_texts(ctx, frame)
    if pd.notna(flags).any():  # a row only where some area is flagged (the others' cell empty)
        frame["_flag"] = np.where(pd.notna(flags), flags, "")
        tooltip.append(("_flag", ctx.t("table.status")))
    frame, label_column = labelled(ctx, frame)
    fmap = choropleth_map(
        frame,
        id_column=id_column,
        colour_column="_colour",
        tooltip=tooltip,
        legend_title=ctx.t(f"metric.{metric}"),
        legend_items=items,
        highlight_id=highlight,
        label_column=label_column,
        outer_labels=district_labels(ctx, frame) if id_column == "area_id" else None,
        view=ctx.map_view.sized(size).but(
            basemap_tiles=basemap_tiles() if basemap else None, fit=fit
        ),
    )
    if facilities is not None:
        add_facility_layer(ctx, fmap, facilities)
    out = st_folium(
        fmap,
        key=key,
        height=MAP_SIZES[size],
        use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
    drawing = (out or {}).get("last_active_drawing") or {}
    clicked = (drawing.get("properties") or {}).get(id_column)
    return html.unescape(str(clicked)) if clicked is not None else None


def live_metric_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    view: tuple[str, ...],
    id_column: str,
    name_column: str,
    metric: str,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
    highlight: str | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    basemap: bool = False,
    key: str,
    size: str = "page",
) -> str | None:
    """:func:`metric_map` whose map stays in the browser while only its colours change.

    The map of the view (polygons, names, facilities, basemap) is built and rendered once per
    workspace version, ``view``, language and facility selection, and cached; a change of
    metric, classes, month or chosen area only sends a short restyle script (colours, tooltip
    values, legend, outline): the browser keeps its map, and its zoom, and the polygons are
    not sent again.

    Parameters
    ----------
    view : tuple of str
        What, besides the workspace version, decides ``shapes`` and the names in ``values``
        (e.g. level, province, district): the cache key of the drawn map.
    Other parameters
        As for :func:`metric_map`.

    Returns
    -------
    str or None
        The id of the area clicked, or None.
    """
    frame = shapes[[id_column, "geometry"]].merge(
        values.drop(columns=["geometry"], errors="ignore"), on=id_column, how="left"
    )
    parts = drawn_map(
        ctx,
        gpd.GeoDataFrame(frame[[id_column, "geometry"]], crs=shapes.crs),
        ctx.language.names(frame, name_column).fillna(frame[id_column]).astype(str),
        districts=gpd.GeoDataFrame(frame, crs=shapes.crs) if id_column == "area_id" else None,
        view=view,
        id_column=id_column,
        facilities=facilities,
        basemap=basemap,
        size=size,
    )
    numbers = pd.to_numeric(frame[metric], errors="coerce").astype("float64")
    class_of, palette, items = _classes(ctx, numbers, metric, scheme, k, breaks)
    shown = format_metric(frame[metric], metric, ctx.lang).to_numpy()
    population = frame["population"].map(ctx.language.int).to_numpy()
    chosen = (
        np.flatnonzero(frame[id_column].astype(str).to_numpy() == str(highlight))
        if highlight is not None
        else []
    )
    restyle = restyle_script(
        parts.signature,
        palette=palette,
        classes=class_of.to_numpy(),
        values=list(zip(shown, population, flag_texts(ctx, frame), strict=True)),
        labels=[
            ctx.t("map.name"),
            ctx.t(f"metric.{metric}"),
            ctx.t("metric.population") if metric != "population" else None,
            ctx.t("table.status"),
        ],
        legend_title=ctx.t(f"metric.{metric}"),
        legend_items=items,
        count_format=ctx.map_view.count_format,
        highlight=int(chosen[0]) if len(chosen) else None,
    )
    out = show_parts(parts.parts, restyle, key=key, height=MAP_SIZES[size])
    drawing = (out or {}).get("last_active_drawing") or {}
    clicked = (drawing.get("properties") or {}).get(id_column)
    return html.unescape(str(clicked)) if clicked is not None else None


@dataclass(frozen=True)
class MapLayers:
    """Further layers of a drawn map (:func:`drawn_map`): ``draw`` adds them to the map with a
    context of the reader's language and calendar; ``key`` names everything they show (a digest
    of their data), so the same ``key`` must draw the same layers."""

    key: str
    draw: Callable[[Context, folium.Map], None]


@dataclass(frozen=True)
class _DrawnMap:
    parts: MapParts
    signature: str


def drawn_map(
    ctx: Context,
    areas: gpd.GeoDataFrame,
    names: pd.Series,
    *,
    view: tuple[str, ...],
    id_column: str,
    facilities: gpd.GeoDataFrame | None = None,
    basemap: bool = False,
    size: str,
    districts: gpd.GeoDataFrame | None = None,
    layers: MapLayers | None = None,
) -> _DrawnMap:
    """The map of ``areas`` (``id_column`` and geometry, with their ``names`` for the tooltip),
    the facilities and the basemap, built and rendered once per source, version, ``view`` (what
    decides ``areas`` and ``names``), language and facility selection. Colour it with
    :func:`ui.area_maps.restyle_script` on its ``signature`` and show its ``parts`` with
    :func:`ui.area_maps.show_parts`: a rerun sends the restyle script only. ``districts`` (the
    areas with ``district_id`` and their names, decided by ``view`` too) label the districts
    over the areas (:func:`ui.area_maps.district_labels`). ``layers`` are drawn over the areas
    and the facilities (kept with the map: their ``key`` is part of the cache key)."""
    facility_ids = (
        tuple(facilities["facility_id"].astype(str))
        if facilities is not None and len(facilities)
        else ()
    )
    return _drawn_map(
        ctx.source,
        ctx.version,
        view,
        id_column,
        ctx.lang,
        ctx.calendar,
        facility_ids,
        basemap,
        size,
        layers.key if layers is not None else "",
        _areas=areas,
        _names=names,
        _facilities=facilities if facility_ids else None,
        _districts=districts,
        _layers=layers,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _drawn_map(
    source: Source,
    version: int,
    view: tuple[str, ...],
    id_column: str,
    lang: str,
    calendar: str,
    facility_ids: tuple[str, ...],
    basemap: bool,
    size: str,
    layers_key: str,
    *,
    _areas: gpd.GeoDataFrame,
    _names: pd.Series,
    _facilities: gpd.GeoDataFrame | None,
    _districts: gpd.GeoDataFrame | None = None,
    _layers: MapLayers | None = None,
) -> _DrawnMap:
    """The map of one view, rendered as ``st_folium`` sends it. Keyed on the session's source
    (the partner scope), the version and everything that decides the frames passed in."""
    # The facility layer and the labels need words only: a context of the language and calendar
    # (both in the key), never the session's own (its user and role are not in the key), and with
    # no workspace (``workspace`` is the unscoped path: this context reads nothing).
    words = Context(
        workspace="", version=version, is_demo=False, lang=lang, title="", calendar=calendar
    )
    view = words.map_view.sized(size).but(basemap_tiles=basemap_tiles() if basemap else None)
    minx, miny, maxx, maxy = _areas.total_bounds if len(_areas) else (0.0, 0.0, 0.0, 0.0)
    fmap = offline_map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, height=view.height
    )
    _MapStyle(MAP_BACKGROUND).add_to(fmap)
    tiles = view.basemap_tiles
    if tiles:
        folium.TileLayer(
            tiles=tiles[0], attr=tiles[1], name="basemap", max_zoom=19, control=False
        ).add_to(fmap)
    layer = PackedAreas(_areas, id_column=id_column, names=_names)
    layer.add_to(fmap)
    if _facilities is not None:
        add_facility_layer(words, fmap, _facilities)
    if _layers is not None:
        _layers.draw(words, fmap)
    outer = district_labels(words, _districts) if _districts is not None else []
    labels = outer + area_labels(_areas, label_texts(words, _names))
    MapFrame(region_bounds(_areas), labels, view.scale).add_to(fmap)
    return _DrawnMap(parts=map_parts(fmap), signature=layer.signature)
