"""The presentation counter reads apart from the month, and ``/overview`` opens the Overview, not
"Page not found". (Every page's whole text is read in tests/apptest/test_reading_pages.py.)"""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from render.i18n import translate
from tests.apptest.helpers import query, run_page
from tests.conftest import ROOT


def test_the_presentation_counter_is_apart_from_the_month(on_demo):
    at = run_page("app_pages/briefings.py", {"lang": "fa", "present": "1", "by": "districts"})
    sub = next(h.proto.body for h in at.get("html") if "ca-present-sub" in h.proto.body)
    # 14 slides: the region, its trend, then the demo's 12 districts.
    assert re.search("۲۰۲۶ — ۱ از ۱۴<", sub), sub


def test_the_overview_path_opens_the_overview_in_the_language_of_the_link(on_demo):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "fa"
    at.run()
    # The browser asks for /overview by name: Streamlit runs the page whose URL path it is, and
    # says "Page not found" (in English) where there is none.
    named = [h for h, page in at._registered_pages.items() if page["url_pathname"] == "overview"]
    assert named, "no page at /overview"
    at._page_hash = named[0]
    at.run()
    assert not at.exception
    assert at.title[0].value == translate("overview.title", "fa")
    assert query(at)["lang"] == "fa"
