"""Versions of a workspace as a person sees them: a list, what changed, a comparison of two.

Restoring is :func:`geodata.store.workspace.restore_version` (a new version; nothing is overwritten).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geodata.store.diff import CHANGE_KINDS, count_changes, diff_rows
from geodata.store.layout import Version
from geodata.store.workspace import list_versions, read_table
from geodata.tables.problems import DataError
from geodata.tables.schema import STORED_TABLES


def version_table(path: str | Path) -> pd.DataFrame:
    """One row per version, newest first: number, time, author, message and the changes made.

    ``changes`` reads like ``areas +375 ~0 −0; insured +12 ~3 −0`` (added, changed, removed rows
    per table, as recorded when the version was saved).
    """
    rows = []
    for v in reversed(list_versions(path)):
        rows.append(
            {
                "version": v.number,
                "created_at": v.created_at,
                "author": v.author,
                "message": v.message,
                "changes": describe_changes(v),
                "restored_from": v.summary.get("restored_from"),
            }
        )
    return pd.DataFrame(rows)


def change_counts(version: Version) -> dict[str, dict[str, int]]:
    """Table → rows added / changed / removed in this version (versions saved before the store
    kept a per-key summary count a table's rows as added or removed)."""
    diff = version.summary.get("diff")
    if isinstance(diff, dict):
        return {t: {k: int(c.get(k, 0)) for k in CHANGE_KINDS} for t, c in diff.items()}
    out = {}
    for table, counts in dict(version.summary.get("changed", {})).items():
        grown = int(counts.get("rows", 0)) - int(counts.get("previous_rows", 0))
        out[table] = {"added": max(grown, 0), "changed": 0, "removed": max(-grown, 0)}
    return out


def describe_changes(version: Version) -> str:
    """``areas +375 ~0 −0; insured +12 ~3 −0`` for one version."""
    parts = [
        f"{table} +{c['added']} ~{c['changed']} −{c['removed']}"
        for table, c in change_counts(version).items()
    ]
    return "; ".join(parts)


def compare_versions(
    path: str | Path, old: int, new: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """What differs between two versions, table by table.

    Returns
    -------
    summary, details
        ``summary``: one row per table that differs, with ``table``, ``added``, ``changed``,
        ``removed``, ``rows_old`` and ``rows_new``. ``details``: table → :func:`diff_rows` frame
        (its key columns, ``change`` and the ``columns`` that changed).
    """
    versions = {v.number: v for v in list_versions(path)}
    for number in (old, new):
        if number not in versions:
            raise DataError(f"{path} has no version {number} (versions: {sorted(versions)}).")
    a, b = versions[old], versions[new]
    rows = []
    details: dict[str, pd.DataFrame] = {}
    for table in STORED_TABLES:
        if a.layers.get(table) == b.layers.get(table):
            continue
        before = read_table(path, table, old)
        after = read_table(path, table, new)
        found = diff_rows(before, after, STORED_TABLES[table].key)
        details[table] = found
        rows.append(
            {
                "table": table,
                **count_changes(found),
                "rows_old": len(before),
                "rows_new": len(after),
            }
        )
    columns = ["table", *CHANGE_KINDS, "rows_old", "rows_new"]
    return pd.DataFrame(rows, columns=columns), details
