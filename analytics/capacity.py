"""Facility capacity and load: people per bed, per facility and per branch office, facilities that
carry more than their share, and activity per unit of supply.

The load model rests on the same area–facility links as the capacity-aware access model
(:func:`analytics.fca.catchment_links`, the ground of 2SFCA), so the two always agree on who is
within reach of what. For each facility ``j`` with supply ``S_j`` (beds, staff, desks, or 1 per
facility) and each area ``i`` with population ``P_i`` and link weight ``W_ij`` (1, or a distance
decay):

``catchment_population_j = Σ_i P_i W_ij``
    Everyone within reach of the facility (2SFCA step 1). A resident within reach of three
    facilities is in all three catchments, so these do not add up to the population.
``allocated_population_j = Σ_i P_i · S_j W_ij / Σ_k S_k W_ik``
    Each area's residents shared among the facilities within its reach in proportion to their
    weighted supply: everyone is counted once, so the allocations add up to the population within
    reach of at least one facility.
``people_per_supply_j = allocated_population_j / S_j``
    People per bed (or per member of staff, desk, facility).
``load_ratio_j = people_per_supply_j / reference``
    ``reference`` is the region's people per unit of supply: ``Σ_j allocated_j / Σ_j S_j``
    (``"pooled"``, the default), or the median over the facilities (``"median"``). A load ratio of
    2 means the facility serves twice as many people per bed as the region does; it *carries more
    than its share* from ``overload_at`` (1.5 by default).

Utilisation over time is :mod:`analytics.utilisation`; what-if changes to the network are
:mod:`analytics.scenarios` and their evaluation :mod:`analytics.whatif`. Nothing here modifies its
inputs; no loop runs over areas or facilities.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import fca

__all__ = [
    "LOAD_REFERENCES",
    "SUPPLY_COLUMNS",
    "default_decay",
    "facility_load",
    "utilisation_per_supply",
]

#: Facility columns that can hold supply (what an upgrade changes).
SUPPLY_COLUMNS: tuple[str, ...] = ("beds", "staff", "desks")
LOAD_REFERENCES: tuple[str, ...] = ("pooled", "median")


# --------------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------------


def default_decay(catchment_km: float) -> fca.DecayFunction:
    """The E2SFCA step decay the app uses: weight 1 in the nearest third of the catchment, 0.68 in
    the middle third and 0.22 in the far third (as on the Infrastructure needs page)."""
    c = float(catchment_km)
    return fca.step_weights([(c / 3, 1.0), (2 * c / 3, 0.68), (c, 0.22)])


def facility_load(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    catchment_km: float | None,
    supply: str | None = "beds",
    population: str = "population",
    decay: fca.DecayFunction | None = None,
    reference: str = "pooled",
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """People each facility serves, per unit of supply, and its load against the region's.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``population`` (missing: no demand). Not modified.
    facilities : geopandas.GeoDataFrame
        The facilities that count (e.g. hospitals from
        :func:`analytics.access.available_facilities`). Not modified.
    catchment_km : float or None
        Reach of a facility (inclusive); None for unlimited.
    supply : str or None, default "beds"
        Facility column with the supply; None counts each facility as 1 (people per facility).
    decay : callable, optional
        Distance weight, as for :func:`analytics.fca.two_step_fca`.
    reference : {"pooled", "median"}, default "pooled"
        What a load ratio of 1 means (see the module docstring).
    points, crs
        As for :func:`analytics.distance.nearest_facility_km`.
    pairs : pandas.DataFrame, optional
        Travel minutes instead of straight lines (the catchment then in minutes), as for
        :func:`analytics.fca.two_step_fca`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``facilities``: ``supply``, ``n_areas`` (areas within reach),
        ``catchment_population``, ``allocated_population``, ``people_per_supply`` and
        ``load_ratio`` (NaN where the supply is missing or 0). ``attrs`` hold ``reference_value``
        (people per unit of supply that counts as the fair share), ``population_within_reach``,
        ``population_total``, ``supply_total`` and ``n_missing_supply``.
    """
    if reference not in LOAD_REFERENCES:
        raise ValueError(f"reference must be one of {LOAD_REFERENCES}, got {reference!r}")
    links = fca.catchment_links(
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
    n_kept = len(values)
    weighted_supply = values[j] * w
    supply_in_reach = links.supply_in_reach
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(supply_in_reach[i] > 0, weighted_supply / supply_in_reach[i], 0.0)
    allocated = np.bincount(j, weights=demand[i] * share, minlength=n_kept)
    reached = np.bincount(j[w > 0], minlength=n_kept).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_supply = np.where(values > 0, allocated / values, np.nan)
    positive = values > 0
    if reference == "pooled":
        total_supply = float(values[positive].sum())
        reference_value = float(allocated.sum()) / total_supply if total_supply > 0 else np.nan
    else:
        finite = per_supply[np.isfinite(per_supply)]
        reference_value = float(np.median(finite)) if len(finite) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (
            per_supply / reference_value
            if np.isfinite(reference_value) and reference_value > 0
            else np.full(n_kept, np.nan)
        )

    def spread(kept_values: np.ndarray) -> np.ndarray:
        out = np.full(len(facilities), np.nan)
        out[links.kept] = kept_values
        return out

    frame = pd.DataFrame(
        {
            "supply": spread(values),
            "n_areas": pd.Series(spread(reached)).astype("Int64").to_numpy(),
            "catchment_population": spread(links.catchment_demand),
            "allocated_population": spread(allocated),
            "people_per_supply": spread(per_supply),
            "load_ratio": spread(ratio),
        },
        index=facilities.index,
    )
    if "facility_id" in facilities:
        frame.insert(0, "facility_id", facilities["facility_id"].to_numpy())
    frame.attrs.update(
        reference=reference,
        reference_value=reference_value,
        population_within_reach=float(demand[supply_in_reach > 0].sum()),
        population_total=float(demand.sum()),
        supply_total=float(values.sum()),
        n_missing_supply=int((~links.kept).sum()),
    )
    return frame


def utilisation_per_supply(
    totals: pd.Series, facilities: pd.DataFrame, supply: str = "beds"
) -> pd.Series:
    """Activity per unit of supply (e.g. visits per bed): ``totals`` (indexed by facility_id)
    divided by the facility's ``supply``; NaN where either is missing or the supply is 0."""
    if supply not in facilities:
        return pd.Series(np.nan, index=totals.index, dtype="float64")
    values = pd.to_numeric(facilities.set_index("facility_id")[supply], errors="coerce").astype(
        "float64"
    )
    values = values[~values.index.duplicated()].reindex(totals.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.to_numeric(totals, errors="coerce").astype("float64") / values.where(values > 0)
    return out
