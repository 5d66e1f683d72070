"""Importing one table from an uploaded file: read, propose a column mapping, validate, match names,
and save as a new workspace version.

The steps, each a pure function the Data page calls in turn:

1. :func:`save_upload` + :func:`read_upload`: the uploaded bytes go to a temporary folder and are
   read by :func:`geodata.sources.readers.read_source` (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV,
   XLSX; GeoParquet for point records). A second header row of HXL hashtags is recognised.
2. :func:`propose_mapping`: workspace column → file column, from HXL hashtags, known synonyms in
   English, Persian and Vietnamese, and column-name similarity (rapidfuzz).
3. :func:`match_names` (tables that name their area instead of giving its id): exact matches after
   :func:`~geodata.tables.text.name_key`, earlier confirmed matches from the workspace crosswalk, and fuzzy
   proposals for a person to confirm.
4. :func:`prepare_import`: renames, checks and converts the table with
   :func:`geodata.tables.validate.conform`; every problem names its file, row and column.
5. :func:`commit_import`: one call to :func:`geodata.store.workspace.save_version` (atomic: a failure leaves
   the workspace file as it was).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geodata.persons.points import POINT_SUFFIXES, PointCounts
from geodata.sources.readers import (
    CSV_TEXT_OPTIONS,
    ROW_COLUMN,
    SOURCE_COLUMN,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    parse_crs,
    read_source,
)
from geodata.store.workspace import read_table, read_workspace, save_version
from geodata.tables import calendar as C
from geodata.tables import schema as S
from geodata.tables.problems import DataError, Problem
from geodata.tables.text import name_key, parse_numbers
from geodata.tables.utilisation import check_utilisation
from geodata.tables.validate import clean_ids, conform, parse_dates_checked
from geodata.uploads.limits import UploadLimits
from geodata.users import audit
from geodata.users.audit import Actor

POINTS_TABLE = "insured_points"
"""Pseudo-table: person/household records with a location, counted into ``insured``."""
IMPORT_TABLES = (
    "areas",
    "facilities",
    "insured",
    POINTS_TABLE,
    "partners",
    "targets",
    "outreach",
    "utilisation",
)
GEOMETRY_TARGETS = ("lat", "lon", "wkt")
POINT_TARGETS = ("lat", "lon", "period", "scheme")
UPLOAD_SUFFIXES = sorted(VECTOR_SUFFIXES | TABLE_SUFFIXES | {".parquet", ".geoparquet"})
NAME_COLUMNS = ("name", "name_fa", "name_vi", "name_en")
FUZZY_CUTOFF = 70.0
MAPPING_CUTOFF = 80.0
ImportMode = Literal["replace", "update"]
#: How a date that is not the first day of a reporting month is read: a row problem
#: (``first_day``), or booked to the month that contains it (``containing``), each row shown.
DateRule = Literal["first_day", "containing"]
DATE_RULES: tuple[str, ...] = ("first_day", "containing")
#: What becomes of rows the workspace already holds (same key) when an import adds rows.
OnExisting = Literal["replace", "add", "cancel"]
ON_EXISTING: tuple[str, ...] = ("replace", "add", "cancel")
#: Rows whose count is blank, negative, fractional or above the area's population: imported
#: with the flag (left out of coverage), or left out of the import.
FlaggedRows = Literal["keep", "skip"]
FLAGGED_CHOICES: tuple[str, ...] = ("keep", "skip")
#: The scheme a person books a file without a scheme column to when no scheme fits.
UNSPECIFIED_SCHEME = "unspecified"
#: The column whose value an overlap listing shows, now and in the file, per table.
VALUE_COLUMNS = {
    "insured": "insured",
    "targets": "target_coverage",
    "utilisation": "value",
    "outreach": "enrolled",
    "areas": "population",
    "facilities": "name",
    "partners": "name",
}
AreaBy = Literal["id", "name"]

# Column names people use, in English, Persian and Vietnamese; compared by name_key().
SYNONYMS: dict[str, tuple[str, ...]] = {
    "area_id": (
        "area_id", "area", "area code", "code", "id", "areaid", "neighbourhood_id",
        "neighborhood_id", "mahalle_id", "commune_id", "ward_id", "کد", "کد محله", "شناسه",
        "mã", "mã xã", "mã phường",
    ),
    "name": ("name", "area_name", "neighbourhood", "neighborhood", "نام", "نام محله", "محله",
             "tên", "tên xã", "tên phường", "xã", "phường"),
    "name_fa": ("name_fa", "persian name", "نام فارسی"),
    "name_vi": ("name_vi", "vietnamese name", "tên tiếng việt"),
    "name_en": ("name_en", "english name", "name english"),
    "population": ("population", "pop", "total population", "inhabitants", "residents",
                   "جمعیت", "جمعیت کل", "dân số", "số dân", "tổng dân số"),
    "households": ("households", "hh", "household count", "خانوار", "تعداد خانوار", "số hộ", "hộ"),
    "pop_female": ("pop_female", "female", "women", "زن", "جمعیت زن", "nữ", "dân số nữ"),
    "pop_65plus": ("pop_65plus", "65+", "elderly", "سالمند", "trên 65"),
    "pop_under5": ("pop_under5", "under 5", "children under 5", "زیر ۵ سال", "dưới 5 tuổi"),
    "district_id": ("district_id", "district", "district code", "region", "reg_no", "regno",
                    "منطقه", "کد منطقه", "quận", "huyện", "mã quận", "mã huyện"),
    "district_name": ("district_name", "district name", "نام منطقه", "tên quận", "tên huyện"),
    "province": ("province", "state", "استان", "tỉnh", "tỉnh thành"),
    "underserved": ("underserved", "deprived", "کم برخوردار", "محروم", "vùng khó khăn"),
    "deprivation": ("deprivation", "deprivation index", "شاخص محرومیت", "chỉ số nghèo"),
    "partner_id": ("partner_id", "partner", "organisation", "organization", "org", "سازمان",
                   "نهاد", "đối tác", "tổ chức"),
    "facility_id": ("facility_id", "facility", "id", "code", "کد", "کد مرکز", "شناسه", "mã",
                    "mã cơ sở"),
    "type": ("type", "kind", "category", "facility type", "نوع", "نوع مرکز", "loại", "loại hình"),
    "operator": ("operator", "owner", "ownership", "مالکیت", "وابستگی", "chủ quản"),
    "beds": ("beds", "bed count", "تخت", "تعداد تخت", "giường", "số giường"),
    "shifts": ("shifts", "شیفت", "ca"),
    "status": ("status", "state", "وضعیت", "trạng thái"),
    "opens_on": ("opens_on", "opening date", "opens", "تاریخ افتتاح", "ngày khai trương"),
    "services": ("services", "خدمات", "dịch vụ"),
    "address": ("address", "نشانی", "آدرس", "địa chỉ"),
    "period": ("period", "month", "date", "year_month", "ماه", "تاریخ", "دوره", "tháng",
               "ngày", "kỳ", "enrolment date", "enrollment date", "تاریخ ثبت نام"),
    "insured": ("insured", "insured people", "insured_people", "count", "بیمه شده",
                "تعداد بیمه شده", "بیمه شدگان", "số người có bảo hiểm", "số người tham gia bhyt",
                "số thẻ bhyt"),
    "scheme": ("scheme", "fund", "plan", "insurance", "صندوق", "طرح", "نوع بیمه",
               "loại bảo hiểm", "chương trình"),
    "source": ("source", "منبع", "nguồn"),
    "measure": ("measure", "indicator", "activity", "شاخص", "نوع خدمت", "chỉ số", "hoạt động"),
    "value": ("value", "amount", "total", "مقدار", "تعداد", "giá trị", "số lượng"),
    "kind": ("kind", "type", "نوع", "loại"),
    "target_coverage": ("target_coverage", "target", "هدف", "پوشش هدف", "mục tiêu"),
    "contact": ("contact", "phone", "email", "تلفن", "تماس", "liên hệ", "điện thoại"),
    "scope": ("scope", "area", "district", "محدوده", "phạm vi"),
    "session_id": ("session_id", "session", "id", "شناسه", "mã"),
    "date": ("date", "day", "تاریخ", "روز", "ngày"),
    "enrolled": ("enrolled", "enrolments", "enrollments", "ثبت نام", "ثبت نامی", "تعداد ثبت نام",
                 "số người đăng ký", "đăng ký"),
    "lat": ("lat", "latitude", "y", "lat_dd", "عرض جغرافیایی", "عرض", "vĩ độ"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon_dd", "طول جغرافیایی", "طول", "kinh độ"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "shape", "هندسه", "hình học"),
}  # fmt: skip

# HXL hashtag (+ attributes it must have) → workspace column, per table ("*" for every table).
HXL_RULES: tuple[tuple[str, frozenset[str], str, str], ...] = (
    ("#geo", frozenset({"lat"}), "lat", "*"),
    ("#geo", frozenset({"lon"}), "lon", "*"),
    ("#geo", frozenset({"wkt"}), "wkt", "*"),
    ("#population", frozenset({"f"}), "pop_female", "areas"),
    ("#population", frozenset(), "population", "areas"),
    ("#population", frozenset(), "insured", "insured"),
    ("#household", frozenset(), "households", "areas"),
    ("#reached", frozenset(), "enrolled", "outreach"),
    ("#targeted", frozenset(), "target_coverage", "targets"),
    ("#adm1", frozenset({"name"}), "province", "areas"),
    ("#adm2", frozenset({"code"}), "district_id", "areas"),
    ("#adm2", frozenset({"name"}), "district_name", "areas"),
    ("#adm3", frozenset({"code"}), "area_id", "*"),
    ("#adm3", frozenset({"name"}), "name", "areas"),
    ("#adm3", frozenset({"name"}), "area_id", "*"),
    ("#loc", frozenset({"code"}), "facility_id", "facilities"),
    ("#loc", frozenset({"name"}), "name", "facilities"),
    ("#loc", frozenset({"type"}), "type", "facilities"),
    ("#loc", frozenset({"code"}), "area_id", "*"),
    ("#loc", frozenset({"name"}), "area_id", "*"),
    ("#org", frozenset({"code"}), "partner_id", "*"),
    ("#org", frozenset({"id"}), "partner_id", "*"),
    ("#org", frozenset({"name"}), "name", "partners"),
    ("#org", frozenset({"type"}), "kind", "partners"),
    ("#org", frozenset(), "operator", "facilities"),
    ("#date", frozenset(), "period", "*"),
    ("#date", frozenset(), "date", "outreach"),
    ("#date", frozenset(), "opens_on", "facilities"),
    ("#status", frozenset(), "status", "*"),
    ("#capacity", frozenset(), "beds", "facilities"),
    ("#contact", frozenset(), "contact", "*"),
    ("#meta", frozenset({"id"}), "session_id", "outreach"),
    ("#indicator", frozenset({"scheme"}), "scheme", "*"),
    ("#sector", frozenset(), "scheme", "insured"),
    ("#sector", frozenset(), "services", "facilities"),
)
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


@dataclass
class Prepared:
    """A validated table ready to be saved, with everything the person should see first."""

    table: str
    frame: pd.DataFrame
    problems: list[Problem]
    source: str
    read: int
    notes: list[str] = field(default_factory=list)
    crosswalk: pd.DataFrame | None = None
    points: PointCounts | None = None
    existing: pd.DataFrame | None = None
    """Rows of ``frame`` whose key the workspace already holds (:func:`existing_rows`), with the
    value now and in the file: what an import in ``update`` mode would replace."""
    flagged: list[int] = field(default_factory=list)
    """Positions in ``frame`` of rows whose count is blank, negative, fractional or above the
    area's population (each reported in ``problems``): imported only as the person chooses."""
    calendar: str = C.GREGORIAN

    @property
    def rejected(self) -> int:
        return sum(p.severity == "rejected" for p in self.problems)

    def without_flagged(self) -> pd.DataFrame:
        """The rows to import when the person leaves the flagged ones out."""
        keep = np.ones(len(self.frame), dtype=bool)
        keep[self.flagged] = False
        return self.frame.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- reading


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


