"""Coverage map: choropleth with metric and classification pickers, drill-down, linked table.

The view (metric, classes, level, district, month, selected area) lives in the URL, so a shared link
reopens the same view. Clicking a province or district drills into it; clicking a neighbourhood, or
selecting its row in the table, shows its details. A view with more neighbourhoods than the map
draws smoothly (``views.MAX_AREAS_ON_MAP``) shows its districts until one is chosen. The page's
pieces are in :mod:`ui.coverage`.
"""

from __future__ import annotations

import streamlit as st

from analytics.classify import SCHEMES
from ui import data, views
from ui.context import current
from ui.coverage import controls
from ui.coverage import views as coverage_views
from ui.coverage.details import area_details
from ui.coverage.search import find_area
from ui.localize import names_by_key
from ui.state import Param, publish, value

ctx = current()
ws, ver = ctx.source, ctx.version
months = data.periods(ws, ver)
areas = data.table(ws, ver, "areas")
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
    controls.apply_pending(P, areas, big=big)
    district_names = names_by_key(areas, "district_id", "district_name", ctx.lang)
    scheme, breaks, shown_facilities, show_basemap = controls.sidebar(
        ctx,
        P,
        month_keys=month_keys,
        levels=levels,
        provinces=provinces,
        districts=districts,
        district_names=district_names,
        facilities=data.table(ws, ver, "facilities"),
    )

    metric = str(value(P["metric"]))
    level = str(value(P["level"]))
    province = str(value(P["province"]) or "")
    district = str(value(P["district"]) or "")
    month = months[month_keys.index(value(P["month"]))] if with_insured else None
    selected = str(value(P["area"]) or "")
    place = {"level": level, "province": province, "district": district}

    views.page_header(ctx, "coverage_map.title", month)
    in_view, values, shapes = coverage_views.units_in_view(
        ctx, areas, month, **place, district_names=district_names, big=big
    )
    crumbs = coverage_views.place_header(
        ctx, in_view, values, **place, district_names=district_names
    )
    facilities = None
    if shown_facilities is not None and len(in_view):
        minx, miny, maxx, maxy = in_view.total_bounds
        facilities = shown_facilities.cx[minx:maxx, miny:maxy]

    map_col, detail_col = st.columns([3, 2], gap="medium")
    with map_col:
        find_area(ctx, P, areas, big=big)  # the search box above the map
        clicked = coverage_views.view_map(
            ctx,
            shapes,
            values,
            view=(level, province, district, "big" if big else ""),
            level=level,
            metric=metric,
            month=month,
            scheme=scheme,
            k=int(value(P["k"])),
            breaks=breaks,
            highlight=selected if level == "area" else None,
            facilities=facilities,
            basemap=show_basemap,
            place=crumbs[-1] if len(crumbs) > 1 else None,
            with_districts=bool(districts),
        )
    coverage_views.follow_click(clicked, level=level, selected=selected)
    with detail_col:
        area_details(
            ctx,
            values,
            selected,
            level=level,
            month=month,
            with_insured=with_insured,
            district_names=district_names,
            sessions=data.table(ws, ver, "outreach"),
        )
    coverage_views.units_table(
        ctx, values, level=level, metric=metric, district_names=district_names
    )

    publish(list(P.values()))


coverage_view()
