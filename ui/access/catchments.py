"""Travel-time catchments on the Infrastructure needs page (#19): the neighbourhoods within 15 /
30 / 60 minutes of a facility or a proposed site over the roads, with the people and the
uninsured inside, drawn on the map and listed below it.

Offered when the page measures by travel time. The choice (``catch`` in the URL:
``facility:<id>`` or ``site:<rank>``) sits in the sidebar; the engine is
:func:`traveltime.workspace.area_catchments` over the session's own areas (a partner counts and
sees only its neighbourhoods), each measured from the point every access figure uses.
"""

from __future__ import annotations

from dataclasses import replace

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.traveltime.catchments import DEFAULT_MINUTES
from render.mapfocus import PlaceFocus, place_focus
from render.maps import LegendItem, escape_text, text_direction
from render.safe import md_escape
from traveltime import workspace as travel
from ui import data
from ui.access import data as access_data
from ui.access.travel import unit_of
from ui.area_search import focus_page, page_focus
from ui.context import Context
from ui.scope import Source, source_path
from ui.state import Param, value
from ui.tables import show_table

#: Fill of each catchment on the map, the quickest darkest.
BAND_COLOURS = {15: "#08519c", 30: "#4292c6", 60: "#c6dbef"}
#: Proposed sites a catchment can be asked of (the siting tool proposes at most 10).
MAX_SITES = 10


def catchment_param(facilities: gpd.GeoDataFrame) -> Param:
    """The URL setting ``catch``: none, a facility (``facility:<id>``) or a proposed site
    (``site:<rank>``)."""
    ids = facilities["facility_id"].astype(str).tolist()
    options = ["", *(f"facility:{i}" for i in ids), *(f"site:{n}" for n in range(1, 11))]
    return Param("catch", "", lambda: options)