def read_upload(
    path: str | Path,
    *,
    crs: str | int | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    name: str | None = None,
    sample_rows: int | None = None,
    limits: UploadLimits | None = None,
) -> Upload:
    """Read an uploaded file safely: :func:`read_upload_here` in a separate process with size,
    time and memory limits, after checks for zip and XML bombs (:mod:`geodata.uploads.sandbox`,
    :mod:`geodata.uploads.limits`). Same parameters; every failure is a :class:`DataError` naming the
    file, never a crash or a hang."""
    from geodata.uploads.sandbox import read_upload_isolated

    return read_upload_isolated(
        path,
        name=name,
        limits=limits,
        crs=crs,
        sheet=sheet,
        encoding=encoding,
        sample_rows=sample_rows,
    )


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
    (uploads go through :func:`read_upload`).

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


# --------------------------------------------------------------------------- mapping


def targets_for(table: str, upload: Upload | None = None) -> list[str]:
    """Workspace columns a file can be mapped onto for ``table`` (required ones first)."""
    if table == POINTS_TABLE:
        return (
            list(POINT_TARGETS)
            if upload is None or not upload.has_geometry
            else ["period", "scheme"]
        )
    schema = S.TABLES[table]
    columns = list(schema.columns)
    if schema.geometry and (upload is None or not upload.has_geometry):
        # Points come from latitude/longitude columns or from a WKT column (POINT (lon lat)).
        columns += ["lat", "lon", "wkt"] if schema.geometry != "polygon" else ["wkt"]
    return columns


