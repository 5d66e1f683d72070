"""Failed sign-ins, counted in a small SQLite file that every app server of a deployment shares.

Failures are counted per user name and per client address, outside the dashboard's memory: no
message a client sends (Streamlit's clear-cache included) and no restart resets them, and every app
process that reads the same users file counts into the same file (``BEGIN IMMEDIATE`` makes each
step atomic across threads and processes).

An attempt is *reserved* before its password is checked: :meth:`SignInLimits.begin` counts it as a
failure and says whether it may go ahead, in one transaction; :meth:`SignInLimits.succeeded` takes
it back when the password was right. So however many attempts arrive at once, no more than the
allowed number are ever checked against the password hash.

Back-off: after ``max_failures`` failures for one user name (``client_max_failures`` for one client
address) the name (the address) is locked for ``base_seconds`` after the last failure, and every
further failure doubles that, up to ``max_seconds``. A successful sign-in clears the user name's
failures; failures older than ``forget_after`` seconds are forgotten.

The table is the PostGIS workspace's (``deployment_sign_in_failures``), so app servers on several
machines count together; else a file beside the users file (``users.toml`` →
``users.toml.sign-ins.sqlite``), or in the cache folder where that folder cannot be written;
``COVERAGE_ATLAS_SIGN_INS`` names another (:mod:`geodata.users.shared_tables`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from geodata.users.shared_tables import Location, SharedTable, Statements, location

SETTING = "COVERAGE_ATLAS_SIGN_INS"
_COLUMNS = "key TEXT PRIMARY KEY, count BIGINT NOT NULL, last DOUBLE PRECISION NOT NULL"


def store_path(users_file: str | Path, workspace: str | Path | None = None) -> Location:
    """Where the failed sign-ins of the deployment serving ``workspace`` to ``users_file`` are
    counted."""
    return location(users_file, workspace, SETTING, "sign-ins")


def user_key(username: str) -> str:
    return "user:" + str(username).strip().casefold()


def client_key(address: str) -> str:
    return "client:" + str(address).strip().casefold()


class SignInLimits:
    """Failed sign-ins per user name and per client address, kept at ``path`` (a SQLite file or a
    PostGIS workspace's URL)."""

    def __init__(
        self,
        path: Location,
        *,
        max_failures: int = 5,
        client_max_failures: int = 20,
        base_seconds: float = 30.0,
        max_seconds: float = 900.0,
        forget_after: float = 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table = SharedTable(path, "failures", _COLUMNS, workspace_name="sign_in_failures")
        self.max_failures = max_failures
        self.client_max_failures = client_max_failures
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.forget_after = forget_after
        self._clock = clock

    def _lock_seconds(self, count: int, threshold: int) -> float:
        if count < threshold:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2.0 ** min(count - threshold, 30))

    def _wait(self, db: Statements, key: str, threshold: int, now: float) -> float:
        row = db.execute("SELECT count, last FROM {t} WHERE key = ?", (key,)).fetchone()
        if row is None or now - row[1] >= self.forget_after:
            return 0.0
        return max(0.0, row[1] + self._lock_seconds(row[0], threshold) - now)

    def _keys(self, username: str, client: str | None) -> list[tuple[str, int]]:
        keys = [(user_key(username), self.max_failures)]
        if client:
            keys.append((client_key(client), self.client_max_failures))
        return keys

    def seconds_locked(self, username: str, client: str | None = None) -> float:
        """How long ``username`` (or ``client``) stays locked (0: it may try now)."""
        now = self._clock()
        with self.table.statements() as db:
            return max(self._wait(db, k, t, now) for k, t in self._keys(username, client))

    def begin(self, username: str, client: str | None = None) -> float:
        """Reserve one attempt: 0 when its password may be checked (it counts as a failure until
        :meth:`succeeded`), else the seconds the user name or client stays locked (nothing counted).
        """
        now = self._clock()
        with self.table.atomic() as db:  # one attempt at a time, across processes and machines
            keys = self._keys(username, client)
            wait = max(self._wait(db, k, t, now) for k, t in keys)
            if wait > 0:
                return wait
            for key, _ in keys:
                row = db.execute("SELECT count, last FROM {t} WHERE key = ?", (key,)).fetchone()
                count = 0 if row is None or now - row[1] >= self.forget_after else row[0]
                db.execute(
                    "INSERT INTO {t} (key, count, last) VALUES (?, ?, ?) ON CONFLICT (key)"
                    " DO UPDATE SET count = excluded.count, last = excluded.last",
                    (key, count + 1, now),
                )
            db.execute("DELETE FROM {t} WHERE last < ?", (now - self.forget_after,))
            return 0.0

    def succeeded(self, username: str, client: str | None = None) -> None:
        """The reserved attempt had the right password: clear the user name's failures and take
        the attempt back from the client's (its earlier failures still count)."""
        with self.table.atomic() as db:
            db.execute("DELETE FROM {t} WHERE key = ?", (user_key(username),))
            if client:
                db.execute(
                    "UPDATE {t} SET count = count - 1 WHERE key = ? AND count > 0",
                    (client_key(client),),
                )

    def clear(self, username: str) -> None:
        """Forget ``username``'s failures (an administrator unlocking a name)."""
        with self.table.statements() as db:
            db.execute("DELETE FROM {t} WHERE key = ?", (user_key(username),))

    def counts(self) -> dict[str, int]:
        """Every key with its failure count (for tests and administrators)."""
        with self.table.statements() as db:
            return {
                key: int(count)
                for key, count in db.execute("SELECT key, count FROM {t}").fetchall()
            }
