"""What an import's rows mean, checked against the workspace: periods on the first day of a month of
its reporting calendar (Solar Hijri-written dates read as such), insured counts that are blank,
negative, fractional or above an area's population, points far from every area or with latitude
and longitude swapped, rows an areas import leaves without an area; and the problems as a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.sources.readers import ROW_COLUMN
from geodata.tables import calendar as C
from geodata.tables import schema as S
from geodata.tables.problems import DataError, Problem
from geodata.tables.text import parse_numbers
from geodata.tables.validate import parse_dates_checked
from geodata.uploads.reading import Upload

#: How a date that is not the first day of a reporting month is read: a row problem
#: (``first_day``), or booked to the month that contains it (``containing``), each row shown.
DateRule = Literal["first_day", "containing"]
DATE_RULES: tuple[str, ...] = ("first_day", "containing")
FAR_KM = 100.0


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


def check_periods(
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


def check_counts(frame: pd.DataFrame, source: str, column: str, problems: list[Problem]) -> None:
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


def flag_counts(
    frame: pd.DataFrame,
    areas: pd.DataFrame | None,
    existing: pd.DataFrame | None,
    source: str,
    column: str,
    calendar: str,
    problems: list[Problem],
) -> list[int]:
    """Rows with a count problem (:func:`check_counts`, or not a number), and rows of an area
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


def check_locations(
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


def note_orphans(
    areas: pd.DataFrame, current: Mapping[str, pd.DataFrame], notes: list[str]
) -> None:
    ids = set(areas["area_id"])
    for name in ("insured", "outreach"):
        other = current.get(name)
        if other is not None and len(other) and "area_id" in other:
            orphans = int((other["area_id"].notna() & ~other["area_id"].isin(ids)).sum())
            if orphans:
                notes.append(f"orphans:{name}:{orphans}")


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
