"""The Gap analysis page's trends section: the region's pace and its projection to the goal with
a range, the units falling behind their target line, and coverage before and after each
outreach session."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from analytics.trends import target_at
from render.format import percent_format
from ui import data
from ui.context import Context
from ui.gaps import data as gd
from ui.gaps import views as gap_views
from ui.gaps.selection import Selection


def section(sel: Selection) -> None:
    """The window, goal and months-after controls, then the projection, units behind and the
    outreach sessions' effect."""
    ctx = sel.ctx
    st.subheader(ctx.t("gap.trends.title"))
    if not sel.with_insured:
        st.info(ctx.t("gap.trends.no_insured"))
        return
    c1, c2, c3 = st.columns(3)
    c1.select_slider(
        ctx.t("gap.trends.window"),
        options=[6, 12, 24],
        key=sel.key("window"),
        format_func=lambda n: ctx.t("gap.trends.months", n=n),
    )
    c2.slider(
        ctx.t("gap.trends.goal"), 50, 100, key=sel.key("goal"), format=percent_format(ctx.lang)
    )
    c3.select_slider(
        ctx.t("gap.trends.after"),
        options=list(range(7)),
        key=sel.key("after"),
        format_func=lambda n: ctx.t("gap.trends.months", n=n),
    )
    window, goal = int(sel.value("window")), int(sel.value("goal")) / 100
    projection(sel, window, goal)
    behind_table(sel, window, goal)
    outreach_table(sel, int(sel.value("after")))


def projection(sel: Selection, window: int, goal: float) -> None:
    """The region's latest coverage, pace over the last ``window`` months and the month it
    reaches ``goal`` at that pace, and the chart of it."""
    ctx = sel.ctx
    ws, ver = sel.ws, sel.ver
    region = gd.projections(ws, ver, "region", window, goal, 0.9).iloc[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(
        ctx.t("gap.trends.latest"),
        ctx.language.pct(region["latest"]),
        help=ctx.language.month(region["latest_period"]),
    )
    m2.metric(
        ctx.t("gap.trends.pace"),
        signed_points(ctx, region["slope"]),
        help=ctx.t(
            "gap.trends.pace_range",
            low=signed_points(ctx, region["slope_low"]),
            high=signed_points(ctx, region["slope_high"]),
        ),
    )
    m3.metric(ctx.t("gap.trends.reach", goal=ctx.language.pct(goal, 0)), reach_text(ctx, region))
    st.caption(reach_range_text(ctx, region))
    sessions = data.table(ws, ver, "outreach")
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
                "goal": ctx.t("gap.trends.goal_line", goal=ctx.language.pct(goal, 0)),
            },
            sessions=sessions if len(sessions) else None,
        ),
        width="stretch",
    )
    st.caption(ctx.t("gap.trends.method", n=window))


def behind_table(sel: Selection, window: int, goal: float) -> None:
    """The units at the level below their target line in the latest month, furthest first, with
    their pace, projection and coverage history, and the table's downloads."""
    ctx = sel.ctx
    ws, ver, level, key_column = sel.ws, sel.ver, sel.level, sel.key_column
    st.subheader(ctx.t("gap.trends.behind_title", level=ctx.t(f"level.{level}")))
    proj = gd.projections(ws, ver, level, window, goal, 0.9).reset_index()
    latest_month = sel.months[-1]
    areas = sel.areas
    # With the names' translations (name_fa, district_name_vi...) for the reader's language.
    local = [c for c in areas.columns if re.fullmatch(r"(district_)?name_[a-z]{2}", str(c))]
    units = (
        areas[["area_id", "name", "district_id", "district_name", *local]]
        if level == "area"
        else areas.drop_duplicates("district_id")[
            ["district_id", "district_name", *[c for c in local if c.startswith("district_")]]
        ]
    )
    proj = units.merge(proj, on=key_column, how="left")
    proj["line"] = target_at(
        data.table(ws, ver, "targets"), latest_month, proj["district_id"]
    ).to_numpy()
    proj["behind_by"] = proj["line"] - proj["latest"]
    behind = proj[proj["behind_by"] > 0].sort_values("behind_by", ascending=False)
    st.caption(
        ctx.t(
            "gap.trends.behind_count",
            n=ctx.language.int(len(behind)),
            total=ctx.language.int(len(proj)),
            month=ctx.language.month(latest_month),
        )
    )
    history = (
        gd.area_monthly(ws, ver) if level == "area" else data.trend(ws, ver, None, "district_id")
    )
    sparks = history.groupby(key_column)["coverage"].apply(lambda s: list(s.fillna(0) * 100))
    behind = behind.assign(
        _trend=behind[key_column].map(sparks),
        _status=behind["status"].map(lambda s: ctx.t(f"gap.status.{s}")),
        _reach=[reach_text(ctx, r) for _, r in behind.iterrows()],
        _range=[reach_range_short(ctx, r) for _, r in behind.iterrows()],
    )
    shown = {
        sel.name_column: ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if sel.district_column else {}),
        "latest": ctx.t("gap.trends.latest"),
        "line": ctx.t("gap.table.line"),
        "behind_by": ctx.t("gap.table.behind_by"),
        "slope": ctx.t("gap.trends.pace"),
        "_reach": ctx.t("gap.table.reach"),
        "_range": ctx.t("gap.table.reach_range"),
        "_trend": ctx.t("gap.table.trend"),
    }
    view = behind[list(shown)].rename(columns=shown)
    _reader_names(ctx, view, behind, sel.name_column)
    for k in ("gap.trends.latest", "gap.table.line", "gap.table.behind_by", "gap.trends.pace"):
        view[ctx.t(k)] = view[ctx.t(k)] * 100
    # Cells in the reader's digits and number format (a Styler: the grid's own column formats
    # would write "81.7 %" in every language; the values stay numbers); the sparkline on the
    # page only.
    trend = ctx.t("gap.table.trend")
    gap_views.show(
        ctx,
        view,
        f"gap_behind_{level}",
        kinds={ctx.t("gap.table.behind_by"): "number", ctx.t("gap.trends.pace"): "signed:2"},
        files=view.drop(columns=[trend]),
        height=360,
        column_config={trend: st.column_config.LineChartColumn()},
    )


