"""Numbers, shares and dates as users read them, per language and calendar.

Every number or date the UI shows goes through these functions; the data itself stays numeric.

==========  ==============  ==============  ===============================================
language    whole number    share           date (month)
==========  ==============  ==============  ===============================================
``en``      ``7,510,552``   ``83.4 %``      ``2025-10-25`` (``2026-10``)
``vi``      ``7.510.552``   ``83,4%``       ``25/10/2025`` (``10/2026``)
``fa``      ``۷٬۵۱۰٬۵۵۲``   ``۸۳٫۴٪``       ``۱۴۰۴/۰۸/۰۳`` Solar Hijri (the month's first day)
==========  ==============  ==============  ===============================================

Persian uses the Solar Hijri (Jalali) calendar unless the Gregorian one is asked for
(``calendar="gregorian"``); any language may ask for ``calendar="jalali"``. A month (stored as the
first day of a Gregorian month) is shown in Solar Hijri as the date of that first day, since a
Gregorian month spans two Solar Hijri months.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pandas as pd
from persiantools.jdatetime import JalaliDate

CALENDARS = ("gregorian", "jalali")

#: Digits 0–9 per language (languages not listed use ASCII digits).
_DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹"}
#: (thousands separator, decimal separator) per language.
_SEPARATORS = {"en": (",", "."), "vi": (".", ","), "fa": ("\u066c", "\u066b")}
_PERCENT = {"en": "{} %", "vi": "{}%", "fa": "{}\u066a"}
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def is_missing(value: object) -> bool:
    """True for None, ``pd.NA``, ``pd.NaT`` and float NaN."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def default_calendar(lang: str) -> str:
    """``"jalali"`` (Solar Hijri) for Persian, ``"gregorian"`` for every other language."""
    return "jalali" if lang == "fa" else "gregorian"


def localize_digits(text: str, lang: str = "en") -> str:
    """Write the ASCII digits of ``text`` in the language's own digits (Persian: ۰–۹)."""
    digits = _DIGITS.get(lang)
    if not digits:
        return text
    return text.translate(str.maketrans("0123456789", digits))


def ascii_digits(text: str) -> str:
    """Persian (۰–۹) and Arabic-Indic (٠–٩) digits back to ASCII ``0–9``."""
    return text.translate(_TO_ASCII)


def nfc(text: str) -> str:
    """Unicode NFC form (Vietnamese diacritics composed: ``ệ`` is one character)."""
    return unicodedata.normalize("NFC", text)


def fmt_number(value: object, lang: str = "en", digits: int = 0, missing: str = "—") -> str:
    """A number with the language's thousands and decimal separators and digits.

    Parameters
    ----------
    value
        Any real number; missing values (None, NA, NaN) give ``missing``.
    lang
        ``en``, ``vi`` or ``fa`` (others are written as in English).
    digits
        Decimal places.
    missing
        What to show for a missing value.

    Returns
    -------
    str
        ``fmt_number(1234.5, "vi", 1)`` → ``"1.234,5"``; in Persian ``"۱٬۲۳۴٫۵"``.
    """
    if is_missing(value):
        return missing
    thousands, decimal = _SEPARATORS.get(lang, _SEPARATORS["en"])
    number = float(value)
    text = f"{round(number):,}" if digits == 0 else f"{number:,.{digits}f}"
    if text in ("-0", "-0." + "0" * digits):
        text = text[1:]
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    return localize_digits(text, lang)


def fmt_int(value: object, lang: str = "en", missing: str = "—") -> str:
    """A whole number with thousands separators: ``7,510,552`` / ``7.510.552`` / ``۷٬۵۱۰٬۵۵۲``."""
    return fmt_number(value, lang, 0, missing)


def fmt_pct(value: object, lang: str = "en", digits: int = 1, missing: str = "—") -> str:
    """A share 0–1 as a percentage: ``0.834`` → ``83.4 %`` / ``83,4%`` / ``۸۳٫۴٪``."""
    if is_missing(value):
        return missing
    number = fmt_number(float(value) * 100, lang, digits)
    return _PERCENT.get(lang, _PERCENT["en"]).format(number)


