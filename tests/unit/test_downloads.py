"""ui.downloads: every table downloads through reports.exports, and no data text in it ever
becomes a formula in the CSV or the workbook (spreadsheet injection)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

import ui.downloads as downloads
from ui.context import Context
from ui.localize import COVERAGE_BAR

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)"]


class _Row:
    def __init__(self, offered: dict[str, bytes]):
        self.offered = offered

    def download_button(self, label, data, *, file_name, **_):
        self.offered[file_name] = data() if callable(data) else data  # deferred: made on press


@pytest.fixture
def offered(monkeypatch) -> dict[str, bytes]:
    """The files ui.downloads offers, by file name (no Streamlit session needed)."""
    files: dict[str, bytes] = {}
    monkeypatch.setattr(downloads.st, "container", lambda **_: _Row(files))
    return files


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_table_downloads_never_write_a_formula(offered, lang):
    ctx = Context(workspace="demo", version=1, is_demo=True, lang=lang, title="t")
    frame = pd.DataFrame(
        {
            "name": PAYLOADS,
            "population": [1200, 34000, 5, 7],
            "coverage": [0.5, 0.9, 0.1, None],
            COVERAGE_BAR: [0.5, 0.9, 0.1, 0.0],
        }
    )
    downloads.table_downloads(ctx, frame.style, "cells/=x", percent=("coverage",))
    assert set(offered) == {"cells_x.csv", "cells_x.xlsx"}

    csv = pd.read_csv(io.BytesIO(offered["cells_x.csv"]), encoding="utf-8-sig")
    assert list(csv.columns) == ["name", "population", "coverage"]
    assert list(csv["name"]) == ["'" + p for p in PAYLOADS]

    sheet = load_workbook(io.BytesIO(offered["cells_x.xlsx"])).active
    assert sheet.sheet_view.rightToLeft is (lang == "fa")
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(PAYLOADS))]
    assert [c.value for c in cells] == PAYLOADS
    assert all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet["B3"].value == 34000 and sheet["B3"].number_format == "#,##0"
    assert sheet["C2"].number_format == "0.0%" and sheet["C5"].value is None
