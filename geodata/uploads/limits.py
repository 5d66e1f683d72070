"""Limits and checks for files that arrive from outside (uploads): sizes per type, archives (zip
bombs, unsafe paths, nesting) and XML (entity bombs), before any parser sees the file.

Every check raises :class:`~geodata.tables.problems.DataError` with a ``code`` (translated by the UI as
``upload.<code>``), ``params`` for the message, and an English message that names the file and
the problem. Nothing here parses the file's content beyond the zip directory and the XML prolog.

The limits can be changed without code through environment variables:

``COVERAGE_ATLAS_UPLOAD_MAX_MB``
    Per type, e.g. ``"geojson=100,xlsx=50"`` (megabytes; types are file suffixes).
``COVERAGE_ATLAS_UPLOAD_TIMEOUT_S``
    Seconds one file may take to read (default 120).
``COVERAGE_ATLAS_UPLOAD_MEMORY_MB``
    Memory the reading process may take beyond what it starts with (default 3072).
``COVERAGE_ATLAS_UPLOAD_COUNT_TIMEOUT_S``
    Seconds counting one file of person records into the areas may take (default 900: the whole
    file is read, in chunks, millions of rows).
``COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB``
    Memory the reading process of a travel input (road extract, raster, speed table replaced
    from the Data page) may take beyond what it starts with (default 6144: a national road
    extract takes about 3.5 GB to read).
``COVERAGE_ATLAS_UPLOAD_TRAVEL_TIMEOUT_S``
    Seconds reading one travel input may take (default 300: a national extract takes about 40 s
    on an idle core).
``COVERAGE_ATLAS_UPLOAD_ISOLATION``
    ``off`` reads uploads in the app's own process (for debugging only; default on).
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from geodata.tables.problems import DataError

MB = 1024 * 1024

#: Largest file accepted per type (bytes). The Streamlit server's own limit
#: (``server.maxUploadSize`` in .streamlit/config.toml) is the largest of these.
DEFAULT_MAX_BYTES: Mapping[str, int] = MappingProxyType(
    {
        ".geojson": 100 * MB,
        ".json": 100 * MB,
        ".kml": 50 * MB,
        ".gpkg": 200 * MB,
        ".shp": 200 * MB,
        ".shx": 50 * MB,
        ".dbf": 200 * MB,
        ".prj": 1 * MB,
        ".cpg": 1 * MB,
        ".zip": 200 * MB,
        ".csv": 200 * MB,
        ".txt": 200 * MB,
        ".xlsx": 50 * MB,
        ".xlsm": 50 * MB,
        ".parquet": 200 * MB,
        ".geoparquet": 200 * MB,
    }
)
ARCHIVE_SUFFIXES = frozenset({".zip", ".xlsx", ".xlsm"})
XML_SUFFIXES = frozenset({".kml"})
_NESTED_ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".kmz")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UploadLimits:
    """What one uploaded file may cost.

    Attributes
    ----------
    max_bytes
        Largest file per suffix; a suffix not listed is refused by the readers anyway.
    archive_max_entries
        Files (and folders) inside a zip archive or workbook.
    archive_max_total
        Uncompressed bytes of all entries together (declared, and checked while decompressing).
    archive_max_ratio, workbook_max_ratio
        Largest uncompressed ÷ compressed size of one entry above ``archive_ratio_floor`` bytes,
        in a zip archive and in a workbook (whose XML compresses better than data files do).
    archive_max_depth
        Folders nested inside an archive.
    timeout_s, memory_mb
        Time and extra memory for reading one file in its own process.
    count_timeout_s
        Time for counting a whole file of person records into the areas (in its own process,
        under ``memory_mb`` too).
    travel_memory_mb, travel_timeout_s
        Extra memory and time for reading one travel input (a road extract, a raster, a speed
        table) in its own process, in place of ``memory_mb`` and ``timeout_s``.
    isolated
        Whether files are read in a separate process (see :mod:`geodata.uploads.sandbox`).
    """

    max_bytes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_BYTES))
    archive_max_entries: int = 2000
    archive_max_total: int = 1024 * MB
    archive_max_ratio: float = 200.0
    workbook_max_ratio: float = 1000.0
    archive_ratio_floor: int = 1 * MB
    archive_max_depth: int = 12
    timeout_s: float = 120.0
    memory_mb: int = 3072
    count_timeout_s: float = 900.0
    travel_memory_mb: int = 6144
    travel_timeout_s: float = 300.0
    isolated: bool = True

    def with_(self, **changes: object) -> UploadLimits:
        """A copy with some limits changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def as_job(self) -> dict:
        """The limits as a sandbox job carries them (JSON; ``UploadLimits(**...)`` reads them
        back in the reading process)."""
        return {**asdict(self), "max_bytes": dict(self.max_bytes)}


