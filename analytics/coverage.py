"""Insurance coverage per area, per group of areas and over time.

Coverage is always population-weighted: the coverage of a group of areas is the sum of the insured
over the sum of the population of the areas that have both figures, never a mean of area rates.
Missing stays missing: an area without a population or without an insured count for the period is
left out of every rate (and flagged), never counted as zero.

Conventions shared by every function here:

* ``population`` equal to 0 is treated like a missing population (flagged ``no_population``);
  no rate, uninsured count or people-to-target figure is computed for such an area.
* Insured counts are summed over the selected schemes with ``skipna``: an area with a row for the
  period whose insured values are all missing has a missing insured count; an area with no row for
  the period has no insured count at all.
* Insured counts above the population are implausible: the area keeps its insured count, is
  flagged (``data_status`` ``insured_above_population``) and is left out of coverage, uninsured
  and people-to-target figures and of every rate and sum over areas with data, as an area without
  a count is. :func:`counted_in_coverage` tells which areas count.

Recounting after a filter (another month, other schemes, a subset of areas) need not go back to
the insured table: :func:`analytics.insured.build_insured_index` lays the table out once as an
array of counts per period, area and scheme (an :class:`analytics.insured.InsuredIndex`), and
:func:`coverage_by_area` accepts that index in place of the table, with identical results. The
insured counts of one period per area are :func:`analytics.insured.insured_by_area`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics.insured import (
    _INSURED_REQUIRED,
    InsuredIndex,
    _as_float,
    _periods,
    _require_columns,
    _scheme_mask,
    insured_by_area,
    lookup_insured,
)

__all__ = [
    "DATA_STATUSES",
    "aggregate_coverage",
    "coverage_by_area",
    "coverage_over_time",
    "counted_in_coverage",
    "headline_figures",
    "target_series",
]

#: Values of ``data_status``, in the order in which they take precedence.
DATA_STATUSES: tuple[str, ...] = ("no_population", "no_insured", "insured_above_population", "ok")
_AREAS_REQUIRED = ("area_id", "population")
_TARGETS_REQUIRED = ("scope", "period", "target_coverage")
_AREA_COV_REQUIRED = ("population", "insured", "uninsured", "people_to_target", "data_status")
_AGGREGATE_COLUMNS = (
    "n_areas",
    "n_with_data",
    "population",
    "insured",
    "coverage",
    "uninsured",
    "people_to_target",
    "n_flagged",
)
# Rounding applied to target * population before ceil, so that 0.95 * 100 gives 95, not 96.
_CEIL_DECIMALS = 6
_ALL = "__all_areas__"


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _group_keys(by: str | Sequence[str] | None) -> list[str]:
    """Normalise a ``by`` argument to a list of column names (empty for the whole region)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    keys = list(by)
    if any(not isinstance(k, str) for k in keys):
        raise ValueError(f"by must be a column name or a list of column names, got {by!r}")
    return keys


def _check_unique_area_ids(areas: pd.DataFrame) -> None:
    duplicated = areas["area_id"][areas["area_id"].duplicated()]
    if not duplicated.empty:
        raise ValueError(
            f"areas has duplicated area_id values {sorted(map(str, duplicated.unique()))[:10]}; "
            "area_id must be unique"
        )


def _target_per_area(target: float | pd.Series, area_ids: pd.Series) -> pd.Series:
    """Target coverage per area: a scalar, or a Series indexed by area_id mapped onto the areas."""
    if isinstance(target, pd.Series):
        if target.index.has_duplicates:
            raise ValueError("target Series must be indexed by unique area_id values")
        values = area_ids.map(_as_float(target, "target"))
        values = pd.Series(values.to_numpy(dtype="float64"), index=area_ids.index)
    else:
        try:
            scalar = float(target)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"target must be a number or a Series, got {target!r}") from exc
        values = pd.Series(scalar, index=area_ids.index, dtype="float64")
    known = values.dropna()
    if ((known < 0) | (known > 1)).any():
        raise ValueError("target coverage must lie between 0 and 1")
    return values


