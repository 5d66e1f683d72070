"""The versioned store in a GeoPackage file: the backend for a workspace named by a file path.

Layout inside the file:

- ``<table>__v<N>`` layers hold the rows of a table as saved by version N;
- ``workspace_versions`` (an attribute table) lists the versions: number, time, author, message,
  which layer holds each table in that version, and a summary of the change.

Saving never touches the existing file: the new version is written into a copy beside it, which
replaces the original in one atomic rename once complete. A crash or an error at any point leaves
the file as it was (a writer killed mid-save leaves only a hidden ``.*.tmp.gpkg`` copy, removed by
the next save). Only :mod:`geodata.store.workspace`, the store's façade, reads and saves through
this module.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geodata.store.layout import VERSIONS_LAYER, Version, prepare_for_storage, restore_types
from geodata.tables.problems import DataError
from geodata.tables.schema import STORAGE_CRS, STORED_TABLES

#: The version table last read from each file, by the file's identity (inode, size, change and
#: modification times): a save replaces the file (a new inode) and the audit trail's appends
#: change its size and times, so an unchanged identity is an unchanged table, and a page's run,
#: the version check and the loading of a version each cost one ``stat`` instead of a read.
_read: dict[str, tuple[tuple[int, int, int, int], tuple[Version, ...]]] = {}
_READ_FILES = 64  # files kept at most


def list_versions(path: Path) -> list[Version]:
    """All versions in the GeoPackage ``path``, oldest first; an error if it is not a workspace.
    Read again only when the file changed (:data:`_read`)."""
    if not path.exists():
        raise DataError(f"Workspace not found: {path}")
    if _journal(path).exists():
        with write_lock(path):  # a writer still at work finishes first; a killed one is undone
            _roll_back_unfinished_write(path)
    try:
        info = path.stat()
    except OSError:
        raise DataError(f"Workspace not found: {path}") from None
    identity = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    key = os.path.abspath(path)
    known = _read.get(key)
    if known is None or known[0] != identity:
        known = (identity, tuple(_read_versions(path)))
        _read.pop(key, None)
        for gone in list(_read)[: max(0, len(_read) + 1 - _READ_FILES)]:  # read longest ago
            _read.pop(gone, None)
        _read[key] = known
    return list(known[1])


def _read_versions(path: Path) -> list[Version]:
    try:
        table = _read_settled(path, VERSIONS_LAYER, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        raise DataError(f"{path} is not a Coverage Atlas workspace (no version table).") from None
    if table.empty or "version" not in table:
        raise DataError(f"{path} is not a Coverage Atlas workspace (its version table is empty).")
    table = table.sort_values("version")
    return [
        Version(
            number=int(r.version),
            created_at=str(r.created_at),
            author=str(r.author),
            message=str(r.message),
            layers=json.loads(r.layers),
            summary=json.loads(r.summary),
        )
        for r in table.itertuples(index=False)
    ]


def read_layer(path: str | Path, layer: str, table: str) -> pd.DataFrame:
    """One stored layer of the GeoPackage ``path``, in the workspace types of ``table``."""
    schema = STORED_TABLES[table]
    frame = _read_settled(Path(path), layer, read_geometry=schema.geometry is not None)
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and schema.geometry:
        frame = frame.set_crs(STORAGE_CRS)
    return restore_types(frame, table)


class Reader:
    """Reads the versions and the layers of one GeoPackage."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def versions(self) -> list[Version]:
        return list_versions(self.path)

    def read(self, layer: str, table: str) -> pd.DataFrame:
        return read_layer(self.path, layer, table)


def _read_settled(path: Path, layer: str, *, read_geometry: bool) -> pd.DataFrame:
    """One layer of the GeoPackage ``path``, read past a write in place.

    The audit trail (:mod:`geodata.users.audit`) appends to the file in place; GDAL, reading while
    such a write commits, fails to open the file at all (a table it needs "missing", "attempt to
    write a readonly database"...). A failed read is made once more holding :func:`write_lock`,
    so after that write has finished; a file that still fails, or whose lock cannot be taken (a
    folder the server may only read), raises the first error.
    """
    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=read_geometry)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as first:
        try:
            with write_lock(path):
                _roll_back_unfinished_write(path)
                return pyogrio.read_dataframe(path, layer=layer, read_geometry=read_geometry)
        except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
            raise first from None


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def _roll_back_unfinished_write(path: Path) -> None:
    """Undo what a writer killed in the middle of an in-place write left in the file.

    Versions are written to a private copy that replaces the file whole, but the audit trail
    (:mod:`geodata.users.audit`) appends in place under :func:`write_lock`, through SQLite's rollback
    journal. A journal found while holding the lock belongs to a writer that was killed: SQLite
    rolls it back when the file is opened for writing, which a read-only reader (GDAL) cannot do
    and a copy of the file would miss. Call with the lock held.
    """
    if _journal(path).exists() and path.exists():
        with closing(sqlite3.connect(path, timeout=30)) as db:
            db.execute("PRAGMA schema_version").fetchone()


#: The lock files this thread holds (:func:`write_lock` within itself, as a save's own reads
#: do, is a no-op: a second ``flock`` on a new handle would wait for the first forever).
_held = threading.local()


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Hold the workspace's write lock: one writer at a time (saves here, the audit trail's
    appends in :mod:`geodata.users.audit`); taken again by the thread holding it, it is held."""
    lock_path = path.with_name(path.name + ".lock")
    held: set[str] | None = getattr(_held, "paths", None)
    if held is None:
        held = _held.paths = set()
    key = os.path.abspath(lock_path)
    if key in held:
        yield
        return
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(handle, fcntl.LOCK_UN)


class Session:
    """One save in progress: a private copy of the file (see :func:`new_version`)."""

    def __init__(self, tmp: Path, previous: list[Version]) -> None:
        self.tmp = tmp
        self.previous = previous

    def read(self, layer: str, table: str) -> pd.DataFrame:
        return read_layer(self.tmp, layer, table)

    def write(self, layer: str, table: str, frame: pd.DataFrame) -> None:
        stored = prepare_for_storage(frame)
        if isinstance(stored, gpd.GeoDataFrame):
            pyogrio.write_dataframe(stored, self.tmp, layer=layer, driver="GPKG")
        else:
            pyogrio.write_dataframe(pd.DataFrame(stored), self.tmp, layer=layer, driver="GPKG")

    def count(self, layer: str) -> int:
        return int(pyogrio.read_info(self.tmp, layer=layer)["features"])

    def append(self, record: Mapping[str, object]) -> None:
        pyogrio.write_dataframe(
            pd.DataFrame({k: [v] for k, v in record.items()}),
            self.tmp,
            layer=VERSIONS_LAYER,
            driver="GPKG",
            append=bool(self.previous),
        )


@contextmanager
def new_version(path: Path) -> Iterator[Session]:
    """Lock the workspace, hand out a private copy to add a version to, then swap it in atomically.

    Yields a :class:`Session` on the copy, holding the versions saved so far. An exception (or a
    killed process) before the final rename leaves the workspace byte-for-byte as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with write_lock(path):
        # Copies left by a writer that was killed, and their SQLite journals: only the lock
        # holder writes one, so any found now is stale.
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp.gpkg*"):
            stale.unlink(missing_ok=True)
        _roll_back_unfinished_write(path)
        previous = list_versions(path) if path.exists() else []
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp.gpkg", dir=path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            if path.exists():
                shutil.copyfile(path, tmp)
                shutil.copymode(path, tmp)  # mkstemp made it private; keep the file's own mode
            else:
                tmp.unlink()
            yield Session(tmp, previous)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
