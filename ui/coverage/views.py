"""The Coverage map page's view of a place: the units in view at the chosen level, the way back up
(crumbs, "up"), the map with its drill-down on a click and its exports, and the linked table whose
selected row drills down or selects a neighbourhood as a click on the map does.

A click asks for its change in ``cm_pending``, applied on the rerun by
:func:`ui.coverage.controls.apply_pending` before any widget is drawn.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from render.i18n import direction
from render.safe import md_escape
from ui import data, map_shapes, views
from ui.context import Context
from ui.downloads import map_exports
from ui.localize import COVERAGE_BAR, coverage_bar_column
from ui.state import rerun_view
from ui.tables import show_table

#: The column that names a unit of each level.
NAME_COLUMNS = {"province": "province", "district": "district_name", "area": "name"}


def units_in_view(
    ctx: Context,
    areas: gpd.GeoDataFrame,
    month: pd.Timestamp | None,
    *,
    level: str,
    province: str,
    district: str,
    district_names: pd.Series,
    big: bool,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """Which units are in view: the level's units inside the chosen province / district, as
    ``(areas in view, the units' figures, their shapes)``."""
    ws, ver = ctx.source, ctx.version
    in_view = areas
    if province:
        in_view = in_view[in_view["province"] == province]
    if district:
        in_view = in_view[in_view["district_id"] == district]
    key_column = data.LEVEL_KEYS[level]
    values = data.grouped_coverage(ws, ver, month, None, level)
    values = values[values[key_column].isin(set(in_view[key_column]))]
    shapes = map_shapes.view_shapes(ws, ver, level, province=province, district=district, big=big)
    shapes = shapes[shapes[key_column].isin(set(values[key_column]))]
    if level == "district":
        values = values.assign(district_name=values["district_id"].map(district_names))
    return in_view, values, shapes


def place_header(
    ctx: Context,
    in_view: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    level: str,
    province: str,
    district: str,
    district_names: pd.Series,
) -> list[str]:
    """The crumbs of the chosen place (returned, the last one the place), a note where districts
    stand in for too many neighbourhoods, and the button one level up."""
    crumbs = [ctx.t("controls.all")]
    if province:
        crumbs.append(province)
    if district:
        crumbs.append(str(district_names.get(district, district)))
    st.markdown(
        (" ‹ " if direction(ctx.lang) == "rtl" else " › ").join(
            f"**{md_escape(c)}**" if i == len(crumbs) - 1 else md_escape(c)
            for i, c in enumerate(crumbs)
        )
    )
    if level == "district" and len(in_view) > views.MAX_AREAS_ON_MAP:
        st.info(
            ctx.t(
                "coverage_map.districts_instead",
                areas=ctx.language.int(len(in_view)),
                limit=ctx.language.int(views.MAX_AREAS_ON_MAP),
                districts=ctx.language.int(len(values)),
            ),
            icon=":material/layers:",
        )
    if province or district:
        if st.button(ctx.t("coverage_map.up"), icon=":material/arrow_upward:"):
            st.session_state["cm_pending"] = (
                {"district": "", "level": "district"}
                if district
                else {"province": "", "level": "province"}
            )
            rerun_view()
    return crumbs


def view_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    view: tuple[str, ...],
    level: str,
    metric: str,
    month: pd.Timestamp | None,
    scheme: str,
    k: int,
    breaks: list[float] | None,
    highlight: str | None,
    facilities: gpd.GeoDataFrame | None,
    basemap: bool,
    place: str | None,
    with_districts: bool,
) -> str | None:
    """The map of the units in view (kept in the browser and only restyled), the hint what a click
    does, and the view's exports: the clicked unit's id, or None."""
    key_column, name_column = data.LEVEL_KEYS[level], NAME_COLUMNS[level]
    if values.empty:
        st.warning(ctx.t("coverage_map.nothing"))
        clicked = None
    else:
        clicked = views.live_metric_map(
            ctx,
            shapes,
            values,
            view=view,
            id_column=key_column,
            name_column=name_column,
            metric=metric,
            scheme=scheme,
            k=k,
            breaks=breaks,
            highlight=highlight,
            facilities=facilities,
            basemap=basemap,
            # The map stays in the browser across reruns (only restyled); a new epoch gives a
            # fresh one, which forgets the area last clicked there.
            key=f"coverage_map_{level}_{st.session_state.get('cm_map_epoch', 0)}",
        )
    st.caption(
        ctx.t("coverage_map.click_hint" if with_districts else "coverage_map.click_hint_region")
    )
    if not values.empty:  # the view as shown, as PNG, standalone HTML, GeoJSON and GeoPackage
        map_exports(
            ctx,
            shapes,
            values,
            id_column=key_column,
            name_column=name_column,
            metric=metric,
            month=month,
            scheme=scheme,
            k=k,
            breaks=breaks,
            highlight=highlight,
            place=place,
            key="cm_export",
        )
    return clicked


