"""Choropleth maps of areas, drawn with folium and served fully offline.

The caller classifies: every row of the areas frame already carries its fill colour (``no data``
rows included) and display strings for the tooltip, and large areas come simplified for display
(:func:`render.simplify.simplify_for_display`). This module only escapes every data string and draws
one canvas GeoJSON layer plus a self-made legend.

Security: folium's ``GeoJsonTooltip`` puts property values and aliases into the page with
``innerHTML``, and ``folium.Tooltip`` pastes its text into a JavaScript template literal. Every
string that reaches the browser from data therefore goes through :func:`escape_text` first.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template
from pyproj import CRS

from render.fonts import PERSIAN_FONT_FAMILY, font_face_css
from render.mapframe import MapFrame, region_bounds
from render.mapview import MapView, default_count_format
from render.offline import offline_map

__all__ = [
    "BORDER_COLOUR",
    "HIGHLIGHT_COLOUR",
    "MAP_BACKGROUND",
    "LegendItem",
    "area_labels",
    "choropleth_map",
    "escape_text",
    "text_direction",
]

BORDER_COLOUR = "#ffffff"
HIGHLIGHT_COLOUR = "#1f2328"
MAP_BACKGROUND = "#eef0f2"
POINT_COLOUR = "#1f2328"
POINT_FILL = "#ffffff"
# ~0.1 m at the equator: enough for display, halves the GeoJSON sent to the browser.
_COORD_DECIMALS = 6

_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
# Legend icons: local files only, plain path characters; CSS classes from a fixed vocabulary.
_ICON_RE = re.compile(r"^/app/static/[A-Za-z0-9_./-]+$")
_CLASS_RE = re.compile(r"^[A-Za-z0-9_ -]*$")
_WGS84 = CRS.from_epsg(4326)


# --------------------------------------------------------------------------- escaping


def escape_text(value: Any) -> str:
    """Return ``value`` as text safe to put into HTML or a JavaScript template literal.

    ``html.escape(str(value), quote=True)`` (``& < > " '``), plus the three characters that
    matter inside a JavaScript template literal, where ``folium.Tooltip`` pastes its text:
    backtick, ``$`` and backslash become character references. The browser shows the
    original characters.

    Braces become references too: branca compiles each element's *rendered* script (with the
    data in it) as a Jinja template a second time (``MacroElement.render`` → ``Element(text)``),
    so a name like ``{{ 7*7 }}`` would be evaluated on the server — template injection.
    """
    text = html.escape(str(value), quote=True)
    text = text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")
    return text.replace("{", "&#123;").replace("}", "&#125;")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _escaped_or_none(value: Any) -> str | None:
    return None if _is_missing(value) else escape_text(value)


def _check_colour(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _COLOUR_RE.match(value):
        raise ValueError(
            f"{where}: {value!r} is not a hex colour (#rgb, #rrggbb or #rrggbbaa); "
            "classify values into colours before drawing the map"
        )
    return value


# --------------------------------------------------------------------------- legend


@dataclass
class LegendItem:
    """One legend row: a colour swatch, its label and optionally how many areas it has.

    ``icon`` (a local URL under ``/app/static/``) shows that image instead of the swatch, in a box
    of ``icon_size`` pixels carrying the CSS classes ``icon_class`` (e.g. a facility's status);
    ``heading`` makes the row a sub-heading (only its label is shown); consecutive ``inline`` items
    share one wrapping line (a compact key: icon and label, no count).
    """

    colour: str
    label: str
    count: int | None = None
    icon: str | None = None
    icon_class: str = ""
    icon_size: int = 16
    heading: bool = False
    inline: bool = False


def text_direction(*texts: str) -> str:
    """``"rtl"`` or ``"ltr"`` from the first strong character of the first text that has one.

    The same rule as HTML's ``dir="auto"``; used where the browser cannot apply it (a box whose
    texts carry their own ``dir`` attribute, or an iframe that does not inherit the page's
    direction).
    """
    for text in texts:
        for char in str(text):
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
    return "ltr"


def legend_html(
    title: str,
    items: list[LegendItem],
    count_format: Callable[[int], str] = default_count_format,
) -> str:
    """The legend's inner HTML; every text escaped, every colour checked to be a hex colour."""
    rows: list[str] = []
    chips: list[str] = []
    for i, item in enumerate(items):
        if chips and not item.inline:
            rows.append('<div class="ca-legend-chips">' + "".join(chips) + "</div>")
            chips = []
        if item.heading:
            rows.append(
                f'<div class="ca-legend-heading" dir="auto">{escape_text(item.label)}</div>'
            )
            continue
        colour = _check_colour(item.colour, f"legend item {i} ({item.label!r})")
        count = (
            ""
            if item.count is None
            else f'<span class="ca-legend-count" dir="auto">{escape_text(count_format(item.count))}'
            "</span>"
        )
        swatch = f'<span class="ca-legend-swatch" style="background-color:{colour}"></span>'
        if item.icon:
            if not _ICON_RE.match(item.icon) or ".." in item.icon:
                raise ValueError(f"legend item {i}: icon {item.icon!r} is not a local static file")
            if not _CLASS_RE.match(item.icon_class):
                raise ValueError(f"legend item {i}: bad icon class {item.icon_class!r}")
            size = max(8, min(int(item.icon_size), 48))
            swatch = (
                '<span class="ca-legend-icon">'
                f'<span class="{item.icon_class}" style="width:{size}px;height:{size}px">'
                f'<img src="{item.icon}" alt="" width="{size}" height="{size}"></span></span>'
            )
        if item.inline:
            chips.append(
                f'<span class="ca-legend-chip">{swatch}'
                f'<span class="ca-legend-label" dir="auto">{escape_text(item.label)}</span></span>'
            )
            continue
        rows.append(
            '<div class="ca-legend-row">'
            f"{swatch}"
            f'<span class="ca-legend-label" dir="auto">{escape_text(item.label)}</span>'
            f"{count}</div>"
        )
    if chips:
        rows.append('<div class="ca-legend-chips">' + "".join(chips) + "</div>")
    return f'<div class="ca-legend-title" dir="auto">{escape_text(title)}</div>' + "".join(rows)


