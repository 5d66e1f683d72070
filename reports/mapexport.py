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
from reports.figures import METRIC_KINDS, classify_metric, map_png
from reports.text import Language, display_names

__all__ = ["LEVEL_KEYS", "map_html", "map_png_bytes", "view_frame"]

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
    return display_names(frame, name_column, lang.code).fillna(frame[id_column]).astype(str)


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
) -> bytes:
    """The map view as a PNG with title, legend, date, scale bar, north arrow and source note."""
    classified = classify_metric(frame[metric], metric, lang)
    title = lang.t("reports.map.export_title", metric=lang.t(f"metric.{metric}"), place=place)
    date_line = lang.t(
        "reports.map.date_line",
        month=lang.month(month) if month is not None else "—",
        date=lang.date(made or dt.date.today()),
    )
    return map_png(
        frame,
        classified,
        lang,
        title=title,
        legend_title=lang.t(f"metric.{metric}"),
        date_line=date_line,
        source_note=source_note,
        outlines=outlines,
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
) -> str:
    """The map view as one HTML file that works offline (tooltip, legend, title and source)."""
    import html

    from branca.element import Element

    from reports.exports import standalone_map_html
    from ui.maps import LegendItem, choropleth_map

    classified = classify_metric(frame[metric], metric, lang)
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
        count_format=lang.int,
        height=700,
    )
    title = lang.t("reports.map.export_title", metric=lang.t(f"metric.{metric}"), place=place)
    month_text = lang.month(month) if month is not None else "—"
    side = "right" if lang.rtl else "left"
    fmap.get_root().header.add_child(
        Element(f'<meta charset="utf-8"><title>{html.escape(title)}</title>')
    )
    fmap.get_root().html.add_child(
        Element(
            f'<div dir="{lang.direction}" style="position:fixed;top:10px;{side}:60px;z-index:1000;'
            "background:rgba(255,255,255,.92);padding:6px 12px;border-radius:4px;"
            'font:14px system-ui,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
            f"<b>{html.escape(title)}</b><br>"
            f"{html.escape(lang.t('reports.month_line', month=month_text))}<br>"
            f"<small>{html.escape(source_note)}</small></div>"
        )
    )
    return standalone_map_html(fmap)
