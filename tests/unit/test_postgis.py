"""What only the PostGIS backend has (geodata/store/postgis.py): the same frames as the GeoPackage,
typed columns and a spatial index, URLs and their errors, concurrent writers, and writers killed
mid-save. The shared behaviour of both backends is tested in test_store.py / test_versions.py."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from workspace_backends import leftovers

from geodata.store.layout import VERSIONS_LAYER
from geodata.store.postgis import parse_url, safe_url
from geodata.store.workspace import (
    is_postgis,
    list_versions,
    read_table,
    read_workspace,
    save_version,
    workspace_label,
    workspace_location,
)
from geodata.tables import schema as S
from geodata.tables.problems import DataError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def url(postgis_url: str) -> str:
    """A fresh, empty workspace location (its own schema) in the session's PostGIS server."""
    return f"{postgis_url}?schema=p{uuid.uuid4().hex[:16]}"


def _assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert list(left) == list(right)
    for name in left:
        a, b = left[name], right[name]
        assert type(a) is type(b), name
        if isinstance(a, gpd.GeoDataFrame):
            assert_geodataframe_equal(a, b, check_less_precise=False)
        else:
            pd.testing.assert_frame_equal(a, b)


def test_demo_reads_back_the_same_on_both_backends(tmp_path: Path, url: str) -> None:
    from geodata.sources.workspaces import write_demo_workspace

    gpkg = tmp_path / "demo.gpkg"
    write_demo_workspace(gpkg)
    write_demo_workspace(url)
    _assert_same_tables(read_workspace(gpkg), read_workspace(url))
    versions = list_versions(url)
    assert versions[0].summary["demo"] is True
    assert versions[0].summary["rows"] == list_versions(gpkg)[0].summary["rows"]
    # Every table the schema knows, whatever it is: here each one the demo holds.
    assert set(versions[0].layers) <= set(S.STORED_TABLES)


def test_extra_columns_and_missing_values_read_back_the_same(tmp_path: Path, url: str) -> None:
    """Columns the schema does not know are kept as data, in the same dtypes on both backends."""
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["a", "b", "c"],
            "name": ["Nāzī-ābād", "کوی نصر", "Phường\tBến\nNghé \\ 'x'"],  # tab, newline, quote
            "population": pd.array([10, None, 0], dtype="Int64"),
            "underserved": pd.array([True, None, False], dtype="boolean"),
            "deprivation": [0.25, np.nan, 1.0],
            "households": [1.0, 2.0, np.nan],  # a count held as floats
            "ward_code": [7, 8, 2**60 + 1],  # beyond float precision
            "ward_rank": pd.array([1, None, 3], dtype="Int64"),
            "share": [0.1, np.nan, 0.3],
            "flag": [True, False, True],
            "maybe": pd.array([True, None, False], dtype="boolean"),
            "note": ["x", None, ""],
            "surveyed": pd.to_datetime(["2025-01-01", None, "2025-03-01"]),
        },
        geometry=[shapely.box(0, 0, 1, 1), shapely.MultiPolygon([shapely.box(2, 0, 3, 1)]), None],
        crs="EPSG:4326",
    )
    outreach = pd.DataFrame(  # optional geometry left out: stays a plain table
        {"session_id": ["s1"], "date": pd.to_datetime(["2025-02-03"]), "enrolled": [5]}
    )
    for where in (tmp_path / "ws.gpkg", url):
        save_version(where, {"areas": areas, "outreach": outreach}, message="extras")
    gpkg, pg = read_workspace(tmp_path / "ws.gpkg"), read_workspace(url)
    _assert_same_tables(gpkg, pg)
    assert pg["areas"]["name"].iloc[2] == "Phường\tBến\nNghé \\ 'x'"
    assert pg["areas"]["population"].iloc[1] is pd.NA
    assert pg["areas"]["note"].iloc[2] == ""


