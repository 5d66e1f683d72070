"""Capacity within reach: the two-step floating catchment area (2SFCA), or E2SFCA with a distance
decay, and the area–facility links within the catchment that the load model of
:mod:`analytics.capacity` shares with it.

Distances follow :mod:`analytics.distance` (its CRS rule: straight lines in a projected CRS in
metres, reported in km), or are travel times: given ``pairs`` (every area–facility pair a trip
fits in, with its minutes, from a travel-time engine such as
:func:`traveltime.workspace.travel_pairs`), the same functions measure in minutes, the catchment
and the decay's zones then in minutes too. One definition, whichever measure feeds it. Nothing here
modifies its inputs; every function returns new frames. No loop runs over areas or facilities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics.distance import _area_points, metric_crs_for, pairs_within, project_points

__all__ = [
    "PAIR_COLUMNS",
    "CatchmentLinks",
    "DecayFunction",
    "catchment_links",
    "gaussian_weights",
    "step_weights",
    "two_step_fca",
]

DecayFunction = Callable[[np.ndarray], np.ndarray]

#: The columns of travel ``pairs``: the area's and the facility's row positions (in the ``areas``
#: and ``facilities`` given) and the trip's minutes. A pair not listed is beyond reach.
PAIR_COLUMNS = ("area", "facility", "minutes")


def step_weights(zones: Sequence[tuple[float, float]]) -> DecayFunction:
    """E2SFCA step decay: ``zones`` is ``[(upper_km, weight), ...]``; a distance ``d`` gets the
    weight of the first zone with ``d <= upper_km`` and 0 beyond the last (the catchment)."""
    ordered = sorted((float(u), float(w)) for u, w in zones)
    if not ordered or any(w < 0 for _, w in ordered):
        raise ValueError("zones must be a non-empty list of (upper_km, weight >= 0)")
    uppers = np.array([u for u, _ in ordered])
    weights = np.array([w for _, w in ordered] + [0.0])

    def weight(km: np.ndarray) -> np.ndarray:
        return weights[np.searchsorted(uppers, np.asarray(km, dtype="float64"), side="left")]

    weight.catchment_km = float(uppers[-1])  # type: ignore[attr-defined]
    return weight


def gaussian_weights(sigma_km: float) -> DecayFunction:
    """Gaussian decay ``exp(-d² / (2 σ²))`` (1 at distance 0); combine with a catchment."""
    if not sigma_km > 0:
        raise ValueError(f"sigma_km must be > 0, got {sigma_km!r}")

    def weight(km: np.ndarray) -> np.ndarray:
        d = np.asarray(km, dtype="float64")
        return np.exp(-(d**2) / (2.0 * sigma_km**2))

    return weight


def _supply_values(facilities: gpd.GeoDataFrame, supply: str | None) -> np.ndarray:
    if supply is None:
        return np.ones(len(facilities))
    if supply not in facilities:
        raise ValueError(
            f"facilities has no column {supply!r} for supply; it has {list(facilities.columns)}"
        )
    values = pd.to_numeric(facilities[supply], errors="coerce").astype("float64").to_numpy()
    if (values[~np.isnan(values)] < 0).any():
        raise ValueError(f"facilities column {supply!r} has negative values")
    return values


def two_step_fca(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    catchment_km: float | None,
    supply: str | None = "beds",
    population: str = "population",
    decay: DecayFunction | None = None,
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    per: float = 1000.0,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Capacity-aware access: two-step floating catchment area (2SFCA), or E2SFCA with decay.

    Step 1, for each facility ``j``: ``R_j = S_j / Σ_k P_k W(d_kj)`` over the areas ``k`` within the
    catchment. Step 2, for each area ``i``: ``A_i = Σ_j R_j W(d_ij)`` over the facilities within the
    catchment. ``W`` is 1 (plain 2SFCA) or ``decay`` (E2SFCA). The result is ``A_i × per``, e.g.
    beds per 1,000 people reachable. With an unlimited catchment and no decay every area gets
    ``Σ S / Σ P``. On the same distances this equals pysal ``access``'s ``two_stage_fca`` /
    ``enhanced_two_stage_fca`` (which report NaN where we report 0: an area with no facility in
    reach has no supply).

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with a ``population`` column (missing population: no demand). Not modified.
    facilities : geopandas.GeoDataFrame
        Facilities that count (see :func:`analytics.access.available_facilities`). Not modified.
    catchment_km : float or None
        Catchment radius (inclusive) in km, or in minutes with ``pairs``; None for unlimited. With
        a step ``decay`` the catchment is also capped by its last zone (its weight is 0 beyond it).
    supply : str or None, default "beds"
        Facility column with the supply (beds, staff, desks); None counts each facility as 1.
        Facilities whose supply is missing are left out (reported in ``attrs``).
    population : str, default "population"
        Areas column with the demand.
    decay : callable, optional
        Vectorised weight of a distance in km (see :func:`step_weights`,
        :func:`gaussian_weights`).
    points, crs
        As for :func:`analytics.distance.nearest_facility_km`.
    per : float, default 1000
        Scale of the result (per ``per`` people).
    pairs : pandas.DataFrame, optional
        Travel times instead of straight lines: :data:`PAIR_COLUMNS` (``area`` and ``facility``
        row positions, ``minutes``), every pair a trip fits in at least up to the catchment;
        unlisted pairs (and infinite minutes) are beyond reach. ``points`` and ``crs`` are then
        not used.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``areas``: ``access`` (supply per ``per`` people reachable; 0 where no facility
        is in reach), ``n_facilities`` (within the catchment), ``supply_in_reach`` (Σ S_j W(d_ij)).
        ``attrs["n_missing_supply"]`` counts facilities left out for a missing supply value; a
        facility whose catchment holds no demand serves no one (R_j = 0).
    """
    links = catchment_links(
        areas,
        facilities,
        catchment_km=catchment_km,
        supply=supply,
        population=population,
        decay=decay,
        points=points,
        crs=crs,
        pairs=pairs,
    )
    i, j, w = links.area, links.facility, links.weight
    values, demand = links.supply, links.demand
    demand_in_reach = links.catchment_demand
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand_in_reach > 0, values / demand_in_reach, 0.0)
    n_areas = len(demand)
    score = np.bincount(i, weights=ratio[j] * w, minlength=n_areas)
    out = pd.DataFrame(
        {
            "access": score * per,
            "n_facilities": np.bincount(i, minlength=n_areas).astype("int64"),
            "supply_in_reach": links.supply_in_reach,
        },
        index=areas.index,
    )
    out.attrs["n_missing_supply"] = int((~links.kept).sum())
    return out