def required_targets(table: str, upload: Upload | None = None) -> list[str]:
    """Targets that must be mapped (or filled from the current table) for the import to go on."""
    if table == POINTS_TABLE:
        return ["period"] + ([] if upload is not None and upload.has_geometry else ["lat", "lon"])
    schema = S.TABLES[table]
    wanted = [c for c in schema.required if schema.kinds[c] in ("id", "text", "date")]
    if schema.geometry in ("polygon", "point") and (upload is None or not upload.has_geometry):
        wanted += ["wkt"] if schema.geometry == "polygon" else ["lat", "lon"]
    return wanted


def missing_targets(table: str, upload: Upload | None, mapping: Mapping[str, str]) -> list[str]:
    """Required targets (:func:`required_targets`) the mapping leaves out; a WKT column stands in
    for latitude and longitude in a point table."""
    missing = [t for t in required_targets(table, upload) if t not in mapping]
    if "wkt" in mapping and table != POINTS_TABLE:
        missing = [t for t in missing if t not in ("lat", "lon")]
    return missing


def _hxl_target(tag: str, table: str, targets: Sequence[str]) -> str | None:
    parts = tag.split("+")
    hashtag, attributes = parts[0], set(parts[1:])
    kind = "insured" if table == POINTS_TABLE else table
    for rule_tag, needs, target, scope in HXL_RULES:
        if (
            rule_tag == hashtag
            and needs <= attributes
            and scope in ("*", kind)
            and target in targets
        ):
            return target
    return None


def propose_mapping(upload: Upload, table: str) -> dict[str, tuple[str | None, str]]:
    """Propose which file column fills each workspace column.

    Parameters
    ----------
    upload
        The file read by :func:`read_upload`.
    table
        One of :data:`IMPORT_TABLES`.

    Returns
    -------
    dict
        Workspace column → (file column or ``None``, why): ``"hxl"`` (the HXL hashtag),
        ``"exact"`` (the name or a known synonym, in en/fa/vi), ``"similar"`` (similar name,
        rapidfuzz score ≥ 80) or ``""`` when nothing fits. Each file column is proposed once.
    """
    targets = targets_for(table, upload)
    candidates: list[tuple[float, float, int, str, str, str]] = []
    order = {t: i for i, t in enumerate(targets)}
    filled = _fill_rates(upload)
    for column in upload.columns:
        fill = filled.get(column, 0.0)
        if fill == 0:
            continue  # an empty column fills nothing
        tag = upload.hxl.get(column)
        if tag:
            target = _hxl_target(tag, table, targets)
            if target:
                candidates.append((300.0, fill, order[target], target, column, "hxl"))
        key = name_key(column)
        for target in targets:
            listed = [name_key(w) for w in (target, *SYNONYMS.get(target, ()))]
            words = set(listed)
            if key in words:
                # The workspace's own name beats a synonym, and earlier synonyms beat later ones.
                score = 200.0 if key == name_key(target) else 150.0 - listed.index(key) / 100
                candidates.append((score, fill, order[target], target, column, "exact"))
                continue
            best = max(fuzz.ratio(key, w) for w in words if w)
            if best >= MAPPING_CUTOFF:
                candidates.append((float(best), fill, order[target], target, column, "similar"))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    proposal: dict[str, tuple[str | None, str]] = dict.fromkeys(targets, (None, ""))
    used: set[str] = set()
    for _, _, _, target, column, why in candidates:
        if proposal[target][0] is None and column not in used:
            proposal[target] = (column, why)
            used.add(column)
    return proposal


def _fill_rates(upload: Upload) -> dict[str, float]:
    """Share of rows with a value, per file column (blank text counts as missing)."""
    frame = upload.frame
    if not len(frame):
        return dict.fromkeys(upload.columns, 1.0)
    return {
        c: float((frame[c].notna() & (frame[c].astype(str).str.strip() != "")).mean())
        for c in upload.columns
    }


def mapping_of(proposal: Mapping[str, tuple[str | None, str]]) -> dict[str, str]:
    """The plain mapping (workspace column → file column) of a proposal, unmapped left out."""
    return {t: c for t, (c, _) in proposal.items() if c}


# --------------------------------------------------------------------------- name matching


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


# --------------------------------------------------------------------------- preparing


