"""The optional columns of the areas table that every view relies on, filled where a workspace
lacks them.

A workspace may have no districts or provinces (``district_id``, ``district_name`` and
``province`` are optional, see ``DESIGN.md``). The dashboard's loader and the command line
(``python -m reports``) both pass their areas through :func:`fill_area_columns`, so a map, a
table or a briefing of such a workspace reads the same in both: a missing column is present and
empty, and a district without a name is named by its id.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["fill_area_columns"]


def fill_area_columns(areas: pd.DataFrame) -> pd.DataFrame:
    """``areas`` with ``district_id``, ``province`` and ``district_name`` always present.

    Parameters
    ----------
    areas
        The areas table (a GeoDataFrame or a plain frame). Not modified.

    Returns
    -------
    pandas.DataFrame
        A new frame of the same type: ``district_id`` and ``province`` added empty where missing;
        ``district_name`` added, and filled with ``district_id`` where it is missing; the names
        in other languages (``district_name_fa``...) emptied where an area has no district.
    """
    out = areas.copy()
    for column in ("district_id", "province"):
        if column not in out:
            out[column] = None
    if "district_name" not in out:
        out["district_name"] = out["district_id"]
    out["district_name"] = out["district_name"].where(
        out["district_name"].notna(), out["district_id"]
    )
    # A district's name in another language (district_name_fa...) names no district where the
    # area has none: it is not shown for it.
    for column in [c for c in out.columns if str(c).startswith("district_name_")]:
        out[column] = out[column].where(out["district_id"].notna())
    return out
