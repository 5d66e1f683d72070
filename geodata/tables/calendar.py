"""Reporting calendars: the months a workspace reports by.

A workspace reports by the months of one calendar, ``"gregorian"`` or ``"solar_hijri"`` (the
Iranian calendar: Mehr 1405 runs from 23 September to 22 October 2026). Whatever the calendar, a
period is stored as the Gregorian date of its month's first day, so Solar Hijri periods are
timestamps such as ``2026-09-23`` (1 Mehr 1405) and ``2026-10-23`` (1 Aban 1405).

Everything here is vectorised over pandas Series, index or array-likes (a Solar Hijri month is found
by a binary search in a table of month starts built once), and each function also takes a single
date and then returns a single value. Missing or unreadable dates give ``NaT`` / ``<NA>``.

>>> month_start(pd.Series(pd.to_datetime(["2026-10-09"])), "solar_hijri").tolist()
[Timestamp('2026-09-23 00:00:00')]
>>> month_key(pd.Timestamp("2026-10-23"), "solar_hijri")
(1405, 8)
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from persiantools.jdatetime import JalaliDate

from geodata.tables.text import to_ascii_digits

GREGORIAN = "gregorian"
SOLAR_HIJRI = "solar_hijri"
CALENDARS = (GREGORIAN, SOLAR_HIJRI)
DEFAULT_CALENDAR = GREGORIAN

# Other spellings people and older code use for the same two calendars.
_ALIASES = {
    "gregorian": GREGORIAN,
    "western": GREGORIAN,
    "solar_hijri": SOLAR_HIJRI,
    "solar hijri": SOLAR_HIJRI,
    "solar-hijri": SOLAR_HIJRI,
    "jalali": SOLAR_HIJRI,
    "shamsi": SOLAR_HIJRI,
    "persian": SOLAR_HIJRI,
    "iranian": SOLAR_HIJRI,
}

# The Solar Hijri years the month table spans (1821 – 2221 in Gregorian years): every date a
# workspace can hold. Outside it a date has no Solar Hijri month (NaT).
FIRST_SH_YEAR = 1200
LAST_SH_YEAR = 1599

SOLAR_HIJRI_MONTHS = {
    "en": (
        "Farvardin",
        "Ordibehesht",
        "Khordad",
        "Tir",
        "Mordad",
        "Shahrivar",
        "Mehr",
        "Aban",
        "Azar",
        "Dey",
        "Bahman",
        "Esfand",
    ),
    "fa": (
        "فروردین",
        "اردیبهشت",
        "خرداد",
        "تیر",
        "مرداد",
        "شهریور",
        "مهر",
        "آبان",
        "آذر",
        "دی",
        "بهمن",
        "اسفند",
    ),
}
GREGORIAN_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fa": (
        "ژانویه",
        "فوریه",
        "مارس",
        "آوریل",
        "مه",
        "ژوئن",
        "ژوئیه",
        "اوت",
        "سپتامبر",
        "اکتبر",
        "نوامبر",
        "دسامبر",
    ),
}


def normalize_calendar(name: object) -> str:
    """The canonical calendar name for ``name`` (``"jalali"``, ``"Solar Hijri"`` → ``"solar_hijri"``).

    ``None`` or an empty value gives :data:`DEFAULT_CALENDAR`; an unknown name raises ``ValueError``.
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return DEFAULT_CALENDAR
    key = str(name).strip().lower()
    if not key:
        return DEFAULT_CALENDAR
    if key not in _ALIASES:
        raise ValueError(f"calendar must be one of {CALENDARS}, got {name!r}")
    return _ALIASES[key]


@functools.cache
def _sh_table() -> np.ndarray:
    """The Gregorian first day (datetime64[ns]) of every Solar Hijri month, in order, plus the day
    after the last month (so month ``i`` runs from ``table[i]`` to ``table[i + 1]``)."""
    days = [
        np.datetime64(JalaliDate(year, month, 1).to_gregorian(), "D")
        for year in range(FIRST_SH_YEAR, LAST_SH_YEAR + 1)
        for month in range(1, 13)
    ]
    days.append(np.datetime64(JalaliDate(LAST_SH_YEAR + 1, 1, 1).to_gregorian(), "D"))
    return np.array(days, dtype="datetime64[ns]")


