"""The Briefings page's sections, each with its sidebar controls: the briefing PDF (scope,
orientation, the document, its download and the same command for the command line), the map
export (metric, level, map, downloads and the figures table) and two maps side by side (two
months or two districts on one colour scale).

The documents come from the cached loaders of :mod:`ui.briefings.data` (drawn by
:mod:`reports`); the presentation mode is :mod:`ui.briefings.presentation`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analytics import coverage as cov
from reports import comparison
from ui import data, map_shapes
from ui.access.measure import measure_select
from ui.area_search import find_on_map
from ui.briefings import compare_export
from ui.briefings import data as bd
from ui.briefings.choices import Choices
from ui.context import Context
from ui.downloads import map_exports, recorded
from ui.state import Param, value
from ui.tables import show_table


def measure_choice(ctx: Context, params: dict[str, Param[Any]]) -> str:
    """How the briefing measures access (#19), in the sidebar where the workspace offers travel
    time: ``line`` or a travel mode (the access pages' shared ``measure_by``)."""
    chosen = params.get("measure_by")
    if chosen is None:
        return "line"
    choices = list(chosen.allowed()) if chosen.allowed else ["line"]
    return measure_select(ctx, st.sidebar, chosen, choices)


def briefing_section(
    ctx: Context, offered: Choices, params: dict[str, Param[Any]], month_key: str
) -> None:
    """The briefing's scope (region, district, partner) and orientation in the sidebar; the
    button that makes the PDF, its download and the command that makes the same briefing."""
    sb = st.sidebar
    is_partner = ctx.role == "partner"
    sb.radio(
        ctx.t("briefings.scope.label"),
        offered.scopes,
        key=params["scope"].widget_key,
        # A partner's "whole region" is all of its own areas.
        format_func=lambda s: ctx.t(
            "briefings.scope.own" if is_partner and s == "region" else f"briefings.scope.{s}"
        ),
    )
    scope = str(value(params["scope"]))
    scope_id = None
    if scope == "district":
        sb.selectbox(
            ctx.t("briefings.scope.district_pick"),
            offered.districts,
            key=params["district"].widget_key,
            format_func=offered.district_label,
        )
        scope_id = str(value(params["district"]))
    elif scope == "partner":
        sb.selectbox(
            ctx.t("briefings.scope.partner_pick"),
            offered.partner_ids,
            key=params["partner"].widget_key,
            format_func=lambda p: str(offered.partner_names.get(p) or p),
        )
        scope_id = str(value(params["partner"]))
    sb.radio(
        ctx.t("briefings.pdf.orientation"),
        ["portrait", "landscape"],
        key=params["orientation"].widget_key,
        format_func=lambda orient: ctx.t(f"briefings.pdf.{orient}"),
    )
    orientation = str(value(params["orientation"]))
    measure = measure_choice(ctx, params)
    scope, scope_id = bd.briefing_scope(ctx, scope, scope_id)
    st.subheader(ctx.t("briefings.sections.briefing"))
    st.write(ctx.t("briefings.pdf.contents"))
    wanted = (scope, scope_id, month_key, orientation, ctx.lang, ctx.calendar, measure)
    if st.button(
        ctx.t("briefings.pdf.make"), type="primary", icon=":material/picture_as_pdf:", key="br_make"
    ):
        try:
            st.session_state["br_pdf"] = (
                wanted,
                bd.briefing_pdf(
                    ctx.source,
                    ctx.version,
                    ctx.lang,
                    ctx.calendar,
                    ctx.title,
                    ctx.is_demo,
                    scope,
                    scope_id,
                    month_key or None,
                    orientation,
                    measure,
                ),
            )
        except ValueError as exc:
            st.error(ctx.t("briefings.pdf.failed", reason=str(exc)))
    made = st.session_state.get("br_pdf")
    if made and made[0] == wanted:
        pdf, pages = made[1]
        st.success(ctx.t("briefings.pdf.ready", pages=ctx.language.int(pages)))
        name = bd.pdf_name(scope, scope_id, month_key, ctx.lang, ctx.months)
        st.download_button(
            ctx.t("briefings.pdf.download"),
            recorded(ctx, name, pdf),  # the audit trail has each download
            file_name=name,
            mime="application/pdf",
            icon=":material/download:",
            key="br_pdf_download",
            on_click="ignore",
        )
    st.caption(ctx.t("briefings.pdf.cli"))
    st.code(bd.cli_line(ctx, scope, scope_id, month_key, orientation, measure), language="bash")


def map_section(
    ctx: Context, offered: Choices, params: dict[str, Param[Any]], month_key: str
) -> None:
    """The metric and level in the sidebar; the map, its exports (PNG, HTML, GeoJSON,
    GeoPackage) and its figures as a table with CSV and XLSX downloads."""
    ws, ver = ctx.source, ctx.version
    sb = st.sidebar
    sb.selectbox(
        ctx.t("briefings.map.metric"),
        offered.metrics,
        key=params["metric"].widget_key,
        format_func=lambda m: ctx.t(f"metric.{m}"),
    )
    sb.radio(
        ctx.t("briefings.map.level"),
        offered.levels,
        key=params["level"].widget_key,
        format_func=lambda lv: ctx.t(f"level.{lv}"),
    )
    metric, level = str(value(params["metric"])), str(value(params["level"]))
    month = offered.stamp(month_key)
    values = data.grouped_coverage(ws, ver, month, None, level)
    name_column = bd.name_column(level)
    shown = values.assign(
        **{
            name_column: values["district_id"].map(offered.district_names)
            if level == "district"
            else ctx.language.names(values, name_column)
        }
    )
    shapes = map_shapes.view_shapes(ws, ver, level, big=offered.big)
    st.subheader(ctx.t("briefings.sections.map"))
    find_on_map(ctx, key="br")  # the search box: the maps of the page are brought to the place
    bd.level_map(ctx, shapes, shown, level, metric=metric, key=f"br_map_{level}", size="section")
    map_exports(
        ctx,
        shapes,
        shown,
        id_column=data.LEVEL_KEYS[level],
        name_column=name_column,
        metric=metric,
        month=month,
        key="br_map_export",
    )
    st.subheader(ctx.t("briefings.map.table"))
    table = bd.figures_table(ctx, shown, level, name_column, offered.district_names)
    show_table(
        ctx,
        table,
        f"map_{level}_{month_key or 'all'}",
        download_key="br_table",
        height=320,
    )


def compare_section(
    ctx: Context, offered: Choices, params: dict[str, Param[Any]], month_key: str
) -> None:
    """Two months or two districts chosen in the sidebar, their maps side by side on one colour
    scale (quantiles of both together) and the difference in coverage."""
    if not offered.compare_by:
        st.info(ctx.t("overview.no_insured"))
        return
    sb = st.sidebar
    sb.radio(
        ctx.t("briefings.compare.by"),
        offered.compare_by,
        key=params["cmp"].widget_key,
        format_func=lambda c: ctx.t(f"briefings.compare.{c}"),
    )
    by = str(value(params["cmp"]))
    options = offered.month_keys if by == "months" else offered.districts
    defaults = (
        (offered.earlier, offered.latest)
        if by == "months"
        else (offered.districts[0], offered.districts[1])
    )
    labels = offered.month_label if by == "months" else offered.district_label
    for side, default in zip(("a", "b"), defaults, strict=True):
        key = params[side].widget_key
        if st.session_state.get(key) not in options:
            st.session_state[key] = default
        sb.selectbox(
            ctx.t(f"briefings.compare.{'first' if side == 'a' else 'second'}"),
            options,
            key=key,
            format_func=labels,
        )
    a, b = str(value(params["a"])), str(value(params["b"]))
    metric = "coverage"
    st.subheader(ctx.t("briefings.sections.compare"))
    panels = [_panel(ctx, offered, by, side_key, month_key) for side_key in (a, b)]
    # One colour scale (classes and legend) and one map scale (the same span of ground) for both.
    sides = [compare_export.side(*p[:5]) for p in panels]
    scale = comparison.shared_scale([s.frame for s in sides])
    breaks = list(scale.breaks)
    columns = st.columns(2, gap="medium")
    for index, (column, (title, level, values, shapes, figures)) in enumerate(
        zip(columns, panels, strict=True)
    ):
        with column:
            st.markdown(
                f"**{bd.md(title)}** — {ctx.t('metric.coverage')}: "
                f"{bd.md(bd.pct(ctx, figures.get('coverage')))}"
            )
            bd.level_map(
                ctx,
                shapes,
                values,
                level,
                metric=metric,
                scheme="user" if breaks else "quantiles",
                breaks=breaks or None,
                lower=scale.lower,
                fit=scale.fit(sides[index].frame),
                key=f"br_cmp_{by}_{index}",
                size="pair",
            )
    first, second = panels[0][4].get("coverage"), panels[1][4].get("coverage")
    if first == first and second == second and first is not None and second is not None:
        st.write(
            ctx.t(
                "briefings.compare.difference",
                a=bd.pct(ctx, second),
                b=bd.pct(ctx, first),
                diff=ctx.language.number((second - first) * 100, 1),
            )
        )
    st.caption(ctx.t("briefings.compare.same_scale"))
    compare_export.downloads(
        ctx,
        [p[:5] for p in panels],
        by=by,
        keys=(a, b),
        breaks=breaks or None,
        month=offered.stamp(month_key),
    )


def _panel(ctx: Context, offered: Choices, by: str, side_key: str, month_key: str) -> tuple:
    """One side of the comparison: its title, level, figures per unit, shapes and headline
    figures (a month: the whole scope at the first level; a district: its areas that month)."""
    ws, ver = ctx.source, ctx.version
    if by == "months":
        level = offered.levels[0]
        month = offered.stamp(side_key)
        values = (
            data.grouped_coverage(ws, ver, month, None, level)
            if level != "area"
            else data.area_coverage(ws, ver, month, None)
        )
        shapes = map_shapes.view_shapes(ws, ver, level, big=offered.big)
        own_areas = offered.areas
        title = offered.month_label(side_key)
    else:
        level = "area"
        month = offered.stamp(month_key)
        per_area = data.area_coverage(ws, ver, month, None)
        own_areas = bd.in_district(offered.areas, side_key)
        values = per_area[per_area["area_id"].isin(own_areas["area_id"])]
        shapes = bd.in_district(
            map_shapes.view_shapes(ws, ver, "area", district=side_key, big=offered.big), side_key
        )
        title = offered.district_label(side_key)
    if level == "district":
        values = values.assign(district_name=values["district_id"].map(offered.district_names))
    per_area = data.area_coverage(ws, ver, month, None)
    figures = cov.headline_figures(per_area[per_area["area_id"].isin(own_areas["area_id"])])
    return title, level, values, shapes, figures
