"""Reading an uploaded file for the import: the bytes saved into a temporary folder, the file read by
:func:`geodata.sources.readers.read_source` (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV, XLSX;
GeoParquet for point records, a sample of them on request), a second header row of HXL hashtags
recognised. This runs where the file is read: in the upload sandbox's child
(:mod:`geodata.uploads.sandbox`, :mod:`geodata.uploads._worker`), or here when reads are not isolated.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.sources.readers import (
    CSV_TEXT_OPTIONS,
    ROW_COLUMN,
    SOURCE_COLUMN,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    parse_crs,
    read_source,
)
from geodata.tables.problems import DataError

UPLOAD_SUFFIXES = sorted(VECTOR_SUFFIXES | TABLE_SUFFIXES | {".parquet", ".geoparquet"})
_HXL_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*$", re.IGNORECASE)


@dataclass
class Upload:
    """A file read for import.

    Attributes
    ----------
    path
        Where the file lies (a temporary folder).
    name
        The file name as uploaded.
    frame
        Its rows (a GeoDataFrame when the file carries geometry), with ``_row`` and ``_source``;
        CSV/XLSX columns are text, coordinates not yet turned into points.
    hxl
        Column → HXL hashtag, when the second header row holds hashtags.
    """

    path: Path
    name: str
    frame: pd.DataFrame
    hxl: dict[str, str] = field(default_factory=dict)
    sampled: bool = False

    @property
    def has_geometry(self) -> bool:
        return isinstance(self.frame, gpd.GeoDataFrame)

    @property
    def columns(self) -> list[str]:
        """The file's own columns (no geometry, no internal columns)."""
        geometry = self.frame.geometry.name if self.has_geometry else None
        return [c for c in map(str, self.frame.columns) if not c.startswith("_") and c != geometry]

    @property
    def is_table(self) -> bool:
        return self.path.suffix.lower() in TABLE_SUFFIXES


def safe_file_name(name: str) -> str:
    """A file name that is safe to write in a temporary folder (keeps the suffixes)."""
    base = Path(str(name).replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]+", "_", base, flags=re.UNICODE).lstrip(".")
    return cleaned or "upload"


def save_upload(data: bytes, name: str, folder: str | Path | None = None) -> Path:
    """Write uploaded bytes into ``folder`` (a new temporary folder by default); returns the path."""
    folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="ca-upload-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(name)
    path.write_bytes(data)
    return path


def save_uploads(files: Sequence[tuple[str, bytes]]) -> Path:
    """Write several uploaded files (a Shapefile's .shp, .shx, .dbf, .prj …) into one new
    temporary folder; returns the one to read: the .shp when there is one, else the last file
    (the one added most recently)."""
    if not files:
        raise ValueError("no files")
    folder = Path(tempfile.mkdtemp(prefix="ca-upload-"))
    paths = [save_upload(data, name, folder) for name, data in files]
    shapefiles = [p for p in paths if p.suffix.lower() == ".shp"]
    return shapefiles[0] if shapefiles else paths[-1]


def discard_upload(upload: Upload | Path) -> None:
    """Remove an upload's temporary folder (call when done with it)."""
    path = upload.path if isinstance(upload, Upload) else Path(upload)
    if path.parent.name.startswith("ca-upload-"):
        shutil.rmtree(path.parent, ignore_errors=True)


