"""What-if: a facility network's access, referral gaps, double-gap classes and load, evaluated
before and after a scenario's changes (:mod:`analytics.scenarios`) with the same settings and the
same functions, and every stored scenario compared with the network as it is.

Nothing here modifies its inputs; loops run over the few scenarios, never over areas or facilities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import access, distance, fca
from analytics.capacity import default_decay, facility_load
from analytics.scenarios import Change, MissingFacilityError, apply_changes, changes_from_frame

__all__ = [
    "CHANGE_TOLERANCE",
    "SUMMARY_FIGURES",
    "NetworkResult",
    "NetworkSettings",
    "ScenarioResult",
    "TravelMeasure",
    "TravelTimes",
    "area_changes",
    "compare_networks",
    "compare_scenarios",
    "evaluate_network",
    "run_scenario",
    "service_facilities",
]

# --------------------------------------------------------------------------------------------------
# what-if: evaluating a network
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkSettings:
    """How a facility network is judged (the same settings before and after a change).

    ``service_types`` and ``supply`` define the capacity that access scores and load are computed
    for (e.g. hospitals and their beds; care facilities and 1 each; insurance offices and desks).
    """

    near_km: float = access.NEAR_KM
    referral_km: float = access.REFERRAL_KM
    catchment_km: float = access.CATCHMENT_KM
    decay: bool = False
    covered_at: float = access.COVERED_AT
    supply: str | None = "beds"
    service_types: tuple[str, ...] = ("hospital",)
    overload_at: float = 1.5
    reference: str = "pooled"
    per: float = 1000.0
    #: The unit of every reach here (``near_km``, ``referral_km`` and ``catchment_km``): ``km`` in
    #: a straight line, or ``min`` of travel, measured by the :class:`TravelTimes` given to
    #: :func:`evaluate_network`.
    catchment_unit: str = "km"


@dataclass(frozen=True)
class TravelTimes:
    """A facility network's trips in minutes (e.g. over a road network), what
    :func:`evaluate_network` judges a network in minutes by.

    ``nearest``: indexed like the areas, ``{name}_min`` and ``{name}_id`` for each of
    :data:`analytics.access.DISTANCE_SETS` over the counted facilities
    (:func:`analytics.access.available_facilities`); ``pairs``: ``area``, ``facility`` (row
    positions in the areas and in :func:`service_facilities`) and ``minutes`` of every trip within
    the catchment."""

    nearest: pd.DataFrame
    pairs: pd.DataFrame


#: Measures any facility network (every facility, as stored or after a scenario's changes, new
#: sites included) in minutes: the facilities in, their :class:`TravelTimes` out.
TravelMeasure = Callable[[gpd.GeoDataFrame], TravelTimes]


@dataclass(frozen=True)
class NetworkResult:
    """A network's figures: per area, per facility (load) and in summary."""

    areas: pd.DataFrame
    load: pd.DataFrame
    summary: dict[str, float] = field(default_factory=dict)
    #: The unit of the areas' distances to care (``care_{unit}``, ``hospital_{unit}``).
    unit: str = "km"


#: Summary figures, in display order, and whether a rise is good (for the sign of a change; None
#: where a change is neither). A what-if changes facilities, never insured counts, so people move
#: between the double-gap classes only from far to near care or back: more people "covered and
#: near" or "uninsured but near" means fewer far from care (better access); more "insured but
#: far" or "uninsured and far" means worse.
SUMMARY_FIGURES: dict[str, bool | None] = {
    "facilities_counted": True,
    "supply_total": True,
    "people_near_care": True,
    "share_near_care": True,
    "people_referral_gap": False,
    "access_mean": True,
    "people_no_supply": False,
    "people_per_supply": False,
    "facilities_overloaded": False,
    "max_load_ratio": False,
    **{
        f"people_{c}": {"covered_near": True, "uninsured_near": True, "no_data": None}.get(c, False)
        for c in access.DOUBLE_GAP_CLASSES
    },
}
#: Changes smaller than this share of the larger of before and after (or 1e-9 absolute) are
#: rounding, not a change: they get no verdict.
CHANGE_TOLERANCE = 1e-9


