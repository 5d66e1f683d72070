"""Map pieces shared by the page views: areas joined to their figures, the area map and its
legends with counts in the reader's numerals, and the map shown on the page.

The drawing and the escaping of every string are :func:`render.maps.choropleth_map`'s and
:class:`render.maps.Legend`'s; these helpers only fix what every view passes them the same way.

The live area map (:class:`PackedAreas`, :func:`restyle_script`, :func:`map_parts`,
:func:`show_parts`; used by :func:`ui.views.live_metric_map`) is drawn once per view and then
only restyled: its geometry travels packed (about a third of plain GeoJSON), and a filter change
sends colours, tooltip values and the legend, never the polygons again. Every data string in it
is escaped with :func:`render.maps.escape_text` as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit_folium as _stf
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from pyproj import CRS
from streamlit_folium import st_folium

from analytics.classify import NO_DATA_COLOUR
from render.mapfocus import MapFocus, focus_script
from render.maps import (
    BORDER_COLOUR,
    HIGHLIGHT_COLOUR,
    Legend,
    LegendItem,
    _check_colour,
    area_labels,
    choropleth_map,
    escape_text,
    legend_html,
    text_direction,
)
from ui.area_search import page_focus
from ui.context import Context

__all__ = [
    "PACKED_DECIMALS",
    "MapParts",
    "PackedAreas",
    "RestyleScript",
    "add_legend",
    "area_map",
    "area_signature",
    "areas_with",
    "map_parts",
    "packed_geometries",
    "restyle_script",
    "show_map",
    "show_parts",
    "value_map",
    "value_tooltip",
]


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
    size: str,
) -> folium.Map:
    """Areas (``area_id``) filled with ``frame["_colour"]``, their ``tooltip`` and the legend,
    counts written in the reader's numerals; labelled with ``frame["_name"]`` where it has one."""
    frame, label_column = labelled(ctx, frame)
    return choropleth_map(
        frame,
        id_column="area_id",
        colour_column="_colour",
        tooltip=tooltip,
        legend_title=legend_title,
        legend_items=legend_items,
        label_column=label_column,
        view=ctx.map_view.sized(size),
    )


def label_texts(ctx: Context, names: pd.Series | Sequence[object]) -> list[object]:
    """Area names as map labels: the reader's digits (Persian: ۰–۹); a missing name stays None."""
    return [None if _missing(n) else ctx.map_view.numerals(str(n)) for n in names]


def labelled(ctx: Context, frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str | None]:
    """``frame`` with a ``_label`` column from its ``_name`` (:func:`label_texts`) and that
    column's name; ``frame`` and None when it has no ``_name``."""
    if "_name" not in frame.columns:
        return frame, None
    return frame.assign(_label=label_texts(ctx, frame["_name"])), "_label"


def district_labels(ctx: Context, frame: gpd.GeoDataFrame) -> list[list[object]]:
    """Labels of the districts over a map of areas (``frame``: one row per area, with
    ``district_id`` and ``district_name``), names in the reader's language and digits; none
    where the areas have no districts or all lie in one."""
    if not {"district_id", "district_name"} <= set(frame.columns):
        return []
    named = [c for c in frame.columns if c == "district_name" or c.startswith("district_name_")]
    districts = frame[["district_id", *named, frame.geometry.name]].dropna(subset="district_id")
    if districts["district_id"].nunique() < 2:
        return []
    districts = districts.dissolve("district_id", aggfunc="first")
    names = ctx.language.names(districts, "district_name")
    return area_labels(districts, label_texts(ctx, names), outer=True)


def value_tooltip(
    ctx: Context,
    names: pd.Series,
    ids: pd.Series,
    values: Sequence[str] | pd.Series,
    population: pd.Series,
    title: str,
) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """A value map's tooltip: its cells (the area's name, else its id; the value as shown; the
    population in the reader's digits) and its rows (name, ``title``, population)."""
    cells = {
        "_name": names.fillna(ids).astype(str).to_numpy(),
        "_value": np.asarray(values, dtype=object),
        "_population": population.map(ctx.language.int).to_numpy(),
    }
    rows = [
        ("_name", ctx.t("map.name")),
        ("_value", title),
        ("_population", ctx.t("metric.population")),
    ]
    return cells, rows


