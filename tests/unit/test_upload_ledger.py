"""The upload ledger the dashboard processes of one deployment share (#18): a user's sessions in
every process count against one budget, and a process's share lets go when its session ends, when
the process is gone from this machine, or when it has not written for ``ttl`` seconds."""

from __future__ import annotations

from pathlib import Path

from geodata.users.upload_ledger import UploadLedger, ledger_path

MB = 1024 * 1024


def test_processes_share_a_users_budget_and_let_go(tmp_path: Path) -> None:
    now = [1000.0]
    alive = {"a": True}
    path = tmp_path / "uploads.sqlite"
    a = UploadLedger(path, clock=lambda: now[0])
    # Process b sees a's rows (a and b share this test's process id) as a's liveness says.
    b = UploadLedger(path, clock=lambda: now[0], running=lambda pid: alive["a"])
    assert a.admit({"a1": ("ana", 20 * MB)}, "a1", "ana", 10 * MB, 40 * MB) == (True, 20 * MB)
    # b's session of the same user gets only what is left of the budget, another user all of it.
    assert b.admit({}, "b1", "ana", 16 * MB, 40 * MB) == (False, 30 * MB)
    assert b.admit({}, "b1", "ana", 10 * MB, 40 * MB) == (True, 30 * MB)
    assert b.admit({"b1": ("ana", 10 * MB)}, "b2", "bo", 40 * MB, 40 * MB) == (True, 0)
    # a's session ended (its files dropped): a's next rewrite lets its share go.
    a.record({"a1": ("ana", 0)})
    assert b.user_bytes("ana") == 10 * MB
    a.record({"a1": ("ana", 5 * MB)})
    assert b.user_bytes("ana") == 15 * MB
    # a's process is gone from this machine: its rows go at once.
    alive["a"] = False
    assert b.user_bytes("ana") == 10 * MB
    # Rows not rewritten for ttl seconds expire (a process that hangs, or on another machine).
    now[0] += b.ttl + 1
    assert a.user_bytes("bo") == 0


def test_the_processes_of_one_deployment_find_the_same_ledger(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    one = ledger_path(str(tmp_path / "a.gpkg"), str(users))
    assert one == ledger_path(str(tmp_path / "a.gpkg"), str(users))
    assert one != ledger_path(str(tmp_path / "b.gpkg"), str(users))
    assert one != ledger_path(str(tmp_path / "a.gpkg"), None)
    # A PostGIS workspace keeps it: the processes of every machine serving it share it.
    workspace = "postgresql://atlas@db/atlas?schema=a"
    assert ledger_path(workspace, str(users)) == workspace
