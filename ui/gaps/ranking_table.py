"""The Gap analysis page's ranked table: which columns it shows for the level, the weighted
components and the data at hand, how each is formatted, its downloads, and the units listed
apart for want of a population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ui.context import Context
from ui.downloads import COLUMN_KINDS
from ui.gaps import data as gap_data
from ui.gaps import views as gap_views
from ui.gaps.rankings import no_data_list
from ui.gaps.selection import Selection

#: Columns of the table that hold a share, shown as percent 0–100.
PERCENT_KEYS = (
    "metric.coverage",
    "gap.table.coverage_low",
    "gap.table.coverage_high",
    "metric.gap_to_target",
    "gap.table.vulnerable",
)
#: Column of the score's bar (0–100) beside the score; its header is blank.
SCORE_BAR = "score_bar"
#: The raw components shown beside the score, where weighted.
RAW_KEYS = {
    "deprivation": "gap.table.deprivation",
    "vulnerable": "gap.table.vulnerable",
    "distance": "gap.table.distance",
}


def show(sel: Selection, ranked: pd.DataFrame, no_data: pd.DataFrame, used: list[str]) -> None:
    """The ``ranked`` units in a table (the rank band as text), its CSV and XLSX downloads (the
    rank and its band as numbers), and the ``no_data`` units listed apart."""
    ctx = sel.ctx
    shown = columns(sel, ranked, used)
    view = ranked[list(shown)].rename(columns=shown)
    # Names in the reader's language where the workspace has them (name_fa...).
    view[ctx.t("table.name")] = (
        ctx.language.names(ranked, sel.name_column).fillna(ranked[sel.key_column]).to_numpy()
    )
    if sel.district_column:
        view[ctx.t("table.district")] = ctx.language.names(ranked, "district_name").to_numpy()
    percent = [ctx.t(k) for k in PERCENT_KEYS]
    counts = [ctx.t(k) for k, kind in COLUMN_KINDS.items() if kind == "count"]
    for col in view.columns:
        if col not in (ctx.t("gap.table.rank"), ctx.t("table.name"), ctx.t("table.district")):
            view[col] = pd.to_numeric(view[col], errors="coerce").astype("float64")
    for col in percent:
        if col in view:
            view[col] = view[col] * 100
    for col in counts:
        if col in view:
            view[col] = view[col].round()
    table_kinds = kinds(ctx, view, percent, counts)
    if sel.level == "area" and "distance" in used:  # a place no road reaches: not a trip length
        far = (
            ranked[sel.key_column]
            .astype(str)
            .isin(gap_data.unreachable_areas(ctx.source, ctx.version, sel.measure))
        )
        header = ctx.t(f"gap.table.{sel.component('distance')}")
        if far.any() and header in view:
            view.loc[far.to_numpy(), header] = np.inf
            table_kinds[header] = "reach:1"
    bounds = [ctx.t("gap.table.rank_from"), ctx.t("gap.table.rank_to")]
    # Cells in the reader's digits and number format (a Styler; the values stay numbers). The
    # file holds the rank as a number, and its band as two numbers (the table's text "3–5" is
    # for reading); the score's bar is drawn on the page only.
    exported = view.assign(**{ctx.t("gap.table.rank"): ranked["rank"].to_numpy()})
    gap_views.show(
        ctx,
        with_score_bar(ctx, view.drop(columns=bounds)),
        f"gap_ranking_{sel.level}",
        kinds=table_kinds,
        files=exported,
        height=380,
        column_config=column_config(),
    )
    no_data_list(
        ctx,
        no_data,
        name_column=sel.name_column,
        key_column=sel.key_column,
        district_column=sel.district_column,
        key="gap_no_data",
    )


def columns(sel: Selection, ranked: pd.DataFrame, used: list[str]) -> dict[str, str]:
    """The table's columns and their headers: rank band, names, population, the coverage figures
    (the population's range without insured counts), the score and the ``used`` components."""
    ctx = sel.ctx
    shown = {
        "_rank": ctx.t("gap.table.rank"),
        "rank_best": ctx.t("gap.table.rank_from"),
        "rank_worst": ctx.t("gap.table.rank_to"),
        sel.name_column: ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if sel.district_column else {}),
        "population": ctx.t("metric.population"),
    }
    if sel.with_insured:
        shown |= {
            "insured": ctx.t("metric.insured"),
            "coverage": ctx.t("metric.coverage"),
            "coverage_low": ctx.t("gap.table.coverage_low"),
            "coverage_high": ctx.t("gap.table.coverage_high"),
            "uninsured": ctx.t("metric.uninsured"),
            "gap_to_target": ctx.t("metric.gap_to_target"),
            "people_to_target": ctx.t("metric.people_to_target"),
        }
    else:
        shown |= {
            "population_low": ctx.t("gap.table.population_low"),
            "population_high": ctx.t("gap.table.population_high"),
        }
    shown["score"] = ctx.t("gap.table.score")
    # each RAW_KEYS label is gap.table.<component>; the distance in minutes has its own
    shown |= {c: ctx.t(f"gap.table.{sel.component(c)}") for c in used if c in RAW_KEYS}
    shown |= {
        f"part_{c}": ctx.t("gap.table.part", component=ctx.t(f"gap.component.{sel.component(c)}"))
        for c in used
        if f"part_{c}" in ranked
    }
    return shown


def kinds(
    ctx: Context, view: pd.DataFrame, percent: list[str], counts: list[str]
) -> dict[str, str]:
    """The kinds of the table's figures besides its shares (here 0–100), counts and rank
    (:func:`ui.gaps.views.show`): the rank's band as ranks, the distance in kilometres, the
    deprivation index with two decimals, the score, its bar and the components with one."""
    named = {ctx.t("gap.table.distance"): "km", ctx.t("gap.table.deprivation"): "number:2"}
    named |= dict.fromkeys([ctx.t("gap.table.rank_from"), ctx.t("gap.table.rank_to")], "rank")
    named[SCORE_BAR] = "number"  # the grid draws the bar alone
    text = {ctx.t("gap.table.rank"), ctx.t("table.name"), ctx.t("table.district")}
    figures = {
        str(c): "number"
        for c in view.columns
        if c not in named and c not in text and c not in percent + counts
    }
    return figures | named


def with_score_bar(ctx: Context, view: pd.DataFrame) -> pd.DataFrame:
    """``view`` with the score's bar just after the score (a copy). The grid writes a bar's own
    figure in Latin digits and English format only, so the bar carries no text and the score
    column beside it shows the figure in the reader's (:func:`formats`)."""
    score = ctx.t("gap.table.score")
    if score not in view:
        return view
    shown = view.copy()
    shown.insert(list(shown.columns).index(score) + 1, SCORE_BAR, shown[score])
    return shown


def column_config() -> dict[str, object]:
    """The score's bar out of 100, with no text of its own (see :func:`with_score_bar`)."""
    return {
        SCORE_BAR: st.column_config.ProgressColumn(
            label=" ", format=" ", min_value=0, max_value=100
        )
    }
