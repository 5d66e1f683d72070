"""A process killed while it appends to the audit trail in place leaves SQLite's rollback journal
beside the workspace; the next reader and the next save roll it back first, so the workspace
still opens, keeps every committed version and never copies half-written pages."""

from __future__ import annotations

import os
import sqlite3
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
