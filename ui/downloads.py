"""Download buttons for every table and map of the dashboard: CSV and XLSX, GeoJSON and GeoPackage.

One helper for all pages, so every table downloads the same way. The files are made by
:mod:`reports.exports` (text that a spreadsheet would run as a formula is neutralised) from the
frame the page shows, which came from the session's scoped loaders
(``ctx.source``): a partner's downloads hold its own areas only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from reports.exports import geojson_bytes, geopackage_bytes, table_csv, table_xlsx
from ui.context import Context
from ui.localize import COVERAGE_BAR

__all__ = ["map_downloads", "table_downloads"]

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_stem(name: str) -> str:
    return _SAFE.sub("_", name).strip("_") or "table"


def _download_row(
    key: str, stem: str, files: list[tuple[str, bytes | Callable[[], bytes], str, str, str]]
) -> None:
    """One download button per ``(label, data, extension, mime, icon)``, side by side; the file is
    ``stem.extension`` and the widget key ``key_extension``."""
    # A horizontal container, not columns: tables sit inside columns already on some pages.
    row = st.container(horizontal=True, gap="small")
    for label, data, extension, mime, icon in files:
        row.download_button(
            label,
            data,
            file_name=f"{stem}.{extension}",
            mime=mime,
            icon=icon,
            key=f"{key}_{extension}",
            on_click="ignore",
        )


def table_downloads(
    ctx: Context,
    frame: pd.DataFrame | Styler,
    name: str,
    *,
    percent: tuple[str, ...] = (),
    key: str | None = None,
) -> None:
    """CSV and XLSX buttons side by side for ``frame`` (a styled table gives its data).

    Parameters
    ----------
    frame
        The table as shown (translated headers); helper columns such as the coverage bar are
        left out of the files.
    name
        File name stem (``overview_districts`` gives ``overview_districts.csv`` / ``.xlsx``).
    percent
        Columns holding shares 0–1, shown as percentages in the workbook.
    key
        Widget key stem (default: from ``name``); needed when one page offers ``name`` twice.
    """
    data = frame.data if isinstance(frame, Styler) else frame
    data = data.drop(columns=[COVERAGE_BAR], errors="ignore")  # reports.exports drops geometry
    stem = _file_stem(name)
    _download_row(
        key or f"dl_{stem}",
        stem,
        [
            # Made when the button is pressed (Streamlit's deferred download), not on every
            # rerun: a workbook of a large table costs a good part of a rerun.
            (
                ctx.t("downloads.csv"),
                lambda: table_csv(data),
                "csv",
                "text/csv",
                ":material/download:",
            ),
            (
                ctx.t("downloads.xlsx"),
                lambda: table_xlsx(data, sheet=stem, percent=percent, rtl=ctx.lang == "fa"),
                "xlsx",
                XLSX_MIME,
                ":material/table_view:",
            ),
        ],
    )


def map_downloads(ctx: Context, frame: gpd.GeoDataFrame, name: str, *, key: str | None = None):
    """GeoJSON and GeoPackage buttons for the data of a map (polygons and their figures)."""
    stem = _file_stem(name)
    _download_row(
        key or f"dl_{stem}",
        stem,
        [
            (
                ctx.t("briefings.map.download_geojson"),
                geojson_bytes(frame),
                "geojson",
                "application/geo+json",
                ":material/download:",
            ),
            (
                ctx.t("briefings.map.download_gpkg"),
                geopackage_bytes(frame),
                "gpkg",
                "application/geopackage+sqlite3",
                ":material/download:",
            ),
        ],
    )
