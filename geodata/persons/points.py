"""Insured person or household records with a location, counted per area, month and scheme.

The records are read in chunks (CSV with latitude/longitude, or GeoParquet), each chunk is placed
in the areas from its coordinate arrays by a grid locator built once (:mod:`geodata.persons.assign`: no
shapely Point per record, prepared-polygon tests only near borders, two threads), and only the
counts are kept: memory stays bounded by the chunk size and the number of area-month-scheme
groups, and the records themselves are never stored anywhere.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely
from pyproj import CRS, Transformer

from geodata.persons.assign import AreaLocator
from geodata.sources.readers import ROW_COLUMN, parse_crs, read_source
from geodata.tables.calendar import GREGORIAN, month_start
from geodata.tables.problems import DataError, Problem
from geodata.tables.schema import SCHEMES, STORAGE_CRS
from geodata.tables.text import parse_numbers
from geodata.tables.validate import DATE_RANGE_FIX, parse_dates_checked

POINT_SUFFIXES = {".csv", ".txt", ".parquet", ".geoparquet", ".xlsx", ".xlsm"}
MAX_LISTED = 1000  # rows listed one by one in the report; the rest are counted


@dataclass
class PointCounts:
    """Result of :func:`count_points_in_areas`.

    Attributes
    ----------
    counts
        The ``insured`` rows: ``area_id``, ``period`` (first of month), ``scheme``, ``insured``,
        ``source`` (``"points"``).
    read
        Records read.
    counted
        Records placed in an area with a usable date.
    outside
        Records whose location lies in no area.
    rejected
        Records with unusable coordinates or dates.
    problems
        The first :data:`MAX_LISTED` rejected / outside records, with their rows.
    """

    counts: pd.DataFrame
    read: int = 0
    counted: int = 0
    outside: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)


class _AreaIndex:
    """Area polygons in EPSG:4326 behind a grid locator (:class:`geodata.persons.assign.AreaLocator`)."""

    def __init__(self, areas: gpd.GeoDataFrame, workers: int | None = None) -> None:
        if areas.crs is None or not CRS.from_user_input(areas.crs).equals(CRS(STORAGE_CRS)):
            areas = areas.to_crs(STORAGE_CRS)
        self.ids = areas["area_id"].astype(str).to_numpy()
        self.locator = AreaLocator(areas.geometry.to_numpy())
        self.workers = workers

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the area each point (x, y) lies within (the first area in order), or -1.

        No point objects are made. The border rule is that of ``geopandas.sjoin`` with
        ``predicate="within"``: a point on an area's boundary is not in that area (see
        :mod:`geodata.persons.assign`).
        """
        return self.locator.locate(x, y, workers=self.workers)


def count_points_in_areas(
    source: str | Path,
    areas: gpd.GeoDataFrame,
    *,
    date: str,
    lat: str | None = None,
    lon: str | None = None,
    scheme: str | None = None,
    default_scheme: str = "household",
    crs: str | int | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    chunk_rows: int = 500_000,
    progress: Callable[[int], None] | None = None,
    calendar: str = GREGORIAN,
) -> PointCounts:
    """Count person or household records per area, month and scheme.

    Parameters
    ----------
    source
        A CSV (or XLSX) with latitude/longitude columns, or a GeoParquet file.
    areas
        The areas (``area_id`` and polygons).
    date, lat, lon, scheme
        Source columns: enrolment date (any format :func:`~geodata.tables.validate.parse_dates`
        reads), coordinates (not needed for GeoParquet), and the scheme (optional).
    default_scheme
        Scheme of records without a scheme column.
    crs
        CRS of the coordinates when not WGS 84 latitude/longitude (or of a GeoParquet without one).
    chunk_rows
        Records held in memory at once.
    progress
        Called with the number of records read so far after each chunk.
    calendar
        The workspace's reporting calendar: a record counts in the month of this calendar that
        holds its date (1405/08/10 in Aban 1405 of a Solar Hijri workspace, never in October).

    Returns
    -------
    PointCounts
    """
    source = Path(source)
    index = _AreaIndex(areas)
    totals: list[pd.DataFrame] = []
    result = PointCounts(counts=pd.DataFrame())
    for chunk in _chunks(
        source,
        date=date,
        lat=lat,
        lon=lon,
        scheme=scheme,
        crs=crs,
        encoding=encoding,
        sheet=sheet,
        chunk_rows=chunk_rows,
    ):
        totals.append(
            _count_chunk(chunk, index, source.name, default_scheme, result, calendar=calendar)
        )
        if progress is not None:
            progress(result.read)
    result.counts = _combine_counts(totals)
    return result


