"""The fork server that reads uploaded files (see :mod:`geodata.uploads.sandbox`); not for other use.

``python -m geodata.uploads._worker`` loads the readers once, with GDAL registering only the drivers
the app reads uploads with (``GDAL_SKIP`` is set before pyogrio loads). It then reads one job per
line on standard input (JSON), forks a child for it, answers ``{"pid": …}`` and, when the child
ends, writes its exit status into the job's folder (``exit``). The child works under
``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` and ``RLIMIT_FSIZE`` and sends back nothing but files —
never a pickle, so even a reader subverted by a hostile file cannot run code in the app. The
server ends when the app closes its standard input.

Four kinds of job: ``read`` (the default) reads an upload and leaves its rows as (Geo)Parquet and a
JSON result; ``sites`` reads a layer of candidate sites the same way, refuses it beyond its caps
on rows and vertices and leaves only a name and a point per site; ``count_points`` counts a whole file of person records into the areas (given as
GeoParquet) with :func:`geodata.persons.points.count_points_in_areas` and leaves the counts as Parquet,
the figures and problems as JSON, and the records read so far in ``progress`` as it goes;
``travel`` reads an uploaded travel input (a road extract with libosmium, a GeoTIFF with GDAL's
GTiff driver only, a speed table) with :func:`geodata.uploads.travel_files.describe_travel_file`
and leaves its summary (or its problem) as JSON, under the travel inputs' own memory and time.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import sys
import time
from pathlib import Path

#: The vector drivers of GDAL the app reads uploads with; every other one is skipped. (LIBKML
#: reads a KML file's ExtendedData columns; KML, only where a GDAL has no LIBKML.)
ALLOWED_DRIVERS = frozenset({"GeoJSON", "GPKG", "ESRI Shapefile", "LIBKML", "KML"})
#: Vector drivers of GDAL 3.12 (pyogrio's wheels), less the allowed ones: skipped at registration.
#: A driver that a later GDAL adds is caught by :data:`UNEXPECTED_DRIVERS` and a check per file.
SKIPPED_DRIVERS = (
    "ADBC,AIVector,AVCBin,AVCE00,AmigoCloud,CSV,CSW,Carto,DGN,DXF,EDIGEO,EEDA,ESRIJSON,"
    "Elasticsearch,FlatGeobuf,GDALG,GML,GPSBabel,GPX,GTFS,GeoJSONSeq,GeoRSS,HTTP,Idrisi,JML,"
    "JSONFG,LVBAG,MBTiles,MEM,MVT,MapInfo File,MapML,MiraMonVector,NGW,OAPIF,ODS,OGCAPI,"
    "OGR_GMT,OGR_PDS,OGR_VRT,OSM,OpenFileGDB,PCIDSK,PDF,PDS4,PGDUMP,PLSCENES,PMTiles,S57,"
    "SQLite,SXF,Selafin,TopoJSON,VDV,VFK,VICAR,WAsP,WFS,XLSX"
)

if "pyogrio" not in sys.modules:  # in the fork server: before GDAL registers its drivers
    os.environ["GDAL_SKIP"] = SKIPPED_DRIVERS
    os.environ.setdefault("GDAL_HTTP_TIMEOUT", "1")
    os.environ["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".none"  # no /vsicurl/ reads
    import pyogrio

    os.environ.pop("GDAL_SKIP", None)
else:  # imported in the app's own process (in-process reading): GDAL is already set up
    import pyogrio

import geopandas as gpd  # noqa: E402
import openpyxl  # noqa: E402  (loaded once here, not in every child)
import pandas as pd  # noqa: E402
import pyarrow.parquet  # noqa: E402, F401
import pyogrio.geopandas  # noqa: E402, F401
import shapely  # noqa: E402

from geodata.persons.points import count_points_in_areas  # noqa: E402
from geodata.sources.readers import VECTOR_SUFFIXES  # noqa: E402
from geodata.tables.problems import DataError  # noqa: E402
from geodata.uploads.candidates import candidate_points  # noqa: E402
from geodata.uploads.limits import UploadLimits, check_content  # noqa: E402
from geodata.uploads.reading import read_upload_here  # noqa: E402
from geodata.uploads.travel_files import describe_travel_file  # noqa: E402

UNEXPECTED_DRIVERS = frozenset(pyogrio.list_drivers()) - ALLOWED_DRIVERS


def _vm_bytes(key: str = "VmSize") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) * 1024
    return 0


#: How close to its memory limit a child that failed must have come for the failure to be told
#: as the limit's: a thread's stack or a database that could not be mapped fails as an error of
#: the reader (libosmium: "Resource temporarily unavailable"; PROJ: "Unable to determine UTM
#: CRS"), not as a MemoryError.
NEAR_LIMIT_BYTES = 64 * 1024 * 1024


def _near_memory_limit() -> bool:
    """Whether this child's address space came within :data:`NEAR_LIMIT_BYTES` of its limit."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    return limit != resource.RLIM_INFINITY and _vm_bytes("VmPeak") + NEAR_LIMIT_BYTES >= limit


