"""Text normalisation: digits, numbers written as text, and names compared across scripts.

Persian and Arabic-Indic digits, thousands separators and the Arabic decimal separator are turned
into plain numbers; names are reduced to a join key that ignores the differences users cannot see
(Arabic ي/ك against Persian ی/ک, ZWNJ, spacing, NFC/NFD, letter case).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})
# Arabic decimal separator becomes a dot; thousands separators (Arabic, apostrophe, NBSP, thin
# space) are dropped below together with commas.
_DIGITS[ord("٫")] = "."
_THOUSANDS = re.compile(r"[,\u066c\u2019'\u00a0\u202f\u2009 _]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "\u200c": " ",  # ZWNJ
        "\u200d": "",  # ZWJ
        "\u200e": "",  # LRM
        "\u200f": "",  # RLM
        "ـ": "",  # tatweel
        "-": " ",
        "_": " ",
    }
)
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670]")
# Vietnamese writes the tone of "oa", "oe" and "uy" on either vowel ("Hóa" and "Hoá"): in NFD,
# a tone mark right after the o/u is moved onto the next vowel.
_TONE_FIRST = re.compile(r"([ou])([\u0300\u0301\u0303\u0309\u0323])([aey])")
_SPACES = re.compile(r"\s+")


def to_ascii_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits (and ``٫``) by ASCII ones."""
    return text.translate(_DIGITS)


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read a column of numbers that may be stored as text.

    Accepts ``"44,406"``, ``"۴۴۴۰۶"``, ``"٤٤٬٤٠٦"``, ``" 12 000 "`` and real numbers alike.

    Parameters
    ----------
    values
        Any column.

    Returns
    -------
    numbers, bad
        ``numbers`` is float64 with NaN where the value is missing or unreadable; ``bad`` is a
        boolean mask of the values that were present but could not be read as a number.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        bad = pd.Series(
            ~np.isfinite(numbers.to_numpy()) & numbers.notna().to_numpy(), index=values.index
        )
        return numbers.where(~bad), bad
    present = values.notna()
    text = values.astype("string").str.strip()
    present &= text.fillna("").ne("")
    cleaned = text.fillna("").map(to_ascii_digits).str.replace(_THOUSANDS, "", regex=True)
    looks_numeric = cleaned.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    numbers = pd.to_numeric(cleaned.where(looks_numeric), errors="coerce").astype("float64")
    # "1e400" looks like a number but is infinite: as unreadable as "n/a".
    infinite = numbers.notna() & ~np.isfinite(numbers.fillna(0).to_numpy())
    bad = (present & ~looks_numeric) | infinite
    return numbers.where(~infinite), bad.astype(bool)


def clean_text(text: str) -> str:
    """NFC-normalise a display string and collapse its spacing (keeps letters and case)."""
    text = unicodedata.normalize("NFC", str(text))
    return _SPACES.sub(" ", text.replace("\u200c", "\u200c")).strip()


def name_key(text: object) -> str:
    """The key two spellings of one name share.

    Folds Arabic letter forms onto Persian ones, removes Arabic diacritics, ZWNJ and all spacing,
    normalises Unicode to NFC, puts Vietnamese tone marks on one vowel of "oa"/"oe"/"uy" (old and
    new spelling), turns Persian/Arabic digits into ASCII and ignores case.

    >>> name_key("نازي‌آباد") == name_key("نازی آباد")
    True
    >>> name_key("Phường Bến Nghé") == name_key("phường  bến nghé")
    True
    >>> name_key("Thanh Hóa") == name_key("Thanh Hoá")
    True
    """
    if text is None or (pd.api.types.is_scalar(text) and pd.isna(text)):
        return ""
    s = unicodedata.normalize("NFC", str(text))
    s = to_ascii_digits(s).translate(_LETTERS)
    s = _ARABIC_MARKS.sub("", s)
    s = _TONE_FIRST.sub(r"\1\3\2", unicodedata.normalize("NFD", s.casefold()))
    return unicodedata.normalize("NFC", _SPACES.sub("", s))


def name_keys(values: pd.Series) -> pd.Series:
    """Vectorised :func:`name_key` over a column (missing values give an empty key)."""
    return values.map(name_key, na_action=None).astype("string")
