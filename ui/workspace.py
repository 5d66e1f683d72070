"""Which workspace this server opens: the ``--workspace`` argument, ``COVERAGE_ATLAS_WORKSPACE``,
or the embedded demo. Below :mod:`ui.context` and :mod:`ui.auth`, which both need it."""

from __future__ import annotations

import argparse
import os
import sys

import streamlit as st

from geodata.sources.workspaces import demo_workspace_path
from geodata.store.workspace import workspace_location


def _workspace_argument() -> str | None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workspace")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known.workspace or os.environ.get("COVERAGE_ATLAS_WORKSPACE") or None


@st.cache_resource(show_spinner=False)
def _demo_path() -> str:
    return str(demo_workspace_path())


def workspace_path() -> str:
    """The workspace this server opens: ``--workspace`` or ``COVERAGE_ATLAS_WORKSPACE`` (a file
    resolved, a ``postgresql://`` URL as is), else the embedded demo."""
    named = _workspace_argument()
    return workspace_location(named) if named else _demo_path()
