"""Streamlit pieces of the Partners page: the responsibility map, scorecards, the comparison
chart, assignment checks, trends per partner and area, and the reassignment form."""

from __future__ import annotations

import html

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.classify import NO_DATA_COLOUR
from analytics.priority import split_ranked
from geodata.store.assignments import reassign_areas
from geodata.tables.problems import DataError
from render import charts
from render.i18n import direction, joined
from render.maps import LegendItem
from render.mapview import MAP_SIZES
from render.safe import md_escape
from ui import data, views
from ui.area_maps import restyle_script, show_parts
from ui.context import Context
from ui.downloads import audit_actor, table_downloads
from ui.grid import grid
from ui.partners import data as partner_data
from ui.scope import Source
from ui.state import keep
from ui.tables import show_table

#: Distinct fills for partners: ColorBrewer Dark2 then Set2 (colour-blind friendly, print well),
#: then ten of Kelly's colours of maximum contrast that differ from those and from the grey of
#: unassigned areas and the near-black of assignment problems.
PARTNER_COLOURS = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#66c2a5",
    "#fc8d62",
    "#8da0cb",
    "#be0032",
    "#0067a5",
    "#875692",
    "#f3c300",
    "#882d17",
    "#a1caf1",
    "#b3446c",
    "#e68fac",
    "#c2b280",
    "#00a3a3",
)
#: The fill shared by the partners beyond :data:`PARTNER_COLOURS` (the ones with the fewest areas):
#: one legend entry names them together, so no colour ever stands for two different things in a
#: way the legend hides; the map's tooltip names each area's partner.
OTHER_PARTNERS_COLOUR = "#f2e6d0"
UNASSIGNED_COLOUR = NO_DATA_COLOUR
PROBLEM_COLOUR = "#333333"


def partner_label(ctx: Context, cards: pd.DataFrame) -> dict[str, str]:
    """Partner id → its name in the session's language (or the id when the name is unknown)."""
    names = ctx.language.names(cards, "name")
    names = names.where(names.notna(), cards["partner_id"])
    return dict(zip(cards["partner_id"].astype(str), names.astype(str), strict=True))


def partner_colours(partner_ids: list[str], sizes: dict[str, int] | None = None) -> dict[str, str]:
    """A colour per partner id: distinct ones in a stable order (sorted ids). With more partners
    than :data:`PARTNER_COLOURS`, the partners with the most areas (``sizes``: id → number of
    areas; ties by id) keep distinct colours and the others share :data:`OTHER_PARTNERS_COLOUR`."""
    ids = sorted(set(partner_ids))
    if len(ids) > len(PARTNER_COLOURS):
        size = sizes or {}
        ranked = sorted(ids, key=lambda pid: (-size.get(pid, 0), pid))
        distinct = set(ranked[: len(PARTNER_COLOURS)])
    else:
        distinct = set(ids)
    named = iter(PARTNER_COLOURS)
    return {pid: next(named) if pid in distinct else OTHER_PARTNERS_COLOUR for pid in ids}


def area_counts(cards: pd.DataFrame) -> dict[str, int]:
    """Partner id → its number of areas, from the scorecards."""
    return dict(zip(cards["partner_id"].astype(str), cards["areas"].astype(int), strict=True))


