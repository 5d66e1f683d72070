"""A process killed while it appends to the audit trail in place leaves SQLite's rollback journal
beside the workspace; the next reader and the next save roll it back first, so the workspace
still opens, keeps every committed version and never copies half-written pages. Readers that
arrive while an append commits read the workspace as it is, never an error."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from geodata.store.workspace import list_versions, read_table, save_version
from geodata.users import audit
from tests.hardening.kills import areas_table, insured_table

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _killed_in_the_middle_of_an_append(path: Path) -> None:
    """A child writes many audit rows in one transaction, its pages spilling into the file, and
    dies before the commit (as a SIGKILL would leave it)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        db = sqlite3.connect(path)
        db.execute("PRAGMA cache_size = 1")  # spill every changed page into the file at once
        db.execute("BEGIN IMMEDIATE")
        for i in range(3000):
            db.execute(
                f'INSERT INTO {audit.TABLE} (at, "user", role, scope, action, what) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                (audit.now(), "ghost", "planner", "all", "download", "x" * 400 + str(i)),
            )
        os._exit(0)
    os.waitpid(pid, 0)


def test_a_killed_append_is_rolled_back_before_anyone_reads_or_saves(tmp_path: Path) -> None:
    path = tmp_path / "ws.gpkg"
    save_version(
        path, {"areas": areas_table([1, 2, 3, 4]), "insured": insured_table(0)}, message="start"
    )
    assert audit.append(path, audit.cli_actor("ada"), "download", "first.csv")
    _killed_in_the_middle_of_an_append(path)
    assert path.with_name(path.name + "-journal").exists()  # the journal of the dead writer

    assert [v.number for v in list_versions(path)] == [1]
    assert len(read_table(path, "areas")) == 4
    assert audit.read(path)["what"].tolist() == ["first.csv"]  # nothing of the dead append
    save_version(path, {"insured": insured_table(1)}, message="after the kill")
    assert [v.number for v in list_versions(path)] == [1, 2]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_readers_during_appends_always_read_the_workspace(tmp_path: Path) -> None:
    """Another session records sign-ins and downloads while this one reads: GDAL, opening the
    file while an append commits, failed (a "missing" GeoPackage table, a "readonly database")
    and the page said the workspace was not a workspace (3,294 of 3,815 reads in 10 s)."""
    path = tmp_path / "ws.gpkg"
    save_version(
        path, {"areas": areas_table([1, 2, 3, 4]), "insured": insured_table(0)}, message="start"
    )
    done = threading.Event()

    def record() -> None:
        actor = audit.cli_actor("ada")
        while not done.is_set():
            audit.append(path, actor, "download", "areas.csv")

    writer = threading.Thread(target=record)
    writer.start()
    failures: list[str] = []
    reads = 0
    try:
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                assert [v.number for v in list_versions(path)] == [1]
                assert len(read_table(path, "areas")) == 4
                reads += 1
            except Exception as exc:  # noqa: BLE001 - every kind of failure is counted
                failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        done.set()
        writer.join()
    assert len(audit.read(path)) > 10  # the appends did happen while it read
    assert reads > 10 and failures == [], (reads, len(failures), failures[:3])
