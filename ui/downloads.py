"""Download buttons for every table and map of the dashboard: CSV and XLSX, GeoJSON and
GeoPackage, and the map view itself as PNG and standalone HTML.

One helper for all pages, so every table downloads the same way. The files are made by
:mod:`reports.exports` and :mod:`reports.mapexport` (text that a spreadsheet would run as a formula
is neutralised) from the frame the page shows, which came from the session's scoped loaders
(``ctx.source``): a partner's downloads hold its own areas only. Every file is made when its
button is pressed (Streamlit's deferred download), never on a rerun that does not ask for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from analytics.geometry import merge_by
from geodata.tables.calendar import period_name
from geodata.users import audit
from render.language import Language
from reports import mapexport
from reports.documents import source_note
from reports.exports import geojson_bytes, geopackage_bytes, table_csv, table_xlsx
from ui.context import Context
from ui.localize import COVERAGE_BAR

__all__ = [
    "COLUMN_KINDS",
    "audit_actor",
    "column_kinds",
    "map_downloads",
    "map_exports",
    "recorded",
    "scope_place",
    "table_downloads",
]

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: The kind of the columns every table headers with these catalogue labels, unless the table
#: declares otherwise (:func:`table_downloads`): shares are 0–1 as :mod:`analytics` computes
#: them; a table that holds a percentage 0–100 under one of these labels declares ``percent``.
COLUMN_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "metric.coverage",
            "metric.gap_to_target",
            "gap.table.coverage_low",
            "gap.table.coverage_high",
            "partners.target",
            "partners.progress",
        ),
        "share",
    ),
    **dict.fromkeys(
        (
            "metric.population",
            "metric.insured",
            "metric.uninsured",
            "metric.people_to_target",
            "gap.table.population_low",
            "gap.table.population_high",
        ),
        "count",
    ),
    "gap.table.rank": "rank",
}


def column_kinds(
    ctx: Context,
    frame: pd.DataFrame,
    percent: tuple[str, ...] = (),
    kinds: dict[str, str] | None = None,
) -> dict[str, str]:
    """The kind of each column of ``frame`` (by header) for the files: :data:`COLUMN_KINDS` by
    the headers' labels in the session's language, then ``percent`` (shares 0–1) and ``kinds``
    as the table declares them."""
    labels = {ctx.t(key): kind for key, kind in COLUMN_KINDS.items()}
    found = {str(c): labels[str(c)] for c in frame.columns if str(c) in labels}
    return found | {str(c): "share" for c in percent} | dict(kinds or {})


def _file_stem(name: str) -> str:
    return _SAFE.sub("_", name).strip("_") or "table"


def recorded(
    ctx: Context, file_name: str, data: bytes | Callable[[], bytes], detail: str = ""
) -> Callable[[], bytes]:
    """``data`` made when its button is pressed, the download recorded then in the audit trail
    (:mod:`geodata.users.audit`: who, role, scope and the file's name, then ``detail`` in brackets
    where given, e.g. the version). Made outside the page's run: the session's identity is the one
    ``ctx`` holds."""
    what = f"{file_name} ({detail})" if detail else file_name

    def make() -> bytes:
        audit.append(ctx.workspace, audit_actor(ctx), "download", what)
        return data() if callable(data) else data

    return make


def audit_actor(ctx: Context) -> audit.Actor:
    """This session as the audit trail names it: user name (a public visitor: ``public``), role
    and scope (a partner's id, else ``all``)."""
    return audit.Actor(
        user=ctx.username or ctx.user or "public",
        role=ctx.role,
        scope=audit.scope_of(ctx.role, ctx.partner_id),
    )


Files = list[tuple[str, bytes | Callable[[], bytes], str, str, str]]


def _audited(ctx: Context, stem: str, files: Files) -> Files:
    """``files`` with each one's making recorded when its button is pressed (:func:`recorded`)."""
    return [
        (label, recorded(ctx, f"{stem}.{extension}", data), extension, mime, icon)
        for label, data, extension, mime, icon in files
    ]


def _download_row(key: str, stem: str, files: Files) -> None:
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
    kinds: dict[str, str] | None = None,
    key: str | None = None,
) -> None:
    """CSV and XLSX buttons side by side for ``frame`` (a styled table gives its data).

    Both files follow one convention (:func:`reports.exports.export_frame`): percentages 0–100
    with the unit in the header, counts and ranks as whole numbers, empty cells empty. Each
    column's kind comes from :func:`column_kinds`.

    Parameters
    ----------
    frame
        The table as shown (translated headers); helper columns such as the coverage bar are
        left out of the files.
    name
        File name stem (``overview_districts`` gives ``overview_districts.csv`` / ``.xlsx``).
    percent
        Columns holding shares 0–1 (kind ``share``).
    kinds
        Column kinds by header that the table declares (``share``, ``percent`` for 0–100,
        ``count``, ``rank``, ``km``, ``text``…), over those of :data:`COLUMN_KINDS`.
    key
        Widget key stem (default: from ``name``); needed when one page offers ``name`` twice.
    """
    data = frame.data if isinstance(frame, Styler) else frame
    data = data.drop(columns=[COVERAGE_BAR], errors="ignore")  # reports.exports drops geometry
    stem = _file_stem(name)
    declared = column_kinds(ctx, data, percent, kinds)
    _download_row(
        key or f"dl_{stem}",
        stem,
        _audited(
            ctx,
            stem,
            [
                # Made when the button is pressed (Streamlit's deferred download), not on every
                # rerun: a workbook of a large table costs a good part of a rerun.
                (
                    ctx.t("downloads.csv"),
                    lambda: table_csv(data, kinds=declared, lang=ctx.lang),
                    "csv",
                    "text/csv",
                    ":material/download:",
                ),
                (
                    ctx.t("downloads.xlsx"),
                    lambda: table_xlsx(
                        data, sheet=stem, kinds=declared, rtl=ctx.lang == "fa", lang=ctx.lang
                    ),
                    "xlsx",
                    XLSX_MIME,
                    ":material/table_view:",
                ),
            ],
        ),
    )


