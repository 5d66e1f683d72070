"""Is a patch of low coverage a real cluster, or noise? Local statistics with FDR control.

Two local statistics are computed on area coverage with Queen-contiguity weights (libpysal),
row-standardised:

* Getis-Ord Gi* (``esda.G_Local(star=True)``): a significant low value marks a **cold spot**,
  an area that, with its neighbours, has lower coverage than chance would give;
* local Moran's I (``esda.Moran_Local``): a significant low–high value marks an **isolated low
  area**, low coverage amid neighbours with high coverage (an outlier, not a cluster).

p-values come from conditional permutations (``permutations`` draws, a fixed ``seed``, so the
same data always give the same map). With one test per area, some areas would look significant
by chance; the p-values are therefore corrected with the Benjamini–Hochberg false-discovery-rate
procedure, and only areas whose corrected p-value (q-value) is at most ``alpha`` are called
significant.

Areas without a coverage figure are left out before the weights are built; an area left with no
neighbour (an island) cannot be tested and is reported as ``not_tested``.
"""

from __future__ import annotations

import warnings

import esda
import esda.crand
import esda.getisord
import esda.moran
import esda.significance
import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen

from analytics.compiled import cache_kernels

__all__ = [
    "CATEGORIES",
    "benjamini_hochberg",
    "coverage_clusters",
    "queen_weights",
]

# esda's permutation kernels from numba's cache after the first process (analytics.compiled): the
# first cluster map of a process took about 15 s to compile them, 5 s with the cache
# (``compute_chunk``, which takes the statistic as a compiled function, is compiled anew).
cache_kernels(
    (
        esda.crand.vec_permutations,
        esda.crand._prepare_univariate,
        esda.significance._permutation_significance,
        esda.getisord._g_local_star_crand,
        esda.moran._moran_local_crand,
    )
)

#: Values of ``category``, in order of precedence.
CATEGORIES: tuple[str, ...] = (
    "cold_spot",
    "isolated_low",
    "hot_spot",
    "not_significant",
    "not_tested",
)