def _with_data(population: pd.Series, insured: pd.Series) -> pd.Series:
    """Areas whose population is known and positive and whose insured count is known and
    plausible (not above the population): the areas every coverage figure counts."""
    return population.notna() & (population > 0) & insured.notna() & ~(insured > population)


def counted_in_coverage(area_cov: pd.DataFrame) -> pd.Series:
    """Which areas of a :func:`coverage_by_area` result count in coverage figures: a known,
    positive population and a known insured count no larger than it (``data_status == "ok"``).
    Areas without data, and areas with more insured than residents, are left out (and flagged)."""
    return area_cov["data_status"].eq(DATA_STATUSES[-1])


# --------------------------------------------------------------------------------------------------
# per area
# --------------------------------------------------------------------------------------------------


def coverage_by_area(
    areas: pd.DataFrame,
    insured: pd.DataFrame | InsuredIndex,
    period: Any = None,
    schemes: str | Sequence[str] | None = None,
    target: float | pd.Series = 1.0,
) -> pd.DataFrame:
    """Compute coverage, uninsured people and the distance to a target for each area.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas table with at least ``area_id`` (unique) and ``population`` (nullable integer).
    insured : pandas.DataFrame or InsuredIndex
        Insured table (see :func:`analytics.insured.insured_by_area`), or its index (see
        :func:`analytics.insured.build_insured_index`): the result is the same, the index is
        faster when the table is recounted for many filters.
    period : date-like, optional
        Period to use; the latest available period when ``None``.
    schemes : str or sequence of str, optional
        Schemes whose insured counts are added up; all when ``None``.
    target : float or pandas.Series, default 1.0
        Target coverage (0–1): one value for all areas, or a Series indexed by ``area_id`` (areas
        it does not list get a NaN target).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``areas`` (same index, CRS and columns) with these columns added (replacing any
        column of the same name in the copy):

        ``insured``
            Insured people (float, NaN when the area has no count for the period).
        ``coverage``
            ``insured / population``; NaN when either is missing, the population is 0 or the
            insured exceed the population (an implausible count, flagged).
        ``uninsured``
            ``population - insured``; NaN when coverage is.
        ``target``
            Target coverage of the area.
        ``gap_to_target``
            ``max(target - coverage, 0)``, a rate.
        ``people_to_target``
            ``max(ceil(target * population) - insured, 0)`` people.
        ``flag_insured_above_population``, ``flag_missing_population``, ``flag_missing_insured``
            Data-quality flags; a population of 0 counts as missing.
        ``data_status``
            One of :data:`DATA_STATUSES`; the first that applies in that order.

    Raises
    ------
    ValueError
        If required columns are missing, ``area_id`` is not unique, the target is outside 0–1, or
        ``period`` is not an available period.
    """
    _require_columns(areas, _AREAS_REQUIRED, "areas")
    _check_unique_area_ids(areas)
    if isinstance(insured, pd.DataFrame):
        per_area = insured_by_area(insured, period=period, schemes=schemes)["insured"]
        found = areas["area_id"].map(per_area).to_numpy(dtype="float64")
    else:  # an InsuredIndex (not tested by class: a reloaded module makes a new class)
        found = lookup_insured(insured, areas["area_id"], period=period, schemes=schemes)

    out = areas.copy()
    population = _as_float(areas["population"], "areas column 'population'")
    counts = pd.Series(found, index=areas.index)
    targets = _target_per_area(target, areas["area_id"])

    missing_population = population.isna() | (population == 0)
    missing_insured = counts.isna()
    above = population.notna() & counts.notna() & (counts > population)
    # More insured than residents is implausible: flagged, and no rate is made of it.
    usable_population = population.where(~missing_population & ~above)

    coverage = counts / usable_population
    uninsured = (usable_population - counts).clip(lower=0)
    gap = (targets - coverage).clip(lower=0)
    needed = np.ceil((targets * usable_population).round(_CEIL_DECIMALS))
    people_to_target = (needed - counts).clip(lower=0)

    status = np.select(
        [missing_population.to_numpy(), missing_insured.to_numpy(), above.to_numpy()],
        list(DATA_STATUSES[:3]),
        default=DATA_STATUSES[3],
    )

    out["insured"] = counts
    out["coverage"] = coverage
    out["uninsured"] = uninsured
    out["target"] = targets
    out["gap_to_target"] = gap
    out["people_to_target"] = people_to_target
    out["flag_insured_above_population"] = above.astype(bool)
    out["flag_missing_population"] = missing_population.astype(bool)
    out["flag_missing_insured"] = missing_insured.astype(bool)
    out["data_status"] = pd.Series(status, index=areas.index, dtype="str")
    return out


