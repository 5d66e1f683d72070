"""Utilisation records (facility activity per period) and what-if scenarios: the checks that tie
them to the facilities table, and saving a scenario as a new workspace version.

Used by the recipe builder (``[utilisation]``), the Data page's upload and the Capacity page.
Nothing here changes the facilities table: a scenario is stored as rows of its own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN
from geodata.store import messages
from geodata.store.workspace import read_table, save_version
from geodata.tables import schema as S
from geodata.tables.problems import DataError, Problem
from geodata.tables.text import name_key
from geodata.tables.validate import clean_ids, conform
from geodata.users import audit
from geodata.users.audit import Actor

__all__ = [
    "delete_scenario",
    "facility_ids_by_name",
    "melt_measures",
    "next_scenario_id",
    "check_utilisation",
    "save_scenario",
]


def melt_measures(frame: pd.DataFrame, measures: Mapping[str, str], source: str) -> pd.DataFrame:
    """A wide table (one column per measure) as long rows: ``measure`` and ``value``.

    ``measures`` maps a measure name (``visits``) to the file's column (``outpatients``); the
    other columns are repeated on every row. The file's row numbers are kept.
    """
    missing = [c for c in measures.values() if c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: column(s) {missing} named in measures are not in the file (columns: "
            f"{', '.join(c for c in frame.columns if not str(c).startswith('_'))})."
        )
    keep = [c for c in frame.columns if c not in set(measures.values())]
    parts = [
        frame[keep].assign(measure=measure, value=frame[column].to_numpy())
        for measure, column in measures.items()
    ]
    if not parts:
        return frame.assign(measure=pd.Series(dtype=object), value=pd.Series(dtype=object))
    return pd.concat(parts, ignore_index=True)


def facility_ids_by_name(
    frame: pd.DataFrame, facilities: pd.DataFrame, source: str, column: str
) -> tuple[pd.Series, list[Problem]]:
    """Facility ids for the facility names in ``frame["facility_id"]``, compared after
    :func:`geodata.tables.text.name_key`. A name that two facilities share gives no id and a problem (a
    name that matches none gives no id; :func:`check_utilisation` reports it)."""
    keys = facilities["name"].map(name_key)
    counts = keys[keys != ""].value_counts()
    shared = set(counts.index[counts > 1])
    lookup = pd.Series(facilities["facility_id"].astype(str).to_numpy(), index=keys.to_numpy())
    lookup = lookup[~lookup.index.isin(shared) & (lookup.index != "")]
    lookup = lookup[~lookup.index.duplicated()]
    names = frame["facility_id"]
    wanted = names.map(name_key)
    ids = wanted.map(lookup)
    ambiguous = wanted.isin(shared).to_numpy()
    rows = frame[ROW_COLUMN] if ROW_COLUMN in frame else pd.Series(np.arange(1, len(frame) + 1))
    problems = [
        Problem(
            source,
            "names more than one facility; row rejected",
            int(r),
            column,
            str(v),
            "rejected",
            "use the facility id instead of the name",
        )
        for r, v in zip(rows[ambiguous], names[ambiguous], strict=True)
    ]
    # Unmatched names stay as they are, so that the next check lists them by name.
    return ids.where(ids.notna() & ~ambiguous, names.where(~ambiguous, None)), problems


def check_utilisation(
    frame: pd.DataFrame, facilities: pd.DataFrame | None, source: str, column: str = "facility_id"
) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Keep the utilisation rows that name a facility of the workspace and have a value ≥ 0.

    Parameters
    ----------
    frame
        Conformed utilisation rows (may carry ``_row`` and ``_source``).
    facilities
        The workspace's facilities; None or empty rejects every row with one clear error.
    source, column
        File name and the file's facility column, used in problems.

    Returns
    -------
    rows, problems, unmatched
        The rows kept, a problem per rejected row, and the facility ids that matched nothing.
    """
    if facilities is None or not len(facilities):
        raise DataError(
            f"{source}: utilisation records name facilities, but the workspace has none yet; "
            "import the facilities first (or add a [facilities] section to the recipe)."
        )
    known = set(facilities["facility_id"].astype(str))
    ids = frame["facility_id"].astype("string")
    unknown = ~ids.isin(known).fillna(False).to_numpy()
    value = pd.to_numeric(frame["value"], errors="coerce")
    negative = (value < 0).fillna(False).to_numpy() & ~unknown
    rows = frame[ROW_COLUMN] if ROW_COLUMN in frame else pd.Series(np.arange(1, len(frame) + 1))
    files = frame[SOURCE_COLUMN] if SOURCE_COLUMN in frame else pd.Series(source, index=frame.index)
    problems = [
        Problem(
            str(f),
            "matches no facility_id in the workspace; row rejected",
            int(r),
            column,
            str(v),
            "rejected",
            "use the workspace's facility ids",
        )
        for r, f, v in zip(rows[unknown], files[unknown], ids[unknown], strict=True)
    ]
    problems += [
        Problem(str(f), "negative activity; row rejected", int(r), "value", str(v), "rejected")
        for r, f, v in zip(rows[negative], files[negative], value[negative], strict=True)
    ]
    unmatched = sorted(set(ids[unknown].dropna().astype(str)))
    kept = frame.loc[~(unknown | negative)].reset_index(drop=True)
    return kept, problems, unmatched


