"""The audit trail (:mod:`geodata.audit`), on a GeoPackage and on PostGIS: events read back with
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

from geodata import audit
from geodata import schema as S
from geodata.store import is_postgis, list_versions, restore_version, save_version


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

        from geodata.postgis import parse_url

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
    restore_version(workspace, 1, author="ada")
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
    with caplog.at_level(logging.ERROR, logger="geodata.audit"):
        assert not audit.append(tmp_path / "none.gpkg", audit.cli_actor("op"), "restore", "v1")
    assert "audit event not recorded" in caplog.text and "'user': 'op'" in caplog.text
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.append(tmp_path / "none.gpkg", audit.cli_actor(), "rename", "")
