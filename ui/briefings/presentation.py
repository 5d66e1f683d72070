"""The Briefings page's presentation mode for a projector: full width, no sidebar or toolbar, one
district (or area) or one month per step with its headline figures and map, the region and its
trend first (:mod:`ui.briefings.slides`), and the buttons that step
through, start and leave it (``?present=1`` in the URL).
"""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

from analytics import coverage as cov
from render.i18n import joined
from ui import data, map_shapes, views
from ui.briefings import data as bd
from ui.briefings import slides
from ui.briefings.choices import Choices
from ui.context import Context
from ui.state import Param, value

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


def start_presentation() -> None:
    st.query_params["present"] = "1"


def leave_presentation() -> None:
    if "present" in st.query_params:
        del st.query_params["present"]


def present(
    ctx: Context,
    offered: Choices,
    by_param: Param[Any],
    step_param: Param[Any],
    measure: str = "line",
) -> None:
    """Full width, no sidebar or toolbar: one month per step, or the region, its trend and one
    unit per step, the unit most in need first (:mod:`ui.briefings.slides`), need with the
    distance to care measured by ``measure`` (the shared "measure by")."""
    st.html(PRESENTATION_CSS)
    by = str(value(by_param))
    items = slides.slide_items(ctx, offered, by, measure) if offered.step_by else []
    if not items:
        st.warning(ctx.t("overview.no_insured"))
        return
    step = min(max(int(value(step_param)), 0), len(items) - 1)
    st.session_state[step_param.widget_key] = step
    item = items[step]
    counter = ctx.t(
        "briefings.present.step", n=ctx.language.int(step + 1), total=ctx.language.int(len(items))
    )
    if item == slides.TREND:
        _heading(ctx, ctx.t("briefings.slides.trend", region=ctx.title), [counter])
        slides.trend_slide(ctx)
    else:
        _slide(ctx, offered, by, item, step, counter)
    _navigation(ctx, step_param, step, len(items))


def _heading(ctx: Context, heading: str, lines: list[str]) -> None:
    st.html(
        f'<div class="ca-present-title" dir="auto">{escape(heading)}</div>'
        f'<div class="ca-present-sub" dir="auto">{escape(joined(lines, ctx.lang))}</div>'
    )


def _slide(ctx: Context, offered: Choices, by: str, item: str, step: int, counter: str) -> None:
    """One month (the region), the whole region, or one unit: headline figures and its map."""
    ws, ver = ctx.source, ctx.version
    month = offered.stamp(item if by == "months" else offered.latest)
    if item == slides.REGION or by == "months":
        heading = ctx.t("briefings.slides.region", region=ctx.title)
        subset = offered.areas
        level = offered.levels[0]
        shapes = map_shapes.view_shapes(ws, ver, level, big=offered.big)
    elif slides.unit_level(offered) == "district":
        heading = offered.district_label(item)
        subset = bd.in_district(offered.areas, item)
        shapes = bd.in_district(
            map_shapes.view_shapes(ws, ver, "area", district=item, big=offered.big), item
        )
        level = "area"
    else:  # an area of a workspace without districts
        names = ctx.language.names(offered.areas, "name").fillna(offered.areas["name"])
        heading = str(names[offered.areas["area_id"].astype(str) == item].iloc[0])
        subset = offered.areas[offered.areas["area_id"].astype(str) == item]
        shapes = map_shapes.view_shapes(ws, ver, "area", big=offered.big)
        shapes = shapes[shapes["area_id"].astype(str) == item]
        level = "area"
    per_area = data.area_coverage(ws, ver, month, None)
    own = per_area[per_area["area_id"].isin(subset["area_id"])]
    when = offered.month_label(month.strftime("%Y-%m")) if month is not None else ""
    lines = [when, counter]
    if by != "months" and item != slides.REGION:
        lines.insert(0, ctx.t("briefings.slides.by_need"))
    _heading(ctx, heading, lines)
    views.headline(ctx, cov.headline_figures(own), None)
    metric = "coverage" if offered.with_insured else "population"
    values = own if level == "area" else data.grouped_coverage(ws, ver, month, None, level)
    if level == "district":
        values = values.assign(district_name=values["district_id"].map(offered.district_names))
    bd.level_map(
        ctx, shapes, values, level, metric=metric, key=f"br_present_{by}_{step}", size="slide"
    )


def _navigation(ctx: Context, step_param: Param[Any], step: int, count: int) -> None:
    """The demo's label, then Previous, Next and Leave."""
    if ctx.is_demo:
        st.caption(ctx.t("header.demo_label"))
    nav = st.container(horizontal=True, gap="medium", horizontal_alignment="center")
    nav.button(
        ctx.t("briefings.present.previous"),
        icon=":material/chevron_left:",
        disabled=step == 0,
        key="br_prev",
        on_click=lambda: st.session_state.__setitem__(step_param.widget_key, step - 1),
    )
    nav.button(
        ctx.t("briefings.present.next"),
        icon=":material/chevron_right:",
        disabled=step >= count - 1,
        key="br_next",
        on_click=lambda: st.session_state.__setitem__(step_param.widget_key, step + 1),
    )
    nav.button(
        ctx.t("briefings.present.exit"),
        icon=":material/close:",
        key="br_exit",
        on_click=leave_presentation,
    )


def presentation_start(ctx: Context, offered: Choices, by_param: Param[Any]) -> None:
    """The page's presentation section: what to step through (the units by need, or months),
    then start."""
    st.subheader(ctx.t("briefings.sections.present"))
    st.write(ctx.t("briefings.present.hint"))
    if not offered.step_by:
        return
    st.radio(
        ctx.t("briefings.present.by"),
        offered.step_by,
        key=by_param.widget_key,
        format_func=lambda b: ctx.t(f"briefings.present.{b}"),
        horizontal=True,
    )
    st.button(
        ctx.t("briefings.present.start"),
        type="primary",
        icon=":material/slideshow:",
        key="br_start",
        on_click=start_presentation,
    )
