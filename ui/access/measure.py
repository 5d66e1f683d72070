"""The access pages' "measure by" choice (#19): straight line (km) or travel time over the
roads (minutes, motorised or walking) where the workspace holds a road extract; the thresholds
(which one applies to each facility set) and texts in the measure's unit. The travel minutes
come from :mod:`ui.access.travel`."""

from __future__ import annotations

from collections.abc import Sequence

from analytics import access
from ui.access.travel import MEASURES, has_roads, unit_of
from ui.context import Context
from ui.state import Param, value

#: Travel-time thresholds a slider offers, in minutes.
MINUTES = [5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0]
#: Straight-line thresholds and distances a slider offers, in km.
DISTANCES = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0]
#: Digits a threshold is written with: km to the tenth, minutes whole.
THRESHOLD_DIGITS = {"km": 1, "min": 0}
#: Which sidebar threshold decides "within reach" for each facility set: a hospital is a
#: referral, an insurance office has its own distance, every other set counts as care nearby.
THRESHOLDS: dict[str, str] = {"hospital": "referral", "insurance_office": "office"}


def threshold_for(
    care_set: str, *, near_km: float, referral_km: float, office_km: float | None = None
) -> tuple[str, float]:
    """The threshold that applies to ``care_set``: its name (``near``, ``referral`` or
    ``office``; a sidebar control) and its value in km."""
    name = THRESHOLDS.get(care_set, "near")
    if name == "office" and office_km is None:
        name = "near"
    km = {"near": near_km, "referral": referral_km, "office": office_km}[name]
    return name, float(km)  # type: ignore[arg-type]


def unit_text(ctx: Context, key: str, unit: str = "km", **params: object) -> str:
    """The text ``access.{key}`` in straight-line km, or ``access.minutes.{key}`` in travel
    minutes (``unit="min"``; a ``km`` parameter is then its ``min``)."""
    if unit == "min":
        if "km" in params:
            params["min"] = params.pop("km")
        return ctx.t(f"access.minutes.{key}", **params)
    return ctx.t(f"access.{key}", **params)


def titled(ctx: Context, title: str, measure: str) -> str:
    """``title`` naming the travel mode of ``measure`` ("…, by car"), so a map's legend or a
    section says how its minutes were travelled; a straight-line title is left as it is."""
    if unit_of(measure) != "min":
        return title
    return ctx.t("access.minutes.titled", title=title, mode=ctx.t(f"access.minutes.by.{measure}"))


def method_name(decay: bool) -> str:
    """The catchment method's name as written in the texts: E2SFCA with distance decay."""
    return "E2SFCA" if decay else "2SFCA"


def km_format(ctx: Context):
    """A slider's label of a distance in km (to the tenth, in the reader's language)."""
    return lambda v: ctx.t("access.units.km", km=ctx.language.number(v, 1))


def minutes_format(ctx: Context):
    """A slider's label of a travel time in minutes (whole, in the reader's language)."""
    return lambda v: ctx.t("access.minutes.units.km", min=ctx.language.number(v, 0))


def km_param(name: str, default: float) -> Param:
    """A URL setting in km, one of :data:`DISTANCES`."""
    return Param(name, default, lambda: DISTANCES, parse=float, dump=lambda v: f"{v:g}")


def by_param(measures: list[str]) -> Param[str]:
    """The "measure by" choice of every access page, one of ``measures`` (``line`` or a travel
    mode): kept in the URL as ``measure_by`` and shared by the pages (:data:`ui.state.SHARED`),
    so the mode chosen on one page is the mode on the next. Links shared before it was one
    setting still open in their mode: the Capacity page kept it as ``by``, the Infrastructure
    page as ``measure``."""
    return Param("measure_by", "line", lambda: measures, aliases=("by", "measure"))


def measures_of(ctx: Context) -> list[str]:
    """The "measure by" choices of the session's workspace version: travel time only where it
    holds roads."""
    return list(MEASURES) if has_roads(ctx.source, ctx.version) else ["line"]


def measure_params(measures: list[str]) -> dict[str, Param]:
    """The URL settings of the choice: ``measure_by`` (:func:`by_param`), the thresholds in minutes (``near_min``,
    ``referral_min``, ``office_min``), the 2SFCA catchment (``catchment_min``) and a new site's reach
    (``radius_min``) in minutes, kept apart from the km ones so each keeps its value."""

    def minutes(name: str, default: float) -> Param:
        return Param(name, default, lambda: MINUTES, parse=float, dump=lambda v: f"{v:g}")

    return {
        "by": by_param(measures),
        "near_min": minutes("near_min", access.NEAR_MIN),
        "referral_min": minutes("referral_min", access.REFERRAL_MIN),
        "office_min": minutes("office_min", access.NEAR_MIN),
        "catchment_min": minutes("catchment_min", access.CATCHMENT_MIN),
        "radius_min": minutes("radius_min", access.NEAR_MIN),
    }


def measure_select(ctx: Context, sb, param: Param, choices: Sequence[str]) -> str:
    """The "measure by" choice in ``sb`` where there is more than one (straight line or a travel
    mode, the pages' shared ``measure_by``); returns the measure chosen."""
    if len(choices) > 1:
        sb.selectbox(
            ctx.t("access.measure.label"),
            list(choices),
            key=param.widget_key,
            format_func=lambda v: ctx.t(f"access.measure.{v}"),
            help=ctx.t("access.measure.help"),
        )
    return str(value(param))


def measure_controls(
    ctx: Context,
    sb,
    params: dict[str, Param],
    *,
    measures: list[str],
    distances: list[float],
    with_office: bool,
) -> tuple[str, str, str]:
    """The choice (or, without roads, why there is none) and the care, referral and office
    thresholds in its unit, in the sidebar ``sb``: ``(measure, unit, suffix)``, where the
    thresholds are the settings ``near{suffix}``, ``referral{suffix}``, ``office{suffix}``."""
    if len(measures) <= 1:
        sb.caption(ctx.t("access.measure.no_roads"))
    measure = measure_select(ctx, sb, params["by"], measures)
    unit = unit_of(measure)
    scale, suffix = (distances, "") if unit == "km" else (MINUTES, "_min")
    digits = THRESHOLD_DIGITS[unit]

    def shown(v: float) -> str:
        return unit_text(ctx, "units.km", unit, km=ctx.language.number(v, digits))

    names = ["near", "referral", *(["office"] if with_office else [])]
    for name in names:
        sb.select_slider(
            ctx.t(f"access.controls.{name}"),
            scale,
            key=params[name + suffix].widget_key,
            format_func=shown,
        )
    return measure, unit, suffix