# --------------------------------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------------------------------


def next_scenario_id(scenarios: pd.DataFrame) -> str:
    """``S001``, ``S002``…: one above the highest number used (ids are never reused)."""
    if not len(scenarios):
        return "S001"
    numbers = pd.to_numeric(
        scenarios["scenario_id"].astype(str).str.extract(r"^S(\d+)$", expand=False),
        errors="coerce",
    )
    top = int(numbers.max()) if numbers.notna().any() else 0
    return f"S{top + 1:03d}"


def save_scenario(
    path: str | Path,
    changes: pd.DataFrame,
    *,
    name: str,
    author: str = "",
    facilities: pd.DataFrame | None = None,
    actor: Actor | None = None,
) -> tuple[int, str]:
    """Save a what-if scenario as a new workspace version (only the ``scenarios`` table changes).

    Parameters
    ----------
    path
        The workspace.
    changes
        The scenario's changes as rows of the ``scenarios`` table, without ``scenario_id``,
        ``name``, ``author`` and ``created`` (see :func:`analytics.scenarios.changes_to_frame`).
    name, author
        What the scenario is called and who made it.
    facilities
        The facilities the changes refer to (upgrades, openings and closures must name one of
        them); read from the workspace when not given.

    Returns
    -------
    (version, scenario_id)

    Raises
    ------
    DataError
        No name, no change, or a change that names no facility; nothing is saved.
    """
    name = str(name or "").strip()
    if not name:
        raise DataError("A scenario needs a name.")
    if not len(changes):
        raise DataError(f"Scenario {name!r} has no change to save.")
    if facilities is None:
        facilities = read_table(path, "facilities")
    existing = read_table(path, S.SCENARIOS.name)
    scenario_id = next_scenario_id(existing)
    rows = changes.drop(
        columns=[c for c in ("scenario_id", "name", "author", "created") if c in changes]
    ).copy()
    rows.insert(0, "scenario_id", scenario_id)
    rows["name"] = name
    rows["author"] = author or None
    rows["created"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows["change"] = np.arange(1, len(rows) + 1)
    conformed, problems = conform(rows, S.SCENARIOS, source=f"scenario {name}")
    rejected = [p for p in problems if p.severity in ("rejected", "error")]
    if rejected or len(conformed) != len(rows):
        raise DataError(f"Scenario {name!r} has changes that cannot be stored.", rejected)
    known = set(clean_ids(facilities["facility_id"]).dropna())
    edits = conformed[conformed["kind"] != "new_site"]
    unknown = sorted(set(edits["facility_id"]) - known)
    if unknown:
        raise DataError(f"Scenario {name!r} names no facility with id(s) {', '.join(unknown)}.")
    clash = sorted(set(conformed.loc[conformed["kind"] == "new_site", "facility_id"]) & known)
    if clash:
        raise DataError(f"Scenario {name!r}: new site id(s) already used: {', '.join(clash)}.")
    conformed = conformed.drop(columns=[c for c in conformed.columns if str(c).startswith("_")])
    combined = pd.concat([existing, conformed], ignore_index=True) if len(existing) else conformed
    combined = combined[[c for c in S.SCENARIOS.columns if c in combined.columns]]
    version = save_version(
        path,
        {S.SCENARIOS.name: combined},
        message=messages.message("scenario", scenario=scenario_id, name=name),
        author=author,
        summary={"scenario": {"id": scenario_id, "name": name, "changes": int(len(conformed))}},
    )
    audit.append(
        path,
        actor or audit.cli_actor(author),
        "scenario_save",
        f"scenario {scenario_id} {name!r}: {len(conformed)} change(s), version {version}",
    )
    return version, scenario_id


def delete_scenario(path: str | Path, scenario_id: str, *, author: str = "") -> int:
    """Remove a scenario, as a new version (the old versions still hold it)."""
    existing = read_table(path, S.SCENARIOS.name)
    if not (existing["scenario_id"].astype(str) == str(scenario_id)).any():
        raise DataError(f"No scenario {scenario_id} in the workspace.")
    kept = existing[existing["scenario_id"].astype(str) != str(scenario_id)]
    return save_version(
        path,
        {S.SCENARIOS.name: kept.reset_index(drop=True)},
        message=messages.message("scenario_delete", scenario=scenario_id),
        author=author,
    )
