"""Reporting calendars (geodata.tables.calendar): Gregorian and Solar Hijri months, vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from persiantools.jdatetime import JalaliDate

from geodata.tables import calendar as cal


def _days(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), format="ISO8601"))


def test_mehr_1405_runs_from_23_september_to_22_october_2026():
    days = pd.Series(pd.date_range("2026-09-22", "2026-10-23", freq="D"))
    starts = cal.month_start(days, "solar_hijri")
    assert starts.iloc[0] == pd.Timestamp("2026-08-23")  # 31 Shahrivar
    assert (starts.iloc[1:-1] == pd.Timestamp("2026-09-23")).all()  # Mehr
    assert starts.iloc[-1] == pd.Timestamp("2026-10-23")  # 1 Aban
    keys = cal.month_key(days, "solar_hijri")
    assert keys.iloc[1].tolist() == [1405, 7]
    assert keys.iloc[-1].tolist() == [1405, 8]
    assert cal.next_month_start(pd.Timestamp("2026-10-01"), "solar_hijri") == pd.Timestamp(
        "2026-10-23"
    )


def test_gregorian_months_and_missing_dates():
    days = _days("2026-10-09", "2026-10-01", "2024-02-29T13:30", None)
    starts = cal.month_start(days, "gregorian")
    assert starts.iloc[:3].tolist() == [
        pd.Timestamp("2026-10-01"),
        pd.Timestamp("2026-10-01"),
        pd.Timestamp("2024-02-01"),
    ]
    assert pd.isna(starts.iloc[3])
    assert cal.is_month_start(days, "gregorian").tolist() == [False, True, False, False]
    assert cal.month_key(days, "gregorian")["month"].iloc[:3].tolist() == [10, 10, 2]
    assert cal.month_key(pd.NaT, "gregorian") is None


def test_solar_hijri_table_matches_persiantools_over_the_whole_range():
    rng = np.random.default_rng(5)
    offsets = rng.integers(0, 365 * 380, 2000)
    days = pd.Series(pd.Timestamp("1822-01-01") + pd.to_timedelta(offsets, unit="D"))
    keys = cal.month_key(days, "solar_hijri")
    starts = cal.month_start(days, "solar_hijri")
    expected = [JalaliDate(d.date()) for d in days]
    assert keys["year"].tolist() == [j.year for j in expected]
    assert keys["month"].tolist() == [j.month for j in expected]
    assert starts.tolist() == [
        pd.Timestamp(JalaliDate(j.year, j.month, 1).to_gregorian()) for j in expected
    ]


def test_is_month_start_in_each_calendar():
    days = _days("2026-09-23", "2026-10-23", "2026-10-01", "2026-09-23T08:00", "2025-03-21")
    assert cal.is_month_start(days, "solar_hijri").tolist() == [True, True, False, False, True]
    assert cal.is_month_start(days, "gregorian").tolist() == [False, False, True, False, False]
    assert cal.is_month_start(pd.Timestamp("2026-09-23"), "jalali") is True


def test_month_keys_round_trip_and_shift():
    assert cal.from_month_key(1405, 7, "solar_hijri") == pd.Timestamp("2026-09-23")
    assert cal.from_month_key(2026, 10, "gregorian") == pd.Timestamp("2026-10-01")
    assert pd.isna(cal.from_month_key(1405, 13, "solar_hijri"))
    out = cal.from_month_key([1404, 1405, np.nan], [1, 8, 1], "solar_hijri")
    assert out.iloc[:2].tolist() == [pd.Timestamp("2025-03-21"), pd.Timestamp("2026-10-23")]
    assert pd.isna(out.iloc[2])
    # Esfand 1404 is six months before Shahrivar 1405, and Aban 1405 the month after Mehr.
    assert cal.shift_months(pd.Timestamp("2026-09-23"), 1, "solar_hijri") == pd.Timestamp(
        "2026-10-23"
    )
    assert cal.shift_months(pd.Timestamp("2026-09-10"), -6, "solar_hijri") == pd.Timestamp(
        "2026-02-20"
    )
    assert cal.shift_months(pd.Timestamp("2026-11-15"), 2, "gregorian") == pd.Timestamp(
        "2027-01-01"
    )


def test_month_range_lists_each_month_once():
    months = cal.month_range("2026-09-01", "2026-12-31", "solar_hijri")
    assert months.tolist() == [
        pd.Timestamp(x)
        for x in ("2026-08-23", "2026-09-23", "2026-10-23", "2026-11-22", "2026-12-22")
    ]
    assert len(cal.month_range("2024-11-01", "2026-10-01", "gregorian")) == 24
    assert cal.month_range("2026-10-01", "2026-01-01", "gregorian").empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۱۴۰۵/۰۸/۰۱", "2026-10-23"),
        ("1405-08-01", "2026-10-23"),
        ("١٤٠٥/٠٨/٠١", "2026-10-23"),
        ("1405/8", "2026-10-23"),
        ("1405.07.30", "2026-10-22"),
        ("آبان ۱۴۰۵", "2026-10-23"),
        ("Mehr 1405", "2026-09-23"),
        ("1403/12/30", "2025-03-20"),
        ("1405/07/31", None),
        ("1405/12/30", None),
        ("1405/13/01", None),
        ("2026-10-01", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_solar_hijri(text, expected):
    got = cal.parse_solar_hijri(text)
    if expected is None:
        assert pd.isna(got)
    else:
        assert got == pd.Timestamp(expected)


def test_parse_solar_hijri_is_vectorised_and_keeps_the_index():
    values = pd.Series(["۱۴۰۵/۰۷/۰۱", "nonsense", "1405-08-01"], index=[10, 11, 12])
    out = cal.parse_solar_hijri(values)
    assert out.index.tolist() == [10, 11, 12]
    assert out[10] == pd.Timestamp("2026-09-23") and pd.isna(out[11])
    assert cal.looks_solar_hijri(values).tolist() == [True, False, True]


def test_propose_calendar_from_the_dates_in_a_file():
    sh = cal.month_range("2024-03-20", "2026-10-30", "solar_hijri")
    greg = pd.Series(pd.date_range("2024-11-01", periods=24, freq="MS"))
    assert cal.propose_calendar(sh) == "solar_hijri"
    assert cal.propose_calendar(greg) == "gregorian"
    assert cal.propose_calendar(pd.Series(pd.date_range("2026-01-05", periods=40))) is None
    assert cal.propose_calendar(pd.Series([pd.NaT, pd.NaT])) is None
    # One stray day among Solar Hijri month starts still reads as Solar Hijri.
    mixed = pd.concat([sh, pd.Series([pd.Timestamp("2026-10-05")])], ignore_index=True)
    assert cal.propose_calendar(mixed) == "solar_hijri"


def test_calendar_names():
    assert cal.normalize_calendar("jalali") == "solar_hijri"
    assert cal.normalize_calendar("Solar Hijri") == "solar_hijri"
    assert cal.normalize_calendar(None) == "gregorian"
    with pytest.raises(ValueError):
        cal.normalize_calendar("lunar")
    assert cal.month_names("solar_hijri", "en")[6:8] == ("Mehr", "Aban")
    assert cal.month_names("solar_hijri", "fa")[6:8] == ("مهر", "آبان")
    assert cal.month_names("gregorian", "en")[9] == "Oct"


def test_period_keys_name_one_month_in_either_calendar():
    assert cal.period_key(pd.Timestamp("2026-09-23")) == "2026-09"
    assert cal.key_period("2026-09", "solar_hijri") == pd.Timestamp("2026-09-23")  # 1 Mehr
    assert cal.key_period("2026-03", "solar_hijri") == pd.Timestamp("2026-03-21")  # 1 Farvardin
    assert cal.key_period("2026-09", "gregorian") == pd.Timestamp("2026-09-01")
    # Every Gregorian month holds exactly one Solar Hijri month start, so keys never collide.
    starts = cal.month_range("2000-01-01", "2040-12-31", "solar_hijri")
    keys = starts.map(cal.period_key)
    assert keys.is_unique
    assert all(cal.key_period(k, "solar_hijri") == s for k, s in zip(keys, starts, strict=True))


def test_tick_months_one_per_month_or_per_quarter():
    six = cal.month_range("2026-04-21", "2026-09-23", "solar_hijri")
    assert cal.tick_months(six).tolist() == six.tolist()  # every month, none skipped
    two_years = pd.Series(pd.date_range("2024-11-01", "2026-10-01", freq="MS"))
    ticks = cal.tick_months(two_years, max_ticks=12)
    assert len(ticks) == 8 and ticks.iloc[-1] == pd.Timestamp("2026-10-01")
    assert (ticks.diff().dropna() > pd.Timedelta(days=85)).all()  # quarters
    # Months without data still get their tick: the axis runs over every month of the span.
    gap = pd.Series(pd.to_datetime(["2026-08-23", "2026-10-23"]))
    assert (
        cal.tick_months(gap).tolist()
        == cal.month_range("2026-08-23", "2026-10-23", "solar_hijri").tolist()
    )
    assert cal.tick_months(pd.Series([], dtype="datetime64[ns]")).empty


def test_period_names_for_files_in_the_periods_calendar():
    assert cal.period_name(pd.Timestamp("2026-10-23")) == "1405-08"  # Aban 1405
    assert cal.period_name(pd.Timestamp("2026-10-01")) == "2026-10"
    assert cal.period_name(pd.Timestamp("2026-10-09"), "solar_hijri") == "1405-07"