def _as_series(dates: object, normalize: bool = True) -> tuple[pd.Series, bool]:
    """``dates`` as a datetime64[ns] Series (at day precision unless ``normalize`` is False), and
    whether a single date was given."""
    if isinstance(dates, pd.Series):
        series = dates
        scalar = False
    elif isinstance(dates, (pd.Index, np.ndarray, list, tuple)):
        series = pd.Series(dates)
        scalar = False
    else:
        series = pd.Series([dates])
        scalar = True
    out = pd.to_datetime(series, errors="coerce")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    out = out.astype("datetime64[ns]")
    return (out.dt.normalize() if normalize else out), scalar


def _sh_index(days: pd.Series) -> np.ndarray:
    """Position in :func:`_sh_table` of each day's Solar Hijri month; -1 when missing/outside."""
    table = _sh_table()
    values = days.to_numpy(dtype="datetime64[ns]")
    idx = np.searchsorted(table, values, side="right") - 1
    outside = np.isnat(values) | (idx < 0) | (idx >= len(table) - 1)
    return np.where(outside, -1, idx)


def month_start(dates: object, calendar: str = GREGORIAN) -> pd.Series | pd.Timestamp:
    """The first day, as a Gregorian timestamp, of the reporting month that holds each date.

    ``2026-10-09`` → ``2026-10-01`` (gregorian) or ``2026-09-23`` (solar_hijri: 1 Mehr 1405).
    """
    days, scalar = _as_series(dates)
    cal = normalize_calendar(calendar)
    if cal == GREGORIAN:
        out = days.dt.to_period("M").dt.start_time.astype("datetime64[ns]")
        out = out.where(days.notna())
    else:
        idx = _sh_index(days)
        starts = _sh_table()[np.maximum(idx, 0)]
        out = pd.Series(
            np.where(idx >= 0, starts, np.datetime64("NaT", "ns")),
            index=days.index,
            dtype="datetime64[ns]",
        )
    return out.iloc[0] if scalar else out


def next_month_start(dates: object, calendar: str = GREGORIAN) -> pd.Series | pd.Timestamp:
    """The first day of the reporting month after the one that holds each date (its end, exclusive)."""
    days, scalar = _as_series(dates)
    cal = normalize_calendar(calendar)
    if cal == GREGORIAN:
        out = (days.dt.to_period("M") + 1).dt.start_time.astype("datetime64[ns]")
        out = out.where(days.notna())
    else:
        idx = _sh_index(days)
        table = _sh_table()
        out = pd.Series(
            np.where(idx >= 0, table[np.maximum(idx, 0) + 1], np.datetime64("NaT", "ns")),
            index=days.index,
            dtype="datetime64[ns]",
        )
    return out.iloc[0] if scalar else out


def is_month_start(dates: object, calendar: str = GREGORIAN) -> pd.Series | bool:
    """Whether each date is the first day of a reporting month (missing dates: False).

    A time of day other than midnight is not a month start.
    """
    exact, scalar = _as_series(dates, normalize=False)
    starts = month_start(exact, calendar)
    out = (starts == exact) & exact.notna()
    return bool(out.iloc[0]) if scalar else out.astype(bool)


def month_key(dates: object, calendar: str = GREGORIAN) -> pd.DataFrame | tuple[int, int] | None:
    """The (year, month) in ``calendar`` of each date: ``2026-10-23`` → (1405, 8) in solar_hijri.

    For a Series or array: a frame with nullable integer columns ``year`` and ``month`` on the
    same index (see :func:`month_keys`). For a single date: a ``(year, month)`` tuple, or None
    when it is missing.
    """
    days, scalar = _as_series(dates)
    frame = _month_frame(days, calendar)
    if scalar:
        row = frame.iloc[0]
        if pd.isna(row["year"]):
            return None
        return int(row["year"]), int(row["month"])
    return frame


