"""The Coverage map page's sidebar: the month, metric, classes (or typed class breaks), level,
province and district, the facilities on the map and the basemap; the typed class breaks read
(and refused beyond the largest palette); and the changes a click on the map or the table asked
for, applied before any widget is drawn."""

from __future__ import annotations

import re
from itertools import islice

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.classify import MAX_CLASSES, SCHEMES
from render.offline import basemap_tiles
from ui import views
from ui.context import Context
from ui.facility_layer import facility_filters
from ui.state import Param, bind, set_value, value
from ui.views import RATE_METRICS

#: The most class breaks a user may type: 8 upper bounds make at most 9 classes, the largest
#: palette. A longer list (typed, or in a shared link) is refused before any of it is read.
MAX_USER_BREAKS = MAX_CLASSES - 1
_BREAK_TOKEN = re.compile(r"[^,;\u060c\u061b\s]+")


def too_many_breaks(text: str) -> bool:
    """Whether ``text`` holds more than :data:`MAX_USER_BREAKS` numbers (reads no further)."""
    return next(islice(_BREAK_TOKEN.finditer(text), MAX_USER_BREAKS, None), None) is not None


def parse_breaks(text: str, *, percent: bool) -> list[float] | None:
    """User class breaks typed as ``50, 70, 90`` (``;``, ``،`` and ``؛`` also separate, Persian
    digits are read); sorted, duplicates
    dropped. For rates, numbers above 1 are read as per cent. None when nothing usable was typed,
    or more than :data:`MAX_USER_BREAKS` numbers."""
    if too_many_breaks(text):
        return None
    try:
        # Persian separators (، ؛) too; float() reads Persian digits itself.
        unified = text.replace("\u060c", ",").replace("\u061b", ",").replace(";", ",")
        numbers = [float(part) for part in unified.split(",") if part.strip()]
    except ValueError:
        return None
    if percent:
        numbers = [n / 100 if n > 1 else n for n in numbers]
    numbers = sorted({n for n in numbers if n == n and abs(n) != float("inf")})
    return numbers or None


def apply_pending(params: dict[str, Param], areas: pd.DataFrame, *, big: bool) -> None:
    """Apply the changes the last run's click asked for (``cm_pending``), bind the widgets, and on
    a view with more neighbourhoods than the map draws smoothly (``big``) show districts until
    one is chosen."""
    pending = st.session_state.pop("cm_pending", None)
    if pending:
        for name, new in pending.items():
            set_value(params[name], new)
    bind(list(params.values()))
    if big:
        # Districts until one is chosen (on the map, in the table or in the sidebar): then its
        # neighbourhoods.
        chosen_province = str(value(params["province"]) or "")
        if value(params["district"]):
            if value(params["level"]) == "district":
                set_value(params["level"], "area")
        elif (
            value(params["level"]) == "area"
            and (
                int((areas["province"] == chosen_province).sum()) if chosen_province else len(areas)
            )
            > views.MAX_AREAS_ON_MAP
        ):
            set_value(params["level"], "district")


def sidebar(
    ctx: Context,
    params: dict[str, Param],
    *,
    month_keys: list[str],
    levels: list[str],
    provinces: list[str],
    districts: list[str],
    district_names: pd.Series,
    facilities: gpd.GeoDataFrame,
) -> tuple[str, list[float] | None, gpd.GeoDataFrame | None, bool]:
    """The page's controls in the sidebar: ``(scheme, breaks, facilities shown, basemap)``. Typed
    breaks that cannot be read fall back to quantiles, with a warning."""
    sb = st.sidebar
    if month_keys:
        views.month_picker(ctx, month_keys, params["month"].widget_key)
    sb.selectbox(
        ctx.t("controls.metric"),
        params["metric"].allowed(),
        key=params["metric"].widget_key,
        format_func=lambda m: ctx.t(f"metric.{m}"),
    )
    sb.selectbox(
        ctx.t("controls.classes"),
        SCHEMES,
        key=params["classes"].widget_key,
        format_func=lambda s: ctx.t(f"classes.{s}"),
    )
    scheme = str(value(params["classes"]))
    breaks: list[float] | None = None
    if scheme == "user":
        sb.text_input(
            ctx.t("controls.breaks"),
            key=params["breaks"].widget_key,
            help=ctx.t("controls.breaks_help"),
        )
        typed = str(value(params["breaks"]) or "")
        breaks = parse_breaks(typed, percent=value(params["metric"]) in RATE_METRICS)
        if not breaks:
            if too_many_breaks(typed):
                sb.warning(
                    ctx.t(
                        "controls.breaks_too_many",
                        n=ctx.language.int(MAX_USER_BREAKS),
                        classes=ctx.language.int(MAX_USER_BREAKS + 1),
                    )
                )
            else:
                sb.warning(ctx.t("controls.breaks_invalid"))
            scheme = "quantiles"
    if scheme != "user":
        sb.select_slider(
            ctx.t("controls.k"),
            options=list(range(3, 10)),
            key=params["k"].widget_key,
            format_func=ctx.language.int,
        )
    views.level_picker(ctx, levels, params["level"].widget_key)
    if len(provinces) > 1:
        sb.selectbox(
            ctx.t("controls.province"),
            ["", *provinces],
            key=params["province"].widget_key,
            format_func=lambda p: p or ctx.t("controls.all"),
        )
    if districts:
        sb.selectbox(
            ctx.t("controls.district"),
            ["", *districts],
            key=params["district"].widget_key,
            format_func=lambda d: str(district_names.get(d, d)) if d else ctx.t("controls.all"),
        )
    shown_facilities = facility_filters(
        ctx, facilities, "cm", show_default=0 < len(facilities) <= 300
    )
    show_basemap = basemap_tiles() is not None and sb.toggle(
        ctx.t("controls.basemap"),
        value=False,
        key="cm_basemap",
        help=ctx.t("controls.basemap_help"),
    )
    return scheme, breaks, shown_facilities, show_basemap
