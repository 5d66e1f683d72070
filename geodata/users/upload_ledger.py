"""What the dashboard processes of one deployment hold in uploads, per user, in one small SQLite
file they share: the per-user upload budget (:mod:`ui.server.uploads`) counts every process.

Each process writes one row per session of its own that holds uploaded bytes (session, user,
bytes) and keeps its rows current: it rewrites them all whenever it admits, settles or lets go of
an upload, and at least every few seconds while it holds any (:meth:`UploadLedger.record`), so a
session that ended (Streamlit drops its files) leaves the ledger within seconds. Rows let go by
themselves when their process is gone: those of a process on this machine whose id no longer
runs at once, and any row not rewritten for ``ttl`` seconds (a process that hangs or died on
another machine). An upload is admitted in one ``BEGIN IMMEDIATE`` transaction that refreshes the
process's rows, sums the user's bytes over all processes and reserves the file's size: two
processes admitting at the same moment cannot both take the last of a user's budget.

The file is ``COVERAGE_ATLAS_UPLOAD_LEDGER``, else one in the cache folder per workspace and users
file (:func:`ledger_path`): the processes that serve the same workspace to the same users share
it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from geodata.sources.workspaces import cache_dir
from geodata.users import private_sqlite

SETTING = "COVERAGE_ATLAS_UPLOAD_LEDGER"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS held (process TEXT, host TEXT, pid INTEGER, session TEXT, "
    "username TEXT, bytes INTEGER, seen REAL, PRIMARY KEY (process, session))"
)

#: session -> (user, bytes that session holds in this process)
Holdings = Mapping[str, tuple[str, int]]


def ledger_path(workspace: str, users_file: str | None) -> Path:
    """The ledger of the deployment serving ``workspace`` to the users of ``users_file``."""
    named = os.environ.get(SETTING)
    if named:
        return Path(named)
    users = str(Path(users_file).resolve()) if users_file else ""
    digest = hashlib.sha256(f"{workspace}\n{users}".encode()).hexdigest()[:16]
    return cache_dir() / f"uploads-{digest}.sqlite"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True


class UploadLedger:
    """This process's view of the shared ledger at ``path``."""

    def __init__(
        self,
        path: str | Path,
        *,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.time,
        running: Callable[[int], bool] = _running,
    ) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self.host = socket.gethostname()
        self.pid = os.getpid()
        # Unique to this process's life: a later process with the same id is another one.
        self.process = f"{self.host}:{self.pid}:{secrets.token_hex(4)}"
        self._clock = clock
        self._running = running
        private_sqlite.create(self.path, _SCHEMA)

    def _forget_gone(self, db: sqlite3.Connection, now: float) -> None:
        db.execute("DELETE FROM held WHERE seen < ?", (now - self.ttl,))
        here = db.execute(
            "SELECT DISTINCT process, pid FROM held WHERE host = ? AND process <> ?",
            (self.host, self.process),
        ).fetchall()
        for process, pid in here:
            if not self._running(pid):
                db.execute("DELETE FROM held WHERE process = ?", (process,))

    def _write(self, db: sqlite3.Connection, holdings: Holdings, now: float) -> None:
        db.execute("DELETE FROM held WHERE process = ?", (self.process,))
        db.executemany(
            "INSERT INTO held (process, host, pid, session, username, bytes, seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (self.process, self.host, self.pid, session, user, size, now)
                for session, (user, size) in holdings.items()
                if size > 0
            ],
        )

    def record(self, holdings: Holdings) -> None:
        """Replace this process's rows by ``holdings`` (sessions holding nothing leave)."""
        now = self._clock()
        with private_sqlite.connect(self.path) as db:
            db.execute("BEGIN IMMEDIATE")
            self._forget_gone(db, now)
            self._write(db, holdings, now)
            db.execute("COMMIT")

    def admit(
        self, holdings: Holdings, session: str, user: str, size: int, limit: int
    ) -> tuple[bool, int]:
        """Record ``holdings``, then reserve ``size`` more bytes for ``session`` of ``user`` if
        all the user's sessions, in every process, stay within ``limit``; returns (admitted, the
        bytes the user held before)."""
        now = self._clock()
        with private_sqlite.connect(self.path) as db:
            db.execute("BEGIN IMMEDIATE")  # one admission at a time, across processes
            self._forget_gone(db, now)
            self._write(db, holdings, now)
            held = db.execute(
                "SELECT COALESCE(SUM(bytes), 0) FROM held WHERE username = ?", (user,)
            )
            user_held = int(held.fetchone()[0])
            admitted = user_held + size <= limit
            if admitted:
                before = holdings.get(session, (user, 0))[1]
                db.execute(
                    "INSERT OR REPLACE INTO held (process, host, pid, session, username, bytes, seen) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (self.process, self.host, self.pid, session, user, before + size, now),
                )
            db.execute("COMMIT")
        return admitted, user_held

    def user_bytes(self, user: str) -> int:
        """What ``user``'s sessions hold in all live processes (for tests and administrators)."""
        now = self._clock()
        with private_sqlite.connect(self.path) as db:
            db.execute("BEGIN IMMEDIATE")
            self._forget_gone(db, now)
            row = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM held WHERE username = ?", (user,))
            total = int(row.fetchone()[0])
            db.execute("COMMIT")
        return total