class Legend(MacroElement):
    """A Leaflet control holding a legend; no external resources, no branca colormap.

    The inner HTML is built (and escaped) in Python and handed to the script as a JSON string.
    The box gets an explicit ``dir`` (``"auto"``: from the title's first strong character, see
    :func:`text_direction`), so a Persian legend lays out right to left (swatch on the right)
    even inside ``st_folium``'s iframe, which does not inherit the page's direction; each text
    also carries ``dir="auto"`` for mixed-language labels.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .ca-legend {
                background: rgba(255, 255, 255, 0.92);
                padding: 6px 10px;
                border-radius: 4px;
                box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
                font: 12px/1.35 {{ this.font_family }}, system-ui, -apple-system, "Segoe UI", Tahoma,
                    Arial, sans-serif;
                color: #1f2328;
                max-width: 260px;
                text-align: start;
            }
            .ca-legend-title { font-weight: 600; margin-bottom: 4px; }
            .ca-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
            .ca-legend-swatch {
                flex: 0 0 auto; width: 14px; height: 14px;
                border: 1px solid rgba(0, 0, 0, 0.25); border-radius: 2px;
            }
            .ca-legend-label { flex: 1 1 auto; }
            .ca-legend-heading { font-weight: 600; margin: 6px 0 2px; color: #57606a; }
            .ca-legend-icon {
                flex: 0 0 24px; display: flex; align-items: center; justify-content: center;
                min-height: 18px;
            }
            .ca-legend-icon > span { position: relative; display: inline-block; }
            .ca-legend-icon img { display: block; width: 100%; height: 100%; }
            .ca-legend-chips {
                display: flex; flex-wrap: wrap; align-items: center; gap: 3px 10px;
                margin: 2px 0;
            }
            .ca-legend-chip { display: inline-flex; align-items: center; gap: 4px; }
            .ca-legend-chip .ca-legend-icon { flex: 0 0 auto; min-width: 0; }
            .ca-legend-count {
                flex: 0 0 auto; margin-inline-start: 8px; color: #57606a;
                font-variant-numeric: tabular-nums;
            }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            (function () {
                var legend = L.control({position: {{ this.position|tojson }}});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "ca-legend leaflet-control");
                    div.setAttribute("dir", {{ this.direction|tojson }});
                    div.innerHTML = {{ this.inner_html|tojson }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        items: list[LegendItem],
        position: str = "bottomright",
        count_format: Callable[[int], str] = default_count_format,
        direction: str = "auto",
    ) -> None:
        super().__init__()
        if direction == "auto":
            direction = text_direction(title, *(item.label for item in items))
        if direction not in ("ltr", "rtl"):
            raise ValueError(f"legend direction must be 'auto', 'ltr' or 'rtl', got {direction!r}")
        self.direction = direction
        if position not in ("topleft", "topright", "bottomleft", "bottomright"):
            raise ValueError(f"legend position {position!r} is not a Leaflet control corner")
        self._name = "Legend"
        self.font_family = f'"{PERSIAN_FONT_FAMILY}"'
        self.position = position
        self.inner_html = legend_html(title, items, count_format)


class _MapStyle(MacroElement):
    """Light background for tile-less maps, direction-aware tooltip cells, and the local Persian
    font (the map's iframe does not inherit the page's fonts)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            {{ this.font_face }}
            .leaflet-container, .leaflet-tooltip {
                font-family: {{ this.font_family }}, system-ui, -apple-system, "Segoe UI", Tahoma,
                    Arial, sans-serif;
            }
            #{{ this._parent.get_name() }}.leaflet-container { background: {{ this.background }}; }
            .foliumtooltip th, .foliumtooltip td { text-align: start; unicode-bidi: plaintext; }
        </style>
        {% endmacro %}
        """
    )

    def __init__(self, background: str) -> None:
        super().__init__()
        self._name = "MapStyle"
        self.font_face = font_face_css()
        self.font_family = f'"{PERSIAN_FONT_FAMILY}"'
        self.background = _check_colour(background, "map background")


# --------------------------------------------------------------------------- map


def area_labels(
    frame: gpd.GeoDataFrame, names: Sequence[object], *, outer: bool = False
) -> list[list[Any]]:
    """One ``[lat, lng, west, east, text, outer]`` per area with a name: a point inside the area,
    its longitudes' span (to tell when it is drawn wide enough), its name, HTML-escaped, and
    whether it names a unit around the areas drawn (a district over its neighbourhoods: shown
    until the neighbourhoods' own labels appear).

    ``names`` are display strings in the reader's language, in ``frame``'s order; a missing or
    empty name gives no label.
    """
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    names = list(names)
    if len(names) != len(geoms):
        raise ValueError(f"{len(names)} names for {len(geoms)} areas")
    keep = np.array(
        [
            g is not None and not g.is_empty and n is not None and n == n and str(n).strip() != ""
            for g, n in zip(geoms, names, strict=True)
        ],
        dtype=bool,
    )
    if not keep.any():
        return []
    shapes = geoms[keep]
    points = shapely.point_on_surface(shapes)
    bounds = shapely.bounds(shapes)
    texts = [escape_text(n) for n, k in zip(names, keep, strict=True) if k]
    return [
        [
            round(float(p.y), 5),
            round(float(p.x), 5),
            round(float(b[0]), 5),
            round(float(b[2]), 5),
            t,
            int(outer),
        ]
        for p, b, t in zip(points, bounds, texts, strict=True)
    ]


def _require_wgs84(frame: gpd.GeoDataFrame, what: str) -> None:
    if frame.crs is None or not CRS.from_user_input(frame.crs).equals(_WGS84):
        raise ValueError(
            f"{what} must be in EPSG:4326 (longitude/latitude) for the map, got "
            f"{frame.crs.to_string() if frame.crs is not None else 'no CRS'}; "
            "reproject with .to_crs(4326) first"
        )


def _require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} has no column(s) {missing}; it has {list(frame.columns)}")


def _round_coords(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, _COORD_DECIMALS))


def _area_features(
    gdf: gpd.GeoDataFrame, id_column: str, colour_column: str, tooltip_columns: list[str]
) -> dict:
    """GeoJSON FeatureCollection with only geometry and the escaped properties the map needs."""
    columns = list(dict.fromkeys([id_column, colour_column, *tooltip_columns]))
    features = []
    for pos, (geom, row) in enumerate(
        zip(
            _round_coords(np.asarray(gdf.geometry.to_numpy(), dtype=object)),
            gdf[columns].itertuples(index=False, name=None),
            strict=True,
        )
    ):
        if geom is None or geom.is_empty:
            continue
        props: dict[str, str | None] = {}
        for column, value in zip(columns, row, strict=True):
            if column == colour_column:
                props[column] = _check_colour(value, f"row {pos}, column {colour_column!r}")
            else:
                props[column] = _escaped_or_none(value)
        features.append(
            {
                "type": "Feature",
                "id": str(pos),
                "properties": props,
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _bounds(frames: list[gpd.GeoDataFrame]) -> list[list[float]] | None:
    boxes = [f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()]
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        return None
    arr = np.array(boxes)
    minx, miny = arr[:, 0].min(), arr[:, 1].min()
    maxx, maxy = arr[:, 2].max(), arr[:, 3].max()
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def choropleth_map(
    gdf: gpd.GeoDataFrame,
    *,
    id_column: str,
    colour_column: str,
    tooltip: list[tuple[str, str]],
    legend_title: str,
    legend_items: list[LegendItem],
    highlight_id: str | None = None,
    points: gpd.GeoDataFrame | None = None,
    point_tooltip: list[tuple[str, str]] | None = None,
    label_column: str | None = None,
    outer_labels: list[list[Any]] | None = None,
    view: MapView | None = None,
    **options: Any,
) -> folium.Map:
    """Draw areas filled with precomputed colours, with tooltip, legend and optional points.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Areas in EPSG:4326, already simplified for display if large (see
        :func:`simplify_for_display`). Not modified.
    id_column : str
        Column with the area identifier. It is sent to the browser as a feature property (HTML-
        escaped, which leaves plain codes unchanged), so ``st_folium``'s
        ``last_active_drawing["properties"][id_column]`` tells which area was clicked.
    colour_column : str
        Column with a hex fill colour per row (``#rrggbb``); "no data" rows carry their grey.
    tooltip : list of (column, label)
        Display strings shown on hover. Values and labels are HTML-escaped.
    legend_title, legend_items
        Legend heading and rows (colour, label, optional count); text is HTML-escaped.
    highlight_id : str, optional
        Area drawn with a thick dark outline on top of the others (ignored if not present).
    points : geopandas.GeoDataFrame, optional
        Facilities (EPSG:4326 points) drawn as small circle markers.
    point_tooltip : list of (column, label), optional
        Tooltip rows of the points; values and labels are HTML-escaped.
    label_column : str, optional
        Column of display names to label the areas with (:class:`render.mapframe.MapFrame`:
        shown where an area is drawn wide enough for its name); escaped like every data string.
    outer_labels : list, optional
        Labels of the districts around the areas (:func:`area_labels` with ``outer=True``).
    view : MapView, optional
        How the map is shown (:class:`render.mapview.MapView`): height in pixels (pass the same
        to ``st_folium``), opt-in basemap tiles (None: nothing loaded from outside), the
        legend's corner and direction (``auto``: a Persian legend is laid out right to left),
        counts and the scale bar in the reader's digits and words. None: ``MapView()``.
    **options
        Fields of ``view`` to change for this map (``fit=...``, ``scale=...``).

    The map is fitted to the areas (the points only when there are no areas), its legends fold
    and its tooltips stay inside the frame (:class:`render.mapframe.MapFrame`).

    Returns
    -------
    folium.Map
        Built with :func:`render.offline.offline_map`: Leaflet from ``/app/static/vendor``.

    Raises
    ------
    ValueError
        If a frame is not in EPSG:4326, a named column is missing, or a colour is not hex.
    """
    _require_wgs84(gdf, "areas")
    tooltip_columns = [column for column, _ in tooltip]
    _require_columns(
        gdf,
        [id_column, colour_column, *tooltip_columns, *([label_column] if label_column else [])],
        "areas",
    )
    if points is not None:
        _require_wgs84(points, "points")
        _require_columns(points, [c for c, _ in point_tooltip or []], "points")

    view = (view or MapView()).but(**options)
    height, basemap_tiles = view.height, view.basemap_tiles
    frames = [gdf] + ([points] if points is not None else [])
    bounds = _bounds(frames)
    if bounds is None:
        fmap = offline_map(location=[0, 0], zoom_start=2, height=height)
    else:
        centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
        fmap = offline_map(location=centre, zoom_start=10, height=height)
    _MapStyle(MAP_BACKGROUND).add_to(fmap)

    if basemap_tiles:
        folium.TileLayer(
            tiles=basemap_tiles[0],
            attr=basemap_tiles[1],
            name="basemap",
            max_zoom=19,
            control=False,
        ).add_to(fmap)

    data = _area_features(gdf, id_column, colour_column, tooltip_columns)
    if data["features"]:

        def style(feature: dict) -> dict:
            return {
                "fillColor": feature["properties"][colour_column],
                "fillOpacity": 0.85,
                "color": BORDER_COLOUR,
                "weight": 0.7,
                "opacity": 1.0,
            }

        def hover(feature: dict) -> dict:
            return {"color": HIGHLIGHT_COLOUR, "weight": 2.0, "fillOpacity": 0.95}

        folium.GeoJson(
            data,
            name="areas",
            style_function=style,
            highlight_function=hover,
            tooltip=folium.GeoJsonTooltip(
                fields=tooltip_columns,
                aliases=[escape_text(label) for _, label in tooltip],
                labels=True,
                sticky=True,
                style=f"direction: {text_direction(*(label for _, label in tooltip))};",
            )
            if tooltip
            else None,
            control=False,
            smooth_factor=0.5,
        ).add_to(fmap)

        if highlight_id is not None:
            mask = gdf[id_column].astype("string") == str(highlight_id)
            chosen = gdf.loc[mask.fillna(False).to_numpy()]
            chosen = chosen[~(chosen.geometry.isna() | chosen.geometry.is_empty)]
            if len(chosen):
                geoms = _round_coords(np.asarray(chosen.geometry.to_numpy(), dtype=object))
                folium.GeoJson(
                    {
                        "type": "FeatureCollection",
                        "features": [
                            {
                                "type": "Feature",
                                "id": str(i),
                                "properties": {},
                                "geometry": shapely.geometry.mapping(g),
                            }
                            for i, g in enumerate(geoms)
                        ],
                    },
                    name="highlight",
                    style_function=lambda feature: {
                        "fill": False,
                        "color": HIGHLIGHT_COLOUR,
                        "weight": 4,
                        "opacity": 1.0,
                    },
                    control=False,
                    interactive=False,
                ).add_to(fmap)

    if points is not None and len(points):
        _add_points(fmap, points, point_tooltip or [])

    Legend(
        legend_title, legend_items, view.legend_position, view.count_format, view.legend_dir
    ).add_to(fmap)
    labels = area_labels(gdf, gdf[label_column].tolist()) if label_column else []
    fitted = view.fit or region_bounds(gdf) or bounds
    MapFrame(fitted, (outer_labels or []) + labels, view.scale).add_to(fmap)
    return fmap


def _add_points(
    fmap: folium.Map, points: gpd.GeoDataFrame, point_tooltip: list[tuple[str, str]]
) -> None:
    """Small canvas circle markers with escaped tooltips; non-point rows are skipped."""
    layer = folium.FeatureGroup(name="facilities", control=False)
    columns = [c for c, _ in point_tooltip]
    labels = [escape_text(label) for _, label in point_tooltip]
    direction = text_direction(*(label for _, label in point_tooltip))
    for geom, row in zip(
        points.geometry.to_numpy(),
        points[columns].itertuples(index=False, name=None),
        strict=True,
    ):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue
        lines = [
            f"<b>{label}</b>: {escape_text(value)}" if label else escape_text(value)
            for label, value in zip(labels, row, strict=True)
            if not _is_missing(value)
        ]
        folium.CircleMarker(
            location=[round(geom.y, _COORD_DECIMALS), round(geom.x, _COORD_DECIMALS)],
            radius=4,
            color=POINT_COLOUR,
            weight=1,
            fill=True,
            fill_color=POINT_FILL,
            fill_opacity=1.0,
            tooltip=folium.Tooltip("<br>".join(lines), style=f"direction: {direction};")
            if lines
            else None,
        ).add_to(layer)
    layer.add_to(fmap)
