"""Reading an uploaded file in a separate process, so that a hostile or broken file cannot take
the app down.

:func:`read_upload_isolated` checks the file's size here (cheap), then hands the file to a small
fork server (``python -m geodata.uploads._worker``, started on first use, with the readers loaded:
a read costs a fork, not an interpreter start). The forked child checks the content
(:func:`geodata.uploads.limits.check_content`: file type, zip bombs, XML entities), reads the file with the
usual readers under memory, CPU and file-size limits, and hands the rows back as (Geo)Parquet with a
JSON result. Whatever happens in the child — an error, a crash in GDAL, memory exhausted, a hang —
the caller gets a :class:`~geodata.tables.problems.DataError` that names the file and the problem, within
``timeout_s`` (the child is killed then).

:func:`count_points_isolated` does the same for counting a whole file of person records into the
areas (:func:`geodata.persons.points.count_points_in_areas`): the mapping step reads only a sample of
such a file, the count reads every row — so a file whose later rows are hostile (a decompression
bomb in a Parquet row group, a CSV that never ends) meets the limits there, within
``count_timeout_s``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from geodata.tables.problems import DataError, Problem
from geodata.uploads.limits import UploadLimits, check_content, check_sizes, limits_from_env
from geodata.uploads.reading import Upload, read_upload_here

if TYPE_CHECKING:
    from collections.abc import Callable

    from geodata.persons.points import PointCounts

ROOT = Path(__file__).resolve().parents[2]


#: What the reading processes get of the app's environment: the locale, the temporary folder and
#: where PROJ and GDAL keep their data — never the app's secrets (database password, ``PG*``
#: variables, ``COVERAGE_ATLAS_*`` settings, cloud keys), which a reader subverted by a hostile
#: file could otherwise send on.
READER_ENVIRONMENT = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "GDAL_DATA",
    "PROJ_DATA",
    "PROJ_LIB",
)


def reader_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the reading processes start with (see :data:`READER_ENVIRONMENT`)."""
    environ = dict(os.environ if environ is None else environ)
    env = {k: environ[k] for k in READER_ENVIRONMENT if k in environ}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


#: Reads (and counts) that may run at once on this machine, over every app process; more wait
#: their turn (``COVERAGE_ATLAS_PARALLEL_READS``, default 2).
PARALLEL_READS = 2


def _parallel_reads() -> int:
    try:
        return max(1, int(os.environ.get("COVERAGE_ATLAS_PARALLEL_READS", PARALLEL_READS)))
    except ValueError:
        return PARALLEL_READS