def month_keys(dates: object, calendar: str = GREGORIAN) -> pd.DataFrame:
    """:func:`month_key` of each date as a frame (one row for a single date): nullable integer
    columns ``year`` and ``month``, missing where the date is."""
    return _month_frame(_as_series(dates)[0], calendar)


def _month_frame(days: pd.Series, calendar: str) -> pd.DataFrame:
    cal = normalize_calendar(calendar)
    if cal == GREGORIAN:
        year = days.dt.year.astype("Int64")
        month = days.dt.month.astype("Int64")
    else:
        idx = _sh_index(days)
        valid = idx >= 0
        year = pd.array(np.where(valid, FIRST_SH_YEAR + idx // 12, 0), dtype="Int64")
        month = pd.array(np.where(valid, idx % 12 + 1, 0), dtype="Int64")
        year[~valid] = pd.NA
        month[~valid] = pd.NA
    return pd.DataFrame({"year": year, "month": month}, index=days.index)


def from_month_key(
    year: ArrayLike, month: ArrayLike, calendar: str = GREGORIAN
) -> pd.Series | pd.Timestamp:
    """The Gregorian first day of month ``month`` of ``year`` in ``calendar``; NaT when not a month.

    Vectorised over equal-length year and month arrays; (1405, 7) → 2026-09-23 in solar_hijri.
    """
    scalar = np.ndim(year) == 0 and np.ndim(month) == 0
    years = pd.to_numeric(pd.Series(np.atleast_1d(year)), errors="coerce").to_numpy(float)
    months = pd.to_numeric(pd.Series(np.atleast_1d(month)), errors="coerce").to_numpy(float)
    years, months = np.broadcast_arrays(years, months)
    cal = normalize_calendar(calendar)
    ok = np.isfinite(years) & np.isfinite(months) & (months >= 1) & (months <= 12)
    ok &= (years == np.floor(years)) & (months == np.floor(months))
    y = np.where(ok, years, 0).astype(np.int64)
    m = np.where(ok, months, 1).astype(np.int64)
    if cal == GREGORIAN:
        ok &= (y >= 1678) & (y <= 2261)
        stamps = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]").astype("datetime64[ns]")
    else:
        ok &= (y >= FIRST_SH_YEAR) & (y <= LAST_SH_YEAR)
        idx = np.clip((y - FIRST_SH_YEAR) * 12 + (m - 1), 0, len(_sh_table()) - 1)
        stamps = _sh_table()[idx]
    out = pd.Series(np.where(ok, stamps, np.datetime64("NaT", "ns")), dtype="datetime64[ns]")
    return out.iloc[0] if scalar else out


def month_range(first: object, last: object, calendar: str = GREGORIAN) -> pd.Series:
    """The month starts of every reporting month from the one holding ``first`` to the one holding
    ``last``, both included (empty when either is missing or ``last`` is before ``first``)."""
    cal = normalize_calendar(calendar)
    start = month_start(first, cal)
    end = month_start(last, cal)
    if pd.isna(start) or pd.isna(end) or end < start:
        return pd.Series([], dtype="datetime64[ns]")
    if cal == GREGORIAN:
        return pd.Series(pd.date_range(start, end, freq="MS"), dtype="datetime64[ns]")
    table = _sh_table()
    lo = np.searchsorted(table, np.datetime64(start, "ns"))
    hi = np.searchsorted(table, np.datetime64(end, "ns"))
    return pd.Series(table[lo : hi + 1], dtype="datetime64[ns]")


def shift_months(dates: object, months: int, calendar: str = GREGORIAN) -> pd.Series | pd.Timestamp:
    """The start of the reporting month ``months`` months after (negative: before) each date's."""
    days, scalar = _as_series(dates)
    keys = _month_frame(days, calendar)
    total = keys["year"].astype("Float64") * 12 + keys["month"].astype("Float64") - 1 + months
    out = from_month_key(
        (total // 12).to_numpy(float, na_value=np.nan),
        (total % 12 + 1).to_numpy(float, na_value=np.nan),
        calendar,
    )
    out.index = days.index
    return out.iloc[0] if scalar else out


def propose_calendar(dates: object, min_share: float = 0.9) -> str | None:
    """Which reporting calendar the dates in a file look like.

    ``"solar_hijri"`` when at least ``min_share`` of the (present) dates fall on Solar Hijri month
    starts, ``"gregorian"`` when they fall on Gregorian month starts; None when the dates say
    nothing (no dates, or neither calendar's month starts dominate — e.g. daily records). The two
    never tie: a Solar Hijri month starts between the 19th and the 23rd of a Gregorian month.
    """
    days, _ = _as_series(dates)
    present = days.notna()
    n = int(present.sum())
    if n == 0:
        return None
    days = days[present]
    shares = {
        cal: np.count_nonzero(is_month_start(days, cal)) / n for cal in (SOLAR_HIJRI, GREGORIAN)
    }
    best = max(shares, key=shares.__getitem__)
    return best if shares[best] >= min_share else None


def periods_calendar(periods: object, calendar: str | None = None) -> str:
    """The reporting calendar of stored periods: ``calendar`` when given, else the one they are
    month starts of (:func:`propose_calendar`), else Gregorian."""
    if calendar:
        return normalize_calendar(calendar)
    return propose_calendar(periods) or GREGORIAN


def tick_months(periods: object, calendar: str | None = None, max_ticks: int = 12) -> pd.Series:
    """The months a month axis marks: every reporting month from the first period to the last,
    or every 3rd, 6th or 12th when that would be more than ``max_ticks`` (always the latest).

    ``calendar``: the periods' reporting calendar (None: the one they are month starts of)."""
    days, _ = _as_series(periods)
    days = days.dropna()
    if days.empty:
        return pd.Series([], dtype="datetime64[ns]")
    span = month_range(days.min(), days.max(), periods_calendar(days, calendar))
    step = next((s for s in (1, 3, 6, 12) if -(-len(span) // s) <= max_ticks), 12)
    return pd.Series(span.to_numpy()[::-1][::step][::-1], dtype="datetime64[ns]")


def period_name(period: object, calendar: str | None = None) -> str:
    """A period as its own calendar numbers it, for file names: ``1405-08`` (Aban 1405),
    ``2026-10`` (October 2026); ``calendar`` None: the one it is a month start of."""
    key = month_key(pd.Timestamp(period), periods_calendar([period], calendar))
    return f"{key[0]:04d}-{key[1]:02d}" if key else ""


def period_key(period: object) -> str:
    """The ``YYYY-MM`` key a link names a period by: its Gregorian year and month, unique in
    either calendar (each Gregorian month holds the first day of exactly one Solar Hijri month)."""
    return pd.Timestamp(period).strftime("%Y-%m")


def key_period(key: str, calendar: str = GREGORIAN) -> pd.Timestamp:
    """The period a :func:`period_key` names: the first day of the ``calendar`` month that starts
    in Gregorian month ``key`` (``2026-09`` → 1 Mehr 1405, 23 September 2026, in solar_hijri)."""
    first = pd.Timestamp(f"{key}-01")
    if normalize_calendar(calendar) == GREGORIAN:
        return first
    # A Solar Hijri month starts between the 19th and the 23rd: the one running on the 28th.
    return month_start(first + pd.Timedelta(days=27), SOLAR_HIJRI)


# Solar Hijri dates as written: 1405/08/01, 1405-8-1, 1405.08.01, 1405/08 (month only) — in Latin,
# Persian or Arabic-Indic digits.
_SH_WRITTEN = re.compile(r"^\s*(1[2-5]\d\d)\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{1,2}))?\s*$")
# Month names as labels show them: "Aban 1405", "آبان ۱۴۰۵", "1405 Aban".
_NAME_TO_MONTH = {
    name.lower(): i + 1 for names in SOLAR_HIJRI_MONTHS.values() for i, name in enumerate(names)
}
_NAME_TO_MONTH.update({"ordibehesht": 2, "mordad": 5, "امرداد": 5, "esfand": 12, "day": 10})
_SH_NAMED = re.compile(
    r"^\s*(?:(?P<name1>[^\d\s/\-.]+)\s*(?P<year1>1[2-5]\d\d)|(?P<year2>1[2-5]\d\d)\s*(?P<name2>[^\d\s/\-.]+))\s*$"
)


def _ascii(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    text = pd.Series([to_ascii_digits(str(u)) for u in uniques], dtype="string")
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    found = codes >= 0
    out[found] = text.to_numpy()[codes[found]]
    return out


def looks_solar_hijri(values: object) -> pd.Series:
    """Whether each value is written as a Solar Hijri date (``۱۴۰۵/۰۸/۰۱``, ``1405-08-01``,
    ``آبان ۱۴۰۵``): a year between 1200 and 1599 first, or a Solar Hijri month name."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    text = _ascii(series)
    numeric = text.str.match(_SH_WRITTEN).fillna(False).astype(bool)
    named = _named_month(text).notna()
    return numeric | named


def _named_month(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_SH_NAMED)
    name = parts["name1"].fillna(parts["name2"]).str.lower()
    year = parts["year1"].fillna(parts["year2"])
    month = name.map(_NAME_TO_MONTH)
    return from_month_key(
        pd.to_numeric(year, errors="coerce").to_numpy(float),
        pd.to_numeric(month, errors="coerce").to_numpy(float),
        SOLAR_HIJRI,
    ).set_axis(text.index)


def parse_solar_hijri(values: object) -> pd.Series | pd.Timestamp:
    """Gregorian timestamps of Solar Hijri-written dates; NaT for anything else or impossible dates.

    ``"۱۴۰۵/۰۸/۰۱"``, ``"1405-08-01"``, ``"1405/8"`` (month only: its first day) and month labels
    such as ``"آبان ۱۴۰۵"`` / ``"Aban 1405"`` all give ``2026-10-23``; ``"1405/07/30"`` gives
    ``2026-10-22``; ``"1405/07/31"`` and ``"1405/12/30"`` are NaT (Mehr has 30 days, and 1405 is
    not a leap year).
    """
    scalar = not isinstance(values, (pd.Series, pd.Index, np.ndarray, list, tuple))
    series = (
        pd.Series([values])
        if scalar
        else (values if isinstance(values, pd.Series) else pd.Series(values))
    )
    text = _ascii(series)
    parts = text.str.extract(_SH_WRITTEN)
    year = pd.to_numeric(parts[0], errors="coerce").to_numpy(float)
    month = pd.to_numeric(parts[1], errors="coerce").to_numpy(float)
    day = pd.to_numeric(parts[2], errors="coerce").fillna(1).to_numpy(float)
    first = from_month_key(year, month, SOLAR_HIJRI).to_numpy()
    following = next_month_start(pd.Series(first), SOLAR_HIJRI).to_numpy()
    length = (following - first) / np.timedelta64(1, "D")
    ok = ~np.isnat(first) & (day >= 1) & (day <= np.nan_to_num(length)) & (day == np.floor(day))
    stamps = first + (np.where(ok, day, 1) - 1).astype("timedelta64[D]")
    out = pd.Series(np.where(ok, stamps, np.datetime64("NaT", "ns")), index=series.index)
    out = out.astype("datetime64[ns]").fillna(_named_month(text))
    return out.iloc[0] if scalar else out


def month_names(calendar: str, lang: str) -> tuple[str, ...]:
    """The twelve month names of ``calendar`` in ``lang`` (Vietnamese and other languages use the
    English transliteration for Solar Hijri months, the English short names for Gregorian ones)."""
    names = SOLAR_HIJRI_MONTHS if normalize_calendar(calendar) == SOLAR_HIJRI else GREGORIAN_MONTHS
    return names.get(lang, names["en"])
