"""Backups: one workspace version written out as a plain GeoPackage, or a zip of GeoJSON + CSV.

A backup holds every table of the version under its own name (``areas``, ``insured`` …) plus
``backup.json`` (GeoPackage: a ``backup_info`` table) saying which workspace and version it came
from. :func:`read_backup` reads either form back into typed tables, e.g. to save them as a new
version of a workspace.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyogrio

from geodata.store.layout import prepare_for_storage, restore_types
from geodata.store.workspace import list_versions, read_table, workspace_label
from geodata.tables.problems import DataError
from geodata.tables.schema import STORAGE_CRS, STORED_TABLES

BackupFormat = Literal["gpkg", "zip"]
INFO_LAYER = "backup_info"


def _version_tables(path: str | Path, version: int) -> dict[str, pd.DataFrame]:
    held = next(v for v in list_versions(path) if v.number == version).layers
    return {name: read_table(path, name, version) for name in STORED_TABLES if name in held}


def export_backup(
    path: str | Path, out: str | Path, *, version: int | None = None, fmt: BackupFormat = "gpkg"
) -> Path:
    """Write one version (the newest by default) of a workspace as a backup file.

    Parameters
    ----------
    path
        The workspace (a GeoPackage or a ``postgresql://`` URL).
    out
        The backup file to write (replaced when it exists).
    version
        Which version; the newest when ``None``.
    fmt
        ``gpkg``: one GeoPackage with a layer per table. ``zip``: GeoJSON for tables with
        geometry, CSV (UTF-8) for the others.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    versions = list_versions(path)
    number = versions[-1].number if version is None else version
    if number not in {v.number for v in versions}:
        raise DataError(f"{path} has no version {number}.")
    tables = _version_tables(path, number)
    info = {
        "workspace": workspace_label(path),
        "version": number,
        "tables": {name: len(frame) for name, frame in tables.items()},
    }
    out = Path(out)
    out.unlink(missing_ok=True)
    if fmt == "gpkg":
        for name, frame in tables.items():
            stored = prepare_for_storage(frame)
            if not isinstance(stored, gpd.GeoDataFrame):
                stored = pd.DataFrame(stored)
            pyogrio.write_dataframe(stored, out, layer=name, driver="GPKG")
        pyogrio.write_dataframe(
            pd.DataFrame({"info": [json.dumps(info, ensure_ascii=False)]}),
            out,
            layer=INFO_LAYER,
            driver="GPKG",
        )
    elif fmt == "zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, frame in tables.items():
                stored = prepare_for_storage(frame)
                if isinstance(stored, gpd.GeoDataFrame):
                    with tempfile.TemporaryDirectory() as folder:
                        file = Path(folder) / f"{name}.geojson"
                        pyogrio.write_dataframe(stored, file, driver="GeoJSON")
                        archive.write(file, arcname=file.name)
                else:
                    archive.writestr(f"{name}.csv", pd.DataFrame(stored).to_csv(index=False))
            archive.writestr("backup.json", json.dumps(info, ensure_ascii=False, indent=2))
    else:
        raise ValueError(f"Unknown backup format: {fmt}")
    return out


def backup_bytes(
    path: str | Path, *, version: int | None = None, fmt: BackupFormat = "gpkg"
) -> bytes:
    """A backup as bytes (for a download button)."""
    with tempfile.TemporaryDirectory() as folder:
        out = export_backup(path, Path(folder) / f"backup.{fmt}", version=version, fmt=fmt)
        return out.read_bytes()


def read_backup(path: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a backup written by :func:`export_backup`, in the workspace types."""
    path = Path(path)
    tables: dict[str, pd.DataFrame] = {}
    if path.suffix.lower() == ".gpkg":
        names = {name for name, _ in pyogrio.list_layers(path)}
        for name in STORED_TABLES:
            if name in names:
                tables[name] = _typed(
                    pyogrio.read_dataframe(
                        path, layer=name, read_geometry=STORED_TABLES[name].geometry is not None
                    ),
                    name,
                )
        return tables
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DataError(f"{path.name}: not a backup (neither a GeoPackage nor a zip).") from None
    with archive:
        members = set(archive.namelist())
        for name in STORED_TABLES:
            if f"{name}.geojson" in members:
                raw = archive.read(f"{name}.geojson")
                frame = pyogrio.read_dataframe(io.BytesIO(raw))
                tables[name] = _typed(frame, name)
            elif f"{name}.csv" in members:
                frame = pd.read_csv(
                    io.BytesIO(archive.read(f"{name}.csv")),
                    dtype=str,
                    keep_default_na=False,
                    na_values=[""],
                )
                tables[name] = _typed(frame, name)
    return tables


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    schema = STORED_TABLES[name]
    if isinstance(frame, gpd.GeoDataFrame):
        if frame.crs is None:
            frame = frame.set_crs(STORAGE_CRS)
        if schema.geometry is None:
            frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return restore_types(frame, name)