def limits_from_env(environ: Mapping[str, str] | None = None) -> UploadLimits:
    """The limits, with the ``COVERAGE_ATLAS_UPLOAD_*`` environment variables applied."""
    env = os.environ if environ is None else environ
    limits = UploadLimits()
    sizes = dict(limits.max_bytes)
    for item in env.get("COVERAGE_ATLAS_UPLOAD_MAX_MB", "").split(","):
        suffix, _, value = item.partition("=")
        if suffix.strip() and value.strip():
            sizes["." + suffix.strip().lower().lstrip(".")] = int(float(value) * MB)
    changes: dict[str, object] = {"max_bytes": sizes}
    if env.get("COVERAGE_ATLAS_UPLOAD_TIMEOUT_S"):
        changes["timeout_s"] = float(env["COVERAGE_ATLAS_UPLOAD_TIMEOUT_S"])
    if env.get("COVERAGE_ATLAS_UPLOAD_MEMORY_MB"):
        changes["memory_mb"] = int(env["COVERAGE_ATLAS_UPLOAD_MEMORY_MB"])
    if env.get("COVERAGE_ATLAS_UPLOAD_COUNT_TIMEOUT_S"):
        changes["count_timeout_s"] = float(env["COVERAGE_ATLAS_UPLOAD_COUNT_TIMEOUT_S"])
    if env.get("COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB"):
        changes["travel_memory_mb"] = int(env["COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB"])
    if env.get("COVERAGE_ATLAS_UPLOAD_TRAVEL_TIMEOUT_S"):
        changes["travel_timeout_s"] = float(env["COVERAGE_ATLAS_UPLOAD_TRAVEL_TIMEOUT_S"])
    if env.get("COVERAGE_ATLAS_UPLOAD_ISOLATION", "").strip().lower() in {"off", "0", "false"}:
        changes["isolated"] = False
    return limits.with_(**changes)


def _mb(n: float) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def check_size(path: Path, shown: str, limits: UploadLimits) -> None:
    """Refuse a file larger than its type allows (or of a type with no limit)."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    allowed = limits.max_bytes.get(suffix)
    if allowed is None:
        raise DataError(
            f"{shown}: unsupported file type '{suffix}'. Use GeoJSON, GeoPackage, Shapefile (or "
            "a zipped one), KML, CSV, XLSX or GeoParquet.",
            code="unsupported_type",
            params={"file": shown, "suffix": suffix},
        )
    if size > allowed:
        raise DataError(
            f"{shown}: the file is {_mb(size)}; a {suffix} file may be at most {_mb(allowed)}.",
            code="too_large",
            params={"file": shown, "size": _mb(size), "limit": _mb(allowed), "suffix": suffix},
        )


def unsafe_member(name: str) -> bool:
    """An archive path that is absolute, climbs out (``..``) or names a drive (``C:``)."""
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    return (
        posix.startswith("/")
        or ".." in parts
        or (len(posix) > 1 and posix[1] == ":")
        or "\x00" in name
    )


def check_archive(path: Path, shown: str, limits: UploadLimits) -> None:
    """Check a zip archive (or a workbook, which is one) before anything reads it.

    Refused: more than ``archive_max_entries`` entries, absolute paths or ``..``, symbolic links,
    archives inside the archive, folders nested too deep, entries that expand more than
    ``archive_max_ratio`` times, and more than ``archive_max_total`` uncompressed bytes — declared
    in the directory or found while decompressing (a directory that lies is caught too, and so is
    a damaged entry, by its checksum).
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        kind = _KINDS.get(path.suffix.lower(), "zip archive")
        raise DataError(
            f"{shown}: cannot read the file: not a valid {kind}.",
            code="wrong_type",
            params={"file": shown, "kind": kind},
        ) from None
    with archive:
        entries = archive.infolist()
        _check_directory(entries, shown, path.suffix.lower(), limits)
        budget = inflation_budget(entries, path.suffix.lower(), limits)
        total = 0
        for entry in entries:
            if entry.is_dir():
                continue
            try:
                with archive.open(entry) as member:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > budget:  # more than the directory declared: it lies
                            _too_big(shown, limits)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                raise DataError(
                    f"{shown}: entry '{entry.filename}' of the archive is damaged ({exc}).",
                    code="bad_archive_entry",
                    params={"file": shown, "entry": entry.filename},
                ) from None
            except RuntimeError:  # an encrypted entry
                raise DataError(
                    f"{shown}: entry '{entry.filename}' is encrypted; upload it without a "
                    "password.",
                    code="encrypted_archive",
                    params={"file": shown, "entry": entry.filename},
                ) from None