def service_facilities(facilities: gpd.GeoDataFrame, settings: NetworkSettings) -> gpd.GeoDataFrame:
    """The facilities whose capacity ``settings`` measure (access scores and load): the counted
    ones (:func:`analytics.access.available_facilities`) of ``settings.service_types``, in the
    row order travel ``pairs`` for :func:`evaluate_network` refer to."""
    counted = access.available_facilities(facilities)
    return counted[counted["type"].isin(list(settings.service_types)).to_numpy()]


def evaluate_network(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    settings: NetworkSettings,
    coverage: pd.Series | None = None,
    *,
    travel: TravelTimes | None = None,
) -> NetworkResult:
    """Access, referral gaps, double-gap classes and load of one facility network.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_id`` and ``population``. Not modified.
    facilities : geopandas.GeoDataFrame
        Every facility (the ones that count are chosen with
        :func:`analytics.access.available_facilities`: operational, or no status). Not modified.
    settings : NetworkSettings
    coverage : pandas.Series, optional
        Insured share per area, aligned on ``areas``' index; without it every area's double-gap
        class is ``no_data``.
    travel : TravelTimes, optional
        The network's trips in minutes, required when ``settings.catchment_unit`` is ``min``:
        the distances to care, near care and referral gaps then come from ``travel.nearest``
        (thresholds in minutes), the 2SFCA access and the load from ``travel.pairs`` (the
        catchment and the decay's zones in minutes).

    Returns
    -------
    NetworkResult
        ``areas``: ``area_id``, ``population``, ``care_{unit}``, ``hospital_{unit}`` (km, or
        minutes of travel), ``near_care``,
        ``referral_gap``, ``access`` (supply per ``per`` people, 2SFCA/E2SFCA), ``double_gap``;
        ``load``: :func:`analytics.capacity.facility_load` of the service's facilities with
        ``facility_id``, ``name``, ``type`` and ``overloaded``; ``summary``: see
        :data:`SUMMARY_FIGURES`.
    """
    unit = settings.catchment_unit
    if unit not in ("km", "min"):
        raise ValueError(f"catchment_unit must be 'km' or 'min', got {unit!r}")
    if unit == "min" and travel is None:
        raise ValueError("a network judged in minutes needs its travel times")
    in_minutes = travel if unit == "min" else None
    counted = access.available_facilities(facilities)
    # One measuring point per area for every figure (distances, 2SFCA, load).
    points = distance.area_points(areas)
    measured = access.access_by_area(
        areas,
        counted,
        near_km=settings.near_km,
        referral_km=settings.referral_km,
        covered_at=settings.covered_at,
        coverage=coverage,
        points=points,
        nearest=None if in_minutes is None else in_minutes.nearest,
        unit=unit,
    )
    service = service_facilities(facilities, settings)
    pairs = None if in_minutes is None else in_minutes.pairs
    decay = default_decay(settings.catchment_km) if settings.decay else None
    supply = settings.supply if settings.supply in service.columns else None
    capacity = fca.two_step_fca(
        areas,
        service,
        catchment_km=settings.catchment_km,
        supply=supply,
        decay=decay,
        per=settings.per,
        points=points,
        pairs=pairs,
    )
    load = facility_load(
        areas,
        service,
        catchment_km=settings.catchment_km,
        supply=supply,
        decay=decay,
        reference=settings.reference,
        points=points,
        pairs=pairs,
    )
    population = measured["population"]
    per_area = measured[
        ["area_id", "population", f"care_{unit}", f"hospital_{unit}", "near_care", "referral_gap"]
    ].copy()
    per_area["access"] = capacity["access"].to_numpy()
    per_area["double_gap"] = measured["double_gap"].to_numpy()
    per_area = per_area.reset_index(drop=True)

    facts = dict(load.attrs)
    load = load.copy()
    for column in ("name", "type"):
        if column in service:
            load[column] = service[column].to_numpy()
    load["overloaded"] = (load["load_ratio"] >= settings.overload_at).fillna(False).astype(bool)
    load = load.reset_index(drop=True)
    load.attrs = facts

    known = population.notna().to_numpy()
    pop = per_area["population"].fillna(0.0)
    total = float(pop.sum())
    figures = access.access_summary(measured)
    summary: dict[str, float] = {
        "facilities_counted": float(len(service)),
        "supply_total": float(load["supply"].sum(min_count=1)) if len(load) else 0.0,
        "people_near_care": figures["people_near_care"],
        "share_near_care": figures["share_near_care"],
        "people_referral_gap": figures["people_referral_gap"],
        "access_mean": float(np.average(per_area["access"][known], weights=pop[known]))
        if total > 0
        else np.nan,
        "people_no_supply": float(pop[per_area["access"] <= 0].sum()),
        "people_per_supply": float(load.attrs.get("reference_value", np.nan))
        if settings.reference == "pooled"
        else _pooled(load),
        "facilities_overloaded": float(load["overloaded"].sum()),
        "max_load_ratio": float(load["load_ratio"].max())
        if load["load_ratio"].notna().any()
        else np.nan,
        **{f"people_{c}": figures[f"people_{c}"] for c in access.DOUBLE_GAP_CLASSES},
    }
    return NetworkResult(areas=per_area, load=load, summary=summary, unit=unit)


