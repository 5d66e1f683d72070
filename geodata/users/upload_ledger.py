"""What the dashboard processes of one deployment hold in uploads, per user, in one small table
they share: the per-user upload budget (:mod:`ui.server.uploads`) counts every process.

Each process writes one row per session of its own that holds uploaded bytes (session, user,
bytes) and keeps its rows current: it rewrites them all whenever it admits, settles or lets go of
an upload, and at least every few seconds while it holds any (:meth:`UploadLedger.record`), so a
session that ended (Streamlit drops its files) leaves the ledger within seconds. Rows let go by
themselves when their process is gone: those of a process on this machine whose id no longer
runs at once, and any row not rewritten for ``ttl`` seconds (a process that hangs or died on
another machine). An upload is admitted in one transaction that no other process interleaves
with (:meth:`geodata.users.shared_tables.SharedTable.atomic`): it refreshes the process's rows, sums
the user's bytes over all processes and reserves the file's size, so two processes admitting at
the same moment cannot both take the last of a user's budget.

The table is the PostGIS workspace's (``deployment_uploads``), so the processes of every machine
serving it count together; else ``COVERAGE_ATLAS_UPLOAD_LEDGER``, or a file in the cache folder
per workspace and users file (:func:`ledger_path`) that the processes of this machine serving the
same workspace to the same users share.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Mapping

from geodata.users.shared_tables import Location, SharedTable, Statements, location

SETTING = "COVERAGE_ATLAS_UPLOAD_LEDGER"

_COLUMNS = (
    "process TEXT, host TEXT, pid BIGINT, session TEXT, username TEXT, bytes BIGINT,"
    " seen DOUBLE PRECISION, PRIMARY KEY (process, session)"
)

#: session -> (user, bytes that session holds in this process)
Holdings = Mapping[str, tuple[str, int]]


def ledger_path(workspace: str, users_file: str | None) -> Location:
    """The ledger of the deployment serving ``workspace`` to the users of ``users_file``."""
    return location(users_file, workspace, SETTING, "uploads", beside_users=False)


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
        path: Location,
        *,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.time,
        running: Callable[[int], bool] = _running,
    ) -> None:
        self.table = SharedTable(path, "held", _COLUMNS, workspace_name="uploads")
        self.ttl = ttl
        self.host = socket.gethostname()
        self.pid = os.getpid()
        # Unique to this process's life: a later process with the same id is another one.
        self.process = f"{self.host}:{self.pid}:{secrets.token_hex(4)}"
        self._clock = clock
        self._running = running

    def _forget_gone(self, db: Statements, now: float) -> None:
        db.execute("DELETE FROM {t} WHERE seen < ?", (now - self.ttl,))
        here = db.execute(
            "SELECT DISTINCT process, pid FROM {t} WHERE host = ? AND process <> ?",
            (self.host, self.process),
        ).fetchall()
        for process, pid in here:
            if not self._running(pid):
                db.execute("DELETE FROM {t} WHERE process = ?", (process,))

    def _write(self, db: Statements, holdings: Holdings, now: float) -> None:
        db.execute("DELETE FROM {t} WHERE process = ?", (self.process,))
        for session, (user, size) in holdings.items():
            if size > 0:
                db.execute(
                    "INSERT INTO {t} (process, host, pid, session, username, bytes, seen) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (self.process, self.host, self.pid, session, user, size, now),
                )

    def record(self, holdings: Holdings) -> None:
        """Replace this process's rows by ``holdings`` (sessions holding nothing leave)."""
        now = self._clock()
        with self.table.atomic() as db:
            self._forget_gone(db, now)
            self._write(db, holdings, now)

    def admit(
        self, holdings: Holdings, session: str, user: str, size: int, limit: int
    ) -> tuple[bool, int]:
        """Record ``holdings``, then reserve ``size`` more bytes for ``session`` of ``user`` if
        all the user's sessions, in every process, stay within ``limit``; returns (admitted, the
        bytes the user held before)."""
        now = self._clock()
        with self.table.atomic() as db:  # one admission at a time, across processes
            self._forget_gone(db, now)
            self._write(db, holdings, now)
            held = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM {t} WHERE username = ?", (user,))
            user_held = int(held.fetchone()[0])
            admitted = user_held + size <= limit
            if admitted:
                before = holdings.get(session, (user, 0))[1]
                db.execute(
                    "INSERT INTO {t} (process, host, pid, session, username, bytes, seen) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (process, session) "
                    "DO UPDATE SET bytes = excluded.bytes, seen = excluded.seen",
                    (self.process, self.host, self.pid, session, user, before + size, now),
                )
        return admitted, user_held

    def user_bytes(self, user: str) -> int:
        """What ``user``'s sessions hold in all live processes (for tests and administrators)."""
        now = self._clock()
        with self.table.atomic() as db:
            self._forget_gone(db, now)
            row = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM {t} WHERE username = ?", (user,))
            return int(row.fetchone()[0])
