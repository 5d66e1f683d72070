"""A page's reruns read the workspace's list of versions only when the workspace changed: for a
GeoPackage one ``stat`` of the file tells (the list was read again at every run), and the run
that finds a new version reads the list once (it was read three times: by the check of the
newest number, for the list of versions, and to find the layers of the version it loads)."""

from __future__ import annotations

import geodata.store.geopackage
from geodata.store.layout import VERSIONS_LAYER
from geodata.store.workspace import read_table, save_version
from tests.apptest.helpers import run_page


def test_reruns_read_the_versions_again_only_after_a_save(monkeypatch, demo_copy) -> None:
    reads: list[str] = []
    read = geodata.store.geopackage._read_settled

    def counted(path, layer, **kwargs):
        if layer == VERSIONS_LAYER:
            reads.append(str(path))
        return read(path, layer, **kwargs)

    monkeypatch.setattr(geodata.store.geopackage, "_read_settled", counted)
    at = run_page("app_pages/coverage_map.py")
    first = len(reads)
    assert first >= 1
    for _ in range(3):
        at.run()
        assert not at.exception
    assert len(reads) == first  # three reruns of an unchanged workspace: no read
    facilities = read_table(demo_copy, "facilities")
    save_version(demo_copy, {"facilities": facilities.iloc[:-1]}, message="one facility fewer")
    saved = len(reads)
    at.run()
    assert not at.exception
    assert len(reads) == saved + 1, reads[saved:]  # the new version: the list read once
