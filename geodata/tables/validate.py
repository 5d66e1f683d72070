"""Validation: bring a frame whose columns carry the workspace names into the table's types.

Every value that cannot be read is reported with its file, row and column. A bad value in an
optional or count column becomes missing (never zero) and the row is kept; a row without its
identifier, or with a geometry that cannot be used, is rejected. Duplicate identifiers stop the
build, because no rule can say which row is right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.errors import OutOfBoundsDatetime
from persiantools.jdatetime import JalaliDate

from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN
from geodata.tables.calendar import GREGORIAN, month_start
from geodata.tables.problems import DataError, Problem
from geodata.tables.schema import STORAGE_CRS, TableSchema
from geodata.tables.text import clean_text, name_key, parse_numbers, to_ascii_digits

# Local words for facility types, matched on name_key() of the source value; the first word
# contained in the value wins, so the more specific words come first.
FACILITY_TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("polyclinic", "polyclinic"),
    ("پلیکلینیک", "polyclinic"),
    ("پلیکلینیک", "polyclinic"),
    ("phòngkhámđakhoa", "polyclinic"),
    ("hospital", "hospital"),
    ("بیمارستان", "hospital"),
    ("bệnhviện", "hospital"),
    ("healthpost", "health_post"),
    ("health_post", "health_post"),
    ("خانهبهداشت", "health_post"),
    ("پایگاهسلامت", "health_post"),
    ("مرکزسلامت", "health_post"),
    ("trạmytế", "health_post"),
    ("insurance", "insurance_office"),
    ("بیمه", "insurance_office"),
    ("bảohiểm", "insurance_office"),
    ("clinic", "clinic"),
    ("درمانگاه", "clinic"),
    ("کلینیک", "clinic"),
    ("phòngkhám", "clinic"),
    ("pharmacy", "pharmacy"),
    ("داروخانه", "pharmacy"),
    ("nhàthuốc", "pharmacy"),
    ("laboratory", "lab"),
    ("آزمایشگاه", "lab"),
    ("xétnghiệm", "lab"),
    ("lab", "lab"),
)

_TRUE = {"true", "1", "yes", "y", "t", "بله", "آری", "درست", "có", "đúng", "x"}
_FALSE = {"false", "0", "no", "n", "f", "خیر", "نه", "نادرست", "không", "sai"}
_JALALI = re.compile(r"^\s*(1[2-4]\d\d)[/\-.](\d{1,2})(?:[/\-.](\d{1,2}))?\s*$")


def map_vocabulary(
    values: pd.Series, vocabulary: tuple[str, ...], extra: Mapping[str, str] | None = None
) -> pd.Series:
    """Map local words onto a closed vocabulary; values that map nowhere become missing.

    ``extra`` (from a recipe's ``type_map``) is tried first, compared by :func:`name_key`; then
    the vocabulary itself; then, for facility types, :data:`FACILITY_TYPE_WORDS`.
    """
    keys = values.map(name_key, na_action="ignore")
    lookup: dict[str, str] = {name_key(v): v for v in vocabulary}
    for word, target in (extra or {}).items():
        lookup[name_key(word)] = target
    mapped = keys.map(lookup)
    if set(vocabulary) >= {"hospital", "clinic"}:
        todo = mapped.isna() & keys.notna()
        for key in keys[todo].unique():
            for word, target in FACILITY_TYPE_WORDS:
                if name_key(word) in key:
                    mapped[keys == key] = target
                    break
    return mapped.where(mapped.isin(vocabulary))


#: The dates a table can hold (pandas' nanosecond range); a year such as 2952 or 9999 is a typo.
FIRST_DATE = pd.Timestamp.min.ceil("D")
LAST_DATE = pd.Timestamp.max.floor("D")
DATE_FIX = "use YYYY-MM-DD or 1404/01/01"
#: Number columns that hold degrees (EPSG:4326), with their largest magnitude.
DEGREE_RANGES = {"pop_lon": 180, "pop_lat": 90}
DATE_RANGE_FIX = (
    f"check the year: dates must lie between {FIRST_DATE:%Y-%m-%d} and {LAST_DATE:%Y-%m-%d}"
)
_OUT_OF_RANGE = "out of range"


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read dates: ISO (``2025-03-21``, ``2025-03``), ``21/03/2025`` and Solar Hijri (``1404/01/01``).

    Returns the dates (``datetime64[ns]``, NaT when missing or unreadable) and a mask of values
    that were present but unreadable (including dates outside :data:`FIRST_DATE` –
    :data:`LAST_DATE`; :func:`parse_dates_checked` tells those apart).
    """
    dates, bad, out_of_range = parse_dates_checked(values)
    return dates, bad | out_of_range


def parse_dates_checked(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """As :func:`parse_dates`, with a third mask: dates that were read but lie outside the range
    a table can hold (year 2952, 9999-12-31 …). Those are NaT and not in the ``bad`` mask."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.tz_localize(None) if values.dt.tz else values
        # A file may carry timestamps in seconds or microseconds beyond the nanosecond range.
        outside = out.notna() & ((out < FIRST_DATE) | (out > LAST_DATE))
        out = out.where(~outside).astype("datetime64[ns]")
        return out, pd.Series(False, index=values.index), outside.astype(bool)
    # Each distinct spelling is parsed once and mapped back by its code (a column of a million
    # records holds a few hundred distinct dates at most).
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).map(lambda v: to_ascii_digits(str(v)).strip())
    read = [_parse_one_date(t) if t else pd.NaT for t in text]
    too_far = np.array([r is _OUT_OF_RANGE for r in read], dtype=bool)
    parsed = pd.DatetimeIndex(
        [pd.NaT if r is _OUT_OF_RANGE else r for r in read], dtype="datetime64[ns]"
    ).to_numpy()
    present_unique = (text != "").to_numpy()
    found = codes >= 0
    present = pd.Series(found, index=values.index)
    present[found] = present_unique[codes[found]]
    outside = np.zeros(len(values), dtype=bool)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if len(parsed):
        filled = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        filled[found] = parsed[codes[found]]
        outside[found] = too_far[codes[found]]
        out = pd.Series(filled, index=values.index)
    outside_mask = pd.Series(outside, index=values.index)
    bad = present & out.isna() & ~outside_mask
    return out, bad.astype(bool), outside_mask


def _parse_one_date(raw: str) -> pd.Timestamp | str:
    """One date, ``NaT`` when unreadable, :data:`_OUT_OF_RANGE` when read but not storable."""
    match = _JALALI.match(raw)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
        try:
            return pd.Timestamp(JalaliDate(year, month, day).to_gregorian())
        except ValueError:
            return pd.NaT
    for fmt in ("ISO8601", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y/%m"):
        try:
            stamp = pd.to_datetime(raw, format=fmt)
        except OutOfBoundsDatetime:
            return _OUT_OF_RANGE
        except (ValueError, TypeError, OverflowError):
            continue
        if stamp is pd.NaT:
            return pd.NaT
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        if stamp < FIRST_DATE or stamp > LAST_DATE:
            return _OUT_OF_RANGE
        return stamp
    return pd.NaT


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read yes/no values in English, Persian and Vietnamese; returns (boolean, bad mask)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip().str.casefold()
    present = text.notna() & (text != "")
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    bad = present & out.isna()
    return out, bad.astype(bool)


def clean_ids(values: pd.Series) -> pd.Series:
    """Identifiers as strings: ``101.0`` read from a spreadsheet becomes ``"101"``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values == np.floor(values))
        text = values.astype("string")
        text[whole] = values[whole].astype("int64").astype("string")
        values = text
    text = values.astype("string").map(to_ascii_digits, na_action="ignore").astype("string")
    text = text.str.strip()
    text = text.str.replace(r"\.0$", "", regex=True)
    return text.where(text != "").astype(object).where(lambda s: s.notna(), None)


def conform(
    frame: pd.DataFrame,
    schema: TableSchema,
    *,
    source: str,
    type_map: Mapping[str, str] | None = None,
    period_months: str | None = GREGORIAN,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a frame against a table schema and convert it to the stored types.

    Parameters
    ----------
    frame
        Columns already renamed to the workspace names; may carry ``_row`` and ``_source``.
    schema
        The table it must become.
    source
        File name used in problems when the frame has no ``_source`` column.
    type_map
        Extra local words for closed vocabularies (the recipe's ``type_map``).
    period_months
        The calendar whose month a ``period`` date is turned into (its first day); ``None`` keeps
        the dates as they are, for a caller that has checked them itself (an import, where a date
        that is not the first day of a month is a row problem, never moved silently).

    Returns
    -------
    table, problems
        The conforming table (GeoDataFrame in EPSG:4326 for tables with geometry), and every
        value or row that was rejected, repaired or set to missing.

    Raises
    ------
    DataError
        A required column is absent, an identifier is duplicated, or a layer has no CRS.
    """
    frame = frame.copy()
    if ROW_COLUMN not in frame:
        frame[ROW_COLUMN] = np.arange(1, len(frame) + 1)
    if SOURCE_COLUMN not in frame:
        frame[SOURCE_COLUMN] = source
    missing = [c for c in schema.required if c not in frame.columns]
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame
    if schema.geometry in ("polygon", "point") and not has_geometry:
        missing.append("geometry (or lat/lon columns)")
    if missing:
        raise DataError(
            f"{source}: the {schema.name} table needs column(s) {', '.join(missing)}; map them in "
            f"the recipe's [{schema.name}] columns (found: "
            f"{', '.join(c for c in frame.columns if not c.startswith('_'))})."
        )
    problems: list[Problem] = []

    def report(
        mask: pd.Series,
        column: str,
        problem: str,
        severity: str,
        fix: str | None = None,
        code: str | None = None,
        params: tuple[tuple[str, str], ...] = (),
    ):
        for row, src, value in zip(
            frame.loc[mask, ROW_COLUMN],
            frame.loc[mask, SOURCE_COLUMN],
            frame.loc[mask, column],
            strict=True,
        ):
            problems.append(
                Problem(
                    str(src),
                    problem,
                    int(row),
                    column,
                    _show(value),
                    severity,  # type: ignore[arg-type]
                    fix,
                    code,
                    params,
                )
            )

    reject = pd.Series(False, index=frame.index)
    for column, kind in schema.kinds.items():
        if column not in frame:
            continue
        values = frame[column]
        if kind == "id":
            frame[column] = clean_ids(values)
            if column in schema.required:
                empty = frame[column].isna()
                report(
                    empty,
                    column,
                    "identifier is missing; row rejected",
                    "rejected",
                    "fill in the identifier",
                    "id_missing",
                )
                reject |= empty
        elif kind == "text":
            present = values.notna()
            frame[column] = values.where(~present, values[present].map(clean_text)).astype(object)
            frame[column] = frame[column].where(frame[column].notna() & (frame[column] != ""), None)
            if column in schema.required:
                empty = frame[column].isna()
                report(
                    empty,
                    column,
                    "value is missing; row rejected",
                    "rejected",
                    "fill in the value",
                    "value_missing",
                )
                reject |= empty
        elif kind in ("count", "number", "fraction"):
            numbers, bad = parse_numbers(values)
            report(
                bad,
                column,
                "not a number; kept as missing",
                "rejected",
                "write a plain number, e.g. 1250",
                "not_a_number",
            )
            if kind == "count":
                negative = numbers < 0
                report(
                    negative,
                    column,
                    "negative count; kept as missing",
                    "rejected",
                    "a count cannot be negative: correct the value",
                    "negative_count",
                )
                fractional = (numbers.notna()) & (numbers != np.round(numbers)) & ~negative
                report(
                    fractional,
                    column,
                    "count is not a whole number; rounded",
                    "warning",
                    "write a whole number",
                    "fractional_count",
                )
                numbers = numbers.where(~negative).round()
                frame[column] = numbers.astype("Int64")
            elif kind == "fraction":
                outside = (numbers < 0) | (numbers > 1)
                report(
                    outside,
                    column,
                    "must be between 0 and 1; kept as missing",
                    "rejected",
                    "write 85 % as 0.85",
                    "fraction_range",
                )
                frame[column] = numbers.where(~outside)
            elif column in DEGREE_RANGES:
                limit = DEGREE_RANGES[column]
                outside = numbers.abs() > limit
                report(
                    outside,
                    column,
                    f"must be between -{limit} and {limit} degrees; kept as missing",
                    "rejected",
                    "write decimal degrees in EPSG:4326, e.g. 51.389 (longitude), 35.689 (latitude)",
                    "degree_range",
                    (("limit", str(limit)),),
                )
                frame[column] = numbers.where(~outside)
            else:
                frame[column] = numbers
            if column in schema.required and kind != "count":
                reject |= frame[column].isna()
        elif kind == "date":
            dates, bad, outside = parse_dates_checked(values)
            report(bad, column, "not a date", "rejected", DATE_FIX, "not_a_date")
            report(outside, column, "date out of range", "rejected", DATE_RANGE_FIX, "date_range")
            bad = bad | outside
            if column == "period":
                if period_months is not None:
                    dates = month_start(dates, period_months)
            frame[column] = dates
            if column in schema.required:
                empty = frame[column].isna()
                report(
                    empty & ~bad,
                    column,
                    "date is missing; row rejected",
                    "rejected",
                    DATE_FIX,
                    "date_missing",
                )
                reject |= empty
        elif kind == "bool":
            flags, bad = parse_bools(values)
            report(
                bad,
                column,
                "not yes/no; kept as missing",
                "rejected",
                "write yes or no",
                "not_yes_no",
            )
            frame[column] = flags

    for column, vocabulary in schema.vocabularies.items():
        if column not in frame:
            continue
        mapped = map_vocabulary(frame[column], vocabulary, type_map if column == "type" else None)
        unknown = frame[column].notna() & mapped.isna()
        if column in schema.required:
            report(
                unknown,
                column,
                f"not one of {', '.join(vocabulary)}; row rejected",
                "rejected",
                "map the local word in the recipe's type_map",
                "not_in_vocabulary_rejected",
                (("values", ", ".join(vocabulary)),),
            )
            reject |= unknown
        else:
            report(
                unknown,
                column,
                f"not one of {', '.join(vocabulary)}; kept as missing",
                "rejected",
                "use one of the listed values, or leave the cell empty",
                "not_in_vocabulary",
                (("values", ", ".join(vocabulary)),),
            )
        frame[column] = mapped.astype(object).where(mapped.notna(), None)

    if has_geometry:
        frame, geometry_reject, geometry_problems = _check_geometry(frame, schema)
        problems += geometry_problems
        reject |= geometry_reject

    frame = frame.loc[~reject]
    _check_unique(frame, schema)
    return frame.reset_index(drop=True), problems


def _check_geometry(
    frame: gpd.GeoDataFrame, schema: TableSchema
) -> tuple[gpd.GeoDataFrame, pd.Series, list[Problem]]:
    problems: list[Problem] = []
    geoms = frame.geometry.to_numpy()
    reject = pd.Series(False, index=frame.index)
    rows = frame[ROW_COLUMN].to_numpy()
    sources = frame[SOURCE_COLUMN].to_numpy()

    def note(
        mask: np.ndarray,
        problem: str,
        severity: str,
        fix: str,
        code: str | None = None,
        params: tuple[tuple[str, str], ...] = (),
    ) -> None:
        for row, src in zip(rows[mask], sources[mask], strict=True):
            problems.append(
                Problem(str(src), problem, int(row), "geometry", None, severity, fix, code, params)  # type: ignore[arg-type]
            )

    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if schema.geometry == "optional_point":
        empty_ok = empty
        empty = np.zeros(len(geoms), dtype=bool)
    else:
        empty_ok = np.zeros(len(geoms), dtype=bool)
        note(
            empty,
            "geometry is empty; row rejected",
            "rejected",
            "give the row a location or shape",
            "geometry_empty",
        )
    # NaN or infinite coordinates: GEOS cannot check or repair them (it raises); the row goes.
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    non_finite = np.zeros(len(geoms), dtype=bool)
    non_finite[np.unique(owner[~np.isfinite(coords).all(axis=1)])] = True
    non_finite &= ~empty & ~empty_ok
    if non_finite.any():
        note(non_finite, "coordinates are not finite numbers (NaN or infinite); row rejected",
             "rejected", "correct the coordinates", "coordinates_not_finite")  # fmt: skip
        geoms = geoms.copy()
        geoms[non_finite] = None
        reject |= non_finite
        empty_ok = empty_ok | non_finite  # already reported: no second problem for the row
    wanted = ("Polygon", "MultiPolygon") if schema.geometry == "polygon" else ("Point",)
    invalid = ~empty & ~empty_ok & ~shapely.is_valid(geoms)
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid])
        if schema.geometry == "polygon":
            repaired = _polygonal_part(repaired)
        geoms = geoms.copy()
        geoms[invalid] = repaired
        note(
            invalid,
            "invalid geometry repaired with make_valid",
            "repaired",
            "check the repaired shape on the map; redraw it if it is wrong",
            "geometry_repaired",
        )
    types = shapely.get_type_id(geoms)
    if schema.geometry != "polygon":
        # A MultiPoint of one point is a point.
        single = (types == 4) & (shapely.get_num_geometries(geoms) == 1)
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        types = shapely.get_type_id(geoms)
    type_ids = {"Point": 0, "Polygon": 3, "MultiPolygon": 6}
    ok_type = np.isin(types, [type_ids[w] for w in wanted])
    wrong = ~empty & ~empty_ok & ~ok_type
    now_empty = ~empty & ~empty_ok & shapely.is_empty(geoms)
    note(
        wrong & ~now_empty,
        f"geometry is not a {' or '.join(wanted)}; row rejected",
        "rejected",
        f"give each row a {' or '.join(wanted)}",
        "geometry_type",
        (("types", " / ".join(wanted)),),
    )
    note(
        now_empty,
        "geometry is empty after repair; row rejected",
        "rejected",
        "redraw the shape",
        "geometry_empty_after_repair",
    )
    reject |= empty | wrong | now_empty
    if schema.geometry == "optional_point":
        geoms[empty_ok] = None
    out = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    if out.crs is None:
        raise DataError(f"{sources[0] if len(sources) else schema.name}: the layer has no CRS.")
    keep = ~reject
    bounds_ok = np.ones(len(out), dtype=bool)
    if out.crs.is_geographic:
        minx, miny, maxx, maxy = shapely.bounds(geoms).T
        bounds_ok = ~(
            (np.nan_to_num(miny, nan=0) < -90)
            | (np.nan_to_num(maxy, nan=0) > 90)
            | (np.nan_to_num(minx, nan=0) < -180)
            | (np.nan_to_num(maxx, nan=0) > 180)
        )
        bad_bounds = keep.to_numpy() & ~bounds_ok
        note(
            bad_bounds,
            "coordinates outside the world in a geographic CRS",
            "rejected",
            "name the file's CRS, or correct the coordinates",
            "coordinates_outside_world",
        )
        reject |= ~bounds_ok
    out = out.to_crs(STORAGE_CRS)
    return out, reject, problems


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygons of each (repaired) geometry; lines and points are dropped."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), [3, 6])
    result = np.array([shapely.Polygon()] * len(geoms), dtype=object)
    if polygonal.any():
        series = (
            gpd.GeoSeries(parts[polygonal])
            .groupby(index[polygonal])
            .agg(lambda s: shapely.union_all(s.to_numpy()))
        )
        result[series.index.to_numpy()] = series.to_numpy()
    return result


def _check_unique(frame: pd.DataFrame, schema: TableSchema) -> None:
    key = [c for c in schema.key if c in frame]
    if not key:
        return
    dup = frame.duplicated(subset=key, keep=False)
    if not dup.any():
        return
    problems = [
        Problem(
            str(src),
            f"duplicate {'/'.join(key)}",
            int(row),
            key[0],
            "/".join(map(str, vals)),
            "error",
            "give each row its own identifier, or remove the repeated rows",
            "duplicate_key",
            (("columns", "/".join(key)),),
        )
        for row, src, vals in zip(
            frame.loc[dup, ROW_COLUMN],
            frame.loc[dup, SOURCE_COLUMN],
            frame.loc[dup, key].astype(str).itertuples(index=False, name=None),
            strict=True,
        )
    ]
    raise DataError(
        f"The {schema.name} table has {int(dup.sum())} rows with a duplicated "
        f"{' + '.join(key)}; each must be unique. Nothing was saved.",
        problems,
        "duplicate_key",
        {"table": schema.name, "n": int(dup.sum()), "columns": " + ".join(key)},
    )


def _show(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)[:80]