def outreach_table(sel: Selection, after: int) -> None:
    """Coverage of each outreach session's area before it and ``after`` months after, with the
    table's downloads (a caption where the workspace has no sessions)."""
    ctx = sel.ctx
    st.subheader(ctx.t("gap.outreach.title"))
    effect = gd.outreach_effect(sel.ws, sel.ver, after)
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
        "coverage_after": ctx.t("gap.outreach.after", n=ctx.language.int(after)),
        "change": ctx.t("gap.outreach.change"),
        "insured_change": ctx.t("gap.outreach.insured_change"),
    }
    effect = effect.assign(date=[ctx.language.date(d) for d in effect["date"]])
    view = effect[list(shown)].rename(columns=shown)
    _reader_names(ctx, view, effect, "name")
    before, later = (
        ctx.t("gap.outreach.before"),
        ctx.t("gap.outreach.after", n=ctx.language.int(after)),
    )
    change = ctx.t("gap.outreach.change")
    for column in (before, later, change):
        view[column] = view[column] * 100
    # The date is already text in the reader's calendar; the figures in its number format.
    gap_views.show(
        ctx,
        view,
        "gap_outreach",
        kinds={
            later: "percent",
            change: "signed:1",
            ctx.t("gap.outreach.enrolled"): "count",
            ctx.t("gap.outreach.insured_change"): "signed:0",
            ctx.t("gap.outreach.session"): "label",
        },
    )
    st.caption(ctx.t("gap.outreach.note", n=after))


def _reader_names(ctx: Context, view: pd.DataFrame, rows: pd.DataFrame, name_column: str) -> None:
    """Write the names (and districts) of ``view`` in the reader's language where the workspace
    has them (``name_fa``...), in place; ``rows`` are the rows ``view`` was made from."""
    if ctx.t("table.name") in view:
        view[ctx.t("table.name")] = ctx.language.names(rows, name_column).to_numpy()
    if ctx.t("table.district") in view:
        view[ctx.t("table.district")] = ctx.language.names(rows, "district_name").to_numpy()


def signed_points(ctx: Context, share: float) -> str:
    """A change of coverage (a share) in points with its sign, e.g. ``+0.27``."""
    if pd.isna(share):
        return "—"
    text = ctx.language.pct(abs(share), 2)
    return ("-" if share < 0 else "+") + text


def reach_text(ctx: Context, row: pd.Series) -> str:
    """The month a projection reaches the goal, or why it does not."""
    status = row["status"]
    if status == "projected":
        return ctx.language.month(row["reach_month"])
    return ctx.t(f"gap.status.{status}")


def reach_range_short(ctx: Context, row: pd.Series) -> str:
    """The earliest and latest month a projection reaches the goal in (a dash without one)."""
    if row["status"] != "projected":
        return "—"
    early = ctx.language.month(row["reach_earliest"])
    late = (
        ctx.language.month(row["reach_latest"])
        if pd.notna(row["reach_latest"])
        else ctx.t("gap.status.not_at_this_pace")
    )
    return f"{early} – {late}"


def reach_range_text(ctx: Context, row: pd.Series) -> str:
    """The range of months a projection reaches the goal in as a sentence, or why it has none."""
    if row["status"] != "projected":
        return ctx.t(f"gap.status_help.{row['status']}")
    return ctx.t("gap.trends.reach_range", range=reach_range_short(ctx, row))
