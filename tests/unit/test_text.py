"""Numbers written as text and names compared across scripts (geodata/tables/text.py)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from geodata.tables.text import clean_text, name_key, name_keys, parse_numbers, to_ascii_digits

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("44,406", 44406.0),
        ("۴۴۴۰۶", 44406.0),  # Persian digits
        ("٤٤٬٤٠٦", 44406.0),  # Arabic-Indic digits, Arabic thousands separator
        ("۴۴,۴۰۶", 44406.0),
        (" 12 000 ", 12000.0),
        ("12\u202f000", 12000.0),  # narrow no-break space
        ("3.5", 3.5),
        ("٣٫٥", 3.5),  # Arabic decimal separator
        ("-7", -7.0),
        ("1e3", 1000.0),
    ],
)
def test_parse_numbers_reads_text(raw: str, expected: float) -> None:
    numbers, bad = parse_numbers(pd.Series([raw], dtype=object))
    assert numbers.dtype == np.float64
    assert numbers.iloc[0] == expected
    assert not bad.iloc[0]


@pytest.mark.parametrize("raw", ["n/a", "about 5000", "5000 people", "۴۴x", "1.2.3", "-"])
def test_parse_numbers_flags_words_and_keeps_them_missing(raw: str) -> None:
    numbers, bad = parse_numbers(pd.Series(["10", raw]))
    assert numbers.iloc[0] == 10
    assert np.isnan(numbers.iloc[1])  # missing, never zero
    assert bad.tolist() == [False, True]


def test_parse_numbers_missing_is_not_bad() -> None:
    numbers, bad = parse_numbers(pd.Series([None, "", "  ", np.nan], dtype=object))
    assert numbers.isna().all()
    assert not bad.any()


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1, 2, None], dtype="Int64"),
        pd.Series([1.0, 2.0, np.nan]),
        pd.Series([1, 2, 3]),
    ],
)
def test_parse_numbers_numeric_input(values: pd.Series) -> None:
    numbers, bad = parse_numbers(values)
    assert numbers.dtype == np.float64
    assert numbers.iloc[0] == 1 and numbers.iloc[1] == 2
    assert not bad.any()
    assert numbers.isna().sum() == values.isna().sum()


def test_parse_numbers_infinite_is_bad() -> None:
    numbers, bad = parse_numbers(pd.Series([1.0, np.inf]))
    assert bad.tolist() == [False, True]
    assert np.isnan(numbers.iloc[1])


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("۱۴۰۴/۰۱/۰۱") == "1404/01/01"
    assert to_ascii_digits("٢٠٢٥") == "2025"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("نازي‌آباد", "نازی آباد"),  # Arabic ي vs Persian ی, ZWNJ vs space
        ("كوي نصر", "کوی نصر"),  # Arabic ك
        ("کوی\u200cنصر", "کوینصر"),
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("آزادی", "ازادی"),
        ("Phường Bến Nghé", unicodedata.normalize("NFD", "Phường Bến Nghé")),
        ("Phường Bến Nghé", "  phường   bến nghé "),
        ("منطقه ۱۲", "منطقه 12"),
        ("Thanh Hóa", "Thanh Hoá"),  # old and new Vietnamese tone placement
        ("Thủy Nguyên", unicodedata.normalize("NFD", "Thuỷ nguyên")),
        ("Khỏe", "Khoẻ"),
    ],
)
def test_name_key_matches_spellings(left: str, right: str) -> None:
    assert left != right
    assert name_key(left) == name_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Bến Nghé", "Bên Nghe"),
        ("Hòa", "Hoa"),
        ("Hò An", "Hoàn"),
        ("نصر", "نصیر"),
        ("Area 1", "Area 11"),
    ],
)
def test_name_key_keeps_real_differences(left: str, right: str) -> None:
    assert name_key(left) != name_key(right)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT])
def test_name_key_of_missing_is_empty(missing: object) -> None:
    assert name_key(missing) == ""


def test_name_keys_vectorised() -> None:
    keys = name_keys(pd.Series(["كوي نصر", None, "Tajrish"], dtype=object))
    assert keys.tolist() == [name_key("کوی نصر"), "", "tajrish"]


def test_clean_text_composes_and_keeps_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Bến  Nghé ")
    assert clean_text(decomposed) == "Bến Nghé"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed))
    assert clean_text("نازی\u200cآباد") == "نازی\u200cآباد"  # ZWNJ is kept for display