def fmt_signed(value: object, lang: str = "en", digits: int = 0, missing: str = "—") -> str:
    """A change with its sign (``+1,234`` / ``-0.5``); the sign stays an ASCII ``+``/``-`` at the
    start, which is how Streamlit's ``st.metric`` tells a rise from a fall."""
    if is_missing(value):
        return missing
    number = float(value)
    text = fmt_number(abs(number), lang, digits)
    zero = fmt_number(0, lang, digits)
    if text == zero:
        return text
    return ("-" if number < 0 else "+") + text


def to_jalali(value: object) -> tuple[int, int, int]:
    """The Solar Hijri (year, month, day) of a Gregorian date: 2025-03-21 → (1404, 1, 1)."""
    day = pd.Timestamp(value).date()
    jalali = JalaliDate(day)
    return jalali.year, jalali.month, jalali.day


def from_jalali(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a Solar Hijri date: (1404, 8, 3) → 2025-10-25."""
    return JalaliDate(year, month, day).to_gregorian()


def _calendar(lang: str, calendar: str | None) -> str:
    chosen = calendar or default_calendar(lang)
    if chosen not in CALENDARS:
        raise ValueError(f"calendar must be one of {CALENDARS}, got {chosen!r}")
    return chosen


def _ymd(value: object, calendar: str) -> tuple[int, int, int]:
    if calendar == "jalali":
        return to_jalali(value)
    stamp = pd.Timestamp(value)
    return stamp.year, stamp.month, stamp.day


def fmt_date(
    value: object, lang: str = "en", calendar: str | None = None, missing: str = "—"
) -> str:
    """A date: ``2025-10-25`` (en), ``25/10/2025`` (vi), ``۱۴۰۴/۰۸/۰۳`` (fa, Solar Hijri).

    Parameters
    ----------
    value
        Anything ``pd.Timestamp`` reads; missing values give ``missing``.
    lang
        Language: the order of the parts and the digits.
    calendar
        ``"gregorian"`` or ``"jalali"``; None: the language's own (Solar Hijri for Persian).
    """
    if is_missing(value):
        return missing
    y, m, d = _ymd(value, _calendar(lang, calendar))
    if lang == "vi":
        text = f"{d:02d}/{m:02d}/{y:04d}"
    elif lang == "fa":
        text = f"{y:04d}/{m:02d}/{d:02d}"
    else:
        text = f"{y:04d}-{m:02d}-{d:02d}"
    return localize_digits(text, lang)


def fmt_month(
    value: object, lang: str = "en", missing: str = "—", calendar: str | None = None
) -> str:
    """A month (a date on its first day): ``2026-10`` (en), ``10/2026`` (vi), ``۲۰۲۶/۱۰`` (fa,
    Gregorian).

    In the Solar Hijri calendar (Persian's default) a Gregorian month is shown as the full date of
    its first day (``۱۴۰۵/۰۷/۰۹`` for October 2026), since it does not match one Solar Hijri month.
    """
    if is_missing(value):
        return missing
    chosen = _calendar(lang, calendar)
    if chosen == "jalali":
        return fmt_date(value, lang, chosen)
    stamp = pd.Timestamp(value)
    if lang == "vi":
        text = f"{stamp.month:02d}/{stamp.year:04d}"
    elif lang == "fa":
        text = f"{stamp.year:04d}/{stamp.month:02d}"
    else:
        text = f"{stamp.year:04d}-{stamp.month:02d}"
    return localize_digits(text, lang)


def fmt_value(value: object, kind: str, lang: str = "en", missing: str = "—") -> str:
    """Format by metric kind: ``rate`` as a percentage, anything else as a whole number."""
    if kind == "rate":
        return fmt_pct(value, lang, missing=missing)
    return fmt_int(value, lang, missing=missing)
