"""How a live map sits in its frame: fitted to the region, legends that fold, tooltips kept inside
the frame, and place labels.

:class:`MapFrame` is one small script of our own (no Leaflet plugin, nothing from a CDN) added to
every area map (:func:`render.maps.choropleth_map`, the dashboard's restyled maps):

- the region's bounds are fitted with a few pixels of padding and a fractional zoom (a whole-step
  zoom can leave the region at half the frame), beside the open legends (left or right of them,
  or above or below, whichever leaves the region larger) where that shrinks it by at most
  :data:`ASIDE_ZOOM_LOSS` zoom steps, and fitted again when the frame or a legend changes size
  until the reader moves the map;
- every ``.ca-legend`` box folds to its title, a button (keyboard-reachable, named by the title in
  the reader's language, ``aria-expanded``); on first view a legend folds when the legends would
  still cover more than :data:`LEGEND_SHARE` of the region's drawn box (the largest first);
- a tooltip that would cross the frame's edge is moved back inside it;
- the scale bar is written in the reader's digits and unit words (:func:`scale_texts`);
- each area with a name gets a label at a point inside it (text escaped, bidi-isolated), shown
  once the area is drawn wide enough for it: district maps show their names, and a map of many
  small areas shows them as the reader zooms in; at each zoom, of labels that would overlap only
  the widest area's shows (:mod:`render.labels`' rule).
"""

from __future__ import annotations

import html
import json
from typing import Any

import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from render.format import fmt_number
from render.labels import CHAR_WIDTH, LINE_HEIGHT
from render.language import Language

__all__ = [
    "ASIDE_ZOOM_LOSS",
    "LEGEND_SHARE",
    "MapFrame",
    "region_bounds",
    "scale_text",
    "scale_texts",
]

#: The most of the region's drawn box the legends may cover on first view, where they cannot be
#: put beside it: about a folded legend's title over a corner.
LEGEND_SHARE = 0.02
#: Pixels between the region and the frame's edge.
FIT_PADDING = 6
#: How much smaller (in zoom steps: 0.6 is about two thirds of the size) the region may be drawn
#: to lie beside the open legends rather than under them; beyond it, the legends fold.
ASIDE_ZOOM_LOSS = 0.6


def scale_text(language: Language, metres: float) -> str:
    """A scale bar's length in the reader's digits and unit words: metres below a kilometre,
    else kilometres ("۵۰۰ متر", "۵ کیلومتر", "500 m")."""
    if float(metres) < 1000:
        return language.t("reports.units.m", m=fmt_number(metres, language.code, 0))
    return language.km(float(metres) / 1000)


def scale_texts(language: Language) -> dict[str, str]:
    """The scale bar's text for each length Leaflet draws (1, 2, 3 or 5 × 10^n metres, up to
    5,000 km), in the reader's digits and unit words ("۵ کیلومتر", "500 m")."""
    return {
        str(step * 10**power): scale_text(language, step * 10**power)
        for power in range(7)
        for step in (1, 2, 3, 5)
    }


