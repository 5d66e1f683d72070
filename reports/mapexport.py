"""The map export: one map view (a metric at a level for a month) as PNG, standalone HTML and
data files. The dashboard builds the view's frame from its scoped, cached loaders; the command
line from the tables with :func:`view_frame`. Both then call :func:`map_png_bytes` /
:func:`map_html`, so the two give the same picture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from analytics import coverage as cov
from analytics.geometry import area_km2, merge_by
from render.language import Language
from reports.figures import METRIC_KINDS, classify_metric, map_png, place_labels

__all__ = ["LEVEL_KEYS", "map_figure", "map_html", "map_png_bytes", "unit_labels", "view_frame"]

LEVEL_KEYS = {"district": "district_id", "area": "area_id"}


def view_frame(
    tables: Mapping[str, pd.DataFrame], level: str, month: pd.Timestamp | None
) -> gpd.GeoDataFrame:
    """Coverage figures per unit (``area`` or ``district``) with polygons, EPSG:4326."""
    if level not in LEVEL_KEYS:
        raise ValueError(f"level must be one of {sorted(LEVEL_KEYS)}, got {level!r}")
    areas = tables["areas"]
    insured = tables["insured"]
    if len(insured):
        per_area = cov.coverage_by_area(areas, insured, period=month)
    else:
        empty = pd.DataFrame(
            {
                "area_id": pd.Series([], dtype="string"),
                "period": pd.to_datetime([]),
                "insured": pd.Series([], dtype="Int64"),
            }
        )
        per_area = cov.coverage_by_area(areas, empty)
    per_area = pd.DataFrame(per_area.drop(columns=areas.geometry.name, errors="ignore"))
    per_area["area_km2"] = area_km2(areas).to_numpy()
    if level == "area":
        frame = per_area
        shapes = areas[["area_id", areas.geometry.name]]
    else:
        names = ["district_name"] if "district_name" in per_area else []
        frame = cov.aggregate_coverage(per_area, ["district_id", *names])
        km2 = per_area.groupby("district_id")["area_km2"].sum()
        frame["area_km2"] = frame["district_id"].map(km2).to_numpy()
        shapes = merge_by(areas[["district_id", areas.geometry.name]], "district_id")
        if "district_name" not in frame:
            frame["district_name"] = frame["district_id"]
    frame["density"] = frame["population"].astype("float64") / frame["area_km2"]
    key = LEVEL_KEYS[level]
    merged = shapes.merge(frame.drop(columns=["geometry"], errors="ignore"), on=key, how="left")
    return gpd.GeoDataFrame(merged, geometry=shapes.geometry.name, crs=areas.crs)


def _names(frame: pd.DataFrame, name_column: str, id_column: str, lang: Language) -> pd.Series:
    return lang.names(frame, name_column).fillna(frame[id_column]).astype(str)


def unit_labels(
    shapes: gpd.GeoDataFrame, name_column: str, id_column: str, lang: Language
) -> gpd.GeoDataFrame:
    """``shapes`` labelled with their names in ``lang`` (else their ids), one label per unit:
    the ``labels`` of :func:`map_png_bytes` (e.g. the districts over an area map)."""
    units = (
        shapes.dissolve(id_column, as_index=False)
        if shapes[id_column].duplicated().any()
        else shapes
    )
    return place_labels(units, _names(units, name_column, id_column, lang))


def _title(metric: str, lang: Language, place: str) -> str:
    return lang.t("reports.map.export_title", metric=lang.t(f"metric.{metric}"), place=place)


def _date_line(lang: Language, month: pd.Timestamp | None, made: dt.date | None) -> str:
    return lang.t(
        "reports.map.date_line",
        month=lang.month(month) if month is not None else "—",
        date=lang.date(made or dt.date.today()),
    )


def _highlighted(
    frame: gpd.GeoDataFrame, id_column: str | None, highlight: str | None
) -> gpd.GeoDataFrame | None:
    if highlight is None or id_column is None or id_column not in frame:
        return None
    chosen = frame[(frame[id_column].astype("string") == str(highlight)).fillna(False).to_numpy()]
    return chosen if len(chosen) else None


def map_figure(
    frame: gpd.GeoDataFrame,
    *,
    metric: str,
    lang: Language,
    place: str,
    month: pd.Timestamp | None,
    source_note: str,
    outlines: gpd.GeoDataFrame | None = None,
    made: dt.date | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
    id_column: str | None = None,
    highlight: str | None = None,
    labels: gpd.GeoDataFrame | None = None,
):
    """The map view as a matplotlib figure (see :func:`map_png_bytes`); its texts can be read
    back (``fig.texts``, the legend, the axes' texts) without drawing it."""
    import matplotlib

    from reports.figures import map_figure as draw
    from reports.fonts import matplotlib_families

    classified = classify_metric(frame[metric], metric, lang, scheme=scheme, k=k, breaks=breaks)
    with matplotlib.rc_context({"font.family": matplotlib_families(lang.code)}):
        return draw(
            frame,
            classified,
            lang,
            title=_title(metric, lang, place),
            legend_title=lang.t(f"metric.{metric}"),
            date_line=_date_line(lang, month, made),
            source_note=source_note,
            outlines=outlines,
            highlight=_highlighted(frame, id_column, highlight),
            labels=labels,
        )


def map_png_bytes(
    frame: gpd.GeoDataFrame,
    *,
    metric: str,
    lang: Language,
    place: str,
    month: pd.Timestamp | None,
    source_note: str,
    outlines: gpd.GeoDataFrame | None = None,
    made: dt.date | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
    id_column: str | None = None,
    highlight: str | None = None,
    labels: gpd.GeoDataFrame | None = None,
) -> bytes:
    """The map view as a PNG with title, legend, date, scale bar, north arrow and source note.

    Parameters
    ----------
    frame
        The units in view with their figures and polygons (any CRS; drawn in metres).
    metric
        The column shown (a key of :data:`reports.figures.METRIC_KINDS`).
    place
        What the map shows, in the title (the region, a district, a partner).
    month, made
        The month of the figures, and the day the map is made (default today).
    outlines
        Polygons drawn as outlines on top (e.g. the districts of an area map).
    scheme, k, breaks
        The classification, as on the dashboard's map (:func:`analytics.classify.classify`).
    id_column, highlight
        The unit drawn with a thick outline (the one chosen on the map), by its id.
    labels
        Place names drawn on the map where their shape is wide enough (:func:`unit_labels`).
    """
    classified = classify_metric(frame[metric], metric, lang, scheme=scheme, k=k, breaks=breaks)
    return map_png(
        frame,
        classified,
        lang,
        title=_title(metric, lang, place),
        legend_title=lang.t(f"metric.{metric}"),
        date_line=_date_line(lang, month, made),
        source_note=source_note,
        outlines=outlines,
        highlight=_highlighted(frame, id_column, highlight),
        labels=labels,
    )


#: A north arrow for the standalone map: an upward arrow over the letter (``{north}``).
_NORTH_ARROW = (
    '<div class="ca-north" dir="{direction}" style="position:fixed;top:{top};{side}:12px;'
    "z-index:1000;background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;"
    'text-align:center;font:bold 13px system-ui,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
    '<svg width="18" height="26" viewBox="0 0 18 26" role="img" aria-label="{north}">'
    '<path d="M9 1 L17 25 L9 19 L1 25 Z" fill="#1f2328"/></svg><br>{north}</div>'
)


def map_html(
    frame: gpd.GeoDataFrame,
    *,
    id_column: str,
    name_column: str,
    metric: str,
    lang: Language,
    place: str,
    month: pd.Timestamp | None,
    source_note: str,
    made: dt.date | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
    highlight: str | None = None,
) -> str:
    """The map view as one HTML file that works offline: tooltips, legend, title, the month and
    the day it was made, scale bar, north arrow and data-source note (parameters as for
    :func:`map_png_bytes`)."""
    import html

    from branca.element import Element, Figure

    from render.maps import LegendItem, choropleth_map
    from render.mapview import MapView
    from reports.exports import standalone_map_html

    classified = classify_metric(frame[metric], metric, lang, scheme=scheme, k=k, breaks=breaks)
    shown = frame[[id_column, frame.geometry.name]].copy()
    shown["_colour"] = classified.colours.to_numpy()
    shown["_name"] = _names(frame, name_column, id_column, lang).to_numpy()
    kind = METRIC_KINDS[metric]
    shown["_value"] = (
        frame[metric]
        .map(lambda v: lang.int(v) if kind == "density" else lang.value(v, kind))
        .to_numpy()
    )
    shown = gpd.GeoDataFrame(shown, geometry=frame.geometry.name, crs=frame.crs).to_crs(4326)
    fmap = choropleth_map(
        shown,
        id_column=id_column,
        colour_column="_colour",
        tooltip=[("_name", lang.t("map.name")), ("_value", lang.t(f"metric.{metric}"))],
        legend_title=lang.t(f"metric.{metric}"),
        legend_items=[LegendItem(e.colour, e.label, e.count) for e in classified.legend],
        highlight_id=highlight,
        view=MapView.read_in(lang).sized("print"),
    )
    title = _title(metric, lang, place)
    side, other = ("right", "left") if lang.rtl else ("left", "right")
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium map's root is the page Figure it renders into
    root.header.add_child(Element(f'<meta charset="utf-8"><title>{html.escape(title)}</title>'))
    root.html.add_child(
        Element(
            f'<div class="ca-title" dir="{lang.direction}" style="position:fixed;top:10px;'
            f"{side}:60px;z-index:1000;background:rgba(255,255,255,.92);padding:6px 12px;"
            "border-radius:4px;font:14px system-ui,sans-serif;"
            'box-shadow:0 1px 4px rgba(0,0,0,.3)">'
            f"<b>{html.escape(title)}</b><br>"
            f'<span class="ca-date">{html.escape(_date_line(lang, month, made))}</span><br>'
            f'<small class="ca-source">{html.escape(source_note)}</small></div>'
        )
    )
    root.html.add_child(
        Element(
            _NORTH_ARROW.format(
                direction=lang.direction,
                side=other,
                # Right to left, the arrow sits under the zoom buttons (top left).
                top="90px" if lang.rtl else "10px",
                north=html.escape(lang.t("reports.map.north")),
            )
        )
    )
    return standalone_map_html(fmap)
