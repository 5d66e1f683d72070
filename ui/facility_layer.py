"""Facilities on a map: a pictogram per type, status on the icon, size by beds, details on click,
and the sidebar filters (type, operator, status, beds) every map page shares.

Every map page draws facilities through here, so they look the same everywhere:

- **Icons**: one SVG per type (``render/assets/facility_icons``, drawn for this project), served from
  the local ``static/`` folder (:func:`render.offline.ensure_icon_assets`), never from a CDN.
- **Status** on the icon: operational solid; under construction dashed ring and hatched;
  planned dotted ring and faded; closed greyed and crossed out. A missing status reads as
  operational.
- **Beds**: the icon grows in steps (no beds recorded, 1–49, 50–199, 200 or more).
  With more than 200 facilities the icons are drawn at 60 % until zoom 13, so a city network
  stays readable.
- **One layer**: the facilities travel to the browser as one GeoJSON collection; Leaflet's
  ``pointToLayer`` makes each marker from a handful of shared ``L.divIcon`` objects, so a few
  thousand facilities draw quickly. Details open on click with Leaflet's own ``bindPopup``
  (folium's ``Popup`` needs jQuery, which is not loaded).
- **Escaping**: every string from data (name, operator, services, address...) is HTML-escaped in
  Python before it is put into the collection; the script only joins escaped pieces.

Public: :func:`add_facilities` (draw, return the legend rows), :func:`add_facility_layer`
(draw with its own legend), :func:`facility_filters` (sidebar filters bound to the URL),
:func:`filter_facilities` and :func:`facility_options` (plain functions behind the filters).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from branca.element import MacroElement
from jinja2 import Template

from geodata.tables.schema import FACILITY_STATUSES, FACILITY_TYPES
from render.fonts import PERSIAN_FONT_FAMILY
from render.format import is_missing
from render.i18n import direction
from render.maps import LegendItem, escape_text
from render.offline import FACILITY_ICONS_URL
from ui.area_maps import add_legend
from ui.context import Context
from ui.state import Param, bind, publish, value

__all__ = [
    "BED_STEPS",
    "ICON_SIZES",
    "OTHER_TYPE_COLOUR",
    "TYPE_COLOURS",
    "FacilityOptions",
    "add_facilities",
    "add_facility_layer",
    "bed_steps",
    "facility_features",
    "facility_filters",
    "facility_legend_items",
    "facility_options",
    "filter_facilities",
    "icon_url",
]

#: Colour of each type (the icon's background; also the legend's fallback swatch).
TYPE_COLOURS = {
    "hospital": "#b2182b",
    "polyclinic": "#d95f02",
    "clinic": "#2e8b3e",
    "health_post": "#1b8a8a",
    "pharmacy": "#7b3294",
    "lab": "#8c510a",
    "insurance_office": "#2166ac",
}
OTHER_TYPE_COLOUR = "#5f6b73"
#: Bed thresholds: below the first (or unknown) step 0, then 1-49, 50-199, 200 or more.
BED_STEPS = (1, 50, 200)
#: Icon size in pixels per bed step.
ICON_SIZES = (20, 22, 25, 28)
#: The icon the status and bed rows of the legend show.
_KEY_TYPE = "clinic"
_SERVICE_SPLIT = re.compile(r"\s*[;؛،,]\s*")


def icon_url(facility_type: object) -> str:
    """The local URL of the icon of ``facility_type`` (the neutral one for unknown types)."""
    name = str(facility_type) if facility_type in FACILITY_TYPES else "other"
    return f"{FACILITY_ICONS_URL}{name}.svg"


def bed_steps(beds: pd.Series) -> np.ndarray:
    """Size step (0-3) of each bed count: 0 unknown or none, 1 below 50, 2 below 200, 3 more."""
    numbers = pd.to_numeric(beds, errors="coerce").astype("float64").to_numpy()
    steps = np.searchsorted(np.asarray(BED_STEPS, dtype="float64"), numbers, side="right")
    return np.where(np.isnan(numbers), 0, steps).astype(int)


def _status_keys(facilities: gpd.GeoDataFrame) -> np.ndarray:
    """The status class of each facility: a missing or unknown status reads as operational."""
    if "status" not in facilities:
        return np.full(len(facilities), "operational", dtype=object)
    status = facilities["status"].astype("string")
    return status.where(status.isin(FACILITY_STATUSES), "operational").to_numpy(dtype=object)


def _type_keys(facilities: gpd.GeoDataFrame) -> np.ndarray:
    kinds = facilities["type"].astype("string")
    return kinds.where(kinds.isin(FACILITY_TYPES), "other").to_numpy(dtype=object)


def _detail_fields(ctx: Context) -> list[tuple[str, str]]:
    """(column, escaped label) of the rows of a facility's details, in display order."""
    return [
        (column, escape_text(ctx.t(f"facilities.details.{column}")))
        for column in ("type", "status", "opens_on", "beds", "operator", "services", "address")
    ]


