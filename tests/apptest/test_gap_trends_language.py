"""The Gap analysis page's trend table ("behind their line"), its outreach-effect table and the
ranked table's score bar read in the reader's language: Persian digits in fa, 11.052 and 81,7%
in vi, never the grid's own "81.7 %" or "+0.27" (issue #20)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
from streamlit import dataframe_util

from render.i18n import translate
from tests.apptest.helpers import run_page
from tests.browser.reading import LATIN_DIGIT

PAGE = "app_pages/gap_analysis.py"


def table(at, header: str):
    """The page's table with a column headed ``header``, and its cells as the grid shows them:
    a cell's display value where the table is styled, else its data (the sparklines aside)."""
    for node in at.dataframe:
        if header not in node.value.columns:
            continue
        arrow = getattr(node.proto, "arrow_data", node.proto)
        shown = (
            dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
            if arrow.HasField("styler") and arrow.styler.display_values
            else pd.DataFrame()
        )
        data = node.value
        cells = []
        for column in data.columns:
            for i, cell in enumerate(data[column]):
                if isinstance(cell, list | tuple | dict | np.ndarray):
                    continue
                text = shown[column].iloc[i] if column in shown else ""
                cells.append(text if isinstance(text, str) and text else str(cell))
        return node, cells
    raise AssertionError(f"no table with a column {header!r}")


def grid_formats(node) -> dict[str, str]:
    """The number formats the grid itself would apply (they take precedence over the cells'
    display values, and write Latin digits in English format)."""
    config = json.loads(node.proto.columns or "{}")
    return {
        name: spec["type_config"]["format"]
        for name, spec in config.items()
        if spec.get("type_config", {}).get("format") not in (None, " ")
    }


TABLES = ("gap.table.behind_by", "gap.outreach.enrolled")


def test_trend_tables_speak_persian(on_demo):
    at = run_page(PAGE, {"lang": "fa", "view": "trends"})
    for key in TABLES:
        node, cells = table(at, translate(key, "fa"))
        assert len(node.value), "the demo has rows in this table"
        assert not grid_formats(node)
        # No figure in Latin digits; an area's code keeps its own ("S001").
        assert not [c for c in cells if LATIN_DIGIT.search(c)], cells[:40]
        assert not [c for c in node.value.columns if LATIN_DIGIT.search(c)]  # headers too
        assert any(re.search("[۰-۹]+٫[۰-۹]٪", c) for c in cells), cells[:40]


def test_trend_tables_write_vietnamese_numbers(on_demo):
    at = run_page(PAGE, {"lang": "vi", "view": "trends"})
    for key in TABLES:
        node, cells = table(at, translate(key, "vi"))
        assert not grid_formats(node)
        assert not [c for c in cells if re.search(r"\d,\d{3}\b|\d\.\d+ ?%", c)], cells[:40]
        assert any(re.fullmatch(r"\d+,\d%", c) for c in cells), cells[:40]


def test_score_bar_writes_no_latin_figure(on_demo):
    at = run_page(PAGE, {"lang": "fa"})
    node, _ = table(at, translate("gap.table.score", "fa"))
    config = json.loads(node.proto.columns or "{}")
    bars = {n: s for n, s in config.items() if s.get("type_config", {}).get("type") == "progress"}
    assert bars, "the score keeps its bar"
    # The bar draws no figure of its own (the grid's would be Latin); the score beside it does.
    assert all(s["type_config"].get("format") == " " for s in bars.values()), bars
    score = node.value.columns.get_loc(translate("gap.table.score", "fa"))
    assert list(node.value.columns)[score + 1] in bars
