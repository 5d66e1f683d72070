"""The cheap check of a shared workspace's newest version (#21): one small query over a kept
connection, at most once per check interval per process, a save through this process seen at
once, and a dropped connection opened again."""

from __future__ import annotations

import time

import pytest

from geodata.store import geopackage, postgis
from geodata.store import workspace as store


@pytest.fixture(scope="module")
def shared(postgis_url: str) -> str:
    from geodata.sources.workspaces import write_demo_workspace

    url = f"{postgis_url}?schema=version_check"
    write_demo_workspace(url)
    return url


def test_the_newest_version_is_asked_at_most_once_per_interval(shared, monkeypatch) -> None:
    asked: list[str] = []
    ask = postgis.newest_version
    monkeypatch.setattr(postgis, "newest_version", lambda url: asked.append(url) or ask(url))
    monkeypatch.setenv(store.VERSION_CHECK_SETTING, "0.5")
    store._forget_newest(shared)
    newest = store.latest_version(shared)
    assert [store.current_version(shared) for _ in range(200)] == [newest] * 200
    assert asked == [shared]  # one query for 200 checks
    # A save through this process is seen at once, whatever the interval.
    monkeypatch.setenv(store.VERSION_CHECK_SETTING, "60")
    saved = store.restore_version(shared, 1, author="test")
    assert store.current_version(shared) == saved == newest + 1
    assert len(asked) == 2


def test_another_process_save_shows_after_the_interval(shared, monkeypatch) -> None:
    monkeypatch.setenv(store.VERSION_CHECK_SETTING, "0.3")
    before = store.current_version(shared)
    saved = store.restore_version(shared, 1, author="another process")
    # As another process sees it: it read the number just before the save.
    store._newest[store.workspace_location(shared)] = (time.monotonic(), before)
    assert store.current_version(shared) == before  # within the interval: no query
    time.sleep(0.35)
    assert store.current_version(shared) == saved


def test_a_dropped_connection_is_opened_again(shared, postgis_url) -> None:
    import psycopg

    newest = postgis.newest_version(shared)
    kept = postgis._KEPT[shared]
    with psycopg.connect(postgis_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [kept.info.backend_pid])
    assert postgis.newest_version(shared) == newest
    assert postgis._KEPT[shared] is not kept


def test_a_missing_workspace_is_a_data_error(postgis_url) -> None:
    with pytest.raises(store.DataError, match="Cannot read the workspace"):
        postgis.newest_version(f"{postgis_url}?schema=no_such_workspace")


def test_a_geopackage_is_read_again_only_when_the_file_changed(
    demo_workspace, tmp_path, monkeypatch
):
    import shutil

    path = tmp_path / "workspace.gpkg"
    shutil.copyfile(demo_workspace, path)
    read: list[str] = []
    table = geopackage._read_versions
    monkeypatch.setattr(geopackage, "_read_versions", lambda p: read.append(str(p)) or table(p))
    newest = store.latest_version(path)
    assert [store.current_version(path) for _ in range(200)] == [newest] * 200
    assert len(read) == 1  # one read of the version table, then one stat per check
    # A save by anyone (another session, the command line) replaces the file: seen at the next check.
    saved = store.restore_version(path, 1, author="another session")
    assert store.current_version(path) == saved == newest + 1
    assert len(read) == 2


def test_the_kept_version_tables_stay_few(demo_workspace, tmp_path) -> None:
    import shutil

    for i in range(geopackage._READ_FILES + 5):
        path = tmp_path / f"copy-{i}.gpkg"
        shutil.copyfile(demo_workspace, path)
        assert store.list_versions(path)
    assert len(geopackage._read) <= geopackage._READ_FILES
    assert str(path) in geopackage._read  # the last one read is kept
