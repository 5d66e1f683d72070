"""The Gap analysis page's ranking section: the priority score's weights and formula, the order
and size of the top list, the top N on a map with their figures, then the ranked table
(:mod:`ui.gaps.ranking_table`)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.priority import COMPONENTS, split_ranked
from analytics.uncertainty import BASE_ERROR
from render.maps import LegendItem
from ui import data
from ui.context import Context
from ui.facility_layer import facility_filters
from ui.gaps import data as gd
from ui.gaps import maps as gap_maps
from ui.gaps import ranking_table
from ui.gaps import views as gap_views
from ui.gaps.selection import Selection
from ui.state import publish


def section(sel: Selection) -> None:
    """The ranking: weights, score, order, the top N on a map with their figures
    (:func:`top_list`), and the table."""
    ctx = sel.ctx
    inputs = gd.priority_inputs(sel.ws, sel.ver, sel.month, sel.level, sel.measure)
    weights, used = weight_controls(sel, inputs)
    order = str(sel.value("order"))
    table, interval = gd.ranking(
        sel.ws, sel.ver, sel.month, sel.level, weights, order, sel.years_old, sel.measure
    )

    st.subheader(ctx.t("gap.ranking.title", level=ctx.t(f"level.{sel.level}")))
    order_col, _ = st.columns([2, 3])
    order_col.selectbox(
        ctx.t("gap.ranking.order"),
        sel.orders,
        key=sel.key("order"),
        format_func=lambda o: ctx.t(f"gap.order.{o}"),
    )
    table = labelled(sel, table)
    top_list(sel, table, interval, order)
    ranked, no_data = split_ranked(table)
    ranking_table.show(sel, ranked, no_data, used)


@st.fragment
def top_list(sel: Selection, table: pd.DataFrame, interval: pd.DataFrame, order: str) -> None:
    """The size of the top list and the facilities on the map (in the sidebar), the top N on the
    map and their figures: a change of the size or of the facilities reruns only this, not the
    ranking or its table."""
    ctx = sel.ctx
    map_col, info_col = st.columns([3, 2], gap="medium")
    info_col.select_slider(ctx.t("gap.ranking.top"), options=list(range(3, 51)), key=sel.key("top"))
    top_n = int(sel.value("top"))
    facilities = facility_filters(
        ctx, data.table(sel.ws, sel.ver, "facilities"), "gap", show_default=False
    )
    publish([sel.params["top"]])  # its value into the link (the view publishes the others)
    colours, groups = gap_views.top_colours(table["rank"], top_n)
    shown = table.assign(_colour=colours.to_numpy())
    with map_col:
        top_map(sel, shown, groups, top_n, order, facilities)
    with info_col:
        top_figures(sel, split_ranked(shown)[0], interval, top_n)


def help_key(c: str, by_district: bool) -> str:
    """What component ``c`` is (deprivation: population-weighted for districts, if any; the
    distance in minutes of travel: ``distance_min``, see :meth:`Selection.component`)."""
    per = "_region" if c == "deprivation" and not by_district else ""
    return f"gap.component_help.{c}{per}"


def weight_controls(sel: Selection, inputs: pd.DataFrame) -> tuple[dict[str, float], list[str]]:
    """A weight slider per component (those ``inputs`` lack disabled), the score's formula and
    what each weighted component is; returns the weights of the available components and the
    components weighted above zero."""
    ctx = sel.ctx
    available = [c for c in COMPONENTS if c in inputs and inputs[c].notna().any()]
    st.subheader(ctx.t("gap.ranking.weights"))
    cols = st.columns(len(COMPONENTS))
    for col, c in zip(cols, COMPONENTS, strict=True):
        col.select_slider(
            ctx.t(f"gap.component.{sel.component(c)}"),
            options=list(range(6)),
            key=sel.key(f"w_{c}"),
            disabled=c not in available,
            help=(
                ctx.t(help_key(sel.component(c), sel.by_district))
                if c in available
                else ctx.t("gap.ranking.component_missing")
            ),
        )
    weights = {c: float(sel.value(f"w_{c}")) for c in available}
    # × rather than ·: after a Persian 100 (۱۰۰) a centred dot reads as one more zero.
    gap_views.formula(
        rf"\text{{{ctx.t('gap.ranking.formula_score')}}} = "
        rf"\text{{{ctx.language.numerals('100')}}}\times\frac{{\sum_k w_k\,x'_k}}{{\sum_k w_k}},\qquad "
        r"x'_k = \frac{x_k-\min x_k}{\max x_k-\min x_k}"
    )
    used = [c for c in available if weights[c] > 0]
    st.markdown(
        ctx.t("gap.ranking.formula_intro")
        + "\n"
        + "\n".join(
            f"- **{ctx.t(f'gap.component.{sel.component(c)}')}** "
            f"(w = {ctx.language.int(weights[c])}): "
            + ctx.t(help_key(sel.component(c), sel.by_district))
            for c in used
        )
    )
    st.caption(ctx.t("gap.ranking.formula_note"))
    if not available:
        st.info(ctx.t("gap.ranking.no_components"))
    return weights, used


def rank_text(ctx: Context, best: float, worst: float) -> str:
    """A rank band for reading: ``3``, ``3–5``, or a dash without a rank."""
    if pd.isna(best):
        return "—"
    if best == worst:
        return ctx.language.int(best)
    return f"{ctx.language.int(best)}–{ctx.language.int(worst)}"


def labelled(sel: Selection, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the strings of its tooltip and table: name, rank band, score and coverage
    (population without insured counts)."""
    ctx = sel.ctx
    names = ctx.language.names(table, sel.name_column)
    table["_name"] = names.fillna(table[sel.key_column]).astype(str)
    table["_rank"] = [
        rank_text(ctx, b, w) for b, w in zip(table["rank_best"], table["rank_worst"], strict=True)
    ]
    table["_score"] = table["score"].map(ctx.language.int)
    table["_value"] = (
        table["coverage"].map(ctx.language.pct)
        if sel.with_insured
        else table["population"].map(ctx.language.int)
    )
    return table


