"""Facility capacity and load: people per bed, per facility and per branch office, facilities that
carry more than their share, utilisation growth, and what-if upgrades, openings and closures.

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

What-if scenarios are data: a list of :class:`Change` rows (upgrade a supply value, open, close, or
a new site). :func:`apply_changes` applies them to a *copy* of the facilities; :func:`run_scenario`
evaluates the network before and after with the same functions. Nothing here modifies its inputs;
loops run over the few scenario changes or scenarios, never over areas or facilities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import access, distance, fca
from geodata.tables.calendar import periods_calendar, shift_months
from geodata.tables.schema import SCENARIO_KINDS

__all__ = [
    "FREQUENCIES",
    "LOAD_REFERENCES",
    "SUPPLY_COLUMNS",
    "Change",
    "MissingFacilityError",
    "NetworkResult",
    "NetworkSettings",
    "ScenarioResult",
    "UtilisationWindows",
    "apply_changes",
    "area_changes",
    "changes_from_frame",
    "changes_to_frame",
    "compare_networks",
    "compare_scenarios",
    "default_decay",
    "evaluate_network",
    "facility_districts",
    "facility_growth",
    "facility_load",
    "group_growth",
    "group_series",
    "record_frequency",
    "run_scenario",
    "scenario_list",
    "sites_after_changes",
    "sites_as_changes",
    "utilisation_per_supply",
    "utilisation_series",
    "utilisation_windows",
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


# --------------------------------------------------------------------------------------------------
# utilisation
# --------------------------------------------------------------------------------------------------


#: Record frequencies the growth windows know: months between successive periods, and how many
#: periods make up one window (a year).
FREQUENCIES: dict[str, tuple[int, int]] = {
    "monthly": (1, 12),
    "quarterly": (3, 4),
    "half_yearly": (6, 2),
    "yearly": (12, 1),
}
#: Mean length of a month in days (Gregorian and Solar Hijri alike, over a year).
_MONTH_DAYS = 365.2425 / 12


@dataclass(frozen=True)
class UtilisationWindows:
    """The two periods growth compares: the latest window and the one before it.

    ``frequency`` is how often facilities report (``"monthly"``, ``"quarterly"``,
    ``"half_yearly"`` or ``"yearly"``), read from the gaps between each facility's periods, not
    from the calendar date (a year that starts on 1 Farvardin is stored as a March date).
    ``months`` is the length of a window in months; ``current`` and ``previous`` hold the periods
    of each window, oldest first (a period nobody reported is still listed, so that no facility
    is complete without it).
    """

    frequency: str
    months: int
    current: tuple[pd.Timestamp, ...]
    previous: tuple[pd.Timestamp, ...]

    @property
    def complete(self) -> bool:
        """Whether there is a previous window to compare with at all."""
        return len(self.previous) > 0

    @property
    def n_periods(self) -> int:
        """Periods in one window (e.g. 4 quarters)."""
        return len(self.current)


def _records(utilisation: pd.DataFrame, measure: str | None) -> pd.DataFrame:
    rows = utilisation if measure is None else utilisation[utilisation["measure"] == measure]
    ids = (
        rows["facility_id"].astype(str)
        if "facility_id" in rows
        else pd.Series("", index=rows.index, dtype=object)
    )
    frame = pd.DataFrame({"facility_id": ids.to_numpy(), "period": pd.to_datetime(rows["period"])})
    return frame.dropna(subset=["period"]).drop_duplicates()


def _months_between(later: pd.Series | pd.Timestamp, earlier: pd.Series | pd.Timestamp):
    """Whole months between two dates, from the days between them (calendar-free)."""
    days = (later - earlier) / pd.Timedelta(days=1)
    return np.round(np.asarray(days, dtype="float64") / _MONTH_DAYS)


def record_frequency(utilisation: pd.DataFrame, measure: str | None = None) -> str | None:
    """How often facilities report ``measure``: the most common smallest gap between a
    facility's successive periods, in months, read as the nearest of :data:`FREQUENCIES`
    (None without records). With no facility reporting twice, the gaps between all periods
    decide; with a single period, records on 1 January read as yearly, others as monthly."""
    records = _records(utilisation, measure)
    if not len(records):
        return None
    records = records.sort_values(["facility_id", "period"])
    same = records["facility_id"].eq(records["facility_id"].shift())
    gaps = _months_between(records["period"], records["period"].shift())[same.to_numpy()]
    per_facility = (
        pd.Series(gaps, index=records["facility_id"][same].to_numpy())
        .loc[lambda g: g > 0]
        .groupby(level=0)
        .min()
    )
    if len(per_facility):
        step = float(per_facility.mode().min())
    else:
        periods = pd.Series(sorted(records["period"].unique()))
        if len(periods) < 2:
            first = periods.iloc[0]
            return "yearly" if (first.month, first.day) == (1, 1) else "monthly"
        positive = _months_between(periods, periods.shift())[1:]
        positive = positive[positive > 0]
        if not len(positive):
            return "monthly"
        step = float(positive.min())
    steps = {name: months for name, (months, _) in FREQUENCIES.items()}
    return min(steps, key=lambda name: (abs(np.log(max(step, 0.5) / steps[name])), -steps[name]))


def utilisation_windows(
    utilisation: pd.DataFrame, measure: str | None = None, *, window_months: int = 12
) -> UtilisationWindows | None:
    """The latest window of ``measure``'s records and the one before it (None without records).

    The frequency comes from :func:`record_frequency`. A window is a year: one yearly period,
    two half-years, four quarters, or ``window_months`` months. With fewer than two windows of
    periods on record, the window shrinks to half the periods available (at least 1). Each
    period on record is placed on a regular grid counted back from the latest one by the days
    between them, so periods dated in any calendar (1 Farvardin, the 1st of a Gregorian month)
    line up; a grid slot with no record at all still counts as a period of its window, dated the
    month as many steps back in the periods' own calendar (Solar Hijri or Gregorian).
    """
    records = _records(utilisation, measure)
    if not len(records):
        return None
    frequency = record_frequency(utilisation, measure)
    step, per_window = FREQUENCIES[str(frequency)]
    if frequency == "monthly":
        per_window = max(1, int(window_months))
    periods = pd.Series(sorted(records["period"].unique()))
    last, calendar = periods.iloc[-1], periods_calendar(periods)
    slots = pd.Series(
        np.round(_months_between(last, periods) / step).astype("int64"), index=periods.index
    )
    # One period per slot: the latest of the periods that fall on it.
    on_grid = pd.Series(periods.to_numpy(), index=slots.to_numpy())
    on_grid = on_grid[~on_grid.index.duplicated(keep="first")]
    span = int(slots.max()) + 1
    n = per_window
    if span < 2 * n:
        n = max(1, span // 2)

    def window(first_slot: int) -> tuple[pd.Timestamp, ...]:
        wanted = np.arange(first_slot + n - 1, first_slot - 1, -1)  # oldest first
        # A slot with no record: the month ``s`` steps back in the periods' own calendar.
        missing = {s: shift_months(last, -int(s * step), calendar) for s in wanted}
        return tuple(pd.Timestamp(on_grid[s] if s in on_grid.index else missing[s]) for s in wanted)

    current = window(0)
    previous = window(n) if 2 * n <= span else ()
    return UtilisationWindows(str(frequency), int(n * step), current, previous)


def facility_growth(
    utilisation: pd.DataFrame,
    measure: str,
    windows: UtilisationWindows | None = None,
    *,
    window_months: int = 12,
) -> pd.DataFrame:
    """Per facility: ``measure`` in the latest window and the one before it, and the growth.

    A facility's window is *complete* when it has a record for every period of the window;
    growth (``current / previous - 1``) is given only where both windows are complete and the
    previous total is above 0 (missing records are missing, never zero).

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``current``, ``previous``, ``n_current``, ``n_previous``,
        ``complete`` (both windows complete), ``growth``; one row per facility with records of
        ``measure``, sorted by facility id. ``attrs["windows"]`` holds the windows.
    """
    columns = ["facility_id", "current", "previous", "n_current", "n_previous", "complete"]
    if windows is None:
        windows = utilisation_windows(utilisation, measure, window_months=window_months)
    rows = utilisation[utilisation["measure"] == measure]
    if windows is None or not len(rows):
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in [*columns, "growth"]})
        empty.attrs["windows"] = windows
        return empty
    period = pd.to_datetime(rows["period"])
    value = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    ids = rows["facility_id"].astype(str)
    in_current = period.isin(windows.current) & value.notna()
    in_previous = period.isin(windows.previous) & value.notna()
    frame = pd.DataFrame(
        {
            "facility_id": ids.to_numpy(),
            "current": value.where(in_current, 0.0).to_numpy(),
            "previous": value.where(in_previous, 0.0).to_numpy(),
            "n_current": in_current.to_numpy().astype("int64"),
            "n_previous": in_previous.to_numpy().astype("int64"),
        }
    )
    out = frame.groupby("facility_id", sort=True).sum().reset_index()
    full_current = out["n_current"] == len(windows.current)
    full_previous = out["n_previous"] == len(windows.previous)
    out["current"] = out["current"].where(full_current)
    out["previous"] = out["previous"].where(full_previous & windows.complete)
    out["complete"] = (full_current & full_previous & windows.complete).astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = out["current"] / out["previous"] - 1.0
    out["growth"] = growth.where(out["complete"] & (out["previous"] > 0))
    out.attrs["windows"] = windows
    return out


def group_growth(growth: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Growth per group (e.g. district) from :func:`facility_growth`: the sums over the facilities
    complete in both windows (others are counted in ``n_incomplete`` and left out of the sums).

    Parameters
    ----------
    growth : pandas.DataFrame
        From :func:`facility_growth`.
    groups : pandas.Series
        Group of each facility, indexed by facility_id (missing: no group, left out).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n_facilities``, ``n_incomplete``, ``current``, ``previous``, ``growth``
        (NaN where the previous sum is 0), sorted by group.
    """
    mapped = growth["facility_id"].map(groups)
    frame = pd.DataFrame(
        {
            "group": mapped.to_numpy(),
            "complete": growth["complete"].astype(bool).to_numpy(),
            "current": growth["current"].where(growth["complete"], 0.0).fillna(0.0).to_numpy(),
            "previous": growth["previous"].where(growth["complete"], 0.0).fillna(0.0).to_numpy(),
        }
    )
    frame = frame[frame["group"].notna()]
    grouped = frame.groupby("group", sort=True)
    out = pd.DataFrame(
        {
            "n_facilities": grouped.size(),
            "n_incomplete": grouped["complete"].agg(lambda s: int((~s).sum())),
            "current": grouped["current"].sum(),
            "previous": grouped["previous"].sum(),
        }
    )
    complete_any = grouped["complete"].any()
    out["current"] = out["current"].where(complete_any)
    out["previous"] = out["previous"].where(complete_any)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["growth"] = (out["current"] / out["previous"] - 1.0).where(out["previous"] > 0)
    out["n_incomplete"] = out["n_incomplete"].astype("int64")
    return out.rename_axis("group").reset_index()


