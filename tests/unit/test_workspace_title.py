"""A workspace keeps its name: a version saved after the first one (an import, targets, sessions
recorded) carries the title on, so pages and briefings are not titled after the file name."""

from __future__ import annotations

from geodata.sources.workspaces import demo_workspace_path
from geodata.store.workspace import list_versions, read_workspace, save_version
from render.language import Language
from reports.documents import region_title


def test_a_later_version_keeps_the_workspace_title(tmp_path):
    demo = demo_workspace_path()
    tables = read_workspace(demo, list_versions(demo)[-1].number)
    path = tmp_path / "tinh_mau_2026.gpkg"
    save_version(path, tables, message="built", summary={"title": "Tỉnh Mẫu"})
    targets = tables["targets"].head(3)
    save_version(path, {"targets": targets}, message="targets set")
    versions = list_versions(path)
    assert len(versions) == 2
    assert versions[-1].summary.get("title") == "Tỉnh Mẫu"
    assert region_title(str(path), versions, Language("vi")) == "Tỉnh Mẫu"
    # A version that names another title takes it.
    save_version(path, {"targets": tables["targets"]}, message="renamed", summary={"title": "B"})
    assert list_versions(path)[-1].summary["title"] == "B"
