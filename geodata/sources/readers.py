"""Readers: one function turns a source file (or a glob of files) into a frame.

Vector files (GeoJSON, GeoPackage, Shapefile, zipped Shapefile, KML) keep the CRS they carry; CSV and
XLSX are read as text (so identifiers keep their leading zeros) and get a geometry from latitude and
longitude columns or from a WKT column. A layer with geometry but no CRS is an error unless the caller
names one: the CRS is never guessed. Latitude/longitude columns are WGS 84 by definition unless a CRS
is named.
"""

from __future__ import annotations

import glob
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geodata.tables.problems import DataError, Problem
from geodata.tables.text import name_key, parse_numbers
from geodata.uploads.limits import check_magic, ignored_member, unsafe_member

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".kml", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}
ROW_COLUMN = "_row"
#: CSV cells are read as text (identifiers keep leading zeros; "n/a" is reported, not blanked).
CSV_TEXT_OPTIONS: dict[str, object] = {
    "dtype": str,
    "keep_default_na": False,
    "na_values": [""],
    "skipinitialspace": True,
}
SOURCE_COLUMN = "_source"
#: Suggested fix for each reason a row's latitude/longitude is rejected.
COORDINATE_FIXES = {
    "missing coordinates": "fill in latitude and longitude, or leave the row out",
    "coordinates are not numbers": "write decimal degrees with a point, e.g. 35.6892",
    "latitude outside ±90 or longitude outside ±180": (
        "check that latitude and longitude are not swapped, and name the CRS of projected "
        "coordinates"
    ),
    "coordinates are 0, 0 (a missing location)": "fill in the real location",
}
#: The kind of each coordinate problem (``Problem.code``), for the Data page's languages.
COORDINATE_CODES = {
    "missing coordinates": "coordinates_missing",
    "coordinates are not numbers": "coordinates_not_numbers",
    "latitude outside ±90 or longitude outside ±180": "coordinates_outside",
    "coordinates are 0, 0 (a missing location)": "coordinates_zero",
}


def resolve_paths(pattern: str, base: Path) -> list[Path]:
    """Files named by a path or glob, relative to ``base``; an error when none exist."""
    full = pattern if os.path.isabs(pattern) else str(base / pattern)
    if any(ch in pattern for ch in "*?["):
        found = sorted(Path(p) for p in glob.glob(full))
        if not found:
            raise DataError(f"No file matches '{pattern}' (looked in {base}).")
        return found
    path = Path(full)
    if not path.exists():
        raise DataError(f"File not found: '{pattern}' (looked for {path}).")
    return [path]


def parse_crs(crs: str | int | None, where: str) -> CRS | None:
    """A pyproj CRS from a recipe value, or a clear error naming where it came from."""
    if crs is None or crs == "":
        return None
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise DataError(f"{where}: '{crs}' is not a coordinate reference system ({exc}).") from None


