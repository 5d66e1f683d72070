"""The audit trail: who signed in (or failed to, or was locked out), downloaded, exported a backup,
imported, restored, reassigned or saved a scenario, in which role and scope, what and when.

It is kept in the workspace, beside the versioned tables but not one of them: the table
``audit_trail`` (an autoincrement ``id``, ``at`` in UTC, ``user``, ``role``, ``scope`` — a
partner id or ``all`` —, ``action`` and ``what``: the object, e.g. a file name, a table and its
rows, a version). No version lists it, so restoring an old version leaves every row in place.

Append-only: this module has :func:`append` and :func:`read`, nothing that changes or removes a
row, and the table itself refuses it — in a GeoPackage, SQLite triggers abort any ``UPDATE`` or
``DELETE``; in PostGIS a statement trigger aborts ``UPDATE``, ``DELETE`` and ``TRUNCATE``.

Writing an event never fails the action it records: a row that cannot be written (a read-only
file, a database that is down) is logged as an error with the whole event, and :func:`append`
returns ``False``. A GeoPackage row is written under the store's write lock, so a version being
saved at the same moment (a copy of the file renamed over it) cannot drop it.
"""

from __future__ import annotations

import getpass
import logging
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from geodata.store import workspace as store
from geodata.store.geopackage import write_lock
from geodata.store.workspace import is_postgis
from geodata.users.accounts import User

TABLE = "audit_trail"
#: Every action the trail records.
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "lockout",
    "download",
    "export",
    "import",
    "restore",
    "reassign",
    "scenario_save",
    "target_set",
    "session_record",
)
COLUMNS = ("id", "at", "user", "role", "scope", "action", "what")
ALL = "all"  # the scope of a role that sees every partner's rows
_TIME = "%Y-%m-%dT%H:%M:%SZ"

_log = logging.getLogger(__name__)

_SQLITE_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
    ' "user" TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, action TEXT NOT NULL,'
    " what TEXT NOT NULL)",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
)


@dataclass(frozen=True)
class Actor:
    """Who does something: user name, role and scope (a partner id, or ``all``)."""

    user: str
    role: str
    scope: str = ALL


def scope_of(role: str, partner_id: str | None) -> str:
    """A session's scope: its partner id for a partner, else ``all``."""
    return str(partner_id) if role == "partner" and partner_id else ALL


def signing_in(user: User | None, typed: str) -> Actor:
    """Who signs in: the user of the users file, or (a name it does not hold) the name typed, with
    no role and no scope."""
    if user is None:
        return Actor(user=str(typed).strip()[:200], role="", scope="")
    return Actor(user=user.username, role=user.role, scope=scope_of(user.role, user.partner_id))


def cli_actor(author: str = "") -> Actor:
    """The person at the command line: ``--author`` if given, else the operating system's user."""
    if not author:
        try:
            author = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name known to the system
            author = ""
    return Actor(user=author, role="cli", scope=ALL)


def now() -> str:
    return datetime.now(UTC).strftime(_TIME)


def append(workspace: str | Path, actor: Actor, action: str, what: str) -> bool:
    """Record one event; ``False`` (and the event in the error log) when it cannot be written."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r} (known: {', '.join(ACTIONS)}).")
    row = (now(), str(actor.user), str(actor.role), str(actor.scope), action, str(what))
    try:
        if is_postgis(workspace):
            _pg_append(str(workspace), row)
        else:
            _gpkg_append(Path(workspace), row)
    except Exception as exc:  # noqa: BLE001 - recording must not undo the action it records
        _log.error(
            "audit event not recorded (%s): %s", exc, dict(zip(COLUMNS[1:], row, strict=True))
        )
        return False
    return True


def restore_version(
    workspace: str | Path,
    number: int,
    *,
    author: str = "",
    message: str | None = None,
    actor: Actor | None = None,
) -> int:
    """Restore version ``number`` (:func:`geodata.store.workspace.restore_version`) and record it as
    ``actor`` (default: the person at the command line); the new version's number."""
    new_number = store.restore_version(workspace, number, author=author, message=message)
    append(
        workspace,
        actor or cli_actor(author),
        "restore",
        f"version {number} restored as version {new_number}",
    )
    return new_number


def record_export(workspace: str | Path, out: str | Path, number: int, *, author: str = "") -> bool:
    """A backup of version ``number`` written to ``out`` at the command line (``python -m geodata
    export``), recorded as the person there: the whole workspace (scope ``all``), which version,
    the file's name and its format."""
    name = Path(out).name
    kind = "zip of GeoJSON and CSV" if name.lower().endswith(".zip") else "GeoPackage"
    return append(workspace, cli_actor(author), "export", f"version {number} to {name} ({kind})")


