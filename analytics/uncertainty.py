"""Coverage intervals when the population is an estimate, and ranks that respect them.

Insured counts are registrations (taken as exact); the population is usually a census figure,
often several years older than the insured month. Its relative error is taken to grow with the
years since the census::

    e = base_error + error_per_year * max(years since census, 0)
    population in [P * (1 - e), P * (1 + e)]

(defaults: 2 % for the census itself, plus 1.5 % a year for growth and migration since — about
the annual growth of large cities in the region; a planner can change both). Coverage
``insured / population`` then lies in ``[insured / (P (1 + e)), insured / (P (1 - e))]`` and
uninsured people in ``[max(P (1 - e) - insured, 0), max(P (1 + e) - insured, 0)]``.

Two areas whose intervals overlap are not shown as different: :func:`rank_bands` gives each area
the range of ranks it could take given every interval, instead of a single rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "BASE_ERROR",
    "ERROR_PER_YEAR",
    "coverage_interval",
    "rank_bands",
    "relative_error",
]

BASE_ERROR = 0.02
ERROR_PER_YEAR = 0.015
_MAX_ERROR = 0.9


def relative_error(
    years_since_census: float | np.ndarray,
    base_error: float = BASE_ERROR,
    error_per_year: float = ERROR_PER_YEAR,
) -> np.ndarray:
    """Relative error of a population figure ``years_since_census`` years old (capped at 0.9).

    Raises
    ------
    ValueError
        If an error rate is negative.
    """
    if base_error < 0 or error_per_year < 0:
        raise ValueError("error rates must be 0 or more")
    years = np.clip(np.asarray(years_since_census, dtype="float64"), 0, None)
    return np.minimum(base_error + error_per_year * years, _MAX_ERROR)


def coverage_interval(
    population: pd.Series,
    insured: pd.Series,
    years_since_census: float | pd.Series,
    base_error: float = BASE_ERROR,
    error_per_year: float = ERROR_PER_YEAR,
) -> pd.DataFrame:
    """Coverage and uninsured people as intervals, from an uncertain population.

    Parameters
    ----------
    population, insured : pandas.Series
        Per unit (same index); missing stays missing, a population of 0 counts as missing.
    years_since_census : float or pandas.Series
        Age of the population figure at the insured month, in years.
    base_error, error_per_year : float
        See the module docstring.

    Returns
    -------
    pandas.DataFrame
        Same index: ``rel_error``, ``population_low``, ``population_high``, ``coverage``,
        ``coverage_low``, ``coverage_high``, ``uninsured_low``, ``uninsured_high``.
    """
    pop = pd.to_numeric(population, errors="coerce").astype("float64")
    pop = pop.where(pop > 0)
    ins = pd.to_numeric(insured, errors="coerce").astype("float64")
    years = (
        years_since_census.to_numpy(dtype="float64")
        if isinstance(years_since_census, pd.Series)
        else years_since_census
    )
    e = pd.Series(
        np.broadcast_to(relative_error(years, base_error, error_per_year), pop.shape),
        index=pop.index,
    )
    low, high = pop * (1 - e), pop * (1 + e)
    return pd.DataFrame(
        {
            "rel_error": e,
            "population_low": low,
            "population_high": high,
            "coverage": ins / pop,
            "coverage_low": ins / high,
            "coverage_high": ins / low,
            "uninsured_low": (low - ins).clip(lower=0),
            "uninsured_high": (high - ins).clip(lower=0),
        }
    )


def rank_bands(
    estimate: pd.Series, low: pd.Series, high: pd.Series, ascending: bool = True
) -> pd.DataFrame:
    """Rank units by ``estimate`` and give each the band of ranks its interval allows.

    With ``ascending=True`` rank 1 is the lowest value (e.g. the lowest coverage). A unit's best
    rank is 1 + the number of units whose whole interval lies below its own (strictly); its worst
    rank is the number of units whose interval does not lie wholly above its own. Two units whose
    intervals overlap therefore have overlapping bands and are not shown as different.

    Parameters
    ----------
    estimate, low, high : pandas.Series
        Point estimate and interval per unit (same index); units with a missing estimate are
        unranked (NaN).
    ascending : bool, default True
        Rank 1 for the lowest value; ``False`` for the highest.

    Returns
    -------
    pandas.DataFrame
        Same index: ``rank`` (by the estimate, ties share the smallest rank), ``rank_best``,
        ``rank_worst`` (int where ranked, else NaN) and ``distinct`` (True when the band is a
        single rank: the unit differs from every other).
    """
    est = pd.to_numeric(estimate, errors="coerce").astype("float64")
    lo = pd.to_numeric(low, errors="coerce").astype("float64").fillna(est)
    hi = pd.to_numeric(high, errors="coerce").astype("float64").fillna(est)
    if not ascending:
        est, lo, hi = -est, -hi, -lo
    ok = est.notna().to_numpy()
    lo_k, hi_k = lo.to_numpy()[ok], hi.to_numpy()[ok]
    sorted_hi, sorted_lo = np.sort(hi_k), np.sort(lo_k)
    # units wholly below me: hi_j < lo_i ; units wholly above me: lo_j > hi_i
    below = np.searchsorted(sorted_hi, lo_k, side="left")
    above = lo_k.size - np.searchsorted(sorted_lo, hi_k, side="right")
    best = np.full(len(est), np.nan)
    worst = np.full(len(est), np.nan)
    best[ok] = below + 1
    worst[ok] = lo_k.size - above
    rank = est.rank(method="min", ascending=True)
    return pd.DataFrame(
        {
            "rank": rank,
            "rank_best": best,
            "rank_worst": worst,
            "distinct": pd.Series(best == worst, index=est.index) & est.notna(),
        },
        index=est.index,
    )