def _geodata_files(
    ctx: Context, frame: Callable[[], gpd.GeoDataFrame]
) -> list[tuple[str, Callable[[], bytes], str, str, str]]:
    return [
        (
            ctx.t("briefings.map.download_geojson"),
            lambda: geojson_bytes(frame()),
            "geojson",
            "application/geo+json",
            ":material/download:",
        ),
        (
            ctx.t("briefings.map.download_gpkg"),
            lambda: geopackage_bytes(frame()),
            "gpkg",
            "application/geopackage+sqlite3",
            ":material/download:",
        ),
    ]


def map_downloads(ctx: Context, frame: gpd.GeoDataFrame, name: str, *, key: str | None = None):
    """GeoJSON and GeoPackage buttons for the data of a map (polygons and their figures), each
    made when pressed."""
    stem = _file_stem(name)
    files = _audited(ctx, stem, _geodata_files(ctx, lambda: frame))
    _download_row(key or f"dl_{stem}", stem, files)


def scope_place(ctx: Context) -> str:
    """What the session's maps show, for their titles: a partner's name in the session's
    language (``name_fa``...) in a partner's session, else the workspace's title."""
    if ctx.role != "partner" or not ctx.partner_id:
        return ctx.title
    from ui import data

    partners = data.table(ctx.source, ctx.version, "partners")
    own = partners[(partners["partner_id"].astype("string") == ctx.partner_id).to_numpy()]
    if not len(own):
        return ctx.partner_id
    return str(ctx.language.names(own, "name").fillna(ctx.partner_id).iloc[0])


def _labels(
    shown: gpd.GeoDataFrame, id_column: str, name_column: str, lang: Language
) -> gpd.GeoDataFrame | None:
    """The names the exported map carries: its districts' (over an area map, where the figures
    name them), else its own units' (a district map)."""
    if id_column == "area_id":
        if not {"district_id", "district_name"} <= set(shown.columns):
            return None
        districts = shown[["district_id", "district_name", shown.geometry.name]]
        districts = districts.dropna(subset="district_id")
        if districts["district_id"].nunique() < 2:
            return None
        return mapexport.unit_labels(districts, "district_name", "district_id", lang)
    if name_column not in shown.columns:
        return None
    return mapexport.unit_labels(shown, name_column, id_column, lang)


def map_exports(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    id_column: str,
    name_column: str,
    metric: str,
    month: pd.Timestamp | None,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
    highlight: str | None = None,
    place: str | None = None,
    key: str,
) -> None:
    """PNG, standalone HTML, GeoJSON and GeoPackage of the map view as it is shown.

    The same units (``shapes``: the polygons in view, after any province or district drill-down),
    measure, classes and highlighted unit as the map on the page; the PNG and HTML carry title,
    legend, month and the day they were made, scale bar, north arrow and data-source note in the
    session's language. Each file is made when its button is pressed.

    Parameters
    ----------
    shapes
        The polygons drawn (EPSG:4326), keyed by ``id_column``.
    values
        The figures per unit, keyed by ``id_column``; ``name_column`` names the units.
    metric, scheme, k, breaks, highlight
        As passed to the page's map (:func:`ui.views.live_metric_map`).
    month
        The month of the figures (None: a workspace without insured counts).
    place
        What the map shows, for the title (a district's name...); default :func:`scope_place`.
    key
        Widget key stem of the buttons.
    """
    lang = ctx.language
    where = place or scope_place(ctx)
    note = source_note(ctx.title, ctx.version, ctx.is_demo, lang)
    level = {"area_id": "area", "district_id": "district"}.get(id_column, id_column)
    stem = _file_stem(f"map_{metric}_{level}_{period_name(month, ctx.months) if month else 'all'}")
    style = {"scheme": scheme, "k": k, "breaks": breaks, "highlight": highlight}

    def frame() -> gpd.GeoDataFrame:
        merged = shapes[[id_column, shapes.geometry.name]].merge(
            values.drop(columns=[shapes.geometry.name, "geometry"], errors="ignore"),
            on=id_column,
            how="left",
        )
        return gpd.GeoDataFrame(merged, geometry=shapes.geometry.name, crs=shapes.crs)

    def png() -> bytes:
        outlines = None
        if id_column == "area_id" and "district_id" in shapes:
            districts = shapes[["district_id", shapes.geometry.name]].dropna(subset="district_id")
            if districts["district_id"].nunique() > 1:
                outlines = merge_by(districts, "district_id")
        shown = frame()
        return mapexport.map_png_bytes(
            shown,
            labels=_labels(shown, id_column, name_column, lang),
            metric=metric,
            lang=lang,
            place=where,
            month=month,
            source_note=note,
            outlines=outlines,
            id_column=id_column,
            **style,
        )

    def page() -> bytes:
        return mapexport.map_html(
            frame(),
            id_column=id_column,
            name_column=name_column,
            metric=metric,
            lang=lang,
            place=where,
            month=month,
            source_note=note,
            **style,
        ).encode("utf-8")

    st.caption(ctx.t("briefings.map.export"), help=ctx.t("briefings.map.export_help"))
    files: Files = [
        (ctx.t("briefings.map.download_png"), png, "png", "image/png", ":material/image:"),
        (ctx.t("briefings.map.download_html"), page, "html", "text/html", ":material/public:"),
        *_geodata_files(ctx, frame),
    ]
    _download_row(key, stem, _audited(ctx, stem, files))