def _set_limits(limits: UploadLimits, seconds: float | None = None) -> None:
    """Memory, CPU time (``seconds`` of wall time on every core: the counting runs threads) and
    file size limits for this child."""
    extra = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + extra, _vm_bytes() + extra))
    cpu = int(limits.timeout_s) + 5 if seconds is None else int(seconds * (os.cpu_count() or 1)) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    written = 4 * 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (written, written))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _check_driver(path: Path, shown: str) -> None:
    """Where this GDAL has vector drivers not skipped: the one that opens the file must be allowed."""
    if not UNEXPECTED_DRIVERS or path.suffix.lower() not in VECTOR_SUFFIXES:
        return
    from geodata.sources.readers import _zip_source

    source = _zip_source(path) if path.suffix.lower() == ".zip" else str(path)
    try:
        driver = pyogrio.read_info(source)["driver"]
    except Exception:  # unreadable: the reader says why
        return
    if driver not in ALLOWED_DRIVERS:
        raise DataError(
            f"{shown}: the file is read by GDAL's '{driver}' driver, which uploads may not use.",
            code="driver",
            params={"file": shown, "driver": driver},
        )


def _write_frame(frame: pd.DataFrame, target: Path) -> dict:
    """The rows as Parquet (geometry as WKB); what the app needs to rebuild the frame.

    Columns Arrow cannot type are written as text. The CRS travels as ``EPSG:n`` where it is one
    (pyproj reads that in microseconds, PROJJSON in a tenth of a second), else as WKT.
    """
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    meta: dict = {"geometry": geometry, "crs": None, "columns": [str(c) for c in frame.columns]}
    table = pd.DataFrame(frame).copy()
    if geometry is not None:
        crs = frame.crs
        if crs is not None:
            authority = crs.to_authority(min_confidence=100)
            meta["crs"] = ":".join(authority) if authority else crs.to_wkt()
        table[geometry] = shapely.to_wkb(frame.geometry.to_numpy())
    table.columns = [str(c) for c in table.columns]
    table.attrs = {}
    try:
        table.to_parquet(target, index=False)
    except Exception:
        for column in table.columns:
            if column != geometry and table[column].dtype == object:
                table[column] = table[column].map(lambda v: None if v is None or v != v else str(v))
        table.to_parquet(target, index=False)
    return meta


def _error(exc: DataError) -> dict:
    return {
        "message": exc.message,
        "code": exc.code,
        "params": {k: str(v) for k, v in exc.params.items()},
        "problems": [p.__dict__ for p in exc.problems[:1000]],
    }


def _failure(exc: BaseException, shown: str, limits: UploadLimits) -> dict:
    """The JSON error for whatever stopped a job."""
    if isinstance(exc, DataError):
        return _error(exc)
    if isinstance(exc, MemoryError):
        return {
            "code": "memory",
            "message": f"{shown}: reading it needs more memory "
            f"than an upload may use ({limits.memory_mb} MB).",
            "params": {"file": shown, "limit": f"{limits.memory_mb} MB"},
        }
    if isinstance(exc, RecursionError):
        return {
            "code": "unreadable",
            "message": f"{shown}: the file is nested too deeply to read.",
            "params": {"file": shown, "reason": "nesting"},
        }
    # a reader's own error on a broken file: say what it said
    reason = f"{type(exc).__name__}: {exc}"[:500]
    return {
        "code": "unreadable",
        "message": f"{shown}: cannot read the file ({reason}).",
        "params": {"file": shown, "reason": reason},
    }


def _write_json(out: Path, name: str, value: dict) -> None:
    """``value`` as ``out/name``, whole or not at all (written aside, then renamed)."""
    partial = out / f"{name}.part"
    partial.write_text(json.dumps(value, default=str), encoding="utf-8")
    partial.rename(out / name)


def run(job: dict) -> None:
    """Do ``job`` (see the module's docstring) and leave its files in ``job["out"]``."""
    if job.get("kind") == "count_points":
        count(job)
        return
    if job.get("kind") == "travel":
        travel(job)
        return
    out = Path(job["out"])
    path, shown = Path(job["path"]), job["name"]
    limits = UploadLimits(**job["limits"])
    started = time.perf_counter()
    _set_limits(limits)
    try:
        check_content(path, shown, limits)
        _check_driver(path, shown)
        upload = read_upload_here(path, name=shown, **job["options"])
        read = time.perf_counter()
        frame = upload.frame
        if job.get("kind") == "sites":
            frame = candidate_points(frame, shown, job["caps"])
        meta = _write_frame(frame, out / "frame.parquet")
        del frame
        result: dict = {
            **meta,
            "hxl": upload.hxl,
            "sampled": upload.sampled,
            "seconds": {"read": read - started, "write": time.perf_counter() - read},
        }
        del upload
    except Exception as exc:  # noqa: BLE001 — every failure (memory too) becomes a clean error
        result = {"error": _failure(exc, shown, limits)}
    _write_json(out, "result.json", result)