@st.cache_data(show_spinner=False, max_entries=16)
def catchments_at(
    source: Source, version: int, lon: float, lat: float, mode: str
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The catchments of a point (degrees) among the session's areas: the table (``minutes``,
    ``cells`` = neighbourhoods, ``people``, ``uninsured``) and the polygons (``minutes``,
    geometry in WGS 84)."""
    areas = data.tables(source, version)["areas"]
    uninsured = None
    if data.has_insured(source, version):
        counts = data.area_coverage(source, version, None, None).set_index("area_id")
        uninsured = areas["area_id"].map(counts["uninsured"]).to_numpy("float64")
    site = gpd.GeoDataFrame(geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    result = travel.area_catchments(
        source_path(source),  # the roads are the workspace's; the areas are the scope's
        version,
        areas,
        site,
        DEFAULT_MINUTES,
        points=access_data.area_points(source, version),
        uninsured=uninsured,
        mode=mode,
    )
    return result.table.drop(columns="start"), result.polygons.drop(columns="start")


def catchment_choice(
    ctx: Context,
    param: Param,
    measure: str,
    facilities: gpd.GeoDataFrame,
    proposed: gpd.GeoDataFrame | None,
) -> tuple[str, float, float] | None:
    """The sidebar's choice of a facility or proposed site whose catchments to show, when the
    page measures by travel time: ``(label, lon, lat)`` of the one chosen, or None."""
    if unit_of(measure) == "km":
        return None
    places: dict[str, tuple[str, float, float]] = {}
    points = facilities.geometry.to_crs("EPSG:4326")
    for fid, name, point in zip(
        facilities["facility_id"].astype(str), facilities["name"].astype(str), points, strict=True
    ):
        if point is not None and not point.is_empty:
            places[f"facility:{fid}"] = (name, point.x, point.y)
    if proposed is not None and len(proposed):
        sites = proposed.geometry.to_crs("EPSG:4326")
        for rank, point in zip(proposed["rank"].head(MAX_SITES), sites, strict=False):
            label = ctx.t("access.catchment.site", rank=ctx.language.int(rank))
            places[f"site:{int(rank)}"] = (label, point.x, point.y)
    if st.session_state.get(param.widget_key, "") not in ["", *places]:
        st.session_state[param.widget_key] = ""
    st.sidebar.selectbox(
        ctx.t("access.catchment.label"),
        ["", *places],
        key=param.widget_key,
        format_func=lambda v: places[v][0] if v else ctx.t("access.catchment.none"),
        help=ctx.t("access.catchment.help"),
    )
    chosen = str(value(param))
    return places.get(chosen)


def chosen_catchments(
    ctx: Context,
    param: Param,
    measure: str,
    facilities: gpd.GeoDataFrame,
    plan: tuple | None,
) -> tuple[str, pd.DataFrame, gpd.GeoDataFrame] | None:
    """The catchments asked for in the sidebar (see :func:`catchment_choice`; ``plan`` is the
    siting run's result, its proposed sites second): ``(label, table, polygons)`` or None."""
    place = catchment_choice(ctx, param, measure, facilities, plan[1] if plan else None)
    if place is None:
        return None
    label, lon, lat = place
    table, polygons = catchments_at(ctx.source, ctx.version, lon, lat, measure)
    if page_focus() is None:  # a place found by name holds the map (find_on_map runs first)
        focus_page(catchments_focus(ctx.source, ctx.version, lon, lat, measure))
    return label, table, polygons


@st.cache_data(show_spinner=False, max_entries=16)
def catchments_focus(
    source: Source, version: int, lon: float, lat: float, mode: str
) -> PlaceFocus | None:
    """The map's focus on the catchments of a point (:func:`catchments_at`): their widest band's
    bounds, unoutlined; named by the point and the mode, so the map is fitted once per choice
    and later reruns leave the reader's own zoom alone."""
    _, polygons = catchments_at(source, version, lon, lat, mode)
    focus = place_focus(f"catchment:{lon!r},{lat!r}:{mode}", polygons.geometry.to_numpy())
    return replace(focus, outline=None) if focus else None


def add_catchments(ctx: Context, fmap: folium.Map, polygons: gpd.GeoDataFrame) -> list[LegendItem]:
    """The catchments on the map, the longest time underneath; their legend rows."""
    layer = folium.FeatureGroup(name="catchments", control=False)
    items = []
    direction = text_direction(ctx.t("access.catchment.within", min="1"))
    for minutes, geom in sorted(
        zip(polygons["minutes"], polygons.geometry, strict=True), key=lambda p: -p[0]
    ):
        colour = BAND_COLOURS.get(int(minutes), "#6baed6")
        text = ctx.t("access.catchment.within", min=ctx.language.number(minutes, 0))
        folium.GeoJson(
            geom.__geo_interface__,
            style_function=lambda _f, c=colour: {
                "fillColor": c,
                "color": "#08306b",
                "weight": 1.5,
                "fillOpacity": 0.35,
            },
            tooltip=folium.Tooltip(escape_text(text), style=f"direction: {direction};"),
        ).add_to(layer)
        items.append(LegendItem(colour, text, None))
    layer.add_to(fmap)
    return items[::-1]


def catchment_section(
    ctx: Context, chosen: tuple[str, pd.DataFrame, gpd.GeoDataFrame] | None
) -> None:
    """The people and the uninsured within each time of the place chosen (as
    :func:`chosen_catchments` gives it; nothing without one), downloadable."""
    if chosen is None:
        return
    label, table, _ = chosen
    st.subheader(ctx.t("access.catchment.title", place=md_escape(label)))  # a name from data
    minutes = ctx.t("access.catchment.minutes")
    areas, people = ctx.t("access.table.areas"), ctx.t("metric.population")
    shown = pd.DataFrame(
        {
            minutes: table["minutes"].astype("int64").to_numpy(),
            areas: table["cells"].astype("int64").to_numpy(),
            people: table["people"].round().to_numpy(),
        }
    )
    if table["uninsured"].notna().any() or data.has_insured(ctx.source, ctx.version):
        shown[ctx.t("metric.uninsured")] = table["uninsured"].round().to_numpy()
    show_table(
        ctx,
        shown,
        "travel_time_catchments",
        kinds={minutes: "int", areas: "count"},
        download_key="infra_catchments",
    )
    st.caption(ctx.t("access.catchment.note"))
