"""The Capacity and load page's settings and sidebar: service and supply, how reach is measured
("measure by": straight line or travel time over the roads, where the workspace holds a road
extract, as on the Infrastructure needs page), the catchment in km or minutes, decay, the overload
threshold, the care and referral distances and the coverage target. The settings are the page's
URL parameters; ``measure`` is the utilisation measure, and the "measure by" choice is the one
setting ``measure_by`` of every access page (:func:`ui.access.measure.by_param`)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from analytics import access
from ui.access.measure import MINUTES, by_param, km_format, measure_select, minutes_format
from ui.access.travel import MEASURES, unit_of
from ui.capacity.views import supply_label
from ui.context import Context
from ui.state import Param

DISTANCES = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0]
COVERED = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0]
OVERLOAD = [1.25, 1.5, 2.0, 3.0]


def _number(name: str, default: float, options: list[float]) -> Param:
    """A URL setting that is one of the numbers ``options``."""
    return Param(name, default, lambda: options, parse=float, dump=lambda v: f"{v:g}")


def measures_by(has_roads: bool) -> list[str]:
    """The "measure by" choices a workspace offers: travel time only where it holds roads."""
    return list(MEASURES) if has_roads else ["line"]


def capacity_params(
    services: list[str],
    supplies: Callable[[], list[str]],
    measures: list[str],
    by: list[str],
) -> dict[str, Param]:
    """The page's URL settings; ``catchment_min``, ``near_min`` and ``referral_min`` are the
    catchment and the care and referral reach in minutes, kept apart from the km ones
    (``catchment``, ``near``, ``referral``) so each keeps its value."""
    return {
        "service": Param(
            "service", services[0] if services else "care", lambda: services or ["care"]
        ),
        "supply": Param("supply", "", supplies),
        "by": by_param(by),
        "catchment": _number("catchment", access.CATCHMENT_KM, DISTANCES),
        "catchment_min": _number("catchment_min", access.CATCHMENT_MIN, MINUTES),
        "near": _number("near", access.NEAR_KM, DISTANCES),
        "referral": _number("referral", access.REFERRAL_KM, DISTANCES),
        "near_min": _number("near_min", access.NEAR_MIN, MINUTES),
        "referral_min": _number("referral_min", access.REFERRAL_MIN, MINUTES),
        "covered": _number("covered", access.COVERED_AT, COVERED),
        "overload": _number("overload", 1.5, OVERLOAD),
        "decay": Param(
            "decay",
            False,
            lambda: [False, True],
            parse=lambda s: s in ("1", "true"),
            dump=lambda v: "1" if v else "0",
        ),
        "measure": Param("measure", measures[0] if measures else "", lambda: measures or [""]),
    }


def sidebar(
    ctx: Context,
    P: dict[str, Param],
    *,
    services: list[str],
    supply_choices: list[str],
    by: list[str],
    with_insured: bool,
) -> tuple[str, str]:
    """The page's controls in the sidebar: ``(by, unit)``, the "measure by" chosen and the
    unit of the catchment and the care and referral reach (``km`` or ``min``)."""
    sb = st.sidebar
    sb.selectbox(
        ctx.t("capacity.controls.service"),
        services,
        key=P["service"].widget_key,
        format_func=lambda v: ctx.t(f"capacity.service.{v}"),
    )
    if st.session_state.get(P["supply"].widget_key) not in supply_choices:
        st.session_state[P["supply"].widget_key] = supply_choices[0]
    sb.selectbox(
        ctx.t("capacity.controls.supply"),
        supply_choices,
        key=P["supply"].widget_key,
        format_func=lambda v: supply_label(ctx, v),
    )
    chosen = measure_select(ctx, sb, P["by"], by)
    unit = unit_of(chosen)
    if unit == "km":
        sb.select_slider(
            ctx.t("access.controls.catchment"),
            DISTANCES,
            key=P["catchment"].widget_key,
            format_func=km_format(ctx),
        )
    else:
        sb.select_slider(
            ctx.t("access.controls.catchment"),
            MINUTES,
            key=P["catchment_min"].widget_key,
            format_func=minutes_format(ctx),
        )
    sb.toggle(
        ctx.t("access.controls.decay"), key=P["decay"].widget_key, help=ctx.t("access.help.decay")
    )
    sb.select_slider(
        ctx.t("capacity.controls.overload"),
        OVERLOAD,
        key=P["overload"].widget_key,
        format_func=lambda v: ctx.t("capacity.times", n=ctx.language.number(v, 2)),
        help=ctx.t("capacity.help.overload"),
    )
    # care and referral reach in the chosen unit, as on the Infrastructure page
    scale, suffix = (DISTANCES, "") if unit == "km" else (MINUTES, "_min")
    shown = km_format(ctx) if unit == "km" else minutes_format(ctx)
    for name in ("near", "referral"):
        sb.select_slider(
            ctx.t(f"access.controls.{name}"),
            scale,
            key=P[name + suffix].widget_key,
            format_func=shown,
        )
    if with_insured:
        sb.select_slider(
            ctx.t("access.controls.covered"),
            COVERED,
            key=P["covered"].widget_key,
            format_func=lambda v: ctx.language.pct(v, 0),
        )
    return chosen, unit
