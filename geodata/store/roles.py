"""Least privilege for the dashboard's database role:
``python -m geodata.store.roles ADMIN_URL --role atlas`` (run once, and again after an upgrade).

``ADMIN_URL`` connects to the workspace database as a superuser (``postgresql:///atlas`` run as
``postgres``), with the workspace's ``?schema=NAME`` (default ``public``). The dashboard then
connects as ``--role`` (a login role, ``createuser --pwprompt atlas``), which afterwards:

- is no superuser and may not create databases, roles or replication connections, nor bypass
  row security; it is no member of any role;
- owns neither the database nor its ``public`` schema (the database is given to the owner role
  ``<role>_owner``, which cannot log in); ``PUBLIC`` may no longer create in ``public`` nor connect
  to the database; the role may connect, use ``public`` (PostGIS's types and functions live
  there) and create nothing there unless the workspace itself is in ``public``;
- in the workspace schema (owned by the owner role): may create tables (each saved version is a new
  table, ``<table>__v<N>``), and only read and append to the version list
  (``workspace_versions``) and the audit trail (``audit_trail``), which the owner role holds: it
  can neither drop, alter, update, delete nor truncate them;
- may not change a saved version: the tables a new version names are the role's only while it
  writes them. Appending the version's record (the last step of a save, in its transaction) fires
  a trigger whose function (``workspace_versions_seal``, ``SECURITY DEFINER``, owned by the owner
  role, which is made a member of the role for this) hands them to the owner role and lets the
  role read them: once saved, a version table cannot be dropped, altered, emptied or written to
  by the role (before, the role owned them until this command ran again);
- has no rights on any other schema of the database (nothing is granted to ``PUBLIC``), and like any
  role that is no superuser cannot read ``pg_authid`` (the password hashes).

Tables of a workspace saved before (owned by the role) are handed to the owner role too, so the
command can be run on an existing workspace; the version tables stay readable by the role.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from geodata.store.layout import VERSIONS_LAYER
from geodata.store.postgis import _create_workspace, _require_postgis, connect, identifier
from geodata.store.postgis import statement as sql_statement
from geodata.tables.problems import DataError
from geodata.users.audit import TABLE as AUDIT_TABLE
from geodata.users.audit import _pg_create as create_audit_table

#: What the role may never do, set again on every run.
ROLE_LIMITS = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def owner_of(role: str) -> str:
    """The role (no login) that owns the database, the workspace schema and its fixed tables."""
    return f"{role}_owner"


def _exists(conn: Any, query: str, *params: object) -> bool:
    return conn.execute(query, list(params)).fetchone() is not None


def _ensure_role(conn: Any, name: str, *, login: bool) -> None:
    if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", name):
        conn.execute(sql_statement("CREATE ROLE {r}", r=identifier(name)))
    conn.execute(
        sql_statement(
            f"ALTER ROLE {{r}} {'LOGIN' if login else 'NOLOGIN'} {ROLE_LIMITS}", r=identifier(name)
        )
    )


def secure(admin_url: str, role: str) -> list[str]:
    """Give ``role`` only what the dashboard needs on the workspace at ``admin_url`` (see the module).

    One transaction; returns what was done, one line per statement kind, for the operator."""
    owner = owner_of(role)
    done: list[str] = []
    with connect(admin_url, autocommit=False) as (conn, target):
        schema = target.schema
        with conn.transaction():
            if not _exists(
                conn, "SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper"
            ):
                raise DataError(
                    f"{target.label}: connect as a superuser (e.g. postgres) to set roles."
                )
            _ensure_role(conn, owner, login=False)
            _ensure_role(conn, role, login=True)
            done.append(f"role {role}: login, {ROLE_LIMITS.lower()}; owner role {owner}: no login")
            # The role is no member of any role (it would inherit that role's rights).
            for (member_of,) in conn.execute(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
                [role],
            ).fetchall():
                conn.execute(
                    sql_statement(
                        "REVOKE {g} FROM {r}", g=identifier(member_of), r=identifier(role)
                    )
                )
            database = conn.execute("SELECT current_database()").fetchone()[0]
            db = identifier(database)
            conn.execute(
                sql_statement("ALTER DATABASE {d} OWNER TO {o}", d=db, o=identifier(owner))
            )
            conn.execute(sql_statement("REVOKE ALL ON DATABASE {d} FROM PUBLIC", d=db))
            conn.execute(
                sql_statement("REVOKE ALL ON DATABASE {d} FROM {r}", d=db, r=identifier(role))
            )
            conn.execute(
                sql_statement("GRANT CONNECT ON DATABASE {d} TO {r}", d=db, r=identifier(role))
            )
            done.append(f"database {database}: owned by {owner}; {role} may connect, PUBLIC not")
            _require_postgis(conn, target)
            conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            conn.execute(sql_statement("REVOKE ALL ON SCHEMA public FROM {r}", r=identifier(role)))
            conn.execute(sql_statement("GRANT USAGE ON SCHEMA public TO {r}", r=identifier(role)))
            done.append(f"schema public: nobody but its owner may create in it; {role} may use it")
            _secure_schema(conn, target, role, owner)
            done.append(
                f"schema {schema}: owned by {owner}; {role} may create tables and only read and "
                f"append to {VERSIONS_LAYER} and {AUDIT_TABLE}"
            )
    return done


def _secure_schema(conn: Any, target: Any, role: str, owner: str) -> None:
    schema = identifier(target.schema)
    r, o = identifier(role), identifier(owner)
    if not _exists(conn, "SELECT 1 FROM pg_namespace WHERE nspname = %s", target.schema):
        conn.execute(sql_statement("CREATE SCHEMA {s} AUTHORIZATION {o}", s=schema, o=o))
    conn.execute(sql_statement("ALTER SCHEMA {s} OWNER TO {o}", s=schema, o=o))
    conn.execute(sql_statement("REVOKE ALL ON SCHEMA {s} FROM PUBLIC", s=schema))
    conn.execute(sql_statement("GRANT USAGE, CREATE ON SCHEMA {s} TO {r}", s=schema, r=r))
    # The fixed tables, created (or taken over) by the owner role.
    versions = identifier(target.schema, VERSIONS_LAYER)
    audit = identifier(target.schema, AUDIT_TABLE)
    if not _exists(
        conn,
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
        target.schema,
        VERSIONS_LAYER,
    ):
        _create_workspace(conn, target)
    create_audit_table(conn, target.schema)
    for table in (versions, audit):
        conn.execute(sql_statement("ALTER TABLE {t} OWNER TO {o}", t=table, o=o))
        conn.execute(sql_statement("REVOKE ALL ON {t} FROM PUBLIC", t=table))
        conn.execute(sql_statement("REVOKE ALL ON {t} FROM {r}", t=table, r=r))
        conn.execute(sql_statement("GRANT SELECT, INSERT ON {t} TO {r}", t=table, r=r))
    conn.execute(
        sql_statement(
            "ALTER FUNCTION {g}() OWNER TO {o}",
            g=identifier(target.schema, f"{AUDIT_TABLE}_append_only"),
            o=o,
        )
    )
    sequence = conn.execute(
        "SELECT pg_get_serial_sequence(%s, 'id')", [f'"{target.schema}"."{AUDIT_TABLE}"']
    ).fetchone()[0]
    conn.execute(
        sql_statement("GRANT USAGE ON SEQUENCE {q} TO {r}", q=sql_identifier(sequence), r=r)
    )
    _seal_new_versions(conn, target, role, owner)
    # Version tables the role created before: the owner role's, readable by the role.
    for (name,) in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE %s",
        [target.schema, "%\\_\\_v%"],
    ).fetchall():
        table = identifier(target.schema, name)
        conn.execute(sql_statement("ALTER TABLE {t} OWNER TO {o}", t=table, o=o))
        conn.execute(sql_statement("GRANT SELECT ON {t} TO {r}", t=table, r=r))


#: The function (and trigger) that hands a new version's tables to the owner role.
SEAL = f"{VERSIONS_LAYER}_seal"

#: Run as the owner role when a version's record is appended: each table the record names that
#: the app role (the trigger's argument) owns becomes the owner role's, readable by the app role.
_SEAL_BODY = """
DECLARE
    layer text;
