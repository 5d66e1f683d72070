"""Numbers, shares and dates as users read them, per language and calendar.

Every number or date the UI shows goes through these functions; the data itself stays numeric.

==========  ==============  ==============  ================  ==============================
language    whole number    share           date              month (Gregorian / Solar Hijri)
==========  ==============  ==============  ================  ==============================
``en``      ``7,510,552``   ``83.4 %``      ``2025-10-25``    ``Oct 2026`` / ``Mehr 1405``
``vi``      ``7.510.552``   ``83,4%``       ``25/10/2025``    ``tháng 10/2026`` / ``Mehr 1405``
``fa``      ``۷٬۵۱۰٬۵۵۲``   ``۸۳٫۴٪``       ``۱۴۰۴/۰۸/۰۳``    ``اکتبر ۲۰۲۶`` / ``مهر ۱۴۰۵``
==========  ==============  ==============  ================  ==============================

A date (a day) is written in the reader's calendar: Persian uses the Solar Hijri (Jalali) calendar
unless the Gregorian one is asked for (``calendar="gregorian"``); any language may ask for
``calendar="jalali"``, and a Solar Hijri workspace shows days in Solar Hijri by default.

A reporting month (a period) is a month of the workspace's reporting calendar and is always shown
as that month, by name, never as a day (:func:`month_label`): a Gregorian month read in Persian is
still a Gregorian month (``اکتبر ۲۰۲۶``), a Solar Hijri month read in English is ``Mehr 1405``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import SupportsFloat, cast

import pandas as pd
from persiantools.jdatetime import JalaliDate

from geodata.tables.calendar import (
    GREGORIAN,
    GREGORIAN_MONTHS,
    SOLAR_HIJRI,
    is_month_start,
    month_key,
    month_names,
    normalize_calendar,
)

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


def _as_float(value: object) -> float:
    """A table cell that is not missing, as a float: the formatters take cells as they come and
    expect numbers there (``float`` raises its TypeError/ValueError on anything else)."""
    return float(cast("SupportsFloat | str", value))


def default_calendar(lang: str, months: str | None = None) -> str:
    """The calendar days are shown in by default: ``"jalali"`` (Solar Hijri) for Persian and in a
    workspace that reports by Solar Hijri months (``months``), else ``"gregorian"``."""
    if lang == "fa" or (months and normalize_calendar(months) == SOLAR_HIJRI):
        return "jalali"
    return "gregorian"


#: A run of digits that is a number, not part of a Latin name: digits inside or at the edge of a
#: Latin word ("E2SFCA", "A4", an area's code "A231") or after a code's colon ("EPSG:4326") are
#: the name's own and keep their Latin form in every language.
_NUMBER_DIGITS = re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z]:)[0-9]+(?![A-Za-z0-9])")


def localize_digits(text: str, lang: str = "en") -> str:
    """Write the numbers of ``text`` in the language's own digits (Persian: ۰–۹); a Latin name's
    digits stay as they are (:data:`_NUMBER_DIGITS`)."""
    digits = _DIGITS.get(lang)
    if not digits:
        return text
    table = str.maketrans("0123456789", digits)
    return _NUMBER_DIGITS.sub(lambda run: run.group().translate(table), text)


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
    number = _as_float(value)
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
    number = fmt_number(_as_float(value) * 100, lang, digits)
    return _PERCENT.get(lang, _PERCENT["en"]).format(number)


def percent_format(lang: str = "en") -> str:
    """A printf format of a whole percentage in ``lang``'s style (:func:`fmt_pct`), for a slider
    or number input that writes its value itself: ``%d %%`` / ``%d%%`` / ``%d٪`` (the Persian
    pages draw its digits in Persian)."""
    return _PERCENT.get(lang, _PERCENT["en"]).replace("%", "%%").format("%d")


def fmt_signed(value: object, lang: str = "en", digits: int = 0, missing: str = "—") -> str:
    """A change with its sign (``+1,234`` / ``-0.5``); the sign stays an ASCII ``+``/``-`` at the
    start, which is how Streamlit's ``st.metric`` tells a rise from a fall."""
    if is_missing(value):
        return missing
    number = _as_float(value)
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


def month_calendar(value: object, months: str | None = None) -> str:
    """The reporting calendar of a period: ``months`` when given (the workspace's), else the one
    the value is the first day of a month of (a Solar Hijri month starts between the 19th and the
    23rd of a Gregorian month, so the two never meet); any other day reads as Gregorian."""
    if months:
        return normalize_calendar(months)
    if not is_missing(value) and is_month_start(pd.Timestamp(value), SOLAR_HIJRI):
        return SOLAR_HIJRI
    return GREGORIAN


@functools.lru_cache(maxsize=4096)
def _month_key(value: pd.Timestamp, calendar: str) -> tuple[int, int] | None:
    """:func:`geodata.tables.calendar.month_key`, kept: a chart names the same months on every
    rerun, and each costs a small frame of its own."""
    return cast("tuple[int, int] | None", month_key(value, calendar))


def month_label(
    value: object, lang: str = "en", months: str | None = None, missing: str = "—"
) -> str:
    """A reporting month by name, in the language: the one label every page, chart, table,
    briefing and export gives a period.

    ``months`` is the workspace's reporting calendar (None: the calendar the value is a month start
    of, see :func:`month_calendar`). Solar Hijri: ``Mehr 1405`` (en, vi), ``مهر ۱۴۰۵`` (fa).
    Gregorian: ``Oct 2026`` (en), ``tháng 10/2026`` (vi), ``اکتبر ۲۰۲۶`` (fa).
    """
    if is_missing(value):
        return missing
    calendar = month_calendar(value, months)
    key = _month_key(pd.Timestamp(value), calendar)
    if key is None:
        return missing
    year, month = key
    if calendar == GREGORIAN and lang == "vi":
        text = f"tháng {month}/{year}"
    elif calendar == GREGORIAN:
        text = f"{GREGORIAN_MONTHS.get(lang, GREGORIAN_MONTHS['en'])[month - 1]} {year}"
    else:
        text = f"{month_names(calendar, lang)[month - 1]} {year}"
    return localize_digits(text, lang)


def fmt_month(
    value: object,
    lang: str = "en",
    missing: str = "—",
    calendar: str | None = None,
    months: str | None = None,
) -> str:
    """A reporting month: :func:`month_label`.

    ``calendar`` is the reader's calendar for days; it does not change a month, which is always
    shown as a month of its own reporting calendar (``months``, else the one it starts a month of).
    """
    if calendar is not None:
        _calendar(lang, calendar)
    return month_label(value, lang, months, missing)


def fmt_value(value: object, kind: str, lang: str = "en", missing: str = "—") -> str:
    """Format by metric kind: ``rate`` as a percentage, anything else as a whole number."""
    if kind == "rate":
        return fmt_pct(value, lang, missing=missing)
    return fmt_int(value, lang, missing=missing)
