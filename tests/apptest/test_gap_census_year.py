"""The Gap analysis asks in Persian for the census year in the Solar Hijri calendar (۱۴۰۵, not
۲۰۲۶), in Persian digits, while the value it keeps and the link carry stay the Gregorian year."""

from __future__ import annotations

import re

import pytest

from tests.apptest.helpers import query, run_page

PAGE = "app_pages/gap_analysis.py"


@pytest.mark.realdata
def test_the_census_year_is_a_solar_hijri_year_in_persian(on_tehran):
    at = run_page(PAGE, {"lang": "fa", "census": "2021"})
    census = at.selectbox(key="url_census")
    assert census.value == 2021  # the Gregorian year the link asked for
    options = list(census.options)
    assert "۱۴۰۰" in options and "۱۳۹۵" in options  # 2021 and 2016 as the years they begin in
    assert not [o for o in options if re.search("[0-9]", o)], options[:5]
    assert not [o for o in options if o.startswith("۲۰")], options[:5]  # no Gregorian year
    census.select(2016).run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["census"] == "2016"
    assert at.selectbox(key="url_census").value == 2016