def _too_big(shown: str, limits: UploadLimits) -> None:
    raise DataError(
        f"{shown}: the archive expands to more than {_mb(limits.archive_max_total)} "
        "(a zip bomb, or too much data for one upload).",
        code="archive_too_big",
        params={"file": shown, "limit": _mb(limits.archive_max_total)},
    )


def _check_directory(
    entries: list[zipfile.ZipInfo], shown: str, suffix: str, limits: UploadLimits
) -> None:
    if len(entries) > limits.archive_max_entries:
        raise DataError(
            f"{shown}: the archive holds {len(entries)} entries; at most "
            f"{limits.archive_max_entries} are accepted.",
            code="archive_entries",
            params={"file": shown, "n": len(entries), "limit": limits.archive_max_entries},
        )
    unsafe = [e.filename for e in entries if unsafe_member(e.filename)]
    if unsafe:
        raise DataError(
            f"{shown}: the archive holds unsafe paths (absolute, or climbing out with '..'): "
            f"{unsafe[:3]}.",
            code="archive_unsafe_path",
            params={"file": shown, "paths": ", ".join(unsafe[:3])},
        )
    links = [e.filename for e in entries if stat.S_ISLNK(e.external_attr >> 16)]
    if links:
        raise DataError(
            f"{shown}: the archive holds symbolic links: {links[:3]}.",
            code="archive_links",
            params={"file": shown, "paths": ", ".join(links[:3])},
        )
    if suffix == ".zip":
        nested = [
            e.filename
            for e in entries
            if e.filename.lower().endswith(_NESTED_ARCHIVES) and not ignored_member(e.filename)
        ]
        if nested:
            raise DataError(
                f"{shown}: the archive holds other archives ({nested[:3]}); unpack them and "
                "upload the dataset itself.",
                code="archive_nested",
                params={"file": shown, "paths": ", ".join(nested[:3])},
            )
    deep = [e.filename for e in entries if e.filename.count("/") > limits.archive_max_depth]
    if deep:
        raise DataError(
            f"{shown}: folders nested more than {limits.archive_max_depth} deep: {deep[:1]}.",
            code="archive_deep",
            params={"file": shown, "limit": limits.archive_max_depth},
        )
    declared = sum(e.file_size for e in entries)
    if declared > limits.archive_max_total:
        _too_big(shown, limits)
    most = limits.archive_max_ratio if suffix == ".zip" else limits.workbook_max_ratio
    for e in entries:
        if e.file_size > limits.archive_ratio_floor and (
            e.file_size > most * max(e.compress_size, 1)
        ):
            raise DataError(
                f"{shown}: entry '{e.filename}' expands {e.file_size / max(e.compress_size, 1):.0f}"
                f" times (at most {most:.0f} is accepted): a zip bomb?",
                code="archive_ratio",
                params={
                    "file": shown,
                    "entry": e.filename,
                    "ratio": f"{e.file_size / max(e.compress_size, 1):.0f}",
                    "limit": f"{most:.0f}",
                },
            )
    # Many small entries, each under the floor, expand as much as one large one: the whole
    # archive is held to the same ratio (900 entries of 1 MB in a 1 MB zip are refused here).
    packed = sum(e.compress_size for e in entries)
    if declared > limits.archive_ratio_floor and declared > most * max(packed, 1):
        raise DataError(
            f"{shown}: the archive expands {declared / max(packed, 1):.0f} times (at most "
            f"{most:.0f} is accepted): a zip bomb?",
            code="archive_ratio_total",
            params={
                "file": shown,
                "ratio": f"{declared / max(packed, 1):.0f}",
                "limit": f"{most:.0f}",
            },
        )


def inflation_budget(entries: list[zipfile.ZipInfo], suffix: str, limits: UploadLimits) -> int:
    """The most bytes the entries may inflate to while they are checked: the declared sizes,
    within the archive ratio of the compressed ones and ``archive_max_total``."""
    most = limits.archive_max_ratio if suffix == ".zip" else limits.workbook_max_ratio
    packed = sum(e.compress_size for e in entries)
    declared = sum(e.file_size for e in entries)
    ratio_cap = max(limits.archive_ratio_floor, int(most * max(packed, 1)))
    return min(limits.archive_max_total, ratio_cap, declared)