# --------------------------------------------------------------------------------------------------
# aggregation
# --------------------------------------------------------------------------------------------------


def _summed_by_group(work: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Aggregate the per-area working columns (see callers) per group of ``keys``."""
    grouped = work.groupby(keys, dropna=False, sort=True, observed=True)
    stats = pd.DataFrame(
        {
            "n_areas": grouped.size(),
            "n_with_data": grouped["has_data"].sum(),
            "population": grouped["population"].sum(min_count=1),
            "insured": grouped["insured"].sum(min_count=1),
            "_population_with_data": grouped["population_with_data"].sum(min_count=1),
            "_insured_with_data": grouped["insured_with_data"].sum(min_count=1),
            "uninsured": grouped["uninsured"].sum(min_count=1),
            "people_to_target": grouped["people_to_target"].sum(min_count=1),
            "n_flagged": grouped["flagged"].sum(),
        }
    )
    stats["coverage"] = stats["_insured_with_data"] / stats["_population_with_data"]
    stats["n_areas"] = stats["n_areas"].astype("int64")
    stats["n_with_data"] = stats["n_with_data"].astype("int64")
    stats["n_flagged"] = stats["n_flagged"].astype("int64")
    return stats[list(_AGGREGATE_COLUMNS)]


def aggregate_coverage(
    area_cov: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    with_geometry: bool = False,
) -> pd.DataFrame:
    """Aggregate per-area coverage to groups of areas, weighting by population.

    Parameters
    ----------
    area_cov : pandas.DataFrame or geopandas.GeoDataFrame
        Output of :func:`coverage_by_area`.
    by : str or sequence of str, optional
        Column(s) to group by (e.g. ``"district_id"``, ``"partner_id"``); ``None`` (or an empty
        list) gives one row for all areas. Areas whose key is missing form their own group with a
        missing (NaN) key; they are not dropped.
    with_geometry : bool, default False
        Also union the polygons of each group and return a GeoDataFrame in the input CRS.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        One row per group (sorted by key, missing key last), with the group columns followed by:

        ``n_areas``
            Areas in the group.
        ``n_with_data``
            Areas with a known, positive population and a known insured count.
        ``population``, ``insured``
            Sums over the areas where each is known (NaN when none is).
        ``coverage``
            Σ insured / Σ population over the areas with data only.
        ``uninsured``, ``people_to_target``
            Sums over the areas where they are defined (i.e. the areas with data).
        ``n_flagged``
            Areas whose ``data_status`` is not ``"ok"``.

    Raises
    ------
    ValueError
        If a column is missing, or ``with_geometry`` is asked of a frame without geometry.
    """
    keys = _group_keys(by)
    _require_columns(area_cov, (*_AREA_COV_REQUIRED, *keys), "area_cov")
    if with_geometry and not isinstance(area_cov, gpd.GeoDataFrame):
        raise ValueError("with_geometry=True needs a GeoDataFrame with the area polygons")

    population = _as_float(area_cov["population"], "area_cov column 'population'")
    insured = _as_float(area_cov["insured"], "area_cov column 'insured'")
    has_data = _with_data(population, insured)
    group_keys = keys or [_ALL]
    work = pd.DataFrame(
        {
            "population": population,
            "insured": insured,
            "population_with_data": population.where(has_data),
            "insured_with_data": insured.where(has_data),
            "uninsured": _as_float(area_cov["uninsured"], "uninsured").where(has_data),
            "people_to_target": _as_float(area_cov["people_to_target"], "people_to_target").where(
                has_data
            ),
            "has_data": has_data,
            "flagged": area_cov["data_status"].ne("ok"),
        },
        index=area_cov.index,
    )
    for key in keys:
        work[key] = area_cov[key]
    if not keys:
        work[_ALL] = 0
    stats = _summed_by_group(work, group_keys)

    if with_geometry:
        geometry_name = area_cov.geometry.name
        shapes = gpd.GeoDataFrame(
            work[group_keys].assign(**{geometry_name: area_cov.geometry}),
            geometry=geometry_name,
            crs=area_cov.crs,
        )
        dissolved = shapes.dissolve(by=group_keys, dropna=False, sort=True)
        stats = stats.join(dissolved[[geometry_name]])

    result = stats.reset_index()
    if not keys:
        result = result.drop(columns=_ALL)
    if with_geometry:
        return gpd.GeoDataFrame(result, geometry=area_cov.geometry.name, crs=area_cov.crs)
    return pd.DataFrame(result)


def coverage_over_time(
    areas: pd.DataFrame,
    insured: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    schemes: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Population-weighted coverage per period, for the whole region or per group of areas.

    Parameters
    ----------
    areas : pandas.DataFrame or geopandas.GeoDataFrame
        Areas table with ``area_id``, ``population`` and the ``by`` column(s).
    insured : pandas.DataFrame
        Insured table (see :func:`analytics.insured.insured_by_area`).
    by : str or sequence of str, optional
        Column(s) of ``areas`` to group by; ``None`` for the whole region. A missing key forms its
        own group.
    schemes : str or sequence of str, optional
        Schemes whose insured counts are added up; all when ``None``.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per available period (of the whole insured table) and group, sorted
        by period then group: ``period``, the group column(s), ``population`` and ``insured``
        (sums over the areas with data in that period, so ``coverage == insured / population``),
        ``coverage`` and ``n_with_data``. A group with no data in a period has NaN figures and
        ``n_with_data == 0``. Insured rows whose ``area_id`` is not in ``areas`` are ignored.

    Raises
    ------
    ValueError
        If required columns are missing or ``area_id`` is not unique.
    """
    keys = _group_keys(by)
    _require_columns(areas, (*_AREAS_REQUIRED, *keys), "areas")
    _require_columns(insured, _INSURED_REQUIRED, "insured")
    _check_unique_area_ids(areas)
    columns = ["period", *keys, "population", "insured", "coverage", "n_with_data"]

    periods = _periods(insured)
    distinct = periods.dropna().drop_duplicates().sort_values().reset_index(drop=True)
    if distinct.empty:
        empty = {c: pd.Series(dtype="float64") for c in columns}
        empty["period"] = pd.Series(dtype="datetime64[ns]")
        empty.update({key: pd.Series(dtype=areas[key].dtype) for key in keys})
        empty["n_with_data"] = pd.Series(dtype="int64")
        return pd.DataFrame(empty)[columns]

    mask = _scheme_mask(insured, schemes) & periods.notna()
    rows = pd.DataFrame(
        {
            "area_id": insured.loc[mask, "area_id"],
            "period": periods[mask],
            "insured": _as_float(insured.loc[mask, "insured"], "insured column 'insured'"),
        }
    )
    per_area = rows.groupby(["area_id", "period"], sort=False)["insured"].sum(min_count=1)
    area_part = pd.DataFrame(
        {
            "area_id": areas["area_id"],
            "population": _as_float(areas["population"], "areas column 'population'"),
            **{key: areas[key] for key in keys},
        }
    )
    merged = per_area.reset_index().merge(area_part, on="area_id", how="inner")
    has_data = _with_data(merged["population"], merged["insured"])
    merged["population"] = merged["population"].where(has_data)
    merged["insured"] = merged["insured"].where(has_data)
    merged["n_with_data"] = has_data

    grouped = merged.groupby(["period", *keys], dropna=False, observed=True)
    stats = pd.DataFrame(
        {
            "population": grouped["population"].sum(min_count=1),
            "insured": grouped["insured"].sum(min_count=1),
            "n_with_data": grouped["n_with_data"].sum(),
        }
    ).reset_index()

    grid = distinct.to_frame("period")
    if keys:
        groups = area_part[keys].drop_duplicates()
        grid = grid.merge(groups, how="cross")
    result = grid.merge(stats, on=["period", *keys], how="left")
    result["n_with_data"] = result["n_with_data"].fillna(0).astype("int64")
    result["coverage"] = result["insured"] / result["population"]
    result = result.sort_values(["period", *keys], na_position="last", kind="stable")
    return result[columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# targets and headline figures
# --------------------------------------------------------------------------------------------------


def target_series(targets: pd.DataFrame, scope: str = "region") -> pd.DataFrame:
    """Target coverage over time for one scope.

    Parameters
    ----------
    targets : pandas.DataFrame
        Targets table: ``scope``, ``period``, ``target_coverage`` (0–1).
    scope : str, default "region"
        Scope to select: ``"region"`` or an area, district or partner id.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` and ``target_coverage`` sorted by period, with a fresh RangeIndex;
        empty (with those columns) when the scope has no targets.

    Raises
    ------
    ValueError
        If required columns are missing.
    """
    _require_columns(targets, _TARGETS_REQUIRED, "targets")
    selected = targets.loc[targets["scope"].astype("str") == str(scope)]
    result = pd.DataFrame(
        {
            "period": pd.to_datetime(selected["period"]),
            "target_coverage": _as_float(selected["target_coverage"], "target_coverage"),
        }
    )
    return result.sort_values("period", kind="stable").reset_index(drop=True)


def headline_figures(area_cov: pd.DataFrame) -> dict[str, float | int]:
    """Key figures for all areas of a coverage table.

    Parameters
    ----------
    area_cov : pandas.DataFrame or geopandas.GeoDataFrame
        Output of :func:`coverage_by_area` (possibly already filtered, e.g. to one partner).

    Returns
    -------
    dict
        ``population`` and ``insured`` (sums where known), ``coverage`` (Σ insured / Σ population
        over areas with data), ``uninsured`` (Σ over areas with data), ``gap_to_full`` (people
        still to insure for 100 % coverage in the areas with data, i.e. Σ max(population -
        insured, 0); equal to ``uninsured`` by construction), ``n_areas`` and ``n_no_data``
        (areas without a usable population or insured count). Sums are floats, NaN where nothing
        is known; counts are ints. With no areas at all (e.g. a partner with none) every figure
        is missing (NaN) and both counts are 0: nothing known is not zero people.
    """
    grouped = aggregate_coverage(area_cov, by=None)
    if grouped.empty:
        missing = float("nan")
        return {
            "population": missing,
            "insured": missing,
            "coverage": missing,
            "uninsured": missing,
            "gap_to_full": missing,
            "n_areas": 0,
            "n_no_data": 0,
        }
    row = grouped.iloc[0]
    population = _as_float(area_cov["population"], "population")
    insured = _as_float(area_cov["insured"], "insured")
    has_data = _with_data(population, insured)
    gap = (population - insured).clip(lower=0).where(has_data).sum(min_count=1)
    return {
        "population": float(row["population"]),
        "insured": float(row["insured"]),
        "coverage": float(row["coverage"]),
        "uninsured": float(row["uninsured"]),
        "gap_to_full": float(gap),
        "n_areas": int(row["n_areas"]),
        "n_no_data": int(row["n_areas"] - row["n_with_data"]),
    }
