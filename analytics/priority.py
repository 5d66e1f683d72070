"""A transparent priority score: where to act first.

The score is a weighted mean of components, each rescaled to 0–1 over the units compared
(min–max), so that a planner can read off why a unit ranks where it does::

    score = 100 * Σ_k w_k * x'_k / Σ_k w_k        x'_k = (x_k - min x_k) / (max x_k - min x_k)

Components (higher means more in need):

``uninsured``
    Uninsured people (population − insured).
``shortfall``
    Coverage shortfall: ``max(target − coverage, 0)``.
``deprivation``
    The areas' deprivation index (0–1); population-weighted mean for groups of areas.
``vulnerable``
    Share of the population aged 65+ or under 5: ``(pop_65plus + pop_under5) / population``.
``distance``
    Distance to care in km (e.g. to the nearest operational facility), when given.

A component that is missing for a unit is left out of that unit's score and the weights of the
others are rescaled (the number of components used is reported); a component that is constant
over all units rescales to 0 for all of them. A weight of 0 switches a component off.

No data is not a rank: a unit without population (missing, or zero) is left out of every
ranking and top-N list (:func:`has_population`, :func:`split_ranked`) and listed apart as
"no data"; its figures do not set the min–max scale either.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "OPERATIONAL",
    "aggregate_priority_inputs",
    "has_population",
    "priority_inputs",
    "priority_score",
    "split_ranked",
]

#: Component names, in the order the page shows them.
COMPONENTS: tuple[str, ...] = ("uninsured", "shortfall", "deprivation", "vulnerable", "distance")
#: The weights a ranking by need starts from: every component counts the same (the Gap
#: analysis's sliders start here; the presentation orders districts by this score).
DEFAULT_WEIGHTS: dict[str, int] = dict.fromkeys(COMPONENTS, 1)
#: Facility statuses that count as care people can reach today (missing status counts too).
OPERATIONAL: tuple[str, ...] = ("operational",)


def _float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("float64")


def has_population(population: pd.Series) -> pd.Series:
    """Whether each unit may be ranked: its population is known and above zero.

    The one rule for every ranking and top-N list (priority ranking, districts ranked, briefing
    lists, partner rankings): a unit without population has no coverage, no uninsured people and
    no share of anything, so it is listed apart as "no data", never ranked.

    Parameters
    ----------
    population : pandas.Series
        Population per unit (numbers, or text of numbers; missing allowed).

    Returns
    -------
    pandas.Series
        Boolean, same index.
    """
    values = _float(population)
    return pd.Series(values.gt(0).to_numpy(), index=population.index, name="has_population")


def split_ranked(
    frame: pd.DataFrame, population: str = "population"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``frame`` split by :func:`has_population` on its ``population`` column: the units that
    may be ranked, and those listed apart as "no data" (each in ``frame``'s order). A frame
    without the column has no population to rank by: every unit is "no data"."""
    if population not in frame:
        return frame.iloc[:0], frame
    ranked = has_population(frame[population]).to_numpy()
    return frame[ranked], frame[~ranked]


def priority_inputs(area_cov: pd.DataFrame, distance_km: pd.Series | None = None) -> pd.DataFrame:
    """The raw (not yet rescaled) priority components per area.

    Parameters
    ----------
    area_cov : pandas.DataFrame
        Output of :func:`analytics.coverage.coverage_by_area` (``area_id``, ``population``,
        ``coverage``, ``uninsured``, ``target``); ``deprivation``, ``pop_65plus`` and
        ``pop_under5`` are used when present. Not modified.
    distance_km : pandas.Series, optional
        Distance to care per area, indexed by ``area_id``.

    Returns
    -------
    pandas.DataFrame
        ``area_id`` and one column per name of :data:`COMPONENTS` (NaN where unknown), plus
        ``population`` (for aggregation). Same row order as ``area_cov``.
    """
    if "area_id" not in area_cov:
        raise ValueError("priority_inputs needs an 'area_id' column")
    population = _float(area_cov["population"]).where(lambda p: p > 0)
    nan = pd.Series(np.nan, index=area_cov.index, dtype="float64")

    def column(name: str) -> pd.Series:
        return _float(area_cov[name]) if name in area_cov else nan

    coverage = column("coverage")
    target = column("target").fillna(1.0) if "target" in area_cov else nan + 1.0
    vulnerable = nan
    if "pop_65plus" in area_cov or "pop_under5" in area_cov:
        parts = pd.concat([column("pop_65plus"), column("pop_under5")], axis=1)
        vulnerable = parts.sum(axis=1, min_count=1) / population
    distance = nan
    if distance_km is not None:
        distance = pd.Series(
            area_cov["area_id"].map(_float(distance_km)).to_numpy(dtype="float64"),
            index=area_cov.index,
        )
    return pd.DataFrame(
        {
            "area_id": area_cov["area_id"].to_numpy(),
            "population": population.to_numpy(),
            "uninsured": column("uninsured").to_numpy(),
            "shortfall": (target - coverage).clip(lower=0).to_numpy(),
            "deprivation": column("deprivation").to_numpy(),
            "vulnerable": vulnerable.to_numpy(),
            "distance": distance.to_numpy(),
        },
        index=area_cov.index,
    )


