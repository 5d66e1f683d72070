"""AppTest runs like a server that has already served its first request.

Streamlit keeps a process-wide flag for the old ``pages/``-folder mode. A server turns it off for
good at its first ``st.navigation`` (``ui.context`` reruns once to get there). AppTest sets it
again before every run, so each run would start with that one-off rerun — which swallows a button
click. Here the flag stays off, as on a running server.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def server_past_first_request(monkeypatch):
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def on_demo(demo_workspace, monkeypatch):
    """Pages open the embedded demo workspace."""
    monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
    return demo_workspace


@pytest.fixture
def on_tehran(tehran_workspace, monkeypatch):
    """Pages open the workspace built from the Tehran recipe (real data)."""
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(tehran_workspace))
    return tehran_workspace


@pytest.fixture
def on_comoros(comoros_workspace, monkeypatch):
    """Pages open the workspace built from the Comoros recipe (hexagons from a population raster)."""
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(comoros_workspace))
    return comoros_workspace
