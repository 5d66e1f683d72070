"""The dashboard's PostgreSQL role has least privilege (#18): after ``python -m geodata.store.roles``
it saves and reads versions and appends to the audit trail, and can do nothing else: no table in
``public``, no dropping, changing or emptying of the version list or the audit trail, no other
schema, no new schema, database or role, no password hashes (``pg_authid``)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import psycopg
import pytest

from geodata.store.roles import main as secure_main
from geodata.store.roles import owner_of
from geodata.store.workspace import list_versions, read_table, save_version
from geodata.users import audit

SCHEMA = "atlas_ws"


def _with(url: str, *, user: str | None = None, database: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rpartition('@')[2]}"
    path = parts.path if database is None else f"/{database}"
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


@pytest.fixture(scope="module")
def app_role(postgis_url: str) -> tuple[str, str]:
    """A database of its own, secured for a new login role: (the role's URL, the superuser's)."""
    tag = uuid.uuid4().hex[:8]
    database, role = f"roles_{tag}", f"atlas_{tag}"
    with psycopg.connect(_with(postgis_url, database="postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
        # As the README's quick start used to leave it: the app's role owns the database.
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"ALTER DATABASE {database} OWNER TO {role}")
    admin = _with(postgis_url, database=database)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE SCHEMA hr")
        conn.execute("CREATE TABLE hr.salaries (name text, amount int)")
    url = f"{_with(admin, user=role)}?schema={SCHEMA}"
    # Before: owning the database, the role owns its public schema and may create in it.
    assert not _refused(url, "CREATE TABLE public.before_securing (x int)")
    for _ in range(2):  # run again (after an upgrade), it changes nothing and fails on nothing
        assert secure_main([f"{admin}?schema={SCHEMA}", "--role", role]) == 0
    return url, admin


def _refused(url: str, statement: str) -> bool:
    with psycopg.connect(url.partition("?")[0], autocommit=True) as conn:
        try:
            conn.execute(statement)
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException):
            return True
    return False


def test_the_app_role_saves_reads_and_records(app_role: tuple[str, str]) -> None:
    url, _ = app_role
    frame = pd.DataFrame({"partner_id": ["p"], "name": ["P"]})
    first = save_version(url, {"partners": frame}, message="one")  # in any test order
    assert save_version(url, {"partners": frame.assign(name="Q")}, message="two") == first + 1
    assert [v.number for v in list_versions(url)][-2:] == [first, first + 1]
    assert read_table(url, "partners", version=first)["name"].tolist() == ["P"]
    assert audit.append(url, audit.Actor("ana", "planner"), "import", "partners")
    assert audit.read(url)["user"].tolist() == ["ana"]


def test_a_version_the_app_role_saved_is_no_longer_its_own(app_role: tuple[str, str]) -> None:
    """The tables of a version the role just saved (created by it) are handed to the owner role
    with the version's record: the role can read them, but not drop, change, empty or write to
    them; saving the next version still works."""
    url, _ = app_role
    frame = pd.DataFrame({"partner_id": ["p", "r"], "name": ["P", "R"]})
    number = save_version(url, {"partners": frame}, message="sealed")
    table = f"{SCHEMA}.{list_versions(url)[-1].layers['partners']}"
    assert table.endswith(f"__v{number}")
    for statement in (
        f"DROP TABLE {table}",
        f"ALTER TABLE {table} RENAME TO gone",
        f"TRUNCATE {table}",
        f"DELETE FROM {table}",
        f"UPDATE {table} SET name = 'x'",
        f"INSERT INTO {table} (__row, partner_id, name) VALUES (9, 'x', 'X')",
    ):
        assert _refused(url, statement), statement
    assert read_table(url, "partners", version=number)["name"].tolist() == ["P", "R"]
    assert save_version(url, {"partners": frame.head(1)}, message="next") == number + 1


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.planted (x int)",
        f"DROP TABLE {SCHEMA}.audit_trail",
        f"DROP TABLE {SCHEMA}.workspace_versions",
        f"ALTER TABLE {SCHEMA}.workspace_versions ADD COLUMN x int",
        f"DELETE FROM {SCHEMA}.workspace_versions",
        f"UPDATE {SCHEMA}.workspace_versions SET author = 'x'",
        f"TRUNCATE {SCHEMA}.audit_trail",
        f"DELETE FROM {SCHEMA}.audit_trail",
        "SELECT rolpassword FROM pg_authid",
        "SELECT * FROM hr.salaries",
        "CREATE TABLE hr.planted (x int)",
        "CREATE SCHEMA planted",
        "CREATE DATABASE planted",
        "CREATE ROLE planted",
        "DROP SCHEMA public CASCADE",
        "CREATE TEMP TABLE planted (x int)",
    ],
)
def test_the_app_role_is_refused(app_role: tuple[str, str], statement: str) -> None:
    url, _ = app_role
    assert _refused(url, statement), statement


def test_the_app_role_has_no_attribute_or_membership_beyond_login(
    app_role: tuple[str, str],
) -> None:
    url, admin = app_role
    role = urlsplit(url).username
    with psycopg.connect(admin, autocommit=True) as conn:
        flags = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin"
            " FROM pg_roles WHERE rolname = %s",
            [role],
        ).fetchone()
        member_of = conn.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member"
            " WHERE u.rolname = %s",
            [role],
        ).fetchone()[0]
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchone()[0]
        public_create = conn.execute(
            "SELECT has_schema_privilege('public', 'public', 'CREATE')"
        ).fetchone()[0]
    assert flags == (False, False, False, False, False, True)
    assert member_of == 0
    assert owner == owner_of(role)
    assert not public_create
