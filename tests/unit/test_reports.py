"""Briefings, map exports and table exports (reports/): rendered, read back and checked.

Each briefing (English, Persian, Vietnamese × region, district, partner) is rendered to PDF, then
read back with poppler (pdfinfo, pdfimages, pdftotext, pdftoppm) the way a reader's tools would.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from html import escape
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import box

from analytics.partners import restrict_to_partner
from geodata.store.workspace import list_versions, read_workspace
from render.language import Language
from reports.briefing import BriefingError, build_briefing
from reports.documents import make_briefing, region_title
from reports.exports import geojson_bytes, geopackage_bytes, table_csv, table_xlsx
from reports.figures import RLM, classify_metric
from reports.mapexport import map_html, map_png_bytes, view_frame
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


#: Each language in both orientations: the region's and the partner's briefings portrait, the
#: district's landscape.
ORIENTATION = {"region": "portrait", "district": "landscape", "partner": "portrait"}


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
                orientation=ORIENTATION[scope],
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


def colourful(picture: np.ndarray) -> float:
    """The share of strongly coloured pixels (filled polygons, chart lines), not grey text."""
    spread = picture.max(axis=2) - picture.min(axis=2)
    return float((spread > 40).mean())


@pytest.mark.parametrize(("lang", "scope"), CASES)
def test_briefing_pages_map_and_text(briefings, demo, lang, scope, tmp_path):
    poppler()
    pdf = briefings[lang, scope]
    info = run("pdfinfo", str(pdf))
    assert "Pages:           3" in info
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert sorted((round(width), round(height))) == [595, 842]  # A4
    assert (width > height) == (ORIENTATION[scope] == "landscape")
    # The map is an image on page 1, large (drawn at 200 dpi); the trend chart is on page 2.
    images = [line.split() for line in run("pdfimages", "-list", str(pdf)).splitlines()[2:]]
    assert max(int(row[3]) for row in images if row[0] == "1") >= 1200, images
    assert [row for row in images if row[0] == "2"], images
    # Every page rendered: three pictures of the page's shape, none blank.
    run("pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p"))
    pictures = [
        np.asarray(Image.open(path).convert("RGB")).astype(int)
        for path in sorted(tmp_path.glob("p*.png"))
    ]
    assert len(pictures) == 3
    for picture in pictures:
        assert (picture.shape[1] > picture.shape[0]) == (ORIENTATION[scope] == "landscape")
        assert (picture < 128).any(axis=2).mean() > 0.002  # text on every page
    assert colourful(pictures[0]) > 0.05  # the filled polygons of the map
    assert colourful(pictures[1]) > 0.0005  # the trend's lines
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
    assert "درصد کمتر از" in text  # تر stays two letters (no stylistic ligature)
    # The month: a Gregorian month (the demo's) named as one, never as a day (۱۴۰۵/۰۶/۱۰).
    assert re.search("سپتامبر\\W*۲۰۲۶", text) and "۱۴۰۵/۰۶/۱۰" not in text
    reversed_title = TITLES["fa"][::-1]
    assert reversed_title not in text
    assert "2026" not in text.split("منبع")[0]  # dates and figures in Persian digits


def test_vietnamese_keeps_its_diacritics(briefings):
    poppler()
    text = pdf_text(briefings["vi", "district"])
    for phrase in (
        "Nhu cầu cơ sở hạ tầng",
        "Đối tác phụ trách",
        "Quận/huyện: Quận 3",  # the demo names its districts in Vietnamese
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


def test_least_covered_list_leaves_out_areas_with_more_insured_than_residents(demo):
    """Such areas are left out of coverage, so out of the list, and the briefing says how many."""
    from reports.pdf import briefing_html

    tables = dict(demo[2])
    areas = tables["areas"]
    inside = areas.loc[areas["district_id"] == DISTRICT, "area_id"].astype(str).tolist()
    flagged = inside[3:]  # every area of the district but three has more insured than residents
    insured = tables["insured"].copy()
    rows = insured["area_id"].isin(flagged) & (insured["period"] == pd.Timestamp("2026-09-01"))
    insured.loc[rows, "insured"] = insured.loc[rows, "insured"] * 10
    tables["insured"] = insured
    b = build_briefing(tables, scope="district", scope_id=DISTRICT, month="2026-09")
    assert set(b.least_covered["area_id"]) == set(inside[:3])
    assert b.least_left_out == len(flagged)
    for lang in ("en", "fa"):
        language = Language(lang)
        page = briefing_html(b, language, region_title="r", source_note="s")
        text = language.t("reports.least.left_out", n=language.int(len(flagged)))
        assert escape(text) in page


MADE = dt.date(2026, 10, 5)


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_map_figure_has_every_element_in_the_language(demo, lang):
    """Title (with the place), date line (month and day made), legend (title, one row per class
    as asked), source note, north arrow and scale bar: each a text element in the language."""
    from reports.mapexport import map_figure

    language = Language(lang)
    frame = view_frame(demo[2], "area", pd.Timestamp("2026-09-01"))
    fig = map_figure(
        frame,
        metric="uninsured",
        lang=language,
        place="District 3",
        month=pd.Timestamp("2026-09-01"),
        source_note="the source note",
        made=MADE,
        scheme="equal_interval",
        k=4,
        id_column="area_id",
        highlight="A130",
    )
    title, date_line, source = (t.get_text().lstrip(RLM) for t in fig.texts)
    metric = language.t("metric.uninsured")
    assert title == language.t("reports.map.export_title", metric=metric, place="District 3")
    assert language.month(pd.Timestamp("2026-09-01")) in date_line
    assert language.date(MADE) in date_line and source == "the source note"
    legend = fig.legends[0]
    assert legend.get_title().get_text() == metric
    rows = [t.get_text() for t in legend.get_texts()]
    classes = classify_metric(
        frame["uninsured"], "uninsured", language, scheme="equal_interval", k=4
    )
    mark = RLM if language.rtl else ""
    assert len(rows) == 4  # the k classes asked for (every area has data)
    assert rows == [f"{mark}{e.label}  ({language.int(e.count)})" for e in classes.legend]
    words = {t.get_text() for t in fig.axes[0].texts}
    assert language.t("reports.map.north") in words  # the north arrow's letter
    scale = words - {language.t("reports.map.north")}
    round_lengths = {language.km(f * 10**n) for f in (1, 2, 5) for n in range(-1, 3)}
    assert len(scale) == 1 and scale <= round_lengths  # the scale bar's round length
    # The chosen area's thick outline is drawn on top of the filled polygons.
    widths = [max(c.get_linewidths(), default=0) for c in fig.axes[0].collections]
    assert max(widths) == pytest.approx(2.2)
    if lang == "fa":  # right to left: title and legend on the right and left edges as read
        assert fig.texts[0].get_horizontalalignment() == "right"


def test_map_png_legend_reads_right_to_left_in_persian():
    """A Persian range in the legend is drawn from the right: as the same numbers in reverse
    order laid out left to right would be, and not as they are."""
    import matplotlib
    from matplotlib.figure import Figure

    from reports.fonts import matplotlib_families

    def drawn(text: str) -> np.ndarray:
        with matplotlib.rc_context({"font.family": matplotlib_families("fa")}):
            fig = Figure(figsize=(3, 0.5))
            fig.text(0.05, 0.5, text, fontsize=14, va="center")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=80)
        return np.asarray(Image.open(buffer).convert("L"))

    fa = Language("fa")
    low, high = fa.pct(0.1), fa.pct(0.2)
    as_legend = drawn(RLM + f"{low} – {high}")
    assert (as_legend == drawn(f"{high} – {low}")).all()
    assert (as_legend != drawn(f"{low} – {high}")).any()


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_map_png_of_a_view_is_drawn(demo, lang):
    frame = view_frame(demo[2], "district", pd.Timestamp("2026-09-01"))
    png = map_png_bytes(
        frame,
        metric="coverage",
        lang=Language(lang),
        place="Demo region",
        month=pd.Timestamp("2026-09-01"),
        source_note="source",
        scheme="user",
        breaks=[0.5, 0.7, 0.9],
    )
    picture = Image.open(io.BytesIO(png))
    assert picture.size == (1650, 1200)
    assert colourful(np.asarray(picture.convert("RGB")).astype(int)) > 0.1


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
    book = load_workbook(
        io.BytesIO(table_xlsx(frame, sheet="a/b", percent=("پوشش",), rtl=True, lang="fa"))
    )
    sheet = book.active
    assert sheet.title == "ab" and sheet.sheet_view.rightToLeft
    assert [c.value for c in sheet[1]] == ["نام", "پوشش (٪)", "جمعیت"]  # the unit, in Persian
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet["B2"].value == 50.0 and sheet["B2"].number_format == "0.0"
    assert sheet["C3"].number_format == "#,##0"


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
        month=pd.Timestamp("2026-09-01"),
        source_note="the source",
        made=MADE,
        highlight="b",
    )
    assert "<img src=x" not in page and "<b>x</b>" not in page
    # Title, month and the day it was made, source, north arrow and scale bar, in Persian.
    fa = Language("fa")
    title = fa.t("reports.map.export_title", metric=fa.t("metric.coverage"), place="<b>x</b>")
    assert f"<title>{escape(title)}</title>" in page
    date_line = fa.t("reports.map.date_line", month=fa.month("2026-09-01"), date=fa.date(MADE))
    assert f'<span class="ca-date">{escape(date_line)}</span>' in page
    assert '<small class="ca-source">the source</small>' in page
    north = re.search(r'<div class="ca-north" dir="rtl"[^>]*>(.*?)</div>', page)
    assert north and north.group(1).endswith("<br>" + fa.t("reports.map.north"))
    assert "<svg" in north.group(1)
    assert "L.control.scale" in page
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
    # The map in each format through the same entry point, in this process (the command's
    # start is checked above and below).
    from reports.__main__ import main

    for name in ("map.png", "map.html", "map.geojson"):
        argv = ["map", "--workspace", str(demo_workspace), "--level", "district", "--lang", "vi"]
        assert main([*argv, "--out", str(tmp_path / name)]) == 0
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


def test_partner_sessions_briefing_is_the_partners_own(demo):
    """A partner's session: its briefing is headed "Partner: <its name>" (never "Whole region"),
    holds only its areas, and the command shown makes the same document."""
    from ui import data
    from ui.briefings import data as bd
    from ui.context import Context
    from ui.scope import source_key

    path, versions, tables = demo
    source = source_key(str(path), PARTNER)
    version = versions[-1].number
    own = set(tables["areas"].query("partner_id == @PARTNER")["area_id"])
    assert set(data.area_coverage(source, version, None, None)["area_id"]) == own
    ctx = Context(
        workspace=str(path),
        version=version,
        is_demo=True,
        lang="en",
        title="Demo region",
        role="partner",
        partner_id=PARTNER,
    )
    scope, scope_id = bd.briefing_scope(ctx, "region", None)
    assert (scope, scope_id) == ("partner", PARTNER)
    assert bd.briefing_scope(ctx, "district", "D03") == ("district", "D03")
    command = bd.cli_line(ctx, scope, scope_id, "2026-09", "portrait")
    assert command.count("--partner") == 1 and f"--partner {PARTNER}" in command
    assert "--district" not in command
    pdf, pages = bd.briefing_pdf(
        source, version, "en", "gregorian", "Demo region", True, scope, scope_id, None, "portrait"
    )
    assert pages == 3 and pdf.startswith(b"%PDF")
    row = tables["partners"].query("partner_id == @PARTNER").iloc[0]
    assert data.partner_names(source, version, "fa") == {PARTNER: row["name_fa"]}
    assert data.partner_names(source, version, "vi") == {PARTNER: row["name_vi"]}
    if POPPLER:
        text = unicodedata.normalize(
            "NFC",
            subprocess.run(
                ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
            ).stdout.decode("utf-8"),
        )
        assert text.split("\n")[1] == f"Partner: {row['name']}"
        assert "Whole region" not in text
        others = tables["partners"].query("partner_id != @PARTNER")
        assert not [n for n in others["name"] if n in text]


def test_partner_names_are_in_the_briefings_language(demo):
    """The partner table and a partner briefing's heading use name_fa / name_vi."""
    from reports.pdf import briefing_html

    tables = demo[2]
    partners = tables["partners"]
    region = build_briefing(tables, month="2026-09")
    partner = build_briefing(tables, scope="partner", scope_id=PARTNER, month="2026-09")
    for lang in ("fa", "vi"):
        page = briefing_html(region, Language(lang), region_title="r", source_note="s")
        for localized, base in zip(partners[f"name_{lang}"], partners["name"], strict=True):
            assert escape(localized) in page
            assert localized == base or base not in page
        own = partners.query("partner_id == @PARTNER").iloc[0]
        page = briefing_html(partner, Language(lang), region_title="r", source_note="s")
        scope_line = Language(lang).t("reports.scope.partner", name=own[f"name_{lang}"])
        assert escape(scope_line) in page