@dataclass(frozen=True)
class CatchmentLinks:
    """Every (area, facility) pair within the catchment, with its distance and weight.

    The common ground of :func:`two_step_fca` and the load model of :mod:`analytics.capacity`:
    both are sums over these links, so they always agree on who is within reach of what.

    Attributes
    ----------
    area, facility : numpy.ndarray
        Positions of the pair's area (row of ``areas``) and facility (row of the *kept*
        facilities, see ``kept``).
    km, weight : numpy.ndarray
        Distance of the pair in km (its travel minutes when measured by ``pairs``), and its
        weight ``W(d)`` (1 without decay).
    demand : numpy.ndarray
        Population per area (missing counts as 0: no demand).
    supply : numpy.ndarray
        Supply per kept facility.
    kept : numpy.ndarray
        Boolean mask over the input facilities: those with a known supply value.
    """

    area: np.ndarray
    facility: np.ndarray
    km: np.ndarray
    weight: np.ndarray
    demand: np.ndarray
    supply: np.ndarray
    kept: np.ndarray

    @property
    def catchment_demand(self) -> np.ndarray:
        """Per kept facility: ``Σ_k P_k W(d_kj)``, the people in its catchment (2SFCA step 1)."""
        return np.bincount(
            self.facility, weights=self.demand[self.area] * self.weight, minlength=len(self.supply)
        )

    @property
    def supply_in_reach(self) -> np.ndarray:
        """Per area: ``Σ_j S_j W(d_ij)``, the supply within its reach."""
        return np.bincount(
            self.area, weights=self.supply[self.facility] * self.weight, minlength=len(self.demand)
        )


def catchment_links(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    catchment_km: float | None,
    supply: str | None = "beds",
    population: str = "population",
    decay: DecayFunction | None = None,
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    pairs: pd.DataFrame | None = None,
) -> CatchmentLinks:
    """The area–facility pairs within the catchment (see :func:`two_step_fca` for the
    parameters). Facilities with a missing supply value are left out (``kept`` is False)."""
    if population not in areas:
        raise ValueError(f"areas has no column {population!r}; it has {list(areas.columns)}")
    values = _supply_values(facilities, supply)
    known = ~np.isnan(values)
    fac = facilities.loc[known]
    values = values[known]
    demand = pd.to_numeric(areas[population], errors="coerce").astype("float64").fillna(0.0)
    demand = demand.to_numpy()
    reach = catchment_km
    step_catchment = getattr(decay, "catchment_km", None)
    if step_catchment is not None:
        reach = step_catchment if reach is None else min(reach, step_catchment)
    if pairs is not None:
        i, j, d = _travel_pairs_within(pairs, known, len(areas), reach)
    elif len(fac):
        metric = metric_crs_for({"areas": areas, "facilities": facilities}, crs)
        origin = _area_points(areas, points, metric)
        dest = project_points(fac, metric, what="facilities")
        i, j, d = pairs_within(origin, dest, reach)
    else:
        i = j = np.zeros(0, dtype=np.intp)
        d = np.zeros(0)
    w = np.ones_like(d) if decay is None else np.asarray(decay(d), dtype="float64")
    return CatchmentLinks(
        area=i, facility=j, km=d, weight=w, demand=demand, supply=values, kept=known
    )


def _travel_pairs_within(
    pairs: pd.DataFrame, kept: np.ndarray, n_areas: int, reach: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(area, kept facility, minutes)`` of the travel ``pairs`` within ``reach`` minutes
    (inclusive; None: every finite pair), facility positions renumbered over the kept ones."""
    missing = [c for c in PAIR_COLUMNS if c not in pairs]
    if missing:
        raise ValueError(f"pairs needs the columns {list(PAIR_COLUMNS)}; missing {missing}")
    area = pairs["area"].to_numpy("int64")
    facility = pairs["facility"].to_numpy("int64")
    minutes = pd.to_numeric(pairs["minutes"], errors="coerce").to_numpy("float64")
    n_fac = len(kept)
    if ((area < 0) | (area >= n_areas)).any() or ((facility < 0) | (facility >= n_fac)).any():
        raise ValueError("pairs hold an area or facility position outside the tables given")
    ok = np.isfinite(minutes) & (minutes >= 0) & kept[facility]
    if reach is not None:
        ok &= minutes <= float(reach)
    renumber = np.cumsum(kept) - 1
    return area[ok].astype(np.intp), renumber[facility[ok]].astype(np.intp), minutes[ok]