def benjamini_hochberg(pvalues: np.ndarray | pd.Series) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values).

    ``q_(i) = min_{k >= i} p_(k) * n / k`` over the p-values sorted ascending, capped at 1;
    rejecting every hypothesis with ``q <= alpha`` controls the false discovery rate at
    ``alpha``. NaN p-values are ignored (and stay NaN); ``n`` counts the others.

    Parameters
    ----------
    pvalues : array-like
        p-values in [0, 1].

    Returns
    -------
    numpy.ndarray
        q-values in the input order.
    """
    p = np.asarray(pvalues, dtype="float64")
    q = np.full(p.shape, np.nan)
    known = np.flatnonzero(np.isfinite(p))
    n = known.size
    if n == 0:
        return q
    order = known[np.argsort(p[known], kind="stable")]
    ranked = p[order] * n / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q[order] = np.minimum(ranked, 1.0)
    return q


def queen_weights(areas: gpd.GeoDataFrame):
    """Queen-contiguity weights of ``areas`` (ids are positions 0..n-1), islands allowed."""
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; the caller handles them.
        warnings.filterwarnings("ignore", category=UserWarning)
        return Queen.from_dataframe(areas, use_index=False, silence_warnings=True)


def coverage_clusters(
    areas: gpd.GeoDataFrame,
    coverage: pd.Series,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Cold spots and isolated low areas of coverage.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Area polygons with ``area_id``. Not modified.
    coverage : pandas.Series
        Coverage (0–1) per ``area_id`` (index); areas absent or NaN are not tested.
    permutations : int, default 999
        Conditional permutations for the pseudo p-values.
    seed : int, default 12345
        Seed of the permutations (the result is reproducible).
    alpha : float, default 0.05
        False discovery rate.

    Returns
    -------
    pandas.DataFrame
        One row per area, in the order of ``areas``: ``area_id``, ``coverage``, ``n_neighbours``,
        ``gi_z`` (Gi* z-score), ``gi_p`` (permutation p), ``gi_q`` (BH q-value), ``moran_i``
        (local I), ``moran_q`` (quadrant: 1 high–high, 2 low–high, 3 low–low, 4 high–low),
        ``moran_p``, ``moran_fdr`` (BH q-value), and ``category`` (one of :data:`CATEGORIES`:
        ``cold_spot`` when Gi* is significantly low; else ``isolated_low`` when local Moran is
        a significant low–high outlier; else ``hot_spot`` when Gi* is significantly high; else
        ``not_significant``; ``not_tested`` for areas with no coverage or no neighbour with one).

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1) or ``permutations`` < 1.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha!r}")
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    ids = areas["area_id"].to_numpy()
    values = pd.to_numeric(pd.Series(ids).map(coverage), errors="coerce").to_numpy("float64")
    n = len(ids)
    out = pd.DataFrame(
        {
            "area_id": ids,
            "coverage": values,
            "n_neighbours": np.zeros(n, dtype="int64"),
            "gi_z": np.nan,
            "gi_p": np.nan,
            "gi_q": np.nan,
            "moran_i": np.nan,
            "moran_q": np.zeros(n, dtype="int64"),
            "moran_p": np.nan,
            "moran_fdr": np.nan,
            "category": "not_tested",
        }
    )
    usable = np.flatnonzero(
        np.isfinite(values) & ~(areas.geometry.isna() | areas.geometry.is_empty).to_numpy()
    )
    if usable.size >= 3:
        w = queen_weights(areas.iloc[usable].reset_index(drop=True))
        cards = np.array([w.cardinalities[i] for i in range(w.n)])
        keep = usable[cards > 0]
        if keep.size >= 3:
            if keep.size < usable.size:  # drop islands and rebuild on the connected rest
                w = queen_weights(areas.iloc[keep].reset_index(drop=True))
            y = values[keep]
            stats = _local_statistics(y, w, permutations=permutations, seed=seed)
            out.loc[keep, "n_neighbours"] = [w.cardinalities[i] for i in range(w.n)]
            for column, vals in stats.items():
                out.loc[keep, column] = vals
            gi_q = benjamini_hochberg(out.loc[keep, "gi_p"])
            mo_q = benjamini_hochberg(out.loc[keep, "moran_p"])
            out.loc[keep, "gi_q"] = gi_q
            out.loc[keep, "moran_fdr"] = mo_q
            z = out.loc[keep, "gi_z"].to_numpy()
            quad = out.loc[keep, "moran_q"].to_numpy()
            category = np.select(
                [
                    (gi_q <= alpha) & (z < 0),
                    (mo_q <= alpha) & (quad == 2),
                    (gi_q <= alpha) & (z > 0),
                ],
                ["cold_spot", "isolated_low", "hot_spot"],
                default="not_significant",
            )
            out.loc[keep, "category"] = category
    return out


def _local_statistics(y: np.ndarray, w, *, permutations: int, seed: int) -> dict[str, np.ndarray]:
    """Gi* and local Moran's I of ``y`` on ``w`` (esda, one process, seeded)."""
    with warnings.catch_warnings():
        # Expected, documented choices: the self-weight of Gi* equals the largest weight of the
        # row (esda's default for star=True), and p-values are esda's folded ("directed") ones.
        warnings.filterwarnings("ignore", message="Gi\\* requested", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*alternative", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*numba", category=UserWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        gi = esda.G_Local(
            y, w, transform="R", permutations=permutations, star=True, n_jobs=1, seed=seed
        )
        lm = esda.Moran_Local(
            y, w, transformation="r", permutations=permutations, n_jobs=1, seed=seed
        )
    return {
        "gi_z": np.asarray(gi.Zs, dtype="float64"),
        "gi_p": np.asarray(gi.p_sim, dtype="float64"),
        "moran_i": np.asarray(lm.Is, dtype="float64"),
        "moran_q": np.asarray(lm.q, dtype="int64"),
        "moran_p": np.asarray(lm.p_sim, dtype="float64"),
    }