def test_cli_quotes_every_value():
    from ui.briefings import data as bd
    from ui.context import Context

    ctx = Context(
        workspace="/data/my region's ws.gpkg", version=1, is_demo=False, lang="en", title="t"
    )
    command = bd.cli_line(ctx, "district", "D 1;rm -rf x", "2026-09", "landscape")
    words = shlex.split(command)
    assert words[words.index("--workspace") + 1] == "/data/my region's ws.gpkg"
    assert words[words.index("--district") + 1] == "D 1;rm -rf x"
    assert "--partner" not in words


@pytest.fixture(scope="module")
def bare_workspace(demo, tmp_path_factory) -> Path:
    """Two districts of the demo without district_id, district_name or province, no insured
    counts: a small workspace as a region without districts might be."""
    from geodata.store.workspace import save_version

    tables = demo[2]
    areas = tables["areas"][tables["areas"]["district_id"].isin(["D01", "D02"])]
    path = tmp_path_factory.mktemp("bare") / "bare.gpkg"
    save_version(
        path,
        {
            "areas": areas.drop(columns=["district_id", "district_name", "province"]),
            "facilities": tables["facilities"],
            "partners": tables["partners"],
            "targets": tables["targets"],
        },
        message="bare",
    )
    return path


def test_cli_maps_a_workspace_without_districts(bare_workspace, tmp_path, capsys):
    from reports.__main__ import main

    for name in ("map.png", "map.html"):
        assert main(["map", "--workspace", str(bare_workspace), "--out", str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 1000
    out = tmp_path / "d.png"
    code = main(
        ["map", "--workspace", str(bare_workspace), "--level", "district", "--out", str(out)]
    )
    assert code == 2 and "no districts" in capsys.readouterr().err and not out.exists()


def test_briefing_without_districts_or_insured_counts(bare_workspace):
    """No "District" column with nothing in it; no "0 least-covered areas": it says why."""
    from geodata.tables.area_columns import fill_area_columns
    from reports.pdf import briefing_html

    tables = read_workspace(bare_workspace)
    tables["areas"] = fill_area_columns(tables["areas"])
    b = build_briefing(tables)
    assert not b.has_insured
    lang = Language("en")
    page = briefing_html(b, lang, region_title="r", source_note="s")
    assert lang.t("table.district") not in page
    assert lang.t("reports.least.heading") in page and lang.t("reports.least.no_insured") in page
    assert "The 0 " not in page and lang.t("reports.least.title", n="0") not in page


def test_facility_count_is_of_the_facilities_inside_the_scope(demo):
    from analytics.access import available_facilities

    tables = demo[2]
    working = available_facilities(tables["facilities"])
    counts = {}
    for scope, scope_id in (("region", None), ("district", DISTRICT), ("partner", PARTNER)):
        b = build_briefing(tables, scope=scope, scope_id=scope_id, month="2026-09")
        inside = working.geometry.within(b.areas.geometry.union_all())
        assert b.n_facilities == int(inside.sum())
        counts[scope] = b.n_facilities
    assert counts["district"] < counts["region"] and counts["partner"] < counts["region"]


@pytest.mark.parametrize(
    ("low", "high"),
    [(0.31, 0.78), (0.55, 0.92), (0.0, 1.0), (0.62, 0.66), (0.9, 1.2), (1.0, 1.0), (0.0, 0.0)],
)
def test_trend_axis_has_round_steps_up_to_100_percent(low, high):
    from reports.figures import percent_ticks

    ticks = percent_ticks(low, high)
    steps = {round(b - a, 4) for a, b in pairwise(ticks)}
    assert len(steps) == 1 and steps <= {0.05, 0.1, 0.2, 0.25}
    assert 2 <= len(ticks) <= 6 and ticks[0] <= max(low, 0) and ticks[-1] >= min(high, 1.0)
    assert ticks[-1] <= 1.0 and ticks[0] >= 0.0
    assert all(abs(t / min(steps) - round(t / min(steps))) < 1e-6 for t in ticks)


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_trend_chart_labels_are_round_and_capped(demo, lang):
    import matplotlib

    from reports.figures import trend_png

    b = build_briefing(demo[2], month="2026-09")
    captured = {}
    real = matplotlib.axes.Axes.set_yticks

    def spy(self, ticks, labels=None, **kwargs):
        captured["ticks"], captured["labels"] = list(ticks), list(labels or [])
        return real(self, ticks, labels, **kwargs)

    matplotlib.axes.Axes.set_yticks = spy
    try:
        trend_png(b.trend, b.targets, Language(lang), month=b.month)
    finally:
        matplotlib.axes.Axes.set_yticks = real
    language = Language(lang)
    assert captured["labels"] == [language.pct(t, 0) for t in captured["ticks"]]
    assert max(captured["ticks"]) <= 1.0
    assert captured["labels"][-1] == language.pct(1.0, 0)  # the target runs to 100 %
