"""Access to care: which facilities count, referral gaps, double gaps, facility needs, and the
access figures per area and in summary that every page and document shares.

The distances these classes read (nearest facility per set, in km) come from
:mod:`analytics.distance`, which also states the CRS rule every function taking frames follows;
capacity within reach (2SFCA) is in :mod:`analytics.fca`. The default thresholds of every access
measure are here.

Nothing here modifies its inputs; every function returns new frames. Loops run over facility
types or distance zones, never over areas.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics.distance import nearest_facility_km
from analytics.priority import has_population

__all__ = [
    "CARE_TYPES",
    "CATCHMENT_KM",
    "CATCHMENT_MIN",
    "COVERED_AT",
    "DISTANCE_SETS",
    "DOUBLE_GAP_CLASSES",
    "NEAR_KM",
    "REFERRAL_KM",
    "access_by_area",
    "access_classes",
    "access_summary",
    "available_facilities",
    "double_gap",
    "double_gap_summary",
    "facility_needs",
    "referral_gap",
]

#: Facility types that give primary or referral care (insurance offices and pharmacies do not).
CARE_TYPES: tuple[str, ...] = ("hospital", "polyclinic", "clinic", "health_post")

#: The default thresholds of every access measure, wherever it is shown (pages, briefings, command
#: line): care within this distance is near (km)...
NEAR_KM = 2.0
#: ...a hospital within this distance is within reach for referral (km)...
REFERRAL_KM = 10.0
#: ...a facility serves the areas within this distance (2SFCA and load catchment, km)...
CATCHMENT_KM = 10.0
#: ...and an area at or above this coverage counts as covered (double-gap classes).
COVERED_AT = 0.9
#: In travel time (#19): care within this many minutes is near, a hospital within this many
#: minutes is within reach for referral, a facility serves the areas within this many minutes
#: (2SFCA and load catchment).
NEAR_MIN = 30.0
REFERRAL_MIN = 60.0
CATCHMENT_MIN = 30.0
#: What the nearest-facility columns measure: straight-line km or travel minutes.
UNITS: tuple[str, ...] = ("km", "min")

#: Facility sets whose nearest member every area is measured to (``{name}_km``, ``{name}_id``).
DISTANCE_SETS: dict[str, tuple[str, ...]] = {
    "care": CARE_TYPES,
    "hospital": ("hospital",),
    "clinic": ("clinic", "polyclinic", "health_post"),
    "insurance_office": ("insurance_office",),
}

#: Double-gap classes, in display order.
DOUBLE_GAP_CLASSES: tuple[str, ...] = (
    "covered_near",
    "insured_far",
    "uninsured_near",
    "both",
    "no_data",
)

# --------------------------------------------------------------------------------------------------
# which facilities count
# --------------------------------------------------------------------------------------------------


def available_facilities(
    facilities: gpd.GeoDataFrame,
    *,
    types: Iterable[str] | None = None,
    under_construction: bool = False,
    as_of: object = None,
    planned: bool = False,
) -> gpd.GeoDataFrame:
    """The facilities that count for access, as a filtered copy.

    Operational facilities count, and so do facilities with no ``status`` column or a missing
    status (a register of existing centres rarely says "operational"). Closed facilities never
    count. What-if: with ``under_construction=True``, facilities under construction count from
    their opening date (``opens_on``): all of them when ``as_of`` is None (as if every one had
    opened), else those with ``opens_on <= as_of`` (one without an opening date does not count
    then). ``planned=True`` adds planned facilities the same way.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame
        Facilities table (``type``; optional ``status``, ``opens_on``).
    types : iterable of str, optional
        Keep only these types.
    under_construction, planned : bool, default False
        Count facilities with that status (what-if).
    as_of : date-like, optional
        The date at which the network is seen.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows that count (same columns, index and CRS).
    """
    keep = pd.Series(True, index=facilities.index)
    if types is not None:
        keep &= facilities["type"].isin(list(types)).fillna(False).astype(bool)
    if "status" in facilities:
        status = facilities["status"].astype("string").fillna("operational")
        counts = status.eq("operational")
        wanted = [
            name
            for name, on in (("under_construction", under_construction), ("planned", planned))
            if on
        ]
        if wanted:
            pending = status.isin(wanted)
            if as_of is not None:
                if "opens_on" in facilities:
                    opens = pd.to_datetime(facilities["opens_on"], errors="coerce")
                    pending &= (opens <= pd.Timestamp(as_of)).fillna(False).astype(bool)
                else:
                    pending &= False
            counts |= pending
        keep &= counts.fillna(False).astype(bool)
    return facilities.loc[keep.to_numpy()]


# --------------------------------------------------------------------------------------------------
# referral gap, double gap and needs
# --------------------------------------------------------------------------------------------------


def referral_gap(distance_km: pd.Series, km: float) -> pd.Series:
    """True where no hospital lies within ``km`` (inclusive), or there is none at all."""
    dist = pd.to_numeric(distance_km, errors="coerce").astype("float64")
    return ~(dist <= km).fillna(False).astype(bool)


def double_gap(
    coverage: pd.Series, distance_km: pd.Series, *, covered_at: float, near_km: float
) -> pd.Series:
    """Class each area by insurance and by distance to care.

    Parameters
    ----------
    coverage : pandas.Series
        Insured share of the population (0–1; NaN when unknown).
    distance_km : pandas.Series
        Distance to the nearest care facility (NaN: none at all = far), same index.
    covered_at : float
        Coverage at or above which an area counts as covered (e.g. the target).
    near_km : float
        Distance at or below which care counts as near (inclusive).

    Returns
    -------
    pandas.Series
        Per area one of :data:`DOUBLE_GAP_CLASSES`: ``covered_near`` (covered and near care),
        ``insured_far`` (covered but far from care), ``uninsured_near`` (near care but not
        covered), ``both`` (neither), ``no_data`` (coverage unknown).
    """
    cov = pd.to_numeric(coverage, errors="coerce").astype("float64")
    dist = pd.to_numeric(distance_km, errors="coerce").astype("float64").reindex(cov.index)
    covered = (cov >= covered_at).to_numpy()
    near = (dist <= near_km).fillna(False).to_numpy(dtype=bool)
    classes = np.select(
        [cov.isna().to_numpy(), covered & near, covered & ~near, ~covered & near],
        ["no_data", "covered_near", "insured_far", "uninsured_near"],
        default="both",
    )
    return pd.Series(classes, index=cov.index, name="double_gap", dtype="str")


def double_gap_summary(
    classes: pd.Series, population: pd.Series, uninsured: pd.Series | None = None
) -> pd.DataFrame:
    """Areas and people in each double-gap class (every class listed, in display order)."""
    pop = pd.to_numeric(population, errors="coerce").astype("float64")
    frame = pd.DataFrame({"double_gap": classes, "population": pop})
    if uninsured is not None:
        frame["uninsured"] = pd.to_numeric(uninsured, errors="coerce").astype("float64")
    grouped = frame.groupby("double_gap", sort=False)
    summary = pd.DataFrame(
        {
            "n_areas": grouped.size(),
            "population": grouped["population"].sum(min_count=1),
            **(
                {"uninsured": grouped["uninsured"].sum(min_count=1)}
                if uninsured is not None
                else {}
            ),
        }
    ).reindex(list(DOUBLE_GAP_CLASSES))
    summary["n_areas"] = summary["n_areas"].fillna(0).astype("int64")
    summary["population"] = summary["population"].fillna(0.0)
    return summary.rename_axis("double_gap").reset_index()


def facility_needs(
    table: pd.DataFrame,
    *,
    distance_column: str,
    near_km: float,
    population: str = "population",
    weight: str | None = None,
) -> pd.DataFrame:
    """Areas beyond ``near_km`` of care, most people affected first.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per area with ``population``, ``distance_column`` and any columns to carry along
        (name, capacity, uninsured...).
    distance_column : str
        Distance to the nearest facility in km (NaN: none at all).
    near_km : float
        Areas farther than this (strictly) need a facility.
    weight : str, optional
        Column to rank by instead of ``population`` (e.g. ``uninsured``).

    Returns
    -------
    pandas.DataFrame
        The areas that need a facility, sorted by people affected (desc), then distance (desc),
        with a 1-based ``rank``; a copy. Areas without population are no rank
        (:func:`analytics.priority.has_population`): they are left out, for the caller to list
        apart.
    """
    dist = pd.to_numeric(table[distance_column], errors="coerce").astype("float64")
    far = ~(dist <= near_km).fillna(False).astype(bool)
    far &= has_population(table[population]).to_numpy()
    key = weight or population
    needs = table.loc[far.to_numpy()].copy()
    needs["_people"] = pd.to_numeric(needs[key], errors="coerce").astype("float64")
    needs["_dist"] = dist[far.to_numpy()].fillna(np.inf)
    needs = needs.sort_values(["_people", "_dist"], ascending=False, na_position="last")
    needs = needs.drop(columns=["_people", "_dist"])
    needs.insert(0, "rank", np.arange(1, len(needs) + 1))
    return needs


# --------------------------------------------------------------------------------------------------
# the access measures, one definition for every page and document
# --------------------------------------------------------------------------------------------------


def access_by_area(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    near_km: float,
    referral_km: float,
    covered_at: float = 1.0,
    coverage: pd.Series | None = None,
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    nearest: pd.DataFrame | None = None,
    unit: str = "km",
) -> pd.DataFrame:
    """Every area's access figures: the one definition the pages, briefings and exports share.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_id`` and ``population``. Not modified.
    facilities : geopandas.GeoDataFrame
        The facilities that count, from :func:`available_facilities` (its statuses and date are
        the caller's one choice of network). Not modified.
    near_km : float
        Care (:data:`CARE_TYPES`) within this distance (inclusive) is near.
    referral_km : float
        No hospital within this distance (inclusive) is a referral gap.
    covered_at : float, default 1.0
        Coverage at or above which an area counts as covered (double-gap classes).
    coverage : pandas.Series, optional
        Insured share per area, aligned on ``areas``' index (NaN or absent: ``no_data``).
    points, crs
        As for :func:`analytics.distance.nearest_facility_km`; by default the areas are measured
        from :func:`analytics.distance.area_points`.
    nearest : pandas.DataFrame, optional
        The nearest facility of each of :data:`DISTANCE_SETS` measured otherwise, indexed like
        ``areas``: ``{name}_{unit}`` and ``{name}_id`` (e.g. travel minutes over the road network,
        ``unit="min"``); by default the straight-line km of
        :func:`analytics.distance.nearest_facility_km`.
    unit : {"km", "min"}, default "km"
        What ``nearest`` measures; ``near_km`` and ``referral_km`` are in the same unit.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``areas``: ``area_id``, ``population``, ``coverage``, for each of
        :data:`DISTANCE_SETS` ``{name}_{unit}`` and ``{name}_id``, ``near_care`` (bool),
        ``referral_gap`` (bool) and ``double_gap`` (one of :data:`DOUBLE_GAP_CLASSES`).
    """
    if nearest is None:
        if unit != "km":
            raise ValueError(f"unit {unit!r} needs the nearest table measured in it")
        nearest = nearest_facility_km(
            areas,
            facilities,
            types=[],
            groups={name: list(members) for name, members in DISTANCE_SETS.items()},
            points=points,
            crs=crs,
        )
    cov = (
        pd.Series(np.nan, index=areas.index)
        if coverage is None
        else pd.to_numeric(coverage, errors="coerce").astype("float64").reindex(areas.index)
    )
    out = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "population": pd.to_numeric(areas["population"], errors="coerce")
            .astype("float64")
            .to_numpy(),
            "coverage": cov.to_numpy(),
        },
        index=areas.index,
    )
    out = pd.concat([out, nearest], axis=1)
    classes = access_classes(
        out, cov, near_km=near_km, referral_km=referral_km, covered_at=covered_at, unit=unit
    )
    return pd.concat([out, classes], axis=1)


def access_classes(
    distances: pd.DataFrame,
    coverage: pd.Series | None,
    *,
    near_km: float,
    referral_km: float,
    covered_at: float = 1.0,
    unit: str = "km",
) -> pd.DataFrame:
    """Per area: ``near_care``, ``referral_gap`` and ``double_gap``, from its ``care_km`` and
    ``hospital_km`` (see :func:`access_by_area`, which measures them) and its coverage
    (aligned on ``distances``' index; None: ``no_data``). With ``unit="min"`` they come from
    ``care_min`` and ``hospital_min`` (travel minutes) and the thresholds are minutes."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    cov = (
        pd.Series(np.nan, index=distances.index)
        if coverage is None
        else pd.to_numeric(coverage, errors="coerce").astype("float64").reindex(distances.index)
    )
    care = pd.to_numeric(distances[f"care_{unit}"], errors="coerce").astype("float64")
    return pd.DataFrame(
        {
            "near_care": (care <= near_km).fillna(False).astype(bool).to_numpy(),
            "referral_gap": referral_gap(distances[f"hospital_{unit}"], referral_km).to_numpy(),
            "double_gap": double_gap(cov, care, covered_at=covered_at, near_km=near_km).to_numpy(),
        },
        index=distances.index,
    )


def access_summary(per_area: pd.DataFrame) -> dict[str, float]:
    """The headline access figures of :func:`access_by_area`'s table (or any subset of its rows).

    People are the areas' known populations (a missing population counts in no figure); areas
    are counted whatever their population.

    Returns
    -------
    dict
        ``people_total``; ``people_near_care``, ``share_near_care`` (of the people with a known
        population; NaN when there are none), ``areas_near_care``; ``people_beyond_care`` and
        ``areas_beyond_care`` (the rest); ``people_referral_gap`` and ``areas_referral_gap``;
        ``people_{class}`` and ``areas_{class}`` for each of :data:`DOUBLE_GAP_CLASSES`.
    """
    known = pd.to_numeric(per_area["population"], errors="coerce").astype("float64")
    pop = known.fillna(0.0)
    near = per_area["near_care"].to_numpy(dtype=bool)
    gap = per_area["referral_gap"].to_numpy(dtype=bool)
    by_class = double_gap_summary(per_area["double_gap"], known).set_index("double_gap")
    near_people = float(pop[near].sum())
    total = float(known.sum())
    return {
        "people_total": total,
        "people_near_care": near_people,
        "share_near_care": near_people / total if total > 0 else float("nan"),
        "areas_near_care": int(near.sum()),
        "people_beyond_care": total - near_people,
        "areas_beyond_care": int((~near).sum()),
        "people_referral_gap": float(pop[gap].sum()),
        "areas_referral_gap": int(gap.sum()),
        **{f"people_{c}": float(by_class.loc[c, "population"]) for c in DOUBLE_GAP_CLASSES},
        **{f"areas_{c}": int(by_class.loc[c, "n_areas"]) for c in DOUBLE_GAP_CLASSES},
    }
