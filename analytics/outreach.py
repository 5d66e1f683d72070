"""Outreach planning: where mobile enrolment desks stand, day by day, and what they reach.

Mobile desks
------------
A team has ``N`` mobile enrolment desks (crews) and ``D`` days (for example a 7-day health-insurance
week). Every day each desk stands in one neighbourhood; the uninsured people of a neighbourhood
are *reached* when, on any day, a desk stands within walking distance ``r`` (metres, straight
line in a projected CRS) of the neighbourhood's population point (its representative point, or a
population-weighted point the caller supplies). A person reached once counts once.

The budget is **N desks per day** (``N × D`` desk-days in all), not ``N`` desk-days in total:
teams are staffed per day (``N`` crews, each at one place a day), and a per-day budget is what a
week can actually run. The model, with candidate neighbourhoods ``j`` (where a desk may stand),
demand neighbourhoods ``i`` with weights ``w_i`` (uninsured people; population where a workspace
has no insured counts) and ``N_i`` the candidates within ``r`` of ``i``::

    max  Σ_i w_i y_i
    s.t. y_i  <=  Σ_{j in N_i} Σ_d x_{j,d}          (i reached only if some desk-day reaches it)
         Σ_j x_{j,d}  <=  N                         for every day d   (N desks per day)
         x_{j,d} in {0, 1}                          (at most one desk per neighbourhood per day)
         0 <= y_i <= 1

*Reduction used to solve it.* The objective depends on the plan only through the set
``S = {j : Σ_d x_{j,d} >= 1}`` of neighbourhoods that get a desk at all (a second desk in the same
place, that day or another, reaches nobody new). Conversely any set ``S`` with ``|S| <= N × D`` is
the footprint of a feasible plan: put its members, in any order, on days ``1, 1, …, 1, 2, …``
(``N`` a day); each neighbourhood then has exactly one desk-day. So the optimum of the model above
equals that of the maximal covering problem with ``k = N × D`` sites (Church & ReVelle, 1974),
which :func:`analytics.siting.maximal_covering` solves exactly (``scipy.optimize.milp``, HiGHS,
``D`` times fewer binaries and none of the day symmetry) or greedily with its ``(1 - 1/e)``
guarantee and a reported upper bound for large instances. :func:`solve_time_expanded` solves the
model exactly as written above, for verification and benchmarks; the tests check both against a
brute force over every day-by-day plan on small cases.

*Schedule.* The chosen neighbourhoods are ordered by marginal gain (each counted after the ones
before it, largest first) and filled into days ``N`` at a time, so the most people are reached
earliest: a week cut short still has its best days behind it. Under the union objective the
"one desk per neighbourhood per day" rule never binds at an optimum (the plan places every
neighbourhood on one day only); it is kept because it defines which plans are allowed.

*Within range is not enrolled.* The model above counts the people *within range* of a desk: it
says where desks should stand, not how many people they sign up. A desk enrols at most ``C``
people a day (its *capacity*: forms, checks, queues), so each desk-day's *expected enrolments*
are ``min(C, people it newly brings within range)`` -- the people first within range of an
earlier desk-day are that desk-day's to enrol -- and a plan never expects more than
``N × D × C`` enrolments, nor more than ``C`` on one desk-day.
:func:`analytics.sessions.desk_capacity` takes the default ``C`` from the recorded sessions (the
median enrolled per session-day), and falls back on
:data:`analytics.sessions.FALLBACK_DESK_CAPACITY` where none is recorded. A plan starts on a date:
its day ``d`` is ``start + d - 1`` (consecutive calendar days, like a health-insurance week).

Model villages are :mod:`analytics.villages`, field work lists :mod:`analytics.worklist`, recorded
sessions :mod:`analytics.sessions`. Nothing here modifies its inputs; every function returns new
frames. No loop runs over areas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import Transformer
from scipy.optimize import Bounds, LinearConstraint, milp

from analytics import distance, siting
from analytics.sessions import FALLBACK_DESK_CAPACITY, check_capacity, expected_enrolments

__all__ = [
    "DESK_METHODS",
    "INTERACTIVE_TIME_LIMIT_S",
    "PLAN_COLUMNS",
    "DeskPlan",
    "desk_plan_from_matrix",
    "plan_desks",
    "schedule",
    "solve_time_expanded",
    "walking_matrix",
]

DESK_METHODS = ("auto", "exact", "greedy")

#: Seconds an interactive caller (the Outreach page) gives the exact solver: past it, the best plan
#: found so far is returned with its proven bound (``optimal=False``), so a plan is always ready
#: within about 2 s on a region the size of the demo.
INTERACTIVE_TIME_LIMIT_S = 1.0

#: Columns of :attr:`DeskPlan.plan`, in order.
PLAN_COLUMNS = (
    "day",
    "date",
    "desk",
    "area_id",
    "name",
    "district_id",
    "partner_id",
    "in_range_new",
    "areas_new",
    "enrolled",
    "cumulative_enrolled",
    "lon",
    "lat",
)

# --------------------------------------------------------------------------------------------------
# mobile desks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskPlan:
    """A day-by-day plan of mobile desks and what it reaches.

    Attributes
    ----------
    plan : pandas.DataFrame
        One row per desk-day that reaches someone new, in schedule order, with
        :data:`PLAN_COLUMNS`: ``day`` (1…D), ``date`` (the day's date, missing without a
        start), ``desk`` (1…N within the day), the neighbourhood where the desk stands
        (``area_id``, ``name``, ``district_id``, ``partner_id``), ``in_range_new`` (weight
        first within range of this desk-day), ``areas_new`` (neighbourhoods first within its
        range), ``enrolled`` (expected enrolments: ``min(capacity, in_range_new)``),
        ``cumulative_enrolled`` (expected enrolments up to and including it) and the desk's
        position (``lon``, ``lat``, EPSG:4326).
    reach : pandas.DataFrame
        One row per neighbourhood in scope (the demand): ``area_id``, ``weight``, ``desk_day``
        (the day a desk stands there, or missing), ``reached_day`` (the first day a desk is
        within reach, or missing) and ``reached_from`` (the area of that desk).
    desks_per_day, days : int
        The budget: ``N`` desks on each of ``D`` days.
    radius_m : float
        Walking radius in metres, or the reach in minutes of travel (``unit``).
    weight : str
        What was counted (``uninsured`` or ``population``).
    total : float
        Weight of the demand in scope.
    in_range : float
        Weight within range of the plan's desks (each person once): the plan's reach, not its
        enrolments.
    upper_bound : float
        Upper bound on what any plan could bring within range (equal to ``in_range`` when
        optimal).
    optimal : bool
        Whether the plan is proven optimal.
    method : str
        ``"exact"`` or ``"greedy"``.
    n_candidates, n_demand, n_no_weight : int
        Neighbourhoods where a desk may stand, neighbourhoods counted, and of those the ones
        with no weight (no data, counted as 0).
    capacity : float
        People one desk enrols in a day.
    enrolled : float
        Expected enrolments: the sum of ``plan["enrolled"]``, at most
        ``desks_per_day × days × capacity``.
    start : pandas.Timestamp or None
        The date of day 1.
    partner_id : str or None
        The partner whose areas the plan was restricted to.
    unit : str
        ``m`` (a straight-line walking radius) or ``min`` (minutes of travel over the roads).
    """

    plan: pd.DataFrame
    reach: pd.DataFrame = field(repr=False)
    desks_per_day: int
    days: int
    radius_m: float
    weight: str
    total: float
    in_range: float
    upper_bound: float
    optimal: bool
    method: str
    n_candidates: int
    n_demand: int
    n_no_weight: int
    capacity: float
    enrolled: float
    start: pd.Timestamp | None = None
    partner_id: str | None = None
    unit: str = "m"

    @property
    def share(self) -> float:
        """Share of the weight in scope within range of the plan's desks."""
        return self.in_range / self.total if self.total > 0 else float("nan")

    @property
    def enrolment_bound(self) -> float:
        """The most any plan of this size can enrol: ``desks × days × capacity``."""
        return self.desks_per_day * self.days * self.capacity

    @property
    def desk_days(self) -> int:
        """Desk-days available (``N × D``)."""
        return self.desks_per_day * self.days

    @property
    def desk_days_used(self) -> int:
        """Desk-days that reach someone new (the rest would reach nobody new)."""
        return len(self.plan)

    @property
    def guaranteed_ratio(self) -> float:
        """``in_range / upper_bound``: the share of the best possible plan's reach this one is
        proven to bring within range (1.0 when optimal or when nothing can be reached)."""
        if self.upper_bound <= 0:
            return 1.0
        return min(1.0, self.in_range / self.upper_bound)


