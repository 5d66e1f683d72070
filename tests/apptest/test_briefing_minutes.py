"""AppTest: on the Comoros workspace (roads) the Briefings page offers the access pages'
"measure by" choice (#19) and, in travel time, the briefing PDF's access figures are in minutes
of travel over the roads, as the reader chose them."""

from __future__ import annotations

import shlex

import pytest

from render.format import fmt_int
from render.i18n import translate
from reports import __main__ as reports_cli
from tests.apptest.helpers import run_page
from tests.conftest import require
from tests.hardening.downloads import have_pdftotext, pdf_text

PAGE = "app_pages/briefings.py"


@pytest.mark.realdata
def test_comoros_briefing_in_minutes(on_comoros):
    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    at = run_page(PAGE, {"lang": "en", "measure_by": "motorised"})
    assert at.selectbox(key="url_measure_by").value == "motorised"
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pdf, _pages = at.session_state["br_pdf"][1]
    text = " ".join(pdf_text(pdf).split())
    sixty = translate("access.minutes.units.km", "en", min=fmt_int(60, "en"))
    assert f"No hospital within {sixty}:" in text
    assert "No hospital within 10 km" not in text
    assert " ".join(translate("reports.access.by_motorised", "en").split()) in text  # by car


@pytest.mark.realdata
def test_comoros_cli_briefing_in_minutes_equals_the_page(on_comoros, tmp_path):
    """The command the page shows for a briefing in travel time names its mode, and run as
    shown it writes the page's briefing: the same figures, in minutes."""
    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    at = run_page(PAGE, {"lang": "en", "measure_by": "motorised"})
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    page_pdf, _pages = at.session_state["br_pdf"][1]
    command = next(c.value for c in at.code if "-m reports briefing" in c.value)
    assert "--measure motorised" in command

    words = shlex.split(command)
    argv = words[words.index("reports") + 1 :]
    argv[argv.index("--workspace") + 1] = str(on_comoros)
    out = tmp_path / "briefing.pdf"
    argv[argv.index("--out") + 1] = str(out)
    assert reports_cli.main(argv) == 0
    cli_text = " ".join(pdf_text(out.read_bytes()).split())
    assert cli_text == " ".join(pdf_text(page_pdf).split())
    sixty = translate("access.minutes.units.km", "en", min=fmt_int(60, "en"))
    assert f"No hospital within {sixty}:" in cli_text
