"""AppTest: on the Comoros workspace (roads) the Briefings page offers the access pages'
"measure by" choice (#19) and, in travel time, the briefing PDF's access figures are in minutes
of travel over the roads, as the reader chose them."""

from __future__ import annotations

import pytest

from render.format import fmt_int
from render.i18n import translate
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
