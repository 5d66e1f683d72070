"""The one convention of every exported table (:func:`reports.exports.export_frame`, used by
the CSV, XLSX, GeoJSON and GeoPackage writers): percentages 0–100 with the unit in the header,
counts and ranks as whole numbers, empty cells empty."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import load_workbook
from shapely.geometry import Point

from reports.exports import export_frame, geojson_bytes, table_csv, table_xlsx


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Rank": ["1", "2", None],
            "Name": ["North", None, "nan"],
            "Population": [446823.0, 12.0, np.nan],
            "Coverage": [0.54, 1.0, np.nan],
            "Growth (%)": [12.5, -3.0, np.nan],
            "Distance (km)": [1.25, 3.5, 0.75],
            "Visits": [10.0, 20.0, np.nan],
            "Note": ["None", "ok", np.nan],
        }
    )


KINDS = {"Rank": "rank", "Population": "count", "Coverage": "share", "Growth (%)": "percent"}


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return [line.split(",") for line in text.strip().split("\r\n")]


def test_export_frame_normalises_by_declared_kind() -> None:
    source = table()
    out = export_frame(source, KINDS)
    assert list(out.columns) == [
        "Rank",
        "Name",
        "Population",
        "Coverage (%)",
        "Growth (%)",
        "Distance (km)",
        "Visits",
        "Note",
    ]
    assert out["Rank"].dtype == "Int64" and out["Rank"].tolist()[:2] == [1, 2]
    assert out["Population"].dtype == "Int64" and out["Population"].iloc[0] == 446823
    assert out["Coverage (%)"].tolist()[:2] == [54.0, 100.0]
    assert out["Growth (%)"].tolist()[:2] == [12.5, -3.0]  # 0–100 already: unchanged
    assert out["Visits"].dtype == "Int64"  # undeclared whole numbers are integers
    assert out["Distance (km)"].tolist() == [1.25, 3.5, 0.75]
    assert out["Name"].isna().tolist() == [False, True, True]
    assert out["Note"].isna().tolist() == [True, False, True]
    pd.testing.assert_frame_equal(source, table())  # the input is not modified


def test_csv_has_percent_headers_whole_counts_and_empty_cells() -> None:
    rows = csv_rows(table_csv(table(), kinds=KINDS))
    assert rows[0][3] == "Coverage (%)"
    assert rows[1] == ["1", "North", "446823", "54.0", "12.5", "1.25", "10", ""]
    assert rows[3] == ["", "", "", "", "", "0.75", "", ""]
    body = "\n".join(",".join(r) for r in rows[1:])
    assert "None" not in body and "nan" not in body and "446823.0" not in body


def test_percent_header_in_each_language() -> None:
    frame = pd.DataFrame({"پوشش": [0.5], "رشد (درصد)": [3.0]})
    out = export_frame(frame, {"پوشش": "share", "رشد (درصد)": "percent"}, lang="fa")
    assert list(out.columns) == ["پوشش (٪)", "رشد (درصد)"]
    out = export_frame(pd.DataFrame({"Tỷ lệ": [0.5]}), {"Tỷ lệ": "share"}, lang="vi")
    assert list(out.columns) == ["Tỷ lệ (%)"]


def test_xlsx_holds_numbers_not_text() -> None:
    book = load_workbook(io.BytesIO(table_xlsx(table(), kinds=KINDS, percent=())))
    ws = book.active
    header = [c.value for c in ws[1]]
    assert header[3] == "Coverage (%)"
    first = [c.value for c in ws[2]]
    assert first[0] == 1 and isinstance(first[0], int)  # rank as a number
    assert first[2] == 446823 and isinstance(first[2], int)
    assert first[3] == 54.0
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert "None" not in values and "nan" not in values


def test_geojson_figures_follow_the_convention() -> None:
    frame = gpd.GeoDataFrame(
        {
            "area_id": ["A1", "A2"],
            "population": [1000.0, np.nan],
            "insured": [540.0, np.nan],
            "coverage": [0.54, np.nan],
        },
        geometry=[Point(51.4, 35.7), Point(51.5, 35.8)],
        crs=4326,
    )
    features = json.loads(geojson_bytes(frame))["features"]
    first, second = (f["properties"] for f in features)
    assert first == {"area_id": "A1", "population": 1000, "insured": 540, "coverage (%)": 54.0}
    assert second["population"] is None and second["coverage (%)"] is None
