"""AppTest: dates are picked in the reader's calendar and words (ui/dates.py): year, month and day
selects (Solar Hijri in Persian; Gregorian with the month names of the reader's language),
Streamlit's date input for an English reader; the same Gregorian date either way."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import query, run_page

FARVARDIN_1405 = dt.date(2026, 3, 21)  # 1 Farvardin 1405, Nowruz


def picker_script() -> None:
    import datetime as dt

    import streamlit as st

    from render.language import Language
    from ui.dates import date_picker

    lang, calendar = st.session_state.get("lang_cal", ("fa", "jalali"))
    language = Language(lang, calendar)
    if st.session_state.get("in_form"):
        with st.form("record"):
            _, column = st.columns(2)
            chosen = date_picker(language, "Day", "start", dt.date(2026, 10, 9), container=column)
            st.form_submit_button("Record")
    else:
        chosen = date_picker(language, "Start", "start", value=dt.date(2026, 10, 9))
    st.write(f"chosen={chosen.isoformat()} held={st.session_state['start'].isoformat()}")


def picker(lang: str = "fa", calendar: str = "jalali") -> AppTest:
    at = AppTest.from_function(picker_script, default_timeout=30)
    at.session_state["lang_cal"] = (lang, calendar)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def written(at: AppTest) -> str:
    return at.markdown[-1].value


def test_persian_picker_offers_solar_hijri_months_in_persian_digits():
    at = picker()
    year, month, day = (at.selectbox(key=f"start__sh_{p}") for p in ("year", "month", "day"))
    assert month.options[0] == "فروردین" and month.options[-1] == "اسفند"
    assert month.value == 7 and day.value == 17 and year.value == 1405  # 9 Oct 2026 = 17 Mehr 1405
    assert "۱۴۰۵" in year.options and "۱۷" in day.options
    assert not any(
        ch.isascii() and ch.isdigit() for opt in year.options + day.options for ch in opt
    )
    assert written(at) == "chosen=2026-10-09 held=2026-10-09"
    assert at.date_input.len == 0  # no Gregorian calendar in Persian


def test_a_chosen_solar_hijri_date_is_its_gregorian_date():
    at = picker()
    at.selectbox(key="start__sh_month").set_value(1).run()
    at.selectbox(key="start__sh_day").set_value(1).run()
    assert written(at) == f"chosen={FARVARDIN_1405.isoformat()} held={FARVARDIN_1405.isoformat()}"
    assert "۱ فروردین ۱۴۰۵" in at.caption[-1].value


def test_esfand_has_30_days_in_a_leap_year_and_29_otherwise():
    at = picker()
    at.selectbox(key="start__sh_year").set_value(1403).run()
    at.selectbox(key="start__sh_month").set_value(12).run()
    assert len(at.selectbox(key="start__sh_day").options) == 30  # 1403 is a leap year
    at.selectbox(key="start__sh_day").set_value(30).run()
    assert written(at).startswith("chosen=2025-03-20")  # 30 Esfand 1403
    at.selectbox(key="start__sh_year").set_value(1404).run()
    assert len(at.selectbox(key="start__sh_day").options) == 29
    assert at.selectbox(key="start__sh_day").value == 29
    assert written(at).startswith("chosen=2026-03-20")  # 29 Esfand 1404, the eve of 1405


def test_in_a_form_a_day_the_month_lacks_is_brought_within_it():
    at = AppTest.from_function(picker_script, default_timeout=30)
    at.session_state["in_form"] = True
    at.run()
    # all chosen before the form is sent: the 30th of Esfand 1404 (a common year)
    at.selectbox(key="start__sh_year").set_value(1404)
    at.selectbox(key="start__sh_month").set_value(12)
    at.selectbox(key="start__sh_day").set_value(30)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert written(at).startswith("chosen=2026-03-20")  # 29 Esfand 1404
    assert at.selectbox(key="start__sh_day").value == 29


def test_a_date_set_elsewhere_moves_the_selects():
    at = picker()
    at.session_state["start"] = FARVARDIN_1405
    at.run()
    assert at.selectbox(key="start__sh_month").value == 1
    assert at.selectbox(key="start__sh_day").value == 1
    assert written(at) == f"chosen={FARVARDIN_1405.isoformat()} held={FARVARDIN_1405.isoformat()}"


def test_an_english_reader_keeps_the_date_input():
    at = picker("en", "gregorian")
    assert at.date_input.len == 1 and at.selectbox.len == 0
    assert at.date_input[0].proto.format == "YYYY/MM/DD"
    at.date_input[0].set_value(FARVARDIN_1405).run()
    assert written(at) == f"chosen={FARVARDIN_1405.isoformat()} held={FARVARDIN_1405.isoformat()}"


def test_gregorian_dates_are_picked_in_the_readers_words():
    """Streamlit's date input names months and weekdays in English only: a Vietnamese reader, and
    a Persian reader of the Gregorian calendar, pick day, month and year in their own words."""
    at = picker("vi", "gregorian")
    assert at.date_input.len == 0
    year, month, day = (at.selectbox(key=f"start__g_{p}") for p in ("year", "month", "day"))
    assert month.options[0] == "tháng 1" and month.options[-1] == "tháng 12"
    assert (year.value, month.value, day.value) == (2026, 10, 9)
    month.set_value(2).run()
    assert len(at.selectbox(key="start__g_day").options) == 28  # February 2026
    at.selectbox(key="start__g_day").set_value(21).run()
    at.selectbox(key="start__g_month").set_value(3).run()
    assert written(at) == f"chosen={FARVARDIN_1405.isoformat()} held={FARVARDIN_1405.isoformat()}"

    at = picker("fa", "gregorian")
    assert at.date_input.len == 0
    month = at.selectbox(key="start__g_month")
    assert month.options[0] == "ژانویه" and month.value == 10
    assert not any(
        c.isascii() and c.isdigit() for o in at.selectbox(key="start__g_day").options for c in o
    )


def test_outreach_start_in_persian_is_picked_in_solar_hijri_and_kept_in_the_url(on_demo):
    at = run_page("app_pages/outreach.py", {"lang": "fa", "start": "2026-10-09"})
    month = at.sidebar.selectbox(key="url_start__sh_month")
    assert month.options[0] == "فروردین" and month.value == 7
    assert not at.sidebar.date_input
    month.set_value(1).run()
    at.sidebar.selectbox(key="url_start__sh_day").set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["start"] == FARVARDIN_1405.isoformat()
