"""Tables read in the reader's direction (#20): in Persian the grid draws the first column at the
right edge (its columns reversed in ``column_order``); in English and Vietnamese the grid keeps its left-to-right
order. Every table of the dashboard goes through :func:`ui.grid.grid` (or passes
:func:`ui.grid.reading_order` to ``st.data_editor``), so none is left reading left to right."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.apptest.helpers import DEFAULT_PAGE, run_page
from tests.conftest import ROOT
from ui.grid import reading_order


def test_reading_order_reverses_columns_only_right_to_left():
    frame = pd.DataFrame({"name": ["a"], "population": [1], "coverage": [0.5]})
    assert reading_order(frame, "fa") == {"column_order": ["coverage", "population", "name"]}
    assert reading_order(frame.style.format({"coverage": "{:.0%}"}), "fa") == {
        "column_order": ["coverage", "population", "name"]
    }
    assert reading_order(frame, "en") == {}
    assert reading_order(frame, "vi") == {}
    assert list(frame.columns) == ["name", "population", "coverage"]  # the data keeps its order


def test_every_table_takes_the_reading_order():
    """No ``st.dataframe`` outside :mod:`ui.grid`; every ``st.data_editor`` is given the order."""
    bypassing = []
    for path in [
        ROOT / "app.py",
        *(ROOT / "app_pages").rglob("*.py"),
        *(ROOT / "ui").rglob("*.py"),
    ]:
        if path == ROOT / "ui" / "grid.py":
            continue
        text = path.read_text(encoding="utf-8")
        bypassing += [f"{path.name}: st.dataframe" for _ in re.finditer(r"st\.dataframe\(", text)]
        for call in re.finditer(r"st\.data_editor\(", text):
            depth, end = 0, call.end() - 1
            for end in range(call.end() - 1, len(text)):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    break
            if "reading_order(" not in text[call.start() : end]:
                bypassing.append(f"{path.name}: st.data_editor")
    assert not bypassing, bypassing


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_overview_table_in_reading_order(on_demo, lang):
    at = run_page(DEFAULT_PAGE, {"lang": lang})
    table = at.dataframe[0]
    columns = [str(c) for c in table.value.columns]
    order = list(table.proto.column_order)
    if lang == "fa":
        assert order == columns[::-1], "Persian: the first column at the right edge"
    else:
        assert order in ([], columns)
