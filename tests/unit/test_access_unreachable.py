"""Travel minutes in the Infrastructure page's tables and files (#19): a neighbourhood no road
reaches a facility from reads as "not reachable" in the reader's language, never ``inf``; a
column without one (every straight line) stays numeric."""

from __future__ import annotations

import numpy as np
import pandas as pd

from render.i18n import translate
from ui.access.tables import area_export, reach_values
from ui.context import Context


def _ctx(lang: str) -> Context:
    return Context(workspace="w", version=1, is_demo=False, lang=lang, title="t")


def _frame(unit: str, care: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": ["a", "b"],
            "name": ["A", "B"],
            "district_name": ["D", "D"],
            "population": [10, 20],
            f"care_{unit}": care,
            "referral_gap": [False, True],
            "access": [1.0, 0.0],
            "n_facilities": [1, 0],
        }
    )


def test_the_download_of_every_area_says_unreachable_in_each_language():
    for lang in ("en", "fa", "vi"):
        table = area_export(
            _ctx(lang), _frame("min", [12.3456, np.inf]), with_insured=False, unit="min"
        )
        column = table[translate("access.minutes.table.care_km", lang)]
        assert column.tolist() == [12.346, translate("access.minutes.unreachable", lang)]


def test_straight_lines_stay_numbers():
    table = area_export(_ctx("en"), _frame("km", [1.23456, 7.0]), with_insured=False)
    column = table[translate("access.table.care_km", "en")]
    assert column.dtype == "float64" and column.tolist() == [1.235, 7.0]
    assert reach_values(_ctx("en"), pd.Series([np.nan, 2.0])).dtype == "float64"