def _services_text(ctx: Context, services: object) -> str | None:
    """Services in the reader's language where the vocabulary knows them, else as written."""
    if is_missing(services) or not str(services).strip():
        return None
    shown = []
    for part in _SERVICE_SPLIT.split(str(services).strip()):
        if not part:
            continue
        slug = "_".join(part.lower().split())
        label = ctx.label("facility_service", slug)
        shown.append(part if label == slug else label)
    return ("، " if direction(ctx.lang) == "rtl" else ", ").join(shown)


def _detail_value(ctx: Context, column: str, raw: object) -> str | None:
    """The display text of one detail (not escaped yet), or None when missing."""
    if is_missing(raw) or (isinstance(raw, str) and not raw.strip()):
        return None
    if column == "type":
        return ctx.label("facility_type", raw)
    if column == "status":
        return ctx.label("access.status", raw)
    if column == "opens_on":
        try:
            return ctx.language.date(pd.Timestamp(raw))
        except (TypeError, ValueError):
            return str(raw)
    if column == "beds":
        return ctx.language.int(raw)
    if column == "services":
        return _services_text(ctx, raw)
    return str(raw)


def facility_features(ctx: Context, facilities: gpd.GeoDataFrame) -> dict:
    """The facilities as a GeoJSON FeatureCollection ready for the browser.

    Each feature's properties: ``id`` and ``n`` (facility id and name, HTML-escaped), ``t`` (icon
    type: a vocabulary type or ``other``), ``s`` (status class), ``z`` (bed size step) and ``v``
    (escaped detail values aligned with the detail labels; null when missing). Rows without a
    point geometry are left out. No string from data leaves this function unescaped.
    """
    fields = _detail_fields(ctx)
    present = [c for c, _ in fields if c in facilities]
    geoms = facilities.geometry.to_numpy()
    types = _type_keys(facilities)
    statuses = _status_keys(facilities)
    steps = bed_steps(facilities["beds"]) if "beds" in facilities else np.zeros(len(facilities))
    names = facilities["name"].to_numpy(dtype=object) if "name" in facilities else None
    ids = (
        facilities["facility_id"].to_numpy(dtype=object)
        if "facility_id" in facilities
        else np.arange(len(facilities)).astype(str)
    )
    columns = {c: facilities[c].to_numpy(dtype=object) for c in present}
    features = []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue
        x, y = round(float(geom.x), 6), round(float(geom.y), 6)
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        name = names[i] if names is not None else None
        shown_name = ids[i] if is_missing(name) or not str(name).strip() else name
        values = []
        for column, _ in fields:
            text = _detail_value(ctx, column, columns[column][i]) if column in columns else None
            values.append(None if text is None else escape_text(text))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {
                    "id": escape_text(ids[i]),
                    "n": escape_text(shown_name if not is_missing(shown_name) else "—"),
                    "t": str(types[i]),
                    "s": str(statuses[i]),
                    "z": int(steps[i]),
                    "v": values,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


class FacilityLayer(MacroElement):
    """One GeoJSON layer of facility icons (``L.divIcon`` markers), tooltips and popups.

    ``spec`` holds only escaped strings, local icon URLs and vocabulary keys; it is written into
    the page with Jinja's HTML-safe ``tojson``.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .ca-fac { background: transparent; border: 0; }
            .ca-fac img { display: block; width: 100%; height: 100%; }
            .ca-fac-i { position: relative; display: block; width: 100%; height: 100%; }
            .ca-fac-compact .ca-fac-i { transform: scale(0.6); }
            .ca-fac-st-under_construction::before {
                content: ""; position: absolute; inset: 0; border-radius: 50%;
                background: repeating-linear-gradient(
                    -45deg, rgba(255, 255, 255, 0.8) 0 1.5px, transparent 1.5px 4.5px);
            }
            .ca-fac-st-under_construction::after, .ca-fac-st-planned::after {
                content: ""; position: absolute; inset: -4px; border-radius: 50%;
                border: 2px dashed #1f2328; box-shadow: 0 0 0 1px rgba(255, 255, 255, 0.9);
            }
            .ca-fac-st-planned::after { border-style: dotted; border-width: 2.5px; }
            .ca-fac-st-planned img { opacity: 0.45; }
            .ca-fac-st-closed img { filter: grayscale(1); opacity: 0.6; }
            .ca-fac-st-closed::before, .ca-fac-st-closed::after {
                content: ""; position: absolute; left: 50%; top: -3px; bottom: -3px;
                width: 3px; margin-left: -1.5px; background: #1f2328; border-radius: 1px;
                box-shadow: 0 0 0 1px #fff;
            }
            .ca-fac-st-closed::before { transform: rotate(45deg); }
            .ca-fac-st-closed::after { transform: rotate(-45deg); }
            .ca-fac-popup, .ca-fac-tip {
                font: 13px/1.4 {{ this.font_family }}, system-ui, -apple-system, "Segoe UI",
                    Tahoma, Arial, sans-serif;
                color: #1f2328; text-align: start;
            }
            .ca-fac-popup { min-width: 180px; }
            .ca-fac-popup-title { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
            .ca-fac-popup table { border-collapse: collapse; }
            .ca-fac-popup th {
                font-weight: 600; color: #57606a; text-align: start; vertical-align: top;
                white-space: nowrap; padding: 1px 0; padding-inline-end: 10px;
            }
            .ca-fac-popup td, .ca-fac-popup-title, .ca-fac-tip b { unicode-bidi: plaintext; }
            .ca-fac-popup td { padding: 1px 0; text-align: start; }
            .ca-fac-popup[dir="rtl"] td, .ca-fac-popup[dir="rtl"] .ca-fac-popup-title {
                text-align: right;
            }
            .ca-legend-chip .ca-fac { margin: 3px; }
            .ca-popup-open .ca-legend { opacity: 0.12; pointer-events: none; }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function () {
            var spec = {{ this.spec|tojson }};
            var icons = {};
            function iconFor(p) {
                var key = p.t + "|" + p.s + "|" + p.z;
                if (!icons[key]) {
                    var size = spec.sizes[p.z] || spec.sizes[0];
                    icons[key] = L.divIcon({
                        className: "ca-fac ca-fac-" + p.t,
                        html: '<span class="ca-fac-i ca-fac-st-' + p.s + '"><img src="'
                            + spec.icons[p.t] + '" alt="" draggable="false"></span>',
                        iconSize: [size, size],
                        iconAnchor: [size / 2, size / 2],
                        popupAnchor: [0, -size / 2],
                        tooltipAnchor: [0, -size / 2]
                    });
                }
                return icons[key];
            }
            function details(p) {
                var rows = "";
                for (var i = 0; i < spec.labels.length; i++) {
                    if (p.v[i] !== null && p.v[i] !== undefined) {
                        rows += "<tr><th>" + spec.labels[i] + "</th><td>" + p.v[i] + "</td></tr>";
                    }
                }
                return '<div class="ca-fac-popup" dir="' + spec.dir + '">'
                    + '<div class="ca-fac-popup-title">' + p.n + "</div>"
                    + "<table>" + rows + "</table></div>";
            }
            var layer = L.geoJSON(spec.data, {
                pointToLayer: function (feature, latlng) {
                    var p = feature.properties;
                    return L.marker(latlng, {
                        icon: iconFor(p), keyboard: false, riseOnHover: true,
                        zIndexOffset: 100 * p.z, alt: ""
                    });
                },
                onEachFeature: function (feature, marker) {
                    var p = feature.properties;
                    marker.bindTooltip(
                        '<div class="ca-fac-tip" dir="' + spec.dir + '"><b>' + p.n
                            + "</b><br>" + (p.v[0] || "") + "</div>",
                        {direction: "top"}
                    );
                    marker.bindPopup(function () { return details(p); }, {
                        maxWidth: 320,
                        // clear of the zoom buttons (top left) when the map pans to show it
                        autoPanPaddingTopLeft: [48, 12]
                    });
                }
            });
            var map = {{ this._parent.get_name() }};
            layer.addTo(map);
            // Many facilities: smaller icons until the reader zooms in.
            function compact() {
                var on = spec.data.features.length > spec.compact_above
                    && map.getZoom() < spec.compact_below_zoom;
                var box = map.getContainer();
                if (on) { L.DomUtil.addClass(box, "ca-fac-compact"); }
                else { L.DomUtil.removeClass(box, "ca-fac-compact"); }
            }
            map.on("zoomend", compact);
            compact();
            // An open popup stays readable: the legends fade while it is open.
            map.on("popupopen", function () {
                L.DomUtil.addClass(map.getContainer(), "ca-popup-open");
            });
            map.on("popupclose", function () {
                L.DomUtil.removeClass(map.getContainer(), "ca-popup-open");
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, ctx: Context, facilities: gpd.GeoDataFrame) -> None:
        super().__init__()
        self._name = "FacilityLayer"
        self.font_family = f'"{PERSIAN_FONT_FAMILY}"'
        self.spec = {
            "data": facility_features(ctx, facilities),
            "labels": [label for _, label in _detail_fields(ctx)],
            "icons": {t: icon_url(t) for t in (*FACILITY_TYPES, "other")},
            "sizes": list(ICON_SIZES),
            "dir": direction(ctx.lang),
            "compact_above": 200,
            "compact_below_zoom": 13,
        }


def facility_legend_items(ctx: Context, facilities: gpd.GeoDataFrame) -> list[LegendItem]:
    """Legend rows: each type present (its icon and count); then, where the workspace has them,
    the statuses (the icon as each status draws it) and the bed sizes."""
    items: list[LegendItem] = []
    types = facilities["type"].astype("string").fillna("—")
    counts = types.value_counts()
    ordered = [t for t in FACILITY_TYPES if t in counts] + sorted(
        t for t in counts.index if t not in FACILITY_TYPES
    )
    for t in ordered:
        items.append(
            LegendItem(
                TYPE_COLOURS.get(t, OTHER_TYPE_COLOUR),
                ctx.label("facility_type", t),
                int(counts[t]),
                icon=icon_url(t),
                icon_class="ca-fac",
                icon_size=18,
            )
        )
    statuses = pd.Series(_status_keys(facilities)).value_counts()
    if "status" in facilities and set(statuses.index) - {"operational"}:
        items.append(LegendItem("#ffffff", ctx.t("facilities.legend.status"), heading=True))
        for s in FACILITY_STATUSES:
            if s in statuses:
                items.append(
                    LegendItem(
                        TYPE_COLOURS[_KEY_TYPE],
                        ctx.label("access.status", s),
                        int(statuses[s]),
                        icon=icon_url(_KEY_TYPE),
                        icon_class=f"ca-fac ca-fac-st-{s}",
                        icon_size=16,
                        inline=True,
                    )
                )
    if "beds" in facilities and pd.to_numeric(facilities["beds"], errors="coerce").gt(0).any():
        steps = pd.Series(bed_steps(facilities["beds"])).value_counts()
        items.append(LegendItem("#ffffff", ctx.t("facilities.legend.beds"), heading=True))
        bounds = [0, *BED_STEPS]
        for step in range(len(ICON_SIZES)):
            if step not in steps:
                continue
            if step == 0:
                label = ctx.t("facilities.legend.beds_none")
            elif step == len(BED_STEPS):
                label = ctx.t("facilities.legend.beds_from", n=ctx.language.int(bounds[step]))
            else:
                label = ctx.t(
                    "facilities.legend.beds_range",
                    lo=ctx.language.int(bounds[step]),
                    hi=ctx.language.int(bounds[step + 1] - 1),
                )
            items.append(
                LegendItem(
                    TYPE_COLOURS["hospital"],
                    label,
                    int(steps[step]),
                    icon=icon_url("hospital"),
                    icon_class="ca-fac",
                    icon_size=ICON_SIZES[step] - 4,
                    inline=True,
                )
            )
    return items


def add_facilities(
    ctx: Context, fmap: folium.Map, facilities: gpd.GeoDataFrame
) -> list[LegendItem]:
    """Draw ``facilities`` on ``fmap`` (icons by type, status and beds; escaped tooltip and
    details on click) and return the legend rows that explain them (see
    :func:`facility_legend_items`); the caller puts them into a legend."""
    FacilityLayer(ctx, facilities).add_to(fmap)
    return facility_legend_items(ctx, facilities)


def add_facility_layer(ctx: Context, fmap: folium.Map, facilities: gpd.GeoDataFrame) -> None:
    """Facilities and their legend (top right) on ``fmap``."""
    if facilities is None or not len(facilities):
        return
    items = add_facilities(ctx, fmap, facilities)
    add_legend(
        ctx,
        fmap,
        ctx.t("access.map.facilities"),
        items,
        position="topright",
        direction=direction(ctx.lang),
    )


# --------------------------------------------------------------------------------------------------
# filters
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityOptions:
    """What the filters can offer for a facilities table."""

    types: list[str]
    statuses: list[str]
    operators: list[str]
    max_beds: int


def facility_options(facilities: gpd.GeoDataFrame | None) -> FacilityOptions:
    """Types present (vocabulary order, unknown ones after), statuses present (a missing status
    reads as operational; none without a status column), operators named, largest bed count."""
    if facilities is None or not len(facilities):
        return FacilityOptions([], [], [], 0)
    kinds = set(facilities["type"].dropna().astype(str)) if "type" in facilities else set()
    types = [t for t in FACILITY_TYPES if t in kinds] + sorted(kinds - set(FACILITY_TYPES))
    statuses: list[str] = []
    if "status" in facilities and facilities["status"].notna().any():
        found = set(facilities["status"].fillna("operational").astype(str))
        statuses = [s for s in FACILITY_STATUSES if s in found] + sorted(
            found - set(FACILITY_STATUSES)
        )
    operators = (
        sorted(facilities["operator"].dropna().astype(str).unique())
        if "operator" in facilities
        else []
    )
    beds = (
        pd.to_numeric(facilities["beds"], errors="coerce")
        if "beds" in facilities
        else pd.Series(dtype="float64")
    )
    max_beds = int(beds.max()) if beds.notna().any() and beds.max() > 0 else 0
    return FacilityOptions(types, statuses, operators, max_beds)


def filter_facilities(
    facilities: gpd.GeoDataFrame,
    *,
    types: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    operators: Sequence[str] | None = None,
    beds: tuple[int, int] | None = None,
) -> gpd.GeoDataFrame:
    """The facilities that pass every filter given (None: that filter is off).

    A missing status reads as operational; a missing operator passes the operator filter; a
    bed range keeps only facilities whose bed count lies in it (inclusive), so a facility with
    no bed count is dropped once the range is narrowed. The input is not modified.
    """
    keep = np.ones(len(facilities), dtype=bool)
    if types is not None:
        keep &= facilities["type"].astype("string").isin(list(types)).fillna(False).to_numpy(bool)
    if statuses is not None and "status" in facilities:
        status = facilities["status"].astype("string").fillna("operational")
        keep &= status.isin(list(statuses)).to_numpy(dtype=bool)
    if operators is not None and "operator" in facilities:
        operator = facilities["operator"]
        keep &= (operator.isna() | operator.astype("string").isin(list(operators))).to_numpy(
            dtype=bool
        )
    if beds is not None and "beds" in facilities:
        low, high = beds
        count = pd.to_numeric(facilities["beds"], errors="coerce").astype("float64")
        keep &= ((count >= low) & (count <= high)).fillna(False).to_numpy(dtype=bool)
    return facilities.loc[keep]


def _flag(text: str) -> bool:
    return text in ("1", "true")


def _listed(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def _bed_range(max_beds: int):
    def parse(text: str) -> tuple[int, int]:
        low, _, high = text.partition("-")
        return (int(low), int(high) if high else max_beds)

    return parse


def facility_filters(
    ctx: Context,
    facilities: gpd.GeoDataFrame | None,
    key_prefix: str,
    *,
    show_default: bool | None = None,
) -> gpd.GeoDataFrame | None:
    """The sidebar's facility controls, shared by every map page; their state lives in the URL.

    A "Show facilities (n)" toggle (``fac``), and under it, in an expander, filters by type
    (``types``), status (``status``), operator (``operators``) and number of beds (``beds``,
    ``low-high``; a single number is read as the lowest); each filter appears only where the
    workspace has that column. Widget keys start with ``key_prefix``.

    Parameters
    ----------
    ctx : Context
        The session (language for labels).
    facilities : geopandas.GeoDataFrame or None
        Every facility the page could draw (already scoped to the session).
    key_prefix : str
        Prefix of the widget keys, one per page (``cm``, ``infra``...).
    show_default : bool, optional
        Whether facilities are shown when the URL does not say; by default when there are at
        most 400 of them.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The facilities to draw, or None when they are switched off (or there are none).
    """
    n = 0 if facilities is None else len(facilities)
    options = facility_options(facilities)
    shown_default = (0 < n <= 400) if show_default is None else bool(show_default and n)
    toggle = Param(
        "fac",
        shown_default,
        lambda: [False, True],
        parse=_flag,
        dump=lambda v: "1" if v else "0",
        key=f"{key_prefix}_facilities",
    )
    bind([toggle])
    if n == 0:
        st.session_state[toggle.widget_key] = False
    sb = st.sidebar
    sb.toggle(
        ctx.t("controls.facilities", n=ctx.language.int(n)),
        key=toggle.widget_key,
        disabled=n == 0,
    )
    if not value(toggle) or facilities is None:
        publish([toggle])
        return None

    listed = {"parse": _listed, "dump": ",".join}
    filters = {
        "types": Param("types", options.types, key=f"{key_prefix}_facility_types", **listed),
        "status": Param("status", options.statuses, key=f"{key_prefix}_facility_status", **listed),
        "operators": Param(
            "operators", options.operators, key=f"{key_prefix}_facility_operators", **listed
        ),
        "beds": Param(
            "beds",
            (0, options.max_beds),
            parse=_bed_range(options.max_beds),
            dump=lambda v: f"{v[0]}-{v[1]}",
            key=f"{key_prefix}_facility_beds",
        ),
    }
    bind(list(filters.values()))
    for name, allowed in (
        ("types", options.types),
        ("status", options.statuses),
        ("operators", options.operators),
    ):
        key = filters[name].widget_key
        chosen = st.session_state[key]
        st.session_state[key] = (
            [v for v in chosen if v in allowed] if isinstance(chosen, list) else list(allowed)
        )
    bed_key = filters["beds"].widget_key
    try:
        low, high = sorted(int(v) for v in st.session_state[bed_key])
    except (TypeError, ValueError):
        low, high = 0, options.max_beds
    st.session_state[bed_key] = (
        min(max(low, 0), options.max_beds),
        min(max(high, 0), options.max_beds),
    )

    changed = any(
        (list(value(p)) if isinstance(value(p), list) else value(p)) != p.default
        for p in filters.values()
    )
    with sb.expander(ctx.t("facilities.filters"), expanded=changed, icon=":material/filter_alt:"):
        st.multiselect(
            ctx.t("facilities.filter.types"),
            options.types,
            key=filters["types"].widget_key,
            format_func=lambda v: ctx.label("facility_type", v),
        )
        if options.statuses:
            st.multiselect(
                ctx.t("facilities.filter.status"),
                options.statuses,
                key=filters["status"].widget_key,
                format_func=lambda v: ctx.label("access.status", v),
            )
        if options.operators:
            st.multiselect(
                ctx.t("facilities.filter.operators"),
                options.operators,
                key=filters["operators"].widget_key,
                help=ctx.t("facilities.filter.operators_help"),
            )
        if options.max_beds:
            st.slider(
                ctx.t("facilities.filter.beds"),
                0,
                options.max_beds,
                key=bed_key,
                help=ctx.t("facilities.filter.beds_help"),
            )
    publish([toggle, *filters.values()])
    beds = tuple(value(filters["beds"]))
    return filter_facilities(
        facilities,
        types=list(value(filters["types"]) or []),
        statuses=list(value(filters["status"]) or []) if options.statuses else None,
        operators=list(value(filters["operators"]) or []) if options.operators else None,
        beds=beds if options.max_beds and beds != (0, options.max_beds) else None,
    )
