"""ui.access.tables: the per-area and capacity tables download whole, with headers in the
reader's language; thresholds by facility set; proposed sites as Capacity what-if changes."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import ui.downloads as downloads
from analytics import access, distance, fca
from geodata.store.workspace import read_workspace
from render.i18n import translate
from ui.access import siting
from ui.access import tables as access_tables
from ui.access.data import DISTANCE_SETS
from ui.access.measure import threshold_for
from ui.context import Context


class _Row:
    def __init__(self, offered: dict[str, bytes]):
        self.offered = offered

    def download_button(self, label, data, *, file_name, **_):
        self.offered[file_name] = data() if callable(data) else data


@pytest.fixture
def offered(monkeypatch) -> dict[str, bytes]:
    """The files the page offers, by file name (no Streamlit session needed)."""
    files: dict[str, bytes] = {}
    monkeypatch.setattr(downloads.st, "container", lambda **_: _Row(files))
    return files


def context(lang: str = "en") -> Context:
    return Context(workspace="w", version=1, is_demo=True, lang=lang, title="t")


@pytest.fixture(scope="module")
def demo_frame(demo_workspace) -> pd.DataFrame:
    """The page's per-area table on the demo (English names), built as the page builds it."""
    tables = read_workspace(demo_workspace)
    areas, fac = tables["areas"], access.available_facilities(tables["facilities"])
    points = distance.area_points(areas)
    nearest = distance.nearest_facility_km(
        areas, fac, types=[], groups={k: list(v) for k, v in DISTANCE_SETS.items()}, points=points
    )
    nearest.insert(0, "area_id", areas["area_id"].to_numpy())
    hospitals = fac[fac["type"] == "hospital"]
    capacity = fca.two_step_fca(areas, hospitals, catchment_km=10.0, points=points)
    capacity.insert(0, "area_id", areas["area_id"].to_numpy())
    rng = np.random.default_rng(4)
    coverage = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "coverage": rng.uniform(0.5, 1.0, len(areas)),
            "uninsured": rng.integers(0, 500, len(areas)),
        }
    )
    return access_tables.area_table(
        context(),
        areas,
        nearest,
        capacity,
        coverage,
        near_km=2.0,
        referral_km=10.0,
        covered_at=0.9,
    )


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_every_area_downloads_with_every_figure_and_translated_headers(offered, demo_frame, lang):
    ctx = context(lang)
    access_tables.area_downloads(ctx, demo_frame, with_insured=True)
    assert set(offered) == {"infrastructure_areas.csv", "infrastructure_areas.xlsx"}
    csv = pd.read_csv(io.BytesIO(offered["infrastructure_areas.csv"]), encoding="utf-8-sig")
    t = lambda key: translate(key, lang)  # noqa: E731
    expected = [
        t("access.table.area_id"),
        t("table.name"),
        t("table.district"),
        t("metric.population"),
        translate("downloads.percent_header", lang, label=t("metric.coverage")),  # 0-100
        t("metric.uninsured"),
        t("access.table.care_km"),
        t("access.table.clinic_km"),
        t("access.table.hospital_km"),
        t("access.table.insurance_office_km"),
        t("access.table.referral_gap"),
        t("access.double_gap.class"),
        t("access.table.capacity"),
        t("access.table.n_facilities"),
    ]
    assert list(csv.columns) == expected
    assert len(csv) == len(demo_frame) == 300
    np.testing.assert_allclose(  # percent, one unit for every export (#16)
        csv[expected[4]], (demo_frame["coverage"] * 100).round(2), atol=0.01
    )
    gap = csv[t("access.table.referral_gap")].eq(t("access.map.yes"))
    assert gap.sum() == int(demo_frame["referral_gap"].sum())
    np.testing.assert_allclose(
        csv[t("access.table.hospital_km")], demo_frame["hospital_km"].round(3), atol=1e-9
    )
    np.testing.assert_allclose(
        csv[t("access.table.capacity")], demo_frame["access"].round(4), atol=1e-9
    )
    classes = {t(f"access.double_gap.{c}") for c in access.DOUBLE_GAP_CLASSES}
    assert set(csv[t("access.double_gap.class")]) <= classes
    sheet = load_workbook(io.BytesIO(offered["infrastructure_areas.xlsx"])).active
    assert sheet.max_row == len(demo_frame) + 1
    assert [c.value for c in sheet[1]] == expected