def _plain(value: object) -> object:
    """A value JSON can carry (numpy scalars as Python ones)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value


def count(job: dict) -> None:
    """Count the person records of ``job["path"]`` into the areas of ``job["areas"]``."""
    out = Path(job["out"])
    path, shown = Path(job["path"]), job["name"]
    limits = UploadLimits(**job["limits"])
    _set_limits(limits, seconds=limits.count_timeout_s)

    def progress(read: int) -> None:
        _write_json(out, "progress", {"read": int(read)})

    try:
        check_content(path, shown, limits)
        areas = gpd.read_parquet(job["areas"])
        counted = count_points_in_areas(path, areas, progress=progress, **job["options"])
        counted.counts.to_parquet(out / "counts.parquet", index=False)
        result: dict = {
            "read": counted.read,
            "counted": counted.counted,
            "outside": counted.outside,
            "rejected": counted.rejected,
            "problems": [{k: _plain(v) for k, v in p.__dict__.items()} for p in counted.problems],
        }
        del counted
    except Exception as exc:  # noqa: BLE001 — every failure (memory too) becomes a clean error
        result = {"error": _failure(exc, shown, limits)}
    _write_json(out, "result.json", result)


def travel(job: dict) -> None:
    """Read the travel input ``job["path"]`` as ``job["role"]``'s file; its summary as JSON."""
    out = Path(job["out"])
    shown = job["name"]
    limits = UploadLimits(**job["limits"])  # the travel inputs' memory and time already
    _set_limits(limits, seconds=limits.timeout_s)  # libosmium reads on several threads
    try:
        result: dict = {"summary": describe_travel_file(job["role"], Path(job["path"]))}
    except Exception as exc:  # noqa: BLE001 — every failure (memory too) becomes a clean error
        result = {"error": _travel_failure(exc, shown, limits)}
    _write_json(out, "result.json", result)


def _travel_failure(exc: BaseException, shown: str, limits: UploadLimits) -> dict:
    """The JSON error of a travel job: the memory limit's where the child came near it, else the
    file's problem (its numbers kept as numbers: the page writes them in the reader's digits)."""
    if _near_memory_limit():
        return _failure(MemoryError(), shown, limits)
    if isinstance(exc, DataError):
        return {**_error(exc), "params": {k: _plain(v) for k, v in exc.params.items()}}
    return _failure(exc, shown, limits)


def _reap(jobs: dict[int, Path]) -> None:
    while jobs:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        out = jobs.pop(pid, None)
        if out is not None:
            try:
                partial = out / "exit.part"
                partial.write_text(str(os.waitstatus_to_exitcode(status)))
                partial.rename(out / "exit")
            except OSError:  # the app has its result and removed the folder already
                pass


def _warm_up() -> None:
    """Read a tiny file of each common kind once here, so that what the readers set up on first
    use (lazy imports, GDAL's driver state) is done once, not in every child."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ca-warm-"))
    try:
        (folder / "w.csv").write_text("id,lat,lon\n1,35.7,51.4\n", encoding="utf-8")
        (folder / "w.geojson").write_text(
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},'
            '"geometry":{"type":"Point","coordinates":[51.4,35.7]}}]}',
            encoding="utf-8",
        )
        book = openpyxl.Workbook()
        book.active.append(["id", "name"])
        book.active.append(["1", "x"])
        book.save(folder / "w.xlsx")
        points = gpd.read_file(folder / "w.geojson").set_crs("EPSG:4326", allow_override=True)
        for name, driver in (("w.gpkg", "GPKG"), ("w.shp", "ESRI Shapefile"), ("w.kml", "LIBKML")):
            pyogrio.write_dataframe(points, folder / name, driver=driver)
        for name in ("w.csv", "w.geojson", "w.xlsx", "w.gpkg", "w.shp", "w.kml"):
            _write_frame(read_upload_here(folder / name).frame, folder / "w.parquet")
    except Exception:  # noqa: BLE001 — only a speed-up
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serve() -> None:
    """Fork one child per job line on standard input; see the module's docstring."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app's Ctrl-C is the app's to handle
    _warm_up()
    jobs: dict[int, Path] = {}
    stdin, stdout = sys.stdin.buffer, sys.stdout
    buffered = b""
    while True:
        ready, _, _ = select.select([stdin], [], [], 0.05)
        _reap(jobs)
        if not ready:
            continue
        chunk = os.read(stdin.fileno(), 1 << 16)
        if not chunk:  # the app has gone: so do the children
            for pid in jobs:
                os.kill(pid, signal.SIGKILL)
            return
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            job = json.loads(line)
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.dup2(2, 1)  # nothing a reader prints may reach the answers to the app
                    run(job)
                    code = 0
                finally:
                    os._exit(code)
            jobs[pid] = Path(job["out"])
            stdout.write(json.dumps({"pid": pid}) + "\n")
            stdout.flush()


if __name__ == "__main__":
    serve()
