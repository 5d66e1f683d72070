"""What both backends of the versioned store share: the version table and its record, and how a
table's columns are stored and read back.

A workspace, GeoPackage (:mod:`geodata.store.geopackage`) or PostGIS (:mod:`geodata.store.postgis`),
keeps ``<table>__v<N>`` layers and a ``workspace_versions`` table of :class:`Version` records.
:func:`prepare_for_storage` writes the columns a GeoPackage has no type for (nullable booleans,
dates) the same way in both, and :func:`restore_types` gives every column its workspace type back,
so both backends read back the same frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.tables.schema import STORED_TABLES

VERSIONS_LAYER = "workspace_versions"


@dataclass(frozen=True)
class Version:
    """One saved version of a workspace."""

    number: int
    created_at: str
    author: str
    message: str
    layers: dict[str, str]
    summary: dict[str, Any]  # the JSON object the version was saved with


def restore_types(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give stored columns their workspace types back (GeoPackage has no nullable int or bool)."""
    schema = STORED_TABLES[table]
    frame = frame.copy()
    for column, kind in schema.kinds.items():
        if column not in frame:
            continue
        values = frame[column]
        if kind == "id" or kind == "text":
            frame[column] = values.astype(object).where(values.notna(), None)
        elif kind == "count":
            frame[column] = pd.to_numeric(values, errors="coerce").round().astype("Int64")
        elif kind in ("number", "fraction"):
            frame[column] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif kind == "date":
            frame[column] = pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
        elif kind == "bool":
            frame[column] = values.astype("boolean")
    return frame


def prepare_for_storage(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as both backends store it: nullable booleans as integers, dates as ISO text."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column == getattr(frame, "_geometry_column_name", None):
            continue
        if isinstance(values.dtype, pd.BooleanDtype):
            frame[column] = values.astype("Int64")
        elif pd.api.types.is_datetime64_any_dtype(values):
            frame[column] = values.dt.strftime("%Y-%m-%d").astype(object)
    return frame