def value_map(
    ctx: Context,
    frame: gpd.GeoDataFrame,
    *,
    names: pd.Series,
    values: Sequence[str] | pd.Series,
    title: str,
    legend_items: list[LegendItem],
    size: str,
) -> folium.Map:
    """:func:`area_map` whose tooltip is the area's name (``names``, else its id), ``title``
    with the area's value as shown (``values``, in ``frame``'s order) and its population."""
    cells, tooltip = value_tooltip(ctx, names, frame["area_id"], values, frame["population"], title)
    return area_map(
        ctx,
        frame.assign(**cells),
        tooltip=tooltip,
        legend_title=title,
        legend_items=legend_items,
        size=size,
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
        count_format=ctx.map_view.count_format,
        direction=direction,
    ).add_to(fmap)


def show_map(fmap: folium.Map, *, key: str, height: int) -> None:
    """Show ``fmap`` across the page's width, brought to the place found by the page's search
    box (:func:`ui.area_search.page_focus`); nothing is sent back on a click."""
    fmap.add_child(MapFocus(page_focus()), name="ca_focus")
    st_folium(fmap, key=key, height=height, use_container_width=True, returned_objects=[])


# --------------------------------------------------------------------------- live area map
#
# The Coverage map page draws its areas once per view and only restyles them when a filter
# changes. The view's map (geometry, names, facilities) is built and rendered once and kept as
# the strings ``st_folium`` would send (:class:`MapParts`); each rerun sends the same strings
# (so the browser keeps its map: no new frame, no redraw of the geometry) plus a short script
# with the colours, the values shown in the tooltips, the legend and the outline of the chosen
# area (:func:`restyle_script`), which ``st_folium``'s frontend evaluates in place of a feature
# group. Geometry travels packed (:func:`packed_geometries`): integer steps of 1e-5 degree
# instead of GeoJSON's decimal pairs, expanded to GeoJSON features in the browser.

#: Decimals of a degree kept for drawing: 1e-5 degree is ~1.1 m at the equator, well under the
#: 15 m tolerance of :func:`render.simplify.simplify_for_display`, so the rounding never shows.
PACKED_DECIMALS = 5


