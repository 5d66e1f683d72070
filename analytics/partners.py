"""Partners: what each responsible organisation sees, and how its areas are doing.

:func:`restrict_to_partner` is the server-side filter of a partner's session: it runs on the
workspace tables before anything is computed, rendered or cached for that partner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.tables.calendar import periods_calendar, shift_months

# Tables about places everyone may see (public infrastructure and its activity): kept whole.
PUBLIC_TABLES = frozenset({"facilities", "utilisation"})


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("string")


def restrict_to_partner(
    tables: Mapping[str, pd.DataFrame], partner_id: str
) -> dict[str, pd.DataFrame]:
    """The workspace as one partner may see it: its own areas and the rows about them only.

    Parameters
    ----------
    tables
        Table name → frame, as read from the workspace (not modified).
    partner_id
        The partner whose areas are kept.

    Returns
    -------
    dict
        The same tables: ``areas`` whose ``partner_id`` names the partner only (an area
        co-assigned as ``"P1;P2"`` is kept for each partner it names, its cell as written, so
        that the assignment checks report it to them: it is never hidden from both); ``insured``
        of those areas; ``outreach`` sessions in those areas: by their ``area_id``, or, without
        one, by the area their point lies in; a session in no area at all is kept only for the
        partner that recorded it; the partner's own ``partners`` row; ``targets`` for the
        region, the partner, its areas and their districts; ``facilities`` (and facility
        activity) whole. Any other table is emptied: a table the filter does not know is never
        passed on to a partner.
    """
    partner_id = str(partner_id)
    out: dict[str, pd.DataFrame] = {}
    areas = tables["areas"]
    own = areas[names_partner(areas, partner_id)]
    own = own.reset_index(drop=True)
    area_ids = set(_as_text(own["area_id"]).dropna())
    districts = set(_as_text(own["district_id"]).dropna()) if "district_id" in own else set()
    for name, frame in tables.items():
        if name == "areas":
            kept = own
        elif name in PUBLIC_TABLES:
            kept = frame
        elif name == "insured":
            kept = frame[_as_text(frame["area_id"]).isin(area_ids).to_numpy()]
        elif name == "outreach":
            located = session_area_ids(frame, areas)
            by_partner = (
                (_as_text(frame["partner_id"]) == partner_id).fillna(False).to_numpy()
                if "partner_id" in frame
                else np.zeros(len(frame), dtype=bool)
            )
            in_area = located.isin(area_ids).fillna(False).to_numpy()
            kept = frame[in_area | (located.isna().to_numpy() & by_partner)]
        elif name == "partners":
            kept = frame[(_as_text(frame["partner_id"]) == partner_id).fillna(False).to_numpy()]
        elif name == "targets":
            allowed = {"region", partner_id} | area_ids | districts
            kept = frame[_as_text(frame["scope"]).isin(allowed).to_numpy()]
        else:
            kept = frame.iloc[0:0]
        out[name] = kept.reset_index(drop=True) if kept is not frame else frame
    return out


#: Characters that separate several partner ids written in one cell ("P1;P2").
PARTNER_SEPARATORS = r"[;,|/]"


def names_partner(areas: pd.DataFrame, partner_id: str) -> np.ndarray:
    """Whether each area's ``partner_id`` cell names ``partner_id`` (alone, or among several
    written as ``"P1;P2"``; see :data:`PARTNER_SEPARATORS`), as a boolean array."""
    if "partner_id" not in areas or not len(areas):
        return np.zeros(len(areas), dtype=bool)
    text = pd.Series(_as_text(areas["partner_id"]).to_numpy(), dtype="string")
    parts = text.str.split(PARTNER_SEPARATORS, regex=True).explode().str.strip()
    hit = (parts == str(partner_id)).fillna(False).astype(bool)
    return hit.groupby(level=0).any().reindex(text.index, fill_value=False).to_numpy()


def session_area_ids(sessions: pd.DataFrame, areas: pd.DataFrame) -> pd.Series:
    """The area of each outreach session (positional, as text): its ``area_id``, or, where
    that is missing, the area its point lies in (a spatial index query, no loop); missing where
    neither is known."""
    from analytics.sessions import sessions_with_areas

    if "area_id" in sessions:
        given = _as_text(sessions["area_id"]).reset_index(drop=True)
    else:
        given = pd.Series(pd.NA, index=pd.RangeIndex(len(sessions)), dtype="string")
    has_points = isinstance(sessions, gpd.GeoDataFrame) and sessions.crs is not None
    if not (has_points and isinstance(areas, gpd.GeoDataFrame) and areas.crs is not None):
        return given
    if not given.isna().any() or not len(areas):
        return given
    filled = sessions_with_areas(sessions, areas)["area_id"]
    return pd.Series(filled.to_numpy(), dtype="object").astype("string")


ASSIGNMENT_PROBLEMS: tuple[str, ...] = ("no_partner", "several_partners", "unknown_partner")


def partner_ids_per_area(areas: pd.DataFrame) -> pd.Series:
    """The partner ids named by each area's ``partner_id`` cell, as lists (empty: none)."""
    if "partner_id" not in areas:
        return pd.Series([[] for _ in range(len(areas))], index=areas.index, dtype=object)
    text = _as_text(areas["partner_id"]).str.strip()
    parts = text.str.split(PARTNER_SEPARATORS, regex=True)
    return parts.map(
        lambda ids: [i.strip() for i in ids if i.strip()] if isinstance(ids, list) else []
    )


