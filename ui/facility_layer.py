"""Facilities on a map: circle markers coloured by type, hollow unless operational, hospitals
larger, with escaped tooltips (name, type, status, beds, operator) and a legend of the types.

Every map page draws facilities through here, so they look the same everywhere.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from ui.context import Context
from ui.format import fmt_int
from ui.maps import Legend, LegendItem, escape_text, text_direction

#: Marker fill per facility type (outline dark; closed / planned / under construction drawn hollow).
TYPE_COLOURS = {
    "hospital": "#99000d",
    "polyclinic": "#ff7f00",
    "clinic": "#4daf4a",
    "health_post": "#a6d854",
    "pharmacy": "#984ea3",
    "lab": "#a65628",
    "insurance_office": "#377eb8",
}
OTHER_TYPE_COLOUR = "#999999"


def add_facilities(
    ctx: Context, fmap: folium.Map, facilities: gpd.GeoDataFrame
) -> list[LegendItem]:
    """Facilities as circle markers coloured by type (hollow unless operational; hospitals
    larger), with escaped tooltips (name, type, status, beds, operator); returns the legend rows
    of the types shown."""
    layer = folium.FeatureGroup(name="facilities", control=False)
    labels = {
        "name": ctx.t("map.facility"),
        "type": ctx.t("map.type"),
        "status": ctx.t("access.table.status"),
        "beds": ctx.t("access.table.beds"),
        "operator": ctx.t("access.table.operator"),
    }
    direction = text_direction(*labels.values())
    columns = [c for c in labels if c in facilities]
    for geom, row in zip(
        facilities.geometry.to_numpy(),
        facilities[columns].itertuples(index=False, name=None),
        strict=True,
    ):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue
        record = dict(zip(columns, row, strict=True))
        shown = {
            "name": record.get("name"),
            "type": ctx.label("facility_type", record.get("type")),
            "status": ctx.label("access.status", record["status"])
            if pd.notna(record.get("status"))
            else None,
            "beds": fmt_int(record["beds"], ctx.lang) if pd.notna(record.get("beds")) else None,
            "operator": record.get("operator"),
        }
        lines = [
            f"<b>{escape_text(labels[k])}</b>: {escape_text(v)}"
            for k, v in shown.items()
            if k in columns and v is not None and not (isinstance(v, float) and np.isnan(v))
        ]
        operational = pd.isna(record.get("status")) or record.get("status") == "operational"
        colour = TYPE_COLOURS.get(str(record.get("type")), OTHER_TYPE_COLOUR)
        marker = folium.CircleMarker(
            location=[round(geom.y, 6), round(geom.x, 6)],
            radius=7 if record.get("type") == "hospital" else 5,
            color="#1f2328" if operational else colour,
            weight=1 if operational else 2.5,
            fill=True,
            fill_color=colour if operational else "#ffffff",
            fill_opacity=1.0,
            tooltip=folium.Tooltip("<br>".join(lines), style=f"direction: {direction};"),
        )
        # Details on click too (touch screens have no hover): the same escaped lines.
        _PlainPopup(f'<div dir="{direction}">' + "<br>".join(lines) + "</div>").add_to(marker)
        marker.add_to(layer)
    layer.add_to(fmap)
    counts = facilities["type"].astype(str).value_counts()
    return [
        LegendItem(TYPE_COLOURS.get(t, OTHER_TYPE_COLOUR), ctx.label("facility_type", t), int(n))
        for t, n in counts.items()
    ]


class _PlainPopup(MacroElement):
    """A popup bound with Leaflet's own ``bindPopup``: folium's ``Popup`` needs jQuery, which is
    not loaded (nothing is loaded beyond Leaflet). ``html`` must be escaped already."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {maxWidth: 300});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "PlainPopup"
        self.html = html


def add_facility_layer(ctx: Context, fmap: folium.Map, facilities: gpd.GeoDataFrame) -> None:
    """Facilities and their legend (top right) on ``fmap``."""
    if facilities is None or not len(facilities):
        return
    items = add_facilities(ctx, fmap, facilities)
    Legend(
        ctx.t("access.map.facilities"),
        items,
        position="topright",
        count_format=lambda n: fmt_int(n, ctx.lang),
    ).add_to(fmap)
