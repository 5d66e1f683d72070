"""Outreach planner views: the map (desk plan, model villages, sessions), tables and downloads.

Colours and labels are decided here; the drawing is :func:`render.maps.choropleth_map`, which escapes
every string that reaches HTML. Desk markers (numbered by day) and session markers are added as a
second layer with their tooltips escaped the same way, and the facilities the sidebar's shared
filters choose on top. Work lists, and the village and session tables, download as CSV and
XLSX, written by :mod:`reports.exports` like every other table (no data text ever runs as a
formula). The plan's settings, headline and table are in :mod:`ui.outreach.plan`.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics.classify import classify, palette_for
from analytics.outreach import DeskPlan
from analytics.villages import ModelVillages
from render.i18n import direction
from render.maps import LegendItem, escape_text, text_direction
from render.mapview import MAP_SIZES
from reports.exports import table_csv, table_xlsx
from ui.access.tables import reach_values
from ui.area_maps import add_legend, areas_with, show_map, value_map
from ui.context import Context
from ui.downloads import XLSX_MIME, recorded
from ui.facility_layer import add_facility_layer
from ui.grid import grid
from ui.localize import localized_table
from ui.tables import show_table

#: What the map can show.
MAP_VIEWS = ("plan", "villages", "sessions")
#: Work lists that can be downloaded.
LIST_SCOPES = ("plan", "villages", "all", "area")

OUT_OF_SCOPE_COLOUR = "#dde1e6"
NOT_REACHED_COLOUR = "#f7f4ea"
VILLAGE_COLOUR = "#d95f02"
OTHER_COLOUR = "#e8e8e8"
SESSION_COLOUR = "#15803d"
DESK_COLOUR = "#111111"
_FIRST_DAY = (8, 48, 107)  # dark blue: the first day
_LAST_DAY = (158, 202, 225)  # light blue: the last day

#: Work-list columns and how they are written: count, share, km, minutes (of travel; where no
#: road reaches, the word for it), date, flag, kind or text.
COLUMN_KINDS: dict[str, str] = {
    "day": "int",
    "desk": "int",
    "population": "count",
    "households": "count",
    "insured": "count",
    "uninsured": "count",
    "coverage": "share",
    "nearest_care_km": "km",
    "nearest_office_km": "km",
    "nearest_care_min": "minutes",
    "nearest_office_min": "minutes",
    "sessions": "int",
    "enrolled_total": "count",
    "last_session_date": "date",
    "last_session_enrolled": "count",
    "last_session_kind": "kind",
    "desk_day": "int",
    "desk_date": "date",
    "desk_number": "int",
    "reached_day": "int",
    "model_village": "flag",
    "nearest_care_type": "facility_type",
    "date": "date",
    "in_range_new": "count",
    "enrolled": "count",
}


def day_colours(days: int) -> list[str]:
    """One colour per day, dark (day 1) to light (the last day), any number of days."""
    if days <= 0:
        return []
    steps = np.linspace(0.0, 1.0, days) if days > 1 else np.zeros(1)
    first, last = np.array(_FIRST_DAY), np.array(_LAST_DAY)
    rgb = np.round(first[None, :] + steps[:, None] * (last - first)[None, :]).astype(int)
    return ["#{:02x}{:02x}{:02x}".format(*row) for row in rgb]


# --------------------------------------------------------------------------------------------------
# map
# --------------------------------------------------------------------------------------------------


def _plan_layer(
    ctx: Context, merged: pd.DataFrame, plan: DeskPlan, in_scope: np.ndarray
) -> tuple[np.ndarray, list[LegendItem], pd.Series]:
    colours_by_day = day_colours(plan.days)
    reached = merged["area_id"].map(plan.reach.set_index("area_id")["reached_day"])
    day = pd.to_numeric(reached, errors="coerce")
    colour = np.where(in_scope, NOT_REACHED_COLOUR, OUT_OF_SCOPE_COLOUR).astype(object)
    hit = day.notna().to_numpy()
    colour[hit] = [colours_by_day[int(d) - 1] for d in day[hit]]
    counts = day[hit].astype(int).value_counts()
    items = [
        LegendItem(c, ctx.t("outreach.map.day", day=ctx.language.int(d)), int(counts.get(d, 0)))
        for d, c in enumerate(colours_by_day, start=1)
        if counts.get(d, 0)
    ]
    items.append(
        LegendItem(
            NOT_REACHED_COLOUR, ctx.t("outreach.map.not_reached"), int((in_scope & ~hit).sum())
        )
    )
    if (~in_scope).any():
        items.append(
            LegendItem(
                OUT_OF_SCOPE_COLOUR, ctx.t("outreach.map.out_of_scope"), int((~in_scope).sum())
            )
        )
    shown = pd.Series(
        [
            ctx.t("outreach.map.day", day=ctx.language.int(d))
            if pd.notna(d)
            else ctx.t("outreach.map.not_reached")
            for d in day
        ],
        index=merged.index,
    )
    shown[~in_scope] = ctx.t("outreach.map.out_of_scope")
    return colour, items, shown


def _villages_layer(
    ctx: Context, merged: pd.DataFrame, chosen: ModelVillages, in_scope: np.ndarray
) -> tuple[np.ndarray, list[LegendItem], pd.Series]:
    rank = merged["area_id"].map(chosen.table.set_index("area_id")["rank"])
    picked = rank.notna().to_numpy()
    colour = np.where(picked, VILLAGE_COLOUR, np.where(in_scope, OTHER_COLOUR, OUT_OF_SCOPE_COLOUR))
    items = [
        LegendItem(VILLAGE_COLOUR, ctx.t("outreach.map.village"), int(picked.sum())),
        LegendItem(OTHER_COLOUR, ctx.t("outreach.map.other"), int((in_scope & ~picked).sum())),
    ]
    if (~in_scope).any():
        items.append(
            LegendItem(
                OUT_OF_SCOPE_COLOUR, ctx.t("outreach.map.out_of_scope"), int((~in_scope).sum())
            )
        )
    shown = pd.Series(
        [
            ctx.t("outreach.map.village_rank", rank=ctx.language.int(r)) if pd.notna(r) else "—"
            for r in rank
        ],
        index=merged.index,
    )
    return colour, items, shown


def _sessions_layer(
    ctx: Context, merged: pd.DataFrame, per_area: pd.DataFrame, in_scope: np.ndarray
) -> tuple[np.ndarray, list[LegendItem], pd.Series]:
    enrolled = pd.to_numeric(
        merged["area_id"].map(per_area.set_index("area_id")["enrolled"]), errors="coerce"
    ).astype("float64")
    colour = np.where(in_scope, OTHER_COLOUR, OUT_OF_SCOPE_COLOUR).astype(object)
    items: list[LegendItem] = []
    if enrolled.notna().any():
        k = int(min(4, enrolled.nunique()))
        classes = classify(enrolled, scheme="quantiles", k=max(k, 1))
        palette = palette_for(max(classes.k, 1))
        fill = classes.class_of.map(dict(enumerate(palette)))
        has = fill.notna().to_numpy()
        colour[has] = fill[has].to_numpy()
        items = [
            LegendItem(c, label, n)
            for c, label, n in zip(
                palette,
                classes.labels(ctx.language.int),
                classes.counts,
                strict=False,
            )
        ]
    items.append(
        LegendItem(
            OTHER_COLOUR,
            ctx.t("outreach.map.no_sessions"),
            int((in_scope & enrolled.isna().to_numpy()).sum()),
        )
    )
    shown = enrolled.map(lambda v: ctx.language.int(v) if pd.notna(v) else "—")
    return colour, items, shown


def outreach_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    view: str,
    *,
    in_scope: set[str],
    plan: DeskPlan | None,
    chosen: ModelVillages | None,
    sessions: pd.DataFrame,
    per_area: pd.DataFrame,
    key: str,
    size: str = "page",
    facilities: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw the areas for ``view`` (plan, villages or sessions) with their markers.

    ``frame`` holds per area ``area_id``, ``_name`` (display name) and ``population``;
    ``in_scope`` the areas the plan may use (the others are drawn pale); ``facilities`` those
    the sidebar's shared filters chose (:func:`ui.facility_layer.facility_filters`; None: none),
    drawn where they fall within the map."""
    merged = areas_with(shapes, frame)
    scope = merged["area_id"].isin(in_scope).to_numpy()
    if view == "plan" and plan is not None:
        colours, items, shown = _plan_layer(ctx, merged, plan, scope)
        title = ctx.t("outreach.map.plan_title")
    elif view == "villages" and chosen is not None:
        colours, items, shown = _villages_layer(ctx, merged, chosen, scope)
        title = ctx.t("outreach.map.villages_title")
    else:
        colours, items, shown = _sessions_layer(ctx, merged, per_area, scope)
        title = ctx.t("outreach.map.sessions_title")
    merged["_colour"] = colours
    fmap = value_map(
        ctx,
        merged,
        names=merged["_name"],
        values=shown,
        title=title,
        legend_items=items,
        size=size,
    )
    names = frame.set_index("area_id")["_name"]
    if view == "plan" and plan is not None and len(plan.plan):
        add_desk_markers(ctx, fmap, plan, names)
    if view == "sessions" and len(sessions):
        n_shown = add_session_markers(ctx, fmap, sessions, names)
        add_legend(
            ctx,
            fmap,
            ctx.t("outreach.map.sessions_markers"),
            [LegendItem(SESSION_COLOUR, ctx.t("outreach.map.session"), n_shown)],
            position="topright",
        )
    if facilities is not None and len(facilities) and len(merged):
        minx, miny, maxx, maxy = merged.to_crs(facilities.crs).total_bounds
        add_facility_layer(ctx, fmap, facilities.cx[minx:maxx, miny:maxy])
    show_map(fmap, key=key, height=MAP_SIZES[size])


