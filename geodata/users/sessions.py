"""Signed-in sessions of the secured front, kept server-side in a small SQLite file.

A session is a random token (256 bits) that the browser holds in a cookie; the file keeps only its
SHA-256 digest, the user name, when it was made and when it was last used. A token is good while it
has been used within ``idle_seconds`` and is younger than ``max_seconds``; every check that finds it
good counts as a use. Signing in always makes a new token (the one the browser held before, if
any, is revoked: the session id rotates at sign-in), and signing out revokes it.

The file lies beside the users file (``users.toml`` → ``users.toml.sessions.sqlite``), or in the
cache folder where that folder cannot be written; ``COVERAGE_ATLAS_SESSIONS`` names another file.
Every process of a deployment that names the same file sees the same sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from geodata.users import private_sqlite

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sessions "
    "(digest TEXT PRIMARY KEY, username TEXT NOT NULL, created REAL NOT NULL, used REAL NOT NULL)"
)

#: Default time-outs: 30 minutes without a request, 12 hours in all.
IDLE_SECONDS = 30 * 60.0
MAX_SECONDS = 12 * 3600.0


def store_path(users_file: str | Path) -> Path:
    """Where the sessions of the deployment using ``users_file`` are kept."""
    return private_sqlite.beside_users_file(users_file, "COVERAGE_ATLAS_SESSIONS", "sessions")


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
    """The signed-in sessions in the SQLite file at ``path``."""

    def __init__(
        self,
        path: str | Path,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_seconds: float = MAX_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.idle_seconds = float(idle_seconds)
        self.max_seconds = float(max_seconds)
        self._clock = clock
        private_sqlite.create(self.path, _SCHEMA)

    def _connect(self) -> closing[sqlite3.Connection]:
        return private_sqlite.connect(self.path)

    def start(self, username: str, previous: str | None = None) -> str:
        """A new token for ``username``; ``previous`` (the token the browser held) is revoked."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            if previous:
                db.execute("DELETE FROM sessions WHERE digest = ?", (session_id(previous),))
            db.execute(
                "DELETE FROM sessions WHERE used < ? OR created < ?",
                (now - self.idle_seconds, now - self.max_seconds),
            )
            db.execute(
                "INSERT INTO sessions (digest, username, created, used) VALUES (?, ?, ?, ?)",
                (session_id(token), username, now, now),
            )
            db.execute("COMMIT")
        return token

    def _touch(self, digest: str) -> str | None:
        now = self._clock()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT username, created, used FROM sessions WHERE digest = ?", (digest,)
            ).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            username, created, used = row
            if now - used >= self.idle_seconds or now - created >= self.max_seconds:
                db.execute("DELETE FROM sessions WHERE digest = ?", (digest,))
                db.execute("COMMIT")
                return None
            db.execute("UPDATE sessions SET used = ? WHERE digest = ?", (now, digest))
            db.execute("COMMIT")
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
            with self._connect() as db:
                db.execute("DELETE FROM sessions WHERE digest = ?", (session_id(token),))

    def end_id(self, session: str | None) -> None:
        """Revoke the session with id ``session`` (signing out in the dashboard, which knows the
        id from the front, not the token)."""
        if session:
            with self._connect() as db:
                db.execute("DELETE FROM sessions WHERE digest = ?", (session,))

    def count(self) -> int:
        """How many sessions are stored (good or not yet cleaned up)."""
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