def _combine_counts(totals: list[pd.DataFrame]) -> pd.DataFrame:
    """The ``insured`` rows from per-chunk counts: summed per area, month and scheme, sorted."""
    columns = ["area_id", "period", "scheme", "insured"]
    counts = pd.concat(totals, ignore_index=True) if totals else pd.DataFrame(columns=columns)
    counts = (
        counts.groupby(["area_id", "period", "scheme"], as_index=False, sort=True)["insured"].sum()
        if len(counts)
        else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    )
    counts["period"] = pd.to_datetime(counts["period"]).astype("datetime64[ns]")
    counts["insured"] = counts["insured"].astype("Int64")
    counts["source"] = "points"
    return counts.reset_index(drop=True)


@dataclass
class _Chunk:
    rows: np.ndarray  # row numbers as a person counts them
    x: np.ndarray  # longitude in EPSG:4326 (NaN where unusable)
    y: np.ndarray
    bad_location: np.ndarray  # reason text, "" when usable
    dates: pd.Series
    schemes: pd.Series | None


def _chunks(
    source: Path,
    *,
    date: str,
    lat: str | None,
    lon: str | None,
    scheme: str | None,
    crs: str | int | None,
    encoding: str | None,
    sheet: str | int | None,
    chunk_rows: int,
) -> Iterator[_Chunk]:
    suffix = source.suffix.lower()
    wanted = [c for c in (date, scheme) if c]
    if suffix in {".parquet", ".geoparquet"}:
        yield from _parquet_chunks(source, wanted, date, scheme, crs, chunk_rows)
        return
    if not (lat and lon):
        raise DataError(f"{source.name}: name the latitude and longitude columns.")
    to_wgs84 = _transformer(parse_crs(crs, source.name))
    if suffix in {".xlsx", ".xlsm"}:
        table, _ = read_source(source.name, source.parent, sheet=sheet)
        _require(table.columns, [lat, lon, *wanted], source.name)
        yield _table_chunk(table, table[ROW_COLUMN].to_numpy(), lat, lon, date, scheme, to_wgs84)
        return
    if suffix not in {".csv", ".txt"}:
        raise DataError(
            f"{source.name}: records with a location must be a CSV (latitude/longitude), an "
            "XLSX or a GeoParquet file."
        )
    if _arrow_readable(source, encoding):
        yield from _arrow_csv_chunks(source, lat, lon, date, scheme, wanted, to_wgs84, chunk_rows)
        return
    yield from _pandas_csv_chunks(
        source, lat, lon, date, scheme, wanted, to_wgs84, encoding, chunk_rows
    )


def _arrow_readable(source: Path, encoding: str | None) -> bool:
    """Whether the CSV can take the Arrow reader: UTF-8 text whose header names are distinct."""
    if encoding and codecs.lookup(encoding).name not in {"utf-8", "utf-8-sig"}:
        return False
    header = _csv_header(source)
    return header is not None and len({n.strip() for n in header}) == len(header)


def _csv_header(source: Path) -> list[str] | None:
    """The CSV's column names as written (first record), or None when it cannot be read so."""
    try:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), None)
    except (UnicodeDecodeError, csv.Error, OSError):
        return None  # the pandas reader says what is wrong, as it always has


