"""The session's context: which workspace, which version, which language.

Resolved once per rerun from the command line (``streamlit run app.py -- --workspace WS.gpkg``),
the ``COVERAGE_ATLAS_WORKSPACE`` environment variable, or the embedded demo workspace; the language
comes from the ``lang`` URL parameter so that a shared link opens in the same language, and the
calendar of displayed dates from ``cal`` (``gregorian`` / ``jalali``; by default Solar Hijri in
Persian and in a workspace that reports by Solar Hijri months, Gregorian otherwise). The months
periods are grouped and labelled by are the workspace's own (``months``: its reporting calendar,
kept with each version), whatever the reader's calendar. Both are remembered in the session too, so they survive a move to
another page (Streamlit may drop the query string there) and are written back to the URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import streamlit as st

from geodata.sources.demo import DEMO_REGION_NAME, holds_only_demo_data
from geodata.sources.workspaces import is_demo
from geodata.store.layout import Version
from geodata.store.workspace import (
    current_version,
    list_versions,
    version_calendar,
    version_check_seconds,
    version_title,
    workspace_label,
)
from geodata.tables.calendar import key_period
from geodata.tables.problems import DataError
from render.format import CALENDARS, default_calendar
from render.i18n import DEFAULT_LANGUAGE, available_languages
from render.language import Language
from render.mapview import MapView
from render.safe import hide_server_paths
from ui.auth import current_session, may, may_open
from ui.scope import Source, source_key
from ui.workspace import workspace_path


@dataclass(frozen=True)
class Context:
    """What every page needs to know before it asks for data."""

    workspace: str
    version: int
    is_demo: bool
    lang: str
    title: str
    calendar: str = "gregorian"
    role: str = "planner"
    partner_id: str | None = None
    user: str = ""
    signed_in: bool = False
    demo_origin: bool = False  # made by the demo generator (it may hold imports since)
    months: str = "gregorian"  # the workspace's reporting calendar (geodata.tables.calendar)
    username: str = ""  # the signed-in user's name in the users file (the audit trail's user)

    def month(self, value: object) -> str:
        """A reporting month by name in this session's language (:func:`render.format.month_label`)."""
        return self.language.month(value)

    def period(self, key: str) -> pd.Timestamp:
        """The period a link's ``YYYY-MM`` key names in this workspace's calendar."""
        return key_period(key, self.months)

    @property
    def source(self) -> Source:
        """The key every cached loader takes first: the workspace as this session may see it."""
        return source_key(self.workspace, self.partner_id if self.role == "partner" else None)

    def may(self, action: str) -> bool:
        """Whether this session may do ``action`` (see :data:`ui.auth.ACTION_ROLES`)."""
        return may(self.role, action)

    @cached_property
    def language(self) -> Language:
        """This session's language as the documents take it (:class:`render.language.Language`):
        the same texts, numbers and dates in a page, a PDF and an export."""
        return Language(self.lang, self.calendar, self.months)

    @cached_property
    def map_view(self) -> MapView:
        """How this session's maps are shown (:class:`render.mapview.MapView`): counts, labels
        and the scale bar in its language's digits and words; a map sets its own height."""
        return MapView.read_in(self.language)

    def t(self, key: str, **fields: object) -> str:
        """Translate ``key`` into this session's language."""
        return self.language.t(key, **fields)

    def label(self, prefix: str, value: object) -> str:
        """Translate a data value from a vocabulary, or show it as it is when unknown."""
        return self.language.label(prefix, value)


_LANG_STATE = "_ca_lang"
_CAL_STATE = "_ca_calendar"
_MONTHS_STATE = "_ca_months"  # the open workspace's reporting calendar, for set_calendar
_VERSIONS_STATE = "_ca_versions"  # (workspace, newest version) and a shared workspace's versions


def language() -> str:
    """The language in the URL (``?lang=``), else the one this session last used, else English."""
    lang = st.query_params.get("lang")
    if lang in available_languages():
        st.session_state[_LANG_STATE] = lang
        return lang
    remembered = st.session_state.get(_LANG_STATE)
    return remembered if remembered in available_languages() else DEFAULT_LANGUAGE


def calendar(lang: str, months: str | None = None) -> str:
    """The calendar in the URL (``?cal=``), else the one this session last chose, else the
    default for the language and the workspace's months (Solar Hijri for Persian or a Solar Hijri
    workspace)."""
    chosen = st.query_params.get("cal")
    if chosen in CALENDARS:
        st.session_state[_CAL_STATE] = chosen
        return chosen
    remembered = st.session_state.get(_CAL_STATE)
    return remembered if remembered in CALENDARS else default_calendar(lang, months)


