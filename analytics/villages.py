"""Model villages: ``quota`` areas per district chosen by one transparent rule (most uninsured,
lowest coverage, most people, or a weighted score), with the rule said in words for a footnote.

Nothing here modifies its inputs; no loop runs over areas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.priority import has_population

__all__ = [
    "MODEL_VILLAGE_RULES",
    "SCORE_WEIGHTS",
    "ModelVillages",
    "model_villages",
]

#: Rules for choosing model villages (see :func:`model_villages`).
MODEL_VILLAGE_RULES = ("uninsured", "coverage", "score", "population")

#: Default weights of the ``score`` rule: uninsured people (scaled by the largest in the region),
#: coverage gap (1 - coverage) and deprivation (0–1).
SCORE_WEIGHTS: dict[str, float] = {"uninsured": 0.5, "gap": 0.3, "deprivation": 0.2}

# --------------------------------------------------------------------------------------------------
# model villages
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelVillages:
    """Model villages chosen per district, and the rule that chose them.

    Attributes
    ----------
    table : pandas.DataFrame
        The chosen areas: ``district_id``, ``rank`` (1… within the district), ``area_id``,
        ``score`` (the rule's value, larger first), and the columns the rule read.
    rule : str
        One of :data:`MODEL_VILLAGE_RULES`.
    weights : dict
        For ``score``: the weights used (normalised to add up to 1; a term whose column is
        absent is dropped). Empty for the other rules.
    quota : int
        Areas per district (a district may override it, see ``quotas``).
    quotas : dict
        District → its own quota, where one was given.
    short : dict
        District → number of eligible areas, for districts with fewer than their quota.
    n_no_data : int
        Areas left out because a value the rule needs is missing.
    only_underserved : bool
        Whether only areas flagged ``underserved`` were eligible.
    """

    table: pd.DataFrame
    rule: str
    weights: dict[str, float]
    quota: int
    quotas: dict[str, int]
    short: dict[str, int]
    n_no_data: int
    only_underserved: bool

    @property
    def formula(self) -> str:
        """The rule as a formula (English, symbols only), e.g. for a report footnote."""
        if self.rule == "uninsured":
            return "most uninsured people first"
        if self.rule == "coverage":
            return "lowest coverage (insured / population) first"
        if self.rule == "population":
            return "most people first"
        terms = {
            "uninsured": "uninsured / max uninsured",
            "gap": "(1 - coverage)",
            "deprivation": "deprivation",
        }
        return "score = " + " + ".join(
            f"{self.weights[k]:.2f} × {terms[k]}" for k in terms if k in self.weights
        )

    def explain(self) -> str:
        """One plain-English sentence saying how the villages were chosen."""
        scope = "underserved areas" if self.only_underserved else "areas"
        return (
            f"Up to {self.quota} {scope} per district, ranked by {self.formula}; "
            "ties go to the larger population, then the smaller area id."
        )


def _rule_columns(rule: str) -> list[str]:
    return {
        "uninsured": ["uninsured"],
        "coverage": ["coverage"],
        "population": ["population"],
        "score": ["uninsured", "coverage"],
    }[rule]


def model_villages(
    areas: pd.DataFrame,
    *,
    rule: str = "uninsured",
    quota: int = 5,
    quotas: Mapping[str, int] | None = None,
    weights: Mapping[str, float] | None = None,
    only_underserved: bool = False,
    district: str = "district_id",
) -> ModelVillages:
    """Pick up to ``quota`` areas per district by one transparent rule.

    Rules (larger ``score`` first; ties to the larger population, then the smaller ``area_id``):

    * ``uninsured``: score = uninsured people;
    * ``coverage``: score = 1 - coverage (lowest coverage first);
    * ``population``: score = population (for workspaces without insured counts);
    * ``score``: ``w_u · uninsured / max_uninsured + w_g · (1 - coverage) + w_d · deprivation``,
      the maximum taken over the eligible areas of the whole region (so scores compare across
      districts), weights normalised to add up to 1 (default :data:`SCORE_WEIGHTS`); without a
      ``deprivation`` column its term is dropped and the rest renormalised.

    An area missing a value its rule needs, or without population
    (:func:`analytics.priority.has_population`), is not eligible (counted in ``n_no_data``). A district
    with fewer eligible areas than its quota gets all of them and is listed in ``short``.

    Parameters
    ----------
    areas : pandas.DataFrame
        One row per area: ``area_id``, the district column, ``population``, and as the rule
        needs ``uninsured``, ``coverage``, ``deprivation``, ``underserved``. Not modified.
    rule : str
        One of :data:`MODEL_VILLAGE_RULES`.
    quota : int, default 5
        Areas per district (>= 1; the issue's programme uses 5–8).
    quotas : mapping, optional
        District → its own quota, overriding ``quota``.
    weights : mapping, optional
        For ``score``: ``uninsured``, ``gap``, ``deprivation`` (non-negative, not all zero).
    only_underserved : bool, default False
        Only areas flagged ``underserved`` are eligible.
    district : str, default "district_id"
        The column that groups areas into districts (missing: one group of its own).

    Returns
    -------
    ModelVillages
    """
    if rule not in MODEL_VILLAGE_RULES:
        raise ValueError(f"rule must be one of {MODEL_VILLAGE_RULES}, got {rule!r}")
    if int(quota) != quota or quota < 1:
        raise ValueError(f"quota must be a whole number >= 1, got {quota!r}")
    quotas = {str(k): int(v) for k, v in (quotas or {}).items()}
    if any(v < 0 for v in quotas.values()):
        raise ValueError("quotas must be >= 0")
    needed = ["area_id", district, "population", *_rule_columns(rule)]
    if only_underserved:
        needed.append("underserved")
    missing = [c for c in dict.fromkeys(needed) if c not in areas]
    if missing:
        raise ValueError(f"areas have no column(s) {missing} (needed by rule {rule!r})")

    frame = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "district_id": areas[district].astype("string").to_numpy(),
            "population": pd.to_numeric(areas["population"], errors="coerce")
            .astype("float64")
            .to_numpy(),
        }
    )
    for column in ("uninsured", "coverage", "deprivation"):
        if column in areas:
            frame[column] = (
                pd.to_numeric(areas[column], errors="coerce").astype("float64").to_numpy()
            )
    used: dict[str, float] = {}
    eligible = np.ones(len(frame), dtype=bool)
    if only_underserved:
        eligible &= areas["underserved"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    needs = _rule_columns(rule)
    if rule == "score":
        used = dict(weights or SCORE_WEIGHTS)
        unknown = set(used) - set(SCORE_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown score weights {sorted(unknown)}; use {list(SCORE_WEIGHTS)}")
        if any(v < 0 for v in used.values()):
            raise ValueError("score weights must be >= 0")
        if "deprivation" not in frame or frame["deprivation"].isna().all():
            used.pop("deprivation", None)
        used = {k: float(v) for k, v in used.items() if v > 0}
        if not used:
            raise ValueError("at least one score weight must be > 0")
        total = sum(used.values())
        used = {k: v / total for k, v in used.items()}
        needs = [
            {"uninsured": "uninsured", "gap": "coverage", "deprivation": "deprivation"}[k]
            for k in used
        ]
    has_data = np.ones(len(frame), dtype=bool)
    for column in needs:
        has_data &= frame[column].notna().to_numpy()
    # No data is not a rank, whatever the rule (a deprivation-only score included).
    has_data &= has_population(frame["population"]).to_numpy()
    n_no_data = int((eligible & ~has_data).sum())
    eligible &= has_data

    if rule == "uninsured":
        score = frame["uninsured"].to_numpy()
    elif rule == "coverage":
        score = 1.0 - frame["coverage"].to_numpy()
    elif rule == "population":
        score = frame["population"].to_numpy()
    else:
        score = np.zeros(len(frame))
        if "uninsured" in used:
            top = frame.loc[eligible, "uninsured"].max() if eligible.any() else np.nan
            scaled = frame["uninsured"].to_numpy() / top if top and top > 0 else 0.0
            score = score + used["uninsured"] * scaled
        if "gap" in used:
            score = score + used["gap"] * (1.0 - frame["coverage"].to_numpy())
        if "deprivation" in used:
            score = score + used["deprivation"] * frame["deprivation"].to_numpy()
    frame["score"] = score

    pool = frame.loc[eligible].copy()
    pool["_pop"] = pool["population"].fillna(-1.0)
    pool = pool.sort_values(
        ["district_id", "score", "_pop", "area_id"],
        ascending=[True, False, False, True],
        na_position="last",
        kind="mergesort",
    )
    pool["rank"] = pool.groupby("district_id", dropna=False).cumcount() + 1
    limit = pool["district_id"].map(quotas).fillna(quota).astype(int)
    picked = pool[pool["rank"] <= limit]
    available = pool.groupby("district_id", dropna=False).size()
    wanted = available.index.to_series().map(quotas).fillna(quota).astype(int)
    short = {
        ("" if pd.isna(d) else str(d)): int(n) for d, n in available[available < wanted].items()
    }
    columns = ["district_id", "rank", "area_id", "score", "population"] + [
        c for c in ("uninsured", "coverage", "deprivation") if c in frame
    ]
    table = picked[columns].reset_index(drop=True)
    return ModelVillages(
        table=table,
        rule=rule,
        weights=used,
        quota=int(quota),
        quotas=quotas,
        short=short,
        n_no_data=n_no_data,
        only_underserved=bool(only_underserved),
    )
