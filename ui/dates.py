"""Date pickers in the reader's calendar.

Streamlit's ``st.date_input`` shows a Gregorian calendar only. Where the reader's calendar is Solar
Hijri (Persian by default, :func:`render.format.default_calendar`), :func:`date_picker` draws three
selects instead: year, month (by its Solar Hijri name) and day, in the reader's digits, with only
the days the chosen month has (Esfand has 30 in a leap year, else 29). Either way it returns the
Gregorian ``datetime.date`` the pages work with, and the date is kept under the same session key
(so a view parameter bound to that key, :class:`ui.state.Param`, keeps its URL value, an ISO date).
Other calendars keep ``st.date_input``, with the day first in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from persiantools.jdatetime import JalaliDate

from geodata.tables.calendar import SOLAR_HIJRI_MONTHS
from render.format import from_jalali, to_jalali
from render.language import Language

#: ``st.date_input``'s order of the parts, per language (its default elsewhere).
DATE_INPUT_FORMAT = {"en": "YYYY/MM/DD", "fa": "YYYY/MM/DD", "vi": "DD/MM/YYYY"}

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
    if language.calendar != "jalali":
        fmt = DATE_INPUT_FORMAT.get(language.code, "YYYY/MM/DD")
        if key in st.session_state:
            return box.date_input(label, key=key, format=fmt, help=help)
        return box.date_input(label, value=value or dt.date.today(), key=key, format=fmt, help=help)
    return _solar_hijri_picker(language, label, key, value, box, help)


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


def _solar_hijri_picker(
    language: Language, label: str, key: str, value: dt.date | None, box: Any, help: str | None
) -> dt.date:
    """Three selects (year, month, day) for the date under ``key``.

    The selects are set from the date whenever the date changed elsewhere (a link, the page's
    store, the first run); otherwise they are the reader's, and the date follows them.
    """
    keys = {part: f"{key}__sh_{part}" for part in ("year", "month", "day", "shown")}
    held = st.session_state.get(key)
    current = held if isinstance(held, dt.date) else (value or dt.date.today())
    if st.session_state.get(keys["shown"]) != current or keys["year"] not in st.session_state:
        year, month, day = to_jalali(current)
        st.session_state[keys["year"]] = year
        st.session_state[keys["month"]] = month
        st.session_state[keys["day"]] = day
    today = to_jalali(dt.date.today())[0]
    shown_year = int(st.session_state[keys["year"]])
    low = min(today, shown_year) - YEARS_AROUND
    high = max(today, shown_year) + YEARS_AROUND
    months = SOLAR_HIJRI_MONTHS.get(language.code, SOLAR_HIJRI_MONTHS["en"])
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
        last = month_days(year, month)
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
        chosen = solar_hijri_date(year, month, day)
        y, m, d = to_jalali(chosen)
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