def add_desk_markers(ctx: Context, fmap: folium.Map, plan: DeskPlan, names: pd.Series) -> None:
    """One marker per desk-day: a dark disc with the day's number (ringed in the day's colour),
    with an escaped tooltip (day and date, desk, neighbourhood, people newly within range and
    expected enrolments)."""
    layer = folium.FeatureGroup(name="desks", control=False)
    colours = day_colours(plan.days)
    what = ctx.t(f"outreach.weight.{plan.weight}")
    direction_ = text_direction(
        ctx.t(
            "outreach.map.desk_tooltip",
            day="1",
            date="",
            desk="1",
            name="",
            n="1",
            e="1",
            what=what,
        )
    )
    rows = plan.plan[["day", "date", "desk", "area_id", "in_range_new", "enrolled", "lon", "lat"]]
    for day, date, desk, area_id, gain, enrolled, lon, lat in rows.itertuples(
        index=False, name=None
    ):
        label = escape_text(ctx.language.int(day))
        tip = escape_text(
            ctx.t(
                "outreach.map.desk_tooltip",
                day=ctx.language.int(day),
                date=ctx.language.date(date),
                desk=ctx.language.int(desk),
                name=names.get(area_id, area_id),
                n=ctx.language.int(gain),
                e=ctx.language.int(enrolled),
                what=what,
            )
        )
        icon = folium.DivIcon(
            html=(
                f'<div class="ca-desk" style="width:22px;height:22px;border-radius:11px;'
                f"background:{DESK_COLOUR};color:#fff;border:3px solid {colours[int(day) - 1]};"
                'font:bold 12px/22px sans-serif;text-align:center;box-sizing:content-box">'
                f"{label}</div>"
            ),
            icon_size=(28, 28),
            icon_anchor=(14, 14),
            class_name="ca-desk-icon",
        )
        folium.Marker(
            location=[round(float(lat), 6), round(float(lon), 6)],
            icon=icon,
            tooltip=folium.Tooltip(tip, style=f"direction: {direction_};"),
        ).add_to(layer)
    layer.add_to(fmap)