def test_without_insured_counts_the_area_download_leaves_insurance_out(offered, demo_frame):
    access_tables.area_downloads(context(), demo_frame, with_insured=False)
    csv = pd.read_csv(io.BytesIO(offered["infrastructure_areas.csv"]), encoding="utf-8-sig")
    assert "Uninsured" not in csv.columns and "Class" not in csv.columns
    assert len(csv) == 300


def test_capacity_download_holds_every_neighbourhood_not_only_those_shown(offered, demo_frame):
    access_tables.capacity_section(
        context(), demo_frame, supply="beds", catchment_km=10.0, decay=False
    )
    csv = pd.read_csv(io.BytesIO(offered["capacity.csv"]), encoding="utf-8-sig")
    assert len(csv) == demo_frame["population"].notna().sum() > 8
    values = csv["Capacity per 1,000"].to_numpy()
    assert (np.diff(values) >= 0).all()  # lowest capacity first
    assert "capacity.xlsx" in offered


def test_thresholds_by_facility_set():
    kw = {"near_km": 2.0, "referral_km": 10.0, "office_km": 5.0}
    assert threshold_for("hospital", **kw) == ("referral", 10.0)
    assert threshold_for("insurance_office", **kw) == ("office", 5.0)
    assert threshold_for("clinic", **kw) == ("near", 2.0)
    assert threshold_for("care", **kw) == ("near", 2.0)


def test_proposed_sites_become_new_site_changes_with_free_ids():
    chosen = gpd.GeoDataFrame(
        {"rank": [1, 2], "gain": [900.0, 400.0], "area_id": ["A1", "A2"]},
        geometry=gpd.points_from_xy([51.40, 51.45], [35.70, 35.72]),
        crs="EPSG:4326",
    )
    changes = siting.siting_changes(
        chosen, care_set="hospital", names=["North", "<b>South</b>"], facility_ids=["NEW-1", "F1"]
    )
    assert [c.kind for c in changes] == ["new_site", "new_site"]
    assert [c.facility_id for c in changes] == ["NEW-2", "NEW-3"]
    assert [c.facility_type for c in changes] == ["hospital", "hospital"]
    assert [c.facility_name for c in changes] == ["North", "<b>South</b>"]
    assert [(c.lon, c.lat) for c in changes] == [(51.40, 35.70), (51.45, 35.72)]


def test_the_page_measures_from_population_centres_when_the_areas_carry_them(
    monkeypatch, demo_workspace
):
    from ui import data
    from ui.access import data as access_data

    tables = read_workspace(demo_workspace)
    areas = tables["areas"].copy()
    areas["pop_lon"] = areas.geometry.bounds["minx"].to_numpy()  # a corner: far from the inside
    areas["pop_lat"] = areas.geometry.bounds["miny"].to_numpy()
    areas.loc[areas.index[:10], "pop_lon"] = np.nan  # unknown: the representative point
    monkeypatch.setattr(data, "tables", lambda ws, ver: {**tables, "areas": areas})
    source = f"{demo_workspace}#pop-centres-test"
    points = access_data.area_points.__wrapped__(source, 1)
    np.testing.assert_allclose(points.x.to_numpy()[10:], areas["pop_lon"].to_numpy()[10:])
    assert areas.geometry.iloc[:10].contains(points.iloc[:10]).all()
    nearest = access_data.nearest.__wrapped__(source, 1, False, None)
    expected = distance.nearest_facility_km(
        areas.drop(columns=["pop_lon", "pop_lat"]),
        access.available_facilities(tables["facilities"]),
        ["hospital"],
        points=points,
    )
    np.testing.assert_allclose(nearest["hospital_km"], expected["hospital_km"])
