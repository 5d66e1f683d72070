"""Where to build: choose k new sites that bring the most people within reach of care.

The maximal covering location problem (Church & ReVelle, 1974): demand points ``i`` with weights
``w_i`` (people, or uninsured people), candidate sites ``j``, and the sets ``N_i`` of candidates
within the radius of ``i``. Demand already within the radius of an existing facility is covered
before anything is built and is left out; the rest is maximised:

    max Σ w_i y_i   subject to   y_i <= Σ_{j in N_i} x_j,   Σ_j x_j <= k,   x_j in {0, 1},
    0 <= y_i <= 1.

``y`` can stay continuous: with integral ``x`` the optimum has ``y_i = min(1, Σ x_j)``.

Two solvers share one interface (:func:`maximal_covering`, from a sparse coverage matrix, or
:func:`choose_sites`, from GeoDataFrames):

* ``exact``: the MILP above through ``scipy.optimize.milp`` (HiGHS); optimal for moderate sizes
  (and the solver's dual bound is reported if a time limit stops it).
* ``greedy``: add the site with the largest marginal gain k times, with the gains updated
  incrementally from a sparse matrix (total work O(nnz)). Covered weight is a monotone submodular
  function, so greedy gets at least (1 - 1/e) of the optimum (Nemhauser, Wolsey & Fisher, 1978);
  the reported upper bound is the tighter of ``greedy / (1 - 1/e)`` and the online bound
  ``f(S_i) + Σ of the k largest marginal gains at step i`` (minimum over steps; Leskovec et al.,
  2007), optionally also the LP relaxation.

Distances follow :mod:`analytics.distance`: straight lines in a projected CRS in metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from analytics.distance import PointSet, _area_points, metric_crs_for, pairs_within, project_points

__all__ = [
    "GREEDY_RATIO",
    "SitingResult",
    "choose_sites",
    "coverage_matrix",
    "covered_weight",
    "maximal_covering",
    "travel_cover",
]

#: Guaranteed share of the optimum reached by greedy on a monotone submodular objective.
GREEDY_RATIO = 1.0 - 1.0 / np.e

#: ``method="auto"`` solves exactly up to this many candidates and matrix entries.
EXACT_MAX_CANDIDATES = 600
EXACT_MAX_NNZ = 2_000_000


@dataclass(frozen=True)
class SitingResult:
    """Chosen sites and the before/after figures.

    Attributes
    ----------
    chosen : numpy.ndarray
        Candidate positions (0-based columns of the coverage matrix), in the order of their
        marginal gain (largest first, each counted after the ones before it).
    gains : numpy.ndarray
        Weight newly covered by each chosen site, same order.
    covered_before, covered_after : float
        Weight within reach before (existing facilities) and after building.
    total : float
        Total weight of the demand.
    method : str
        ``"exact"`` or ``"greedy"``.
    upper_bound : float
        Upper bound on ``covered_after`` over every choice of k sites (equal to it when optimal).
    optimal : bool
        Whether the choice is proven optimal.
    newly_covered : numpy.ndarray
        Boolean mask of the demand points the new sites bring within reach.
    """

    chosen: np.ndarray
    gains: np.ndarray
    covered_before: float
    covered_after: float
    total: float
    method: str
    upper_bound: float
    optimal: bool
    newly_covered: np.ndarray = field(repr=False)

    @property
    def gain(self) -> float:
        """Weight newly within reach."""
        return self.covered_after - self.covered_before

    @property
    def share_before(self) -> float:
        return self.covered_before / self.total if self.total > 0 else float("nan")

    @property
    def share_after(self) -> float:
        return self.covered_after / self.total if self.total > 0 else float("nan")

    @property
    def gain_bound(self) -> float:
        """Upper bound on the gain any k sites could bring."""
        return self.upper_bound - self.covered_before

    @property
    def guaranteed_ratio(self) -> float:
        """``gain / gain_bound``: the share of the best possible gain this choice is proven to
        reach (1.0 when optimal or when nothing can be gained)."""
        if self.gain_bound <= 0:
            return 1.0
        return min(1.0, self.gain / self.gain_bound)


# --------------------------------------------------------------------------------------------------
# coverage matrix
# --------------------------------------------------------------------------------------------------


def coverage_matrix(demand: PointSet, sites: PointSet, radius_km: float) -> sp.csr_matrix:
    """Boolean sparse matrix (demand × sites): True where the site is within ``radius_km``
    (inclusive) of the demand point."""
    i, j, _ = pairs_within(demand, sites, radius_km)
    data = np.ones(len(i), dtype=bool)
    return sp.csr_matrix((data, (i, j)), shape=(len(demand), len(sites)), dtype=bool)


def travel_cover(pairs: pd.DataFrame, n_demand: int, n_sites: int, minutes: float) -> sp.csr_matrix:
    """Boolean sparse matrix (demand × sites) like :func:`coverage_matrix`, from travel
    ``pairs`` (``area``, ``facility``: positions; ``minutes``): True where the trip takes at
    most ``minutes`` (inclusive)."""
    area = pairs["area"].to_numpy("int64")
    site = pairs["facility"].to_numpy("int64")
    time = pd.to_numeric(pairs["minutes"], errors="coerce").to_numpy("float64")
    if ((area < 0) | (area >= n_demand)).any() or ((site < 0) | (site >= n_sites)).any():
        raise ValueError("pairs hold a demand point or site position outside the tables given")
    ok = np.isfinite(time) & (time <= float(minutes))
    data = np.ones(int(ok.sum()), dtype=bool)
    return sp.csr_matrix((data, (area[ok], site[ok])), shape=(n_demand, n_sites), dtype=bool)


def covered_weight(cover: sp.spmatrix, weights: np.ndarray, sites: np.ndarray) -> float:
    """Weight of the demand within reach of at least one of ``sites`` (columns of ``cover``)."""
    if len(sites) == 0:
        return 0.0
    hit = np.asarray(sp.csc_matrix(cover)[:, np.asarray(sites)].sum(axis=1)).ravel() > 0
    return float(np.asarray(weights, dtype="float64")[hit].sum())


# --------------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------------


def _check_weights(weights: np.ndarray, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype="float64")
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per demand point ({n}), got {w.shape}")
    w = np.where(np.isnan(w), 0.0, w)
    if (w < 0).any():
        raise ValueError("weights must be non-negative")
    return w


def _greedy(
    cover_csr: sp.csr_matrix, cover_csc: sp.csc_matrix, w: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Greedy with incremental gains; returns (chosen, gains, online upper bound on the gain)."""
    n_sites = cover_csr.shape[1]
    u = w.copy()
    gains = np.asarray(cover_csc.T @ u, dtype="float64").ravel()
    chosen: list[int] = []
    picked_gains: list[float] = []
    value = 0.0
    bound = np.inf
    kk = min(k, n_sites)
    for _ in range(kk):
        top = np.partition(gains, n_sites - kk)[n_sites - kk :] if kk < n_sites else gains
        bound = min(bound, value + float(np.clip(top, 0, None).sum()))
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        rows = cover_csc.indices[cover_csc.indptr[j] : cover_csc.indptr[j + 1]]
        rows = rows[u[rows] > 0]
        if len(rows):
            sub = cover_csr[rows]
            delta = np.asarray(sub.T @ u[rows], dtype="float64").ravel()
            gains -= delta
            np.clip(gains, 0, None, out=gains)  # float rounding
        chosen.append(j)
        picked_gains.append(float(u[rows].sum()))
        value += picked_gains[-1]
        u[rows] = 0.0
        gains[j] = -1.0  # never picked twice
    if kk:
        rest = np.clip(gains, 0, None)
        top = np.partition(rest, n_sites - kk)[n_sites - kk :] if kk < n_sites else rest
        bound = min(bound, value + float(top.sum()))
    else:
        bound = 0.0
    return np.array(chosen, dtype=np.intp), np.array(picked_gains), bound