def region_bounds(frame: gpd.GeoDataFrame) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of the drawn geometries, or None when there are none."""
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if not len(present):
        return None
    minx, miny, maxx, maxy = present.total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return None
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


class MapFrame(MacroElement):
    """Fit, folding legends, tooltips inside the frame and labels (see the module's text).

    ``bounds`` is the region (``[[south, west], [north, east]]``) or None; ``labels`` come from
    :func:`render.maps.area_labels` (their text already escaped).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .ca-legend-toggle {
                all: unset; cursor: pointer; display: flex; align-items: center; gap: 4px;
                font-weight: 600; margin-bottom: 4px; box-sizing: border-box; max-width: 100%;
            }
            .ca-legend-toggle::after { content: "\\25BE"; font-size: 11px; color: #57606a; }
            .ca-legend-toggle:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
            .ca-legend.ca-folded { padding: 3px 8px; }
            .ca-legend.ca-folded > :not(.ca-legend-toggle) { display: none; }
            .ca-legend.ca-folded .ca-legend-toggle { margin-bottom: 0; }
            .ca-legend.ca-folded .ca-legend-toggle::after { content: "\\25B8"; }
            .ca-legend[dir="rtl"].ca-folded .ca-legend-toggle::after { content: "\\25C2"; }
            .leaflet-pane.ca-label-pane { pointer-events: none; }
            .ca-label {
                white-space: nowrap; font-size: 11px; font-weight: 600; color: #1f2328;
                text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;
                transform: translate(-50%, -50%); width: max-content; unicode-bidi: isolate;
            }
            .ca-label-outer { font-size: 12px; letter-spacing: 0.02em; }
            .ca-label-icon { background: none; border: none; }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, container = map.getContainer();
            var bounds = {{ this.bounds_json }}, labels = {{ this.labels_json }};
            var share = {{ this.share }}, pad = {{ this.padding }}, moved = false, waits = 0;
            var lossAllowed = {{ this.loss }};
            var scaleTexts = {{ this.scale_json }};
            map.options.zoomSnap = 0.1;
            if (scaleTexts && map.caScale) {
                // Leaflet rounds the bar to 1, 2, 3 or 5 x 10^n metres: each has its text.
                var scale = map.caScale;
                scale._updateMetric = function (maxMeters) {
                    var metres = this._getRoundNum(maxMeters);
                    var text = scaleTexts[String(metres)];
                    if (text === undefined) text = metres < 1000 ? metres + " m" : metres / 1000 + " km";
                    // The text reads in its own direction (an isolate), while the bar's line
                    // stays left to right: a text longer than the bar runs on over the map,
                    // never out of the frame's left edge.
                    this._updateScale(this._mScale, "<bdi>" + text + "</bdi>", metres / maxMeters);
                };
                scale._mScale.setAttribute("dir", "ltr");
                scale._update();
            }
            function regionBox() {
                if (!bounds) return null;
                var size = map.getSize();
                if (!size.x || !size.y) return null;
                var a = map.latLngToContainerPoint([bounds[1][0], bounds[0][1]]);
                var b = map.latLngToContainerPoint([bounds[0][0], bounds[1][1]]);
                var x0 = Math.max(0, a.x), y0 = Math.max(0, a.y);
                var x1 = Math.min(size.x, b.x), y1 = Math.min(size.y, b.y);
                if (x1 <= x0 || y1 <= y0) return null;
                return {x0: x0, y0: y0, x1: x1, y1: y1, area: (x1 - x0) * (y1 - y0)};
            }
            function plainBox() {
                // The region's drawn box were it fitted with a few pixels all round (centred),
                // worked out without moving the map.
                var frame = map.getSize();
                if (!frame.x || !frame.y) return null;
                var z = map.getBoundsZoom(bounds, false, L.point(2 * pad, 2 * pad));
                var a = map.project([bounds[1][0], bounds[0][1]], z);
                var b = map.project([bounds[0][0], bounds[1][1]], z);
                var w = b.x - a.x, h = b.y - a.y;
                var x0 = Math.max(0, (frame.x - w) / 2), y0 = Math.max(0, (frame.y - h) / 2);
                var x1 = Math.min(frame.x, x0 + w), y1 = Math.min(frame.y, y0 + h);
                return {x0: x0, y0: y0, x1: x1, y1: y1, area: (x1 - x0) * (y1 - y0)};
            }
            function extent(el) {
                var r = el.getBoundingClientRect();
                return r.width * r.height;
            }
            function coveredBy(box, legends) {
                var total = 0;
                legends.forEach(function (el) { if (el.offsetParent !== null) total += covered(box, el); });
                return total;
            }
            function covered(box, el) {
                var o = container.getBoundingClientRect(), r = el.getBoundingClientRect();
                var w = Math.min(box.x1, r.right - o.left) - Math.max(box.x0, r.left - o.left);
                var h = Math.min(box.y1, r.bottom - o.top) - Math.max(box.y0, r.top - o.top);
                return w > 0 && h > 0 ? w * h : 0;
            }
            // A legend grows when its icons and fonts arrive, and the frame takes its final
            // width after the map is made: measure again whenever either changes size.
            var sizes = window.ResizeObserver ? new ResizeObserver(function () { fold(); }) : null;
            if (sizes) sizes.observe(container);
            function sync(el) {
                if (sizes && !el.dataset.caSized) { el.dataset.caSized = "1"; sizes.observe(el); }
                var title = el.querySelector(".ca-legend-title");
                if (title && !title.classList.contains("ca-legend-toggle")) {
                    var button = document.createElement("button");
                    button.type = "button";
                    button.className = "ca-legend-title ca-legend-toggle";
                    button.setAttribute("dir", "auto");
                    button.innerHTML = title.innerHTML;
                    title.replaceWith(button);
                }
                var toggle = el.querySelector(".ca-legend-toggle");
                if (toggle) {
                    toggle.setAttribute("aria-expanded", el.classList.contains("ca-folded") ? "false" : "true");
                }
            }
            function fold() {
                // First view: until the reader moves the map or opens or folds a legend
                // themselves, the region is fitted beside the legends (fit), and the legends
                // they have not touched are folded, largest first, while they still cover
                // more than the share allowed of the region's drawn box.
                if (!bounds || moved) return;
                // Until Leaflet's stylesheet has arrived the controls sit below the map, in
                // the page's flow: look again shortly.
                var corner = container.querySelector(".leaflet-top");
                if (corner && getComputedStyle(corner).position !== "absolute") {
                    if (waits++ < 100) setTimeout(fold, 100);
                    return;
                }
                var legends = container.querySelectorAll(".ca-legend"), untouched = [];
                legends.forEach(function (el) {
                    sync(el);
                    if (!el.dataset.caUser && el.offsetParent !== null) {
                        el.classList.remove("ca-folded");
                        untouched.push(el);
                    }
                });
                // Beside the open legends where that costs little; else, while the legends
                // cover too much of the region, the largest folds and the others are tried.
                untouched.sort(function (a, b) { return extent(b) - extent(a); });
                var room = aside(), next = 0;
                while (room === null && next < untouched.length) {
                    var plain = plainBox();
                    if (!plain || coveredBy(plain, legends) < share * plain.area) break;
                    untouched[next++].classList.add("ca-folded");
                    room = aside();
                }
                fit(room);
                var box = regionBox();
                if (!box) return;
                var parts = [], total = 0;
                legends.forEach(function (el) {
                    if (el.offsetParent === null) return;
                    var c = covered(box, el);
                    total += c;
                    if (!el.dataset.caUser) parts.push([c, el]);
                });
                parts.sort(function (p, q) { return q[0] - p[0]; });
                for (var i = 0; i < parts.length && total >= share * box.area; i++) {
                    parts[i][1].classList.add("ca-folded");
                    total += covered(box, parts[i][1]) - parts[i][0];
                }
                parts.forEach(function (p) { sync(p[1]); });
            }
            container.addEventListener("click", function (e) {
                var toggle = e.target.closest && e.target.closest(".ca-legend-toggle");
                if (!toggle) return;
                var el = toggle.closest(".ca-legend");
                el.classList.toggle("ca-folded");
                el.dataset.caUser = "1";
                moved = true;  // the reader has taken over: nothing folds or refits by itself
                sync(el);
            }, true);
            new MutationObserver(function () {
                container.querySelectorAll(".ca-legend").forEach(sync);
                fold();
            }).observe(container, {childList: true, subtree: true, attributes: true,
                                   attributeFilter: ["style"]});
            function aside() {
                // Padding that keeps the region clear of the open legends: beside them
                // (left and right) or above and below them, whichever leaves the region
                // larger; null when either would shrink it by more than lossAllowed zoom
                // steps (a legend folds instead).
                var size = map.getSize(), o = container.getBoundingClientRect();
                var left = 0, right = 0, top = 0, bottom = 0;
                container.querySelectorAll(".ca-legend").forEach(function (el) {
                    if (el.offsetParent === null) return;
                    var r = el.getBoundingClientRect(), at = el.closest(".leaflet-bottom") ? "b" : "t";
                    var x0 = r.left - o.left, x1 = r.right - o.left;
                    var y0 = r.top - o.top, y1 = r.bottom - o.top;
                    if (el.closest(".leaflet-right")) right = Math.max(right, size.x - x0);
                    else left = Math.max(left, x1);
                    if (at === "b") bottom = Math.max(bottom, size.y - y0);
                    else top = Math.max(top, y1);
                });
                var plain = [[pad, pad], [pad, pad]];
                if (!(left || right)) return plain;  // no legend open: nothing to keep clear of
                var sides = [[left + pad, pad], [right + pad, pad]];
                var ends = [[pad, top + pad], [pad, bottom + pad]];
                function zoom(p) {
                    return map.getBoundsZoom(bounds, false, L.point(p[0][0] + p[1][0], p[0][1] + p[1][1]));
                }
                var best = zoom(sides) >= zoom(ends) ? sides : ends;
                return zoom(plain) - zoom(best) <= lossAllowed ? best : null;
            }
            var fitted = null;
            function fit(room) {
                // room: paddings from aside(); null: a few pixels all round.
                var p = room || [[pad, pad], [pad, pad]];
                var frame = map.getSize(), key = JSON.stringify([p, frame.x, frame.y]);
                if (key === fitted) return;
                fitted = key;
                map.fitBounds(bounds, {paddingTopLeft: p[0], paddingBottomRight: p[1], animate: false});
            }
            ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
                container.addEventListener(name, function () { moved = true; }, true);
            });
            map.on("resize", function () { fold(); });

            if (!L.Tooltip.prototype.caInside) {
                var setTooltip = L.Tooltip.prototype._setPosition;
                L.Tooltip.prototype._setPosition = function (pos) {
                    setTooltip.call(this, pos);
                    var el = this._container, m = this._map;
                    if (!el || !m) return;
                    // Where Leaflet put it, in the frame's pixels, and its size.
                    var at = m.layerPointToContainerPoint(L.DomUtil.getPosition(el));
                    var size = m.getSize(), w = el.offsetWidth, h = el.offsetHeight;
                    var dx = 0, dy = 0;
                    if (at.x + w > size.x - 2) dx = size.x - 2 - (at.x + w);
                    if (at.x + dx < 2) dx = 2 - at.x;
                    if (at.y + h > size.y - 2) dy = size.y - 2 - (at.y + h);
                    if (at.y + dy < 2) dy = 2 - at.y;
                    if (dx || dy) L.DomUtil.setPosition(el, L.DomUtil.getPosition(el).add([dx, dy]));
                };
                L.Tooltip.prototype.caInside = true;
            }

            if (labels.length) {
                map.createPane("caLabels").classList.add("ca-label-pane");
                map.getPane("caLabels").style.zIndex = 450;
                var marks = labels.map(function (l) {
                    return L.marker([l[0], l[1]], {
                        pane: "caLabels", interactive: false, keyboard: false,
                        icon: L.divIcon({className: "ca-label-icon", iconSize: null,
                                         html: '<div class="ca-label' + (l[5] ? " ca-label-outer" : "")
                                             + '" dir="auto">' + l[4] + "</div>"})
                    });
                });
                var shown = marks.map(function () { return false; });
                function place() {
                    // A label shows where its area is drawn wide enough for it. With district
                    // (outer) labels, those show until a quarter of the areas' own labels fit,
                    // then the areas' labels instead.
                    var fits = labels.map(function (l) {
                        var w = map.latLngToContainerPoint([l[0], l[3]]).x
                            - map.latLngToContainerPoint([l[0], l[2]]).x;
                        return w >= Math.max(48, l[4].length * 5.5);
                    });
                    var inner = 0, total = 0, outer = false;
                    labels.forEach(function (l, i) {
                        if (l[5]) { outer = true; } else { total += 1; if (fits[i]) inner += 1; }
                    });
                    var areasNow = !outer || inner >= 0.25 * total;
                    // Labels that would overlap at this zoom: the first (the widest area's,
                    // as ordered in Python) is shown, the others left out; boxes estimated
                    // from the text's length and the font size (render/labels.py's rule).
                    var taken = [];
                    for (var i = 0; i < labels.length; i++) {
                        var show = fits[i] && (labels[i][5] ? !areasNow : areasNow);
                        if (show) {
                            var p = map.latLngToContainerPoint([labels[i][0], labels[i][1]]);
                            var px = labels[i][5] ? 12 : 11;
                            var chars = labels[i][4].replace(/&[#a-z0-9]+;/gi, "x").length;
                            var hw = chars * {{ this.char_width }} * px / 2 + 2;
                            var hh = {{ this.line_height }} * px / 2 + 2;
                            var box = [p.x - hw, p.y - hh, p.x + hw, p.y + hh];
                            show = !taken.some(function (t) {
                                return t[0] < box[2] && box[0] < t[2] && t[1] < box[3] && box[1] < t[3];
                            });
                            if (show) taken.push(box);
                        }
                        if (show && !shown[i]) marks[i].addTo(map);
                        if (!show && shown[i]) map.removeLayer(marks[i]);
                        shown[i] = show;
                    }
                }
                map.on("zoomend", place);
                map.whenReady(place);
            }
            // A first fit at once; fold() fits again beside the legends once they are placed.
            if (bounds) map.fitBounds(bounds, {padding: [pad, pad], animate: false});
            fold();
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        bounds: list[list[float]] | None,
        labels: list[list[Any]] | None = None,
        scale: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._name = "MapFrame"
        # Catalog texts with the reader's digits (no data); escaped all the same.
        self.scale_json = json.dumps(
            {k: html.escape(v) for k, v in scale.items()} if scale else None, ensure_ascii=False
        ).replace("</", "<\\/")
        self.bounds_json = json.dumps(bounds)
        # Labels are escaped text; "</" is broken so no name can close the script element.
        # The widest areas' first: of labels that would overlap, theirs are shown.
        ordered = sorted(labels or [], key=lambda label: -(label[3] - label[2]))
        self.labels_json = json.dumps(ordered, ensure_ascii=False).replace("</", "<\\/")
        self.char_width, self.line_height = CHAR_WIDTH, LINE_HEIGHT
        self.share = LEGEND_SHARE
        self.padding = FIT_PADDING
        self.loss = ASIDE_ZOOM_LOSS