def _pooled(load: pd.DataFrame) -> float:
    supply = load["supply"].where(load["supply"] > 0)
    total = float(supply.sum())
    allocated = float(load["allocated_population"].where(supply.notna()).sum())
    return allocated / total if total > 0 else np.nan


def compare_networks(before: NetworkResult, after: NetworkResult) -> pd.DataFrame:
    """Summary figures side by side: ``figure``, ``before``, ``after``, ``change`` and
    ``better`` (True when the change is an improvement, False when worse, NA when there is no
    change beyond :data:`CHANGE_TOLERANCE` or the figure has no direction)."""
    names = list(SUMMARY_FIGURES)
    b = np.array([before.summary.get(n, np.nan) for n in names], dtype="float64")
    a = np.array([after.summary.get(n, np.nan) for n in names], dtype="float64")
    change = a - b
    direction = np.array(
        [0 if SUMMARY_FIGURES[n] is None else (1 if SUMMARY_FIGURES[n] else -1) for n in names]
    )
    scale = np.fmax(np.abs(np.nan_to_num(a)), np.abs(np.nan_to_num(b)))
    moved = np.abs(np.nan_to_num(change)) > np.fmax(CHANGE_TOLERANCE * scale, 1e-9)
    better = pd.array(direction * np.sign(np.nan_to_num(change)) > 0, dtype="boolean")
    better[~moved | (direction == 0)] = pd.NA
    return pd.DataFrame(
        {"figure": names, "before": b, "after": a, "change": change, "better": better}
    )


