"""Coverage Atlas: the only entry point.

streamlit run app.py                          # the embedded synthetic demo region
streamlit run app.py -- --workspace WS.gpkg   # a workspace built from a recipe
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.context import current
from ui.i18n import available_languages, direction
from ui.offline import ensure_vendor_assets

APP_DIR = Path(__file__).parent

st.set_page_config(
    page_title="Coverage Atlas",
    page_icon=str(APP_DIR / "ui" / "assets" / "icon.png"),
    layout="wide",
)
ensure_vendor_assets(APP_DIR)
ctx = current()

# Each url_path equals its file's stem: on a fresh server Streamlit resolves the first request
# against the files in pages/ before st.navigation runs, and a different path shows "Page not found".
pages = [
    st.Page(
        "pages/overview.py",
        title=ctx.t("nav.overview"),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        "pages/coverage_map.py",
        title=ctx.t("nav.coverage_map"),
        icon=":material/map:",
        url_path="coverage_map",
    ),
]
navigation = st.navigation(pages)

with st.sidebar:
    languages = available_languages()
    if len(languages) > 1:
        choice = st.selectbox(
            ctx.t("controls.language"),
            list(languages),
            index=list(languages).index(ctx.lang),
            format_func=languages.get,
            key="language",
        )
        if choice != ctx.lang:
            st.query_params["lang"] = choice
            st.rerun()
    st.caption(ctx.t("sidebar.about"))
st.html(f'<div id="coverage-atlas" data-lang="{ctx.lang}" data-dir="{direction(ctx.lang)}"></div>')
navigation.run()