def _milp(
    cover_csr: sp.csr_matrix, w: np.ndarray, k: int, *, integral: bool, time_limit: float | None
) -> tuple[np.ndarray | None, float, bool]:
    """Solve the covering model on the rows with weight; returns (x, upper bound, optimal)."""
    rows = np.flatnonzero((w > 0) & (np.diff(cover_csr.indptr) > 0))
    a = cover_csr[rows].astype("float64")
    n_dem, n_sites = a.shape
    if n_dem == 0 or n_sites == 0 or k <= 0:
        return np.zeros(n_sites), 0.0, True
    c = np.concatenate([np.zeros(n_sites), -w[rows]])
    link = sp.hstack([-a, sp.identity(n_dem, format="csr")], format="csr")
    budget = sp.csr_matrix(np.concatenate([np.ones(n_sites), np.zeros(n_dem)])[None, :])
    constraints = [
        LinearConstraint(link, -np.inf, 0.0),
        LinearConstraint(budget, -np.inf, float(k)),
    ]
    integrality = np.concatenate([np.full(n_sites, 1 if integral else 0), np.zeros(n_dem)])
    options: dict[str, object] = {"disp": False}
    if integral:
        options["mip_rel_gap"] = 0.0
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options=options,
    )
    if res.x is None:
        return None, np.inf, False
    optimal = res.status == 0
    bound = -float(res.fun)
    dual = getattr(res, "mip_dual_bound", None)
    if integral and not optimal and dual is not None and np.isfinite(dual):
        bound = -float(dual)
    return np.asarray(res.x[:n_sites]), bound, optimal


