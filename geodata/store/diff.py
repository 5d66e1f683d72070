"""What changed between two versions of one table: rows added, changed and removed, by key.

Pure functions on frames (no file access): the store calls :func:`summarise_change` when it saves a
version, and :mod:`geodata.store.versions` uses :func:`diff_rows` to compare two saved versions.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.tables.schema import STORED_TABLES

CHANGE_KINDS = ("added", "changed", "removed")
_MISSING = "\x00missing"


def _comparable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Columns as text that compares equal across storage round trips (missing is one value)."""
    out = pd.DataFrame(index=frame.index)
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for column in columns:
        if column not in frame:
            out[column] = _MISSING
            continue
        values = frame[column]
        if column == geometry:
            geoms = values.to_numpy()
            missing = shapely.is_missing(geoms)
            wkb = np.full(len(geoms), _MISSING, dtype=object)
            if (~missing).any():
                wkb[~missing] = shapely.to_wkb(
                    shapely.normalize(geoms[~missing]), hex=True, include_srid=False
                )
            out[column] = wkb
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values) or isinstance(values.dtype, pd.BooleanDtype):
            text = values.astype("Int64").astype("string")
        elif pd.api.types.is_float_dtype(values):
            whole = values.notna() & (values == np.round(values))
            text = values.astype("string")
            text[whole] = values[whole].astype("int64").astype("string")
        else:
            text = values.astype("string")
        out[column] = text.astype(object).where(values.notna().to_numpy(), _MISSING)
    return out


def diff_rows(
    old: pd.DataFrame | None, new: pd.DataFrame | None, key: tuple[str, ...] | list[str]
) -> pd.DataFrame:
    """Every row that differs between two versions of a table.

    Parameters
    ----------
    old, new
        The table before and after (``None`` for a table that does not exist).
    key
        Columns that identify a row (the table's schema key). When either frame lacks one of them,
        rows are compared whole: a row that is not in the other frame is added or removed.

    Returns
    -------
    pandas.DataFrame
        One row per difference: the key columns (``key`` for whole-row comparison), ``change``
        (``added`` / ``changed`` / ``removed``) and ``columns`` (the columns whose values differ,
        comma-separated, for changed rows).
    """
    old = old if old is not None else pd.DataFrame()
    new = new if new is not None else pd.DataFrame()
    columns = [
        c
        for c in dict.fromkeys([*old.columns, *new.columns])
        if not str(c).startswith("_") and c not in key
    ]
    wanted = list(key)
    key = [
        k
        for k in wanted
        if (k in old.columns or not len(old)) and (k in new.columns or not len(new))
    ]
    if not key or len(key) != len(wanted):
        return _whole_row_diff(old, new, columns)
    old_keys = _comparable(old, key)
    new_keys = _comparable(new, key)
    old_values = _comparable(old, columns).set_axis(old_keys.index)
    new_values = _comparable(new, columns).set_axis(new_keys.index)
    left = pd.concat([old_keys, old_values.add_suffix("\x00old")], axis=1).drop_duplicates(key)
    right = pd.concat([new_keys, new_values.add_suffix("\x00new")], axis=1).drop_duplicates(key)
    merged = left.merge(right, on=key, how="outer", indicator=True)
    change = pd.Series("", index=merged.index, dtype=object)
    change[merged["_merge"] == "left_only"] = "removed"
    change[merged["_merge"] == "right_only"] = "added"
    both = (merged["_merge"] == "both").to_numpy()
    differs = pd.DataFrame(
        {c: merged[f"{c}\x00old"].to_numpy() != merged[f"{c}\x00new"].to_numpy() for c in columns},
        index=merged.index,
    )
    changed = both & differs.any(axis=1).to_numpy()
    change[changed] = "changed"
    what = pd.Series("", index=merged.index, dtype=object)
    if changed.any() and columns:
        flags = differs.loc[changed].to_numpy()
        names = np.array(columns, dtype=object)
        what[changed] = [", ".join(names[row]) for row in flags]
    out = merged[key].copy()
    out = out.where(out != _MISSING, None)
    out["change"] = change
    out["columns"] = what
    out = out[out["change"] != ""]
    order = out["change"].map({k: i for i, k in enumerate(CHANGE_KINDS)})
    return (
        out.assign(_order=order)
        .sort_values(["_order", *key])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _whole_row_diff(old: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    def hashes(frame: pd.DataFrame) -> pd.Series:
        if not len(frame):
            return pd.Series([], dtype="uint64")
        return pd.util.hash_pandas_object(_comparable(frame, columns), index=False)

    before, after = hashes(old), hashes(new)
    # Multiset difference: a row present twice before and once after is one removal.
    count_before = before.value_counts()
    count_after = after.value_counts()
    delta = count_after.sub(count_before, fill_value=0)
    added = int(delta[delta > 0].sum())
    removed = int(-delta[delta < 0].sum())
    rows = [("added", "")] * added + [("removed", "")] * removed
    return pd.DataFrame(
        {
            "key": [None] * len(rows),
            "change": [r[0] for r in rows],
            "columns": [r[1] for r in rows],
        }
    )


def count_changes(rows: pd.DataFrame) -> dict[str, int]:
    """``{"added": n, "changed": n, "removed": n}`` from :func:`diff_rows`."""
    counts = rows["change"].value_counts() if len(rows) else pd.Series(dtype=int)
    return {kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS}


def summarise_change(table: str, old: pd.DataFrame | None, new: pd.DataFrame) -> dict[str, int]:
    """Rows added, changed and removed in one table, by the table's key."""
    schema = STORED_TABLES.get(table)
    key = schema.key if schema is not None else ()
    return count_changes(diff_rows(old, new, key))
