"""Date pickers in the reader's calendar.

Streamlit's ``st.date_input`` shows a Gregorian calendar only. Where the reader's calendar is Solar
Hijri (Persian by default, :func:`render.format.default_calendar`), :func:`date_picker` draws three
selects instead: year, month (by its Solar Hijri name) and day, in the reader's digits, with only
the days the chosen month has (Esfand has 30 in a leap year, else 29). Either way it returns the
Gregorian ``datetime.date`` the pages work with, and the date is kept under the same session key
(so a view parameter bound to that key, :class:`ui.state.Param`, keeps its URL value, an ISO date).
The Gregorian calendar is picked the same way (its month names in the reader's language) except
by an English reader, who keeps ``st.date_input``: its calendar names months and weekdays in
English only.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from persiantools.jdatetime import JalaliDate

from geodata.tables.calendar import GREGORIAN_MONTHS, SOLAR_HIJRI_MONTHS
from render.format import from_jalali, to_jalali
from render.language import Language

#: ``st.date_input``'s order of the parts (an English reader's: :func:`uses_date_input`).
DATE_INPUT_FORMAT = "YYYY/MM/DD"

#: Years offered around the shown date and today, before and after.
YEARS_AROUND = 5

#: A Solar Hijri year begins at Nowruz (about 21 March) of the Gregorian year this many years later:
#: 1405 begins on 21 March 2026.
SOLAR_HIJRI_OFFSET = 621


def month_days(year: int, month: int) -> int:
    """The number of days of a Solar Hijri month: 31 for the first six, 30 for the next five,
    and Esfand's 30 in a leap year, else 29."""
    return int(JalaliDate.days_in_month(month, year))