BEGIN
    FOR layer IN SELECT value FROM json_each_text(NEW.layers) LOOP
        IF EXISTS (
            SELECT 1 FROM pg_tables
            WHERE schemaname = TG_TABLE_SCHEMA AND tablename = layer AND tableowner = TG_ARGV[0]
        ) THEN
            EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', TG_TABLE_SCHEMA, layer, current_user);
            EXECUTE format('GRANT SELECT ON %I.%I TO %I', TG_TABLE_SCHEMA, layer, TG_ARGV[0]);
        END IF;
    END LOOP;
    RETURN NULL;
END
"""


def _seal_new_versions(conn: Any, target: Any, role: str, owner: str) -> None:
    """The trigger on the version list that hands each new version's tables to ``owner``."""
    r, o = identifier(role), identifier(owner)
    # The owner role takes the tables over from the role: it must be a member of it (the role
    # is no member of the owner role, and nobody can log in as the owner role).
    conn.execute(sql_statement("GRANT {r} TO {o}", r=r, o=o))
    seal = identifier(target.schema, SEAL)
    conn.execute(
        sql_statement(
            "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = pg_catalog AS {body}",
            f=seal,
            body=_literal(_SEAL_BODY),
        )
    )
    conn.execute(sql_statement("ALTER FUNCTION {f}() OWNER TO {o}", f=seal, o=o))
    conn.execute(sql_statement("REVOKE ALL ON FUNCTION {f}() FROM PUBLIC", f=seal))
    versions = identifier(target.schema, VERSIONS_LAYER)
    conn.execute(sql_statement("DROP TRIGGER IF EXISTS {n} ON {t}", n=identifier(SEAL), t=versions))
    conn.execute(
        sql_statement(
            "CREATE TRIGGER {n} AFTER INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {f}({a})",
            n=identifier(SEAL),
            t=versions,
            f=seal,
            a=_literal(role),
        )
    )


def _literal(text: str) -> Any:
    from psycopg import sql

    return sql.Literal(text)


def sql_identifier(qualified: str) -> Any:
    """``schema.name`` as returned by PostgreSQL (quoted where needed) as a SQL part."""
    from psycopg import sql

    return sql.SQL(qualified)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata.store.roles", description=__doc__)
    parser.add_argument("admin_url", help="the workspace database as a superuser, with ?schema=")
    parser.add_argument("--role", required=True, help="the login role the dashboard connects as")
    args = parser.parse_args(argv)
    try:
        for line in secure(args.admin_url, args.role):
            print(line)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
