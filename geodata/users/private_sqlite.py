"""The small SQLite files kept beside a deployment's users file (its sessions, its failed
sign-ins): where such a file lies, and how it is made and opened."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from geodata.sources.workspaces import cache_dir


def beside_users_file(users_file: str | Path, variable: str, name: str) -> Path:
    """The file ``name`` of the deployment using ``users_file``: the one the environment variable
    ``variable`` names, else ``users.toml.<name>.sqlite`` beside the users file, or a file in the
    cache folder where that folder cannot be written."""
    named = os.environ.get(variable)
    if named:
        return Path(named)
    users_file = Path(users_file).resolve()
    if os.access(users_file.parent, os.W_OK):
        return users_file.with_name(f"{users_file.name}.{name}.sqlite")
    digest = hashlib.sha256(str(users_file).encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.sqlite"


def connect(path: Path) -> closing[sqlite3.Connection]:
    """A connection in autocommit mode (callers say ``BEGIN IMMEDIATE`` where a step must be
    atomic), waiting up to 30 s for another process's lock."""
    return closing(sqlite3.connect(path, timeout=30, isolation_level=None))


def create(path: Path, schema: str) -> None:
    """Make the file at ``path`` readable by its owner only (what it keeps is nobody else's
    business) and its table from ``schema`` (``CREATE TABLE IF NOT EXISTS``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    with connect(path) as db:
        db.execute(schema)
