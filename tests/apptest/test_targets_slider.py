"""The Briefings targets slider starts at the target in force for the chosen scope and month,
not at 100 % (issue #20)."""

from __future__ import annotations

import pandas as pd

from analytics.trends import target_at
from geodata.sources.demo import build_demo_tables
from tests.apptest.helpers import run_page


def in_force(targets: pd.DataFrame, scope: str, month: str) -> int:
    return round(float(target_at(targets, pd.Timestamp(month), pd.Series([scope])).iloc[0]) * 100)


def test_slider_starts_at_the_current_target(on_demo):
    targets = build_demo_tables()["targets"]
    at = run_page("app_pages/briefings.py", {"section": "targets"})
    month = str(at.selectbox(key="br_tg_month").value)
    assert at.select_slider(key="br_tg_value").value == in_force(targets, "region", month)
    # a month whose target is below 100 %: the slider starts there
    earlier = "2025-06"
    assert in_force(targets, "region", earlier) < 100
    at.selectbox(key="br_tg_month").set_value(earlier).run()
    assert at.select_slider(key="br_tg_value").value == in_force(targets, "region", earlier)
    # a district: its own target, or the region's where it has none
    at.radio(key="br_tg_kind").set_value("district").run()
    district = str(at.selectbox(key="br_tg_district").value)
    assert at.select_slider(key="br_tg_value").value == in_force(targets, district, earlier)
    # the reader's own choice stays while scope and month stay
    at.select_slider(key="br_tg_value").set_value(42).run()
    assert at.select_slider(key="br_tg_value").value == 42