def set_language(lang: str) -> None:
    """Switch language: in the session and in the URL (other URL parameters are kept)."""
    st.session_state[_LANG_STATE] = lang
    st.query_params["lang"] = lang


def set_calendar(lang: str, chosen: str) -> None:
    """Switch calendar; the URL names it only when it differs from the default (the language's
    own, or Solar Hijri in a workspace that reports by Solar Hijri months)."""
    st.session_state[_CAL_STATE] = chosen
    if chosen == default_calendar(lang, st.session_state.get(_MONTHS_STATE)):
        st.session_state.pop(_CAL_STATE, None)
        if "cal" in st.query_params:
            del st.query_params["cal"]
    else:
        st.query_params["cal"] = chosen


def keep_in_url(ctx: Context) -> None:
    """Write language and calendar back into the URL when a page move has dropped them."""
    if st.query_params.get("lang") != ctx.lang and (
        ctx.lang != DEFAULT_LANGUAGE or "lang" in st.query_params
    ):
        st.query_params["lang"] = ctx.lang
    wanted = None if ctx.calendar == default_calendar(ctx.lang, ctx.months) else ctx.calendar
    if wanted is None and "cal" in st.query_params:
        del st.query_params["cal"]
    elif wanted is not None and st.query_params.get("cal") != wanted:
        st.query_params["cal"] = wanted


def _versions(path: str) -> list[Version]:
    """All versions of the workspace, read only when its newest version number changed
    (:func:`geodata.store.workspace.current_version`: for a shared PostGIS workspace one small
    query at most once a second, for a GeoPackage one ``stat`` of the file).

    The list read is kept in this session's state, not in a cache shared by every session: it
    is the whole workspace's, read before the session's scope is known, and a shared cache
    holds only what was computed for one scope (tests/hardening/cache_scope.py)."""
    key = (path, current_version(path))
    kept = st.session_state.get(_VERSIONS_STATE)
    if kept is None or kept[0] != key:
        kept = st.session_state[_VERSIONS_STATE] = (key, list_versions(path))
    return kept[1]


def follow_new_versions(ctx: Context) -> None:
    """Keep an open page up to date with its workspace: every few seconds (twice the version
    check, ``COVERAGE_ATLAS_VERSION_CHECK_S``) a small fragment asks for the newest version number
    (for a GeoPackage one ``stat`` of the file, for PostGIS one small query per interval), and when
    another session, server process or command saved a newer one the whole page runs again with
    it, without a reload. Nothing is drawn; a workspace that cannot be read is left as it is (the
    next run reports it)."""
    every = max(1.0, 2 * version_check_seconds())

    @st.fragment(run_every=every)
    def watch() -> None:
        try:
            newest = current_version(ctx.workspace)
        except DataError:
            return
        if newest != ctx.version:
            st.rerun(scope="app")

    watch()


def current() -> Context:
    """The context of this rerun; stops the page with a clear message if the workspace is unusable."""
    lang = language()
    try:
        session = current_session(lang, set_language)
    except DataError as exc:
        logging.getLogger(__name__).error("users file unusable: %s", exc)  # in full, here only
        st.error(Language(lang).t("errors.users_unusable", reason=hide_server_paths(exc)))
        st.stop()
    path = workspace_path()
    try:
        versions = _versions(path)
    except DataError as exc:
        logging.getLogger(__name__).error("workspace unusable: %s", exc)
        # The server's folders are for those who manage its data (and its log).
        reason = str(exc) if may(session.role, "import") else hide_server_paths(exc)
        st.error(Language(lang).t("errors.workspace_unusable", reason=reason))
        st.stop()
    newest = versions[-1]
    origin = is_demo(versions)
    demo = origin and holds_only_demo_data(versions)  # "synthetic" only while nothing imported
    title = version_title(newest, lang) or Path(workspace_label(path)).stem
    if origin:
        title = DEMO_REGION_NAME.get(lang, title)
    months = version_calendar(newest)
    st.session_state[_MONTHS_STATE] = months
    return Context(
        workspace=path,
        version=newest.number,
        is_demo=demo,
        lang=lang,
        title=title,
        calendar=calendar(lang, months),
        role=session.role,
        partner_id=session.partner_id,
        user=session.display_name or session.username,
        signed_in=session.signed_in,
        demo_origin=origin,
        months=months,
        username=session.username,
    )


def require_page(ctx: Context, page: str) -> None:
    """Stop the page (with a message) when this session's role may not open it."""
    if not may_open(ctx.role, page):
        st.error(ctx.t("auth.not_allowed"))
        st.stop()