def add_session_markers(
    ctx: Context, fmap: folium.Map, sessions: pd.DataFrame, names: pd.Series
) -> int:
    """Recorded sessions as green circles sized by people enrolled, escaped tooltips; returns
    how many were drawn (sessions with no position are left out)."""
    layer = folium.FeatureGroup(name="sessions", control=False)
    placed = sessions[sessions["lon"].notna() & sessions["lat"].notna()]
    direction_ = text_direction(
        ctx.t("outreach.map.session_tooltip", date="", kind="", n="1", name="")
    )
    columns = ["lon", "lat", "date", "kind", "enrolled", "area_id"]
    frame = placed.reindex(columns=columns)
    for lon, lat, date, kind, enrolled, area_id in frame.itertuples(index=False, name=None):
        size = 5 + 2.0 * math.sqrt(max(float(enrolled), 0.0)) / 10 if pd.notna(enrolled) else 5
        tip = escape_text(
            ctx.t(
                "outreach.map.session_tooltip",
                date=ctx.language.date(date) if pd.notna(date) else "—",
                kind=ctx.label("gap.kind", kind) if isinstance(kind, str) else "—",
                n=ctx.language.int(enrolled),
                name=names.get(area_id, area_id) if isinstance(area_id, str) else "—",
            )
        )
        folium.CircleMarker(
            location=[round(float(lat), 6), round(float(lon), 6)],
            radius=min(size, 22),
            color="#ffffff",
            weight=1.5,
            fill=True,
            fill_color=SESSION_COLOUR,
            fill_opacity=0.85,
            tooltip=folium.Tooltip(tip, style=f"direction: {direction_};"),
        ).add_to(layer)
    layer.add_to(fmap)
    return len(placed)


# --------------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------------


