"""Coverage Atlas: the only entry point.

streamlit run app.py                          # the embedded synthetic demo region
streamlit run app.py -- --workspace WS.gpkg   # a workspace built from a recipe
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from streamlit.starlette import App

from render.fonts import ensure_font_assets
from render.i18n import available_languages, direction
from render.language import Language
from render.offline import ensure_vendor_assets
from ui.auth import ask_to_sign_in, configured_users, may_open, sign_out
from ui.context import (
    current,
    follow_new_versions,
    keep_in_url,
    language,
    set_calendar,
    set_language,
)
from ui.grid import start_at_right
from ui.localize import align_metric_rows, language_style, mark_language
from ui.server.serve import keep_server_offline
from ui.server.uploads import UploadBudget, note_session, release_unused, show_refusal
from ui.state import enter_page
from ui.unknown_path import say_not_found, take_unknown_path

APP_DIR = Path(__file__).parent
#: Paths a reader may type or bookmark for the Overview (the default page, served at the root).
OVERVIEW_ALIASES = ("overview", "home")
# No IP look-ups by the server, before it serves anyone (below) and in any other way of serving.
keep_server_offline()


def main() -> None:
    """One run of the dashboard's script."""
    st.set_page_config(
        page_title=Language(language()).t("app.title"),
        page_icon=str(APP_DIR / "render" / "assets" / "icon.png"),
        layout="wide",
    )
    ensure_vendor_assets(APP_DIR)
    ensure_font_assets(APP_DIR)
    ctx = current()
    keep_in_url(ctx)
    st.html(language_style(ctx.lang))
    start_at_right(ctx.lang)
    mark_language(ctx.lang)
    align_metric_rows()
    note_session(ctx.username, ctx.signed_in, ctx.role, ctx.lang)  # whose uploads (budget)
    show_refusal()

    # Each url_path equals its file's stem: on a fresh server Streamlit resolves the first request
    # against the files in app_pages/ before st.navigation runs, and a different path shows "Page not found".
    # The Overview is the default page, served at the root (its own url_path only names it inside
    # Streamlit: the default page cannot be reached by it). ``/overview`` (its file's stem) and
    # ``/home``, typed or bookmarked, are hidden pages that lead there with the link's parameters
    # (language...), instead of Streamlit's English "Page not found".
    overview = st.Page(
        "app_pages/overview.py",
        title=ctx.t("nav.overview"),
        icon=":material/dashboard:",
        url_path="overview_default",
        default=True,
    )

    def to_overview() -> None:
        st.switch_page(overview, query_params=st.query_params.to_dict())

    pages = [
        overview,
        *[
            st.Page(to_overview, title=ctx.t("nav.overview"), url_path=alias, visibility="hidden")
            for alias in OVERVIEW_ALIASES
        ],
        st.Page(
            "app_pages/coverage_map.py",
            title=ctx.t("nav.coverage_map"),
            icon=":material/map:",
            url_path="coverage_map",
        ),
        st.Page(
            "app_pages/gap_analysis.py",
            title=ctx.t("nav.gap_analysis"),
            icon=":material/troubleshoot:",
            url_path="gap_analysis",
        ),
        st.Page(
            "app_pages/infrastructure.py",
            title=ctx.t("access.nav"),
            icon=":material/local_hospital:",
            url_path="infrastructure",
        ),
        st.Page(
            "app_pages/capacity.py",
            title=ctx.t("capacity.nav"),
            icon=":material/bed:",
            url_path="capacity",
        ),
        st.Page(
            "app_pages/partners.py",
            title=ctx.t("partners.nav"),
            icon=":material/handshake:",
            url_path="partners",
        ),
        st.Page(
            "app_pages/outreach.py",
            title=ctx.t("outreach.nav"),
            icon=":material/campaign:",
            url_path="outreach",
        ),
        st.Page(
            "app_pages/briefings.py",
            title=ctx.t("briefings.nav"),
            icon=":material/summarize:",
            url_path="briefings",
        ),
        st.Page(
            "app_pages/data.py",
            title=ctx.t("data.nav"),
            icon=":material/database:",
            url_path="data",
        ),
    ]
    # A role sees only the pages it may open (each page checks again: ui.context.require_page).
    allowed = [p for p in pages if may_open(ctx.role, p.url_path)]
    # Any other typed path opens the Overview with a notice in the reader's language.
    unknown = take_unknown_path(p.url_path for p in allowed)
    navigation = st.navigation(allowed)
    if unknown is not None:
        say_not_found(ctx, unknown)

    with st.sidebar:
        languages = available_languages()
        if len(languages) > 1:
            # The URL decides (a shared link, the back button); the widget follows it. Switching
            # changes only ``lang`` in the URL: the page's own parameters stay.
            st.session_state["language"] = ctx.lang
            st.selectbox(
                ctx.t("controls.language"),
                list(languages),
                format_func=languages.get,
                key="language",
                on_change=lambda: set_language(st.session_state["language"]),
            )
        if ctx.lang == "fa":  # Solar Hijri or Gregorian days: a choice of Persian readers only
            st.session_state["solar_hijri"] = ctx.calendar == "jalali"
            st.toggle(
                ctx.t("controls.solar_hijri"),
                key="solar_hijri",
                help=ctx.t("controls.solar_hijri_help"),
                on_change=lambda: set_calendar(
                    ctx.lang, "jalali" if st.session_state["solar_hijri"] else "gregorian"
                ),
            )
        if ctx.signed_in:
            st.caption(
                ctx.t("auth.signed_in_as", name=ctx.user, role=ctx.t(f"auth.role.{ctx.role}"))
            )
            st.button(ctx.t("auth.sign_out"), on_click=sign_out, key="sign_out")
        elif configured_users() is not None:
            st.button(ctx.t("auth.sign_in"), on_click=ask_to_sign_in, key="ask_sign_in")
        st.caption(ctx.t("sidebar.about"))
        follow_new_versions(ctx)  # a version saved by another server process shows within seconds
    st.html(
        f'<div id="coverage-atlas" lang="{ctx.lang}" dir="{direction(ctx.lang)}" '
        f'data-lang="{ctx.lang}" data-dir="{direction(ctx.lang)}" '
        f'data-calendar="{ctx.calendar}"></div>'
    )
    # Each page keeps its own settings across moves to other pages (ui.state).
    enter_page(navigation.url_path)
    try:
        navigation.run()
    finally:  # uploads no file picker holds any more leave the server's memory
        release_unused()


if __name__ == "__main__":  # a run of the script, for a browser session or an AppTest
    main()
else:
    # `streamlit run app.py` (and ui.server.serve) finds this ASGI app and imports the file to serve
    # it: Streamlit's own server, running this script, but started after keep_server_offline()
    # above, so that no Origin, however early, makes it look up the machine's addresses.
    # Its middleware keeps Streamlit's upload endpoint within a budget (ui.server.uploads).
    app = App(__file__, middleware=[Middleware(UploadBudget)])