def partner_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    per_area: pd.DataFrame,
    cards: pd.DataFrame,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    key: str,
    size: str = "section",
) -> None:
    """Areas coloured by their responsible partner, with a legend of the neighbourhood counts,
    and the facilities (when shown). The polygons, names and facilities are drawn once per
    version, language and facility selection (:func:`ui.views.drawn_map`); a change of month
    sends only the colours, the tooltip's partner and coverage, and the legend."""
    labels = partner_label(ctx, cards)
    known = [pid for pid in labels if pid in set(cards.loc[cards["name"].notna(), "partner_id"])]
    colours = partner_colours(known, area_counts(cards))
    frame = shapes[["area_id", "geometry"]].merge(
        pd.DataFrame(areas.drop(columns="geometry", errors="ignore"))[
            ["area_id", "name", *(["partner_id"] if "partner_id" in areas else [])]
        ],
        on="area_id",
        how="left",
    )
    frame = frame.merge(per_area[["area_id", "coverage"]], on="area_id", how="left")
    partner = (
        frame["partner_id"].astype("string")
        if "partner_id" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    fill = partner.map(colours)
    unassigned = partner.isna().to_numpy()
    fill = fill.where(~pd.Series(unassigned, index=frame.index), UNASSIGNED_COLOUR)
    fill = fill.fillna(PROBLEM_COLOUR).astype(str)
    palette = list(dict.fromkeys(fill))  # each colour once: the areas' classes index it
    partner_text = (
        partner.map(lambda p: labels.get(str(p), str(p)) if pd.notna(p) else None)
        .fillna(ctx.t("partners.none"))
        .astype(str)
    )
    coverage_text = frame["coverage"].map(ctx.language.pct)
    counts = partner.value_counts()
    items = [
        LegendItem(colours[pid], labels[pid], int(counts.get(pid, 0)))
        for pid in sorted(colours)
        if counts.get(pid, 0) and colours[pid] != OTHER_PARTNERS_COLOUR
    ]
    others = [p for p in colours if colours[p] == OTHER_PARTNERS_COLOUR and counts.get(p, 0)]
    if others:  # one entry for the partners past the palette: each colour means one thing
        items.append(
            LegendItem(
                OTHER_PARTNERS_COLOUR,
                ctx.t("partners.map_other_partners", partners=ctx.language.int(len(others))),
                int(sum(counts.get(p, 0) for p in others)),
            )
        )
    problems = int((~unassigned & ~partner.isin(list(colours)).fillna(False).to_numpy()).sum())
    if problems:
        items.append(LegendItem(PROBLEM_COLOUR, ctx.t("partners.map_problem"), problems))
    if unassigned.any():
        items.append(LegendItem(UNASSIGNED_COLOUR, ctx.t("partners.none"), int(unassigned.sum())))
    drawn = views.drawn_map(
        ctx,
        gpd.GeoDataFrame(frame[["area_id", "geometry"]], crs=shapes.crs),
        ctx.language.names(frame, "name").fillna(frame["area_id"]).astype(str),
        view=("partners",),
        id_column="area_id",
        facilities=facilities,
        size=size,
        districts=shapes[["area_id", "geometry"]].merge(
            pd.DataFrame(areas)[
                ["area_id", *(c for c in areas.columns if str(c).startswith("district_"))]
            ],
            on="area_id",
            how="left",
        ),
    )
    restyle = restyle_script(
        drawn.signature,
        palette=palette,
        classes=pd.Categorical(fill, categories=palette).codes,
        values=list(zip(partner_text, coverage_text, strict=True)),
        labels=[ctx.t("map.name"), ctx.t("partners.partner"), ctx.t("metric.coverage")],
        legend_title=ctx.t("partners.map_legend"),
        legend_items=items,
        count_format=ctx.map_view.count_format,
    )
    show_parts(drawn.parts, restyle, key=key, height=MAP_SIZES[size])


def scorecard_table(ctx: Context, cards: pd.DataFrame) -> pd.DataFrame:
    """The scorecards (translated headers) on the page with their CSV and XLSX, each column
    written by one kind (:func:`ui.tables.show_table`); returns the table."""
    language = ctx.language
    columns = {
        "name": ctx.t("partners.partner"),
        "areas": ctx.t("partners.areas"),
        "population": ctx.t("metric.population"),
        "insured": ctx.t("metric.insured"),
        "coverage": ctx.t("metric.coverage"),
        "uninsured": ctx.t("metric.uninsured"),
        **{
            f"change_{n}m": ctx.t("partners.change", months=language.int(n))
            for n in partner_data.CHANGE_MONTHS
        },
        "target": ctx.t("partners.target"),
        "progress": ctx.t("partners.progress"),
    }
    shown = cards.assign(name=cards["partner_id"].astype(str).map(partner_label(ctx, cards)))
    present = [c for c in columns if c in shown]
    view = shown[present].rename(columns=columns)

    # Changes of coverage are points (shares 0–1 in the frame); target and progress shares, as
    # the catalogue labels say (ui.downloads.COLUMN_KINDS): the page and the files alike.
    kinds = {columns[c]: "points" for c in present if c.startswith("change_")}
    kinds |= {columns["areas"]: "count"}
    show_table(ctx, view, "partner_scorecards", kinds=kinds)
    return view


def comparison_chart(ctx: Context, cards: pd.DataFrame) -> go.Figure:
    """Coverage per partner (bars) against each partner's target (markers)."""
    lang = ctx.lang
    language = ctx.language
    rtl = direction(lang) == "rtl"
    # No data is not a rank: partners whose areas have no population are not compared.
    ordered = split_ranked(cards[cards["areas"] > 0])[0].sort_values("coverage", ascending=True)
    labels = partner_label(ctx, ordered)
    # Plotly reads tags in tick labels and hover text: partner names as plain text.
    names = ordered["partner_id"].astype(str).map(labels).map(html.escape)
    colours = partner_colours(list(labels), area_counts(ordered))
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=ordered["coverage"],
            y=names,
            orientation="h",
            marker={"color": [colours[p] for p in ordered["partner_id"].astype(str)]},
            name=ctx.t("metric.coverage"),
            text=ordered["coverage"].map(language.pct),
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    if ordered["target"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=ordered["target"],
                y=names,
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 22, "line": {"width": 3}},
                marker_color=charts.TARGET_COLOUR,
                name=ctx.t("partners.target"),
                # one decimal, as the scorecards and their files write a target
                customdata=ordered["target"].map(language.pct),
                hovertemplate="%{y}: %{customdata}<extra></extra>",
            )
        )
    top = float(max(ordered["coverage"].max(), ordered["target"].max(), 0.01))
    ticks, tick_text = charts.share_ticks(top if pd.notna(top) else 1.0, lang)
    fig.update_layout(
        height=80 + 48 * max(len(ordered), 1),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        # Right to left, bars grow leftwards from the partner names on the right.
        xaxis={
            "tickvals": ticks,
            "ticktext": tick_text,
            "range": [ticks[-1] * 1.02, 0] if rtl else [0, ticks[-1] * 1.02],
        },
        yaxis={"side": "right" if rtl else "left", "automargin": True},
        legend={"orientation": "h", "y": -0.2, "x": 1 if rtl else 0},
        template="plotly_white",
        showlegend=True,
    )
    return fig


