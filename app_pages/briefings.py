"""Briefings and exports: the briefing PDF, the map export, two maps side by side, and a
presentation mode for a projector.

Every document is made from the session's scoped loaders (``ctx.source``), so a partner's
briefing, map and tables hold its own areas only. The documents themselves come from
:mod:`reports` — the same code as ``python -m reports`` on the command line. The view lives in the
URL (``?section=compare&cmp=districts``...); ``?present=1`` opens the presentation view, which
hides the sidebar and the toolbar.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import coverage as cov
from analytics.classify import classify
from render.format import fmt_int, fmt_number
from render.i18n import joined
from ui import data, map_shapes, views
from ui.briefings import data as bd
from ui.context import current
from ui.downloads import map_exports, recorded, table_downloads
from ui.localize import display_names, localized_table, names_by_key
from ui.state import Param, bind, publish, value

ctx = current()
ws, ver = ctx.source, ctx.version
months = data.periods(ws, ver)
month_keys = [m.strftime("%Y-%m") for m in months]
with_insured = bool(months)
areas = data.tables(ws, ver)["areas"]
districts = sorted(areas["district_id"].dropna().astype(str).unique())
district_names = names_by_key(areas, "district_id", "district_name", ctx.lang).to_dict()
is_partner = ctx.role == "partner"
partner_ids = (
    []
    if is_partner or "partner_id" not in areas
    else sorted(areas["partner_id"].dropna().astype(str).unique())
)
partner_names = bd.partner_names(ws, ver, ctx.lang)
# More areas than a map draws smoothly (as on the Overview and the Coverage map): districts only,
# their polygons dissolved before simplifying (``ui.map_shapes``).
big = len(areas) > views.MAX_AREAS_ON_MAP and bool(districts)
levels = (["district"] if big else ["district", "area"]) if districts else ["area"]
metrics = views.metrics_for(with_insured)

SECTIONS = ["briefing", "map", "compare", "present"]
scopes = ["region", *(["district"] if districts else []), *(["partner"] if partner_ids else [])]
compare_by = (["months"] if len(month_keys) > 1 else []) + (
    ["districts"] if len(districts) > 1 else []
)
step_by = (["districts"] if districts else []) + (["months"] if month_keys else [])
latest = month_keys[-1] if month_keys else ""
earlier = month_keys[max(0, len(month_keys) - 13)] if month_keys else ""
P = {
    "section": Param("section", SECTIONS[0], lambda: SECTIONS, key="br_section"),
    "scope": Param("scope", "region", lambda: scopes, key="br_scope"),
    "district": Param(
        "district", districts[0] if districts else "", lambda: districts or [""], key="br_district"
    ),
    "partner": Param(
        "partner",
        partner_ids[0] if partner_ids else "",
        lambda: partner_ids or [""],
        key="br_partner",
    ),
    "month": Param("month", latest, lambda: month_keys or [""], key="br_month"),
    "orientation": Param(
        "orientation", "portrait", lambda: ["portrait", "landscape"], key="br_orientation"
    ),
    "metric": Param("metric", metrics[0], lambda: metrics, key="br_metric"),
    "level": Param("level", levels[-1], lambda: levels, key="br_level"),
    "cmp": Param(
        "cmp", compare_by[0] if compare_by else "", lambda: compare_by or [""], key="br_cmp"
    ),
    "a": Param("a", "", key="br_a"),
    "b": Param("b", "", key="br_b"),
    "by": Param("by", step_by[0] if step_by else "", lambda: step_by or [""], key="br_by"),
    "step": Param("step", 0, parse=int, key="br_step"),
}
bind(list(P.values()))


def month_label(key: str) -> str:
    return ctx.month(ctx.period(key)) if key else "—"


def district_label(district_id: str) -> str:
    return str(district_names.get(district_id) or district_id)


def stamp(key: str) -> pd.Timestamp | None:
    return ctx.period(key) if key else None


# ------------------------------------------------------------------------------ presentation


def present() -> None:
    """Full width, no sidebar or toolbar: one district or one month per step."""
    st.html(bd.PRESENTATION_CSS)
    by = str(value(P["by"]))
    items = districts if by == "districts" else month_keys
    if not items:
        st.warning(ctx.t("overview.no_insured"))
        return
    step = min(max(int(value(P["step"])), 0), len(items) - 1)
    st.session_state[P["step"].widget_key] = step
    item = items[step]
    month = stamp(latest if by == "districts" else item)
    if by == "districts":
        heading = district_label(item)
        subset = bd.in_district(areas, item)
        shapes = bd.in_district(
            map_shapes.view_shapes(ws, ver, "area", district=item, big=big), item
        )
        level = "area"
    else:
        heading = ctx.title
        subset = areas
        level = levels[0]
        shapes = map_shapes.view_shapes(ws, ver, level, big=big)
    per_area = data.area_coverage(ws, ver, month, None)
    own = per_area[per_area["area_id"].isin(subset["area_id"])]
    when = month_label(month.strftime("%Y-%m")) if month is not None else ""
    counter = ctx.t(
        "briefings.present.step", n=fmt_int(step + 1, ctx.lang), total=fmt_int(len(items), ctx.lang)
    )
    st.html(
        f'<div class="ca-present-title" dir="auto">{bd.escape(heading)}</div>'
        f'<div class="ca-present-sub" dir="auto">'
        f"{bd.escape(joined([when, counter], ctx.lang))}</div>"
    )
    views.headline(ctx, cov.headline_figures(own), None)
    metric = "coverage" if with_insured else "population"
    values = own if level == "area" else data.grouped_coverage(ws, ver, month, None, level)
    if level == "district":
        values = values.assign(district_name=values["district_id"].map(district_names))
    bd.level_map(
        ctx, shapes, values, level, metric=metric, key=f"br_present_{by}_{step}", height=620
    )
    if ctx.is_demo:
        st.caption(ctx.t("header.demo_label"))
    nav = st.container(horizontal=True, gap="medium", horizontal_alignment="center")
    nav.button(
        ctx.t("briefings.present.previous"),
        icon=":material/chevron_left:",
        disabled=step == 0,
        key="br_prev",
        on_click=lambda: st.session_state.__setitem__(P["step"].widget_key, step - 1),
    )
    nav.button(
        ctx.t("briefings.present.next"),
        icon=":material/chevron_right:",
        disabled=step >= len(items) - 1,
        key="br_next",
        on_click=lambda: st.session_state.__setitem__(P["step"].widget_key, step + 1),
    )
    nav.button(
        ctx.t("briefings.present.exit"),
        icon=":material/close:",
        key="br_exit",
        on_click=bd.leave_presentation,
    )


if st.query_params.get("present") == "1":
    present()
    publish(list(P.values()))
    st.stop()

# ------------------------------------------------------------------------------ the page

views.page_header(ctx, "briefings.title")
st.caption(ctx.t("briefings.intro"))
if is_partner:
    st.info(ctx.t("briefings.partner_only"), icon=":material/lock:")
st.segmented_control(
    ctx.t("briefings.section"),
    SECTIONS,
    key=P["section"].widget_key,
    format_func=lambda s: ctx.t(f"briefings.sections.{s}"),
    required=True,
)
section = str(value(P["section"]))
sb = st.sidebar
if month_keys and section in ("briefing", "map", "compare"):
    views.month_picker(ctx, month_keys[::-1], P["month"].widget_key)
month_key = str(value(P["month"]))

if section == "briefing":
    sb.radio(
        ctx.t("briefings.scope.label"),
        scopes,
        key=P["scope"].widget_key,
        # A partner's "whole region" is all of its own areas.
        format_func=lambda s: ctx.t(
            "briefings.scope.own" if is_partner and s == "region" else f"briefings.scope.{s}"
        ),
    )
    scope = str(value(P["scope"]))
    scope_id = None
    if scope == "district":
        sb.selectbox(
            ctx.t("briefings.scope.district_pick"),
            districts,
            key=P["district"].widget_key,
            format_func=district_label,
        )
        scope_id = str(value(P["district"]))
    elif scope == "partner":
        sb.selectbox(
            ctx.t("briefings.scope.partner_pick"),
            partner_ids,
            key=P["partner"].widget_key,
            format_func=lambda p: str(partner_names.get(p) or p),
        )
        scope_id = str(value(P["partner"]))
    sb.radio(
        ctx.t("briefings.pdf.orientation"),
        ["portrait", "landscape"],
        key=P["orientation"].widget_key,
        format_func=lambda o: ctx.t(f"briefings.pdf.{o}"),
    )
    orientation = str(value(P["orientation"]))
    scope, scope_id = bd.briefing_scope(ctx, scope, scope_id)
    st.subheader(ctx.t("briefings.sections.briefing"))
    st.write(ctx.t("briefings.pdf.contents"))
    wanted = (scope, scope_id, month_key, orientation, ctx.lang, ctx.calendar)
    if st.button(
        ctx.t("briefings.pdf.make"), type="primary", icon=":material/picture_as_pdf:", key="br_make"
    ):
        try:
            st.session_state["br_pdf"] = (
                wanted,
                bd.briefing_pdf(
                    ws,
                    ver,
                    ctx.lang,
                    ctx.calendar,
                    ctx.title,
                    ctx.is_demo,
                    scope,
                    scope_id,
                    month_key or None,
                    orientation,
                ),
            )
        except ValueError as exc:
            st.error(ctx.t("briefings.pdf.failed", reason=str(exc)))
    made = st.session_state.get("br_pdf")
    if made and made[0] == wanted:
        pdf, pages = made[1]
        st.success(ctx.t("briefings.pdf.ready", pages=fmt_int(pages, ctx.lang)))
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
    st.code(bd.cli_line(ctx, scope, scope_id, month_key, orientation), language="bash")

elif section == "map":
    sb.selectbox(
        ctx.t("briefings.map.metric"),
        metrics,
        key=P["metric"].widget_key,
        format_func=lambda m: ctx.t(f"metric.{m}"),
    )
    sb.radio(
        ctx.t("briefings.map.level"),
        levels,
        key=P["level"].widget_key,
        format_func=lambda lv: ctx.t(f"level.{lv}"),
    )
    metric, level = str(value(P["metric"])), str(value(P["level"]))
    month = stamp(month_key)
    values = data.grouped_coverage(ws, ver, month, None, level)
    name_column = bd.name_column(level)
    shown = values.assign(
        **{
            name_column: values["district_id"].map(district_names)
            if level == "district"
            else display_names(values, name_column, ctx.lang)
        }
    )
    shapes = map_shapes.view_shapes(ws, ver, level, big=big)
    st.subheader(ctx.t("briefings.sections.map"))
    bd.level_map(ctx, shapes, shown, level, metric=metric, key=f"br_map_{level}", height=520)
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
    table = bd.figures_table(ctx, shown, level, name_column)
    st.dataframe(
        localized_table(table, bd.table_formats(ctx, table), ctx.lang),
        hide_index=True,
        width="stretch",
        height=320,
    )
    table_downloads(
        ctx,
        table,
        f"map_{level}_{month_key or 'all'}",
        key="br_table",
        percent=(ctx.t("metric.coverage"),) if with_insured else (),
    )

elif section == "compare":
    if not compare_by:
        st.info(ctx.t("overview.no_insured"))
    else:
        sb.radio(
            ctx.t("briefings.compare.by"),
            compare_by,
            key=P["cmp"].widget_key,
            format_func=lambda c: ctx.t(f"briefings.compare.{c}"),
        )
        by = str(value(P["cmp"]))
        options = month_keys if by == "months" else districts
        defaults = (earlier, latest) if by == "months" else (districts[0], districts[1])
        labels = month_label if by == "months" else district_label
        for side, default in zip(("a", "b"), defaults, strict=True):
            key = P[side].widget_key
            if st.session_state.get(key) not in options:
                st.session_state[key] = default
            sb.selectbox(
                ctx.t(f"briefings.compare.{'first' if side == 'a' else 'second'}"),
                options,
                key=key,
                format_func=labels,
            )
        a, b = str(value(P["a"])), str(value(P["b"]))
        metric = "coverage"
        st.subheader(ctx.t("briefings.sections.compare"))
        panels = []
        for side_key in (a, b):
            if by == "months":
                level = levels[0]
                month = stamp(side_key)
                values = (
                    data.grouped_coverage(ws, ver, month, None, level)
                    if level != "area"
                    else data.area_coverage(ws, ver, month, None)
                )
                shapes = map_shapes.view_shapes(ws, ver, level, big=big)
                own_areas = areas
                title = month_label(side_key)
            else:
                level = "area"
                month = stamp(month_key)
                per_area = data.area_coverage(ws, ver, month, None)
                own_areas = bd.in_district(areas, side_key)
                values = per_area[per_area["area_id"].isin(own_areas["area_id"])]
                shapes = bd.in_district(
                    map_shapes.view_shapes(ws, ver, "area", district=side_key, big=big), side_key
                )
                title = district_label(side_key)
            if level == "district":
                values = values.assign(district_name=values["district_id"].map(district_names))
            per_area = data.area_coverage(ws, ver, month, None)
            figures = cov.headline_figures(per_area[per_area["area_id"].isin(own_areas["area_id"])])
            panels.append((title, level, values, shapes, figures))
        combined = pd.concat([p[2][metric] for p in panels], ignore_index=True)
        breaks = list(classify(pd.to_numeric(combined, errors="coerce"), "quantiles", 5).bins)
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
                    key=f"br_cmp_{by}_{index}",
                    height=460,
                )
        first, second = panels[0][4].get("coverage"), panels[1][4].get("coverage")
        if first == first and second == second and first is not None and second is not None:
            st.write(
                ctx.t(
                    "briefings.compare.difference",
                    a=bd.pct(ctx, second),
                    b=bd.pct(ctx, first),
                    diff=fmt_number((second - first) * 100, ctx.lang, 1),
                )
            )
        st.caption(ctx.t("briefings.compare.same_scale"))

else:  # presentation: choose what to step through, then start
    st.subheader(ctx.t("briefings.sections.present"))
    st.write(ctx.t("briefings.present.hint"))
    if step_by:
        st.radio(
            ctx.t("briefings.present.by"),
            step_by,
            key=P["by"].widget_key,
            format_func=lambda b: ctx.t(f"briefings.present.{b}"),
            horizontal=True,
        )
        st.button(
            ctx.t("briefings.present.start"),
            type="primary",
            icon=":material/slideshow:",
            key="br_start",
            on_click=bd.start_presentation,
        )

publish(list(P.values()))
