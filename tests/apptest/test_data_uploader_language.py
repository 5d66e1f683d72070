"""The Data page writes its uploader's own words in the reader's language (issue #20)."""

from __future__ import annotations

import streamlit as st

from render.format import fmt_int
from render.i18n import translate
from tests.apptest.helpers import run_page


def test_data_page_uploader_in_persian(on_demo):
    at = run_page("app_pages/data.py", {"lang": "fa"})
    styles = [
        str(h.proto.body)
        for h in at.get("html")
        if "stFileUploaderDropzone" in h.proto.body and h.proto.body.startswith("<style>")
    ]
    assert len(styles) == 1, "one style for the page's uploader"
    (style,) = styles
    assert translate("uploader.button", "fa") in style
    limit = int(st.get_option("server.maxUploadSize"))
    assert translate("uploader.limit", "fa", size=fmt_int(limit, "fa")) in style
    assert "st-key-dm_files_" in style