def test_tables_are_typed_with_a_spatial_index(url: str) -> None:
    from geodata.sources.workspaces import write_demo_workspace

    write_demo_workspace(url)
    target = parse_url(url)
    with psycopg.connect(target.conninfo) as conn:

        def types(table: str) -> dict[str, str]:
            rows = conn.execute(
                "SELECT column_name, data_type, udt_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s",
                [target.schema, table],
            ).fetchall()
            return {name: udt if kind == "USER-DEFINED" else kind for name, kind, udt in rows}

        areas = types("areas__v1")
        assert areas["population"] == "bigint" and areas["area_id"] == "text"
        assert areas["underserved"] == "boolean" and areas["geometry"] == "geometry"
        assert types("insured__v1")["period"] == "date"
        srid, kind = conn.execute(
            "SELECT srid, type FROM geometry_columns WHERE f_table_schema = %s "
            "AND f_table_name = 'areas__v1'",
            [target.schema],
        ).fetchone()
        assert (srid, kind) == (4326, "GEOMETRY")
        indexes = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'areas__v1'",
            [target.schema],
        ).fetchall()
        assert any("USING gist (geometry)" in row[0] for row in indexes)
        # The version table is plain SQL a person can query; JSON keeps its key order.
        message, summary = conn.execute(
            f'SELECT message, summary::text FROM "{target.schema}".{VERSIONS_LAYER}'
        ).fetchone()
        assert "demo region" in message
        assert list(json.loads(summary)) == list(list_versions(url)[0].summary)


def test_schemas_keep_workspaces_apart(postgis_url: str) -> None:
    one, two = f"{postgis_url}?schema=apart_one", f"{postgis_url}?schema=apart_two"
    frame = pd.DataFrame({"partner_id": ["p"], "name": ["P"]})
    save_version(one, {"partners": frame}, message="one")
    save_version(two, {"partners": frame}, message="two")
    save_version(two, {"partners": frame.assign(name="Q")}, message="two again")
    assert [v.message for v in list_versions(one)] == ["one"]
    assert [v.message for v in list_versions(two)] == ["two", "two again"]
    assert read_table(one, "partners")["name"].tolist() == ["P"]


def test_urls_and_their_errors(postgis_url: str) -> None:
    assert is_postgis(postgis_url) and is_postgis("postgres://u@h/db")
    assert not is_postgis("/tmp/ws.gpkg") and not is_postgis(Path("ws.gpkg"))
    with pytest.raises(DataError, match="lost a slash"):
        is_postgis(Path("postgresql://u@h/db"))
    assert workspace_location(postgis_url) == postgis_url  # not resolved as a file path
    secret = "postgresql://planner:s3cret@db.example:5432/atlas?schema=tehran&sslmode=require"
    assert (
        safe_url(secret)
        == "postgresql://planner@db.example:5432/atlas?schema=tehran&sslmode=require"
    )
    assert "s3cret" not in workspace_label(secret)
    in_query = "postgresql://planner@db/atlas?password=s3cret&schema=x"
    assert safe_url(in_query) == "postgresql://planner@db/atlas?schema=x"
    target = parse_url(secret)
    assert target.schema == "tehran" and "schema=" not in target.conninfo
    assert "sslmode=require" in target.conninfo
    # A database that does not exist, a wrong password, a schema with no workspace: clear errors.
    missing = postgis_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(DataError, match=r'Cannot open the workspace database.*"no_such_db"'):
        list_versions(missing)
    with pytest.raises(DataError, match="not a Coverage Atlas workspace"):
        list_versions(f"{postgis_url}?schema=nothing_here")
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA foreign_tables")
        conn.execute(f"CREATE TABLE foreign_tables.{VERSIONS_LAYER} (id int)")
    with pytest.raises(DataError, match="not a Coverage Atlas workspace"):
        read_workspace(f"{postgis_url}?schema=foreign_tables")
    with pytest.raises(DataError, match="not a Coverage Atlas workspace"):
        save_version(
            f"{postgis_url}?schema=foreign_tables",
            {"partners": pd.DataFrame({"partner_id": ["p"], "name": ["P"]})},
            message="x",
        )