def follow_click(clicked: str | None, *, level: str, selected: str) -> None:
    """A new click on the map drills into the province or district, or selects the
    neighbourhood."""
    if clicked and clicked != st.session_state.get("cm_last_click"):
        st.session_state["cm_last_click"] = clicked
        if level == "province":
            st.session_state["cm_pending"] = {"province": clicked, "level": "district"}
        elif level == "district":
            st.session_state["cm_pending"] = {"district": clicked, "level": "area", "area": ""}
        elif clicked != selected:
            st.session_state["cm_pending"] = {"area": clicked}
        if "cm_pending" in st.session_state:
            rerun_view()


def forget_map_click() -> None:
    """A selection made off the map: a fresh map, where clicking the same area selects it
    again."""
    st.session_state["cm_map_epoch"] = st.session_state.get("cm_map_epoch", 0) + 1
    st.session_state.pop("cm_last_click", None)


def units_table(
    ctx: Context, values: pd.DataFrame, *, level: str, metric: str, district_names: pd.Series
) -> None:
    """The units in view, ordered by ``metric`` (worst first), downloadable; selecting a row
    drills into it, or selects the neighbourhood."""
    key_column, name_column = data.LEVEL_KEYS[level], NAME_COLUMNS[level]
    st.subheader(ctx.t("coverage_map.table_title", level=ctx.t(f"level.{level}")))
    columns = {
        name_column: ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if level == "area" else {}),
        "population": ctx.t("metric.population"),
        "insured": ctx.t("metric.insured"),
        "coverage": ctx.t("metric.coverage"),
        "uninsured": ctx.t("metric.uninsured"),
        "people_to_target": ctx.t("metric.people_to_target"),
    }
    ordered = values.sort_values(metric, ascending=metric == "coverage", na_position="last")
    table = ordered[list(columns)].rename(columns=columns).reset_index(drop=True)
    table[ctx.t("table.name")] = ctx.language.names(ordered, name_column).to_numpy()
    if level == "area":
        table[ctx.t("table.district")] = ordered["district_id"].map(district_names).to_numpy()
    table.insert(
        list(columns).index("coverage") + 1, COVERAGE_BAR, table[ctx.t("metric.coverage")] * 100
    )
    if level == "area":
        table[ctx.t("table.status")] = [ctx.t(f"status.{s}") for s in ordered["data_status"]]
    event = show_table(
        ctx,
        table,
        f"coverage_{level}",
        percent=(ctx.t("metric.coverage"),),
        height=360,
        on_select="rerun",
        selection_mode="single-row",
        key=f"cm_table_{level}",
        column_config={COVERAGE_BAR: coverage_bar_column()},
    )
    rows = tuple(event.selection.rows) if event and event.selection else ()
    if rows and rows != st.session_state.get("cm_last_rows"):
        st.session_state["cm_last_rows"] = rows
        picked = str(ordered.iloc[rows[0]][key_column])
        if level == "area":  # off the map, as "Clear selection" above
            forget_map_click()
        st.session_state["cm_pending"] = (
            {"area": picked}
            if level == "area"
            else {"district": picked, "level": "area", "area": ""}
            if level == "district"
            else {"province": picked, "level": "district"}
        )
        rerun_view()
