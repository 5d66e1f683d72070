"""Gap analysis: where coverage falls short, whether it is a real cluster, and when it will close.

Four sections (the choice lives in the URL, like every other view setting): a ranking with a
transparent priority score and the top N on a map; clusters (Gi* cold spots and local-Moran
isolated low areas, FDR-corrected); trends (pace, projection to the goal with a range, units
falling behind, outreach before/after); breakdowns (scheme, population group, underserved).
Each section is drawn by its module in ``ui/gaps/``.

The controls and what they change (the chosen section, its maps and tables) are one
``st.fragment``: a change reruns only it, not the app's frame or the loading above (the frames it
reads are cached per source, version and settings in ``ui.gaps.data``), and its maps are drawn
once per view and then restyled (:mod:`ui.gaps.maps`). In the ranking, the top list's size and
the facilities on its map are a fragment of their own inside it
(:func:`ui.gaps.ranking.top_list`): a change of either redraws that map and its figures, not the
weights, the ranking or its table.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.priority import COMPONENTS, DEFAULT_WEIGHTS
from analytics.uncertainty import BASE_ERROR, ERROR_PER_YEAR
from ui import data, views
from ui.access.measure import by_param, measure_select, measures_of
from ui.area_search import find_on_map
from ui.context import current
from ui.dates import year_picker
from ui.facility_layer import facility_filters
from ui.gaps import breakdowns, clusters, ranking, trends
from ui.gaps import data as gd
from ui.gaps.selection import Selection
from ui.state import Param, bind, publish, value

ctx = current()
ws, ver = ctx.source, ctx.version
months = data.periods(ws, ver)
with_insured = bool(months)
month_keys = [m.strftime("%Y-%m") for m in months]
areas = data.table(ws, ver, "areas")
facility_table = data.table(ws, ver, "facilities")
by_district = bool(areas["district_id"].notna().any())  # communes under the province: none
levels = list(gd.LEVELS) if by_district else ["area"]
SECTIONS = ["ranking", "clusters", "trends", "breakdowns"]
ORDERS = ["priority", "uninsured", "coverage", "gap_to_target"] if with_insured else ["priority"]
ORDERS.append("population")
last_year = months[-1].year if months else pd.Timestamp.today().year

P = {
    "view": Param("view", "ranking", lambda: SECTIONS),
    "month": Param("month", month_keys[-1] if month_keys else "", lambda: month_keys or [""]),
    "level": Param("level", levels[-1], lambda: levels),
    "order": Param("order", ORDERS[0], lambda: ORDERS),
    "top": Param("top", 10, lambda: range(3, 51), parse=int),
    "census": Param("census", last_year, lambda: range(1950, last_year + 1), parse=int),
    **{
        f"w_{c}": Param(f"w_{c}", DEFAULT_WEIGHTS[c], lambda: range(6), parse=int, key=f"gap_w_{c}")
        for c in COMPONENTS
    },
    "alpha": Param("alpha", 0.05, lambda: [0.01, 0.05, 0.1], parse=float),
    "window": Param("window", 12, lambda: [6, 12, 24], parse=int),
    "goal": Param("goal", 100, lambda: range(50, 101), parse=int),
    "after": Param("after", 2, lambda: range(7), parse=int),
    "by": by_param(measures := measures_of(ctx)),  # distance to care: km or travel minutes
}


@st.fragment(key="gap_view")
def gap_view() -> None:
    """The controls, the header and the chosen section: a change of a control reruns only this
    function."""
    bind(list(P.values()))
    sb = st.sidebar
    if with_insured:
        views.month_picker(ctx, month_keys, P["month"].widget_key)
    if len(levels) > 1:
        views.level_picker(ctx, levels, P["level"].widget_key)
    year_picker(  # the census year in the reader's calendar (Solar Hijri in Persian)
        ctx.language,
        ctx.t("gap.controls.census"),
        P["census"].widget_key,
        1950,
        last_year,
        sb,
        help=ctx.t(
            "gap.controls.census_help",
            base=ctx.language.pct(BASE_ERROR),
            per_year=ctx.language.pct(ERROR_PER_YEAR),
        ),
    )
    measure = measure_select(ctx, sb, P["by"], measures)  # the access pages' shared choice

    month = months[month_keys.index(value(P["month"]))] if with_insured else None
    views.page_header(ctx, "gap.title", month)
    if not with_insured:
        st.warning(ctx.t("gap.no_insured"), icon=":material/info:")

    section = st.segmented_control(
        ctx.t("gap.section"),
        SECTIONS,
        key=P["view"].widget_key,
        format_func=lambda s: ctx.t(f"gap.sections.{s}"),
        label_visibility="collapsed",
    )
    if section is None:  # a click on the selected segment clears it: show the default
        section = "ranking"
    # Facilities on the maps (off unless asked for): the filters every map page shares. The
    # ranking draws them with its top list (a change of either reruns only its map and figures).
    facilities = (
        None
        if section == "ranking"
        else facility_filters(ctx, facility_table, "gap", show_default=False)
    )
    selection = Selection(
        ctx=ctx,
        params=P,
        months=months,
        month=month,
        level=str(value(P["level"])),
        by_district=by_district,
        years_old=max(
            (month.year if month is not None else last_year) - int(value(P["census"])), 0
        ),
        orders=ORDERS,
        facilities=facilities,
        measure=measure,
    )

    if section in ("ranking", "clusters"):  # the sections with a map: the search box above it
        find_on_map(ctx, key="gap")
    {
        "ranking": ranking.section,
        "clusters": clusters.section,
        "trends": trends.section,
        "breakdowns": breakdowns.section,
    }[section](selection)

    publish(list(P.values()))


gap_view()
