"""The Infrastructure needs page's sidebar: the map view, the measure and its thresholds, the
2SFCA catchment and supply, the coverage target, distance decay and the what-if of facilities
under construction (opened by a date). The settings are the page's URL parameters."""

from __future__ import annotations

import streamlit as st

from ui.access.measure import (
    DISTANCES,
    MINUTES,
    km_format,
    measure_controls,
    minutes_format,
    unit_text,
)
from ui.access.travel import unit_of
from ui.context import Context
from ui.state import Param, value

#: Coverage targets a slider offers (the double gap's "covered").
COVERED = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0]


def sidebar(
    ctx: Context,
    params: dict[str, Param],
    *,
    views: list[str],
    measures: list[str],
    care_sets: list[str],
    supply_choices: list[str],
    with_insured: bool,
    opening_dates: list[str],
    statuses: list[str],
) -> tuple[str, str, str]:
    """The page's controls in the sidebar: ``(measure, unit, suffix)`` as
    :func:`ui.access.measure.measure_controls` gives them. ``statuses`` are the facility
    statuses present, ``opening_dates`` the dates facilities open on."""
    sb = st.sidebar
    chosen = unit_of(str(value(params["by"])))  # the views named in the measure chosen
    sb.selectbox(
        ctx.t("access.controls.view"),
        views,
        key=params["view"].widget_key,
        format_func=lambda v: unit_text(ctx, f"view.{v}", chosen),
    )
    measure, unit, suffix = measure_controls(
        ctx,
        sb,
        params,
        measures=measures,
        distances=DISTANCES,
        with_office="insurance_office" in care_sets,
    )
    # the 2SFCA catchment in the measure's unit: km, or minutes of travel
    sb.select_slider(
        ctx.t("access.controls.catchment"),
        DISTANCES if unit == "km" else MINUTES,
        key=params["catchment" + suffix].widget_key,
        format_func=km_format(ctx) if unit == "km" else minutes_format(ctx),
    )
    sb.selectbox(
        ctx.t("access.controls.supply"),
        supply_choices,
        key=params["supply"].widget_key,
        format_func=lambda v: ctx.t(f"access.supply.{v}"),
    )
    if with_insured:
        sb.select_slider(
            ctx.t("access.controls.covered"),
            COVERED,
            key=params["covered"].widget_key,
            format_func=lambda v: ctx.language.pct(v, 0),
        )
    sb.toggle(
        ctx.t("access.controls.decay"),
        key=params["decay"].widget_key,
        help=ctx.t("access.help.decay"),
    )
    sb.toggle(
        ctx.t("access.controls.under_construction"),
        key=params["uc"].widget_key,
        disabled=not opening_dates and "under_construction" not in statuses,
        help=ctx.t("access.help.under_construction"),
    )
    if value(params["uc"]) and opening_dates:
        sb.selectbox(
            ctx.t("access.controls.as_of"),
            ["", *opening_dates],
            key=params["asof"].widget_key,
            format_func=lambda d: ctx.language.date(d) if d else ctx.t("access.controls.all_open"),
        )
    return measure, unit, suffix
