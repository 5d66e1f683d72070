"""Gap analysis: where coverage falls short, whether it is a real cluster, and when it will close.

Four sections (the choice lives in the URL, like every other view setting): a ranking with a
transparent priority score and the top N on a map; clusters (Gi* cold spots and local-Moran
isolated low areas, FDR-corrected); trends (pace, projection to the goal with a range, units
falling behind, outreach before/after); breakdowns (scheme, population group, underserved).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.clusters import CATEGORIES
from analytics.priority import COMPONENTS, priority_score, split_ranked
from analytics.trends import target_at
from analytics.uncertainty import BASE_ERROR, ERROR_PER_YEAR, coverage_interval, rank_bands
from render.format import fmt_date, fmt_int, fmt_month, fmt_pct
from render.maps import LegendItem
from ui import data, views
from ui.context import current
from ui.downloads import COLUMN_KINDS
from ui.facility_layer import facility_filters
from ui.gaps import data as gd
from ui.gaps import views as gap_views
from ui.gaps.rankings import no_data_list
from ui.state import Param, bind, publish, value

ctx = current()
ws, ver = ctx.source, ctx.version
months = data.periods(ws, ver)
with_insured = bool(months)
month_keys = [m.strftime("%Y-%m") for m in months]
areas = data.tables(ws, ver)["areas"]
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
        f"w_{c}": Param(f"w_{c}", 1, lambda: range(6), parse=int, key=f"gap_w_{c}")
        for c in COMPONENTS
    },
    "alpha": Param("alpha", 0.05, lambda: [0.01, 0.05, 0.1], parse=float),
    "window": Param("window", 12, lambda: [6, 12, 24], parse=int),
    "goal": Param("goal", 100, lambda: range(50, 101), parse=int),
    "after": Param("after", 2, lambda: range(7), parse=int),
}
bind(list(P.values()))

sb = st.sidebar
if with_insured:
    views.month_picker(ctx, month_keys, P["month"].widget_key)
if len(levels) > 1:
    views.level_picker(ctx, levels, P["level"].widget_key)
sb.number_input(
    ctx.t("gap.controls.census"),
    min_value=1950,
    max_value=last_year,
    step=1,
    key=P["census"].widget_key,
    help=ctx.t(
        "gap.controls.census_help",
        base=fmt_pct(BASE_ERROR, ctx.lang),
        per_year=fmt_pct(ERROR_PER_YEAR, ctx.lang),
    ),
)
# Facilities on the maps (off unless asked for): the filters every map page shares.
facilities = facility_filters(ctx, data.tables(ws, ver)["facilities"], "gap", show_default=False)

month = months[month_keys.index(value(P["month"]))] if with_insured else None
level = str(value(P["level"]))
key_column = data.LEVEL_KEYS[level]
name_column = "district_name" if level == "district" else "name"
years_old = max((month.year if month is not None else last_year) - int(value(P["census"])), 0)

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


def rank_text(best: float, worst: float) -> str:
    if pd.isna(best):
        return "—"
    if best == worst:
        return fmt_int(best, ctx.lang)
    return f"{fmt_int(best, ctx.lang)}–{fmt_int(worst, ctx.lang)}"


# ------------------------------------------------------------------------------------- ranking
def ranking_section() -> None:
    inputs = gd.priority_inputs(ws, ver, month, level)
    available = [c for c in COMPONENTS if c in inputs and inputs[c].notna().any()]
    st.subheader(ctx.t("gap.ranking.weights"))

    def help_key(c: str) -> str:
        """What component ``c`` is (deprivation: population-weighted for districts, if any)."""
        per = "_region" if c == "deprivation" and not by_district else ""
        return f"gap.component_help.{c}{per}"

    cols = st.columns(len(COMPONENTS))
    for col, c in zip(cols, COMPONENTS, strict=True):
        col.select_slider(
            ctx.t(f"gap.component.{c}"),
            options=list(range(6)),
            key=P[f"w_{c}"].widget_key,
            disabled=c not in available,
            help=ctx.t(help_key(c)) if c in available else ctx.t("gap.ranking.component_missing"),
        )
    weights = {c: float(value(P[f"w_{c}"])) for c in available}
    gap_views.formula(
        r"\mathrm{score} = 100\cdot\frac{\sum_k w_k\,x'_k}{\sum_k w_k},\qquad "
        r"x'_k = \frac{x_k-\min x_k}{\max x_k-\min x_k}"
    )
    used = [c for c in available if weights[c] > 0]
    st.markdown(
        ctx.t("gap.ranking.formula_intro")
        + "\n"
        + "\n".join(
            f"- **{ctx.t(f'gap.component.{c}')}** (w = {fmt_int(weights[c], ctx.lang)}): "
            + ctx.t(help_key(c))
            for c in used
        )
    )
    st.caption(ctx.t("gap.ranking.formula_note"))
    if not available:
        st.info(ctx.t("gap.ranking.no_components"))

    scores = priority_score(inputs, weights)
    table = inputs.join(scores.rename(columns={"rank": "score_rank"}))
    interval = coverage_interval(table["population"], table["insured"], years_old)
    table = table.join(interval.drop(columns=["coverage"]))
    order = str(value(P["order"]))
    # No data is not a rank: units without population are ranked nowhere, and listed apart.
    ranked, no_data = split_ranked(table)
    inputs_ranked = inputs.loc[ranked.index]
    if order == "priority":
        # The score's own interval: uninsured people and shortfall at the ends of the population
        # interval, rescaled on the central scale.
        ends = []
        for uninsured, coverage in (
            ("uninsured_low", "coverage_high"),
            ("uninsured_high", "coverage_low"),
        ):
            end = inputs_ranked.assign(
                uninsured=ranked[uninsured],
                shortfall=(ranked["target"] - ranked[coverage]).clip(lower=0),
            )
            ends.append(priority_score(end, weights, scale_from=inputs_ranked)["score"])
        band = rank_bands(ranked["score"], ends[0], ends[1], ascending=False)
    elif order == "coverage":
        band = rank_bands(ranked["coverage"], ranked["coverage_low"], ranked["coverage_high"])
    elif order == "gap_to_target":
        gap_lo = (ranked["target"] - ranked["coverage_high"]).clip(lower=0)
        gap_hi = (ranked["target"] - ranked["coverage_low"]).clip(lower=0)
        band = rank_bands(ranked["gap_to_target"], gap_lo, gap_hi, ascending=False)
    elif order == "uninsured":
        band = rank_bands(
            ranked["uninsured"], ranked["uninsured_low"], ranked["uninsured_high"], ascending=False
        )
    else:
        band = rank_bands(
            ranked["population"],
            ranked["population_low"],
            ranked["population_high"],
            ascending=False,
        )
    table = table.join(band)
    table = table.sort_values(["rank", key_column], na_position="last").reset_index(drop=True)
    ranked, no_data = split_ranked(table)
    top_n = int(value(P["top"]))

    st.subheader(ctx.t("gap.ranking.title", level=ctx.t(f"level.{level}")))
    c1, c2 = st.columns([2, 3])
    c1.selectbox(
        ctx.t("gap.ranking.order"),
        ORDERS,
        key=P["order"].widget_key,
        format_func=lambda o: ctx.t(f"gap.order.{o}"),
    )
    c2.select_slider(ctx.t("gap.ranking.top"), options=list(range(3, 51)), key=P["top"].widget_key)

    map_col, info_col = st.columns([3, 2], gap="medium")
    colours, groups = gap_views.top_colours(table["rank"], top_n)
    table["_colour"] = colours.to_numpy()
    table["_name"] = table[name_column].fillna(table[key_column]).astype(str)
    table["_rank"] = [
        rank_text(b, w) for b, w in zip(table["rank_best"], table["rank_worst"], strict=True)
    ]
    table["_score"] = table["score"].map(lambda v: fmt_int(v, ctx.lang))
    table["_value"] = (
        table["coverage"].map(lambda v: fmt_pct(v, ctx.lang))
        if with_insured
        else table["population"].map(lambda v: fmt_int(v, ctx.lang))
    )
    ranked, no_data = split_ranked(table)
    items = [
        LegendItem(c, ctx.t("gap.map.ranks", first=fmt_int(a, ctx.lang), last=fmt_int(b, ctx.lang)))
        for c, a, b in groups
    ]
    items.append(LegendItem(gap_views.OUTSIDE_COLOUR, ctx.t("gap.map.outside", n=top_n)))
    if table["rank"].isna().any():
        items.append(LegendItem("#bdbdbd", ctx.t("map.no_data"), int(table["rank"].isna().sum())))
    with map_col:
        gap_views.category_map(
            ctx,
            data.display_shapes(ws, ver, level),
            table,
            id_column=key_column,
            colour_column="_colour",
            tooltip=[
                ("_name", ctx.t("map.name")),
                ("_rank", ctx.t("gap.table.rank")),
                ("_score", ctx.t("gap.table.score")),
                ("_value", ctx.t("metric.coverage" if with_insured else "metric.population")),
            ],
            legend_title=ctx.t("gap.map.top_title", n=top_n, order=ctx.t(f"gap.order.{order}")),
            legend_items=items,
            key=f"gap_top_map_{level}",
            facilities=facilities,
        )
    with info_col:
        top = ranked.head(top_n)
        st.metric(
            ctx.t("gap.ranking.top_population", n=top_n), fmt_int(top["population"].sum(), ctx.lang)
        )
        if with_insured:
            st.metric(
                ctx.t("gap.ranking.top_uninsured", n=top_n),
                fmt_int(top["uninsured"].sum(min_count=1), ctx.lang),
            )
            share = top["uninsured"].sum() / ranked["uninsured"].sum()
            st.caption(ctx.t("gap.ranking.top_share", share=fmt_pct(share, ctx.lang)))
        st.caption(
            ctx.t(
                "gap.ranking.bands_note",
                error=fmt_pct(
                    interval["rel_error"].iloc[0] if len(interval) else BASE_ERROR, ctx.lang
                ),
                years=fmt_int(years_old, ctx.lang),
            )
        )
        distinct = int(ranked["distinct"].sum())
        st.caption(ctx.t("gap.ranking.distinct", n=fmt_int(distinct, ctx.lang)))

    shown = {
        "_rank": ctx.t("gap.table.rank"),
        "rank_best": ctx.t("gap.table.rank_from"),
        "rank_worst": ctx.t("gap.table.rank_to"),
        name_column: ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if level == "area" and by_district else {}),
        "population": ctx.t("metric.population"),
    }
    if with_insured:
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
    raw = {"deprivation": "gap.table.deprivation", "vulnerable": "gap.table.vulnerable"}
    raw["distance"] = "gap.table.distance"
    shown |= {c: ctx.t(raw[c]) for c in used if c in raw}
    shown |= {
        f"part_{c}": ctx.t("gap.table.part", component=ctx.t(f"gap.component.{c}"))
        for c in used
        if f"part_{c}" in table
    }
    view = ranked[list(shown)].rename(columns=shown)
    percent = [
        ctx.t(k)
        for k in (
            "metric.coverage",
            "gap.table.coverage_low",
            "gap.table.coverage_high",
            "metric.gap_to_target",
            "gap.table.vulnerable",
        )
    ]
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
    config = (
        {c: st.column_config.NumberColumn(format="%.1f %%") for c in percent if c in view}
        | {c: st.column_config.NumberColumn(format="localized") for c in counts}
        | {
            ctx.t("gap.table.score"): st.column_config.ProgressColumn(
                format="%.0f", min_value=0, max_value=100
            ),
            ctx.t("gap.table.distance"): st.column_config.NumberColumn(format="%.1f"),
            ctx.t("gap.table.deprivation"): st.column_config.NumberColumn(format="%.2f"),
        }
        | {
            ctx.t("gap.table.part", component=ctx.t(f"gap.component.{c}")): (
                st.column_config.NumberColumn(format="%.1f")
            )
            for c in used
        }
    )
    bounds = [ctx.t("gap.table.rank_from"), ctx.t("gap.table.rank_to")]
    st.dataframe(
        view.drop(columns=bounds),
        hide_index=True,
        width="stretch",
        height=380,
        column_config=config,
    )
    # The file holds the rank as a number, and its band as two numbers (the table's text
    # "3–5" is for reading).
    exported = view.assign(**{ctx.t("gap.table.rank"): ranked["rank"].to_numpy()})
    gap_views.download(ctx, exported, f"gap_ranking_{level}", kinds=dict.fromkeys(bounds, "rank"))
    no_data_list(
        ctx,
        no_data,
        name_column=name_column,
        key_column=key_column,
        district_column="district_name" if level == "area" and by_district else None,
        key="gap_no_data",
    )


# ------------------------------------------------------------------------------------ clusters
def clusters_section() -> None:
    st.subheader(ctx.t("gap.clusters.title"))
    if not with_insured:
        st.info(ctx.t("gap.clusters.no_insured"))
        return
    st.columns(3)[0].selectbox(
        ctx.t("gap.clusters.alpha"),
        [0.01, 0.05, 0.1],
        key=P["alpha"].widget_key,
        format_func=lambda a: fmt_pct(a, ctx.lang, digits=0),
    )
    found = gd.coverage_clusters(ws, ver, month, float(value(P["alpha"])))
    names = areas.set_index("area_id")[["name", "district_name"]]
    found = found.join(names, on="area_id")
    counts = found["category"].value_counts()
    cols = st.columns(3)
    for col, cat in zip(cols, ("cold_spot", "isolated_low", "hot_spot"), strict=True):
        col.metric(ctx.t(f"gap.cluster.{cat}"), fmt_int(counts.get(cat, 0), ctx.lang))
    found["_colour"] = found["category"].map(gap_views.CLUSTER_COLOURS)
    found["_name"] = found["name"].fillna(found["area_id"]).astype(str)
    found["_category"] = found["category"].map(lambda c: ctx.t(f"gap.cluster.{c}"))
    found["_coverage"] = found["coverage"].map(lambda v: fmt_pct(v, ctx.lang))
    items = [
        LegendItem(gap_views.CLUSTER_COLOURS[c], ctx.t(f"gap.cluster.{c}"), int(counts.get(c, 0)))
        for c in CATEGORIES
        if counts.get(c, 0)
    ]
    gap_views.category_map(
        ctx,
        data.display_shapes(ws, ver, "area"),
        found,
        id_column="area_id",
        colour_column="_colour",
        tooltip=[
            ("_name", ctx.t("map.name")),
            ("_category", ctx.t("gap.table.category")),
            ("_coverage", ctx.t("metric.coverage")),
        ],
        legend_title=ctx.t("gap.clusters.legend"),
        legend_items=items,
        key="gap_cluster_map",
        height=520,
        facilities=facilities,
    )
    st.caption(ctx.t("gap.clusters.method", alpha=fmt_pct(value(P["alpha"]), ctx.lang, digits=0)))
    flagged = found[found["category"].isin(["cold_spot", "isolated_low"])].sort_values(
        ["category", "coverage"]
    )
    shown = {
        "name": ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if by_district else {}),
        "_category": ctx.t("gap.table.category"),
        "coverage": ctx.t("metric.coverage"),
        "gi_z": ctx.t("gap.table.gi_z"),
        "gi_q": ctx.t("gap.table.gi_q"),
        "moran_i": ctx.t("gap.table.moran_i"),
        "moran_fdr": ctx.t("gap.table.moran_q"),
    }
    view = flagged[list(shown)].rename(columns=shown)
    view[ctx.t("metric.coverage")] = view[ctx.t("metric.coverage")] * 100
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        column_config={
            ctx.t("metric.coverage"): st.column_config.NumberColumn(format="%.1f %%"),
            ctx.t("gap.table.gi_z"): st.column_config.NumberColumn(format="%.2f"),
            ctx.t("gap.table.gi_q"): st.column_config.NumberColumn(format="%.3f"),
            ctx.t("gap.table.moran_i"): st.column_config.NumberColumn(format="%.2f"),
            ctx.t("gap.table.moran_q"): st.column_config.NumberColumn(format="%.3f"),
        },
    )
    gap_views.download(ctx, view, "gap_clusters")


# -------------------------------------------------------------------------------------- trends
def trends_section() -> None:
    st.subheader(ctx.t("gap.trends.title"))
    if not with_insured:
        st.info(ctx.t("gap.trends.no_insured"))
        return
    c1, c2, c3 = st.columns(3)
    c1.select_slider(
        ctx.t("gap.trends.window"),
        options=[6, 12, 24],
        key=P["window"].widget_key,
        format_func=lambda n: ctx.t("gap.trends.months", n=n),
    )
    c2.slider(ctx.t("gap.trends.goal"), 50, 100, key=P["goal"].widget_key, format="%d %%")
    c3.select_slider(
        ctx.t("gap.trends.after"),
        options=list(range(7)),
        key=P["after"].widget_key,
        format_func=lambda n: ctx.t("gap.trends.months", n=n),
    )
    window, goal = int(value(P["window"])), int(value(P["goal"])) / 100
    region = gd.projections(ws, ver, "region", window, goal, 0.9).iloc[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(
        ctx.t("gap.trends.latest"),
        fmt_pct(region["latest"], ctx.lang),
        help=fmt_month(region["latest_period"], ctx.lang, calendar=ctx.calendar),
    )
    m2.metric(
        ctx.t("gap.trends.pace"),
        signed_points(region["slope"]),
        help=ctx.t(
            "gap.trends.pace_range",
            low=signed_points(region["slope_low"]),
            high=signed_points(region["slope_high"]),
        ),
    )
    m3.metric(ctx.t("gap.trends.reach", goal=fmt_pct(goal, ctx.lang, digits=0)), reach_text(region))
    st.caption(reach_range_text(region))
    sessions = data.tables(ws, ver)["outreach"]
    st.plotly_chart(
        gap_views.projection_chart(
            data.trend(ws, ver, None, None),
            data.targets(ws, ver),
            region,
            goal,
            ctx.lang,
            title=ctx.t("gap.trends.chart"),
            labels={
                "pace": ctx.t("gap.trends.at_pace"),
                "range": ctx.t("gap.trends.range"),
                "goal": ctx.t("gap.trends.goal_line", goal=fmt_pct(goal, ctx.lang, digits=0)),
            },
            sessions=sessions if len(sessions) else None,
        ),
        width="stretch",
    )
    st.caption(ctx.t("gap.trends.method", n=window))

    st.subheader(ctx.t("gap.trends.behind_title", level=ctx.t(f"level.{level}")))
    proj = gd.projections(ws, ver, level, window, goal, 0.9).reset_index()
    latest_month = months[-1]
    units = (
        areas[["area_id", "name", "district_id", "district_name"]]
        if level == "area"
        else areas.drop_duplicates("district_id")[["district_id", "district_name"]]
    )
    proj = units.merge(proj, on=key_column, how="left")
    proj["line"] = target_at(
        data.tables(ws, ver)["targets"], latest_month, proj["district_id"]
    ).to_numpy()
    proj["behind_by"] = proj["line"] - proj["latest"]
    behind = proj[proj["behind_by"] > 0].sort_values("behind_by", ascending=False)
    st.caption(
        ctx.t(
            "gap.trends.behind_count",
            n=fmt_int(len(behind), ctx.lang),
            total=fmt_int(len(proj), ctx.lang),
            month=fmt_month(latest_month, ctx.lang, calendar=ctx.calendar),
        )
    )
    history = (
        gd.area_monthly(ws, ver) if level == "area" else data.trend(ws, ver, None, "district_id")
    )
    sparks = history.groupby(key_column)["coverage"].apply(lambda s: list(s.fillna(0) * 100))
    behind = behind.assign(
        _trend=behind[key_column].map(sparks),
        _status=behind["status"].map(lambda s: ctx.t(f"gap.status.{s}")),
        _reach=[reach_text(r) for _, r in behind.iterrows()],
        _range=[reach_range_short(r) for _, r in behind.iterrows()],
    )
    shown = {
        name_column: ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if level == "area" and by_district else {}),
        "latest": ctx.t("gap.trends.latest"),
        "line": ctx.t("gap.table.line"),
        "behind_by": ctx.t("gap.table.behind_by"),
        "slope": ctx.t("gap.trends.pace"),
        "_reach": ctx.t("gap.table.reach"),
        "_range": ctx.t("gap.table.reach_range"),
        "_trend": ctx.t("gap.table.trend"),
    }
    view = behind[list(shown)].rename(columns=shown)
    for k in ("gap.trends.latest", "gap.table.line", "gap.table.behind_by", "gap.trends.pace"):
        view[ctx.t(k)] = view[ctx.t(k)] * 100
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        height=360,
        column_config={
            ctx.t("gap.trends.latest"): st.column_config.NumberColumn(format="%.1f %%"),
            ctx.t("gap.table.line"): st.column_config.NumberColumn(format="%.1f %%"),
            ctx.t("gap.table.behind_by"): st.column_config.NumberColumn(format="%.1f"),
            ctx.t("gap.trends.pace"): st.column_config.NumberColumn(format="%+.2f"),
            ctx.t("gap.table.trend"): st.column_config.LineChartColumn(),
        },
    )
    gap_views.download(ctx, view.drop(columns=[ctx.t("gap.table.trend")]), f"gap_behind_{level}")

    st.subheader(ctx.t("gap.outreach.title"))
    after = int(value(P["after"]))
    effect = gd.outreach_effect(ws, ver, after)
    if effect.empty:
        st.caption(ctx.t("gap.outreach.none"))
        return
    effect = effect.assign(
        _kind=effect["kind"].map(lambda k: ctx.t(f"gap.kind.{k}") if pd.notna(k) else "—")
        if "kind" in effect
        else "—"
    )
    shown = {
        "session_id": ctx.t("gap.outreach.session"),
        "date": ctx.t("gap.outreach.date"),
        "name": ctx.t("table.name"),
        "_kind": ctx.t("gap.outreach.kind"),
        "enrolled": ctx.t("gap.outreach.enrolled"),
        "coverage_before": ctx.t("gap.outreach.before"),
        "coverage_after": ctx.t("gap.outreach.after", n=after),
        "change": ctx.t("gap.outreach.change"),
        "insured_change": ctx.t("gap.outreach.insured_change"),
    }
    effect = effect.assign(date=[fmt_date(d, ctx.lang, ctx.calendar) for d in effect["date"]])
    view = effect[list(shown)].rename(columns=shown)
    for k in ("gap.outreach.before", "gap.outreach.change"):
        view[ctx.t(k)] = view[ctx.t(k)] * 100
    view[ctx.t("gap.outreach.after", n=after)] = view[ctx.t("gap.outreach.after", n=after)] * 100
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        column_config={
            ctx.t("gap.outreach.date"): st.column_config.DateColumn(format="YYYY-MM-DD"),
            ctx.t("gap.outreach.before"): st.column_config.NumberColumn(format="%.1f %%"),
            ctx.t("gap.outreach.after", n=after): st.column_config.NumberColumn(format="%.1f %%"),
            ctx.t("gap.outreach.change"): st.column_config.NumberColumn(format="%+.1f"),
            ctx.t("gap.outreach.enrolled"): st.column_config.NumberColumn(format="localized"),
            ctx.t("gap.outreach.insured_change"): st.column_config.NumberColumn(format="localized"),
        },
    )
    st.caption(ctx.t("gap.outreach.note", n=after))
    gap_views.download(ctx, view, "gap_outreach", percent=(ctx.t("gap.outreach.after", n=after),))


def signed_points(share: float) -> str:
    """A change of coverage (a share) in points with its sign, e.g. ``+0.27``."""
    if pd.isna(share):
        return "—"
    text = fmt_pct(abs(share), ctx.lang, digits=2)
    return ("-" if share < 0 else "+") + text


def reach_text(row: pd.Series) -> str:
    status = row["status"]
    if status == "projected":
        return fmt_month(row["reach_month"], ctx.lang, calendar=ctx.calendar)
    return ctx.t(f"gap.status.{status}")


def reach_range_short(row: pd.Series) -> str:
    if row["status"] != "projected":
        return "—"
    early = fmt_month(row["reach_earliest"], ctx.lang, calendar=ctx.calendar)
    late = (
        fmt_month(row["reach_latest"], ctx.lang, calendar=ctx.calendar)
        if pd.notna(row["reach_latest"])
        else ctx.t("gap.status.not_at_this_pace")
    )
    return f"{early} – {late}"


def reach_range_text(row: pd.Series) -> str:
    if row["status"] != "projected":
        return ctx.t(f"gap.status_help.{row['status']}")
    return ctx.t("gap.trends.reach_range", range=reach_range_short(row))


# ---------------------------------------------------------------------------------- breakdowns
def breakdowns_section() -> None:
    st.subheader(ctx.t("gap.breakdowns.title"))
    if not with_insured:
        st.info(ctx.t("gap.breakdowns.no_insured"))
        return
    left, right = st.columns([2, 3], gap="medium")
    with left:
        st.markdown(f"**{ctx.t('gap.breakdowns.scheme')}**")
        schemes = gd.scheme_breakdown(ws, ver, month)
        if schemes.empty:
            st.caption(ctx.t("gap.breakdowns.no_schemes"))
        else:
            shown = {
                "scheme": ctx.t("table.scheme"),
                "insured": ctx.t("metric.insured"),
                "share": ctx.t("gap.breakdowns.share"),
            }
            view = schemes.assign(
                scheme=schemes["scheme"].map(lambda s: ctx.label("scheme", s)),
                share=schemes["share"] * 100,
            )[list(shown)].rename(columns=shown)
            st.dataframe(
                view,
                hide_index=True,
                width="stretch",
                column_config={
                    ctx.t("metric.insured"): st.column_config.NumberColumn(format="localized"),
                    ctx.t("gap.breakdowns.share"): st.column_config.ProgressColumn(
                        format="%.1f %%", min_value=0, max_value=100
                    ),
                },
            )
            gap_views.download(ctx, view, "gap_by_scheme")
    with right:
        st.markdown(f"**{ctx.t('gap.breakdowns.underserved')}**")
        under = gd.underserved_breakdown(ws, ver, month)
        if under.empty:
            st.caption(ctx.t("gap.breakdowns.no_underserved"))
        else:
            label = {
                True: ctx.t("gap.breakdowns.is_underserved"),
                False: ctx.t("gap.breakdowns.other"),
            }
            shown = {
                "underserved": ctx.t("gap.breakdowns.areas"),
                "n_areas": ctx.t("gap.breakdowns.n_areas"),
                "population": ctx.t("metric.population"),
                "coverage": ctx.t("metric.coverage"),
                "uninsured": ctx.t("metric.uninsured"),
            }
            view = under.assign(
                underserved=under["underserved"].map(lambda u: label.get(u, "—")),
                coverage=under["coverage"] * 100,
            )[list(shown)].rename(columns=shown)
            gap_views.shares_table(
                view,
                share=ctx.t("metric.coverage"),
                counts=(ctx.t("metric.population"), ctx.t("metric.uninsured")),
            )
            gap_views.download(ctx, view, "gap_underserved")
    st.markdown(f"**{ctx.t('gap.breakdowns.groups')}**")
    groups = gd.group_breakdown(ws, ver, month)
    if groups.empty:
        st.caption(ctx.t("gap.breakdowns.no_groups"))
        return
    shown = {
        "group": ctx.t("gap.breakdowns.group"),
        "population": ctx.t("metric.population"),
        "coverage": ctx.t("gap.breakdowns.est_coverage"),
        "uninsured": ctx.t("gap.breakdowns.est_uninsured"),
    }
    view = groups.assign(
        group=groups["group"].map(lambda g: ctx.t(f"gap.group.{g}")),
        coverage=groups["coverage"] * 100,
        uninsured=groups["uninsured"].round(),
    )[list(shown)].rename(columns=shown)
    gap_views.shares_table(
        view,
        share=ctx.t("gap.breakdowns.est_coverage"),
        counts=(ctx.t("metric.population"), ctx.t("gap.breakdowns.est_uninsured")),
    )
    st.caption(ctx.t("gap.breakdowns.groups_note"))
    gap_views.download(ctx, view, "gap_by_group")


{
    "ranking": ranking_section,
    "clusters": clusters_section,
    "trends": trends_section,
    "breakdowns": breakdowns_section,
}[section]()

publish(list(P.values()))
