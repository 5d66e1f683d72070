"""A private, throwaway PostgreSQL + PostGIS server for the tests.

``initdb`` in a temporary folder, ``pg_ctl start`` on a free localhost port (unix socket in that
folder too, nothing shared with a system server), one database ``atlas`` with the ``postgis``
extension, and ``pg_ctl stop`` at the end. Run as root, the server runs as the ``postgres`` user
(created by Debian's package; ``nobody`` otherwise), since PostgreSQL refuses to run as root.
The binaries are Debian's, under ``/usr/lib/postgresql/<major>/bin`` (newest major that has
PostGIS), or ``$PG_BINDIR``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "atlas"
SUPERUSER = "atlas"


def find_bindir() -> tuple[Path | None, str]:
    """The folder of ``initdb``/``pg_ctl`` of a PostgreSQL that has PostGIS, or why there is none."""
    named = os.environ.get("PG_BINDIR")
    candidates = [Path(named)] if named else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found_server = None
    for bindir in candidates:
        if not (bindir / "initdb").exists() or not (bindir / "pg_ctl").exists():
            continue
        found_server = bindir
        major = bindir.parent.name
        if list(Path(f"/usr/share/postgresql/{major}/extension").glob("postgis.control")):
            return bindir, ""
        if named:  # a named folder: trust it, CREATE EXTENSION will tell
            return bindir, ""
    if found_server is None:
        return None, "PostgreSQL not found under /usr/lib/postgresql (apt-get install postgresql)"
    return None, (
        f"PostGIS not installed for the PostgreSQL in {found_server} "
        "(apt-get install postgresql-postgis)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running private server; :attr:`url` names its ``atlas`` database."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        root = os.geteuid() == 0
        # As root the server runs as another user, who must reach the folder: /tmp, not $TMPDIR.
        parent = "/tmp" if root and Path("/tmp").is_dir() else None
        self.folder = Path(tempfile.mkdtemp(prefix="coverage-atlas-pg-", dir=parent))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"
        self._user: tuple[int, int] | None = None
        if root:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                entry = pwd.getpwnam("nobody")
            self._user = (entry.pw_uid, entry.pw_gid)
            os.chown(self.folder, *self._user)
        self.started = False
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        extra = {}
        if self._user is not None:
            extra = {"user": self._user[0], "group": self._user[1], "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        env.pop("PGDATA", None)
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            **extra,
        )
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}): {result.stdout}{result.stderr}{log}"
            )
        return result

    def _start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.folder}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",  # a test server: speed over durability of the server itself
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=40",
            ]
        )
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log),
                  "-o", options)  # fmt: skip
        self.started = True
        import psycopg

        admin = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.started:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", check=False)
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)