def read_source(
    pattern: str,
    base: Path,
    *,
    crs: str | int | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    layer: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
    wkt: str | None = None,
    keep: Mapping[str, object] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one source (a file or a glob of files of one format) into a single frame.

    Parameters
    ----------
    pattern
        Path or glob, relative to ``base``.
    crs
        CRS for files that carry none (and for WKT / lat-lon columns in a projected CRS).
    sheet, encoding, layer
        XLSX sheet, CSV encoding (default UTF-8, with or without BOM), layer in a multi-layer file.
    lat, lon, wkt
        Source columns that hold the point coordinates or the WKT geometry of a CSV/XLSX table.
    keep
        Row filter applied first: column → allowed value or list of values, compared by
        :func:`~geodata.tables.text.name_key`. The number of rows it drops is in ``frame.attrs["filtered"]``.

    Returns
    -------
    frame, problems
        A GeoDataFrame when the source has geometry (in its own CRS, not yet reprojected), else a
        DataFrame; either way with ``_row`` (row number as a person counts it) and ``_source``
        (file name) columns. ``problems`` lists rows whose coordinates could not be read; those
        rows are dropped from the frame.
    """
    paths = resolve_paths(pattern, base)
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    filtered = 0
    for path in paths:
        frame, found, dropped = _read_one(
            path,
            crs=crs,
            sheet=sheet,
            encoding=encoding,
            layer=layer,
            lat=lat,
            lon=lon,
            wkt=wkt,
            keep=keep,
        )
        frame[SOURCE_COLUMN] = path.name
        frames.append(frame)
        problems += found
        filtered += dropped
    if len(frames) == 1:
        frames[0].attrs["filtered"] = filtered
        return frames[0], problems
    crss = {str(f.crs) for f in frames if isinstance(f, gpd.GeoDataFrame)}
    if len(crss) > 1:
        raise DataError(f"The files matching '{pattern}' are in different CRSs: {sorted(crss)}.")
    combined = pd.concat(frames, ignore_index=True)
    if all(isinstance(f, gpd.GeoDataFrame) for f in frames):
        combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=frames[0].crs)
    combined.attrs["filtered"] = filtered
    return combined, problems


def _read_one(
    path: Path,
    *,
    crs: str | int | None,
    sheet: str | int | None,
    encoding: str | None,
    layer: str | None,
    lat: str | None,
    lon: str | None,
    wkt: str | None,
    keep: Mapping[str, object] | None,
) -> tuple[pd.DataFrame, list[Problem], int]:
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        table = _read_table_file(path, sheet=sheet, encoding=encoding)
        table, dropped = filter_rows(table, keep, path.name)
        frame, problems = _table_geometry(table, path.name, crs=crs, lat=lat, lon=lon, wkt=wkt)
        return frame, problems, dropped
    if suffix in VECTOR_SUFFIXES:
        frame, dropped = filter_rows(_read_vector(path, crs=crs, layer=layer), keep, path.name)
        return frame, [], dropped
    raise DataError(
        f"{path.name}: unsupported file type '{suffix}'. Use GeoJSON, GeoPackage, Shapefile "
        "(or a zipped one), KML, CSV or XLSX."
    )


def filter_rows(
    frame: pd.DataFrame, keep: Mapping[str, object] | None, source: str
) -> tuple[pd.DataFrame, int]:
    """Keep the rows whose columns hold one of the allowed values (compared by name_key)."""
    if not keep:
        return frame, 0
    mask = pd.Series(True, index=frame.index)
    for column, allowed in keep.items():
        if column not in frame:
            raise DataError(f"{source}: filter column '{column}' is not in the file.")
        values = allowed if isinstance(allowed, list) else [allowed]
        mask &= frame[column].map(name_key).isin({name_key(v) for v in values})
    return frame.loc[mask], int((~mask).sum())


def _read_table_file(path: Path, *, sheet: str | int | None, encoding: str | None) -> pd.DataFrame:
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            table = pd.read_excel(
                path,
                sheet_name=sheet if sheet is not None else 0,
                dtype=str,
                engine="openpyxl",
                keep_default_na=False,  # "n/a" is a value to report, not a silent blank
                na_values=[""],
            )
            first_data_row = 2
        else:
            table = pd.read_csv(path, encoding=encoding or "utf-8-sig", **CSV_TEXT_OPTIONS)
            first_data_row = 2
    except LookupError:
        raise DataError(
            f"{path.name}: '{encoding}' is not a text encoding Python knows (try 'utf-8' or "
            "'cp1256')."
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path.name}: the text is not {encoding or 'UTF-8'} ({exc.reason} at byte "
            f"{exc.start}). Name the file's encoding in the recipe, e.g. encoding = 'cp1256'."
        ) from None
    except ValueError as exc:  # unknown sheet, broken workbook
        raise DataError(f"{path.name}: cannot read the table ({exc}).") from None
    except (pd.errors.ParserError, zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{path.name}: cannot read the table ({exc}).") from None
    table.columns = [str(c).strip() for c in table.columns]
    table[ROW_COLUMN] = np.arange(first_data_row, first_data_row + len(table))
    return table


def _table_geometry(
    table: pd.DataFrame,
    name: str,
    *,
    crs: str | int | None,
    lat: str | None,
    lon: str | None,
    wkt: str | None,
) -> tuple[pd.DataFrame, list[Problem]]:
    if not (lat or lon or wkt):
        return table, []
    for column in (c for c in (lat, lon, wkt) if c):
        if column not in table.columns:
            raise DataError(
                f"{name}: no column '{column}' (columns are: {', '.join(map(str, table.columns))})."
            )
    problems: list[Problem] = []
    if wkt:
        parsed = shapely.from_wkt(table[wkt].fillna("").to_numpy(dtype=object), on_invalid="ignore")
        bad = shapely.is_missing(parsed)
        for row, value in zip(table.loc[bad, ROW_COLUMN], table.loc[bad, wkt], strict=True):
            problems.append(
                Problem(
                    name,
                    "geometry is not valid WKT",
                    int(row),
                    wkt,
                    str(value),
                    "rejected",
                    "write the geometry as WKT, e.g. POINT (51.4 35.7)",
                    "wkt_invalid",
                )
            )
        target_crs = parse_crs(crs, name)
        if target_crs is None:
            raise DataError(
                f"{name}: the WKT column '{wkt}' carries no CRS. Name it in the recipe, "
                "e.g. crs = 'EPSG:4326'."
            )
        keep = ~bad
        frame = gpd.GeoDataFrame(
            table.loc[keep].drop(columns=[wkt]), geometry=parsed[keep], crs=target_crs
        )
        return frame, problems
    if not (lat and lon):
        raise DataError(f"{name}: give both 'lat' and 'lon' columns, or a 'wkt' column.")
    y, bad_y = parse_numbers(table[lat])
    x, bad_x = parse_numbers(table[lon])
    target_crs = parse_crs(crs, name) or CRS.from_epsg(4326)
    reason = pd.Series("", index=table.index)
    reason[y.isna() | x.isna()] = "missing coordinates"
    reason[bad_y | bad_x] = "coordinates are not numbers"
    if target_crs.is_geographic:
        out = (y.abs() > 90) | (x.abs() > 180)
        _stop_if_swapped(out, x, y, name, lat, lon)
        reason[out & (reason == "")] = "latitude outside ±90 or longitude outside ±180"
        zero = (y == 0) & (x == 0)
        reason[zero & (reason == "")] = "coordinates are 0, 0 (a missing location)"
    rejected = reason != ""
    for row, why, vy, vx in zip(
        table.loc[rejected, ROW_COLUMN],
        reason[rejected],
        table.loc[rejected, lat],
        table.loc[rejected, lon],
        strict=True,
    ):
        problems.append(
            Problem(
                name,
                why,
                int(row),
                f"{lat}/{lon}",
                f"{vy}, {vx}",
                "rejected",
                COORDINATE_FIXES.get(why, "correct the coordinates"),
                COORDINATE_CODES.get(why),
            )
        )
    keep = ~rejected
    frame = gpd.GeoDataFrame(
        table.loc[keep],
        geometry=gpd.points_from_xy(x[keep], y[keep]),
        crs=target_crs,
    )
    return frame, problems


def _stop_if_swapped(
    out: pd.Series, x: pd.Series, y: pd.Series, name: str, lat: str, lon: str
) -> None:
    """Stop when most coordinates are out of range as given but all fit with lat and lon swapped."""
    numeric = x.notna() & y.notna()
    if not numeric.any() or out[numeric].mean() <= 0.5:
        return
    fits_swapped = (x[numeric].abs() <= 90) & (y[numeric].abs() <= 180)
    if fits_swapped.all():
        raise DataError(
            f"{name}: latitude and longitude look swapped — column '{lat}' holds values up to "
            f"{y.abs().max():g} (a latitude is within ±90) while column '{lon}' fits latitudes. "
            f"Swap lat = '{lat}' and lon = '{lon}' in the recipe."
        )


def _read_vector(path: Path, *, crs: str | int | None, layer: str | None) -> gpd.GeoDataFrame:
    source = str(path)
    if path.suffix.lower() == ".zip":
        source = _zip_source(path)
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataError(f"{path.name}: cannot read the file ({exc}).") from None
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame:
        raise DataError(f"{path.name}: the layer has no geometry.")
    frame[ROW_COLUMN] = np.arange(1, len(frame) + 1)
    named = parse_crs(crs, path.name)
    if frame.crs is None:
        if named is None:
            raise DataError(
                f"{path.name}: the file carries no coordinate reference system (no .prj or CRS). "
                "Name it in the recipe, e.g. crs = 'EPSG:32639'; it is never guessed."
            )
        frame = frame.set_crs(named)
    return frame


def _zip_source(path: Path) -> str:
    """A GDAL /vsizip/ path to the one dataset inside a zip (a zipped Shapefile, usually)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if unsafe_member(n)]
            if unsafe:
                raise DataError(f"{path.name}: the archive holds unsafe paths: {unsafe[:3]}.")
            # Folders are fine; what a Mac zip tool adds (__MACOSX/._x.shp) is not data.
            datasets = [
                n
                for n in names
                if Path(n).suffix.lower() in {".shp", ".geojson", ".gpkg", ".kml"}
                and not ignored_member(n)
            ]
            if len(datasets) != 1:
                raise DataError(
                    f"{path.name}: expected one dataset (.shp, .geojson, .gpkg or .kml) inside "
                    f"the zip, found {len(datasets)}: {datasets[:5]}."
                )
            with archive.open(datasets[0]) as member:
                check_magic(
                    member.read(64),
                    Path(datasets[0]).suffix.lower(),
                    f"{path.name} ({datasets[0]})",
                )
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise DataError(f"{path.name}: not a valid zip archive.") from None
    return f"/vsizip/{path}/{datasets[0]}"
