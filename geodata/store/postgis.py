"""The workspace store in PostgreSQL + PostGIS, for deployments where several people share one.

A workspace is named by a URL, ``postgresql://user[:password]@host[:port]/database``, optionally
with ``?schema=NAME`` (default ``public``) so that one database can hold several workspaces; any
other parameter is passed to libpq (``sslmode=require`` …). The layout mirrors the GeoPackage one
(:mod:`geodata.store.geopackage`, :mod:`geodata.store.layout`), inside that schema:

- ``<table>__v<N>`` tables hold the rows of a table as saved by version N: a hidden ``__row``
  primary key (the row order), one column per frame column, and for tables with geometry a
  ``geometry geometry(Geometry, 4326)`` column with a GiST index. Known columns get the type of
  their kind (``bigint`` counts, ``double precision`` numbers, ``date``, ``boolean``, ``text``);
  other columns a type from their values.
- ``workspace_versions`` lists the versions: ``version``, ``created_at`` (timestamptz),
  ``author``, ``message``, ``layers`` and ``summary`` (``json``, which keeps key order).

A table per version rather than one table with a version column: a table's columns may differ
between versions (extra columns are kept as data), an unchanged table is reused by name exactly as
in the GeoPackage, every version's rows stay an ordinary table one can query, and nothing is ever
updated or deleted once written.

Each save is one transaction, serialised per workspace by ``pg_advisory_xact_lock``: the next
version number, the new tables, their rows (``COPY``), their indexes and the version record are
committed together or not at all. A writer killed mid-save leaves nothing (the server rolls its
transaction back when the connection drops); a concurrent writer waits for the lock, then sees the
version just committed. Readers never lock: a version's tables never change once committed.

The façade :mod:`geodata.store.workspace` reads and saves through this module, and the audit trail
(:mod:`geodata.users.audit`) keeps its table beside the workspace through :func:`connect`,
:func:`identifier` and :func:`statement`; it needs ``psycopg`` (3), imported on first use.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.store.layout import VERSIONS_LAYER, Version, prepare_for_storage, restore_types
from geodata.tables.problems import DataError
from geodata.tables.schema import STORAGE_CRS, STORED_TABLES

SRID = 4326
ROW = "__row"
GEOMETRY = "geometry"
CONNECT_TIMEOUT_S = 10
# Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer ones would be cut silently.
MAX_NAME_BYTES = 63

_KIND_TYPES = {
    "count": "bigint",
    "number": "double precision",
    "fraction": "double precision",
    "date": "date",
    "bool": "boolean",
    "id": "text",
    "text": "text",
}


@dataclass(frozen=True)
class Target:
    """A parsed workspace URL: what to connect to and which schema holds the workspace."""

    conninfo: str
    schema: str
    label: str


def parse_url(url: str) -> Target:
    """Split ``?schema=`` off a workspace URL; the rest is a libpq connection URI."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    schema = schemas[-1] if schemas else "public"
    if not schema:
        raise DataError(f"{safe_url(url)}: the schema= parameter is empty.")
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment))
    return Target(conninfo=conninfo, schema=schema, label=safe_url(url))


