"""Workspace tests run on both backends: a GeoPackage file and a PostGIS schema.

``new_workspace`` is where a new, empty workspace goes — ``tmp_path / "ws.gpkg"``, or a fresh
schema in the session's private PostGIS server (``postgresql://…?schema=t…``) — parametrised over
``gpkg`` and ``postgis`` so each test that takes it runs twice. The helpers tell, for either
backend, whether anything stored changed (:func:`workspace_state`), what is stored
(:func:`stored_layers`) and whether a failed save left anything behind (:func:`leftovers`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from geodata.store.layout import VERSIONS_LAYER
from geodata.store.workspace import is_postgis

Workspace = Path | str
BACKENDS = ("gpkg", "postgis")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``gpkg`` or ``postgis``: the store backend a test runs on."""
    return request.param


@pytest.fixture
def new_workspace(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Workspace:
    """Where a new, empty workspace goes, on the backend of this run."""
    if backend == "gpkg":
        return tmp_path / "ws.gpkg"
    base = request.getfixturevalue("postgis_url")
    return f"{base}?schema=t{uuid.uuid4().hex[:16]}"


def _schema(url: str) -> tuple[str, str]:
    from geodata.store.postgis import parse_url

    target = parse_url(url)
    return target.conninfo, target.schema


def _pg_tables(url: str) -> list[str]:
    import psycopg

    conninfo, schema = _schema(url)
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        ).fetchall()
    return [r[0] for r in rows]


def workspace_exists(ws: Workspace) -> bool:
    """Whether anything was created: the file, or the version table in the schema."""
    if is_postgis(ws):
        return VERSIONS_LAYER in _pg_tables(str(ws))
    return Path(ws).exists()


def workspace_state(ws: Workspace) -> str:
    """A digest of everything stored: the file's bytes, or every table of the schema, row by row."""
    if not is_postgis(ws):
        return hashlib.sha256(Path(ws).read_bytes()).hexdigest()
    import psycopg
    from psycopg import sql

    conninfo, schema = _schema(str(ws))
    digest = hashlib.sha256()
    with psycopg.connect(conninfo) as conn:
        for table in _pg_tables(str(ws)):
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
                    " FROM {} x"
                ).format(sql.Identifier(schema, table))
            ).fetchone()
            digest.update(f"{table}:{row[0]}:{row[1]};".encode())
    return digest.hexdigest()


def stored_layers(ws: Workspace) -> set[str]:
    """The layers (GeoPackage) or tables (PostGIS) the workspace holds."""
    if is_postgis(ws):
        return set(_pg_tables(str(ws)))
    import pyogrio

    return {name for name, _ in pyogrio.list_layers(ws)}


def leftovers(ws: Workspace) -> list[str]:
    """What a failed or killed save left behind: the GeoPackage's hidden temporary copies and
    journals, or tables that no version names."""
    if is_postgis(ws):
        from geodata.store.workspace import list_versions

        tables = set(_pg_tables(str(ws))) - {VERSIONS_LAYER}
        if not tables:
            return []
        named = {layer for v in list_versions(ws) for layer in v.layers.values()}
        return sorted(tables - named)
    path = Path(ws)
    journals = {f"{path.name}-journal", f"{path.name}-wal", f"{path.name}-shm"}
    return sorted(
        p.name
        for p in path.parent.iterdir()
        if p.name.startswith(f".{path.name}.") or p.name in journals
    )


def fail_on_write(
    monkeypatch: pytest.MonkeyPatch, ws: Workspace, fail: Callable[[int, str], bool]
) -> dict[str, int]:
    """Make the backend's layer or version-record writes raise where ``fail(call, layer)`` says.

    ``call`` counts the writes from 1; ``layer`` is the layer (table) written, the version table
    included. Returns the call counter.
    """
    calls = {"n": 0}

    def check(layer: str) -> None:
        calls["n"] += 1
        if fail(calls["n"], layer):
            raise OSError("disk full (simulated)")

    if is_postgis(ws):
        from geodata.store import postgis

        real_write, real_append = postgis.Session.write, postgis.Session.append

        def write(self, layer, table, frame):  # noqa: ANN001, ANN202
            check(layer)
            return real_write(self, layer, table, frame)

        def append(self, record):  # noqa: ANN001, ANN202
            check(VERSIONS_LAYER)
            return real_append(self, record)

        monkeypatch.setattr(postgis.Session, "write", write)
        monkeypatch.setattr(postgis.Session, "append", append)
    else:
        import pyogrio

        real = pyogrio.write_dataframe

        def write_dataframe(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            check(str(kwargs.get("layer")))
            return real(*args, **kwargs)

        monkeypatch.setattr(pyogrio, "write_dataframe", write_dataframe)
    return calls