def aggregate_priority_inputs(
    inputs: pd.DataFrame, keys: pd.Series, coverage: pd.Series, target: pd.Series | float = 1.0
) -> pd.DataFrame:
    """Priority components of groups of areas (e.g. districts).

    Parameters
    ----------
    inputs : pandas.DataFrame
        Output of :func:`priority_inputs`. Not modified.
    keys : pandas.Series
        Group key per row of ``inputs`` (same index).
    coverage : pandas.Series
        Coverage per group (indexed by key), population-weighted as in
        :func:`analytics.coverage.aggregate_coverage`.
    target : float or pandas.Series, default 1.0
        Target coverage, one value or one per group.

    Returns
    -------
    pandas.DataFrame
        Indexed by group key: ``uninsured`` (sum), ``shortfall`` (``max(target − coverage, 0)``),
        ``deprivation`` and ``distance`` (population-weighted means), ``vulnerable`` (Σ vulnerable
        people / Σ population) and ``population``.
    """
    pop = inputs["population"]
    frame = pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "population": pop,
            "uninsured": inputs["uninsured"],
            "vulnerable_people": inputs["vulnerable"] * pop,
            "pop_v": pop.where(inputs["vulnerable"].notna()),
            "dep_w": inputs["deprivation"] * pop,
            "pop_d": pop.where(inputs["deprivation"].notna()),
            "dist_w": inputs["distance"] * pop,
            "pop_k": pop.where(inputs["distance"].notna()),
        }
    )
    g = frame.groupby("key", dropna=False).sum(min_count=1)
    out = pd.DataFrame(index=g.index)
    out["population"] = g["population"]
    out["uninsured"] = g["uninsured"]
    cov = coverage.reindex(g.index).astype("float64")
    tgt = target.reindex(g.index).astype("float64") if isinstance(target, pd.Series) else target
    out["shortfall"] = (tgt - cov).clip(lower=0)
    out["deprivation"] = g["dep_w"] / g["pop_d"]
    out["vulnerable"] = g["vulnerable_people"] / g["pop_v"]
    out["distance"] = g["dist_w"] / g["pop_k"]
    return out


def _rescaled(values: pd.Series, reference: pd.Series | None = None) -> pd.Series:
    ref = values if reference is None else reference
    lo, hi = ref.min(skipna=True), ref.max(skipna=True)
    if not np.isfinite(lo) or not np.isfinite(hi):
        return values * np.nan
    if hi == lo:
        return values.where(values.isna(), 0.0)
    return (values - lo) / (hi - lo)


def priority_score(
    inputs: pd.DataFrame,
    weights: Mapping[str, float],
    scale_from: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score and rank units by need, keeping every component visible.

    Parameters
    ----------
    inputs : pandas.DataFrame
        One row per unit with raw component columns named as in :data:`COMPONENTS` (those
        absent are treated as unknown). Not modified. With a ``population`` column, units
        without population (:func:`has_population`) get no score and no rank, and do not set
        the scale.
    weights : mapping of str to float
        Weight per component (non-negative); components not named get weight 0.
    scale_from : pandas.DataFrame, optional
        Frame whose minimum and maximum of each component rescale ``inputs`` (default:
        ``inputs`` itself). Used to score the ends of an interval on the central scale, e.g.
        the score with the uninsured count at its low and high estimates.

    Returns
    -------
    pandas.DataFrame
        Same index as ``inputs``: for each component ``c`` with a positive weight and some known
        value, ``norm_<c>`` (0–1) and ``part_<c>`` (its contribution to the score, in points);
        then ``score`` (0–100, NaN when no component is known for the unit),
        ``n_components`` (components used for the unit) and ``rank`` (1 = highest score; ties
        share the smallest rank; NaN scores last, unranked).

    Raises
    ------
    ValueError
        If a weight is negative or not finite, or a name is not a component.
    """
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown priority component(s) {sorted(unknown)}; use {COMPONENTS}")
    for name, w in weights.items():
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"weight of {name!r} must be a finite number >= 0, got {w!r}")
    out = pd.DataFrame(index=inputs.index)
    used: list[str] = []
    ranked = (
        has_population(inputs["population"]).to_numpy()
        if "population" in inputs
        else np.ones(len(inputs), dtype=bool)
    )
    for name in COMPONENTS:
        w = float(weights.get(name, 0.0))
        if w <= 0 or name not in inputs:
            continue
        raw = _float(inputs[name]).where(ranked)
        if raw.notna().sum() == 0:
            continue
        reference = None
        if scale_from is not None:
            reference = _float(scale_from[name])
            if "population" in scale_from:
                reference = reference.where(has_population(scale_from["population"]))
        out[f"norm_{name}"] = _rescaled(raw, reference)
        used.append(name)
    if not used:
        out["score"] = np.nan
        out["n_components"] = 0
        out["rank"] = np.nan
        return out
    norms = out[[f"norm_{c}" for c in used]].to_numpy(dtype="float64")
    used_weights = np.array([float(weights[c]) for c in used])
    known = np.isfinite(norms)
    wsum = (known * used_weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(wsum > 0, 100.0 / wsum, np.nan)
    parts = np.where(known, norms, 0.0) * used_weights * scale[:, None]
    parts = np.where(known, parts, np.nan)
    for i, c in enumerate(used):
        out[f"part_{c}"] = parts[:, i]
    out["score"] = np.where(wsum > 0, np.nansum(np.where(known, parts, 0.0), axis=1), np.nan)
    out["n_components"] = known.sum(axis=1).astype("int64")
    out["rank"] = out["score"].rank(ascending=False, method="min")
    return out
