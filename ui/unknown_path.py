"""A path the dashboard serves no page at leads to the Overview with a notice in the reader's
language, instead of Streamlit's English "Page not found".

Streamlit resolves the path the browser asked for (its page name) against the pages that
``st.navigation`` is given; one that matches none gets Streamlit's own English notice and the
default page. :func:`take_unknown_path` looks at that request before ``st.navigation`` runs: a
path no page of this session is served at is dropped from the request (Streamlit then runs the
default page, the Overview, without its notice) and returned, for the page to say so in the
reader's words (:func:`say_not_found`). ``/home`` and ``/overview`` are pages of their own (hidden
ones that lead to the Overview with the link's parameters), so they are not unknown.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from render.i18n import left_to_right
from render.safe import md_escape
from ui.context import Context

__all__ = ["say_not_found", "take_unknown_path"]


def take_unknown_path(served: Iterable[str]) -> str | None:
    """The page path this run was asked for when no page is served at it (``served``: the url
    paths of the session's pages), after dropping it from the request so that Streamlit runs the
    default page; None when the run asks for a served page, a page by its id (a click in the
    menu, a page switch) or none (the root)."""
    run = get_script_run_ctx()
    if run is None:
        return None
    pages = run.pages_manager
    asked = pages.intended_page_name
    if pages.intended_page_script_hash or not asked or asked in set(served):
        return None
    pages.set_script_intent("", "")
    return str(asked)


def say_not_found(ctx: Context, path: str) -> None:
    """Tell the reader, in their language, that no page is at ``path`` and the Overview is shown."""
    shown = left_to_right("/" + path.strip("/"))  # a path reads left to right in any line
    st.info(ctx.t("nav.not_found", path=md_escape(shown)), icon=":material/explore_off:")