def _check_budget(desks_per_day: int, days: int) -> None:
    for name, value in (("desks_per_day", desks_per_day), ("days", days)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")


def schedule(order_gains: np.ndarray, desks_per_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Day and desk number (1-based) of each position in a gain-ordered list of desk sites:
    the first ``N`` on day 1, the next ``N`` on day 2, and so on."""
    pos = np.arange(len(order_gains))
    return pos // desks_per_day + 1, pos % desks_per_day + 1


def desk_plan_from_matrix(
    cover: sp.spmatrix,
    weights: np.ndarray,
    desks_per_day: int,
    days: int,
    *,
    method: str = "auto",
    time_limit: float | None = 20.0,
) -> tuple[siting.SitingResult, np.ndarray, np.ndarray]:
    """Solve the desk model (see the module docstring) from a coverage matrix.

    Parameters
    ----------
    cover : scipy.sparse matrix, shape (n_demand, n_candidates)
        Non-zero where a desk at the candidate reaches the demand point.
    weights : numpy.ndarray, shape (n_demand,)
        People at each demand point (NaN counts as 0).
    desks_per_day, days : int
        ``N`` desks per day over ``D`` days.
    method : {"auto", "exact", "greedy"}
        As for :func:`analytics.siting.maximal_covering` (``auto``: exact up to 600 candidates).
    time_limit : float, optional
        Seconds for the MILP.

    Returns
    -------
    (SitingResult, day, desk)
        The covering result (``chosen`` in schedule order, ``gains`` per desk-day) and the day
        and desk number of each chosen candidate.
    """
    _check_budget(desks_per_day, days)
    if method not in DESK_METHODS:
        raise ValueError(f"method must be one of {DESK_METHODS}, got {method!r}")
    result = siting.maximal_covering(
        cover, weights, desks_per_day * days, method=method, time_limit=time_limit
    )
    day, desk = schedule(result.gains, desks_per_day)
    return result, day, desk


def solve_time_expanded(
    cover: sp.spmatrix,
    weights: np.ndarray,
    desks_per_day: int,
    days: int,
    *,
    time_limit: float | None = 60.0,
) -> tuple[float, np.ndarray]:
    """The desk model exactly as stated (one binary per candidate and day), through HiGHS.

    Slower than :func:`desk_plan_from_matrix` (``D`` times the binaries, and days that can be
    swapped freely make the branch-and-bound tree symmetric); kept to verify the reduction and
    to measure it in the benchmarks.

    Returns
    -------
    (value, x)
        The optimal reached weight and ``x`` (bool, candidates × days): where each desk stands.
    """
    _check_budget(desks_per_day, days)
    csr = sp.csr_matrix(cover, dtype=bool)
    _n_dem, n_sites = csr.shape
    w = np.nan_to_num(np.asarray(weights, dtype="float64"), nan=0.0)
    rows = np.flatnonzero((w > 0) & (np.diff(csr.indptr) > 0))
    a = csr[rows].astype("float64")
    n_x = n_sites * days
    if len(rows) == 0 or n_sites == 0:
        return 0.0, np.zeros((n_sites, days), dtype=bool)
    # x is laid out day-major: x[d * n_sites + j].
    reach = sp.hstack([-a] * days, format="csr")
    link = sp.hstack([reach, sp.identity(len(rows), format="csr")], format="csr")
    per_day = sp.hstack(
        [sp.kron(sp.identity(days), np.ones((1, n_sites))), sp.csr_matrix((days, len(rows)))],
        format="csr",
    )
    c = np.concatenate([np.zeros(n_x), -w[rows]])
    options: dict[str, object] = {"disp": False, "mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        c,
        constraints=[
            LinearConstraint(link, -np.inf, 0.0),
            LinearConstraint(per_day, -np.inf, float(desks_per_day)),
        ],
        integrality=np.concatenate([np.ones(n_x), np.zeros(len(rows))]),
        bounds=Bounds(0.0, 1.0),
        options=options,
    )
    if res.x is None:
        raise RuntimeError(f"HiGHS found no solution: {res.message}")
    x = res.x[:n_x].reshape(days, n_sites).T > 0.5
    return -float(res.fun), x


def walking_matrix(
    demand: distance.PointSet, candidates: distance.PointSet, radius_m: float
) -> sp.csr_matrix:
    """Boolean sparse matrix (demand × candidates): True where the candidate lies within
    ``radius_m`` metres (inclusive) of the demand point."""
    if not radius_m > 0:
        raise ValueError(f"radius_m must be > 0, got {radius_m!r}")
    return siting.coverage_matrix(demand, candidates, radius_m / 1000.0)


def _trips_matrix(pairs: pd.DataFrame, kept: np.ndarray, n_areas: int) -> sp.csr_matrix:
    """Boolean sparse matrix (kept areas × kept areas) of the ``pairs`` (``area``, ``facility``:
    row positions among ``n_areas``) between kept areas, its diagonal set: a desk reaches the
    neighbourhood it stands in."""
    position = np.full(n_areas, -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    rows = position[pairs["area"].to_numpy(dtype=np.int64)]
    cols = position[pairs["facility"].to_numpy(dtype=np.int64)]
    both = (rows >= 0) & (cols >= 0)
    diagonal = np.arange(len(kept))
    return sp.csr_matrix(
        (
            np.ones(int(both.sum()) + len(kept), dtype=bool),
            (np.r_[rows[both], diagonal], np.r_[cols[both], diagonal]),
        ),
        shape=(len(kept), len(kept)),
        dtype=bool,
    )


def _in_partner(areas: pd.DataFrame, partner_id: str | None) -> np.ndarray:
    if partner_id is None:
        return np.ones(len(areas), dtype=bool)
    if "partner_id" not in areas:
        raise ValueError("areas have no 'partner_id' column: a plan cannot be limited to a partner")
    return (areas["partner_id"].astype("string") == str(partner_id)).fillna(False).to_numpy(bool)


def plan_desks(
    areas: gpd.GeoDataFrame,
    desks_per_day: int,
    days: int,
    radius_m: float,
    *,
    weight: str = "uninsured",
    partner_id: str | None = None,
    method: str = "auto",
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    time_limit: float | None = 20.0,
    capacity: float = FALLBACK_DESK_CAPACITY,
    start: object = None,
    pairs: pd.DataFrame | None = None,
) -> DeskPlan:
    """Place ``desks_per_day`` mobile desks on each of ``days`` days to bring the most people
    within range, and say how many they can expect to enrol.

    See the module docstring for the model. Candidates and demand are the same neighbourhoods
    (a desk stands at a neighbourhood's population point); with ``partner_id`` both are limited
    to that partner's neighbourhoods, so people of other partners' areas within reach are not
    counted.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Neighbourhoods with ``area_id``, ``name`` and the ``weight`` column (missing counts as
        0); ``district_id`` and ``partner_id`` are carried into the plan when present. Not
        modified.
    desks_per_day, days : int
        ``N`` desks on each of ``D`` days (both >= 1).
    radius_m : float
        Walking radius in metres (> 0).
    weight : str, default "uninsured"
        The column to reach (``uninsured``; ``population`` where there are no insured counts).
    partner_id : str, optional
        Plan within this partner's neighbourhoods only.
    method : {"auto", "exact", "greedy"}
        ``exact``: MILP (HiGHS); ``greedy``: with the ``(1 - 1/e)`` bound; ``auto``: exact up to
        600 candidates.
    points : geopandas.GeoSeries, optional
        Population points aligned on ``areas``' index (e.g. population-weighted centres).
    crs : CRS-like, optional
        Projected CRS in metres to measure in; by default the areas' UTM zone. A geographic CRS
        is refused with a ``ValueError``.
    time_limit : float, optional
        Seconds for the MILP.
    capacity : float, default FALLBACK_DESK_CAPACITY
        People one desk enrols in a day (> 0; e.g. :func:`analytics.sessions.desk_capacity` of
        the recorded sessions): each desk-day expects ``min(capacity, people it newly brings
        within range)``.
    start : date-like, optional
        The date of day 1; day ``d`` falls on ``start + d - 1``. Without it ``date`` is missing.
    pairs : pandas.DataFrame, optional
        Reach in minutes of travel instead of a walking radius (``radius_m`` is then the reach in
        minutes, the plan's ``unit`` ``min``): the trips within it, ``area`` (the neighbourhood
        reached) and ``facility`` (the neighbourhood where the desk stands), both row positions
        in ``areas``, e.g. :func:`traveltime.workspace.travel_pairs` from the areas to their
        own measuring points. A desk always reaches the neighbourhood it stands in, as a desk at
        a neighbourhood's centre does in a straight line.

    Returns
    -------
    DeskPlan
    """
    _check_budget(desks_per_day, days)
    cap = check_capacity(capacity)
    first = None if start is None else pd.Timestamp(start).normalize()
    for column in ("area_id", "name", weight):
        if column not in areas:
            raise ValueError(f"areas have no column {column!r}; they have {list(areas.columns)}")
    if not radius_m > 0:
        raise ValueError(f"radius_m must be > 0, got {radius_m!r}")
    scope = _in_partner(areas, partner_id)
    chosen_areas = areas.loc[scope]
    metric = distance.metric_crs_for({"areas": areas}, crs)
    w_all = pd.to_numeric(chosen_areas[weight], errors="coerce").astype("float64").to_numpy()
    if (w_all < 0).any():
        raise ValueError(f"areas column {weight!r} has negative values")
    n_no_weight = int(np.isnan(w_all).sum())
    w = np.nan_to_num(w_all, nan=0.0)
    if len(chosen_areas):
        pts = distance._area_points(chosen_areas, points, metric)
        cover = (
            walking_matrix(pts, pts, radius_m)
            if pairs is None
            else _trips_matrix(pairs, np.flatnonzero(scope), len(areas))
        )
        result, day, desk = desk_plan_from_matrix(
            cover, w, desks_per_day, days, method=method, time_limit=time_limit
        )
        xy = pts.xy
    else:
        cover = sp.csr_matrix((0, 0), dtype=bool)
        result = siting.maximal_covering(cover, w, 0)
        day = desk = np.zeros(0, dtype=np.intp)
        xy = np.zeros((0, 2))

    order = result.chosen
    # First desk (in schedule order) within reach of each demand point: sparse, no loop.
    position = np.full(len(chosen_areas), np.iinfo(np.int64).max, dtype=np.int64)
    if len(order):
        sub = sp.csr_matrix(cover)[:, order].tocoo()
        np.minimum.at(position, sub.row, sub.col.astype(np.int64))
    reached_mask = position < len(order)
    pos = np.where(reached_mask, position, 0)
    areas_new = np.bincount(pos[reached_mask], minlength=len(order))

    lonlat = _to_lonlat(xy[order], metric) if len(order) else np.zeros((0, 2))
    ids = chosen_areas["area_id"].to_numpy()
    column_or_na = {
        c: (chosen_areas[c].to_numpy()[order] if c in chosen_areas else np.full(len(order), None))
        for c in ("district_id", "partner_id")
    }
    gains = result.gains.astype("float64")
    enrolled = expected_enrolments(gains, cap)
    day = day.astype(np.int64)
    dates = (
        pd.DatetimeIndex(first + pd.to_timedelta(day - 1, unit="D"))
        if first is not None
        else pd.DatetimeIndex(np.full(len(day), np.datetime64("NaT"), dtype="datetime64[ns]"))
    )
    plan = pd.DataFrame(
        {
            "day": day,
            "date": dates,
            "desk": desk.astype(np.int64),
            "area_id": ids[order],
            "name": chosen_areas["name"].to_numpy()[order],
            "district_id": column_or_na["district_id"],
            "partner_id": column_or_na["partner_id"],
            "in_range_new": gains,
            "areas_new": areas_new.astype(np.int64),
            "enrolled": enrolled,
            "cumulative_enrolled": np.cumsum(enrolled),
            "lon": lonlat[:, 0],
            "lat": lonlat[:, 1],
        },
        columns=list(PLAN_COLUMNS),
    )
    desk_day = np.full(len(chosen_areas), np.nan)
    desk_day[order] = day
    reach = pd.DataFrame(
        {
            "area_id": ids,
            "weight": w_all,
            "desk_day": pd.array(desk_day, dtype="Float64").astype("Int64"),
            "reached_day": pd.array(
                np.where(reached_mask, pos // desks_per_day + 1, np.nan), dtype="Float64"
            ).astype("Int64"),
            "reached_from": pd.Series(
                np.where(reached_mask, ids[order][pos] if len(order) else None, None),
                dtype="object",
            ),
        }
    )
    return DeskPlan(
        plan=plan,
        reach=reach,
        desks_per_day=int(desks_per_day),
        days=int(days),
        radius_m=float(radius_m),
        weight=weight,
        total=float(w.sum()),
        in_range=float(gains.sum()),
        upper_bound=float(result.upper_bound),
        optimal=bool(result.optimal),
        method=result.method,
        n_candidates=len(chosen_areas),
        n_demand=len(chosen_areas),
        n_no_weight=n_no_weight,
        capacity=cap,
        enrolled=float(enrolled.sum()),
        start=first,
        partner_id=None if partner_id is None else str(partner_id),
        unit="m" if pairs is None else "min",
    )


def _to_lonlat(xy: np.ndarray, crs: object) -> np.ndarray:
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([np.round(lon, 6), np.round(lat, 6)])