def safe_url(url: str) -> str:
    """The URL with any password left out (for messages, titles and logs)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.password is None and not any(k == "password" for k, _ in query):
        return url
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}@{netloc.rpartition('@')[2]}"
    kept = urlencode([(k, v) for k, v in query if k != "password"], safe=",/")
    return urlunsplit((parts.scheme, netloc, parts.path, kept, parts.fragment))


def _lock_key(schema: str) -> int:
    digest = hashlib.sha256(f"coverage-atlas:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _open(target: Target, *, autocommit: bool) -> Any:
    """A new connection to ``target``; a :class:`DataError` that names it when none opens."""
    import psycopg

    try:
        return psycopg.connect(
            target.conninfo,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="coverage-atlas",
        )
    except psycopg.OperationalError as exc:
        raise DataError(
            f"Cannot open the workspace database {target.label}: {_reason(exc)}"
        ) from None


def open_connection(url: str, *, autocommit: bool) -> Any:
    """A new connection to the workspace database at ``url``, for the caller to close."""
    return _open(parse_url(url), autocommit=autocommit)


@contextmanager
def connect(url: str, *, autocommit: bool) -> Iterator[tuple[Any, Target]]:
    """A connection to the workspace database at ``url`` and its parsed target, closed afterwards."""
    target = parse_url(url)
    conn = _open(target, autocommit=autocommit)
    try:
        yield conn, target
    finally:
        conn.close()


def identifier(*names: str) -> Any:
    """A quoted SQL identifier (``schema.table`` when given two names)."""
    from psycopg import sql

    return sql.Identifier(*names)


def statement(text: str, **parts: Any) -> Any:
    """A SQL statement with its ``{name}`` parts (identifiers) filled in safely."""
    from psycopg import sql

    return sql.SQL(text).format(**parts)


def _has_versions_table(conn: Any, target: Target) -> bool:
    found = conn.execute(
        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = %s",
        [target.schema, VERSIONS_LAYER],
    ).fetchone()
    return found is not None


def _versions(conn: Any, target: Target, *, allow_empty: bool = False) -> list[Version]:
    import psycopg

    if not _has_versions_table(conn, target):
        raise DataError(
            f"{target.label} is not a Coverage Atlas workspace (no version table in schema "
            f"{target.schema!r})."
        )
    try:
        rows = conn.execute(
            statement(
                "SELECT version, created_at, author, message, layers::text, summary::text "
                "FROM {table} ORDER BY version",
                table=identifier(target.schema, VERSIONS_LAYER),
            )
        ).fetchall()
    except psycopg.errors.UndefinedColumn:
        raise DataError(
            f"{target.label} is not a Coverage Atlas workspace (its {VERSIONS_LAYER} table has "
            "other columns)."
        ) from None
    if not rows and not allow_empty:
        raise DataError(f"{target.label} is not a Coverage Atlas workspace (no versions yet).")
    return [
        Version(
            number=int(number),
            created_at=created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            author=author or "",
            message=message or "",
            layers=json.loads(layers),
            summary=json.loads(summary),
        )
        for number, created, author, message, layers, summary in rows
    ]


def list_versions(url: str) -> list[Version]:
    """All versions of the workspace at ``url``, oldest first."""
    with reader(url) as found:
        return found.versions()


#: One kept connection per workspace URL for :func:`newest_version`, with its lock (the
#: server's threads share it; a connection serves one query at a time).
_KEPT: dict[str, Any] = {}
_KEPT_LOCK = threading.Lock()


def newest_version(url: str) -> int:
    """The newest version number of the workspace at ``url``: one small query
    (``SELECT max(version)``) over a connection kept open between calls, opened again when it
    broke. What a server asks often to learn that another process saved a version."""
    import psycopg

    target = parse_url(url)
    query = statement(
        "SELECT max(version) FROM {table}", table=identifier(target.schema, VERSIONS_LAYER)
    )
    with _KEPT_LOCK:
        for attempt in (1, 2):
            conn = _KEPT.get(url)
            if conn is None or conn.closed:
                conn = _KEPT[url] = _open(target, autocommit=True)
            try:
                found = conn.execute(query).fetchone()
            except psycopg.OperationalError as exc:  # the server restarted, the link dropped
                _KEPT.pop(url, None).close()
                if attempt == 2:
                    raise DataError(
                        f"Cannot read the workspace {target.label}: {_reason(exc)}"
                    ) from None
                continue
            except psycopg.Error as exc:
                raise DataError(
                    f"Cannot read the workspace {target.label}: {_reason(exc)}"
                ) from None
            if found is None or found[0] is None:
                raise DataError(
                    f"{target.label} is not a Coverage Atlas workspace (no versions yet)."
                )
            return int(found[0])
    raise AssertionError("unreachable")


class Reader:
    """Reads versions and layers over one connection (for :func:`geodata.store.workspace.read_workspace`)."""

    def __init__(self, conn: Any, target: Target) -> None:
        self.conn = conn
        self.target = target

    def versions(self) -> list[Version]:
        return _versions(self.conn, self.target)

    def read(self, layer: str, table: str) -> pd.DataFrame:
        return _read_layer(self.conn, self.target, layer, table)


@contextmanager
def reader(url: str) -> Iterator[Reader]:
    """A :class:`Reader` on its own connection, closed afterwards."""
    import psycopg

    with connect(url, autocommit=True) as (conn, target):
        try:
            yield Reader(conn, target)
        except psycopg.Error as exc:
            raise DataError(f"Cannot read the workspace {target.label}: {_reason(exc)}") from None


# --- reading -------------------------------------------------------------------------------------


def _columns(conn: Any, target: Target, layer: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [target.schema, layer],
    ).fetchall()
    if not rows:
        raise DataError(f"{target.label}: the table {layer} of this workspace is missing.")
    return [(name, kind) for name, kind in rows if name != ROW]


def _read_layer(conn: Any, target: Target, layer: str, table: str) -> pd.DataFrame:
    from psycopg import sql

    schema = STORED_TABLES[table]
    columns = _columns(conn, target, layer)
    selected = [
        sql.SQL("ST_AsBinary({})").format(sql.Identifier(name))
        if kind.startswith("geometry")
        else sql.Identifier(name)
        for name, kind in columns
    ]
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(selected), sql.Identifier(target.schema, layer), sql.Identifier(ROW)
    )
    rows = conn.execute(query).fetchall()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    data: dict[str, pd.Series] = {}
    geometry = None
    for (name, kind), column in zip(columns, values, strict=True):
        if kind.startswith("geometry"):
            if schema.geometry is not None:
                geometry = gpd.GeoSeries(
                    shapely.from_wkb([None if v is None else bytes(v) for v in column]),
                    crs=STORAGE_CRS,
                )
            continue
        data[name] = _series(list(column), kind)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    if geometry is not None:
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_CRS)
    return restore_types(frame, table)


def _series(values: list[Any], kind: str) -> pd.Series:
    """A column as read from the database, in the dtype a GeoPackage read gives the same values."""
    missing = [v is None for v in values]
    if kind in ("bigint", "integer", "smallint"):
        if any(missing):
            return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
        return pd.Series(values, dtype="int64")
    if kind in ("double precision", "real", "numeric"):
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == "boolean":
        return pd.Series(values, dtype="boolean" if any(missing) else "bool")
    if kind == "date":
        return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
    if not values:
        return pd.Series([], dtype=object)
    return pd.Series(values)


# --- writing -------------------------------------------------------------------------------------


class Session:
    """One save in progress, inside a transaction (see :func:`new_version`)."""

    def __init__(self, conn: Any, target: Target, previous: list[Version]) -> None:
        self.conn = conn
        self.target = target
        self.previous = previous

    def read(self, layer: str, table: str) -> pd.DataFrame:
        return _read_layer(self.conn, self.target, layer, table)

    def write(self, layer: str, table: str, frame: pd.DataFrame) -> None:
        _write_layer(self.conn, self.target, layer, table, frame)

    def count(self, layer: str) -> int:
        row = self.conn.execute(
            statement("SELECT count(*) FROM {table}", table=identifier(self.target.schema, layer))
        ).fetchone()
        return int(row[0])

    def append(self, record: Mapping[str, object]) -> None:
        self.conn.execute(
            statement(
                "INSERT INTO {table} (version, created_at, author, message, layers, summary) "
                "VALUES (%(version)s, %(created_at)s::timestamptz, %(author)s, %(message)s, "
                "%(layers)s::json, %(summary)s::json)",
                table=identifier(self.target.schema, VERSIONS_LAYER),
            ),
            dict(record),
        )


@contextmanager
def new_version(url: str) -> Iterator[Session]:
    """Open a transaction holding the workspace's write lock; commit when the block completes.

    The workspace tables are created on the first save. An exception rolls everything back, and so
    does the server when the writing process dies.
    """
    import psycopg

    with connect(url, autocommit=False) as (conn, target):
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(target.schema)])
                _require_postgis(conn, target)
                if _has_versions_table(conn, target):
                    previous = _versions(conn, target, allow_empty=True)
                else:
                    _create_workspace(conn, target)
                    previous = []
                yield Session(conn, target, previous)
        except psycopg.Error as exc:  # nothing was saved: the transaction was rolled back
            raise DataError(f"Could not save to {target.label}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _require_postgis(conn: Any, target: Target) -> None:
    import psycopg

    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    try:
        with conn.transaction():  # a savepoint: a refusal leaves the transaction usable
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error:
        raise DataError(
            f"{target.label}: the database has no PostGIS. As a superuser, run "
            "CREATE EXTENSION postgis; in it (Debian: apt-get install postgresql-postgis)."
        ) from None


def _create_workspace(conn: Any, target: Target) -> None:
    conn.execute(
        statement("CREATE SCHEMA IF NOT EXISTS {schema}", schema=identifier(target.schema))
    )
    conn.execute(
        statement(
            "CREATE TABLE {table} (version integer PRIMARY KEY, created_at timestamptz NOT NULL, "
            "author text NOT NULL, message text NOT NULL, layers json NOT NULL, "
            "summary json NOT NULL)",
            table=identifier(target.schema, VERSIONS_LAYER),
        )
    )


def _check_name(target: Target, table: str, name: str) -> None:
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise DataError(
            f"{target.label}: the column name {name!r} of table {table} is too long for "
            f"PostgreSQL (at most {MAX_NAME_BYTES} bytes); rename it."
        )
    if name == ROW:
        raise DataError(f"{target.label}: table {table} may not have a column named {ROW!r}.")


def _write_layer(conn: Any, target: Target, layer: str, table: str, frame: pd.DataFrame) -> None:
    from psycopg import sql

    schema = STORED_TABLES[table]
    geometry = None
    if isinstance(frame, gpd.GeoDataFrame):
        geometry = frame.geometry.to_numpy()
        plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    else:
        plain = pd.DataFrame(frame)
    if schema.geometry is None:
        geometry = None  # an attribute table: geometry is not read back, so not kept
    _check_name(target, table, layer)
    specs: list[tuple[str, str, list[Any]]] = []
    for name in plain.columns:
        name = str(name)
        _check_name(target, table, name)
        if name == GEOMETRY and geometry is not None:
            raise DataError(f"{target.label}: table {table} has two geometry columns.")
        kind, values = _column_values(plain[name], schema.kinds.get(name))
        specs.append((name, kind, values))
    if geometry is not None:
        with_srid = shapely.set_srid(geometry, SRID)
        wkb = shapely.to_wkb(with_srid, hex=True, include_srid=True)
        specs.append((GEOMETRY, f"geometry(Geometry, {SRID})", list(wkb)))

    definition = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(ROW))] + [
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind, _ in specs
    ]
    qualified = sql.Identifier(target.schema, layer)
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(qualified, sql.SQL(", ").join(definition)))
    names = sql.SQL(", ").join(sql.Identifier(n) for n in [ROW, *(s[0] for s in specs)])
    columns = [s[2] for s in specs]
    with conn.cursor() as cur:
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(qualified, names)) as copy:
            for number, row in enumerate(zip(*columns, strict=True)):
                copy.write_row((number, *row))
            if not columns:  # a table with no columns still keeps its row count
                for number in range(len(plain)):
                    copy.write_row((number,))
    if geometry is not None:
        conn.execute(
            sql.SQL("CREATE INDEX {} ON {} USING gist ({})").format(
                sql.Identifier(f"{layer}_geometry_idx"[:MAX_NAME_BYTES]),
                qualified,
                sql.Identifier(GEOMETRY),
            )
        )
    conn.execute(sql.SQL("ANALYZE {}").format(qualified))


def _column_values(values: pd.Series, kind: str | None) -> tuple[str, list[Any]]:
    """The SQL type of a column and its values as plain Python objects (``None`` when missing).

    A known column gets its kind's type when its values convert; anything else is stored the way
    the GeoPackage stores it (booleans as integers, dates as ISO text), so that both backends read
    back the same frame.
    """
    if kind is not None:
        try:
            return _KIND_TYPES[kind], _typed_values(values, _KIND_TYPES[kind])
        except (TypeError, ValueError):
            pass
    values = prepare_for_storage(values.to_frame())[values.name]
    if pd.api.types.is_bool_dtype(values.dtype) and not isinstance(values.dtype, pd.BooleanDtype):
        return "boolean", _typed_values(values, "boolean")
    if pd.api.types.is_integer_dtype(values.dtype):
        return "bigint", _typed_values(values, "bigint")
    if pd.api.types.is_float_dtype(values.dtype):
        return "double precision", _typed_values(values, "double precision")
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "integer":
        return "bigint", _typed_values(values, "bigint")
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return "double precision", _typed_values(values, "double precision")
    if inferred == "boolean":
        return "boolean", _typed_values(values, "boolean")
    return "text", _typed_values(values, "text")


def _typed_values(values: pd.Series, sql_type: str) -> list[Any]:
    missing = values.isna().to_numpy()
    if sql_type == "bigint":
        numbers = pd.to_numeric(values, errors="raise")
        if not pd.api.types.is_integer_dtype(numbers.dtype):
            present = numbers[~missing].astype("float64")
            if not np.array_equal(present, np.round(present)):
                raise ValueError("not whole numbers")  # stored as numbers, rounded on reading
            numbers = numbers.astype("Float64").round()
        out = numbers.astype("Int64").fillna(0).astype("int64").tolist()
    elif sql_type == "double precision":
        out = pd.to_numeric(values, errors="raise").astype("float64").tolist()
    elif sql_type == "boolean":
        out = values.astype("boolean").fillna(False).astype(bool).tolist()
    elif sql_type == "date":
        dates = pd.to_datetime(values, errors="raise")
        out = dates.dt.strftime("%Y-%m-%d").tolist()
    else:
        out = [str(v) for v in values.astype(object).tolist()]
    return [None if gone else v for v, gone in zip(out, missing, strict=True)]


__all__ = ["Target", "parse_url", "safe_url", "list_versions", "reader", "new_version"]
