"""The session's context: which workspace, which version, which language.

Resolved once per rerun from the command line (``streamlit run app.py -- --workspace WS.gpkg``),
the ``COVERAGE_ATLAS_WORKSPACE`` environment variable, or the embedded demo workspace; the language
comes from the ``lang`` URL parameter so that a shared link opens in the same language.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geodata.problems import DataError
from geodata.store import list_versions
from geodata.workspaces import demo_workspace_path, is_demo
from ui.i18n import DEFAULT_LANGUAGE, available_languages, translate, translate_value


@dataclass(frozen=True)
class Context:
    """What every page needs to know before it asks for data."""

    workspace: str
    version: int
    is_demo: bool
    lang: str
    title: str

    def t(self, key: str, **fields: object) -> str:
        """Translate ``key`` into this session's language."""
        return translate(key, self.lang, **fields)

    def label(self, prefix: str, value: object) -> str:
        """Translate a data value from a vocabulary, or show it as it is when unknown."""
        return translate_value(prefix, value, self.lang)


def _workspace_argument() -> str | None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workspace")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known.workspace or os.environ.get("COVERAGE_ATLAS_WORKSPACE") or None


@st.cache_resource(show_spinner=False)
def _demo_path() -> str:
    return str(demo_workspace_path())


def language() -> str:
    """The language in the URL (``?lang=``), or English when absent or unknown."""
    lang = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in available_languages() else DEFAULT_LANGUAGE


def current() -> Context:
    """The context of this rerun; stops the page with a clear message if the workspace is unusable."""
    lang = language()
    named = _workspace_argument()
    path = str(Path(named).resolve()) if named else _demo_path()
    try:
        versions = list_versions(path)
    except DataError as exc:
        st.error(translate("errors.workspace_unusable", lang, reason=str(exc)))
        st.stop()
    newest = versions[-1]
    title = str(newest.summary.get("title") or Path(path).stem)
    return Context(
        workspace=path,
        version=newest.number,
        is_demo=is_demo(versions),
        lang=lang,
        title=title,
    )