def prepare_import(
    upload: Upload,
    table: str,
    mapping: Mapping[str, str],
    current: Mapping[str, pd.DataFrame],
    *,
    crs: str | int | None = None,
    area_by: AreaBy = "id",
    matches: pd.DataFrame | None = None,
    crosswalk: pd.DataFrame | None = None,
    type_map: Mapping[str, str] | None = None,
    default_scheme: str | None = None,
    confirmed_by: str = "",
    progress: Callable[[int], None] | None = None,
    limits: UploadLimits | None = None,
    calendar: str | None = None,
    dates: DateRule = "first_day",
) -> Prepared:
    """Rename, check and convert an uploaded table; nothing is written.

    Parameters
    ----------
    upload
        The file (from :func:`read_upload`).
    table
        One of :data:`IMPORT_TABLES`.
    mapping
        Workspace column → file column (from :func:`propose_mapping`, corrected by the person).
    current
        The workspace's tables now (:func:`geodata.store.workspace.read_workspace`): areas to join onto,
        and values kept for columns the file does not have.
    crs
        CRS of WKT or coordinate columns that are not WGS 84.
    area_by
        Whether the ``area_id`` column holds area ids or area names (tables that name an area).
    matches
        With ``area_by="name"``: :func:`match_names` with ``confirmed`` set by the person.
    crosswalk
        The workspace's crosswalk, extended with the confirmed matches in the result.
    default_scheme
        For insured counts (and person records) from a file without a scheme column: the scheme
        the person chose for every row (:data:`UNSPECIFIED_SCHEME` when none fits). Required
        then: a file is never booked to a scheme nobody chose.
    calendar
        The workspace's reporting calendar (default: :func:`reporting_calendar` of ``current``).
    dates
        A ``period`` that is not the first day of a month of ``calendar``: a rejected row
        (``"first_day"``), or booked to the month that contains it (``"containing"``; each such
        row is listed with its month). Solar Hijri-written dates (۱۴۰۵/۰۸/۰۱) are read as such.
    progress
        For person records: called with the number of records read so far, chunk by chunk.
    limits
        For person records, whose whole file is read only here (the mapping step read a
        sample): the memory and time the count may take in its own process
        (:func:`geodata.uploads.sandbox.count_points_isolated`; default from the environment).

    Returns
    -------
    Prepared

    Raises
    ------
    DataError
        When the import cannot go on (a required column unmapped, duplicate ids …).
    """
    calendar = C.normalize_calendar(calendar or reporting_calendar(current))
    if table in ("insured", POINTS_TABLE) and "scheme" not in mapping and not default_scheme:
        raise DataError(
            f"{upload.name}: the file has no scheme column; choose the scheme its rows belong to "
            f"(or '{UNSPECIFIED_SCHEME}').",
            code="scheme_needed",
            params={"file": upload.name},
        )
    if table == POINTS_TABLE:
        prepared = _prepare_points(
            upload,
            mapping,
            current,
            crs=crs,
            default_scheme=default_scheme,
            progress=progress,
            limits=limits,
            calendar=calendar,
        )
        prepared.existing = existing_rows(current.get("insured"), prepared.frame, "insured")
        prepared.calendar = calendar
        return prepared
    if table not in S.TABLES:
        raise ValueError(f"Unknown table: {table}")
    schema = S.TABLES[table]
    wrong = [src for src in mapping.values() if src not in upload.frame.columns]
    if wrong:
        raise DataError(f"{upload.name}: column(s) {wrong} are not in the file.")
    problems: list[Problem] = []
    notes: list[str] = []
    frame = _with_geometry(upload, schema, mapping, crs, problems)
    columns = {t: s for t, s in mapping.items() if t not in GEOMETRY_TARGETS}
    renamed = _renamed(frame, columns)
    read = len(upload.frame)

    existing = current.get(table)
    key = [k for k in schema.key if k in renamed]
    if existing is not None and len(existing) and key and all(k in existing for k in key):
        _carry_over(renamed, existing, schema, columns, key, notes)
    for column in schema.required:
        if column not in renamed and schema.kinds[column] in ("count", "number", "fraction"):
            renamed[column] = None
            notes.append(f"missing:{column}")
    if table == "insured" and "scheme" not in renamed:
        renamed["scheme"] = default_scheme
        notes.append(f"scheme:{default_scheme}")
    if "period" in renamed and schema.kinds.get("period") == "date":
        renamed = _check_periods(
            renamed, upload.name, mapping.get("period", "period"), calendar, dates, problems, notes
        )
    if table == "insured" and "insured" in renamed:
        _check_counts(renamed, upload.name, mapping.get("insured", "insured"), problems)
    result_crosswalk = None
    if "area_id" in renamed and table != "areas":
        renamed, result_crosswalk = _resolve_areas(
            renamed,
            current["areas"],
            upload.name,
            mapping.get("area_id", "area_id"),
            required="area_id" in schema.required,
            area_by=area_by,
            matches=matches,
            crosswalk=crosswalk,
            confirmed_by=confirmed_by,
            problems=problems,
        )
    try:
        conformed, found = conform(
            renamed, schema, source=upload.name, type_map=type_map, period_months=None
        )
    except DataError as exc:
        raise DataError(
            exc.message, _in_file_terms(exc.problems, mapping), exc.code, exc.params
        ) from None
    problems += _in_file_terms(found, mapping)
    if table == "utilisation":  # rows must name a facility of the workspace
        conformed, found, _ = check_utilisation(
            conformed,
            current.get("facilities"),
            upload.name,
            mapping.get("facility_id", "facility_id"),
        )
        problems += found
    if table == "areas":
        _note_orphans(conformed, current, notes)
    if schema.geometry in ("point", "optional_point"):
        conformed = _check_locations(
            conformed, current.get("areas"), upload.name, mapping, problems
        )
    flagged: list[int] = []
    if table == "insured" and "insured" in conformed:
        conformed = conformed.reset_index(drop=True)
        flagged = _flag_counts(
            conformed,
            current.get("areas"),
            existing,
            upload.name,
            mapping.get("insured", "insured"),
            calendar,
            problems,
        )
    conformed = conformed.drop(columns=[c for c in conformed.columns if str(c).startswith("_")])
    return Prepared(
        table=table,
        frame=conformed,
        problems=problems,
        source=upload.name,
        read=read,
        notes=notes,
        crosswalk=result_crosswalk,
        existing=existing_rows(existing, conformed, table),
        flagged=flagged,
        calendar=calendar,
    )


# --------------------------------------------------------------------------- meaning checks


def reporting_calendar(current: Mapping[str, pd.DataFrame]) -> str:
    """The workspace's reporting calendar, as its stored periods show it: Solar Hijri when its
    periods (insured counts, targets, utilisation) fall on Solar Hijri month starts, else
    Gregorian (also for a workspace with no periods yet)."""
    periods = [
        frame["period"]
        for name in ("insured", "targets", "utilisation")
        if (frame := current.get(name)) is not None and "period" in frame and len(frame)
    ]
    if not periods:
        return C.DEFAULT_CALENDAR
    return C.propose_calendar(pd.concat(periods, ignore_index=True)) or C.DEFAULT_CALENDAR


def month_label(dates: pd.Series | pd.Timestamp, calendar: str) -> pd.Series | str:
    """A reporting month as its calendar writes it: ``2026-10`` (Gregorian), ``1405/08``
    (Solar Hijri); empty for a missing date."""
    scalar = not isinstance(dates, pd.Series)
    series = pd.Series([dates]) if scalar else dates
    keys = C.month_keys(series, calendar)
    sep = "/" if C.normalize_calendar(calendar) == C.SOLAR_HIJRI else "-"
    text = (
        keys["year"].astype("string").str.zfill(4)
        + sep
        + keys["month"].astype("string").str.zfill(2)
    )
    labels = text.fillna("").astype(object)
    return str(labels.iloc[0]) if scalar else labels