def checks_section(ctx: Context, checks: pd.DataFrame) -> None:
    """Counts of each assignment problem and the areas concerned."""
    counts = checks["problem"].value_counts() if len(checks) else pd.Series(dtype="int64")
    cols = st.columns(3)
    for col, problem in zip(
        cols, ("no_partner", "several_partners", "unknown_partner"), strict=True
    ):
        col.metric(
            ctx.t(f"partners.check.{problem}"), ctx.language.int(int(counts.get(problem, 0)))
        )
    if not len(checks):
        st.success(ctx.t("partners.check.all_fine"), icon=":material/check_circle:")
        return
    view = pd.DataFrame(
        {
            ctx.t("table.name"): ctx.language.names(checks, "name").fillna(checks["area_id"]),
            ctx.t("partners.area_id"): checks["area_id"],
            ctx.t("partners.district"): checks["district_id"],
            ctx.t("partners.as_written"): checks["partner_id"],
            ctx.t("partners.problem"): checks["problem"].map(
                lambda p: ctx.t(f"partners.check.{p}")
            ),
        }
    )
    grid(ctx.lang, view, hide_index=True, width="stretch")
    table_downloads(ctx, view, "assignment_checks")


def trend_section(ctx: Context, cards: pd.DataFrame) -> None:
    """Coverage over time of one partner (and optionally one of its areas), target and sessions."""
    ws, ver = ctx.source, ctx.version
    labels = partner_label(ctx, cards[cards["areas"] > 0])
    if not labels:
        st.caption(ctx.t("partners.no_areas"))
        return
    left, right = st.columns(2)
    keep("pt_trend_partner", list(labels))  # the partner and area stay chosen across page moves
    partner_id = left.selectbox(
        ctx.t("partners.partner"), list(labels), format_func=labels.get, key="pt_trend_partner"
    )
    mine = partner_data.partner_areas(ws, ver, partner_id)
    names = dict(
        zip(
            mine["area_id"].astype(str),
            ctx.language.names(mine, "name").fillna(mine["area_id"]).astype(str),
            strict=True,
        )
    )
    keep("pt_trend_area", [None, *sorted(names, key=names.get)])
    area_id = right.selectbox(
        ctx.t("partners.one_area"),
        [None, *sorted(names, key=names.get)],
        format_func=lambda a: ctx.t("partners.all_areas") if a is None else names[a],
        key="pt_trend_area",
    )
    title = names[area_id] if area_id else labels[partner_id]
    # Plotly reads tags in its texts (links, styles): the name as plain text.
    figure, n_sessions, enrolled = trend_chart(
        ws,
        ver,
        partner_id,
        area_id,
        ctx.lang,
        ctx.calendar,
        ctx.t("partners.trend_chart", name=html.escape(title)),
    )
    st.plotly_chart(figure, width="stretch")
    if n_sessions:
        st.caption(
            ctx.t(
                "partners.sessions_note",
                n=ctx.language.int(n_sessions),
                enrolled=ctx.language.int(enrolled),
            )
        )