def assignment_checks(areas: pd.DataFrame, partners: pd.DataFrame) -> pd.DataFrame:
    """Areas whose responsible partner is missing, ambiguous or unknown.

    Parameters
    ----------
    areas
        ``area_id``, ``name`` and optionally ``partner_id``, ``underserved``, ``district_id``.
        When ``underserved`` is present only underserved areas need a partner; otherwise every
        area does.
    partners
        ``partner_id`` of every known partner.

    Returns
    -------
    pandas.DataFrame
        One row per problem: ``area_id``, ``name``, ``district_id``, ``partner_id`` (the cell as
        written), ``problem`` (one of :data:`ASSIGNMENT_PROBLEMS`). An area naming two partners,
        one of them unknown, appears once per problem.
    """
    ids = partner_ids_per_area(areas)
    count = ids.map(len).to_numpy()
    needs = (
        areas["underserved"].astype("boolean").fillna(False).to_numpy()
        if "underserved" in areas
        else np.ones(len(areas), dtype=bool)
    )
    known = set(_as_text(partners["partner_id"]).dropna()) if len(partners) else set()
    unknown = ids.map(lambda found: any(i not in known for i in found)).to_numpy()
    masks = {
        "no_partner": needs & (count == 0),
        "several_partners": count > 1,
        "unknown_partner": unknown,
    }
    columns = ["area_id", "name", "district_id", "partner_id"]
    base = pd.DataFrame(
        {c: (areas[c].to_numpy() if c in areas else None) for c in columns}, index=areas.index
    )
    found = [base[mask].assign(problem=problem) for problem, mask in masks.items() if mask.any()]
    if not found:
        return pd.DataFrame(columns=[*columns, "problem"])
    return pd.concat(found, ignore_index=True)


def partner_targets(partners: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """Target coverage per partner id: its latest row of ``targets`` (scope = partner id),
    else the partners table's ``target_coverage``, else missing."""
    target = pd.Series(np.nan, index=pd.Index(_as_text(partners["partner_id"])), dtype="float64")
    if "target_coverage" in partners:
        target[:] = pd.to_numeric(partners["target_coverage"], errors="coerce").to_numpy()
    if len(targets):
        own = targets[_as_text(targets["scope"]).isin(target.index).to_numpy()]
        if len(own):
            latest = own.sort_values("period").groupby(_as_text(own["scope"]).to_numpy()).last()
            target.loc[latest.index] = pd.to_numeric(
                latest["target_coverage"], errors="coerce"
            ).to_numpy()
    return target


def months_back(
    months: Sequence[pd.Timestamp], period: pd.Timestamp | None, backs: Sequence[int]
) -> dict[int, pd.Timestamp]:
    """The month ``n`` calendar months before ``period``, for each ``n`` of ``backs``, where the
    workspace has it (``months``: its months with counts); a month it lacks is left out (its
    change is missing), never replaced by a neighbouring one.

    Examples
    --------
    With counts for January, March and April 2025, three months before April is January and one
    month before is March; two months before (February) is missing.
    """
    if period is None:
        return {}
    have = set(pd.DatetimeIndex(months))
    stamp = pd.Timestamp(period)
    # Months of the workspace's reporting calendar: three months before Aban 1405 is Mordad.
    calendar = periods_calendar([*have, stamp])
    wanted = {n: shift_months(stamp, -int(n), calendar) for n in backs}
    return {n: month for n, month in wanted.items() if month in have}


def partner_scorecards(
    area_cov: pd.DataFrame,
    earlier: Mapping[int, pd.DataFrame],
    partners: pd.DataFrame,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    """One row per partner: its areas, people, insured, coverage, change and progress to target.

    Parameters
    ----------
    area_cov
        Coverage per area in the month shown (:func:`analytics.coverage.coverage_by_area`, no
        geometry needed), with ``partner_id``.
    earlier
        Months back → coverage per area then (e.g. ``{3: …, 12: …}``); a missing month is left
        out and its change column is missing.
    partners
        The partners table (``partner_id``, ``name``, optional ``target_coverage``).
    targets
        The targets table (rows whose ``scope`` is a partner id are that partner's targets).

    Returns
    -------
    pandas.DataFrame
        ``partner_id``, ``name``, ``areas``, ``population``, ``insured``, ``coverage``,
        ``uninsured``, ``change_<n>m`` (coverage points, now minus n months back), ``target``,
        ``progress`` (coverage / target). Partners of the table without areas have zero areas;
        areas of an unknown partner get a row with a missing name.
    """
    from analytics.coverage import aggregate_coverage

    def by_partner(frame: pd.DataFrame) -> pd.DataFrame:
        keyed = frame.assign(partner_id=_as_text(frame["partner_id"]))
        keyed = keyed[keyed["partner_id"].notna()]
        grouped = aggregate_coverage(keyed, "partner_id")
        return grouped.set_index("partner_id")

    now = by_partner(area_cov)
    ids = pd.Index(_as_text(partners["partner_id"])).union(now.index, sort=False)
    out = pd.DataFrame(index=ids)
    out.index.name = "partner_id"
    names = partners.assign(partner_id=_as_text(partners["partner_id"])).set_index("partner_id")
    for column in ("name", "name_fa", "name_vi", "name_en"):
        if column in names or column == "name":
            out[column] = names[column].reindex(ids).to_numpy() if column in names else None
    out["areas"] = now["n_areas"].reindex(ids).fillna(0).astype("int64").to_numpy()
    for column in ("population", "insured", "coverage", "uninsured"):
        out[column] = now[column].reindex(ids).to_numpy() if column in now else np.nan
    for months, frame in sorted(earlier.items()):
        before = by_partner(frame)["coverage"].reindex(ids)
        out[f"change_{months}m"] = out["coverage"].astype("float64") - before.to_numpy()
    out["target"] = partner_targets(partners, targets).reindex(ids).to_numpy()
    out["progress"] = out["coverage"].astype("float64") / out["target"]
    return out.reset_index()
