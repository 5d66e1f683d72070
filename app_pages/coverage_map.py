"""Coverage map: choropleth with metric and classification pickers, drill-down, linked table.

The view (metric, classes, level, district, month, selected area) lives in the URL, so a shared link
reopens the same view. Clicking a province or district drills into it; clicking a neighbourhood, or
selecting its row in the table, shows its details. A view with more neighbourhoods than the map
draws smoothly (``views.MAX_AREAS_ON_MAP``) shows its districts until one is chosen.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.classify import SCHEMES
from render import charts
from render.format import fmt_int, fmt_pct
from render.i18n import direction
from render.offline import basemap_tiles
from render.safe import md_escape
from ui import data, map_shapes, views
from ui.context import current
from ui.downloads import map_exports, table_downloads
from ui.facility_layer import facility_filters
from ui.localize import (
    COVERAGE_BAR,
    coverage_bar_column,
    coverage_table,
    display_names,
    localized_table,
    names_by_key,
)
from ui.state import Param, bind, publish, rerun_view, set_value, value
from ui.views import MAX_USER_BREAKS, RATE_METRICS, parse_breaks, too_many_breaks

ctx = current()
ws, ver = ctx.source, ctx.version
months = data.periods(ws, ver)
workspace = data.tables(ws, ver)
areas = workspace["areas"]
with_insured = bool(months)
month_keys = [m.strftime("%Y-%m") for m in months]
districts = sorted(areas["district_id"].dropna().astype(str).unique())
provinces = sorted(areas["province"].dropna().astype(str).unique())
levels = [lv for lv in data.LEVELS if lv != "province" or provinces]
if not districts:
    levels = ["area"]
# More neighbourhoods than the map draws smoothly: the page opens on districts.
big = len(areas) > views.MAX_AREAS_ON_MAP and "district" in levels

P = {
    "metric": Param(
        "metric", views.metrics_for(with_insured)[0], lambda: views.metrics_for(with_insured)
    ),
    "classes": Param("classes", "quantiles", lambda: SCHEMES),
    "k": Param("k", 5, lambda: range(3, 10), parse=int),
    "breaks": Param("breaks", ""),
    "level": Param("level", "district" if big else levels[-1], lambda: levels),
    "province": Param("province", "", lambda: ["", *provinces]),
    "district": Param("district", "", lambda: ["", *districts]),
    "month": Param("month", month_keys[-1] if month_keys else "", lambda: month_keys or [""]),
    "area": Param("area", ""),
}


@st.fragment(key="coverage_view")
def coverage_view() -> None:
    """The controls (in the sidebar), the map, the details and the table: a change of any of them
    reruns only this function, not the app's frame or the loading above (the frames it reads are
    cached per source and version in ``ui.data``)."""
    # A click on the map or the table in the last run asked for a change: apply it before any widget.
    pending = st.session_state.pop("cm_pending", None)
    if pending:
        for name, new in pending.items():
            set_value(P[name], new)
    bind(list(P.values()))
    if big:
        # Districts until one is chosen (on the map, in the table or in the sidebar): then its
        # neighbourhoods.
        chosen_province = str(value(P["province"]) or "")
        if value(P["district"]):
            if value(P["level"]) == "district":
                set_value(P["level"], "area")
        elif (
            value(P["level"]) == "area"
            and (
                int((areas["province"] == chosen_province).sum()) if chosen_province else len(areas)
            )
            > views.MAX_AREAS_ON_MAP
        ):
            set_value(P["level"], "district")

    sb = st.sidebar
    if with_insured:
        views.month_picker(ctx, month_keys, P["month"].widget_key)
    sb.selectbox(
        ctx.t("controls.metric"),
        P["metric"].allowed(),
        key=P["metric"].widget_key,
        format_func=lambda m: ctx.t(f"metric.{m}"),
    )
    sb.selectbox(
        ctx.t("controls.classes"),
        SCHEMES,
        key=P["classes"].widget_key,
        format_func=lambda s: ctx.t(f"classes.{s}"),
    )
    scheme = str(value(P["classes"]))
    breaks: list[float] | None = None
    if scheme == "user":
        sb.text_input(
            ctx.t("controls.breaks"), key=P["breaks"].widget_key, help=ctx.t("controls.breaks_help")
        )
        typed = str(value(P["breaks"]) or "")
        breaks = parse_breaks(typed, percent=value(P["metric"]) in RATE_METRICS)
        if not breaks:
            if too_many_breaks(typed):
                sb.warning(
                    ctx.t(
                        "controls.breaks_too_many",
                        n=fmt_int(MAX_USER_BREAKS, ctx.lang),
                        classes=fmt_int(MAX_USER_BREAKS + 1, ctx.lang),
                    )
                )
            else:
                sb.warning(ctx.t("controls.breaks_invalid"))
            scheme = "quantiles"
    if scheme != "user":
        sb.select_slider(
            ctx.t("controls.k"),
            options=list(range(3, 10)),
            key=P["k"].widget_key,
            format_func=lambda n: fmt_int(n, ctx.lang),
        )
    views.level_picker(ctx, levels, P["level"].widget_key)
    if len(provinces) > 1:
        sb.selectbox(
            ctx.t("controls.province"),
            ["", *provinces],
            key=P["province"].widget_key,
            format_func=lambda p: p or ctx.t("controls.all"),
        )
    district_names = names_by_key(areas, "district_id", "district_name", ctx.lang)
    if districts:
        sb.selectbox(
            ctx.t("controls.district"),
            ["", *districts],
            key=P["district"].widget_key,
            format_func=lambda d: str(district_names.get(d, d)) if d else ctx.t("controls.all"),
        )
    shown_facilities = facility_filters(
        ctx,
        workspace["facilities"],
        "cm",
        show_default=0 < len(workspace["facilities"]) <= 300,
    )
    show_basemap = basemap_tiles() is not None and sb.toggle(
        ctx.t("controls.basemap"),
        value=False,
        key="cm_basemap",
        help=ctx.t("controls.basemap_help"),
    )

    metric = str(value(P["metric"]))
    level = str(value(P["level"]))
    province = str(value(P["province"]) or "")
    district = str(value(P["district"]) or "")
    month = months[month_keys.index(value(P["month"]))] if with_insured else None
    selected = str(value(P["area"]) or "")

    views.page_header(ctx, "coverage_map.title", month)

    # Which units are in view: the level's units inside the chosen province / district.
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
    name_column = {"province": "province", "district": "district_name", "area": "name"}[level]
    if level == "district":
        values = values.assign(district_name=values["district_id"].map(district_names))

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
                areas=fmt_int(len(in_view), ctx.lang),
                limit=fmt_int(views.MAX_AREAS_ON_MAP, ctx.lang),
                districts=fmt_int(len(values), ctx.lang),
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

    facilities = None
    if shown_facilities is not None and len(in_view):
        minx, miny, maxx, maxy = in_view.total_bounds
        facilities = shown_facilities.cx[minx:maxx, miny:maxy]

    map_col, detail_col = st.columns([3, 2], gap="medium")
    with map_col:
        if values.empty:
            st.warning(ctx.t("coverage_map.nothing"))
            clicked = None
        else:
            clicked = views.live_metric_map(
                ctx,
                shapes,
                values,
                view=(level, province, district, "big" if big else ""),
                id_column=key_column,
                name_column=name_column,
                metric=metric,
                scheme=scheme,
                k=int(value(P["k"])),
                breaks=breaks,
                highlight=selected if level == "area" else None,
                facilities=facilities,
                basemap=show_basemap,
                # The map stays in the browser across reruns (only restyled); a new epoch gives a
                # fresh one, which forgets the area last clicked there.
                key=f"coverage_map_{level}_{st.session_state.get('cm_map_epoch', 0)}",
            )
        st.caption(
            ctx.t("coverage_map.click_hint" if districts else "coverage_map.click_hint_region")
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
                k=int(value(P["k"])),
                breaks=breaks,
                highlight=selected if level == "area" else None,
                place=crumbs[-1] if len(crumbs) > 1 else None,
                key="cm_export",
            )

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

    with detail_col:
        if level == "area" and selected and selected in set(values["area_id"]):
            chosen = values[values["area_id"] == selected]
            row = chosen.iloc[0]
            district_shown = district_names.get(row.get("district_id"), row.get("district_name"))
            st.subheader(md_escape(display_names(chosen, "name", ctx.lang).iloc[0]))
            st.caption(ctx.t("details.district", district=md_escape(district_shown or "—")))
            c1, c2 = st.columns(2)
            c1.metric(ctx.t("metric.population"), fmt_int(row["population"], ctx.lang))
            c2.metric(ctx.t("metric.coverage"), fmt_pct(row["coverage"], ctx.lang))
            c1.metric(ctx.t("metric.insured"), fmt_int(row["insured"], ctx.lang))
            c2.metric(ctx.t("metric.uninsured"), fmt_int(row["uninsured"], ctx.lang))
            c1.metric(ctx.t("metric.people_to_target"), fmt_int(row["people_to_target"], ctx.lang))
            c2.metric(ctx.t("metric.density"), fmt_int(row["density"], ctx.lang))
            if row["data_status"] != "ok":
                st.warning(ctx.t("details.status", status=ctx.t(f"status.{row['data_status']}")))
            if with_insured:
                by_scheme = data.insured_by_scheme(ws, ver, selected, month)
                if len(by_scheme) and "scheme" in by_scheme:
                    schemes = pd.DataFrame(
                        {
                            ctx.t("table.scheme"): [
                                ctx.label("scheme", s) for s in by_scheme["scheme"]
                            ],
                            ctx.t("metric.insured"): by_scheme["insured"].to_numpy(),
                        }
                    )
                    st.dataframe(
                        localized_table(
                            schemes,
                            {ctx.t("metric.insured"): lambda v: fmt_int(v, ctx.lang)},
                            ctx.lang,
                        ),
                        hide_index=True,
                        width="stretch",
                    )
                    table_downloads(ctx, schemes, f"insured_by_scheme_{selected}")
                trend = data.trend(ws, ver, None, None, (selected,))
                sessions = workspace["outreach"]
                if "area_id" in sessions:
                    sessions = sessions[sessions["area_id"] == selected]
                st.plotly_chart(
                    charts.coverage_trend(
                        trend,
                        data.targets(ws, ver),
                        ctx.lang,
                        title=ctx.t("details.trend"),
                        sessions=sessions if len(sessions) else None,
                        height=280,
                        calendar=ctx.calendar,
                    ),
                    width="stretch",
                )
            if st.button(ctx.t("details.clear"), icon=":material/close:"):
                st.session_state["cm_pending"] = {"area": ""}
                # Off the map: a fresh map, where clicking the same area selects it again.
                st.session_state["cm_map_epoch"] = st.session_state.get("cm_map_epoch", 0) + 1
                st.session_state.pop("cm_last_click", None)
                rerun_view()
        else:
            st.info(ctx.t("details.pick"), icon=":material/touch_app:")

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
    table[ctx.t("table.name")] = display_names(ordered, name_column, ctx.lang).to_numpy()
    if level == "area":
        table[ctx.t("table.district")] = ordered["district_id"].map(district_names).to_numpy()
    table.insert(
        list(columns).index("coverage") + 1, COVERAGE_BAR, table[ctx.t("metric.coverage")] * 100
    )
    if level == "area":
        table[ctx.t("table.status")] = [ctx.t(f"status.{s}") for s in ordered["data_status"]]
    event = st.dataframe(
        coverage_table(table, ("population", "insured", "uninsured", "people_to_target"), ctx.lang),
        hide_index=True,
        width="stretch",
        height=360,
        on_select="rerun",
        selection_mode="single-row",
        key=f"cm_table_{level}",
        column_config={COVERAGE_BAR: coverage_bar_column()},
    )
    table_downloads(ctx, table, f"coverage_{level}", percent=(ctx.t("metric.coverage"),))
    rows = tuple(event.selection.rows) if event and event.selection else ()
    if rows and rows != st.session_state.get("cm_last_rows"):
        st.session_state["cm_last_rows"] = rows
        picked = str(ordered.iloc[rows[0]][key_column])
        if level == "area":  # off the map, as "Clear selection" above
            st.session_state["cm_map_epoch"] = st.session_state.get("cm_map_epoch", 0) + 1
            st.session_state.pop("cm_last_click", None)
        st.session_state["cm_pending"] = (
            {"area": picked}
            if level == "area"
            else {"district": picked, "level": "area", "area": ""}
            if level == "district"
            else {"province": picked, "level": "district"}
        )
        rerun_view()

    publish(list(P.values()))


coverage_view()
