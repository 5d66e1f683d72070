"""A page's reruns read the workspace's list of versions only when the workspace changed: for a
GeoPackage one ``stat`` of the file tells (the list was read again at every run)."""

from __future__ import annotations

import ui.context
from geodata.store.workspace import list_versions
from tests.apptest.helpers import run_page


def test_reruns_read_the_versions_again_only_after_a_save(monkeypatch, demo_workspace) -> None:
    reads: list[str] = []

    def counted(path):
        reads.append(str(path))
        return list_versions(path)

    monkeypatch.setattr(ui.context, "list_versions", counted)
    at = run_page("app_pages/coverage_map.py")
    first = len(reads)
    assert first >= 1
    for _ in range(3):
        at.run()
        assert not at.exception
    assert len(reads) == first  # three reruns of an unchanged workspace: no read
