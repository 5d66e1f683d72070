"""Coverage broken down by scheme, by population group, and underserved versus other areas.

Insured counts come per area, month and scheme, not per person: coverage of a population group
(women, people aged 65+, children under 5) is therefore an estimate that assumes each group is
insured at its area's rate::

    coverage of group g = Σ_i coverage_i * pop_g,i / Σ_i pop_g,i
    uninsured of group g = Σ_i (1 - coverage_i) * pop_g,i

over the areas with a coverage figure (coverage capped at 1). It shows whether a group lives
where coverage is low, not how the group is insured within an area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.coverage import aggregate_coverage, counted_in_coverage
from analytics.insured import insured_by_area

__all__ = ["GROUPS", "by_population_group", "by_scheme", "underserved_vs_other"]

#: Population groups and how each is counted from the areas table.
GROUPS: tuple[str, ...] = ("female", "male", "age_65plus", "under_5")


def by_scheme(
    insured: pd.DataFrame, area_cov: pd.DataFrame, period: pd.Timestamp | None
) -> pd.DataFrame:
    """Insured people per scheme in a month, as a share of the population with data.

    Parameters
    ----------
    insured : pandas.DataFrame
        Insured table with a ``scheme`` column. Not modified.
    area_cov : pandas.DataFrame
        Output of :func:`analytics.coverage.coverage_by_area` for the same month (areas in view).
    period : pandas.Timestamp or None
        Month (the latest when ``None``).

    Returns
    -------
    pandas.DataFrame
        ``scheme``, ``insured`` and ``share`` (insured / population of the areas with data),
        largest first; empty when the table has no scheme column or no rows.
    """
    if "scheme" not in insured or insured.empty:
        return pd.DataFrame(columns=["scheme", "insured", "share"])
    areas = area_cov.loc[counted_in_coverage(area_cov)]
    population = pd.to_numeric(areas["population"], errors="coerce").sum()
    rows = []
    for scheme in sorted(insured["scheme"].dropna().astype(str).unique()):
        counts = insured_by_area(insured, period=period, schemes=scheme)["insured"]
        total = counts.reindex(areas["area_id"]).sum(min_count=1)
        rows.append((scheme, float(total) if pd.notna(total) else np.nan))
    out = pd.DataFrame(rows, columns=["scheme", "insured"])
    out["share"] = out["insured"] / population if population > 0 else np.nan
    return out.sort_values("insured", ascending=False, na_position="last").reset_index(drop=True)


def by_population_group(area_cov: pd.DataFrame) -> pd.DataFrame:
    """Estimated coverage and uninsured people per population group (see the module docstring).

    Parameters
    ----------
    area_cov : pandas.DataFrame
        Output of :func:`analytics.coverage.coverage_by_area`; groups are counted from
        ``pop_female`` (and population − pop_female for men), ``pop_65plus``, ``pop_under5``.

    Returns
    -------
    pandas.DataFrame
        ``group`` (one of :data:`GROUPS` whose column exists), ``population`` (over areas with
        coverage), ``coverage`` and ``uninsured`` (estimates); empty when no group column exists.
    """
    population = pd.to_numeric(area_cov["population"], errors="coerce").astype("float64")
    coverage = pd.to_numeric(area_cov["coverage"], errors="coerce").astype("float64").clip(upper=1)
    counts: dict[str, pd.Series] = {}
    if "pop_female" in area_cov:
        female = pd.to_numeric(area_cov["pop_female"], errors="coerce").astype("float64")
        counts["female"] = female
        counts["male"] = (population - female).clip(lower=0)
    if "pop_65plus" in area_cov:
        counts["age_65plus"] = pd.to_numeric(area_cov["pop_65plus"], errors="coerce")
    if "pop_under5" in area_cov:
        counts["under_5"] = pd.to_numeric(area_cov["pop_under5"], errors="coerce")
    rows = []
    for group, people in counts.items():
        people = people.astype("float64").where(coverage.notna())
        total = people.sum(min_count=1)
        covered = (people * coverage).sum(min_count=1)
        rows.append(
            {
                "group": group,
                "population": total,
                "coverage": covered / total if total and total > 0 else np.nan,
                "uninsured": (people * (1 - coverage)).sum(min_count=1),
            }
        )
    return pd.DataFrame(rows, columns=["group", "population", "coverage", "uninsured"])


def underserved_vs_other(area_cov: pd.DataFrame) -> pd.DataFrame:
    """Coverage of underserved areas against the others (population-weighted).

    Returns
    -------
    pandas.DataFrame
        Output of :func:`analytics.coverage.aggregate_coverage` by ``underserved`` (``True``,
        ``False``; areas with no flag form a missing group); empty without the column.
    """
    if "underserved" not in area_cov or area_cov["underserved"].isna().all():
        return pd.DataFrame()
    frame = pd.DataFrame(area_cov.drop(columns=getattr(area_cov, "_geometry_column_name", [])))
    frame["underserved"] = frame["underserved"].astype("boolean")
    out = aggregate_coverage(frame, by="underserved")
    return out.sort_values("underserved", ascending=False, na_position="last").reset_index(
        drop=True
    )