@st.cache_resource(show_spinner=False, max_entries=64)
def trend_chart(
    source: Source,
    version: int,
    partner_id: str,
    area_id: str | None,
    lang: str,
    calendar: str,
    title: str,
) -> tuple[go.Figure, int, int]:
    """The trend of one partner (or one of its areas): the figure, the number of outreach
    sessions held there and the people they enrolled. Built once per source (the partner scope),
    version, choice, language and calendar: a change of month or a choice made again only sends
    it (the figure is shared and never changed after it is built)."""
    if area_id:
        ids: tuple[str, ...] = (area_id,)
    else:
        ids = tuple(partner_data.partner_areas(source, version, partner_id)["area_id"].astype(str))
    sessions = partner_data.sessions_in(source, version, ids)
    figure = charts.coverage_trend(
        data.trend(source, version, None, None, area_ids=ids),
        partner_data.partner_target_line(source, version, partner_id),
        lang,
        title=title,
        sessions=sessions if len(sessions) else None,
        calendar=calendar,
    )
    return figure, len(sessions), int(sessions["enrolled"].sum()) if len(sessions) else 0


#: The trend's partner and area as a fragment of their own (inside the page's): a change of either
#: reruns only the trend, with the scorecards the page's last run handed it.
partner_trend = st.fragment(trend_section, key="partners_trend")


def reassign_form(ctx: Context, areas: pd.DataFrame, cards: pd.DataFrame) -> None:
    """Give areas (picked one by one, or a whole district) to another partner: a new version."""
    labels = partner_label(ctx, cards[cards["name"].notna()])
    names = ctx.language.names(areas, "name").fillna(areas["area_id"]).astype(str)
    current = (
        areas["partner_id"].astype("string")
        if "partner_id" in areas
        else pd.Series(pd.NA, index=areas.index, dtype="string")
    )
    option_text = {
        str(a): joined(
            [
                ctx.language.named(n, a),
                labels.get(str(p), str(p)) if pd.notna(p) else ctx.t("partners.none"),
            ],
            ctx.lang,
        )
        for a, n, p in zip(areas["area_id"], names, current, strict=True)
    }
    districts = sorted(areas["district_id"].dropna().astype(str).unique())
    with st.form("pt_reassign"):
        chosen = st.multiselect(
            ctx.t("partners.reassign_areas"),
            list(option_text),
            format_func=option_text.get,
            key="pt_reassign_areas",
        )
        district = None
        if districts:
            district = st.selectbox(
                ctx.t("partners.reassign_district"),
                [None, *districts],
                format_func=lambda d: ctx.t("partners.reassign_no_district") if d is None else d,
                key="pt_reassign_district",
            )
        target = st.selectbox(
            ctx.t("partners.reassign_to"),
            [*labels, None],
            format_func=lambda p: ctx.t("partners.none") if p is None else labels[p],
            key="pt_reassign_to",
        )
        submitted = st.form_submit_button(ctx.t("partners.reassign_button"), type="primary")
    if not submitted:
        return
    ids = list(chosen)
    if district is not None:
        ids += (
            areas.loc[areas["district_id"].astype(str) == district, "area_id"].astype(str).tolist()
        )
    try:
        number = reassign_areas(
            ctx.workspace,
            sorted(set(ids)),
            target,
            author=ctx.user or ctx.t("partners.author_public"),
            expected_version=ctx.version,
            actor=audit_actor(ctx),
        )
    except DataError as exc:  # the reason may quote names and ids from the data
        st.error(ctx.t("partners.reassign_failed", reason=md_escape(exc)))
        return
    # Shown with st.success (Markdown): the partner's name comes from the data.
    st.session_state["pt_done"] = ctx.t(
        "partners.reassigned",
        n=ctx.language.int(len(set(ids))),
        partner=md_escape(labels.get(target, target)) if target else ctx.t("partners.none"),
        version=ctx.language.int(number),
    )
    for key in ("pt_reassign_areas", "pt_reassign_district"):
        st.session_state.pop(key, None)
    st.rerun()
