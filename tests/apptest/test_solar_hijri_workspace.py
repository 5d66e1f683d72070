"""A workspace that reports by Solar Hijri months shows them as months, by name, everywhere.

The workspace is the demo's tables with each period moved to the Solar Hijri month that starts in
its Gregorian month (October 2026 → 1 Aban 1405, 23 October 2026), saved with
``calendar = "solar_hijri"``. Every page, in Persian and in English, names its months Mehr / Aban
(مهر / آبان), and no period is shown as a day (۱۴۰۵/۰۸/۰۱, 2026-10-23) or as a Gregorian month.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf import text_format

from geodata.store.workspace import list_versions, read_workspace, save_version
from geodata.tables.calendar import month_start
from render.format import fmt_date, localize_digits
from tests.apptest.helpers import app_pages, run_page
from tests.conftest import ROOT, require

#: The names of the two latest months, by language (the demo ends in October 2026 → Aban 1405).
LATEST = {"en": ("Aban 1405", "Mehr 1405"), "fa": ("آبان ۱۴۰۵", "مهر ۱۴۰۵")}
#: Pages that show no period of the insured counts (facilities and reach only, or the data's
#: files and versions): they must still never show one as a day.
NO_MONTHS = {"app_pages/infrastructure.py", "app_pages/data.py", "app_pages/outreach.py"}


def solar_hijri_tables(path: Path) -> dict[str, pd.DataFrame]:
    """The demo's tables with every period moved to the Solar Hijri month starting in its month."""
    tables = read_workspace(path)
    for name in ("insured", "targets", "utilisation"):
        frame = tables[name].copy()
        # A Solar Hijri month starts between the 19th and the 23rd: the one running on the 28th.
        frame["period"] = month_start(frame["period"] + pd.Timedelta(days=27), "solar_hijri")
        tables[name] = frame
    return tables


@pytest.fixture(scope="module")
def solar_hijri_workspace(demo_workspace, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solar_hijri") / "solar_hijri.gpkg"
    save_version(
        out,
        solar_hijri_tables(demo_workspace),
        message="demo tables by Solar Hijri months",
        author="tests",
        summary={"calendar": "solar_hijri", "title": "Solar Hijri region"},
    )
    assert list_versions(out)[-1].summary["calendar"] == "solar_hijri"
    return out


@pytest.fixture
def on_solar_hijri(solar_hijri_workspace, monkeypatch) -> Path:
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(solar_hijri_workspace))
    return solar_hijri_workspace


#: Plotly keys that hold positions (dates as data), not text a reader sees.
POSITIONS = {"x", "y", "z", "tickvals", "range", "base", "lat", "lon", "ids", "locations"}


def _strings(value: object) -> Iterator[str]:
    """The texts of a Plotly figure: labels, tick texts, hover texts, not its positions."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in POSITIONS:
                yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def page_text(at) -> str:
    """Every text the page shows: elements and widgets (their options as formatted), table
    cells, and the labels, ticks and hover texts of its charts."""
    parts: list[str] = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if children:
            stack.extend(children.values())
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if node.type == "plotly_chart":
            parts.extend(_strings(json.loads(proto.spec)))
            continue
        if node.type in ("dataframe", "table"):
            try:
                parts.append(node.value.to_csv())
            except Exception:  # noqa: BLE001  (a frame Streamlit cannot give back is skipped)
                pass
            continue
        parts.append(text_format.MessageToString(proto, as_utf8=True))
    return "\n".join(parts)


def day_forms(periods: list[pd.Timestamp], lang: str) -> set[str]:
    """A period written as a day (its first day, in either calendar) or as a Gregorian month."""
    forms: set[str] = set()
    for p in periods:
        for calendar in ("jalali", "gregorian"):
            forms.add(fmt_date(p, lang, calendar))
            forms.add(fmt_date(p, "en", calendar))
        forms.add(localize_digits(p.strftime("%b %Y"), lang))
        forms.add(localize_digits(p.strftime("%Y/%m"), lang))
    return forms


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("page", app_pages())
def test_every_page_names_solar_hijri_months(on_solar_hijri, page, lang):
    at = run_page(page, {"lang": lang})
    text = page_text(at)
    if page not in NO_MONTHS:
        assert any(name in text for name in LATEST[lang]), (page, lang)
    periods = sorted(set(read_workspace(on_solar_hijri)["insured"]["period"]))[-3:]
    shown = sorted(form for form in day_forms(periods, lang) if form in text)
    assert not shown, (page, lang, shown)


def pdf_text(pdf: bytes, folder: Path) -> str:
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    path = folder / "briefing.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    )
    # Without the direction marks pdftotext writes around runs of digits and Latin text.
    plain = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", done.stdout)
    return unicodedata.normalize("NFC", re.sub("[ \t]+", " ", plain))


def test_briefing_pdf_from_the_page_names_solar_hijri_months(on_solar_hijri, tmp_path):
    at = run_page("app_pages/briefings.py", {"lang": "en"})
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pdf, _pages = at.session_state["br_pdf"][1]
    text = pdf_text(pdf, tmp_path)
    assert "Aban 1405" in text and "Mehr 1405" in text  # the month, and the change since Mehr
    periods = sorted(set(read_workspace(on_solar_hijri)["insured"]["period"]))[-3:]
    assert not sorted(form for form in day_forms(periods, "en") if form in text)


def test_briefing_pdf_from_the_command_line_takes_a_solar_hijri_month(on_solar_hijri, tmp_path):
    # ``--month 1405-07``, as an Iranian office writes it, is Mehr 1405.
    out = tmp_path / "briefing.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "reports", "briefing", "--workspace", str(on_solar_hijri)]
        + ["--lang", "fa", "--month", "1405-07", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    text = pdf_text(out.read_bytes(), tmp_path)
    # pdftotext writes a right-to-left line in visual order: a separator may fall in between.
    assert re.search("مهر\\W*۱۴۰۵", text), text[:300]
    assert re.search("شهریور\\W*۱۴۰۵", text)  # the change since the month before
    periods = sorted(set(read_workspace(on_solar_hijri)["insured"]["period"]))[-3:]
    assert not sorted(form for form in day_forms(periods, "fa") if form in text)
