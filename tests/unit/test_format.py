"""Numbers and dates per language; Solar Hijri conversion on known dates."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pandas as pd
import pytest

from render.format import (
    ascii_digits,
    default_calendar,
    fmt_date,
    fmt_int,
    fmt_month,
    fmt_number,
    fmt_pct,
    fmt_signed,
    fmt_value,
    from_jalali,
    localize_digits,
    month_calendar,
    month_label,
    nfc,
    to_jalali,
)


@pytest.mark.parametrize(
    ("gregorian", "jalali"),
    [
        (dt.date(2025, 3, 21), (1404, 1, 1)),  # Nowruz 1404
        (dt.date(2025, 10, 25), (1404, 8, 3)),
        (dt.date(2024, 3, 20), (1403, 1, 1)),  # Nowruz 1403
        (dt.date(2025, 3, 20), (1403, 12, 30)),  # 1403 is a leap year
        (dt.date(2026, 10, 1), (1405, 7, 9)),
        (dt.date(2026, 3, 21), (1405, 1, 1)),
    ],
)
def test_solar_hijri_known_dates(gregorian, jalali):
    assert to_jalali(gregorian) == jalali
    assert to_jalali(pd.Timestamp(gregorian)) == jalali
    assert from_jalali(*jalali) == gregorian


def test_solar_hijri_round_trip_over_years():
    for day in pd.date_range("2020-01-01", "2030-12-31", freq="13D"):
        assert from_jalali(*to_jalali(day)) == day.date()


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (7510552, "en", "7,510,552"),
        (7510552, "vi", "7.510.552"),
        (7510552, "fa", "۷٬۵۱۰٬۵۵۲"),
        (999, "vi", "999"),
        (0, "fa", "۰"),
        (-1234, "vi", "-1.234"),
        (1234.6, "en", "1,235"),
        (None, "fa", "—"),
        (float("nan"), "vi", "—"),
        (pd.NA, "en", "—"),
    ],
)
def test_fmt_int(value, lang, expected):
    assert fmt_int(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (0.834, "en", "83.4 %"),
        (0.834, "vi", "83,4%"),
        (0.834, "fa", "۸۳٫۴٪"),
        (1.0, "fa", "۱۰۰٫۰٪"),
        (None, "vi", "—"),
    ],
)
def test_fmt_pct(value, lang, expected):
    assert fmt_pct(value, lang) == expected


def test_fmt_number_decimals_and_separators():
    assert fmt_number(1234.5, "vi", 1) == "1.234,5"
    assert fmt_number(1234.5, "fa", 1) == "۱٬۲۳۴٫۵"
    assert fmt_number(1234.5, "en", 2) == "1,234.50"
    assert fmt_number(-0.01, "en", 1) == "0.0"  # no "-0.0"
    assert fmt_pct(0.5, "fa", digits=0) == "۵۰٪"


def test_fmt_signed_keeps_an_ascii_sign_first():
    assert fmt_signed(14211, "fa") == "+۱۴٬۲۱۱"
    assert fmt_signed(-14211, "vi") == "-14.211"
    assert fmt_signed(0.2, "en", 1) == "+0.2"
    assert fmt_signed(0, "en") == "0"


@pytest.mark.parametrize(
    ("lang", "calendar", "expected"),
    [
        ("en", None, "2025-10-25"),
        ("vi", None, "25/10/2025"),
        ("fa", None, "۱۴۰۴/۰۸/۰۳"),
        ("fa", "gregorian", "۲۰۲۵/۱۰/۲۵"),
        ("en", "jalali", "1404-08-03"),
        ("vi", "jalali", "03/08/1404"),
    ],
)
def test_fmt_date(lang, calendar, expected):
    assert fmt_date(pd.Timestamp("2025-10-25"), lang, calendar) == expected


@pytest.mark.parametrize(
    ("lang", "calendar", "expected"),
    [
        ("en", None, "Oct 2026"),
        ("vi", None, "tháng 10/2026"),
        # A Gregorian month read in Persian is a Gregorian month, by its name: not the Solar
        # Hijri date of its first day (۱۴۰۵/۰۷/۰۹), which reads as a day.
        ("fa", None, "اکتبر ۲۰۲۶"),
        ("fa", "gregorian", "اکتبر ۲۰۲۶"),
        ("en", "jalali", "Oct 2026"),
    ],
)
def test_fmt_month(lang, calendar, expected):
    assert fmt_month(pd.Timestamp("2026-10-01"), lang, calendar=calendar) == expected


@pytest.mark.parametrize(
    ("lang", "mehr", "aban"),
    [
        ("en", "Mehr 1405", "Aban 1405"),
        ("vi", "Mehr 1405", "Aban 1405"),
        ("fa", "مهر ۱۴۰۵", "آبان ۱۴۰۵"),
    ],
)
def test_solar_hijri_months_by_name(lang, mehr, aban):
    # Mehr 1405 runs from 23 September to 22 October 2026; its periods are stored on 23 September.
    assert month_label(pd.Timestamp("2026-09-23"), lang) == mehr
    assert month_label(pd.Timestamp("2026-10-23"), lang) == aban
    assert month_label(pd.Timestamp("2026-10-09"), lang, months="solar_hijri") == mehr
    assert fmt_month("2026-10-23", lang, calendar="gregorian") == aban


def test_a_workspace_calendar_decides_the_month():
    assert month_label("2026-10-01", "en", months="solar_hijri") == "Mehr 1405"
    assert month_label("2026-09-23", "en", months="gregorian") == "Sep 2026"
    assert month_calendar("2026-09-23") == "solar_hijri"
    assert month_calendar("2026-10-01") == month_calendar("2026-10-09") == "gregorian"
    assert month_label(None, "fa") == "—"


def test_nowruz_month_in_persian():
    assert fmt_month("2025-03-21", "fa") == "فروردین ۱۴۰۴"


def test_unknown_calendar_is_an_error():
    with pytest.raises(ValueError, match="calendar"):
        fmt_date("2025-01-01", "en", "lunar")


def test_missing_dates():
    assert fmt_date(pd.NaT, "fa") == "—"
    assert fmt_month(None, "vi") == "—"


def test_default_calendars():
    assert default_calendar("fa") == "jalali"
    assert default_calendar("vi") == default_calendar("en") == "gregorian"
    assert default_calendar("en", "solar_hijri") == default_calendar("vi", "jalali") == "jalali"
    assert default_calendar("en", "gregorian") == "gregorian"


def test_digits_round_trip_and_data_stays_numeric():
    text = fmt_int(1234567, "fa")
    assert ascii_digits(text).replace("\u066c", "") == "1234567"
    assert localize_digits("2026/10", "fa") == "۲۰۲۶/۱۰"
    assert localize_digits("2026/10", "vi") == "2026/10"
    # A Latin name keeps its digits; the numbers around it are the reader's.
    assert localize_digits("کاهش با فاصله (E2SFCA)", "fa") == "کاهش با فاصله (E2SFCA)"
    assert localize_digits("A4 و 2SFCA و H3", "fa") == "A4 و 2SFCA و H3"
    assert localize_digits("چاه سفید (A231), 1702", "fa") == "چاه سفید (A231), ۱۷۰۲"
    assert localize_digits("EPSG:4326 در 22:56:13", "fa") == "EPSG:4326 در ۲۲:۵۶:۱۳"
    assert localize_digits("1,234.5 km — 12%", "fa") == "۱,۲۳۴.۵ km — ۱۲%"
    # float() reads Persian digits: typed breaks work either way.
    assert math.isclose(float("۵۰"), 50.0)


def test_fmt_value_by_kind():
    assert fmt_value(0.5, "rate", "vi") == "50,0%"
    assert fmt_value(1500, "count", "vi") == "1.500"


def test_nfc():
    decomposed = unicodedata.normalize("NFD", "Bệnh viện")
    assert decomposed != "Bệnh viện"
    assert nfc(decomposed) == "Bệnh viện"


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_a_slider_writes_a_percentage_as_the_pages_do(lang):
    """A slider's own percentage (``percent_format``) has the style of every other one: ``100 %``
    in English, ``100%`` in Vietnamese, ``100٪`` in Persian (digits drawn Persian by the page)."""
    from render.format import fmt_pct, localize_digits, percent_format

    assert localize_digits(percent_format(lang) % 100, lang) == fmt_pct(1.0, lang, digits=0)


def test_vietnamese_texts_write_a_percentage_as_its_numbers_do():
    """Vietnamese prose writes ``90%`` as :func:`fmt_pct` does, not ``90 %``."""
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "render" / "locales" / "vi"
    spaced = [
        f"{path.name}: {line.strip()}"
        for path in sorted(folder.glob("*.toml"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\d %", line)
    ]
    assert spaced == []


def test_an_area_is_offered_by_its_name_and_code_in_the_readers_digits():
    from render.i18n import FSI, PDI
    from render.language import Language

    # A Latin code keeps its digits; a numeric code is a number, in the reader's digits.
    assert Language("fa").named("چاه سفید", "A231") == f"{FSI}چاه سفید{PDI} ({FSI}A231{PDI})"
    assert Language("fa").named("پونک", 1702) == f"{FSI}پونک{PDI} ({FSI}۱۷۰۲{PDI})"
    assert Language("vi").named("Xã An Bình", 1702) == "Xã An Bình (1702)"