def area_changes(before: NetworkResult, after: NetworkResult) -> pd.DataFrame:
    """Per area, before and after side by side: ``care_{unit}``, ``hospital_{unit}`` (the
    networks' unit, km or min), ``access``, ``referral_gap``, ``double_gap`` (``_before`` /
    ``_after``), ``access_change`` and ``changed`` (any of them differs)."""
    if before.unit != after.unit:
        raise ValueError(f"networks measured in {before.unit} and {after.unit} do not compare")
    left = before.areas.set_index("area_id")
    right = after.areas.set_index("area_id").reindex(left.index)
    out = pd.DataFrame({"population": left["population"]})
    changed = pd.Series(False, index=left.index)
    measured = (f"care_{before.unit}", f"hospital_{before.unit}", "access")
    for column in (*measured, "referral_gap", "double_gap"):
        out[f"{column}_before"] = left[column]
        out[f"{column}_after"] = right[column]
        if column in measured:
            lb = left[column].astype("float64")
            ra = right[column].astype("float64")
            diff = ~np.isclose(lb.fillna(-1.0), ra.fillna(-1.0), rtol=1e-9, atol=1e-12)
        else:
            diff = left[column].astype(str) != right[column].astype(str)
        changed |= np.asarray(diff, dtype=bool)
    out["access_change"] = out["access_after"] - out["access_before"]
    out["changed"] = changed.to_numpy()
    return out.reset_index()


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario evaluated: the network before and after, and the facilities after."""

    changes: tuple[Change, ...]
    facilities_after: gpd.GeoDataFrame
    before: NetworkResult
    after: NetworkResult

    @property
    def comparison(self) -> pd.DataFrame:
        return compare_networks(self.before, self.after)

    @property
    def by_area(self) -> pd.DataFrame:
        return area_changes(self.before, self.after)


def run_scenario(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    changes: Sequence[Change] | pd.DataFrame,
    settings: NetworkSettings,
    coverage: pd.Series | None = None,
    *,
    before: NetworkResult | None = None,
    travel: TravelMeasure | None = None,
) -> ScenarioResult:
    """Evaluate the network as it is and after ``changes`` (see
    :func:`analytics.scenarios.apply_changes`); the inputs are not modified. ``before`` may pass
    the baseline already computed with the same settings. Judged in minutes
    (``settings.catchment_unit``), each network is measured by ``travel``: the one after the
    changes with its closures gone and its new sites reached like any facility."""
    listed = tuple(changes_from_frame(changes) if isinstance(changes, pd.DataFrame) else changes)
    after_facilities = apply_changes(facilities, list(listed))
    base = (
        before if before is not None else _evaluate(areas, facilities, settings, coverage, travel)
    )
    after = _evaluate(areas, after_facilities, settings, coverage, travel)
    return ScenarioResult(listed, after_facilities, base, after)


def _evaluate(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    settings: NetworkSettings,
    coverage: pd.Series | None,
    travel: TravelMeasure | None,
) -> NetworkResult:
    """:func:`evaluate_network`, its travel times measured by ``travel`` when it judges in
    minutes."""
    times = travel(facilities) if travel is not None and settings.catchment_unit == "min" else None
    return evaluate_network(areas, facilities, settings, coverage, travel=times)


def compare_scenarios(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    scenarios: Mapping[str, Sequence[Change] | pd.DataFrame],
    settings: NetworkSettings,
    coverage: pd.Series | None = None,
    *,
    baseline: NetworkResult | None = None,
    travel: TravelMeasure | None = None,
) -> pd.DataFrame:
    """Every scenario against the network as it is: one row per scenario (in the order given),
    with each summary figure after the scenario (``{figure}``) and its change
    (``{figure}_change``); the first row is the network as it is (``scenario`` = ``""``).

    ``scenarios`` maps a label to its changes (a list, or rows of the ``scenarios`` table).
    A scenario that can no longer be applied (it names a facility a later import removed, or
    a new site whose id is now taken) does not stop the others: its row has ``applicable``
    False, the ``reason``, the ``missing`` facility ids (comma-separated) and no figures.
    Judged in minutes, every network is measured by ``travel`` (see :func:`run_scenario`).
    """
    base = baseline or _evaluate(areas, facilities, settings, coverage, travel)
    rows: list[dict[str, object]] = [
        {"scenario": "", "n_changes": 0, "applicable": True, "reason": None, "missing": None}
        | base.summary
    ]
    for label, changes in scenarios.items():
        try:
            result = run_scenario(
                areas, facilities, changes, settings, coverage, before=base, travel=travel
            )
        except ValueError as exc:
            missing = exc.facility_ids if isinstance(exc, MissingFacilityError) else ()
            rows.append(
                {
                    "scenario": label,
                    "n_changes": len(changes),
                    "applicable": False,
                    "reason": str(exc),
                    "missing": ", ".join(missing) or None,
                }
            )
            continue
        row: dict[str, object] = {
            "scenario": label,
            "n_changes": len(result.changes),
            "applicable": True,
            "reason": None,
            "missing": None,
        }
        for name in SUMMARY_FIGURES:
            row[name] = result.after.summary.get(name, np.nan)
            row[f"{name}_change"] = result.after.summary.get(name, np.nan) - base.summary.get(
                name, np.nan
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    for name in SUMMARY_FIGURES:
        if f"{name}_change" not in out:
            out[f"{name}_change"] = np.nan
        out.loc[0, f"{name}_change"] = 0.0
    return out