def packed_geometries(
    geoms: Sequence[shapely.Geometry | None] | np.ndarray, decimals: int = PACKED_DECIMALS
) -> list[list[list[list[int]]] | None]:
    """Polygons as nested lists of small integers, for :class:`PackedAreas`.

    Each geometry becomes a list of its polygons, each polygon a list of its rings (exterior
    first), each ring a flat list ``[x0, y0, dx1, dy1, dx2, dy2, ...]`` in units of
    ``10**-decimals`` degree: the first vertex as is, every later one as the step from the
    vertex before. The closing vertex and steps of zero (vertices that rounding merged) are left
    out. A missing or empty geometry gives None. Vectorised over all vertices at once.

    Parameters
    ----------
    geoms : sequence of shapely Polygon / MultiPolygon (or None)
        In longitude/latitude degrees (EPSG:4326).
    decimals : int, default :data:`PACKED_DECIMALS`
        Decimals of a degree kept.

    Returns
    -------
    list
        One entry per input geometry, in order.
    """
    geoms = np.asarray(geoms, dtype=object)
    out: list[list[list[list[int]]] | None] = [None] * len(geoms)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(present):
        return out
    parts, part_of = shapely.get_parts(geoms[present], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    units = np.rint(coords * 10.0**decimals).astype(np.int64)
    steps = units.copy()
    steps[1:] -= units[:-1]
    counts = np.bincount(coord_of, minlength=len(rings))
    ends = np.cumsum(counts)
    starts = ends - counts
    first = np.zeros(len(units), dtype=bool)
    first[starts[counts > 0]] = True
    steps[first] = units[first]
    keep = first | (steps != 0).any(axis=1)
    keep[ends[counts > 0] - 1] = False  # the closing vertex repeats the first
    kept_per_ring = np.bincount(coord_of[keep], minlength=len(rings))
    flat = steps[keep].ravel().tolist()
    ring_lists: list[list[int]] = []
    at = 0
    for n in (2 * kept_per_ring).tolist():
        ring_lists.append(flat[at : at + n])
        at += n
    polygons: list[list[list[int]]] = [[] for _ in range(len(parts))]
    for ring, polygon in zip(ring_lists, ring_of.tolist(), strict=True):
        polygons[polygon].append(ring)
    for polygon, owner in zip(polygons, part_of.tolist(), strict=True):
        position = int(present[owner])
        if out[position] is None:
            out[position] = []
        out[position].append(polygon)
    return out


def _script_json(value: object) -> str:
    """Compact JSON that is safe inside a ``<script>`` and in ``eval`` (``< > & '`` escaped)."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def area_signature(ids: Sequence[object]) -> str:
    """A short digest of the areas' ids in drawing order: ties a restyle to its map."""
    digest = hashlib.sha256("\x1f".join(map(str, ids)).encode("utf-8")).hexdigest()
    return digest[:16]


class _RawScript(Element):
    """Text added to a figure as it is: unlike ``Element(text)``, never compiled as a Jinja
    template (megabytes of coordinates would be lexed for nothing)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class _RawMacroElement(MacroElement):
    """A MacroElement whose rendered header and script go into the figure uncompiled."""

    def render(self, **kwargs: object) -> None:
        figure = self.get_root()
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                target.add_child(_RawScript(str(macro(self, kwargs))), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class PackedAreas(_RawMacroElement):
    """Areas as one Leaflet GeoJSON layer, sent packed and restyled in place.

    The features carry their id (``id_column``, HTML-escaped like every data string) and their
    name; colours, the metric shown in the tooltip, the legend and the outline of a chosen area
    come later from :func:`restyle_script`, which finds the layer by :attr:`signature`. Until
    then every area is drawn in the no-data grey. The tooltip and the legend are built from
    strings escaped in Python (:func:`render.maps.escape_text`, :func:`render.maps.legend_html`).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        {{ this.css }}
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var scale = {{ this.scale }}, idKey = {{ this.id_column_json }};
            var packed = {{ this.features_json }};
            var look = {fillOpacity: 0.85, color: {{ this.border|tojson }}, weight: 0.7,
                        opacity: 1.0};
            var state = {palette: [], classes: [], values: [], labels: [], dir: "ltr"};
            function ring(steps) {
                var out = new Array(steps.length >> 1), x = 0, y = 0;
                for (var i = 0; i < out.length; i++) {
                    x += steps[2 * i]; y += steps[2 * i + 1];
                    out[i] = [x / scale, y / scale];
                }
                return out;
            }
            var features = packed.map(function (f, k) {
                var polygons = f[2].map(function (p) { return p.map(ring); });
                var properties = {_name: f[1]};
                properties[idKey] = f[0];
                return {
                    type: "Feature", k: k, properties: properties,
                    geometry: polygons.length === 1
                        ? {type: "Polygon", coordinates: polygons[0]}
                        : {type: "MultiPolygon", coordinates: polygons}
                };
            });
            function style(feature) {
                var c = state.classes[feature.k];
                var fill = (c === undefined || c < 0) ? {{ this.no_data|tojson }} : state.palette[c];
                return Object.assign({fillColor: fill}, look);
            }
            var layer = L.geoJson(null, {style: style, smoothFactor: 0.5});
            layer.addData(features);
            layer.on("mouseover", function (e) {
                e.layer.setStyle({color: {{ this.hover|tojson }}, weight: 2.0, fillOpacity: 0.95});
            });
            layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
            layer.bindTooltip(function (l) {
                var f = l.feature, v = state.values[f.k] || [], rows = [[state.labels[0], f.properties._name]];
                for (var i = 0; i < v.length; i++) rows.push([state.labels[i + 1], v[i]]);
                var div = L.DomUtil.create("div");
                div.style.direction = state.dir;
                div.innerHTML = "<table>" + rows.filter(function (r) {
                    return r[0] !== undefined && r[0] !== null && r[1] !== null && r[1] !== undefined;
                }).map(function (r) {
                    return "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>";
                }).join("") + "</table>";
                return div;
            }, {sticky: true, className: "foliumtooltip ca-area-tip"});
            layer.addTo(map);
            var legend = L.control({position: {{ this.legend_position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "ca-legend leaflet-control");
                div.style.display = "none";
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo(map);
            var outline = null;
            function restyle(d) {
                state = d;
                layer.setStyle(style);
                var box = legend.getContainer();
                box.setAttribute("dir", d.legend_dir);
                box.innerHTML = d.legend;
                box.style.display = "";
                if (outline) { map.removeLayer(outline); outline = null; }
                if (d.highlight !== null && d.highlight >= 0 && features[d.highlight]) {
                    outline = L.geoJson(
                        {type: "Feature", properties: {}, geometry: features[d.highlight].geometry},
                        {style: {fill: false, color: {{ this.hover|tojson }}, weight: 4, opacity: 1.0},
                         interactive: false}
                    ).addTo(map);
                }
            }
            window.caAreaMaps = window.caAreaMaps || {};
            window.caAreaMaps[{{ this.signature|tojson }}] = restyle;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        frame: gpd.GeoDataFrame,
        *,
        id_column: str,
        names: Sequence[object] | pd.Series,
        legend_position: str = "bottomright",
    ) -> None:
        super().__init__()
        self._name = "PackedAreas"
        if frame.crs is None or not CRS.from_user_input(frame.crs).equals(CRS.from_epsg(4326)):
            raise ValueError(
                "areas must be in EPSG:4326 (longitude/latitude) for the map, got "
                f"{frame.crs.to_string() if frame.crs is not None else 'no CRS'}"
            )
        if id_column not in frame.columns:
            raise ValueError(f"areas have no column {id_column!r}; they have {list(frame.columns)}")
        names = list(names)
        if len(names) != len(frame):
            raise ValueError(f"{len(names)} names for {len(frame)} areas")
        geometries = packed_geometries(frame.geometry.to_numpy())
        ids = [escape_text(v) for v in frame[id_column].tolist()]
        self.ids = ids
        self.signature = area_signature(ids)
        self.features_json = _script_json(
            [
                [area_id, None if _missing(name) else escape_text(name), geometry or []]
                for area_id, name, geometry in zip(ids, names, geometries, strict=True)
            ]
        )
        self.id_column_json = _script_json(id_column)
        self.scale = f"1e{PACKED_DECIMALS}"
        self.border = BORDER_COLOUR
        self.hover = HIGHLIGHT_COLOUR
        self.no_data = NO_DATA_COLOUR
        if legend_position not in ("topleft", "topright", "bottomleft", "bottomright"):
            raise ValueError(f"legend position {legend_position!r} is not a Leaflet corner")
        self.legend_position = legend_position
        self.css = _area_css()
        present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
        if len(present):
            minx, miny, maxx, maxy = present.total_bounds
            self._bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
        else:
            self._bounds = [[None, None], [None, None]]

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds


class RestyleScript(_RawMacroElement):
    """:func:`restyle_script` as part of a map's own HTML (a saved map, a benchmark page);
    add it after the :class:`PackedAreas` it restyles."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.text }}{% endmacro %}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RestyleScript"
        self.text = text


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def _area_css() -> str:
    """The legend's stylesheet (rendered from :class:`render.maps.Legend`'s own template, so both
    legends look alike) and the tooltip table's."""
    legend_css = str(Legend._template.module.header(Legend("", []), {}))
    return legend_css + (
        "<style>.ca-area-tip table { margin: auto; }"
        " .ca-area-tip th { padding: 2px; padding-inline-end: 8px; }</style>"
    )


def restyle_script(
    signature: str,
    *,
    palette: Sequence[str],
    classes: Sequence[int | None] | np.ndarray,
    values: Sequence[Sequence[object]],
    labels: Sequence[str | None],
    legend_title: str,
    legend_items: list[LegendItem],
    count_format: Callable[[int], str],
    highlight: int | None = None,
) -> str:
    """The script that colours a :class:`PackedAreas` layer and fills its tooltip and legend.

    Parameters
    ----------
    signature : str
        :attr:`PackedAreas.signature` of the layer (the script does nothing to another one).
    palette : sequence of str
        Hex fill colours of the classes.
    classes : sequence of int or None
        Per area, in the layer's order: its class (an index into ``palette``), or None / a
        negative number for no data (drawn grey).
    values : sequence of sequences
        Per area, in the layer's order: the tooltip's further cells (after the name), as shown.
    labels : sequence of str
        Tooltip row labels: the name's, then one per cell of ``values`` (None hides the row).
    legend_title, legend_items, count_format
        As for :class:`render.maps.Legend`.
    highlight : int, optional
        Position of the area drawn with a thick outline.

    Every string is HTML-escaped here; colours are checked to be hex colours.
    """
    if len(values) != len(classes):
        raise ValueError(f"{len(values)} tooltip rows for {len(classes)} areas")
    codes = [
        -1 if c is None or (isinstance(c, float) and c != c) or int(c) < 0 else int(c)
        for c in np.asarray(classes, dtype=object).tolist()
    ]
    if codes and max(codes) >= len(palette):
        raise ValueError(f"class {max(codes)} has no colour in a palette of {len(palette)}")
    payload = {
        "palette": [_check_colour(c, f"palette colour {i}") for i, c in enumerate(palette)],
        "classes": codes,
        "values": [[None if _missing(v) else escape_text(v) for v in row] for row in values],
        "labels": [None if label is None else escape_text(label) for label in labels],
        "dir": text_direction(*(label for label in labels if label)),
        "legend": legend_html(legend_title, legend_items, count_format),
        "legend_dir": text_direction(legend_title, *(item.label for item in legend_items)),
        "highlight": -1 if highlight is None else int(highlight),
    }
    return (
        f"(function () {{ var maps = window.caAreaMaps || {{}};"
        f" var restyle = maps[{_script_json(signature)}];"
        f" if (restyle) restyle({_script_json(payload)}); }})();\n"
    )


# --------------------------------------------------------------------------- sending a map


@dataclass(frozen=True)
class MapParts:
    """A rendered map as ``st_folium`` sends it, computed once and sent on every rerun."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict
    digest: str


def map_parts(fmap: folium.Map) -> MapParts:
    """Render ``fmap`` the way ``st_folium`` 0.27 does (same helpers, same order), once."""
    fmap.get_root().render()
    fmap.render()
    html = _stf._get_html(fmap)
    header = _stf._get_header(fmap)
    script = _stf._get_map_string(fmap)
    map_id = _stf.get_full_id(fmap)
    south_west, north_east = fmap.get_bounds()
    js: list[str] = []
    css: list[str] = []

    def walk(element):
        if isinstance(element, JSCSSMixin):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return MapParts(
        script=script,
        header=header,
        html=html,
        map_id=map_id,
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
        bounds={
            "_southWest": {"lat": south_west[0], "lng": south_west[1]},
            "_northEast": {"lat": north_east[0], "lng": north_east[1]},
        },
        digest=hashlib.sha256(script.encode("utf-8")).hexdigest()[:16],
    )


def show_parts(
    parts: MapParts,
    restyle: str,
    *,
    key: str,
    height: int,
    returned_objects: Sequence[str] = ("last_active_drawing",),
) -> dict | None:
    """Show a map rendered by :func:`map_parts` with ``restyle`` applied; what it returns.

    The component's key comes from ``key`` and the map's digest: the same map on the next
    rerun is the same component, so the browser keeps it (and its zoom) and only evaluates the
    new ``restyle`` script; another map is a new component.
    """
    defaults = {"last_active_drawing": None, "bounds": parts.bounds, "zoom": None}
    return _stf._component_func(
        script=parts.script,
        header=parts.header,
        html=parts.html,
        id=parts.map_id,
        key=f"{key}_{parts.digest}",
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default={k: v for k, v in defaults.items() if k in returned_objects},
        zoom=None,
        center=None,
        feature_group=restyle + focus_script("window.map", page_focus()),
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(parts.css_links),
        js_links=list(parts.js_links),
        wrap_longitude=False,
    )
