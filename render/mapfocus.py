"""A map brought to one place: fitted to an area (or a district) found by name, and its outline
drawn over the map.

:func:`place_focus` reduces the place's geometry to what the browser needs (its bounds and a
simplified outline); :func:`focus_script` is the script that fits the map to it, once per place
(a later rerun that sends the same focus leaves the reader's own zoom alone), and keeps it there
when the frame changes size (the map's own fit, :class:`render.mapframe.MapFrame`, is pointed at
the place while it is chosen). :class:`MapFocus` adds that script to a folium map.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

__all__ = ["FOCUS_PADDING", "MapFocus", "PlaceFocus", "focus_script", "place_focus"]

#: Pixels between the place and the frame's edge.
FOCUS_PADDING = 48
#: The closest zoom a fit goes to (a tiny area is not blown up past street level).
FOCUS_MAX_ZOOM = 17
#: Outline vertices kept: the outline is simplified to about 1/400 of the place's extent.
_OUTLINE_SHARE = 1 / 400


@dataclass(frozen=True)
class PlaceFocus:
    """A place on the map: ``key`` (a digest of what it is), ``bounds`` ``[[south, west],
    [north, east]]`` and its simplified ``outline`` (GeoJSON geometry) or None."""

    key: str
    bounds: list[list[float]]
    outline: dict | None


def place_focus(key: str, geometries: np.ndarray | list) -> PlaceFocus | None:
    """The focus on the union of ``geometries`` (longitude/latitude), named by ``key`` (e.g.
    ``"area:A12"``); None when they are all missing or empty."""
    geoms = np.asarray(geometries, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        return None
    shape = shapely.union_all(geoms)
    minx, miny, maxx, maxy = shapely.bounds(shape).tolist()
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return None
    tolerance = max(maxx - minx, maxy - miny) * _OUTLINE_SHARE
    outline = shapely.simplify(shape, tolerance, preserve_topology=True)
    return PlaceFocus(
        key=hashlib.sha256(key.encode("utf-8")).hexdigest()[:16],
        bounds=[[miny, minx], [maxy, maxx]],
        outline=json.loads(shapely.to_geojson(outline, indent=None)),
    )


def focus_script(map_js: str, focus: PlaceFocus | None, colour: str = "#1f2328") -> str:
    """The script that fits the map ``map_js`` (a JavaScript expression) to ``focus`` and
    outlines it in ``colour``; with None, the outline of an earlier focus is removed (the
    reader's view kept). Numbers and a hex digest only: nothing from the data is written."""
    payload = (
        {"key": "", "bounds": None, "shape": None}
        if focus is None
        else {"key": focus.key, "bounds": focus.bounds, "shape": focus.outline}
    )
    if not colour.startswith("#") or not all(c in "0123456789abcdefABCDEF" for c in colour[1:]):
        raise ValueError(f"{colour!r} is not a hex colour")
    return (
        "(function (map, f) {"
        " if (!map || map.caFocusKey === f.key) return;"
        " map.caFocusKey = f.key;"
        " map.getContainer().dataset.caFocus = f.key;"
        " if (map.caFocusLayer) { map.removeLayer(map.caFocusLayer); map.caFocusLayer = null; }"
        " map.caFocusBounds = f.bounds;"
        " if (!f.bounds) return;"
        " if (!map.caOwnFit) {"
        "  map.caOwnFit = map.fitBounds;"
        "  map.fitBounds = function (b, o) {"
        "   return map.caOwnFit.call(map, map.caFocusBounds || b,"
        f"    map.caFocusBounds ? {{padding: [{FOCUS_PADDING}, {FOCUS_PADDING}],"
        f" maxZoom: {FOCUS_MAX_ZOOM}, animate: false}} : o); }};"
        " }"
        " if (f.shape) {"
        "  map.caFocusLayer = L.geoJson(f.shape, {interactive: false, style: {fill: false,"
        f"   color: {json.dumps(colour)}, weight: 4, opacity: 1.0, dashArray: '8 4'}}}}).addTo(map);"
        " }"
        " map.fitBounds(f.bounds);"
        f"}})({map_js}, {json.dumps(payload, separators=(',', ':'))});\n"
    )


class MapFocus(MacroElement):
    """:func:`focus_script` in a folium map's own HTML; add it after the map's
    :class:`render.mapframe.MapFrame`."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.script_for(this._parent.get_name()) }}"
        "{% endmacro %}"
    )

    def __init__(self, focus: PlaceFocus | None) -> None:
        super().__init__()
        self._name = "MapFocus"
        self.focus = focus

    def script_for(self, map_name: str) -> str:
        return focus_script(map_name, self.focus)