def solar_hijri_date(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a Solar Hijri day, the day brought within its month (the 30th of
    Esfand in a common year is its 29th): (1405, 1, 1) → 2026-03-21."""
    return from_jalali(year, month, max(1, min(int(day), month_days(year, month))))


def date_picker(
    language: Language,
    label: str,
    key: str,
    value: dt.date | None = None,
    container: Any = None,
    help: str | None = None,
) -> dt.date:
    """A date chosen in the reader's calendar (see the module's text), as a Gregorian date.

    ``key`` holds the date (a bound parameter's widget key, or any key); ``value`` is the first
    date when the key holds none (today when neither). ``container`` is where the picker is drawn
    (``st.sidebar``, a column or a form; the page by default).
    """
    box = st if container is None else container
    if language.calendar == "jalali":
        return _parts_picker(language, label, key, value, box, help, _SOLAR_HIJRI)
    if not uses_date_input(language):
        return _parts_picker(language, label, key, value, box, help, _GREGORIAN)
    fmt = DATE_INPUT_FORMAT
    if key in st.session_state:
        return box.date_input(label, key=key, format=fmt, help=help)
    return box.date_input(label, value=value or dt.date.today(), key=key, format=fmt, help=help)


def uses_date_input(language: Language) -> bool:
    """Whether dates are picked in Streamlit's date input: its calendar names months and
    weekdays in English only, so only for an English reader of the Gregorian calendar."""
    return language.calendar != "jalali" and language.code == "en"


def year_picker(
    language: Language,
    label: str,
    key: str,
    first: int,
    last: int,
    container: Any = None,
    help: str | None = None,
) -> int:
    """A year from ``first`` to ``last`` (Gregorian), chosen in the reader's calendar and digits.

    In a Solar Hijri reading the years are offered as the Solar Hijri years that begin in them
    (2026 as ۱۴۰۵, 2016 as ۱۳۹۵), newest first; in Persian with the Gregorian calendar as Gregorian
    years in Persian digits; elsewhere Streamlit's number input. ``key`` holds the Gregorian year
    either way (a bound parameter's widget key keeps its URL value)."""
    box = st if container is None else container
    if language.calendar != "jalali" and language.numerals("0") == "0":
        return int(
            box.number_input(label, min_value=first, max_value=last, step=1, key=key, help=help)
        )
    offset = SOLAR_HIJRI_OFFSET if language.calendar == "jalali" else 0
    return int(
        box.selectbox(
            label,
            list(range(last, first - 1, -1)),
            key=key,
            format_func=lambda year: language.numerals(str(int(year) - offset)),
            help=help,
        )
    )


@dataclass(frozen=True)
class _Calendar:
    """How the three selects of :func:`_parts_picker` read and write a date in one calendar."""

    #: The selects' keys: ``<key>__<prefix>_year`` and so on.
    prefix: str
    parts: Callable[[dt.date], tuple[int, int, int]]
    date: Callable[[int, int, int], dt.date]  # the day brought within its month
    days: Callable[[int, int], int]  # days of a month (year, month)
    months: Callable[[Language], list[str]]  # month names in the reader's language
    #: Whether the caption names the date chosen and its Gregorian equivalent.
    caption: bool


def _gregorian_date(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, max(1, min(int(day), monthrange(year, month)[1])))


def _gregorian_months(language: Language) -> list[str]:
    names = GREGORIAN_MONTHS.get(language.code)
    if names is not None:
        return list(names)
    return [language.t("dates.month_number", n=language.numerals(str(m))) for m in range(1, 13)]


_SOLAR_HIJRI = _Calendar(
    "sh",
    to_jalali,
    solar_hijri_date,
    month_days,
    lambda language: list(SOLAR_HIJRI_MONTHS.get(language.code, SOLAR_HIJRI_MONTHS["en"])),
    caption=True,
)
_GREGORIAN = _Calendar(
    "g",
    lambda date: (date.year, date.month, date.day),
    _gregorian_date,
    lambda year, month: monthrange(year, month)[1],
    _gregorian_months,
    caption=False,
)


def _parts_picker(
    language: Language,
    label: str,
    key: str,
    value: dt.date | None,
    box: Any,
    help: str | None,
    calendar: _Calendar,
) -> dt.date:
    """Three selects (year, month, day) in ``calendar`` for the date under ``key``.

    The selects are set from the date whenever the date changed elsewhere (a link, the page's
    store, the first run); otherwise they are the reader's, and the date follows them.
    """
    keys = {part: f"{key}__{calendar.prefix}_{part}" for part in ("year", "month", "day", "shown")}
    held = st.session_state.get(key)
    current = held if isinstance(held, dt.date) else (value or dt.date.today())
    if st.session_state.get(keys["shown"]) != current or keys["year"] not in st.session_state:
        year, month, day = calendar.parts(current)
        st.session_state[keys["year"]] = year
        st.session_state[keys["month"]] = month
        st.session_state[keys["day"]] = day
    today = calendar.parts(dt.date.today())[0]
    shown_year = int(st.session_state[keys["year"]])
    low = min(today, shown_year) - YEARS_AROUND
    high = max(today, shown_year) + YEARS_AROUND
    months = calendar.months(language)
    with box.container():
        st.markdown(label, help=help, text_alignment="right" if language.rtl else "left")
        # As a date is written, "1 Farvardin 1405": day and month, the year under them (two
        # columns fit a sidebar); the year is chosen first, the days depend on it.
        day_box, month_box = st.columns(2, gap="small")
        year_box, _ = st.columns(2, gap="small")
        year = int(
            year_box.selectbox(
                language.t("dates.year"),
                list(range(low, high + 1)),
                key=keys["year"],
                format_func=lambda y: language.numerals(str(y)),
            )
        )
        month = int(
            month_box.selectbox(
                language.t("dates.month"),
                list(range(1, 13)),
                key=keys["month"],
                format_func=lambda m: months[m - 1],
            )
        )
        # Only the days this month has (in a form, the month chosen before it was submitted).
        last = calendar.days(year, month)
        if int(st.session_state[keys["day"]]) > last:
            st.session_state[keys["day"]] = last
        day = int(
            day_box.selectbox(
                language.t("dates.day"),
                list(range(1, last + 1)),
                key=keys["day"],
                format_func=lambda d: language.numerals(str(d)),
            )
        )
        chosen = calendar.date(year, month, day)
        if calendar.caption:
            y, m, d = calendar.parts(chosen)
            st.caption(
                language.t(
                    "dates.chosen",
                    date=language.numerals(f"{d} {months[m - 1]} {y}"),
                    gregorian=Language(language.code, "gregorian").date(chosen),
                )
            )
    st.session_state[key] = chosen
    st.session_state[keys["shown"]] = chosen
    return chosen
