"""Cached documents and page pieces of the Briefings page.

Every cached function takes the session's source and version first (``ctx.source, ctx.version``),
so a partner's documents are made from its own tables only and never shared with another scope.
The documents are drawn by :mod:`reports` (no Streamlit there).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata.store import is_postgis, workspace_label
from reports import mapexport
from reports.documents import make_briefing, source_note
from reports.text import Language
from ui import data, views
from ui.context import Context
from ui.format import fmt_int, fmt_pct
from ui.safe import md_escape

#: Presentation view: no sidebar, header or toolbar; the page uses the whole width.
PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1.2rem 2rem 1rem; }
.ca-present-title { font-size: 2.4rem; font-weight: 700; line-height: 1.2; }
.ca-present-sub { font-size: 1.2rem; color: #57606a; margin-bottom: 0.6rem; }
[data-testid="stMetricValue"] { font-size: 2.2rem; }
</style>"""


def escape(text: object) -> str:
    """Text for raw HTML."""
    return html.escape(str(text), quote=True)


def md(text: object) -> str:
    """Text for Markdown."""
    return md_escape(text)


def pct(ctx: Context, value: object) -> str:
    return fmt_pct(value, ctx.lang)


def start_presentation() -> None:
    st.query_params["present"] = "1"


def leave_presentation() -> None:
    if "present" in st.query_params:
        del st.query_params["present"]


@st.cache_data(show_spinner=False, max_entries=4)
def partner_names(workspace: str, version: int) -> dict[str, str]:
    partners = data.tables(workspace, version)["partners"]
    if not len(partners):
        return {}
    return dict(zip(partners["partner_id"].astype(str), partners["name"].astype(str), strict=False))


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_pdf(
    workspace: str,
    version: int,
    lang: str,
    calendar: str,
    title: str,
    demo: bool,
    scope: str,
    scope_id: str | None,
    month: str | None,
    orientation: str,
) -> tuple[bytes, int]:
    """The briefing PDF of the session's tables (a partner's: its own areas only) and its
    number of pages."""
    return make_briefing(
        data.tables(workspace, version),
        Language(lang, calendar),
        title=title,
        version=version,
        demo=demo,
        scope=scope,
        scope_id=scope_id,
        month=month,
        orientation=orientation,
    )


