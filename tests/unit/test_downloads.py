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
    unit = "٪" if lang == "fa" else "%"
    assert list(csv.columns) == ["name", "population", f"coverage ({unit})"]
    assert list(csv[f"coverage ({unit})"].iloc[:3]) == [50.0, 90.0, 10.0]  # percent 0–100
    assert list(csv["name"]) == ["'" + p for p in PAYLOADS]

    sheet = load_workbook(io.BytesIO(offered["cells_x.xlsx"])).active
    assert sheet.sheet_view.rightToLeft is (lang == "fa")
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(PAYLOADS))]
    assert [c.value for c in cells] == PAYLOADS
    assert all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet["B3"].value == 34000 and sheet["B3"].number_format == "#,##0"
    assert sheet["C1"].value == f"coverage ({unit})"
    assert sheet["C2"].value == 50.0 and sheet["C2"].number_format == "0.0"
    assert sheet["C5"].value is None


class _DeferredRow:
    """A row that records what each button would download, without making it."""

    def __init__(self, offered: dict[str, object]):
        self.offered = offered

    def download_button(self, label, data, *, file_name, on_click, **_):
        assert on_click == "ignore"
        self.offered[file_name] = data


def test_map_exports_offer_the_view_as_shown_made_on_press(monkeypatch, demo_workspace):
    """PNG, standalone HTML, GeoJSON and GeoPackage of one district's areas (a drill-down):
    nothing is made until a button is pressed, and then only the areas in view."""
    import json

    from PIL import Image

    from geodata.store.workspace import read_workspace
    from reports.mapexport import view_frame

    offered: dict[str, object] = {}
    captions: list[str] = []
    monkeypatch.setattr(downloads.st, "container", lambda **_: _DeferredRow(offered))
    monkeypatch.setattr(downloads.st, "caption", lambda text, **_: captions.append(text))
    tables = read_workspace(demo_workspace)
    month = pd.Timestamp("2026-09-01")
    frame = view_frame(tables, "area", month)
    in_view = frame[frame["district_id"] == "D03"]
    shapes = in_view[["area_id", "district_id", "geometry"]]
    values = pd.DataFrame(in_view.drop(columns="geometry"))
    ctx = Context(workspace="demo", version=3, is_demo=True, lang="vi", title="Vùng mẫu")
    downloads.map_exports(
        ctx,
        shapes,
        values,
        id_column="area_id",
        name_column="name",
        metric="coverage",
        month=month,
        scheme="user",
        breaks=[0.6, 0.7, 0.8],
        highlight=str(in_view["area_id"].iloc[0]),
        place="District 3",
        key="t_map",
    )
    stem = "map_coverage_area_2026-09"
    assert set(offered) == {f"{stem}.{e}" for e in ("png", "html", "geojson", "gpkg")}
    assert all(callable(made) for made in offered.values())  # deferred: made on press
    assert captions == [ctx.t("briefings.map.export")]

    png = Image.open(io.BytesIO(offered[f"{stem}.png"]()))
    assert png.format == "PNG" and png.size == (1650, 1200)
    page = offered[f"{stem}.html"]().decode("utf-8")
    assert "District 3" in page and 'class="ca-north"' in page
    features = json.loads(offered[f"{stem}.geojson"]())["features"]
    assert {f["properties"]["area_id"] for f in features} == set(in_view["area_id"])
    assert {f["properties"]["district_id"] for f in features} == {"D03"}
    assert offered[f"{stem}.gpkg"]()[:16] == b"SQLite format 3\x00"


def test_map_title_in_a_partner_session_is_the_partners_name(demo_workspace):
    from geodata.store.workspace import list_versions, read_workspace

    version = list_versions(demo_workspace)[-1].number
    partners = read_workspace(demo_workspace, version)["partners"].set_index("partner_id")
    for lang, column in (("en", "name"), ("fa", "name_fa"), ("vi", "name_vi")):
        ctx = Context(
            workspace=str(demo_workspace),
            version=version,
            is_demo=True,
            lang=lang,
            title="Demo region",
            role="partner",
            partner_id="P2",
        )
        assert downloads.scope_place(ctx) == partners.loc["P2", column]
    planner = Context(workspace="x", version=1, is_demo=True, lang="en", title="Demo region")
    assert downloads.scope_place(planner) == "Demo region"