def test_password_never_shown(postgis_url: str) -> None:
    with_password = postgis_url.replace("atlas@", "atlas:hunter2@").rsplit("/", 1)[0] + "/nodb"
    with pytest.raises(DataError) as caught:
        list_versions(with_password)
    assert "hunter2" not in str(caught.value)


def test_a_database_without_postgis_is_a_clear_error(postgis_url: str) -> None:
    """Someone who may not create the extension is told what to run; nothing is created."""
    name = f"nopostgis_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    url = postgis_url.replace("atlas@", f"{name}@").rsplit("/", 1)[0] + f"/{name}"
    frame = pd.DataFrame({"partner_id": ["p"], "name": ["P"]})
    with pytest.raises(DataError, match=r"has no PostGIS.*CREATE EXTENSION postgis"):
        save_version(url, {"partners": frame}, message="x")
    with pytest.raises(DataError, match="not a Coverage Atlas workspace"):
        list_versions(url)


def test_a_column_name_too_long_for_postgresql(url: str) -> None:
    frame = pd.DataFrame({"partner_id": ["p"], "name": ["P"], "ستون" * 10: [1]})
    with pytest.raises(DataError, match="too long for PostgreSQL"):
        save_version(url, {"partners": frame}, message="x")
    assert leftovers(url) == []


def _saver(url: str, count: int, tag: str) -> None:
    frame = pd.DataFrame({"partner_id": ["p"], "name": [tag]})
    for i in range(count):
        save_version(url, {"partners": frame.assign(name=f"{tag}{i}")}, message=f"{tag}{i}")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_concurrent_writers_are_serialised(url: str) -> None:
    _saver(url, 1, "start")
    children = []
    for tag in ("a", "b", "c"):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _saver(url, 4, tag)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    for pid in children:
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    versions = list_versions(url)
    assert [v.number for v in versions] == list(range(1, 14))
    assert sorted(v.message for v in versions[1:]) == sorted(
        f"{t}{i}" for t in "abc" for i in range(4)
    )
    for v in versions[1:]:  # each version holds what its writer saved, never another's rows
        assert read_table(url, "partners", v.number)["name"].tolist() == [v.message]


_CHILD = """
import sys
import pandas as pd
from geodata.store.workspace import save_version
url, rows = sys.argv[1], int(sys.argv[2])
n = 0
print("ready", flush=True)
while True:
    n += 1
    frame = pd.DataFrame({
        "area_id": [f"a{i}" for i in range(rows)],
        "period": pd.Timestamp("2025-01-01"),
        "scheme": "health",
        "insured": pd.array([n] * rows, dtype="Int64"),
    })
    save_version(url, {"insured": frame}, message=f"loop {n}")
"""


def _advisory_locks(url: str) -> int:
    with psycopg.connect(parse_url(url).conninfo) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[
            0
        ]


def test_a_writer_process_killed_mid_save_leaves_the_last_version_whole(url: str) -> None:
    """SIGKILL a separate process at random moments while it saves 3,000-row versions over and
    over: the workspace opens, keeps every committed version, and its newest version is whole."""
    rows = 3_000
    _saver(url, 1, "start")
    rng = random.Random(20261122)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kills = 0
    for _ in range(5):
        before = [(v.number, v.layers) for v in list_versions(url)]
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, url, str(rows)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 2.0))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        kills += child.returncode == -signal.SIGKILL
        versions = list_versions(url)
        assert [(v.number, v.layers) for v in versions][: len(before)] == before
        newest = read_workspace(url)["insured"]
        if len(versions) > 1 and "insured" in versions[-1].layers:
            assert len(newest) == rows
            assert newest["insured"].nunique() == 1  # one save's rows, never a mix
        assert leftovers(url) == []  # the killed transaction's tables are gone
    assert kills == 5
    # The server noticed each dead connection and let go of its lock: the next save goes through.
    deadline = time.monotonic() + 10
    while _advisory_locks(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _advisory_locks(url) == 0
    number = save_version(
        url, {"partners": pd.DataFrame({"partner_id": ["p"], "name": ["after"]})}, message="after"
    )
    assert list_versions(url)[-1].number == number