def ignored_member(name: str) -> bool:
    """Entries a Mac or Windows zip tool adds that are not data (``__MACOSX/``, ``._x``)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(p == "__MACOSX" or p.startswith("._") or p == "Thumbs.db" for p in parts)


def check_xml(stream: object, shown: str, part: str | None = None) -> None:
    """Refuse XML with a document type declaration (where entity bombs live).

    Only the prolog is parsed (up to the first element): KML and the parts of a workbook never
    need a DTD, and a DTD is what a "billion laughs" or external-entity attack needs.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    where = f"{shown} ({part})" if part else shown
    try:
        for _event, _element in iterparse(
            stream, events=("start",), forbid_dtd=True, forbid_entities=True
        ):
            break
    except DefusedXmlException:
        raise DataError(
            f"{where}: the XML declares a document type or entities (a possible XML bomb); "
            "such files are not accepted.",
            code="xml_entities",
            params={"file": where},
        ) from None
    except ParseError as exc:
        raise DataError(
            f"{where}: not well-formed XML ({exc}).", code="bad_xml", params={"file": where}
        ) from None


def check_workbook_xml(path: Path, shown: str) -> None:
    """Check every XML part of a workbook (after :func:`check_archive`)."""
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                with archive.open(entry) as member:
                    check_xml(member, shown, entry.filename)


_MAGIC: Mapping[str, tuple[bytes, ...]] = MappingProxyType(
    {
        ".gpkg": (b"SQLite format 3\x00",),
        ".shp": (b"\x00\x00\x27\x0a",),
        ".geojson": (b"{", b"["),
        ".json": (b"{", b"["),
        ".kml": (b"<",),
        ".parquet": (b"PAR1",),
        ".geoparquet": (b"PAR1",),
        ".xlsx": (b"PK",),
        ".xlsm": (b"PK",),
        ".zip": (b"PK",),
    }
)
_KINDS = {
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".xlsx": "Excel workbook",
    ".xlsm": "Excel workbook",
    ".zip": "zip archive",
}


def check_magic(head: bytes, suffix: str, shown: str) -> None:
    """The file's first bytes must be those of its type: a file is read only by the reader (GDAL
    driver) its suffix names, never by whichever driver recognises its content."""
    wanted = _MAGIC.get(suffix)
    if wanted is None:
        return
    text = head
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        text = text.removeprefix(bom)
    if suffix in {".geojson", ".json", ".kml"}:
        text = text.replace(b"\x00", b"").lstrip()  # UTF-16, and leading blank lines
    if not text:
        raise DataError(f"{shown}: the file is empty.", code="empty", params={"file": shown})
    if not text.startswith(wanted):
        kind = _KINDS[suffix]
        raise DataError(
            f"{shown}: cannot read the file: not a valid {kind} (its content does not start "
            "like one).",
            code="wrong_type",
            params={"file": shown, "kind": kind},
        )


def _head(path: Path, n: int = 64) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(n)


def check_sizes(path: Path, shown: str, limits: UploadLimits) -> None:
    """Size limits of a file (and of a Shapefile's sibling parts): cheap, reads nothing."""
    check_size(path, shown, limits)
    if path.suffix.lower() == ".shp":
        for part in path.parent.glob(f"{path.stem}.*"):
            if part != path and part.suffix.lower() in limits.max_bytes:
                check_size(part, part.name, limits)


def check_content(path: Path, shown: str, limits: UploadLimits) -> None:
    """The checks that read the file: its first bytes, an archive's directory and contents, the
    prolog of XML (KML, workbook parts). Run where a bomb can do no harm (the reading process)."""
    suffix = path.suffix.lower()
    check_magic(_head(path), suffix, shown)
    if suffix in ARCHIVE_SUFFIXES:
        check_archive(path, shown, limits)
    if suffix in {".xlsx", ".xlsm"}:
        check_workbook_xml(path, shown)
    if suffix in XML_SUFFIXES:
        with open(path, "rb") as handle:
            check_xml(handle, shown)


def check_upload(
    path: str | Path, shown: str | None = None, limits: UploadLimits | None = None
) -> None:
    """Every check that applies to ``path`` by its type; raises DataError on the first failure."""
    path = Path(path)
    shown = shown or path.name
    limits = limits or limits_from_env()
    check_sizes(path, shown, limits)
    check_content(path, shown, limits)
