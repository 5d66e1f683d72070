"""Briefings, map exports and table exports (reports/): rendered, read back and checked.

Each briefing (English, Persian, Vietnamese × region, district, partner) is rendered to PDF, then
read back with poppler (pdfinfo, pdfimages, pdftotext, pdftoppm) the way a reader's tools would.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import box

from analytics.partners import restrict_to_partner
from geodata.store import list_versions, read_workspace
from reports.briefing import BriefingError, build_briefing
from reports.documents import make_briefing, region_title
from reports.exports import geojson_bytes, geopackage_bytes, table_csv, table_xlsx
from reports.mapexport import map_html, map_png_bytes, view_frame
from reports.text import Language
from tests.conftest import ROOT, require

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdfimages", "pdfinfo"))
DISTRICT = "D03"
PARTNER = "P2"
TITLES = {
    "en": "Health insurance coverage briefing",
    "vi": "Báo cáo tóm tắt độ bao phủ bảo hiểm y tế",
    # Persian phrases as a reader types them (logical order), without the lam-alef ligature,
    # whose two letters pdftotext returns swapped in right-to-left text (see reports/fonts.py).
    "fa": "گزارش پوشش بیمه",
}
SECTION = {
    "en": "Coverage against the target",
    "vi": "Độ bao phủ so với mục tiêu",
    "fa": "پوشش در برابر هدف",
}


@pytest.fixture(scope="module")
def demo(demo_workspace):
    versions = list_versions(demo_workspace)
    return demo_workspace, versions, read_workspace(demo_workspace, versions[-1].number)


def poppler() -> None:
    require(POPPLER, "poppler-utils (pdftotext, pdftoppm, pdfimages) not installed")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def briefings(demo, tmp_path_factory):
    """Every briefing, rendered once: (lang, scope) -> PDF path."""
    path, versions, tables = demo
    folder = tmp_path_factory.mktemp("briefings")
    made = {}
    for lang in ("en", "fa", "vi"):
        language = Language(lang)
        for scope, scope_id in (("region", None), ("district", DISTRICT), ("partner", PARTNER)):
            pdf, pages = make_briefing(
                tables,
                language,
                title=region_title(str(path), versions, language),
                version=versions[-1].number,
                demo=True,
                scope=scope,
                scope_id=scope_id,
                month="2026-09",
                orientation="landscape" if lang == "fa" else "portrait",
            )
            assert pages == 3
            out = folder / f"briefing-{lang}-{scope}.pdf"
            out.write_bytes(pdf)
            made[lang, scope] = out
    return made


def pdf_text(path: Path) -> str:
    return unicodedata.normalize("NFC", run("pdftotext", "-enc", "UTF-8", str(path), "-"))


CASES = [
    (lang, scope) for lang in ("en", "fa", "vi") for scope in ("region", "district", "partner")
]


@pytest.mark.parametrize(("lang", "scope"), CASES)
def test_briefing_pages_map_and_text(briefings, demo, lang, scope, tmp_path):
    poppler()
    pdf = briefings[lang, scope]
    assert "Pages:           3" in run("pdfinfo", str(pdf))
    # The map is an image on page 1, large (drawn at 200 dpi), and not blank.
    images = [line.split() for line in run("pdfimages", "-list", str(pdf)).splitlines()[2:]]
    page1 = [row for row in images if row[0] == "1"]
    assert page1 and max(int(row[3]) for row in page1) >= 1200, images
    run("pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p"))
    picture = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")).astype(int)
    spread = picture.max(axis=2) - picture.min(axis=2)  # colourful pixels: the filled polygons
    assert (spread > 40).mean() > 0.05
    text = pdf_text(pdf)
    assert TITLES[lang] in text and SECTION[lang] in text
    b = build_briefing(
        demo[2],
        scope=scope,
        scope_id={"region": None, "district": DISTRICT, "partner": PARTNER}[scope],
        month="2026-09",
    )
    language = Language(lang)
    # Headline figures in the language's digits and separators.
    assert language.int(b.figures["population"]) in text
    assert language.pct(b.figures["coverage"]) in text


def test_persian_briefing_reads_in_logical_order_with_persian_digits(briefings):
    poppler()
    text = pdf_text(briefings["fa", "region"])
    assert "نیازهای زیرساختی" in text and "نهادهای همکار مسئول" in text
    assert "کمتر از هدف" in text  # تر stays two letters (no stylistic ligature)
    assert "۱۴۰۵/۰۶/۱۰" in text  # the month, Solar Hijri (2026-09-01)
    reversed_title = TITLES["fa"][::-1]
    assert reversed_title not in text
    assert "2026" not in text.split("منبع")[0]  # dates and figures in Persian digits


def test_vietnamese_keeps_its_diacritics(briefings):
    poppler()
    text = pdf_text(briefings["vi", "district"])
    for phrase in (
        "Nhu cầu cơ sở hạ tầng",
        "Đối tác phụ trách",
        "Quận/huyện: District 3",
        "Dữ liệu mẫu tổng hợp",
    ):
        assert phrase in text, phrase
    assert text == unicodedata.normalize("NFC", text)


def test_partner_briefing_holds_only_its_areas(briefings, demo):
    poppler()
    tables = demo[2]
    areas = tables["areas"]
    own = areas[areas["partner_id"] == PARTNER]
    others = areas[areas["partner_id"].notna() & (areas["partner_id"] != PARTNER)]
    own_names = set(own["name"])
    region = pdf_text(briefings["en", "region"])
    partner = pdf_text(briefings["en", "partner"])
    partner_names = dict(
        zip(tables["partners"]["partner_id"], tables["partners"]["name"], strict=True)
    )
    for pid, name in partner_names.items():
        assert name in region  # the region's partner table lists every partner...
        assert (name in partner) == (pid == PARTNER)  # ...the partner's only itself
    foreign = [n for n in others["name"] if n not in own_names and n in partner]
    assert foreign == []
    assert any(n in partner for n in own_names)


def test_briefing_errors_are_clear(demo):
    tables = demo[2]
    with pytest.raises(BriefingError, match="district 'D99'"):
        build_briefing(tables, scope="district", scope_id="D99")
    with pytest.raises(BriefingError, match="no insured counts for 2001-01"):
        build_briefing(tables, month="2001-01")
    with pytest.raises(BriefingError, match="partner 'P9'"):
        build_briefing(tables, scope="partner", scope_id="P9")


def test_data_strings_are_escaped_in_the_briefing(demo):
    from reports.pdf import briefing_html

    tables = dict(demo[2])
    areas = tables["areas"].copy()
    areas.loc[areas["area_id"] == "A130", ["name", "name_en"]] = "<script>alert(1)</script>"
    tables["areas"] = areas
    b = build_briefing(tables, month="2026-09")
    page = briefing_html(b, Language("en"), region_title="<b>x</b>", source_note="s")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>x</b>" not in page


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_map_png_has_title_legend_and_is_drawn(demo, lang):
    tables = demo[2]
    frame = view_frame(tables, "area", pd.Timestamp("2026-09-01"))
    png = map_png_bytes(
        frame,
        metric="coverage",
        lang=Language(lang),
        place="Demo region",
        month=pd.Timestamp("2026-09-01"),
        source_note="source",
    )
    picture = Image.open(io.BytesIO(png))
    assert picture.size == (1650, 1200)
    pixels = np.asarray(picture.convert("RGB")).astype(int)
    assert ((pixels.max(axis=2) - pixels.min(axis=2)) > 40).mean() > 0.1


def test_partner_exports_hold_only_its_areas(demo):
    tables = restrict_to_partner(demo[2], PARTNER)
    own = set(demo[2]["areas"].query("partner_id == @PARTNER")["area_id"])
    frame = view_frame(tables, "area", None)
    assert set(frame["area_id"]) == own
    features = json.loads(geojson_bytes(frame))["features"]
    assert {f["properties"]["area_id"] for f in features} == own
    csv = pd.read_csv(io.BytesIO(table_csv(frame)), encoding="utf-8-sig")
    assert set(csv["area_id"]) == own
    xlsx = pd.read_excel(io.BytesIO(table_xlsx(frame)))
    assert set(xlsx["area_id"]) == own
    gpkg = geopackage_bytes(frame)
    assert gpkg[:16] == b"SQLite format 3\x00"


def test_xlsx_headers_are_formatted_and_persian_sheets_run_right_to_left():
    from openpyxl import load_workbook

    frame = pd.DataFrame({"نام": ["الف", "ب"], "پوشش": [0.5, 0.75], "جمعیت": [1200, 30000]})
    book = load_workbook(io.BytesIO(table_xlsx(frame, sheet="a/b", percent=("پوشش",), rtl=True)))
    sheet = book.active
    assert sheet.title == "ab" and sheet.sheet_view.rightToLeft
    assert [c.value for c in sheet[1]] == list(frame.columns)
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet["B2"].number_format == "0.0%" and sheet["C3"].number_format == "#,##0"


def test_standalone_html_map_is_offline_and_escaped():
    frame = gpd.GeoDataFrame(
        {
            "area_id": ["a", "b"],
            "name": ["<img src=x onerror=alert(1)>", "`${x}`"],
            "coverage": [0.5, 0.9],
        },
        geometry=[box(51.0, 35.0, 51.1, 35.1), box(51.1, 35.0, 51.2, 35.1)],
        crs=4326,
    )
    page = map_html(
        frame,
        id_column="area_id",
        name_column="name",
        metric="coverage",
        lang=Language("fa"),
        place="<b>x</b>",
        month=None,
        source_note="s",
    )
    assert "<img src=x" not in page and "<b>x</b>" not in page
    assert "/app/static" not in page
    # Outside the inlined scripts, no tag loads anything (Leaflet's own source names its home
    # page in the attribution link it can draw; that is text, not a request).
    markup = re.sub(r"(?s)<script>.*?</script>", "", page)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", markup)
    assert "<link" not in markup
    assert "L.Map" in page or "L.map" in page  # Leaflet is inside the file
    assert page.count("<script") >= 2


def test_reports_never_import_streamlit():
    code = (
        "import sys; import reports.__main__, reports.pdf, reports.mapexport, reports.exports;"
        "assert 'streamlit' not in sys.modules, 'reports imported streamlit'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_cli_writes_a_briefing_and_maps(demo_workspace, tmp_path):
    poppler()
    out = tmp_path / "briefing.pdf"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reports",
            "briefing",
            "--workspace",
            str(demo_workspace),
            "--partner",
            PARTNER,
            "--lang",
            "fa",
            "--month",
            "2026-09",
            "--orientation",
            "landscape",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Pages:           3" in run("pdfinfo", str(out))
    assert "595.276 x 841.89" not in run("pdfinfo", str(out))  # landscape, not portrait
    assert TITLES["fa"] in pdf_text(out)
    for name in ("map.png", "map.html", "map.geojson"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "reports",
                "map",
                "--workspace",
                str(demo_workspace),
                "--level",
                "district",
                "--lang",
                "vi",
                "--out",
                str(tmp_path / name),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / name).stat().st_size > 1000
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "reports",
            "briefing",
            "--workspace",
            str(demo_workspace),
            "--district",
            "D99",
            "--out",
            str(tmp_path / "x.pdf"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "district 'D99'" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "x.pdf").exists()


def test_persian_font_keeps_lam_alef_and_only_it():
    from fontTools.ttLib import TTFont

    from reports.fonts import arabic_font

    font = TTFont(arabic_font())
    gsub = font["GSUB"].table
    ligatures = []
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag != "rlig":
            continue
        for index in record.Feature.LookupListIndex:
            lookup = gsub.LookupList.Lookup[index]
            for sub in lookup.SubTable:
                sub = sub.ExtSubTable if lookup.LookupType == 7 else sub
                for first, ligs in getattr(sub, "ligatures", {}).items():
                    ligatures += [(first, lig.Component[0]) for lig in ligs]
    assert ("uniFEDF", "uniFE8E") in ligatures  # lam-alef
    assert {first for first, _ in ligatures} <= {"uniFEDF", "uniFEE0"}


def test_geopackage_export_reads_back(tmp_path):
    frame = gpd.GeoDataFrame({"area_id": ["a"], "n": [1]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    path = tmp_path / "map.gpkg"
    path.write_bytes(geopackage_bytes(frame))
    back = gpd.read_file(path)
    assert list(back["area_id"]) == ["a"] and back.crs.to_epsg() == 4326


def test_dashboard_documents_of_a_partner_session_hold_only_its_areas(demo):
    """The Briefings page's cached documents, keyed on a partner's source: its areas only."""
    from ui import briefing_data as bd
    from ui.scope import source_key

    path, versions, tables = demo
    source = source_key(str(path), PARTNER)
    version = versions[-1].number
    own = set(tables["areas"].query("partner_id == @PARTNER")["area_id"])
    frame = bd.view_frame(source, version, "area", None)
    assert set(frame["area_id"]) == own
    pdf, pages = bd.briefing_pdf(
        source, version, "en", "gregorian", "Demo region", True, "region", None, None, "portrait"
    )
    assert pages == 3 and pdf.startswith(b"%PDF")
    if POPPLER:
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode("utf-8")
        others = set(tables["partners"]["name"]) - set(
            tables["partners"].query("partner_id == @PARTNER")["name"]
        )
        assert not [name for name in others if name in text]
