"""Matching the area names a file uses (tables that name their area instead of giving its id): exact
matches after :func:`~geodata.tables.text.name_key`, earlier confirmed matches from the workspace
crosswalk, and fuzzy proposals for a person to confirm; then the file's area column resolved to
area ids, every row that matches no area reported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geodata.sources.readers import ROW_COLUMN
from geodata.tables.problems import Problem
from geodata.tables.text import name_key
from geodata.tables.validate import clean_ids

NAME_COLUMNS = ("name", "name_fa", "name_vi", "name_en")
FUZZY_CUTOFF = 70.0
AreaBy = Literal["id", "name"]


def area_name_keys(areas: pd.DataFrame) -> pd.DataFrame:
    """Every spelling of every area's name: ``key`` (name_key), ``area_id``, ``area_name``."""
    parts = []
    for column in NAME_COLUMNS:
        if column in areas:
            parts.append(
                pd.DataFrame(
                    {
                        "key": areas[column].map(name_key).to_numpy(),
                        "area_id": areas["area_id"].astype(str).to_numpy(),
                        "area_name": areas["name"].astype(str).to_numpy()
                        if "name" in areas
                        else areas[column].astype(str).to_numpy(),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=["key", "area_id", "area_name"])
    keys = pd.concat(parts, ignore_index=True)
    return keys[keys["key"] != ""].drop_duplicates(["key", "area_id"])


def looks_like_names(values: pd.Series, areas: pd.DataFrame) -> bool:
    """Whether a column names areas rather than giving their ids (more of its values match
    area names than area ids)."""
    present = values.dropna()
    if not len(present):
        return False
    ids = set(areas["area_id"].astype(str))
    by_id = clean_ids(present).isin(ids).mean()
    by_name = present.map(name_key).isin(set(area_name_keys(areas)["key"])).mean()
    return bool(by_name > by_id)


def match_names(
    values: pd.Series,
    areas: pd.DataFrame,
    crosswalk: pd.DataFrame | None = None,
    *,
    cutoff: float = FUZZY_CUTOFF,
) -> pd.DataFrame:
    """Match the area names a file uses against the workspace's areas.

    Parameters
    ----------
    values
        The file's column that names the area.
    areas
        The workspace areas (``area_id`` and name columns).
    crosswalk
        Matches confirmed earlier (the workspace's ``name_crosswalk`` table).
    cutoff
        Lowest rapidfuzz score for a fuzzy proposal.

    Returns
    -------
    pandas.DataFrame
        One row per distinct spelling (by :func:`~geodata.tables.text.name_key`): ``source_name``
        (first spelling seen), ``source_key``, ``rows`` (how many rows use it), ``area_id``,
        ``area_name``, ``method`` (``exact``, ``crosswalk``, ``fuzzy`` — to confirm —,
        ``ambiguous`` — several areas share the name — or ``none``), ``score`` (0–100) and
        ``confirmed`` (True for exact and crosswalk matches).
    """
    keys = values.map(name_key)
    present = keys != ""
    seen = pd.DataFrame({"source_name": values[present].astype(str), "source_key": keys[present]})
    rows = seen.groupby("source_key", sort=False).agg(
        source_name=("source_name", "first"), rows=("source_name", "size")
    )
    out = rows.reset_index()[["source_name", "source_key", "rows"]]
    out["area_id"] = None
    out["area_name"] = None
    out["method"] = "none"
    out["score"] = 0.0
    spelled = area_name_keys(areas)
    per_key = spelled.groupby("key")["area_id"].nunique()
    shared = set(per_key.index[per_key > 1])
    unique = spelled[~spelled["key"].isin(shared)].drop_duplicates("key").set_index("key")
    names = areas.set_index(areas["area_id"].astype(str))["name"] if "name" in areas else None

    if crosswalk is not None and len(crosswalk):
        known = crosswalk.dropna(subset=["source_key", "area_id"]).drop_duplicates(
            "source_key", keep="last"
        )
        known = known[known["area_id"].astype(str).isin(set(areas["area_id"].astype(str)))]
        lookup = known.set_index("source_key")["area_id"].astype(str)
        hit = out["source_key"].isin(lookup.index)
        out.loc[hit, "area_id"] = out.loc[hit, "source_key"].map(lookup)
        out.loc[hit, "method"] = "crosswalk"
        out.loc[hit, "score"] = 100.0
    todo = out["method"] == "none"
    exact = todo & out["source_key"].isin(unique.index)
    out.loc[exact, "area_id"] = out.loc[exact, "source_key"].map(unique["area_id"])
    out.loc[exact, "method"] = "exact"
    out.loc[exact, "score"] = 100.0
    ambiguous = todo & out["source_key"].isin(shared)
    out.loc[ambiguous, "method"] = "ambiguous"
    todo = out["method"] == "none"
    choices = list(unique.index)
    if todo.any() and choices:
        scores = process.cdist(
            out.loc[todo, "source_key"].tolist(), choices, scorer=fuzz.WRatio, workers=1
        )
        best = scores.argmax(axis=1)
        best_score = scores[np.arange(len(best)), best]
        good = best_score >= cutoff
        index = out.index[todo][good]
        out.loc[index, "area_id"] = unique["area_id"].to_numpy()[best[good]]
        out.loc[index, "method"] = "fuzzy"
        out.loc[index, "score"] = best_score[good].astype(float)
    if names is not None:
        found = out["area_id"].notna()
        out.loc[found, "area_name"] = out.loc[found, "area_id"].map(names).astype(str)
    out["confirmed"] = out["method"].isin(["exact", "crosswalk"])
    order = out["method"].map({"fuzzy": 0, "ambiguous": 1, "none": 2, "crosswalk": 3, "exact": 4})
    return (
        out.assign(_o=order)
        .sort_values(["_o", "source_name"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def crosswalk_with(
    matches: pd.DataFrame, crosswalk: pd.DataFrame | None, *, confirmed_by: str = ""
) -> pd.DataFrame | None:
    """The crosswalk with this import's confirmed fuzzy or hand-picked matches added.

    Exact matches need no crosswalk (they match again next time); a spelling confirmed again
    replaces its older entry. ``None`` when nothing new was confirmed.
    """
    new = matches[
        matches["confirmed"].astype(bool)
        & matches["area_id"].notna()
        & ~matches["method"].isin(["exact", "crosswalk"])
    ]
    if not len(new):
        return None
    added = pd.DataFrame(
        {
            "source_key": new["source_key"].astype(str).to_numpy(),
            "area_id": new["area_id"].astype(str).to_numpy(),
            "source_name": new["source_name"].astype(str).to_numpy(),
            "score": new["score"].astype(float).to_numpy(),
            "method": new["method"].astype(str).to_numpy(),
            "confirmed_by": confirmed_by or None,
            "confirmed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    if crosswalk is not None and len(crosswalk):
        kept = crosswalk[~crosswalk["source_key"].isin(set(added["source_key"]))]
        added = pd.concat([kept, added], ignore_index=True)
    return added.reset_index(drop=True)


def resolve_areas(
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    source: str,
    file_column: str,
    *,
    required: bool,
    area_by: AreaBy,
    matches: pd.DataFrame | None,
    crosswalk: pd.DataFrame | None,
    confirmed_by: str,
    problems: list[Problem],
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    raw = frame["area_id"]
    present = raw.notna() & (raw.astype(str).str.strip() != "")
    new_crosswalk = None
    if area_by == "name":
        if matches is None:
            matches = match_names(raw, areas, crosswalk)
        usable = matches[matches["confirmed"].astype(bool) & matches["area_id"].notna()]
        lookup = usable.set_index("source_key")["area_id"].astype(str)
        resolved = raw.map(name_key).map(lookup)
        problem = "name matches no area (or the match was not confirmed)"
        code = "area_name_unknown"
        fix = "confirm a match in the name matching step, or correct the name"
        new_crosswalk = crosswalk_with(matches, crosswalk, confirmed_by=confirmed_by)
    else:
        ids = clean_ids(raw)
        resolved = ids.where(ids.isin(set(areas["area_id"].astype(str))))
        problem = "matches no area_id in the workspace"
        code = "area_id_unknown"
        fix = "use the workspace's area ids, or match by name"
    unmatched = present & resolved.isna()
    severity = "rejected" if required else "warning"
    what = "row rejected" if required else "kept without an area"
    code += "" if required else "_kept"
    for row, value in zip(frame.loc[unmatched, ROW_COLUMN], raw[unmatched], strict=True):
        problems.append(
            Problem(
                source,
                f"{problem}; {what}",
                int(row),
                file_column,
                str(value),
                severity,  # type: ignore[arg-type]
                fix,
                code,
            )
        )
    out = frame.copy()
    out["area_id"] = resolved.astype(object).where(resolved.notna(), None)
    if required:
        out = out.loc[~unmatched]
    return out, new_crosswalk
