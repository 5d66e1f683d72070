"""Parts of a line are separated by a mark that cannot be read as a digit, and ids, names and
commands are isolated from the text around them; the Persian catalog uses منطقه for a district."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from geodata.store.workspace import list_versions, read_workspace
from render.i18n import FSI, LRI, PDI, catalog, isolated, joined, left_to_right, separator
from render.language import Language
from reports.documents import make_briefing, region_title
from reports.mapexport import map_figure, view_frame
from tests.conftest import require
from tests.hardening.downloads import have_pdftotext, pdf_text
from ui.localize import language_style

#: Marks that read as a Persian digit beside Persian digits: the middle dot and the bullet
#: (zero, ۰), the bar and the dental click (one, ۱).
DIGIT_LIKE = re.compile("[·•|ǀ]")


def test_the_persian_separator_cannot_be_read_as_a_digit():
    assert not DIGIT_LIKE.search(separator("fa"))
    assert joined(["(نسخهٔ ۱)", "ماه: مهر ۱۴۰۵"], "fa") == "(نسخهٔ ۱) — ماه: مهر ۱۴۰۵"
    assert joined(["مهر ۱۴۰۵", "", None, "۲ از ۱۲"], "fa") == "مهر ۱۴۰۵ — ۲ از ۱۲"
    assert joined(["Oct 2026", "2 of 12"], "en") == "Oct 2026 · 2 of 12"
    assert joined(["tháng 10/2026", "2 / 12"], "vi") == "tháng 10/2026 · 2 / 12"


def test_ids_and_commands_are_isolated():
    assert isolated("A-12", "fa") == f"{FSI}A-12{PDI}"
    assert isolated("A-12", "en") == "A-12"
    assert left_to_right("python -m reports --lang fa") == f"{LRI}python -m reports --lang fa{PDI}"
    # Code blocks (the Briefings page's command) read left to right in the right-to-left page.
    style = language_style("fa")
    code_rule = style[style.index('[data-testid="stCode"]') :]
    assert "direction: ltr" in code_rule.split("}")[0]
    assert "unicode-bidi: isolate" in code_rule.split("}")[0]


def test_no_persian_text_separates_with_a_digit_like_mark():
    found = {k: v for k, v in catalog("fa").items() if "·" in v or "•" in v}
    assert not found


def test_the_persian_catalog_calls_a_district_mantaqe():
    """منطقه is a district (Tehran's 22), محله a neighbourhood; the whole region is کل محدوده,
    and ناحیه (a sub-district of Tehran) names none of them."""
    fa, en = catalog("fa"), catalog("en")
    assert not {k: v for k, v in fa.items() if "ناحیه" in v}
    for key, text in en.items():
        if re.search(r"\b[Dd]istricts?\b", text) and key.startswith(("reports.", "briefings.")):
            assert "منطقه" in fa[key], (key, fa[key])
    assert fa["reports.scope.region"].startswith("کل محدوده")
    assert fa["reports.scope.district"].startswith("منطقه")


@pytest.fixture(scope="module")
def demo_tables(demo_workspace):
    versions = list_versions(demo_workspace)
    return read_workspace(demo_workspace, versions[-1].number)


def test_the_persian_map_png_date_line_has_no_digit_like_separator(demo_tables):
    month = pd.Timestamp("2026-09-01")
    fig = map_figure(
        view_frame(demo_tables, "district", month),
        metric="coverage",
        lang=Language("fa"),
        place="منطقه ۳",
        month=month,
        source_note="",
        made=dt.date(2026, 10, 5),
        id_column="district_id",
    )
    date_line = fig.texts[1].get_text()
    assert "—" in date_line and not DIGIT_LIKE.search(date_line), date_line


def test_the_persian_briefing_pdf_has_no_digit_like_separator(demo_workspace, demo_tables):
    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    versions = list_versions(demo_workspace)
    fa = Language("fa")
    pdf, _ = make_briefing(
        demo_tables,
        fa,
        title=region_title(str(demo_workspace), versions, fa),
        version=versions[-1].number,
        demo=True,
        scope="district",
        scope_id="D03",
        month="2026-09",
    )
    text = pdf_text(pdf)
    assert "—" in text and not DIGIT_LIKE.search(text)
