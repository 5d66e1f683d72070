"""Where the small tables that every app server of a deployment shares are kept (its signed-in
sessions, its failed sign-ins, what its sessions hold in uploads), and how they are read and
changed atomically.

A deployment whose workspace is a PostGIS database keeps them in the workspace's schema, as
``deployment_<name>`` tables beside the versioned ones (no version lists them, no backup copies
them): app servers on several machines, each behind its own front, then count the same failures,
know the same sessions and add up the same uploads. Any other deployment keeps each in a small
SQLite file on its machine, readable by its owner only: beside the users file
(``users.toml`` → ``users.toml.<name>.sqlite``), or in the cache folder where that folder cannot be
written. An environment variable per table names another file or database URL.

Statements are written once for both (:class:`Statements`): ``?`` placeholders, the table as
``{t}``, column types that both read the same way (``TEXT``, ``BIGINT``, ``DOUBLE PRECISION``) and
``INSERT … ON CONFLICT … DO UPDATE`` for an upsert. :meth:`SharedTable.atomic` runs its statements
as one transaction that no other process or machine interleaves with (SQLite's ``BEGIN
IMMEDIATE``; in PostgreSQL a transaction-scoped advisory lock on the table).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Protocol

from geodata.sources.workspaces import cache_dir
from geodata.store.workspace import is_postgis

#: A SQLite file, or a PostGIS workspace's URL.
Location = str | Path


class Rows(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Statements(Protocol):
    """Runs statements on a shared table: ``?`` placeholders, the table named ``{t}``."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> Rows: ...


def location(
    users_file: str | Path | None,
    workspace: str | Path | None,
    variable: str,
    name: str,
    *,
    beside_users: bool = True,
) -> Location:
    """Where the table ``name`` of the deployment serving ``workspace`` to the users of
    ``users_file`` is kept: what the environment variable ``variable`` names, else the workspace
    when it is a PostGIS database, else a SQLite file beside the users file (``beside_users``), or
    one per workspace and users file in the cache folder (also where the users file's folder
    cannot be written)."""
    named = os.environ.get(variable)
    if named:
        return named if is_postgis(named) else Path(named)
    if workspace is not None and is_postgis(workspace):
        return str(workspace)
    if users_file is not None and beside_users:
        users = Path(users_file).resolve()
        if os.access(users.parent, os.W_OK):
            return users.with_name(f"{users.name}.{name}.sqlite")
    key = f"{workspace or ''}\n{Path(users_file).resolve() if users_file else ''}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.sqlite"


class SharedTable:
    """The table ``name`` at ``where`` (:data:`Location`), made from ``columns`` (the part of
    ``CREATE TABLE`` between its parentheses) when missing; in a PostGIS workspace it is
    ``deployment_<workspace_name>`` (default: ``name``)."""

    def __init__(
        self, where: Location, name: str, columns: str, *, workspace_name: str | None = None
    ) -> None:
        if isinstance(where, str) and is_postgis(where):
            table = f"deployment_{workspace_name or name}"
            self._backend: _Backend = _Postgres(where, table, columns)
        else:
            self._backend = _Sqlite(Path(where), name, columns)

    @contextmanager
    def atomic(self) -> Iterator[Statements]:
        """Statements run as one transaction, one such at a time across every process and
        machine that shares the table."""
        with self._backend.session(atomic=True) as run:
            yield run

    @contextmanager
    def statements(self) -> Iterator[Statements]:
        """Statements run each on its own (for a read, or a single change)."""
        with self._backend.session(atomic=False) as run:
            yield run


class _Backend(Protocol):
    def session(self, *, atomic: bool) -> Any: ...


class _SqliteRun:
    def __init__(self, db: sqlite3.Connection, table: str) -> None:
        self._db, self._table = db, table

    def execute(self, sql: str, params: Sequence[object] = ()) -> Rows:
        return self._db.execute(sql.replace("{t}", self._table), tuple(params))


class _Sqlite:
    def __init__(self, path: Path, table: str, columns: str) -> None:
        self.path, self.table = path, table
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only: what it keeps is nobody else's business.
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        with self._connect() as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")

    def _connect(self) -> closing[sqlite3.Connection]:
        # Autocommit; waits up to 30 s for another process's lock.
        return closing(sqlite3.connect(self.path, timeout=30, isolation_level=None))

    @contextmanager
    def session(self, *, atomic: bool) -> Iterator[Statements]:
        with self._connect() as db:
            if not atomic:
                yield _SqliteRun(db, self.table)
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteRun(db, self.table)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")


class _PostgresRun:
    def __init__(self, conn: Any, table: str) -> None:
        self._conn, self._table = conn, table

    def execute(self, sql: str, params: Sequence[object] = ()) -> Rows:
        return self._conn.execute(sql.replace("{t}", self._table).replace("?", "%s"), list(params))


class _Postgres:
    """One connection per table, kept open (a session's check runs on every request), used by one
    thread at a time; a connection the server closed meanwhile (a restart, an idle time-out) is
    opened again before the transaction starts."""

    def __init__(self, url: str, table: str, columns: str) -> None:
        from geodata.store.postgis import parse_url

        self.url = url
        schema = parse_url(url).schema
        self.table = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
        self._lock_key = f"{schema}.{table}"
        self._guard = threading.Lock()
        self._conn: Any = None
        with self.session(atomic=True) as run:
            run.execute(f"CREATE TABLE IF NOT EXISTS {{t}} ({columns})")

    def _begun(self) -> Any:
        """The connection with a transaction begun on it."""
        import psycopg

        from geodata.store.postgis import open_connection

        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.execute("BEGIN")
                return self._conn
            except psycopg.OperationalError:
                self._conn.close()
        self._conn = open_connection(self.url, autocommit=True)
        self._conn.execute("BEGIN")
        return self._conn

    @contextmanager
    def session(self, *, atomic: bool) -> Iterator[Statements]:
        with self._guard:
            conn = self._begun()
            try:
                if atomic:
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self._lock_key])
                yield _PostgresRun(conn, self.table)
            except BaseException:
                try:
                    conn.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 — the server went away: connect again next time
                    conn.close()
                raise
            conn.execute("COMMIT")