def _arrow_csv_chunks(
    source: Path,
    lat: str,
    lon: str,
    date: str,
    scheme: str | None,
    wanted: list[str],
    to_wgs84: Transformer | None,
    chunk_rows: int,
) -> Iterator[_Chunk]:
    """CSV records read by Arrow's streaming reader: text columns straight into Arrow strings
    (no Python object per value), about five times faster than pandas' reader for the same
    records. Rows with too many or too few values are skipped and reported as rejected, with
    their line numbers."""
    raw = _csv_header(source) or []
    stripped = [n.strip() for n in raw]
    _require(stripped, [lat, lon, *wanted], source.name)
    as_written = {name: raw[stripped.index(name)] for name in (lat, lon, *wanted)}
    invalid: list[tuple[int | None, int, int]] = []

    def skip(row: object) -> str:
        invalid.append((row.number, row.actual_columns, row.expected_columns))  # type: ignore[attr-defined]
        return "skip"

    try:
        reader = pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(
                column_names=raw,
                skip_rows=1,
                use_threads=False,
                block_size=int(min(max(chunk_rows * 64, 1 << 20), 256 << 20)),
            ),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=skip),
            convert_options=pa_csv.ConvertOptions(
                include_columns=sorted(set(as_written.values())),
                column_types={c: pa.string() for c in as_written.values()},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
        next_line = 2  # the first record after the header, as a person counts rows
        for batch in reader:
            skipped = {n for n, *_ in invalid if n is not None}
            rows = _line_numbers(next_line, batch.num_rows, skipped)
            next_line = int(rows[-1]) + 1 if len(rows) else next_line
            for start in range(0, batch.num_rows, chunk_rows):  # chunk_rows records at a time
                part = batch.slice(start, chunk_rows)
                columns = {
                    name: pd.Series(
                        pd.arrays.ArrowStringArray(pc.utf8_ltrim_whitespace(part.column(written)))
                    )
                    for name, written in as_written.items()
                }
                yield _table_chunk(
                    pd.DataFrame(columns),
                    rows[start : start + chunk_rows],
                    lat,
                    lon,
                    date,
                    scheme,
                    to_wgs84,
                )
            if invalid:
                yield _invalid_rows(invalid, date, scheme)
                invalid.clear()
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source.name}: the text is not UTF-8 ({exc.reason} at byte {exc.start}); name its "
            "encoding."
        ) from None
    except (pa.ArrowInvalid, OSError) as exc:
        message = str(exc)
        if "UTF8" in message or "utf8" in message or "utf-8" in message.lower():
            raise DataError(f"{source.name}: the text is not UTF-8; name its encoding.") from None
        raise DataError(f"{source.name}: cannot read the table ({message}).") from None


def _line_numbers(start: int, count: int, skipped: set[int]) -> np.ndarray:
    """``count`` line numbers from ``start`` on, leaving out the skipped (invalid) lines."""
    if not skipped:
        return np.arange(start, start + count)
    candidates = np.arange(start, start + count + len(skipped))
    return candidates[~np.isin(candidates, list(skipped))][:count]


def _invalid_rows(
    invalid: list[tuple[int | None, int, int]], date: str, scheme: str | None
) -> _Chunk:
    """Rows whose number of values differs from the header's: read, never counted."""
    n = len(invalid)
    reasons = np.array(
        [
            f"the row has {got} values where the header names {expected}"
            for _, got, expected in invalid
        ],
        dtype=object,
    )
    return _Chunk(
        rows=np.array([number if number is not None else 0 for number, *_ in invalid]),
        x=np.full(n, np.nan),
        y=np.full(n, np.nan),
        bad_location=reasons,
        dates=pd.Series([None] * n, dtype=object),
        schemes=pd.Series([None] * n, dtype=object) if scheme else None,
    )