class _ReadSlot:
    """One of :func:`_parallel_reads` slots, held with ``flock`` on a file in the temporary
    folder: shared by the threads of this process and by every app process of this user."""

    def __init__(self, shown: str, timeout: float) -> None:
        self.shown, self.timeout = shown, timeout
        self._file: int | None = None

    def __enter__(self) -> _ReadSlot:
        import fcntl

        folder = Path(tempfile.gettempdir()) / f"coverage-atlas-reads-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        deadline = time.monotonic() + self.timeout
        while True:
            for i in range(_parallel_reads()):
                fd = os.open(folder / f"slot-{i}", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                self._file = fd
                return self
            if time.monotonic() >= deadline:
                raise DataError(
                    f"{self.shown}: other files are being read; try again in a minute.",
                    code="busy",
                    params={"file": self.shown},
                )
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            os.close(self._file)  # releases the lock
            self._file = None


#: Temporary folders of uploads and reads (``geodata.uploads.reading.save_upload`` and this module).
TEMP_PREFIXES = ("ca-upload-", "ca-read-", "ca-count-")
#: Age after which such a folder is stale: no session still works on it.
STALE_AFTER_S = 6 * 3600


def sweep_stale_uploads(folder: str | Path | None = None, max_age_s: float = STALE_AFTER_S) -> int:
    """Remove this user's upload folders older than ``max_age_s`` in ``folder`` (the temporary
    folder by default): what a server that stopped, or a session that ended without a word, left
    behind — person records included. Returns how many were removed."""
    folder = Path(folder or tempfile.gettempdir())
    now, removed = time.time(), 0
    try:
        children = list(folder.iterdir())
    except OSError:
        return 0
    for child in children:
        if not child.name.startswith(TEMP_PREFIXES):
            continue
        try:
            info = child.lstat()
        except OSError:
            continue
        if info.st_uid != os.getuid() or not child.is_dir() or child.is_symlink():
            continue
        if now - info.st_mtime > max_age_s:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


class _ForkServer:
    """The reading processes' parent: one per app process, restarted if it ever dies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "geodata.uploads._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=reader_environment(),
            close_fds=True,
            start_new_session=True,  # a Ctrl-C in the app's terminal is not its to hear
        )

    def submit(self, job: dict) -> int:
        """Start a child on ``job``; its pid."""
        with self._lock:
            for attempt in range(2):
                if self._process is None or self._process.poll() is not None:
                    self._process = self._start()
                try:
                    assert self._process.stdin is not None and self._process.stdout is not None
                    self._process.stdin.write((json.dumps(job) + "\n").encode())
                    self._process.stdin.flush()
                    answer = self._process.stdout.readline()
                    return int(json.loads(answer)["pid"])
                except (OSError, ValueError, KeyError):
                    self._process.kill()
                    self._process = None
                    if attempt:
                        raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """End the server (it kills any child still reading); called at exit."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_SERVER = _ForkServer()
atexit.register(_SERVER.stop)


def _wait_for_exit(
    out: Path, pid: int, timeout: float, poll: Callable[[], None] | None = None
) -> int | None:
    """0 once the child has left its result, else its exit status once the server has reaped
    it, or None after ``timeout``. ``poll`` is called while waiting (at most ten times a
    second)."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    polled = 0.0
    while True:
        if (out / "result.json").exists():  # the child's last act: it is done
            return 0
        done = out / "exit"
        if done.exists():
            return int(done.read_text())
        if time.monotonic() >= deadline:
            return None
        if poll is not None and time.monotonic() - polled >= 0.1:
            poll()
            polled = time.monotonic()
        time.sleep(pause)
        pause = min(pause * 1.5, 0.02)


def read_upload_isolated(
    path: str | Path,
    *,
    name: str | None = None,
    limits: UploadLimits | None = None,
    sites: dict[str, int] | None = None,
    **options: object,
) -> Upload:
    """:func:`geodata.uploads.reading.read_upload_here` in a separate, limited process.

    Parameters
    ----------
    path
        The uploaded file (in its temporary folder).
    name
        The file name as the person uploaded it (shown in messages).
    limits
        Sizes, time and memory (default: :func:`geodata.uploads.limits.limits_from_env`).
    sites
        Read the file as a layer of candidate sites: its caps (``max_rows``, ``max_vertices``),
        checked in the reading process, which hands back only a name and a point per site.
    options
        ``crs``, ``sheet``, ``encoding``, ``sample_rows`` for the reader.

    Raises
    ------
    DataError
        Anything that stops the read, as a message naming the file (``code`` says which kind).
    """
    path = Path(path)
    shown = name or path.name
    limits = limits or limits_from_env()
    check_sizes(path, shown, limits)
    if not limits.isolated:
        check_content(path, shown, limits)
        here = read_upload_here(path, name=shown, **options)  # type: ignore[arg-type]
        if sites is not None:
            from geodata.uploads.candidates import candidate_points

            here = Upload(path=path, name=shown, frame=candidate_points(here.frame, shown, sites))
        return here
    out = Path(tempfile.mkdtemp(prefix="ca-read-"))
    try:
        job = {
            **({"kind": "sites", "caps": dict(sites)} if sites is not None else {}),
            "path": str(path.resolve()),
            "name": shown,
            "out": str(out),
            "options": {k: v for k, v in options.items() if v is not None},
            "limits": limits.as_job(),
        }
        try:
            result = run_job(job, out, shown, limits, limits.timeout_s)
        except Stopped as stopped:
            raise stopped.error from None
        frame = pd.read_parquet(out / "frame.parquet")
        geometry = result.get("geometry")
        if geometry:
            shapes = shapely.from_wkb(frame[geometry].to_numpy(), on_invalid="ignore")
            frame = gpd.GeoDataFrame(
                frame.drop(columns=[geometry]), geometry=shapes, crs=result.get("crs")
            )
            if geometry != "geometry":
                frame = frame.rename_geometry(geometry)
            frame = frame[[*result["columns"]]] if result.get("columns") else frame
        return Upload(
            path=path,
            name=shown,
            frame=frame,
            hxl=dict(result.get("hxl") or {}),
            sampled=bool(result.get("sampled")),
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _timeout(shown: str, limits: UploadLimits, seconds: float | None = None) -> DataError:
    seconds = limits.timeout_s if seconds is None else seconds
    return DataError(
        f"{shown}: reading the file took longer than {seconds:g} s and was stopped.",
        code="timeout",
        params={"file": shown, "seconds": f"{seconds:g}"},
    )


def _died(
    shown: str, exitcode: int, limits: UploadLimits, seconds: float | None = None
) -> DataError:
    if exitcode == -signal.SIGXCPU:
        return _timeout(shown, limits, seconds)
    try:
        reason = f"signal {signal.Signals(-exitcode).name}" if exitcode < 0 else ""
    except ValueError:
        reason = f"signal {-exitcode}"
    reason = reason or f"exit status {exitcode}"
    return DataError(
        f"{shown}: the reader stopped on this file ({reason}): it is damaged, or needs more "
        f"than the {limits.memory_mb} MB of memory an upload may use.",
        code="crashed",
        params={"file": shown, "reason": reason, "limit": f"{limits.memory_mb} MB"},
    )


def _data_error(error: dict) -> DataError:
    problems = [Problem(**p) for p in error.get("problems", [])]
    return DataError(
        str(error.get("message", "")),
        problems,
        code=error.get("code"),
        params=dict(error.get("params") or {}),
    )


class Stopped(Exception):
    """The child ran out of time or died: ``error`` says so of reading the file."""

    def __init__(self, error: DataError) -> None:
        super().__init__(error.message)
        self.error = error


def run_job(
    job: dict,
    out: Path,
    shown: str,
    limits: UploadLimits,
    timeout: float,
    poll: Callable[[], None] | None = None,
) -> dict:
    """Hand ``job`` to a child and return its JSON result once it is done.

    Raises
    ------
    Stopped
        The child ran past ``timeout`` (it is killed, and reaped before this returns) or died.
    DataError
        The child reported the file's problem.
    """
    with _ReadSlot(shown, timeout):
        pid = _SERVER.submit(job)
        exitcode = _wait_for_exit(out, pid, timeout, poll=poll)
        if exitcode is None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _wait_for_exit(out, pid, 10)
    if exitcode is None:
        raise Stopped(_timeout(shown, limits, timeout))
    result_file = out / "result.json"
    if not result_file.exists():
        raise Stopped(_died(shown, exitcode, limits, timeout))
    result = json.loads(result_file.read_text(encoding="utf-8"))
    if "error" in result:
        raise _data_error(result["error"])
    return result


def count_points_isolated(
    path: str | Path,
    areas: gpd.GeoDataFrame,
    *,
    name: str | None = None,
    limits: UploadLimits | None = None,
    progress: Callable[[int], None] | None = None,
    **options: object,
) -> PointCounts:
    """:func:`geodata.persons.points.count_points_in_areas` in a separate, limited process.

    Parameters
    ----------
    path
        The uploaded file of person or household records (in its temporary folder).
    areas
        The areas to count into (``area_id`` and polygons); handed to the child as GeoParquet.
    name
        The file name as the person uploaded it (shown in messages).
    limits
        Memory (``memory_mb``) and time (``count_timeout_s``); default
        :func:`geodata.uploads.limits.limits_from_env`.
    progress
        Called with the number of records read so far, as the child reports it.
    options
        ``date``, ``lat``, ``lon``, ``scheme``, ``default_scheme``, ``crs``, ``encoding``,
        ``sheet``, ``chunk_rows`` for :func:`~geodata.persons.points.count_points_in_areas`.

    Raises
    ------
    DataError
        Anything that stops the count, as a message naming the file (``code`` says which kind).
    """
    from geodata.persons.points import PointCounts, count_points_in_areas

    path = Path(path)
    shown = name or path.name
    limits = limits or limits_from_env()
    check_sizes(path, shown, limits)
    if not limits.isolated:
        check_content(path, shown, limits)
        return count_points_in_areas(path, areas, progress=progress, **options)  # type: ignore[arg-type]
    out = Path(tempfile.mkdtemp(prefix="ca-count-"))
    seen = [-1]

    def report() -> None:
        if progress is None:
            return
        try:
            read = int(json.loads((out / "progress").read_text(encoding="utf-8"))["read"])
        except (OSError, ValueError, KeyError):
            return
        if read != seen[0]:
            seen[0] = read
            progress(read)

    try:
        shapes = gpd.GeoDataFrame(
            {"area_id": areas["area_id"].astype(str).to_numpy()},
            geometry=areas.geometry.to_numpy(),
            crs=areas.crs,
        )
        shapes.to_parquet(out / "areas.parquet")
        job = {
            "kind": "count_points",
            "path": str(path.resolve()),
            "name": shown,
            "out": str(out),
            "areas": str(out / "areas.parquet"),
            "options": {k: v for k, v in options.items() if v is not None},
            "limits": limits.as_job(),
        }
        try:
            result = run_job(job, out, shown, limits, limits.count_timeout_s, poll=report)
        except Stopped as stopped:
            raise _counting(stopped.error) from None
        except DataError as error:
            # The child names the file by its temporary name; the person knows it by theirs.
            if path.name == shown:
                raise
            message = error.message.replace(path.name, shown)
            raise DataError(message, error.problems, error.code, error.params) from None
        report()
        return PointCounts(
            counts=pd.read_parquet(out / "counts.parquet"),
            read=int(result["read"]),
            counted=int(result["counted"]),
            outside=int(result["outside"]),
            rejected=int(result["rejected"]),
            problems=[Problem(**p) for p in result["problems"]],
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _counting(error: DataError) -> DataError:
    """``error`` (a time or crash stop) said of counting the records, not of reading a file."""
    message = error.message.replace("reading the file took", "counting the records took").replace(
        "the reader stopped on this file", "counting the records stopped on this file"
    )
    return DataError(message, error.problems, error.code, error.params)
