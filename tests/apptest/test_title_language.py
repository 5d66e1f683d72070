"""The page header names the workspace in the reader's language where the workspace has its
title in it, else as given, escaped (issue #20)."""

from __future__ import annotations

from geodata.store.workspace import list_versions, read_workspace, save_version
from tests.apptest.helpers import run_page


def test_header_title_in_the_readers_language(demo_workspace, tmp_path, monkeypatch):
    tables = read_workspace(demo_workspace, list_versions(demo_workspace)[-1].number)
    path = tmp_path / "tehran.gpkg"
    titles = {"title": "Tehran *neighbourhoods*", "titles": {"fa": "محله‌های تهران"}}
    save_version(path, tables, message="built", summary=titles)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    fa = run_page("app_pages/overview.py", {"lang": "fa"})
    assert any("محله‌های تهران" in c.value for c in fa.caption), [c.value for c in fa.caption]
    vi = run_page("app_pages/overview.py", {"lang": "vi"})
    lines = [c.value for c in vi.caption if "Tehran" in c.value]
    assert lines and all("Tehran \\*neighbourhoods\\*" in line for line in lines), lines
