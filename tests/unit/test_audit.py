"""The audit trail (:mod:`geodata.users.audit`), on a GeoPackage and on PostGIS: events read back with
who, role, scope, what and when; filters; a restore keeps every row; nothing updates or deletes
a row (no function for it, and the table refuses it); a row that cannot be written is logged."""

from __future__ import annotations

import inspect
import logging
import sqlite3
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from workspace_backends import Workspace

from geodata.store.workspace import is_postgis, list_versions, save_version
from geodata.tables import schema as S
from geodata.users import audit


def _areas(population: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_id": ["A1"], "name": ["a"], "population": pd.array([population], dtype="Int64")},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs=S.STORAGE_CRS,
    )


@pytest.fixture
def workspace(new_workspace: Workspace) -> Workspace:
    save_version(new_workspace, {"areas": _areas(10)}, message="first", author="t")
    save_version(new_workspace, {"areas": _areas(20)}, message="second", author="t")
    return new_workspace


def _refused(ws: Workspace, statement: str) -> None:
    if is_postgis(ws):
        import psycopg

        from geodata.store.postgis import parse_url

        target = parse_url(str(ws))
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            with pytest.raises(psycopg.Error, match="append-only"):
                conn.execute(statement.replace("audit_trail", f'"{target.schema}".audit_trail'))
    else:
        with sqlite3.connect(ws) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)


def test_events_read_back_filtered_and_survive_a_restore(workspace: Workspace) -> None:
    admin = audit.Actor("ada", "admin")
    partner = audit.Actor("pat", "partner", audit.scope_of("partner", "P1"))
    assert audit.read(workspace).empty  # no trail yet
    assert audit.append(workspace, admin, "sign_in", "")
    assert audit.append(workspace, partner, "download", "coverage_area.csv")
    assert audit.append(workspace, admin, "import", "insured from x.csv: 3 rows, version 3")
    trail = audit.read(workspace)
    assert list(trail.columns) == list(audit.COLUMNS)
    assert trail["action"].tolist() == ["import", "download", "sign_in"]  # newest first
    row = trail.iloc[1]
    assert (row["user"], row["role"], row["scope"], row["what"]) == (
        "pat",
        "partner",
        "P1",
        "coverage_area.csv",
    )
    when = datetime.strptime(row["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - when).total_seconds()) < 120
    assert audit.read(workspace, user="ada")["action"].tolist() == ["import", "sign_in"]
    assert audit.read(workspace, actions=["download"])["user"].tolist() == ["pat"]
    today = datetime.now(UTC).date()
    assert len(audit.read(workspace, since=today, until=today)) == 3
    assert audit.read(workspace, until=today.replace(year=today.year - 1)).empty
    # A restore is a new version; the trail is no version's table and keeps every row.
    audit.restore_version(workspace, 1, author="ada")
    save_version(workspace, {"areas": _areas(30)}, message="third", author="t")
    assert len(list_versions(workspace)) == 4
    after = audit.read(workspace)
    assert after["id"].tolist()[1:] == trail["id"].tolist()
    assert after.iloc[0][["user", "role", "scope", "action", "what"]].tolist() == [
        "ada",
        "cli",  # the command line's author (or the operating system's user)
        "all",
        "restore",
        "version 1 restored as version 3",
    ]
    # Append-only: nothing in the module changes a row, and the table refuses it.
    names = {n for n, _ in inspect.getmembers(audit, inspect.isfunction)}
    assert not {n for n in names if any(w in n for w in ("update", "delete", "remove", "clear"))}
    _refused(workspace, "UPDATE audit_trail SET \"user\" = 'x'")
    _refused(workspace, "DELETE FROM audit_trail")
    assert len(audit.read(workspace)) == 4


def test_an_event_that_cannot_be_written_is_logged(tmp_path, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="geodata.users.audit"):
        assert not audit.append(tmp_path / "none.gpkg", audit.cli_actor("op"), "restore", "v1")
    assert "audit event not recorded" in caplog.text and "'user': 'op'" in caplog.text
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.append(tmp_path / "none.gpkg", audit.cli_actor(), "rename", "")


def test_the_secured_fronts_sign_ins_are_recorded(tmp_path) -> None:
    """The front (ui.server.front) records sign-ins and failed ones in the workspace it serves."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from geodata.users.accounts import User, hash_password, write_user
    from geodata.users.sessions import SessionStore
    from geodata.users.sign_ins import SignInLimits
    from ui.server.front import SIGN_IN, Front, FrontServer, serve_in_background

    ws = tmp_path / "ws.gpkg"
    save_version(ws, {"areas": _areas(10)}, message="first", author="t")
    users = tmp_path / "users.toml"
    write_user(users, User("pia", "Pia", "partner", "P7", None, hash_password("a long password")))
    front = Front(
        str(users),
        SignInLimits(tmp_path / "s.sqlite"),
        SessionStore(tmp_path / "sessions.sqlite"),
        False,
        workspace=str(ws),
    )
    server = FrontServer(("127.0.0.1", 0), front)
    serve_in_background(server)
    url = f"http://127.0.0.1:{server.server_address[1]}{SIGN_IN}"

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None  # the answer itself (a redirect after signing in) is enough

    opener = urllib.request.build_opener(Stay)
    try:
        for password in ("wrong password", "a long password"):
            form = urllib.parse.urlencode({"username": "pia", "password": password, "next": "/"})
            with pytest.raises(urllib.error.HTTPError):  # 401, then 303 (not followed)
                opener.open(url, data=form.encode(), timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    trail = audit.read(ws)
    assert trail["action"].tolist() == ["sign_in", "sign_in_failed"]
    assert trail[["user", "role", "scope"]].drop_duplicates().values.tolist() == [
        ["pia", "partner", "P7"]
    ]
    assert trail["what"].str.endswith("from 127.0.0.1").all()


def test_a_command_line_export_is_recorded(workspace: Workspace, tmp_path) -> None:
    """``python -m geodata export`` leaves a row: who (``--author``), the whole workspace, which
    version (the newest when none is named) and the backup file."""
    from geodata.__main__ import main

    out = tmp_path / "backup.zip"
    assert main(["export", str(workspace), "--out", str(out), "--author", "ada"]) == 0
    v1 = tmp_path / "v1.gpkg"
    assert main(["export", str(workspace), "--out", str(v1), "--version", "1"]) == 0
    exports = audit.read(workspace, actions=["export"])
    assert exports[["user", "role", "scope", "what"]].values.tolist()[::-1] == [
        ["ada", "cli", "all", "version 2 to backup.zip (zip of GeoJSON and CSV)"],
        [audit.cli_actor().user, "cli", "all", "version 1 to v1.gpkg (GeoPackage)"],
    ]