def top_map(
    sel: Selection,
    table: pd.DataFrame,
    groups: list[tuple[str, int, int]],
    top_n: int,
    order: str,
    facilities: gpd.GeoDataFrame | None,
) -> None:
    """The units at the level, the top ``top_n`` in ``order`` in shades of red (``groups``), and
    the ``facilities`` the shared filters show (None: none)."""
    ctx = sel.ctx
    items = [
        LegendItem(c, ctx.t("gap.map.ranks", first=ctx.language.int(a), last=ctx.language.int(b)))
        for c, a, b in groups
    ]
    items.append(
        LegendItem(gap_views.OUTSIDE_COLOUR, ctx.t("gap.map.outside", n=ctx.language.int(top_n)))
    )
    if table["rank"].isna().any():
        items.append(LegendItem("#bdbdbd", ctx.t("map.no_data"), int(table["rank"].isna().sum())))
    gap_maps.category_map(
        ctx,
        data.display_shapes(sel.ws, sel.ver, sel.level),
        table,
        id_column=sel.key_column,
        colour_column="_colour",
        tooltip=[
            ("_name", ctx.t("map.name")),
            ("_rank", ctx.t("gap.table.rank")),
            ("_score", ctx.t("gap.table.score")),
            ("_value", ctx.t("metric.coverage" if sel.with_insured else "metric.population")),
        ],
        legend_title=ctx.t(
            "gap.map.top_title", n=ctx.language.int(top_n), order=ctx.t(f"gap.order.{order}")
        ),
        legend_items=items,
        key=f"gap_top_map_{sel.level}",
        facilities=facilities,
    )


def bands_note_key(years_old: int) -> str:
    """The catalog key of the note on rank bands for a census ``years_old`` years before the
    month: "in the same year" and "a year before" read as such, not "0 years" and "1 years"."""
    if years_old <= 0:
        return "gap.ranking.bands_note_same_year"
    return "gap.ranking.bands_note_one_year" if years_old == 1 else "gap.ranking.bands_note"


def top_figures(sel: Selection, ranked: pd.DataFrame, interval: pd.DataFrame, top_n: int) -> None:
    """People (and uninsured people) in the top ``top_n``, and how far the ranks are certain."""
    ctx = sel.ctx
    top = ranked.head(top_n)
    st.metric(
        ctx.t("gap.ranking.top_population", n=ctx.language.int(top_n)),
        ctx.language.int(top["population"].sum()),
    )
    if sel.with_insured:
        st.metric(
            ctx.t("gap.ranking.top_uninsured", n=ctx.language.int(top_n)),
            ctx.language.int(top["uninsured"].sum(min_count=1)),
        )
        share = top["uninsured"].sum() / ranked["uninsured"].sum()
        st.caption(ctx.t("gap.ranking.top_share", share=ctx.language.pct(share)))
    error = ctx.language.pct(interval["rel_error"].iloc[0] if len(interval) else BASE_ERROR)
    st.caption(
        ctx.t(bands_note_key(sel.years_old), error=error, years=ctx.language.int(sel.years_old))
    )
    distinct = int(ranked["distinct"].sum())
    st.caption(ctx.t("gap.ranking.distinct", n=ctx.language.int(distinct)))
