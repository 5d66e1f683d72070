"""The Outreach planner's reach of a desk: a straight-line walking radius in metres, or, where the
workspace holds roads, minutes of travel over them (#19) by the access pages' "measure by"
choice (the one setting ``measure_by``, :func:`ui.access.measure.by_param`, shared with the
Infrastructure and Capacity pages)."""

from __future__ import annotations

from ui.access.measure import by_param, measure_select, minutes_format
from ui.access.travel import MEASURES, has_roads
from ui.context import Context
from ui.outreach.data import RADII_M
from ui.state import Param, value

#: Reaches in minutes of travel offered for a desk.
REACH_MIN = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0)


def measures(ctx: Context) -> list[str]:
    """The "measure by" choices of the session's workspace: travel time only where it holds
    roads."""
    return list(MEASURES) if has_roads(ctx.source, ctx.version) else ["line"]


def reach_params(choices: list[str]) -> dict[str, Param]:
    """The URL settings: ``measure_by``, the radius in metres (``radius``) and the reach in minutes
    (``radius_min``), each keeping its value."""
    return {
        "by": by_param(choices),
        "radius": Param("radius", 1000, lambda: RADII_M, parse=int),
        "radius_min": Param(
            "radius_min", 15.0, lambda: REACH_MIN, parse=float, dump=lambda v: f"{v:g}"
        ),
    }


def reach_controls(ctx: Context, sb, P: dict[str, Param], choices: list[str]) -> tuple[str, float]:
    """The choice (where there is one) and the reach in its unit in the sidebar ``sb``:
    ``(measure, reach)``, the reach in metres for ``line``, else in minutes."""
    measure = measure_select(ctx, sb, P["by"], choices)
    if measure == "line":
        sb.select_slider(
            ctx.t("outreach.controls.radius"),
            RADII_M,
            key=P["radius"].widget_key,
            format_func=lambda m: ctx.t("outreach.units.m", m=ctx.language.int(m)),
            help=ctx.t("outreach.controls.radius_help"),
        )
        return measure, float(value(P["radius"]))
    sb.select_slider(
        ctx.t("outreach.minutes.radius"),
        REACH_MIN,
        key=P["radius_min"].widget_key,
        format_func=minutes_format(ctx),
        help=ctx.t("outreach.minutes.radius_help"),
    )
    return measure, float(value(P["radius_min"]))
