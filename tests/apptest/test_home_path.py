"""A typed or bookmarked ``/home`` or ``/overview`` leads to the Overview in the reader's language,
not to Streamlit's English "Page not found" (issue #20).

AppTest cannot open a URL path, so the browser's first request is played as Streamlit receives
it: no page hash, the path's page name."""

from __future__ import annotations

import pytest
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from render.i18n import translate
from tests.apptest.helpers import ROOT


@pytest.mark.parametrize("path", ["home", "overview"])
def test_typed_path_leads_to_the_overview(on_demo, monkeypatch, path):
    not_found = []
    monkeypatch.setattr(navigation, "send_page_not_found", not_found.append)
    intent = PagesManager.set_script_intent
    first = [True]

    def as_typed(self, page_script_hash, page_name):
        if first[0]:  # the browser's request for /<path>
            first[0] = False
            page_script_hash, page_name = "", path
        intent(self, page_script_hash, page_name)

    monkeypatch.setattr(PagesManager, "set_script_intent", as_typed)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "fa"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not first[0], "the typed path was requested"
    assert not not_found, "Streamlit's English 'Page not found'"
    assert at.title[0].value == translate("overview.title", "fa")


@pytest.mark.parametrize(("lang", "word"), [("fa", "وجود ندارد"), ("vi", "Không có trang")])
def test_unknown_path_leads_to_the_overview_with_a_notice_in_the_readers_language(
    on_demo, monkeypatch, lang, word
):
    """Any other path (a mistyped or old link) opens the Overview and says so in the reader's
    words, not with Streamlit's English 'Page not found'."""
    not_found = []
    monkeypatch.setattr(navigation, "send_page_not_found", not_found.append)
    intent = PagesManager.set_script_intent
    first = [True]

    def as_typed(self, page_script_hash, page_name):
        if first[0]:  # the browser's request for /nowhere
            first[0] = False
            page_script_hash, page_name = "", "nowhere"
        intent(self, page_script_hash, page_name)

    monkeypatch.setattr(PagesManager, "set_script_intent", as_typed)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not not_found, "Streamlit's English 'Page not found'"
    assert at.title[0].value == translate("overview.title", lang)
    (notice,) = [t.value for t in at.info if "/nowhere" in t.value]
    assert word in notice