def _order_by_gain(
    cover_csc: sp.csc_matrix, w: np.ndarray, sites: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order chosen sites by marginal gain (greedily within the set); drop sites that add nothing."""
    u = w.copy()
    left = list(sites)
    order: list[int] = []
    gains: list[float] = []
    while left:
        g = [
            float(u[cover_csc.indices[cover_csc.indptr[j] : cover_csc.indptr[j + 1]]].sum())
            for j in left
        ]
        best = int(np.argmax(g))
        if g[best] <= 0:
            break
        j = left.pop(best)
        u[cover_csc.indices[cover_csc.indptr[j] : cover_csc.indptr[j + 1]]] = 0.0
        order.append(j)
        gains.append(g[best])
    return np.array(order, dtype=np.intp), np.array(gains)


def maximal_covering(
    cover: sp.spmatrix,
    weights: np.ndarray,
    k: int,
    *,
    already_covered: np.ndarray | None = None,
    method: str = "auto",
    time_limit: float | None = 60.0,
    lp_bound: bool = False,
) -> SitingResult:
    """Choose up to ``k`` sites (columns of ``cover``) to cover the most weight.

    Parameters
    ----------
    cover : scipy.sparse matrix, shape (n_demand, n_sites)
        Non-zero where the site would bring the demand point within reach.
    weights : numpy.ndarray, shape (n_demand,)
        People at each demand point (NaN counts as 0).
    k : int
        Number of sites to build (>= 0).
    already_covered : numpy.ndarray of bool, optional
        Demand already within reach of an existing facility (counted before and after).
    method : {"auto", "exact", "greedy"}
        ``auto`` is exact up to :data:`EXACT_MAX_CANDIDATES` candidates and
        :data:`EXACT_MAX_NNZ` matrix entries, greedy beyond.
    time_limit : float, optional
        Seconds for the MILP; if it stops early the best choice found is returned with the
        solver's bound (``optimal=False``), or greedy's result if that is better.
    lp_bound : bool, default False
        With greedy, also solve the LP relaxation for a tighter bound.

    Returns
    -------
    SitingResult
    """
    if method not in ("auto", "exact", "greedy"):
        raise ValueError(f"method must be 'auto', 'exact' or 'greedy', got {method!r}")
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    csr = sp.csr_matrix(cover, dtype=bool)
    n_dem, n_sites = csr.shape
    w_all = _check_weights(weights, n_dem)
    before_mask = (
        np.zeros(n_dem, dtype=bool)
        if already_covered is None
        else np.asarray(already_covered, dtype=bool)
    )
    if before_mask.shape != (n_dem,):
        raise ValueError("already_covered must have one value per demand point")
    w = np.where(before_mask, 0.0, w_all)
    covered_before = float(w_all[before_mask].sum())
    total = float(w_all.sum())
    csc = csr.tocsc()
    if method == "auto":
        small = n_sites <= EXACT_MAX_CANDIDATES and csr.nnz <= EXACT_MAX_NNZ
        method = "exact" if small else "greedy"

    chosen, gains, bound_gain = _greedy(csr, csc, w, k)
    bound_gain = min(bound_gain, float(gains.sum()) / GREEDY_RATIO)
    used = "greedy"
    proven = False
    if method == "exact":
        x, milp_bound, milp_optimal = _milp(csr, w, k, integral=True, time_limit=time_limit)
        if x is not None:
            ex_chosen, ex_gains = _order_by_gain(csc, w, np.flatnonzero(x > 0.5))
            if ex_gains.sum() >= gains.sum() - 1e-9 * max(1.0, total):
                chosen, gains, used = ex_chosen, ex_gains, "exact"
        bound_gain = milp_bound if milp_optimal else min(bound_gain, milp_bound)
        proven = milp_optimal and used == "exact"
    elif lp_bound:
        _, lp, lp_ok = _milp(csr, w, k, integral=False, time_limit=time_limit)
        if lp_ok:
            bound_gain = min(bound_gain, lp)
    bound_gain = max(bound_gain, float(gains.sum()))
    if proven:
        bound_gain = float(gains.sum())
    optimal = proven or bound_gain <= float(gains.sum()) * (1 + 1e-9) + 1e-9

    newly = np.zeros(n_dem, dtype=bool)
    for j in chosen:
        newly[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
    newly &= ~before_mask
    return SitingResult(
        chosen=chosen,
        gains=gains,
        covered_before=covered_before,
        covered_after=covered_before + float(gains.sum()),
        total=total,
        method=used,
        upper_bound=covered_before + bound_gain,
        optimal=bool(optimal),
        newly_covered=newly,
    )


# --------------------------------------------------------------------------------------------------
# from frames
# --------------------------------------------------------------------------------------------------


def choose_sites(
    demand: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    k: int,
    radius_km: float,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    weight: str = "population",
    method: str = "auto",
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    time_limit: float | None = 60.0,
    pairs: pd.DataFrame | None = None,
    existing_pairs: pd.DataFrame | None = None,
) -> tuple[SitingResult, gpd.GeoDataFrame]:
    """Choose ``k`` new sites to bring the most ``weight`` within ``radius_km``, keeping the
    existing facilities. Within a travel time instead of a distance when given ``pairs``.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Areas (measured from :func:`analytics.distance.area_points`, or ``points``) or demand points,
        with the ``weight`` column (``population`` or ``uninsured``; missing counts as 0). Not
        modified.
    existing : geopandas.GeoDataFrame
        Facilities already there (and counted), e.g. from
        :func:`analytics.access.available_facilities`. May be empty.
    k : int
        Number of new sites.
    radius_km : float
        Reach of a facility (inclusive).
    candidates : geopandas.GeoDataFrame, optional
        Candidate sites (a layer the user provides; polygons use their representative point).
        When None, every demand point is a candidate.
    weight, method, time_limit
        See :func:`maximal_covering`.
    points, crs
        As for :func:`analytics.distance.nearest_facility_km`.
    pairs, existing_pairs : pandas.DataFrame, optional
        Travel times instead of straight lines (``radius_km`` then in minutes): the trips of
        demand points to the candidates (``pairs``: ``area``, ``facility`` = the candidate's row
        position, the demand points' own positions when ``candidates`` is None, ``minutes``) and
        to the existing facilities (``existing_pairs``), as
        :func:`traveltime.workspace.travel_pairs` gives them; a pair not listed is beyond reach.
        Both or neither.

    Returns
    -------
    (SitingResult, geopandas.GeoDataFrame)
        The result, and the chosen candidate rows (a copy, in the candidates' CRS, as points)
        with ``rank``, ``gain`` (weight newly within reach, counted in rank order).
    """
    if weight not in demand:
        raise ValueError(f"demand has no column {weight!r}; it has {list(demand.columns)}")
    if not radius_km > 0:
        raise ValueError(f"radius_km must be > 0, got {radius_km!r}")
    frames = {"demand": demand, "existing facilities": existing}
    if candidates is not None:
        frames["candidates"] = candidates
    metric = metric_crs_for(frames, crs)
    origin = _area_points(demand, points, metric)
    cand_frame = demand if candidates is None else candidates
    cand = origin if candidates is None else project_points(candidates, metric, what="candidates")
    if (pairs is None) != (existing_pairs is None):
        raise ValueError("pairs and existing_pairs go together: give both or neither")
    before = np.zeros(len(origin), dtype=bool)
    if pairs is not None and existing_pairs is not None:
        cover = travel_cover(pairs, len(origin), len(cand.xy), radius_km)
        before = (
            np.asarray(
                travel_cover(existing_pairs, len(origin), len(existing), radius_km).sum(axis=1)
            ).ravel()
            > 0
        )
    else:
        cover = coverage_matrix(origin, cand, radius_km)
        if len(existing):
            have = project_points(existing, metric, what="existing facilities")
            i, _, _ = pairs_within(origin, have, radius_km)
            before[i] = True
    weights = pd.to_numeric(demand[weight], errors="coerce").astype("float64").to_numpy()
    result = maximal_covering(
        cover, weights, k, already_covered=before, method=method, time_limit=time_limit
    )
    chosen = cand_frame.iloc[result.chosen].copy()
    geoms = gpd.GeoSeries(
        gpd.points_from_xy(cand.xy[result.chosen, 0], cand.xy[result.chosen, 1]), crs=metric
    ).to_crs(cand_frame.crs)
    chosen = gpd.GeoDataFrame(
        chosen.drop(columns=cand_frame.geometry.name),
        geometry=geoms.to_numpy(),
        crs=cand_frame.crs,
    )
    chosen.insert(0, "rank", np.arange(1, len(chosen) + 1))
    chosen["gain"] = result.gains
    return result, chosen