def read(
    workspace: str | Path,
    *,
    user: str | None = None,
    actions: Iterable[str] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The events, newest first, with :data:`COLUMNS`; ``user`` (exact name), ``actions`` and the
    days ``since`` .. ``until`` (both included, UTC) narrow them. No trail yet: no rows."""
    clauses: list[str] = []
    params: list[object] = []
    if user:
        clauses.append('"user" = ?')
        params.append(user)
    chosen = list(actions or ())
    if chosen:
        clauses.append(f"action IN ({', '.join('?' * len(chosen))})")
        params.extend(chosen)
    if since is not None:
        clauses.append("at >= ?")
        params.append(f"{since.isoformat()}T00:00:00Z")
    if until is not None:
        clauses.append("at < ?")
        params.append(f"{(until + timedelta(days=1)).isoformat()}T00:00:00Z")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    if is_postgis(workspace):
        rows = _pg_read(str(workspace), where, params)
    else:
        rows = _gpkg_read(Path(workspace), where, params)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["id"] = frame["id"].astype("int64")
    return frame


def users(workspace: str | Path) -> list[str]:
    """The user names the trail holds, sorted (for a filter's choices)."""
    return sorted(set(read(workspace)["user"]) - {""})


# GeoPackage: a plain SQLite table in the workspace file.


def _gpkg_append(path: Path, row: tuple[str, ...]) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no workspace at {path}")
    with write_lock(path), closing(sqlite3.connect(path, timeout=30)) as db, db:
        for statement in _SQLITE_SCHEMA:
            db.execute(statement)
        db.execute(
            f'INSERT INTO {TABLE} (at, "user", role, scope, action, what) VALUES (?, ?, ?, ?, ?, ?)',
            row,
        )


def _gpkg_read(path: Path, where: str, params: list[object]) -> list[tuple]:
    if not path.exists():
        return []
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        known = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone()
        if not known:
            return []
        return db.execute(
            f'SELECT id, at, "user", role, scope, action, what FROM {TABLE}{where} ORDER BY id DESC',
            params,
        ).fetchall()


# PostGIS: a table in the workspace's schema.

_pg_ready: set[str] = set()


def _pg_create(conn, schema: str) -> None:  # noqa: ANN001 - a psycopg connection
    from geodata.store.postgis import identifier, statement

    table, guard = identifier(schema, TABLE), identifier(schema, f"{TABLE}_append_only")
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{schema}.{TABLE}"])
        if conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", [schema, TABLE]
        ).fetchone():
            return
        conn.execute(statement("CREATE SCHEMA IF NOT EXISTS {s}", s=identifier(schema)))
        conn.execute(
            statement(
                "CREATE TABLE {t} (id bigserial PRIMARY KEY, at timestamptz NOT NULL,"
                ' "user" text NOT NULL, role text NOT NULL, scope text NOT NULL,'
                " action text NOT NULL, what text NOT NULL)",
                t=table,
            )
        )
        conn.execute(
            statement(
                "CREATE OR REPLACE FUNCTION {g}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$",
                g=guard,
            )
        )
        conn.execute(
            statement(
                "CREATE TRIGGER {n} BEFORE UPDATE OR DELETE OR TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {g}()",
                n=identifier(f"{TABLE}_append_only"),
                t=table,
                g=guard,
            )
        )


def _pg_append(url: str, row: tuple[str, ...]) -> None:
    from geodata.store.postgis import connect, identifier, statement

    with connect(url, autocommit=True) as (conn, target):
        if url not in _pg_ready:
            _pg_create(conn, target.schema)
            _pg_ready.add(url)
        conn.execute(
            statement(
                'INSERT INTO {t} (at, "user", role, scope, action, what) '
                "VALUES (%s::timestamptz, %s, %s, %s, %s, %s)",
                t=identifier(target.schema, TABLE),
            ),
            list(row),
        )


def _pg_read(url: str, where: str, params: list[object]) -> list[tuple]:
    from geodata.store.postgis import connect, identifier, statement

    with connect(url, autocommit=True) as (conn, target):
        if not conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            [target.schema, TABLE],
        ).fetchone():
            return []
        at = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        query = (
            f'SELECT id, {at}, "user", role, scope, action, what FROM {{t}}'
            f"{where.replace('?', '%s')}"
            " ORDER BY id DESC"
        )
        return conn.execute(statement(query, t=identifier(target.schema, TABLE)), params).fetchall()


__all__ = [
    "ACTIONS",
    "ALL",
    "COLUMNS",
    "TABLE",
    "Actor",
    "append",
    "cli_actor",
    "read",
    "scope_of",
    "signing_in",
]