def _pandas_csv_chunks(
    source: Path,
    lat: str,
    lon: str,
    date: str,
    scheme: str | None,
    wanted: list[str],
    to_wgs84: Transformer | None,
    encoding: str | None,
    chunk_rows: int,
) -> Iterator[_Chunk]:
    """CSV records read by pandas (legacy encodings, repeated header names)."""
    try:
        reader = pd.read_csv(
            source,
            dtype=str,
            encoding=encoding or "utf-8-sig",
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
            chunksize=chunk_rows,
            usecols=lambda c: str(c).strip() in {lat, lon, *wanted},
        )
        first_row = 2
        for table in reader:
            table.columns = [str(c).strip() for c in table.columns]
            _require(table.columns, [lat, lon, *wanted], source.name)
            rows = np.arange(first_row, first_row + len(table))
            first_row += len(table)
            yield _table_chunk(table, rows, lat, lon, date, scheme, to_wgs84)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source.name}: the text is not {encoding or 'UTF-8'} ({exc.reason} at byte "
            f"{exc.start}); name its encoding."
        ) from None
    except (pd.errors.ParserError, OSError) as exc:
        raise DataError(f"{source.name}: cannot read the table ({exc}).") from None


def _require(columns: Iterable[object], wanted: list[str], name: str) -> None:
    missing = [c for c in wanted if c not in list(columns)]
    if missing:
        raise DataError(
            f"{name}: no column(s) {missing} (columns are: "
            f"{', '.join(c for c in map(str, columns) if not c.startswith('_'))})."
        )