def pdf_name(scope: str, scope_id: str | None, month: str, lang: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", str(scope_id or "")).strip("_")
    parts = ["briefing", scope, safe, month or "latest", lang]
    return "_".join(p for p in parts if p) + ".pdf"


def cli_line(ctx: Context, scope: str, scope_id: str | None, month: str, orientation: str) -> str:
    """The command that makes the same briefing on the command line."""
    parts = [".venv/bin/python -m reports briefing"]
    if not ctx.is_demo:
        # A database URL is shown without its password.
        shown = workspace_label(ctx.workspace) if is_postgis(ctx.workspace) else ctx.workspace
        parts.append(f"--workspace '{shown}'")
    if ctx.role == "partner" and ctx.partner_id:
        parts.append(f"--partner {ctx.partner_id}")
    if scope == "district" and scope_id:
        parts.append(f"--district {scope_id}")
    elif scope == "partner" and scope_id:
        parts.append(f"--partner {scope_id}")
    parts.append(f"--lang {ctx.lang}")
    if month:
        parts.append(f"--month {month}")
    parts.append(f"--orientation {orientation} --out briefing.pdf")
    return " ".join(parts)


@st.cache_data(show_spinner=False, max_entries=16)
def view_frame(
    workspace: str, version: int, level: str, month: pd.Timestamp | None
) -> gpd.GeoDataFrame:
    """Figures per unit with polygons (the map export's data)."""
    return mapexport.view_frame(data.tables(workspace, version), level, month)


def _outlines(workspace: str, version: int, level: str) -> gpd.GeoDataFrame | None:
    if level != "area":
        return None
    shapes = data.display_shapes(workspace, version, "district")
    return shapes if len(shapes) else None


def _map_view(
    workspace: str,
    version: int,
    level: str,
    month: str,
    lang: str,
    calendar: str,
    title: str,
    demo: bool,
) -> tuple[gpd.GeoDataFrame, Language, pd.Timestamp | None, str]:
    """What both map exports draw: the figures with polygons, the language, the month (``YYYY-MM``
    or empty for the latest) and the source line."""
    language = Language(lang, calendar)
    stamp = pd.Timestamp(month + "-01") if month else None
    frame = view_frame(workspace, version, level, stamp)
    return frame, language, stamp, source_note(title, version, demo, language)


@st.cache_data(show_spinner=False, max_entries=16)
def map_png(
    workspace: str,
    version: int,
    level: str,
    metric: str,
    month: str,
    lang: str,
    calendar: str,
    title: str,
    demo: bool,
) -> bytes:
    """The map view as a PNG (title, legend, date, scale bar, north arrow, source)."""
    frame, language, stamp, note = _map_view(
        workspace, version, level, month, lang, calendar, title, demo
    )
    return mapexport.map_png_bytes(
        frame,
        metric=metric,
        lang=language,
        place=title,
        month=stamp,
        source_note=note,
        outlines=_outlines(workspace, version, level),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def map_html(
    workspace: str,
    version: int,
    level: str,
    metric: str,
    month: str,
    lang: str,
    calendar: str,
    title: str,
    demo: bool,
) -> str:
    """The map view as one HTML file that opens offline."""
    frame, language, stamp, note = _map_view(
        workspace, version, level, month, lang, calendar, title, demo
    )
    return mapexport.map_html(
        frame,
        id_column=mapexport.LEVEL_KEYS[level],
        name_column=name_column(level),
        metric=metric,
        lang=language,
        place=title,
        month=stamp,
        source_note=note,
    )


def map_export_buttons(ctx: Context, level: str, metric: str, month: str) -> None:
    """PNG and standalone-HTML buttons for the map view (``month``: ``YYYY-MM``, or empty for
    the latest)."""
    args = (ctx.source, ctx.version, level, metric, month, ctx.lang, ctx.calendar, ctx.title)
    stem = f"map_{metric}_{level}_{month or 'all'}"
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        ctx.t("briefings.map.download_png"),
        map_png(*args, ctx.is_demo),
        file_name=f"{stem}.png",
        mime="image/png",
        icon=":material/image:",
        key="br_png",
        on_click="ignore",
    )
    row.download_button(
        ctx.t("briefings.map.download_html"),
        map_html(*args, ctx.is_demo),
        file_name=f"{stem}.html",
        mime="text/html",
        icon=":material/public:",
        key="br_html",
        on_click="ignore",
    )


def name_column(level: str) -> str:
    """The column that names a unit of ``level`` (``area`` or ``district``)."""
    return "name" if level == "area" else "district_name"


def level_map(
    ctx: Context, shapes: gpd.GeoDataFrame, values: pd.DataFrame, level: str, **options: object
) -> None:
    """:func:`ui.views.metric_map` of ``values`` per unit of ``level`` (keyed and named as that
    level is); ``options`` go to it as they are (``metric``, ``key``, ``height``...)."""
    views.metric_map(
        ctx,
        shapes,
        values,
        id_column=data.LEVEL_KEYS[level],
        name_column=name_column(level),
        **options,
    )


def in_district(frame: pd.DataFrame, district_id: str) -> pd.DataFrame:
    """The rows (areas, or their shapes) of ``frame`` in district ``district_id``."""
    return frame[frame["district_id"].astype(str) == district_id]


_COLUMNS = ("population", "insured", "coverage", "uninsured", "people_to_target")


def figures_table(ctx: Context, frame: pd.DataFrame, level: str, name_column: str) -> pd.DataFrame:
    """The map's figures with translated headers (numbers stay numbers)."""
    present = [c for c in _COLUMNS if c in frame]
    table = pd.DataFrame({ctx.t("table.name"): frame[name_column].astype(str).to_numpy()})
    for column in present:
        table[ctx.t(f"metric.{column}")] = frame[column].to_numpy()
    if level == "area" and "district_id" in frame:
        table[ctx.t("table.district")] = frame["district_id"].to_numpy()
    order = ctx.t("metric.uninsured") if "uninsured" in present else ctx.t("metric.population")
    return table.sort_values(order, ascending=False, na_position="last").reset_index(drop=True)


def table_formats(ctx: Context, table: pd.DataFrame) -> dict[str, Callable[[object], str]]:
    rate = ctx.t("metric.coverage")
    return {
        c: (lambda v: fmt_pct(v, ctx.lang)) if c == rate else (lambda v: fmt_int(v, ctx.lang))
        for c in table.columns
        if c not in (ctx.t("table.name"), ctx.t("table.district"))
    }
