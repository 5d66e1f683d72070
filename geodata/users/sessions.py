"""Signed-in sessions of the secured front, kept server-side in a table every app server of the
deployment shares (:mod:`geodata.users.shared_tables`).

A session is a random token (256 bits) that the browser holds in a cookie; the table keeps only its
SHA-256 digest, the user name, when it was made and when it was last used. A token is good while it
has been used within ``idle_seconds`` and is younger than ``max_seconds``; every check that finds it
good counts as a use. Signing in always makes a new token (the one the browser held before, if
any, is revoked: the session id rotates at sign-in), and signing out revokes it.

The table is the PostGIS workspace's (``deployment_sessions``), else a file beside the users file
(``users.toml`` → ``users.toml.sessions.sqlite``); ``COVERAGE_ATLAS_SESSIONS`` names another.
Every process of a deployment that names the same place sees the same sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geodata.users.shared_tables import Location, SharedTable, location

SETTING = "COVERAGE_ATLAS_SESSIONS"
_COLUMNS = (
    "digest TEXT PRIMARY KEY, username TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,"
    " used DOUBLE PRECISION NOT NULL"
)

#: Default time-outs: 30 minutes without a request, 12 hours in all.
IDLE_SECONDS = 30 * 60.0
MAX_SECONDS = 12 * 3600.0


def store_path(users_file: str | Path, workspace: str | Path | None = None) -> Location:
    """Where the sessions of the deployment serving ``workspace`` to ``users_file`` are kept."""
    return location(users_file, workspace, SETTING, "sessions")


def session_id(token: str) -> str:
    """The name a session is known by outside the browser: the digest of its token (showing it
    does not let anyone present the token)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Signed:
    """A good session: whose it is and its id (:func:`session_id`)."""

    username: str
    session: str


class SessionStore:
    """The signed-in sessions kept at ``path`` (a SQLite file or a PostGIS workspace's URL)."""

    def __init__(
        self,
        path: Location,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_seconds: float = MAX_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table = SharedTable(path, "sessions", _COLUMNS)
        self.idle_seconds = float(idle_seconds)
        self.max_seconds = float(max_seconds)
        self._clock = clock

    def start(self, username: str, previous: str | None = None) -> str:
        """A new token for ``username``; ``previous`` (the token the browser held) is revoked."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self.table.atomic() as db:
            if previous:
                db.execute("DELETE FROM {t} WHERE digest = ?", (session_id(previous),))
            db.execute(
                "DELETE FROM {t} WHERE used < ? OR created < ?",
                (now - self.idle_seconds, now - self.max_seconds),
            )
            db.execute(
                "INSERT INTO {t} (digest, username, created, used) VALUES (?, ?, ?, ?)",
                (session_id(token), username, now, now),
            )
        return token

    def _touch(self, digest: str) -> str | None:
        now = self._clock()
        with self.table.atomic() as db:
            row = db.execute(
                "SELECT username, created, used FROM {t} WHERE digest = ?", (digest,)
            ).fetchone()
            if row is None:
                return None
            username, created, used = row
            if now - used >= self.idle_seconds or now - created >= self.max_seconds:
                db.execute("DELETE FROM {t} WHERE digest = ?", (digest,))
                return None
            db.execute("UPDATE {t} SET used = ? WHERE digest = ?", (now, digest))
            return str(username)

    def check(self, token: str | None) -> Signed | None:
        """The session of ``token`` when it is good (the check counts as a use), else ``None``."""
        if not token:
            return None
        digest = session_id(token)
        username = self._touch(digest)
        return None if username is None else Signed(username, digest)

    def check_id(self, session: str | None, username: str) -> bool:
        """Whether the session with id ``session`` is good and ``username``'s (counts as a use):
        the dashboard asks on every run, so an idle or too old session ends there too."""
        if not session:
            return False
        found = self._touch(session)
        return found is not None and found.casefold() == username.casefold()

    def end(self, token: str | None) -> None:
        """Revoke ``token`` (signing out)."""
        if token:
            with self.table.statements() as db:
                db.execute("DELETE FROM {t} WHERE digest = ?", (session_id(token),))

    def end_id(self, session: str | None) -> None:
        """Revoke the session with id ``session`` (signing out in the dashboard, which knows the
        id from the front, not the token)."""
        if session:
            with self.table.statements() as db:
                db.execute("DELETE FROM {t} WHERE digest = ?", (session,))

    def count(self) -> int:
        """How many sessions are stored (good or not yet cleaned up)."""
        with self.table.statements() as db:
            return int(db.execute("SELECT COUNT(*) FROM {t}").fetchone()[0])