def _transformer(crs: CRS | None) -> Transformer | None:
    if crs is None or crs.equals(CRS(STORAGE_CRS)):
        return None
    return Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Fast path for plain numbers; Persian digits and separators go through parse_numbers."""
    quick = None
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        try:  # Arrow's own number parser, when every value is a plain number
            quick = pc.cast(values.array._pa_array, pa.float64()).to_numpy(zero_copy_only=False)
            quick = np.array(quick, dtype="float64", copy=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            quick = None
    if quick is None:
        quick = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", copy=True)
    slow = np.isnan(quick) & values.notna().to_numpy()
    bad = np.zeros(len(values), dtype=bool)
    if slow.any():
        parsed, unreadable = parse_numbers(values[slow])
        quick[slow] = parsed.to_numpy()
        bad[slow] = unreadable.to_numpy()
    return quick, bad


def _table_chunk(
    table: pd.DataFrame,
    rows: np.ndarray,
    lat: str,
    lon: str,
    date: str,
    scheme: str | None,
    to_wgs84: Transformer | None,
) -> _Chunk:
    y, bad_y = _numbers(table[lat])
    x, bad_x = _numbers(table[lon])
    reason = np.full(len(table), "", dtype=object)
    reason[np.isnan(x) | np.isnan(y)] = "missing coordinates"
    reason[bad_x | bad_y] = "coordinates are not numbers"
    if to_wgs84 is not None:
        ok = reason == ""
        x[ok], y[ok] = to_wgs84.transform(x[ok], y[ok])
    out_of_range = (reason == "") & ((np.abs(y) > 90) | (np.abs(x) > 180))
    reason[out_of_range] = "latitude outside ±90 or longitude outside ±180"
    reason[(reason == "") & (x == 0) & (y == 0)] = "coordinates are 0, 0 (a missing location)"
    return _Chunk(
        rows=rows,
        x=x,
        y=y,
        bad_location=reason,
        dates=table[date].reset_index(drop=True),
        schemes=table[scheme].reset_index(drop=True) if scheme else None,
    )


def _parquet_chunks(
    source: Path,
    wanted: list[str],
    date: str,
    scheme: str | None,
    crs: str | int | None,
    chunk_rows: int,
) -> Iterator[_Chunk]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(source)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise DataError(f"{source.name}: not a readable Parquet file ({exc}).") from None
    meta = handle.schema_arrow.metadata or {}
    geo = json.loads(meta.get(b"geo", b"{}") or b"{}")
    geometry = geo.get("primary_column")
    if not geometry:
        raise DataError(f"{source.name}: not a GeoParquet file (no 'geo' metadata).")
    _require(handle.schema_arrow.names, [geometry, *wanted], source.name)
    column_crs = geo.get("columns", {}).get(geometry, {}).get("crs", "OGC:CRS84")
    named = parse_crs(crs, source.name)
    if column_crs is None and named is None:
        raise DataError(f"{source.name}: the geometry carries no CRS; name it.")
    file_crs = named or CRS.from_user_input(column_crs)
    to_wgs84 = _transformer(file_crs)
    first_row = 1
    for batch in handle.iter_batches(batch_size=chunk_rows, columns=[geometry, *wanted]):
        frame = batch.to_pandas()
        geoms = shapely.from_wkb(frame[geometry].to_numpy(), on_invalid="ignore")
        rows = np.arange(first_row, first_row + len(frame))
        first_row += len(frame)
        yield _geometry_chunk(geoms, rows, frame[date], frame[scheme] if scheme else None, to_wgs84)


def _geometry_chunk(
    geoms: np.ndarray,
    rows: np.ndarray,
    dates: pd.Series,
    schemes: pd.Series | None,
    to_wgs84: Transformer | None,
) -> _Chunk:
    """A chunk from point geometries (shapely, already read): coordinates in EPSG:4326."""
    reason = np.full(len(geoms), "", dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    reason[missing] = "missing location"
    not_point = ~missing & (shapely.get_type_id(geoms) != 0)
    reason[not_point] = "geometry is not a point"
    usable = reason == ""
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if usable.any():
        xy = shapely.get_coordinates(geoms[usable])
        if to_wgs84 is not None:
            xy = np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        x[usable], y[usable] = xy[:, 0], xy[:, 1]
    return _Chunk(
        rows=rows,
        x=x,
        y=y,
        bad_location=reason,
        dates=dates.reset_index(drop=True),
        schemes=schemes.reset_index(drop=True) if schemes is not None else None,
    )


def _count_chunk(
    chunk: _Chunk,
    index: _AreaIndex,
    name: str,
    default_scheme: str,
    result: PointCounts,
    *,
    calendar: str = GREGORIAN,
) -> pd.DataFrame:
    n = len(chunk.rows)
    result.read += n
    usable = chunk.bad_location == ""
    where = np.full(n, -1, dtype=np.int64)
    where[usable] = index.locate(chunk.x[usable], chunk.y[usable])
    outside = usable & (where < 0)
    dates, bad_dates, far_dates = parse_dates_checked(chunk.dates)
    periods = month_start(dates, calendar).to_numpy()
    no_date = dates.isna().to_numpy()
    placed = usable & ~outside
    counted = placed & ~no_date
    result.counted += int(counted.sum())
    result.outside += int(outside.sum())
    result.rejected += int((~usable).sum()) + int((placed & no_date).sum())

    def note(mask: np.ndarray, problem: str, column: str, fix: str | None = None) -> None:
        room = MAX_LISTED - len(result.problems)
        for row in chunk.rows[mask][: max(room, 0)]:
            result.problems.append(Problem(name, problem, int(row), column, None, "rejected", fix))

    for reason in pd.unique(chunk.bad_location[~usable]):
        note(chunk.bad_location == reason, f"{reason}; not counted", "location")
    note(outside, "point lies in no area; not counted", "location", "check the coordinates")
    note(placed & bad_dates.to_numpy(), "not a date; not counted", "date", "use YYYY-MM-DD")
    note(placed & far_dates.to_numpy(), "date out of range; not counted", "date", DATE_RANGE_FIX)
    bad_dates = bad_dates | far_dates
    note(placed & no_date & ~bad_dates.to_numpy(), "date is missing; not counted", "date")
    if chunk.schemes is not None:
        codes, uniques = pd.factorize(chunk.schemes, use_na_sentinel=True)
        known = {s.casefold(): s for s in SCHEMES}
        cleaned = [
            known.get(str(u).strip().casefold(), str(u).strip()) or default_scheme for u in uniques
        ]
        lookup = np.array([*cleaned, default_scheme], dtype=object)
        schemes = lookup[np.where(codes < 0, len(cleaned), codes)]
    else:
        schemes = np.full(n, default_scheme, dtype=object)
    frame = pd.DataFrame(
        {
            "area_id": index.ids[where[counted]],
            "period": periods[counted],
            "scheme": schemes[counted],
        }
    )
    return (
        frame.groupby(["area_id", "period", "scheme"], as_index=False)
        .size()
        .rename(columns={"size": "insured"})
    )