def villages_explanation(ctx: Context, chosen: ModelVillages, *, by_district: bool = True) -> str:
    """The rule, in the reader's language, with its weights and quota (per district, or in the
    whole region where the workspace has no districts)."""
    per = "" if by_district else "_region"
    quota = ctx.language.int(chosen.quota)
    if chosen.rule == "score":
        w = {
            k: ctx.language.number(chosen.weights.get(k, 0.0), 2)
            for k in ("uninsured", "gap", "deprivation")
        }
        text = ctx.t(
            f"outreach.villages.explain_score{per}",
            quota=quota,
            wu=w["uninsured"],
            wg=w["gap"],
            wd=w["deprivation"],
        )
    else:
        text = ctx.t(f"outreach.villages.explain_{chosen.rule}{per}", quota=quota)
    if chosen.only_underserved:
        text += " " + ctx.t("outreach.villages.explain_underserved")
    return text + " " + ctx.t("outreach.villages.explain_ties")


def villages_table(
    ctx: Context, chosen: ModelVillages, names: pd.Series, district_names: pd.Series
) -> None:
    """The chosen model villages, district by district."""
    t = chosen.table
    headers = {
        "district": ctx.t("outreach.col.district_name"),
        "rank": ctx.t("outreach.col.rank"),
        "name": ctx.t("outreach.col.name"),
        "score": ctx.t("outreach.col.score"),
        "population": ctx.t("outreach.col.population"),
        "uninsured": ctx.t("outreach.col.uninsured"),
        "coverage": ctx.t("outreach.col.coverage"),
    }
    table = pd.DataFrame(
        {
            headers["district"]: t["district_id"]
            .map(district_names)
            .fillna(t["district_id"])
            .to_numpy(),
            headers["rank"]: t["rank"].to_numpy(),
            headers["name"]: t["area_id"].map(names).fillna(t["area_id"]).to_numpy(),
            headers["score"]: t["score"].to_numpy(),
            headers["population"]: t["population"].to_numpy(),
        }
    )
    if "uninsured" in t:
        table[headers["uninsured"]] = t["uninsured"].to_numpy()
        table[headers["coverage"]] = t["coverage"].to_numpy()
    if t["district_id"].isna().all():  # communes straight under the province: ranked region-wide
        table = table.drop(columns=[headers["district"]])
        table = table.rename(columns={headers["rank"]: ctx.t("outreach.col.rank_region")})
        headers["rank"] = ctx.t("outreach.col.rank_region")
    # A score with three decimals where the rule weighs or compares shares, else whole people.
    kinds = {
        headers["rank"]: "rank",
        headers["score"]: "score" if chosen.rule in ("score", "coverage") else "count",
        headers["population"]: "count",
        headers["uninsured"]: "count",
        headers["coverage"]: "share",
    }
    show_table(
        ctx,
        table,
        "outreach_model_villages",
        kinds={c: k for c, k in kinds.items() if c in table},
        height=320,
    )


def sessions_table(ctx: Context, per_area: pd.DataFrame, names: pd.Series) -> None:
    """Recorded sessions summed per area: sessions, people enrolled, the last one."""
    headers = {
        "name": ctx.t("outreach.col.name"),
        "sessions": ctx.t("outreach.col.sessions"),
        "enrolled": ctx.t("outreach.col.enrolled_total"),
        "last_date": ctx.t("outreach.col.last_session_date"),
        "last_enrolled": ctx.t("outreach.col.last_session_enrolled"),
        "last_kind": ctx.t("outreach.col.last_session_kind"),
    }
    ordered = per_area.sort_values("enrolled", ascending=False)
    table = pd.DataFrame(
        {
            headers["name"]: ordered["area_id"].map(names).fillna(ordered["area_id"]).to_numpy(),
            headers["sessions"]: ordered["sessions"].to_numpy(),
            headers["enrolled"]: ordered["enrolled"].to_numpy(),
            headers["last_date"]: ordered["last_date"]
            .map(lambda d: ctx.language.date(d) if pd.notna(d) else "—")
            .to_numpy(),
            headers["last_enrolled"]: ordered["last_enrolled"].to_numpy(),
            headers["last_kind"]: ordered["last_kind"]
            .map(lambda k: ctx.label("gap.kind", k) if isinstance(k, str) else "—")
            .to_numpy(),
        }
    )
    kinds = {"sessions": "int", "enrolled": "count", "last_enrolled": "count"}
    show_table(
        ctx, table, "outreach_sessions_by_area", kinds={headers[c]: k for c, k in kinds.items()}
    )


# --------------------------------------------------------------------------------------------------
# work lists: CSV and XLSX
# --------------------------------------------------------------------------------------------------