def utilisation_series(
    utilisation: pd.DataFrame, measure: str, facility_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Total ``measure`` per period (over ``facility_ids`` when given): ``period``, ``value``,
    ``n_facilities`` (facilities with a record that period)."""
    rows = utilisation[utilisation["measure"] == measure]
    if facility_ids is not None:
        rows = rows[rows["facility_id"].isin(list(facility_ids))]
    value = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    frame = pd.DataFrame({"period": pd.to_datetime(rows["period"]), "value": value})
    frame = frame[frame["value"].notna()]
    out = frame.groupby("period").agg(value=("value", "sum"), n_facilities=("value", "size"))
    return out.reset_index().sort_values("period", ignore_index=True)


def group_series(utilisation: pd.DataFrame, measure: str, groups: pd.Series) -> pd.DataFrame:
    """Total ``measure`` per group (e.g. district) and period.

    Parameters
    ----------
    utilisation : pandas.DataFrame
        Records (``facility_id``, ``period``, ``measure``, ``value``). Not modified.
    groups : pandas.Series
        Group of each facility, indexed by facility_id (missing: left out).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``period``, ``value``, ``n_facilities`` (facilities of the group with a record
        that period), sorted by group and period.
    """
    rows = utilisation[utilisation["measure"] == measure]
    frame = pd.DataFrame(
        {
            "group": rows["facility_id"].astype(str).map(groups).to_numpy(),
            "period": pd.to_datetime(rows["period"]).to_numpy(),
            "value": pd.to_numeric(rows["value"], errors="coerce").astype("float64").to_numpy(),
        }
    )
    frame = frame[frame["group"].notna() & frame["value"].notna()]
    out = frame.groupby(["group", "period"], sort=True).agg(
        value=("value", "sum"), n_facilities=("value", "size")
    )
    return out.reset_index()


def facility_districts(
    facilities: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, column: str = "district_id"
) -> pd.Series:
    """The ``column`` (e.g. district) of the area each facility lies in, indexed by facility_id
    (None for a facility outside every area). A spatial join: no loop."""
    if column not in areas or not len(facilities):
        return pd.Series(None, index=facilities["facility_id"].to_numpy(), dtype=object)
    points = facilities[["facility_id", facilities.geometry.name]]
    if facilities.crs is not None and areas.crs is not None and facilities.crs != areas.crs:
        points = points.to_crs(areas.crs)
    joined = gpd.sjoin(points, areas[[column, areas.geometry.name]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    values = joined[column].astype(object).where(joined[column].notna(), None)
    return pd.Series(values.to_numpy(), index=joined["facility_id"].to_numpy(), dtype=object)


# --------------------------------------------------------------------------------------------------
# what-if: changes to the network
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change of a what-if scenario.

    ``kind`` is ``upgrade`` (set ``supply`` column to ``value``), ``open`` (status operational),
    ``close`` (status closed) or ``new_site`` (a new operational facility of ``facility_type`` at
    ``lon``/``lat``, with ``value`` in its ``supply`` column when given).
    """

    kind: str
    facility_id: str
    supply: str | None = None
    value: float | None = None
    facility_type: str | None = None
    facility_name: str | None = None
    lon: float | None = None
    lat: float | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCENARIO_KINDS:
            raise ValueError(f"kind must be one of {SCENARIO_KINDS}, got {self.kind!r}")
        if not str(self.facility_id or "").strip():
            raise ValueError("a change needs a facility_id")
        if self.kind == "upgrade":
            if self.supply not in SUPPLY_COLUMNS:
                raise ValueError(f"an upgrade changes one of {SUPPLY_COLUMNS}, not {self.supply!r}")
            if self.value is None or not np.isfinite(self.value) or self.value < 0:
                raise ValueError(f"an upgrade needs a value >= 0, got {self.value!r}")
        if self.kind == "new_site":
            if self.facility_type is None:
                raise ValueError("a new site needs a facility_type")
            if self.lon is None or self.lat is None:
                raise ValueError("a new site needs lon and lat (EPSG:4326)")
            if self.supply is not None and self.supply not in SUPPLY_COLUMNS:
                raise ValueError(f"supply must be one of {SUPPLY_COLUMNS}, not {self.supply!r}")


class MissingFacilityError(ValueError):
    """A change names a facility the facilities table does not hold (e.g. a saved scenario after
    an import removed the facility); ``facility_ids`` lists them."""

    def __init__(self, facility_ids: Sequence[str]) -> None:
        self.facility_ids = tuple(str(f) for f in facility_ids)
        super().__init__("no facility with id(s): " + ", ".join(self.facility_ids))


def _changes_frame(changes: Sequence[Change] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(changes, pd.DataFrame):
        return changes_to_frame(changes_from_frame(changes))
    return changes_to_frame(list(changes))


def apply_changes(
    facilities: gpd.GeoDataFrame, changes: Sequence[Change] | pd.DataFrame
) -> gpd.GeoDataFrame:
    """The facilities after a scenario's changes, as a new frame (``facilities`` is not modified).

    New sites are added first; then, per facility, the last upgrade of each supply column and the
    last open/close win. Raises :class:`MissingFacilityError` (a ``ValueError``) for a change
    naming a facility that does not exist, ``ValueError`` for a new site whose id exists already.
    """
    table = _changes_frame(changes)
    out = facilities.copy()
    ids = out["facility_id"].astype(str)
    new = table[table["kind"] == "new_site"]
    clash = new["facility_id"].isin(set(ids)) | new["facility_id"].duplicated()
    if clash.any():
        raise ValueError(
            "new site id(s) already used: " + ", ".join(new.loc[clash, "facility_id"].astype(str))
        )
    if len(new):
        added = pd.DataFrame(
            {
                "facility_id": new["facility_id"].astype(str).to_numpy(),
                "name": new["facility_name"]
                .where(new["facility_name"].notna(), new["facility_id"])
                .astype(str)
                .to_numpy(),
                "type": new["facility_type"].to_numpy(),
                "status": "operational",
            }
        )
        for column in SUPPLY_COLUMNS:
            with_value = (new["supply"] == column).to_numpy()
            if with_value.any():
                added[column] = np.where(with_value, new["value"].to_numpy(), np.nan)
        geometry = gpd.points_from_xy(
            new["lon"].astype(float), new["lat"].astype(float), crs="EPSG:4326"
        )
        added_gdf = gpd.GeoDataFrame(added, geometry=geometry, crs="EPSG:4326")
        if out.crs is not None and not added_gdf.crs.equals(out.crs):
            added_gdf = added_gdf.to_crs(out.crs)
        if added_gdf.geometry.name != out.geometry.name:
            added_gdf = added_gdf.rename_geometry(out.geometry.name)
        if "status" not in out:
            out["status"] = None
        for column in added_gdf.columns:
            if column not in out:
                out[column] = pd.Series(np.nan, index=out.index, dtype="float64")
        dtypes = out.dtypes
        combined = pd.concat(
            [out, added_gdf[[c for c in out.columns if c in added_gdf]]], ignore_index=True
        )
        for column in SUPPLY_COLUMNS:
            if column in dtypes and isinstance(dtypes[column], pd.Int64Dtype):
                numbers = pd.to_numeric(combined[column], errors="coerce").astype("float64")
                combined[column] = numbers.round().astype("Int64")
        out = gpd.GeoDataFrame(combined, geometry=facilities.geometry.name, crs=facilities.crs)
        ids = out["facility_id"].astype(str)
    known = set(ids)
    edits = table[table["kind"] != "new_site"]
    unknown = ~edits["facility_id"].isin(known)
    if unknown.any():
        raise MissingFacilityError(
            list(dict.fromkeys(edits.loc[unknown, "facility_id"].astype(str)))
        )
    upgrades = edits[edits["kind"] == "upgrade"].drop_duplicates(
        ["facility_id", "supply"], keep="last"
    )
    for column, rows in upgrades.groupby("supply", sort=False):
        values = rows.set_index("facility_id")["value"].astype("float64")
        hit = ids.isin(values.index).to_numpy()
        if column not in out:
            out[column] = pd.array([pd.NA] * len(out), dtype="Int64")
        if isinstance(out[column].dtype, pd.Int64Dtype):
            replaced = ids.map(values).round().astype("Int64")
        else:
            replaced = ids.map(values)
        out[column] = out[column].where(~hit, replaced)
    status = edits[edits["kind"].isin(["open", "close"])].drop_duplicates(
        "facility_id", keep="last"
    )
    if len(status):
        target = status.set_index("facility_id")["kind"].map(
            {"open": "operational", "close": "closed"}
        )
        hit = ids.isin(target.index).to_numpy()
        if "status" not in out:
            out["status"] = None
        out["status"] = out["status"].astype(object).where(~hit, ids.map(target))
    return out


def changes_to_frame(
    changes: Sequence[Change],
    *,
    scenario_id: str | None = None,
    name: str | None = None,
    author: str | None = None,
    created: str | None = None,
) -> pd.DataFrame:
    """Changes as rows of the ``scenarios`` table (``change`` numbers them from 1)."""
    frame = pd.DataFrame(
        {
            "kind": [c.kind for c in changes],
            "facility_id": [str(c.facility_id) for c in changes],
            "supply": [c.supply for c in changes],
            "value": pd.array([c.value for c in changes], dtype="Float64").astype("float64"),
            "facility_type": [c.facility_type for c in changes],
            "facility_name": [c.facility_name for c in changes],
            "lon": pd.array([c.lon for c in changes], dtype="Float64").astype("float64"),
            "lat": pd.array([c.lat for c in changes], dtype="Float64").astype("float64"),
            "note": [c.note for c in changes],
        }
    )
    for column in ("supply", "facility_type", "facility_name", "note"):
        frame[column] = frame[column].astype(object)
    frame.insert(0, "change", pd.array(np.arange(1, len(frame) + 1), dtype="Int64"))
    if scenario_id is not None or name is not None:
        frame.insert(0, "scenario_id", scenario_id)
        frame.insert(2, "name", name)
        frame["author"] = author
        frame["created"] = created
    return frame


def _optional(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def changes_from_frame(frame: pd.DataFrame) -> list[Change]:
    """The changes held in rows of the ``scenarios`` table (in ``change`` order when present)."""
    if "change" in frame:
        frame = frame.sort_values("change", kind="stable")
    columns = [f.name for f in Change.__dataclass_fields__.values()]
    present = [c for c in columns if c in frame]
    records = frame[present].to_dict("records")
    changes = []
    for record in records:
        # a record's cells are untyped table values; the numbers are made floats just below
        values: dict[str, Any] = {k: _optional(v) for k, v in record.items()}
        for number in ("value", "lon", "lat"):
            if values.get(number) is not None:
                values[number] = float(values[number])
        values["facility_id"] = str(values["facility_id"])
        changes.append(Change(**values))
    return changes


def sites_as_changes(
    chosen: gpd.GeoDataFrame,
    facility_type: str,
    *,
    prefix: str = "NEW",
    taken: Iterable[str] = (),
    supply: str | None = None,
    value: float | None = None,
    names: Sequence[str] | None = None,
) -> list[Change]:
    """Sites chosen by :func:`analytics.siting.choose_sites` as ``new_site`` changes, with ids
    ``{prefix}-1``, ``{prefix}-2``… that avoid the ids in ``taken``."""
    points = chosen.geometry
    if chosen.crs is not None and not chosen.crs.equals("EPSG:4326"):
        points = points.to_crs(4326)
    used = set(map(str, taken))
    ids: list[str] = []
    number = 1
    while len(ids) < len(chosen):
        candidate = f"{prefix}-{number}"
        if candidate not in used:
            ids.append(candidate)
        number += 1
    labels = list(names) if names is not None else [None] * len(chosen)
    return [
        Change(
            "new_site",
            fid,
            supply=supply,
            value=value,
            facility_type=facility_type,
            facility_name=label,
            lon=float(x),
            lat=float(y),
        )
        for fid, x, y, label in zip(
            ids, points.x.to_numpy(), points.y.to_numpy(), labels, strict=True
        )
    ]


def sites_after_changes(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    changes: Sequence[Change] | pd.DataFrame,
    care_types: Sequence[str],
    k: int,
    radius_km: float,
    *,
    weight: str = "population",
    time_limit: float | None = 20.0,
):
    """New sites chosen by :func:`analytics.siting.choose_sites` for the network *after*
    ``changes``: a facility the what-if closes no longer counts, one it opens or adds does, and
    no neighbourhood where a facility of ``care_types`` already stands (within 1 m: e.g. a site
    added before) is a candidate again.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Demand: areas with ``weight``, measured from :func:`analytics.distance.area_points` (each
        of those points is a candidate site).
    facilities : geopandas.GeoDataFrame
        The facilities as stored; not modified.
    changes
        The pending changes (see :func:`apply_changes`, which may raise ``ValueError``).
    care_types : sequence of str
        Facility types that count as the care the sites bring within reach.
    k, radius_km, weight, time_limit
        As for :func:`analytics.siting.choose_sites`.

    Returns
    -------
    (SitingResult, geopandas.GeoDataFrame)
        As :func:`analytics.siting.choose_sites`.
    """
    from analytics import siting

    after = apply_changes(facilities, changes)
    counted = access.available_facilities(after)
    existing = counted[counted["type"].isin(list(care_types)).to_numpy()]
    keep = [c for c in ("area_id", "name", weight) if c in areas]
    # Demand and candidate sites at the point every area is measured from (as on every page).
    demand = gpd.GeoDataFrame(
        areas[keep], geometry=distance.area_points(areas).to_numpy(), crs=areas.crs
    )
    candidates = demand
    if len(existing) and len(demand):
        metric = distance.metric_crs_for({"demand": demand, "existing facilities": existing})
        spots = distance.project_points(demand, metric, what="candidates")
        have = distance.project_points(existing, metric, what="existing facilities")
        taken, _, _ = distance.pairs_within(spots, have, 0.001)
        free = np.ones(len(demand), dtype=bool)
        free[taken] = False
        candidates = demand.iloc[np.flatnonzero(free)]
    return siting.choose_sites(
        demand,
        existing,
        int(k),
        float(radius_km),
        candidates=candidates,
        weight=weight,
        time_limit=time_limit,
    )


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


@dataclass(frozen=True)
class NetworkResult:
    """A network's figures: per area, per facility (load) and in summary."""

    areas: pd.DataFrame
    load: pd.DataFrame
    summary: dict[str, float] = field(default_factory=dict)


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


def evaluate_network(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    settings: NetworkSettings,
    coverage: pd.Series | None = None,
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

    Returns
    -------
    NetworkResult
        ``areas``: ``area_id``, ``population``, ``care_km``, ``hospital_km``, ``near_care``,
        ``referral_gap``, ``access`` (supply per ``per`` people, 2SFCA/E2SFCA), ``double_gap``;
        ``load``: :func:`facility_load` of the service's facilities with ``facility_id``,
        ``name``, ``type`` and ``overloaded``; ``summary``: see :data:`SUMMARY_FIGURES`.
    """
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
    )
    service = counted[counted["type"].isin(list(settings.service_types)).to_numpy()]
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
    )
    load = facility_load(
        areas,
        service,
        catchment_km=settings.catchment_km,
        supply=supply,
        decay=decay,
        reference=settings.reference,
        points=points,
    )
    population = measured["population"]
    per_area = measured[
        ["area_id", "population", "care_km", "hospital_km", "near_care", "referral_gap"]
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
    return NetworkResult(areas=per_area, load=load, summary=summary)


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
    """Per area, before and after side by side: ``care_km``, ``hospital_km``, ``access``,
    ``referral_gap``, ``double_gap`` (``_before`` / ``_after``), ``access_change`` and
    ``changed`` (any of them differs)."""
    left = before.areas.set_index("area_id")
    right = after.areas.set_index("area_id").reindex(left.index)
    out = pd.DataFrame({"population": left["population"]})
    changed = pd.Series(False, index=left.index)
    for column in ("care_km", "hospital_km", "access", "referral_gap", "double_gap"):
        out[f"{column}_before"] = left[column]
        out[f"{column}_after"] = right[column]
        if column in ("care_km", "hospital_km", "access"):
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
) -> ScenarioResult:
    """Evaluate the network as it is and after ``changes`` (see :func:`apply_changes`); the
    inputs are not modified. ``before`` may pass the baseline already computed with the same
    settings."""
    listed = tuple(changes_from_frame(changes) if isinstance(changes, pd.DataFrame) else changes)
    after_facilities = apply_changes(facilities, list(listed))
    base = before if before is not None else evaluate_network(areas, facilities, settings, coverage)
    after = evaluate_network(areas, after_facilities, settings, coverage)
    return ScenarioResult(listed, after_facilities, base, after)


# --------------------------------------------------------------------------------------------------
# scenarios stored in the workspace
# --------------------------------------------------------------------------------------------------


def scenario_list(scenarios: pd.DataFrame) -> pd.DataFrame:
    """One row per stored scenario: ``scenario_id``, ``name``, ``author``, ``created``,
    ``kinds`` (the kinds of change, comma-separated), ``n_changes``, ``facility_ids``; newest
    first."""
    columns = ["scenario_id", "name", "author", "created", "kinds", "n_changes", "facility_ids"]
    if not len(scenarios):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame = scenarios.copy()
    for column in ("author", "created"):
        if column not in frame:
            frame[column] = None
    frame = frame.sort_values(["scenario_id", "change"], kind="stable")
    grouped = frame.groupby("scenario_id", sort=False)
    out = pd.DataFrame(
        {
            "name": grouped["name"].first(),
            "author": grouped["author"].first(),
            "created": grouped["created"].first(),
            "kinds": grouped["kind"].agg(lambda s: ", ".join(dict.fromkeys(s.astype(str)))),
            "n_changes": grouped.size().astype("int64"),
            "facility_ids": grouped["facility_id"].agg(
                lambda s: ", ".join(dict.fromkeys(s.astype(str)))
            ),
        }
    ).reset_index()
    return out.sort_values(["created", "scenario_id"], ascending=False, ignore_index=True)[columns]


def compare_scenarios(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    scenarios: Mapping[str, Sequence[Change] | pd.DataFrame],
    settings: NetworkSettings,
    coverage: pd.Series | None = None,
    *,
    baseline: NetworkResult | None = None,
) -> pd.DataFrame:
    """Every scenario against the network as it is: one row per scenario (in the order given),
    with each summary figure after the scenario (``{figure}``) and its change
    (``{figure}_change``); the first row is the network as it is (``scenario`` = ``""``).

    ``scenarios`` maps a label to its changes (a list, or rows of the ``scenarios`` table).
    A scenario that can no longer be applied (it names a facility a later import removed, or
    a new site whose id is now taken) does not stop the others: its row has ``applicable``
    False, the ``reason``, the ``missing`` facility ids (comma-separated) and no figures.
    """
    base = baseline or evaluate_network(areas, facilities, settings, coverage)
    rows: list[dict[str, object]] = [
        {"scenario": "", "n_changes": 0, "applicable": True, "reason": None, "missing": None}
        | base.summary
    ]
    for label, changes in scenarios.items():
        try:
            result = run_scenario(areas, facilities, changes, settings, coverage, before=base)
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