def read_periods(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates as an import reads them: ISO and day-first Gregorian dates, and Solar Hijri-written
    ones (۱۴۰۵/۰۸/۰۱, 1405-08-01, آبان ۱۴۰۵) always as Solar Hijri. Returns the dates (NaT where
    missing or unreadable) and which values were written in Solar Hijri."""
    dates, _, _ = parse_dates_checked(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return dates, pd.Series(False, index=values.index)
    written = C.looks_solar_hijri(values).to_numpy()
    solar = pd.Series(written, index=values.index)
    if solar.any():
        read = C.parse_solar_hijri(values[solar])
        dates = dates.copy()
        dates[solar] = read.to_numpy()
    return dates, solar


def off_month_dates(upload: Upload, mapping: Mapping[str, str], calendar: str) -> pd.Series:
    """The mapped period column's dates that are not the first day of a month of ``calendar``
    (by file row), for the page to offer how they are read before the check."""
    column = mapping.get("period")
    if not column or column not in upload.frame:
        return pd.Series([], dtype="datetime64[ns]")
    dates, _ = read_periods(upload.frame[column])
    off = dates.notna() & ~C.is_month_start(dates, calendar)
    return dates[off]


def _check_periods(
    frame: pd.DataFrame,
    source: str,
    column: str,
    calendar: str,
    rule: DateRule,
    problems: list[Problem],
    notes: list[str],
) -> pd.DataFrame:
    """Periods must be the first day of a month of the workspace's calendar: other dates are a
    rejected row (``first_day``) or booked to the month that contains them (``containing``),
    each row reported with its date and month, never moved silently."""
    raw = frame["period"]
    dates, solar = read_periods(raw)
    if solar.any():
        notes.append(f"solar_hijri:{int(solar.sum())}")
    off = dates.notna() & ~C.is_month_start(dates, calendar)
    starts = C.month_start(dates, calendar)
    labels = month_label(starts, calendar)
    rows = frame[ROW_COLUMN] if ROW_COLUMN in frame else pd.Series(range(1, len(frame) + 1))
    name = "Solar Hijri" if calendar == C.SOLAR_HIJRI else "Gregorian"
    for idx in off[off].index:
        value = str(raw[idx])
        day = f"{dates[idx]:%Y-%m-%d}"
        start = f"{starts[idx]:%Y-%m-%d}"
        params = (
            ("date", value),
            ("day", day),
            ("month", str(labels[idx])),
            ("start", start),
            ("calendar", calendar),
        )
        if rule == "containing":
            problems.append(
                Problem(
                    source,
                    f"{value} ({day}) is not the first day of a {name} month; booked to the "
                    f"month that contains it, {labels[idx]} (first day {start}), as chosen",
                    int(rows[idx]),
                    column,
                    value,
                    "repaired",
                    "write the first day of the month if another month is meant",
                    "period_mapped",
                    params,
                )
            )
        else:
            problems.append(
                Problem(
                    source,
                    f"{value} ({day}) is not the first day of a {name} month; row rejected",
                    int(rows[idx]),
                    column,
                    value,
                    "rejected",
                    f"write the month's first day ({start} for {labels[idx]}), or choose to book "
                    "each date to the month that contains it",
                    "period_not_month_start",
                    params,
                )
            )
    out = frame.copy()
    if rule == "containing":
        dates = dates.where(~off, starts)
        if off.any():
            notes.append(f"dates_mapped:{int(off.sum())}:{calendar}")
    else:
        out = out.loc[~off]
        dates = dates.loc[~off]
        raw = raw.loc[~off]
    if pd.api.types.is_datetime64_any_dtype(raw):
        out["period"] = dates
    else:  # unreadable values stay as written, for the check to report them
        iso = dates.dt.strftime("%Y-%m-%d")
        out["period"] = iso.where(dates.notna(), raw).astype(object)
    return out


def _check_counts(frame: pd.DataFrame, source: str, column: str, problems: list[Problem]) -> None:
    """Blank, negative and fractional insured counts: each a row problem with its value; the
    count becomes missing (never zero, never rounded) and the row is flagged."""
    raw = frame["insured"]
    numbers, _ = parse_numbers(raw)
    text = raw.astype("string").str.strip()
    blank = (raw.isna() | text.fillna("").eq("")).to_numpy()
    negative = (numbers < 0).to_numpy()
    fractional = (numbers.notna() & (numbers != np.round(numbers)) & ~(numbers < 0)).to_numpy()
    rows = frame[ROW_COLUMN].to_numpy() if ROW_COLUMN in frame else np.arange(1, len(frame) + 1)
    checks = (
        (blank, "count_blank", "insured count is blank; kept as missing (no count for the "
         "month, left out of coverage)", "fill in the count, or leave the row out"),
        (negative, "count_negative", "insured count is negative; kept as missing (left out of "
         "coverage)", "a count cannot be negative: correct the value"),
        (fractional, "count_fractional", "insured count is not a whole number; kept as missing "
         "(not rounded; left out of coverage)", "write a whole number of people"),
    )  # fmt: skip
    for mask, code, problem, fix in checks:
        for row, value in zip(rows[mask], raw.to_numpy()[mask], strict=True):
            shown = (
                ""
                if value is None or (isinstance(value, float) and np.isnan(value))
                else str(value)
            )
            problems.append(
                Problem(
                    source, problem, int(row), column, shown, "rejected", fix, code,
                    (("value", shown),),
                )
            )  # fmt: skip
    frame["insured"] = raw.where(~(negative | fractional), None)
    frame["_count_problem"] = blank | negative | fractional


def _flag_counts(
    frame: pd.DataFrame,
    areas: pd.DataFrame | None,
    existing: pd.DataFrame | None,
    source: str,
    column: str,
    calendar: str,
    problems: list[Problem],
) -> list[int]:
    """Rows with a count problem (:func:`_check_counts`, or not a number), and rows of an area
    whose insured people in a month — the file's rows with the workspace's rows of other schemes
    — exceed its population: each reported with the figures. Returns their positions."""
    flagged = (
        frame["_count_problem"].fillna(False).astype(bool).to_numpy()
        if ("_count_problem" in frame)
        else np.zeros(len(frame), dtype=bool)
    )
    flagged = flagged | frame["insured"].isna().to_numpy()
    if areas is not None and len(areas) and "population" in areas and len(frame):
        key = ["area_id", "period", "scheme"]
        ours = frame[key + ["insured"]].astype({"insured": "float64"})
        if existing is not None and len(existing) and all(k in existing for k in key):
            incoming = pd.MultiIndex.from_frame(frame[key].astype(str))
            others = existing.loc[
                ~pd.MultiIndex.from_frame(existing[key].astype(str)).isin(incoming)
            ]
            others = others[others["area_id"].isin(set(frame["area_id"]))]
            others = others[
                pd.to_datetime(others["period"]).isin(set(pd.to_datetime(frame["period"])))
            ]
            ours = pd.concat(
                [ours, others[key + ["insured"]].astype({"insured": "float64"})],
                ignore_index=True,
            )
        ours["period"] = pd.to_datetime(ours["period"])
        totals = ours.groupby(["area_id", "period"])["insured"].sum(min_count=1)
        population = pd.Series(
            pd.to_numeric(areas["population"], errors="coerce").to_numpy(dtype="float64"),
            index=areas["area_id"].astype(str),
        )
        population = population[~population.index.duplicated()]
        pairs = pd.MultiIndex.from_arrays(
            [frame["area_id"].astype(str), pd.to_datetime(frame["period"])]
        )
        total = totals.reindex(pairs).to_numpy()
        people = frame["area_id"].astype(str).map(population).to_numpy(dtype="float64")
        above = np.nan_to_num(total, nan=-1) > np.nan_to_num(people, nan=np.inf)
        above &= people > 0
        labels: pd.Series = month_label(pd.to_datetime(frame["period"]), calendar)
        rows = frame[ROW_COLUMN].to_numpy() if ROW_COLUMN in frame else np.arange(1, len(frame) + 1)
        for i in np.flatnonzero(above):
            share = f"{total[i] / people[i]:.0%}"
            figures = (
                f"{total[i]:,.0f} insured (all schemes) / {people[i]:,.0f} residents ({share})"
            )
            problems.append(
                Problem(
                    source,
                    f"area {frame['area_id'].iloc[i]}, {labels.iloc[i]}: {figures}: more insured "
                    "than residents; kept flagged and left out of coverage",
                    int(rows[i]),
                    column,
                    f"{frame['insured'].iloc[i]:,.0f}"
                    if pd.notna(frame["insured"].iloc[i])
                    else "",
                    "warning",
                    "check the count, or the area's population",
                    "above_population",
                    (
                        ("area", str(frame["area_id"].iloc[i])),
                        ("month", str(labels.iloc[i])),
                        ("insured", f"{total[i]:.0f}"),
                        ("population", f"{people[i]:.0f}"),
                        ("share", f"{total[i] / people[i]:.4f}"),
                    ),
                )
            )
        flagged = flagged | above
    return [int(i) for i in np.flatnonzero(flagged)]


def existing_key(table: str) -> tuple[str, ...]:
    """The columns that tell a row of ``table`` from the workspace's (area, period, scheme for
    insured counts)."""
    schema = S.TABLES.get(table)
    return () if schema is None else tuple(schema.key)


def existing_rows(existing: pd.DataFrame | None, new: pd.DataFrame, table: str) -> pd.DataFrame:
    """The rows of ``new`` whose key (area, period, scheme for insured counts) the workspace
    already holds: the key columns, then the value now and in the file (``<column>_now``,
    ``<column>_file``). Empty when nothing would be replaced."""
    schema = S.TABLES.get(table)
    value = VALUE_COLUMNS.get(table)
    key = [] if schema is None else list(schema.key)
    columns = [*key] + ([f"{value}_now", f"{value}_file"] if value else [])
    if (
        existing is None
        or not len(existing)
        or not len(new)
        or not key
        or not all(k in existing and k in new for k in key)
    ):
        return pd.DataFrame(columns=columns)
    old = pd.DataFrame(existing).drop_duplicates(key)
    old_keys = pd.MultiIndex.from_frame(old[key].astype(str))
    new_keys = pd.MultiIndex.from_frame(new[key].astype(str))
    hit = new_keys.isin(old_keys)
    if not hit.any():
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(new.loc[hit, key]).reset_index(drop=True)
    if value and value in new and value in old:
        now = pd.Series(old[value].to_numpy(), index=old_keys)
        out[f"{value}_now"] = now.reindex(new_keys[hit]).to_numpy()
        out[f"{value}_file"] = new.loc[hit, value].reset_index(drop=True)
    return out.reindex(columns=columns)


def _with_geometry(
    upload: Upload,
    schema: S.TableSchema,
    mapping: Mapping[str, str],
    crs: str | int | None,
    problems: list[Problem],
) -> pd.DataFrame:
    frame = upload.frame
    if upload.has_geometry or not schema.geometry:
        return frame
    lat, lon, wkt = (mapping.get(k) for k in GEOMETRY_TARGETS)
    if not (wkt or (lat and lon)):
        return frame
    from geodata.sources.readers import _table_geometry

    if wkt and crs is None:
        crs = "EPSG:4326"  # WKT typed by hand in a spreadsheet: the page shows and asks this CRS
    located, found = _table_geometry(
        frame, upload.name, crs=crs, lat=None if wkt else lat, lon=None if wkt else lon, wkt=wkt
    )
    problems += found
    others = {s for t, s in mapping.items() if t not in GEOMETRY_TARGETS}
    if wkt and wkt in others:
        # The WKT column also fills another workspace column: keep its text beside the geometry.
        if wkt == located.geometry.name:
            located = located.rename_geometry(f"_{wkt}_geometry")
        located[wkt] = frame.loc[located.index, wkt].to_numpy()
    return located


FAR_KM = 100.0


def _check_locations(
    frame: pd.DataFrame,
    areas: pd.DataFrame | None,
    source: str,
    mapping: Mapping[str, str],
    problems: list[Problem],
) -> pd.DataFrame:
    """Points among the workspace's areas: a file whose latitude and longitude are swapped stops
    the import; single points more than :data:`FAR_KM` from every area are rejected (a typo, or
    that row swapped), as a recipe build does."""
    if not isinstance(frame, gpd.GeoDataFrame) or not isinstance(areas, gpd.GeoDataFrame):
        return frame
    geoms = frame.geometry
    located = geoms.notna() & ~geoms.is_empty
    if not len(areas) or not located.any():
        return frame
    # The UTM zone of the areas' middle (geopandas' estimate_utm_crs asks PROJ's database: slow).
    minx, miny, maxx, maxy = areas.to_crs(S.STORAGE_CRS).total_bounds
    zone = int(((minx + maxx) / 2 + 180) // 6) % 60 + 1
    metric = f"EPSG:{(32600 if (miny + maxy) / 2 >= 0 else 32700) + zone}"
    hull = gpd.GeoSeries([areas.to_crs(metric).union_all().convex_hull], crs=metric).iloc[0]
    points = geoms[located]
    distance = (points.to_crs(metric).distance(hull) / 1000).fillna(np.inf)
    flipped = gpd.GeoSeries(
        gpd.points_from_xy(points.y, points.x), index=points.index, crs=frame.crs
    )
    fits_flipped = (flipped.to_crs(metric).distance(hull) / 1000).fillna(np.inf) <= FAR_KM
    far = distance > FAR_KM
    where = "/".join(mapping[c] for c in ("lat", "lon") if c in mapping) or "geometry"
    if len(points) >= 3 and far.mean() > 0.9 and fits_flipped.mean() > 0.5:
        raise DataError(
            f"{source}: latitude and longitude look swapped — {fits_flipped.mean():.0%} of the "
            f"points lie among the areas with them swapped, {1 - far.mean():.0%} as given. "
            + (
                f"Map '{mapping['lat']}' as lon and '{mapping['lon']}' as lat."
                if "lat" in mapping and "lon" in mapping
                else "Write the file again with x = longitude."
            )
        )
    for idx in far[far].index:
        reason = (
            "latitude and longitude look swapped in this row; row rejected"
            if fits_flipped[idx]
            else f"location is {distance[idx]:,.0f} km from the nearest area; row rejected"
        )
        point = points[idx]
        problems.append(
            Problem(
                source,
                reason,
                int(frame.at[idx, ROW_COLUMN]) if ROW_COLUMN in frame else None,
                where,
                f"{point.y:.6f}, {point.x:.6f}",
                "rejected",
                "correct the coordinates",
                "location_swapped" if fits_flipped[idx] else "location_far",
                () if fits_flipped[idx] else (("km", f"{distance[idx]:.0f}"),),
            )
        )
    return frame.drop(index=far[far].index)


def _renamed(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    keep = [ROW_COLUMN, SOURCE_COLUMN] + ([geometry] if geometry else [])
    out = frame[[c for c in keep if c in frame.columns]].copy()
    for target, source in columns.items():
        out[target] = frame[source].to_numpy()
    if geometry:
        out = gpd.GeoDataFrame(out, geometry=geometry, crs=frame.crs)
        if geometry != "geometry":
            out = out.rename_geometry("geometry")
    return out


def _carry_over(
    renamed: pd.DataFrame,
    existing: pd.DataFrame,
    schema: S.TableSchema,
    columns: Mapping[str, str],
    key: list[str],
    notes: list[str],
) -> None:
    """Columns the file does not have keep the values the workspace holds for the same key."""
    keep = [c for c in schema.columns if c not in columns and c not in key and c in existing]
    if not keep:
        return
    ids = clean_ids(renamed[key[0]]) if len(key) == 1 else None
    if ids is None:
        return
    unique = existing.drop_duplicates(key[0])
    lookup = unique.set_index(unique[key[0]].astype(str))
    matched = ids.isin(lookup.index)
    for column in keep:
        values = ids.map(lookup[column])
        if values.notna().any():
            renamed[column] = values.to_numpy()
            notes.append(f"kept:{column}:{int(matched.sum())}")


def _resolve_areas(
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


def _note_orphans(
    areas: pd.DataFrame, current: Mapping[str, pd.DataFrame], notes: list[str]
) -> None:
    ids = set(areas["area_id"])
    for name in ("insured", "outreach"):
        other = current.get(name)
        if other is not None and len(other) and "area_id" in other:
            orphans = int((other["area_id"].notna() & ~other["area_id"].isin(ids)).sum())
            if orphans:
                notes.append(f"orphans:{name}:{orphans}")


def _in_file_terms(problems: list[Problem], mapping: Mapping[str, str]) -> list[Problem]:
    out = []
    for p in problems:
        source = mapping.get(p.column) if p.column else None
        if source and source != p.column:
            p = replace(p, column=source)
        out.append(p)
    return out


def _prepare_points(
    upload: Upload,
    mapping: Mapping[str, str],
    current: Mapping[str, pd.DataFrame],
    *,
    crs: str | int | None,
    default_scheme: str | None,
    progress: Callable[[int], None] | None = None,
    limits: UploadLimits | None = None,
    calendar: str = C.GREGORIAN,
) -> Prepared:
    from geodata.uploads.sandbox import count_points_isolated

    if upload.path.suffix.lower() not in POINT_SUFFIXES:
        raise DataError(
            f"{upload.name}: person or household records must be a CSV or XLSX with latitude "
            "and longitude, or a GeoParquet file."
        )
    if "period" not in mapping:
        raise DataError(f"{upload.name}: map the enrolment date (period) column.")
    areas = current["areas"]
    if not len(areas):
        raise DataError("The workspace has no areas yet: import the areas first.")
    # The whole file is read here, in a limited process of its own: a hostile file (its later
    # rows a decompression bomb, or endless) ends in a clean error, never takes the app down.
    counted = count_points_isolated(
        upload.path,
        areas,
        name=upload.name,
        limits=limits,
        date=mapping["period"],
        lat=mapping.get("lat"),
        lon=mapping.get("lon"),
        scheme=mapping.get("scheme"),
        default_scheme=default_scheme or "household",
        crs=crs,
        progress=progress,
        calendar=calendar,
    )
    shown = {
        "date": mapping["period"],
        "location": "/".join(mapping[c] for c in ("lat", "lon") if c in mapping) or "geometry",
    }
    problems = [
        Problem(
            upload.name,
            p.problem,
            p.row,
            shown.get(p.column or "", p.column),
            p.value,
            p.severity,
            p.fix,
        )
        for p in counted.problems
    ]
    insured, found = conform(counted.counts, S.INSURED, source=upload.name, period_months=None)
    problems += found
    notes = [f"points:{counted.read}:{counted.counted}:{counted.outside}:{counted.rejected}"]
    return Prepared(
        table="insured",
        frame=insured.drop(columns=[c for c in insured.columns if str(c).startswith("_")]),
        problems=problems,
        source=upload.name,
        read=counted.read,
        notes=notes,
        points=counted,
    )


# --------------------------------------------------------------------------- saving


def merged_table(
    existing: pd.DataFrame | None,
    new: pd.DataFrame,
    table: str,
    mode: ImportMode,
    on_existing: OnExisting = "replace",
) -> pd.DataFrame:
    """The table after the import: ``replace`` (the file is the whole table) or ``update``
    (new rows added; rows with the same key as an existing row replace it with
    ``on_existing="replace"``, or are left out with ``"add"``, the existing row kept)."""
    if mode == "replace" or existing is None or not len(existing):
        return new
    key = [k for k in S.TABLES[table].key if k in new.columns and k in existing.columns]
    if not key:
        return new
    if on_existing == "add":
        known = pd.MultiIndex.from_frame(existing[key].astype(str))
        new = new.loc[~pd.MultiIndex.from_frame(new[key].astype(str)).isin(known)]
        kept = existing
    else:
        incoming = pd.MultiIndex.from_frame(new[key].astype(str))
        kept_mask = ~pd.MultiIndex.from_frame(existing[key].astype(str)).isin(incoming)
        kept = existing.loc[kept_mask]
    combined = pd.concat([kept, new], ignore_index=True)
    if isinstance(new, gpd.GeoDataFrame):
        combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=new.crs)
    sort = [k for k in key if k in combined]
    return combined.sort_values(sort, kind="stable").reset_index(drop=True)


def commit_import(
    workspace: str | Path,
    prepared: Prepared,
    *,
    mode: ImportMode = "replace",
    author: str = "",
    message: str | None = None,
    on_existing: OnExisting | None = None,
    flagged: FlaggedRows | None = None,
    actor: Actor | None = None,
) -> int:
    """Save a prepared import as a new version of the workspace (with the crosswalk, if any).

    The import is recorded in the audit trail (:mod:`geodata.users.audit`) as ``actor`` (default: the
    person at the command line, ``author`` or the operating system's user).

    The newest version is read again under the store's lock-free read, merged (``mode``) and saved
    with :func:`geodata.store.workspace.save_version`, which is atomic: on any error the workspace file is
    left exactly as it was.

    Nothing changes meaning without the person's choice: in ``update`` mode, rows whose key the
    workspace already holds need ``on_existing`` (``replace`` them, ``add`` only the new rows, or
    ``cancel``); rows with a flagged count (``prepared.flagged``) need ``flagged`` (``keep`` them,
    flagged and left out of coverage, or ``skip`` them). Without the choice a
    :class:`DataError` (``code`` ``existing_rows`` / ``flagged_rows``) says how many, and nothing
    is saved.

    Returns
    -------
    int
        The new version number.
    """
    table = prepared.table
    if on_existing == "cancel":
        raise DataError(
            f"{prepared.source}: import cancelled; nothing was saved.", code="import_cancelled"
        )
    frame = prepared.frame
    if prepared.flagged:
        if flagged is None:
            raise DataError(
                f"{prepared.source}: {len(prepared.flagged)} rows have a blank, negative, "
                "fractional or implausible count (above the population); choose to keep them "
                "(flagged, left out of coverage) or leave them out. Nothing was saved.",
                code="flagged_rows",
                params={"file": prepared.source, "n": len(prepared.flagged)},
            )
        if flagged == "skip":
            frame = prepared.without_flagged()
    existing = read_table(workspace, table)
    if mode == "update" and on_existing is None:
        overlap = existing_rows(existing, frame, table)
        if len(overlap):
            raise DataError(
                f"{prepared.source}: {len(overlap)} rows would replace rows the workspace holds "
                f"(same {', '.join(S.TABLES[table].key)}); choose to replace them, add only the "
                "new rows, or cancel. Nothing was saved.",
                code="existing_rows",
                params={"file": prepared.source, "n": len(overlap)},
            )
    merged = merged_table(existing, frame, table, mode, on_existing or "replace")
    tables: dict[str, pd.DataFrame] = {table: merged}
    if prepared.crosswalk is not None:
        tables[S.NAME_CROSSWALK.name] = prepared.crosswalk
    severities = pd.Series([p.severity for p in prepared.problems], dtype=object)
    number = save_version(
        workspace,
        tables,
        message=message or f"import {table} from {prepared.source}",
        author=author,
        summary={
            "import": {
                "table": table,
                "source": prepared.source,
                "mode": mode,
                **({"on_existing": on_existing} if on_existing else {}),
                **({"flagged": flagged, "n_flagged": len(prepared.flagged)} if flagged else {}),
                "read": prepared.read,
                "kept": int(len(frame)),
                "problems": {k: int(v) for k, v in severities.value_counts().items()},
                **(
                    {
                        "points_read": prepared.points.read,
                        "points_counted": prepared.points.counted,
                        "points_outside": prepared.points.outside,
                    }
                    if prepared.points is not None
                    else {}
                ),
            }
        },
    )
    audit.append(
        workspace,
        actor or audit.cli_actor(author),
        "import",
        f"{table} from {prepared.source}: {len(frame)} rows ({mode}), version {number}",
    )
    return number


def current_tables(workspace: str | Path, version: int | None = None) -> dict[str, pd.DataFrame]:
    """The data tables and the name crosswalk of one version."""
    tables = read_workspace(workspace, version)
    tables[S.NAME_CROSSWALK.name] = read_table(workspace, S.NAME_CROSSWALK.name, version)
    return tables


REPORT_COLUMNS = ("file", "row", "column", "value", "problem", "severity", "fix", "code")


def validation_report(problems: Sequence[Problem]) -> pd.DataFrame:
    """The problems as a table: file, row, column, value, problem, severity, suggested fix, and
    the kind of problem (``code``, for a translation; empty where the reader names none)."""
    frame = pd.DataFrame(
        [
            {
                "file": p.file,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "problem": p.problem,
                "severity": p.severity,
                "fix": p.fix,
                "code": p.code,
            }
            for p in problems
        ],
        columns=list(REPORT_COLUMNS),
    )
    frame["row"] = frame["row"].astype("Int64")
    return frame