def read_upload_here(
    path: str | Path,
    *,
    crs: str | int | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    name: str | None = None,
    sample_rows: int | None = None,
) -> Upload:
    """Read an uploaded file (see :data:`UPLOAD_SUFFIXES`) for the mapping step, in this process
    (uploads go through :func:`geodata.uploads.workflow.read_upload`).

    Parameters
    ----------
    sample_rows
        Read only the first rows of a CSV or GeoParquet file (person records, which may be
        millions of rows: their mapping needs the columns only, and the count reads the file in
        chunks later). ``Upload.sampled`` tells that the frame is not the whole file.

    Raises
    ------
    DataError
        The file cannot be read (the message names it and says why).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    shown = name or path.name
    if suffix == ".shp":
        parts = {p.suffix.lower() for p in path.parent.glob(f"{path.stem}.*")}
        if not {".shx", ".dbf"} <= parts:
            raise DataError(
                f"{shown}: a Shapefile needs its .shx and .dbf (and .prj) files too: upload them "
                "together, or as one zip."
            )
    sampled = False
    try:
        if sample_rows and suffix in {".csv", ".txt"}:
            frame, sampled = _read_csv_head(path, sample_rows, encoding)
        elif suffix in {".parquet", ".geoparquet"}:
            frame, sampled = _read_parquet(path, crs, sample_rows)
        else:
            frame, _ = read_source(path.name, path.parent, crs=crs, sheet=sheet, encoding=encoding)
    except DataError as exc:
        raise DataError(
            exc.message.replace(path.name, shown, 1), exc.problems, exc.code, exc.params
        ) from None
    frame[SOURCE_COLUMN] = shown
    hxl: dict[str, str] = {}
    if suffix in TABLE_SUFFIXES and len(frame):
        frame, hxl = _strip_hxl_row(frame)
    return Upload(path=path, name=shown, frame=frame, hxl=hxl, sampled=sampled)


def _read_csv_head(path: Path, rows: int, encoding: str | None) -> tuple[pd.DataFrame, bool]:
    try:
        frame = pd.read_csv(
            path, encoding=encoding or "utf-8-sig", nrows=rows + 1, **CSV_TEXT_OPTIONS
        )
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path.name}: the text is not {encoding or 'UTF-8'} ({exc.reason} at byte "
            f"{exc.start}); name its encoding."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise DataError(f"{path.name}: cannot read the table ({exc}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    sampled = len(frame) > rows
    frame = frame.head(rows)
    frame[ROW_COLUMN] = np.arange(2, 2 + len(frame))
    return frame, sampled


def _read_parquet(
    path: Path, crs: str | int | None, rows: int | None = None
) -> tuple[gpd.GeoDataFrame, bool]:
    sampled = False
    try:
        if rows:
            import pyarrow.parquet as pq

            handle = pq.ParquetFile(path)
            sampled = handle.metadata.num_rows > rows
            table = next(handle.iter_batches(batch_size=rows), None)
            frame = gpd.read_parquet(path) if table is None else _geo_from_arrow(handle, table)
        else:
            frame = gpd.read_parquet(path)
    except DataError:
        raise
    except Exception as exc:  # pyarrow / geopandas raise many types for a broken file
        raise DataError(f"{path.name}: not a readable GeoParquet file ({exc}).") from None
    if frame.crs is None:
        named = parse_crs(crs, path.name)
        if named is None:
            raise DataError(f"{path.name}: the file carries no CRS; name it (e.g. EPSG:4326).")
        frame = frame.set_crs(named)
    frame[ROW_COLUMN] = np.arange(1, len(frame) + 1)
    return frame, sampled


def _geo_from_arrow(handle: object, batch: object) -> gpd.GeoDataFrame:
    """A GeoDataFrame from one record batch of a GeoParquet file (WKB geometry, 'geo' metadata)."""
    import json

    import shapely

    meta = handle.schema_arrow.metadata or {}  # type: ignore[attr-defined]
    geo = json.loads(meta.get(b"geo", b"{}") or b"{}")
    column = geo.get("primary_column")
    if not column:
        raise DataError("not a GeoParquet file (no 'geo' metadata).")
    frame = batch.to_pandas()  # type: ignore[attr-defined]
    crs = geo.get("columns", {}).get(column, {}).get("crs", "OGC:CRS84")
    geometry = shapely.from_wkb(frame.pop(column).to_numpy(), on_invalid="ignore")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)


def _strip_hxl_row(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Recognise a row of HXL hashtags under the header; return the frame without it."""
    columns = [c for c in frame.columns if not str(c).startswith("_")]
    first = frame.iloc[0][columns]
    cells = {c: str(v).strip() for c, v in first.items() if pd.notna(v) and str(v).strip()}
    if not cells or not all(_HXL_TAG.match(v) for v in cells.values()):
        return frame, {}
    tags = {c: re.sub(r"\s+", "", v).lower() for c, v in cells.items()}
    return frame.iloc[1:].reset_index(drop=True), tags