def work_list_for(
    ctx: Context,
    full: pd.DataFrame,
    scope: str,
    *,
    plan: DeskPlan | None,
    area_id: str | None,
    names: pd.Series,
) -> pd.DataFrame:
    """The rows of one work list (internal column names): every area in scope, the model
    villages, one area, or the plan (one row per desk-day, ``day``, ``date`` and ``desk``
    first, with the people it newly brings within range and its expected enrolments, in
    schedule order)."""
    frame = full.assign(name=full["area_id"].map(names).fillna(full["name"]))
    if scope == "plan":
        if plan is None or not len(plan.plan):
            return frame.iloc[0:0].assign(
                day=pd.Series(dtype="int64"), desk=pd.Series(dtype="int64")
            )
        first = ["day", "date", "desk", "area_id", "in_range_new", "enrolled"]
        rows = plan.plan[first].merge(frame, on="area_id", how="left")
        return rows[first + [c for c in frame.columns if c not in first]].drop(
            columns=["desk_day", "desk_date", "desk_number"]
        )
    if scope == "villages":
        return frame[frame["model_village"]].sort_values(["district_id", "area_id"])
    if scope == "area":
        return frame[frame["area_id"] == area_id]
    return frame


def translated(ctx: Context, frame: pd.DataFrame, weight: str) -> tuple[pd.DataFrame, dict]:
    """The work list with headers and categorical values in the reader's language (counts stay
    numbers, dates become text in the reader's calendar); returns the frame and the column
    kinds by translated header (for the XLSX number formats)."""
    what = ctx.t(f"outreach.weight.{weight}")
    out = pd.DataFrame(index=frame.index)
    kinds: dict[str, str] = {}
    for column in frame.columns:
        header = (
            ctx.t(f"outreach.col.{column}", what=what)
            if column == "in_range_new"
            else ctx.t(f"outreach.col.{column}")
        )
        kind = COLUMN_KINDS.get(column, "text")
        values = frame[column]
        if kind == "date":
            values = values.map(lambda d: ctx.language.date(d) if pd.notna(d) else None)
        elif kind == "flag":
            values = values.map(lambda v: ctx.t("outreach.yes") if v else ctx.t("outreach.no"))
        elif kind == "kind":
            values = values.map(lambda k: ctx.label("gap.kind", k) if isinstance(k, str) else None)
        elif kind == "facility_type":
            values = values.map(
                lambda k: ctx.label("facility_type", k) if isinstance(k, str) else None
            )
        elif kind in ("count", "int"):
            values = pd.to_numeric(values, errors="coerce").astype("Float64").round(0)
        elif kind == "minutes":
            values = pd.Series(reach_values(ctx, values, 1), index=frame.index)
        out[header] = values.to_numpy() if hasattr(values, "to_numpy") else values
        kinds[header] = kind
    return out, kinds


def preview(ctx: Context, table: pd.DataFrame, kinds: dict[str, str], rows: int = 200) -> None:
    """The first ``rows`` of a translated work list, numbers written for the reader."""
    fmt = {
        "count": ctx.language.int,
        "int": ctx.language.int,
        "share": ctx.language.pct,
        "km": lambda v: ctx.language.number(v, 2),
        "minutes": lambda v: v if isinstance(v, str) else ctx.language.number(v, 1),
    }
    formats = {h: fmt[k] for h, k in kinds.items() if k in fmt}
    shown = localized_table(table.head(rows), formats, ctx.lang)
    grid(ctx.lang, shown, hide_index=True, width="stretch", height=260)


def download_buttons(
    ctx: Context, table: pd.DataFrame, kinds: dict[str, str], *, stem: str, title: str, key: str
) -> None:
    """CSV and XLSX download buttons for one work list, each made when pressed and recorded then
    in the audit trail (who, role, scope; the file, the version and its rows)."""
    detail = f"version {ctx.version}, {len(table)} rows"
    c1, c2 = st.columns(2)
    c1.download_button(
        ctx.t("outreach.lists.csv"),
        recorded(ctx, f"{stem}.csv", lambda: table_csv(table, kinds=kinds, lang=ctx.lang), detail),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        width="stretch",
        on_click="ignore",
    )
    c2.download_button(
        ctx.t("outreach.lists.xlsx"),
        recorded(
            ctx,
            f"{stem}.xlsx",
            lambda: table_xlsx(
                table,
                sheet=title,
                kinds=kinds,
                rtl=direction(ctx.lang) == "rtl",
                title=title,
                lang=ctx.lang,
            ),
            detail,
        ),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        icon=":material/table_view:",
        width="stretch",
        on_click="ignore",
    )
