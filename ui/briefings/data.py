"""Cached documents and page pieces of the Briefings page.

Every cached function takes the session's source and version first (``ctx.source, ctx.version``),
so a partner's documents are made from its own tables only and never shared with another scope.
The documents are drawn by :mod:`reports` (no Streamlit there).
"""

from __future__ import annotations

import re
import shlex

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata.store.workspace import is_postgis, workspace_label
from geodata.tables.calendar import key_period, period_name
from render.language import Language
from render.safe import md_escape
from reports.documents import make_briefing, travel_minutes
from ui import data, views
from ui.auth import may
from ui.context import Context
from ui.scope import Source, source_path


def md(text: object) -> str:
    """Text for Markdown."""
    return md_escape(text)


def pct(ctx: Context, value: object) -> str:
    return ctx.language.pct(value)


def briefing_scope(ctx: Context, scope: str, scope_id: str | None) -> tuple[str, str | None]:
    """The scope a briefing is made for: in a partner's session, "the whole region" it sees is
    its own areas, so its briefing is the partner's (headed "Partner: <name>"), as the command
    line (``--partner``) makes it."""
    if ctx.role == "partner" and ctx.partner_id and scope == "region":
        return "partner", ctx.partner_id
    return scope, scope_id


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_pdf(
    source: Source,
    version: int,
    lang: str,
    calendar: str,
    title: str,
    demo: bool,
    scope: str,
    scope_id: str | None,
    month: str | None,
    orientation: str,
    measure: str = "line",
) -> tuple[bytes, int]:
    """The briefing PDF of the session's tables (a partner's: its own areas only) and its
    number of pages; its access figures in a straight line (``measure="line"``) or in minutes
    of travel by ``measure`` over the workspace's roads."""
    tables = data.tables(source, version)
    # as the command line measures it (python -m reports briefing --measure)
    nearest = travel_minutes(source_path(source), version, tables, measure)
    return make_briefing(
        tables,
        Language(lang, calendar),
        title=title,
        version=version,
        demo=demo,
        scope=scope,
        scope_id=scope_id,
        month=month,
        orientation=orientation,
        nearest=nearest,
        mode=None if nearest is None else measure,
    )


def pdf_name(
    scope: str, scope_id: str | None, month: str, lang: str, months: str | None = None
) -> str:
    """The briefing's file name; its month numbered in the workspace's calendar (``months``)."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", str(scope_id or "")).strip("_")
    month = period_name(key_period(month, months or "gregorian"), months) if month else month
    parts = ["briefing", scope, safe, month or "latest", lang]
    return "_".join(p for p in parts if p) + ".pdf"


def cli_line(
    ctx: Context,
    scope: str,
    scope_id: str | None,
    month: str,
    orientation: str,
    measure: str = "line",
) -> str:
    """The command that makes the same briefing on the command line (every value shell-quoted).

    In a partner's session everything is limited to its areas (``--partner``), as its session
    sees the workspace; a district briefing there is the partner's areas in that district. A
    briefing measured in travel time names its mode (``--measure``), as the page measured it."""
    q = shlex.quote
    parts = [".venv/bin/python -m reports briefing"]
    if not ctx.is_demo:
        # A database URL is shown without its password; the server's folders only to those who
        # manage its data (a partner or manager sees a placeholder).
        shown = workspace_label(ctx.workspace) if is_postgis(ctx.workspace) else ctx.workspace
        parts.append(f"--workspace {q(shown) if may(ctx.role, 'import') else 'WORKSPACE'}")
    partner = (
        ctx.partner_id
        if ctx.role == "partner" and ctx.partner_id
        else (scope_id if scope == "partner" else None)
    )
    if partner:
        parts.append(f"--partner {q(partner)}")
    if scope == "district" and scope_id:
        parts.append(f"--district {q(scope_id)}")
    parts.append(f"--lang {q(ctx.lang)}")
    if month:
        parts.append(f"--month {q(month)}")
    if measure != "line":
        parts.append(f"--measure {q(measure)}")
    parts.append(f"--orientation {q(orientation)} --out briefing.pdf")
    return " ".join(parts)


def name_column(level: str) -> str:
    """The column that names a unit of ``level`` (``area`` or ``district``)."""
    return "name" if level == "area" else "district_name"


def level_map(
    ctx: Context, shapes: gpd.GeoDataFrame, values: pd.DataFrame, level: str, **options: object
) -> None:
    """:func:`ui.views.metric_map` of ``values`` per unit of ``level`` (keyed and named as that
    level is); ``options`` go to it as they are (``metric``, ``key``, ``size``...)."""
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


def figures_table(
    ctx: Context,
    frame: pd.DataFrame,
    level: str,
    name_column: str,
    district_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The map's figures with translated headers (numbers stay numbers); at area level each area's
    district by its name in the reader's language (``district_names``: id -> name), its id where
    it has none."""
    present = [c for c in _COLUMNS if c in frame]
    table = pd.DataFrame({ctx.t("table.name"): frame[name_column].astype(str).to_numpy()})
    for column in present:
        table[ctx.t(f"metric.{column}")] = frame[column].to_numpy()
    if level == "area" and "district_id" in frame:
        ids = frame["district_id"]
        named = ids.map(district_names or {})
        table[ctx.t("table.district")] = named.where(named.notna(), ids).to_numpy()
    order = ctx.t("metric.uninsured") if "uninsured" in present else ctx.t("metric.population")
    return table.sort_values(order, ascending=False, na_position="last").reset_index(drop=True)
