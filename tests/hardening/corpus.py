"""A generated corpus of bad (and awkward but valid) input files, and the runner that feeds each one
through the Data page's import path: :func:`geodata.uploads.workflow.read_upload` (checks + isolated
reading), :func:`~geodata.uploads.mapping.propose_mapping` and :func:`~geodata.uploads.workflow.prepare_import`.

Every case must end in a *clean error* (a :class:`~geodata.tables.problems.DataError` whose message names
the file) or a *correct import* (a prepared table that satisfies the workspace's rules: unique,
present ids; counts whole and not negative; geometries valid, non-empty, of the table's kind and
inside the world in EPSG:4326; every problem naming the file and a row). Anything else — another
exception, a hang — is a failure. Used by ``tests/hardening/test_bad_inputs.py`` and by
``python -m reliability``.

Nothing is read from outside: every file is built here from four boxes around Tehran.
"""

from __future__ import annotations

import io
import json
import math
import signal
import struct
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

Expect = Literal["import", "error", "either"]

AREA_IDS = ("101", "102", "103", "104")
AREA_NAMES = ("نازی‌آباد", "کوی نصر", "Phường Bến Nghé", "Tajrish")
BOXES = (
    shapely.box(51.3, 35.6, 51.4, 35.7),
    shapely.box(51.4, 35.6, 51.5, 35.7),
    shapely.box(51.3, 35.7, 51.4, 35.8),
    shapely.box(51.4, 35.7, 51.5, 35.8),
)
POINTS = ((51.35, 35.65), (51.45, 35.65), (51.35, 35.75), (51.45, 35.75))
BOWTIE = shapely.Polygon([(51.3, 35.6), (51.4, 35.7), (51.4, 35.6), (51.3, 35.7), (51.3, 35.6)])
UTM39N = "EPSG:32639"
#: Rows of a person-record file read for the mapping step (as ``ui.admin.upload.SAMPLE_ROWS``).
SAMPLE_ROWS = 1000


@dataclass(frozen=True)
class Case:
    """One input: the files uploaded together, the table they go to, and what must happen.

    ``rows`` (imports only) is the number of rows the prepared table must hold; ``rejected`` the
    least number of rows reported as rejected. ``limits`` changes upload limits for this case
    (small ones, to reach a limit with a small file).
    """

    name: str
    table: str
    build: Callable[[], list[tuple[str, bytes]]]
    expect: Expect
    family: str
    rows: int | None = None
    rejected: int = 0
    code: str | None = None
    limits: dict = field(default_factory=dict)
    crs: str | None = None
    area_by: str = "id"


@dataclass
class Outcome:
    """What a case ended in: ``imported``, ``clean_error``, ``unclear_error``, ``wrong`` (an
    import that breaks a rule), ``crash`` (any other exception) or ``hang``."""

    case: str
    kind: str
    detail: str
    seconds: float
    code: str | None = None
    rows: int | None = None
    rejected: int = 0


# --------------------------------------------------------------------------- base data


def areas_frame(n: int = 4) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": list(AREA_IDS[:n]),
            "Name": list(AREA_NAMES[:n]),
            "pop": [44406, 38000, 12000, 9100][:n],
        },
        geometry=list(BOXES[:n]),
        crs="EPSG:4326",
    )


def facilities_records() -> list[dict]:
    kinds = ("hospital", "clinic", "بیمارستان", "Bệnh viện")
    return [
        {"id": f"F{i}", "name": f"Centre {i}", "type": kinds[i], "lat": lat, "lon": lon}
        for i, (lon, lat) in enumerate(POINTS)
    ]


def insured_records() -> list[dict]:
    return [
        {"area_id": a, "month": m, "insured": str(1000 + 10 * i)}
        for i, a in enumerate(AREA_IDS)
        for m in ("2025-01-01", "2025-02-01")
    ]


def current_tables() -> dict[str, pd.DataFrame]:
    """The workspace an import is checked against: the four areas, no other rows."""
    from geodata.tables import schema as S
    from geodata.tables.validate import conform

    raw = areas_frame().rename(columns={"code": "area_id", "Name": "name", "pop": "population"})
    raw["_row"] = range(1, 5)
    raw["_source"] = "areas"
    areas, _ = conform(raw, S.AREAS, source="areas")
    tables: dict[str, pd.DataFrame] = {"areas": areas.drop(columns=["_row", "_source"])}
    for name, schema in S.TABLES.items():
        if name not in tables:
            tables[name] = pd.DataFrame(columns=list(schema.columns))
    tables[S.NAME_CROSSWALK.name] = pd.DataFrame(columns=["source_key", "area_id"])
    return tables


# --------------------------------------------------------------------------- writers


def _scratch() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="ca-corpus-"))


def vector_files(frame: gpd.GeoDataFrame, fmt: str, stem: str = "areas") -> list[tuple[str, bytes]]:
    """The frame as uploaded files: geojson, gpkg, shp (its parts), shp.zip or kml."""
    import shutil

    folder = _scratch()
    try:
        if fmt == "geojson":
            path = folder / f"{stem}.geojson"
            pyogrio.write_dataframe(frame, path, driver="GeoJSON")
        elif fmt == "gpkg":
            path = folder / f"{stem}.gpkg"
            pyogrio.write_dataframe(frame, path, driver="GPKG")
        elif fmt in ("shp", "shp.zip"):
            path = folder / f"{stem}.shp"
            pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
            parts = [(p.name, p.read_bytes()) for p in sorted(folder.glob(f"{stem}.*"))]
            if fmt == "shp":
                return parts
            return [(f"{stem}.zip", zip_bytes(parts))]
        elif fmt == "kml":
            path = folder / f"{stem}.kml"
            pyogrio.write_dataframe(frame.to_crs("EPSG:4326"), path, driver="KML")
        else:
            raise ValueError(fmt)
        return [(path.name, path.read_bytes())]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def zip_bytes(members: list[tuple[str, bytes]], level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def csv_bytes(records: list[dict], encoding: str = "utf-8") -> bytes:
    frame = pd.DataFrame(records)
    return frame.to_csv(index=False).encode(encoding)


def xlsx_bytes(records: list[dict], *, merged: str | None = None, formulas: bool = False) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    columns = list(records[0])
    sheet.append(columns)
    for record in records:
        sheet.append([record[c] for c in columns])
    if formulas:  # a computed column, as spreadsheets hold it (no cached value: never opened)
        sheet.cell(row=1, column=len(columns) + 1, value="double")
        for row in range(2, len(records) + 2):
            sheet.cell(row=row, column=len(columns) + 1, value=f"=C{row}*2")
    if merged:
        sheet.merge_cells(merged)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def wkt_records(frame: gpd.GeoDataFrame) -> list[dict]:
    out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    out["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=-1)
    return out.astype(str).to_dict("records")


def area_files(frame: gpd.GeoDataFrame, fmt: str) -> list[tuple[str, bytes]]:
    if fmt == "csv-wkt":
        return [("areas.csv", csv_bytes(wkt_records(frame)))]
    if fmt == "xlsx-wkt":
        return [("areas.xlsx", xlsx_bytes(wkt_records(frame)))]
    return vector_files(frame, fmt)


def geojson_text(features: list[dict], extra: dict | None = None) -> bytes:
    return json.dumps({"type": "FeatureCollection", **(extra or {}), "features": features}).encode()


def feature(geometry: dict | None, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def box_geometry(i: int) -> dict:
    return shapely.geometry.mapping(BOXES[i])


def _base_features() -> list[dict]:
    return [
        feature(box_geometry(i), code=AREA_IDS[i], Name=AREA_NAMES[i], pop=1000 * (i + 1))
        for i in range(4)
    ]


def _forge_declared_size(data: bytes, size: int) -> bytes:
    """A zip whose directory declares ``size`` uncompressed bytes for its first entry."""
    raw = bytearray(data)
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, size)
    struct.pack_into("<I", raw, central + 24, size)
    return bytes(raw)


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'


def kml_document(prolog: str = "", name: str = "&lol9;") -> bytes:
    body = (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
        f"<name>{name}</name><Point><coordinates>51.35,35.65</coordinates></Point>"
        "</Placemark></Document></kml>"
    )
    return (prolog + body).encode()


def xlsx_with_part(part: str, content: bytes) -> bytes:
    """A valid workbook whose ``part`` (e.g. xl/worksheets/sheet1.xml) is replaced."""
    original = xlsx_bytes(facilities_records())
    members = []
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            members.append((info.filename, content if info.filename == part else data))
        if part not in archive.namelist():
            members.append((part, content))
    return zip_bytes(members)


# --------------------------------------------------------------------------- the cases

VECTOR = ("geojson", "gpkg", "shp.zip", "kml")
ALL_AREA_FORMATS = (*VECTOR, "shp", "csv-wkt", "xlsx-wkt")


def _areas_with(change: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]):
    def build(fmt: str) -> Callable[[], list[tuple[str, bytes]]]:
        return lambda: area_files(change(areas_frame()), fmt)

    return build


def _set_geometry(i: int, geometry: object):
    def change(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        shapes = frame.geometry.to_numpy().copy()
        shapes[i] = geometry
        return frame.set_geometry(gpd.GeoSeries(shapes, crs=frame.crs))

    return change


def _set_column(column: str, values: list) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    def change(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        frame = frame.copy()
        frame[column] = values
        return frame

    return change


def area_defect_cases() -> Iterator[Case]:
    """The same defects in every format that carries areas."""
    nan_box = shapely.Polygon([(51.3, 35.6), (math.nan, 35.7), (51.4, 35.7), (51.3, 35.6)])
    huge = shapely.box(1e300, 1e300, 2e300, 2e300)
    defects: list[tuple[str, Callable, Expect, int | None, int, tuple[str, ...]]] = [
        # name, change, expect, rows, rejected at least, formats where it applies
        ("valid", lambda f: f, "import", 4, 0, ALL_AREA_FORMATS),
        ("self_intersecting", _set_geometry(0, BOWTIE), "import", 4, 0, ALL_AREA_FORMATS),
        ("empty_geometry", _set_geometry(1, shapely.Polygon()), "import", 3, 1, ("geojson", "gpkg", "csv-wkt", "xlsx-wkt")),
        ("null_geometry", _set_geometry(1, None), "import", 3, 1, ("geojson", "gpkg", "shp.zip", "kml")),
        ("point_among_polygons", _set_geometry(2, shapely.Point(51.35, 35.75)), "import", 3, 1, ("geojson", "gpkg", "kml", "csv-wkt", "xlsx-wkt")),
        ("line_among_polygons", _set_geometry(2, shapely.LineString([(51.3, 35.7), (51.4, 35.8)])), "import", 3, 1, ("geojson", "gpkg", "kml", "csv-wkt")),
        ("huge_coordinates", _set_geometry(3, huge), "import", 3, 1, ("geojson", "gpkg", "shp.zip", "csv-wkt", "xlsx-wkt")),
        ("nan_coordinate", _set_geometry(3, nan_box), "import", 3, 1, ("gpkg", "csv-wkt", "geojson")),
        ("negative_population", _set_column("pop", [100, -5, 300, 400]), "import", 4, 1, ALL_AREA_FORMATS),
        ("text_population", _set_column("pop", ["44,406", "۴۴۴۰۶", "n/a", "12000"]), "import", 4, 1, ALL_AREA_FORMATS),
        ("fractional_population", _set_column("pop", [100.5, 200, 300, 400]), "import", 4, 0, ("geojson", "gpkg", "csv-wkt", "xlsx-wkt")),
        ("duplicate_ids", _set_column("code", ["101", "101", "103", "104"]), "error", None, 0, ALL_AREA_FORMATS),
        ("missing_id", _set_column("code", ["101", None, "103", "104"]), "import", 3, 1, ("geojson", "gpkg", "csv-wkt", "xlsx-wkt")),
        ("hostile_names", _set_column("Name", ["<script>alert(1)</script>", "\u202eevil", "x" * 5000, "a\u200cb\ufeffc"]), "import", 4, 0, ("geojson", "gpkg", "csv-wkt", "xlsx-wkt")),
        ("projected_crs", lambda f: f.to_crs(UTM39N), "import", 4, 0, ("geojson", "gpkg", "shp.zip")),
    ]  # fmt: skip
    for name, change, expect, rows, rejected, formats in defects:
        for fmt in formats:
            yield Case(
                f"areas-{name}-{fmt}",
                "areas",
                _areas_with(change)(fmt),
                expect,
                "geometry and values" if name != "valid" else "valid files",
                rows=rows,
                rejected=rejected,
            )


def _truncate(files: list[tuple[str, bytes]], share: float) -> list[tuple[str, bytes]]:
    return [(name, data[: max(1, int(len(data) * share))]) for name, data in files]


def corrupt_cases() -> Iterator[Case]:
    """Truncated, emptied, random and mislabelled files of every type."""
    rng = np.random.default_rng(20261122)
    sources = {
        "geojson": lambda: vector_files(areas_frame(), "geojson"),
        "gpkg": lambda: vector_files(areas_frame(), "gpkg"),
        "shp.zip": lambda: vector_files(areas_frame(), "shp.zip"),
        "kml": lambda: vector_files(areas_frame(), "kml"),
        "csv": lambda: [("facilities.csv", csv_bytes(facilities_records()))],
        "xlsx": lambda: [("facilities.xlsx", xlsx_bytes(facilities_records()))],
    }
    table = {"csv": "facilities", "xlsx": "facilities"}
    for fmt, build in sources.items():
        target = table.get(fmt, "areas")
        for share in (0.1, 0.5, 0.9):
            yield Case(
                f"truncated-{int(share * 100)}pct-{fmt}",
                target,
                lambda b=build, s=share: _truncate(b(), s),
                "error" if fmt != "csv" else "either",  # a cut CSV may still hold whole rows
                "truncated files",
                rows=None,
            )
        suffix = build()[0][0].rsplit(".", 1)[1]
        noise = rng.bytes(4096)
        yield Case(
            f"random-bytes-{fmt}",
            target,
            lambda s=suffix, n=noise: [(f"noise.{s}", n)],
            "error",
            "corrupt files",
        )
        yield Case(
            f"zero-bytes-{fmt}",
            target,
            lambda s=suffix: [(f"empty.{s}", b"")],
            "error",
            "corrupt files",
        )
        yield Case(
            f"pdf-renamed-{fmt}",
            target,
            lambda s=suffix: [(f"report.{s}", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")],
            "error",
            "corrupt files",
        )
        flipped = bytearray(build()[0][1])
        for i in rng.integers(0, len(flipped), 24):
            flipped[i] ^= 0xFF
        yield Case(
            f"bitflips-{fmt}",
            target,
            lambda s=suffix, d=bytes(flipped), fmt=fmt: [(f"flipped.{s}", d)],
            "error",
            "corrupt files",
        )
    # A GeoPackage or zip renamed as GeoJSON: read by the reader its name says, or refused.
    yield Case(
        "gpkg-named-geojson",
        "areas",
        lambda: [("areas.geojson", vector_files(areas_frame(), "gpkg")[0][1])],
        "error",
        "corrupt files",
        code="wrong_type",
    )
    yield Case(
        "zip-named-gpkg",
        "areas",
        lambda: [("areas.gpkg", vector_files(areas_frame(), "shp.zip")[0][1])],
        "error",
        "corrupt files",
        code="wrong_type",
    )
    yield Case(
        "unsupported-docx",
        "areas",
        lambda: [("notes.docx", b"PK\x03\x04")],
        "error",
        "corrupt files",
        code="unsupported_type",
    )
    yield Case("unsupported-exe", "areas", lambda: [("setup.exe", b"MZ\x90\x00")], "error", "corrupt files", code="unsupported_type")  # fmt: skip


def geojson_cases() -> Iterator[Case]:
    """Invalid or odd GeoJSON, written by hand."""
    base = _base_features()
    deep = b"[" * 200_000 + b"]" * 200_000
    cases: list[tuple[str, Callable[[], bytes], Expect, int | None, int]] = [
        ("not-json", lambda: b"{ nope", "error", None, 0),
        ("unterminated", lambda: geojson_text(base)[:-3], "error", None, 0),
        ("features-not-a-list", lambda: b'{"type":"FeatureCollection","features":{"a":1}}', "error", None, 0),
        ("no-features", lambda: geojson_text([]), "error", None, 0),
        ("bare-geometry", lambda: json.dumps(box_geometry(0)).encode(), "error", None, 0),
        ("deeply-nested", lambda: deep, "error", None, 0),
        ("properties-null", lambda: geojson_text([feature(box_geometry(i)) for i in range(4)]), "error", None, 0),
        ("geometry-type-unknown", lambda: geojson_text([feature({"type": "Circle", "coordinates": [51.3, 35.6]}, code="101", Name="a", pop=1)] + base[1:]), "import", 3, 0),
        ("polygon-with-two-points", lambda: geojson_text([feature({"type": "Polygon", "coordinates": [[[51.3, 35.6], [51.4, 35.6]]]}, code="101", Name="a", pop=1)] + base[1:]), "error", None, 0),
        ("coordinates-as-strings", lambda: geojson_text([feature({"type": "Polygon", "coordinates": [[["51.3", "35.6"], ["51.4", "35.6"], ["51.4", "35.7"], ["51.3", "35.6"]]]}, code="101", Name="a", pop=1)] + base[1:]), "import", 3, 0),
        ("nan-in-json", lambda: geojson_text(base).replace(b"35.6", b"NaN", 1), "error", None, 0),
        ("infinity-in-json", lambda: geojson_text(base).replace(b"35.6", b"1e400", 1), "error", None, 0),
        ("old-crs-member-3857", lambda: geojson_text([feature(shapely.geometry.mapping(gpd.GeoSeries([BOXES[i]], crs=4326).to_crs(3857).iloc[0]), code=AREA_IDS[i], Name=AREA_NAMES[i], pop=10) for i in range(4)], {"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}}), "import", 4, 0),
        ("utm-without-crs-member", lambda: geojson_text([feature(shapely.geometry.mapping(gpd.GeoSeries([BOXES[i]], crs=4326).to_crs(UTM39N).iloc[0]), code=AREA_IDS[i], Name=AREA_NAMES[i], pop=10) for i in range(4)]), "import", 0, 4),
        ("swapped-lat-lon", lambda: geojson_text([feature(shapely.geometry.mapping(shapely.ops.transform(lambda x, y: (y, x), BOXES[i])), code=AREA_IDS[i], Name=AREA_NAMES[i], pop=10) for i in range(4)]), "import", 4, 0),
        ("utf8-bom", lambda: b"\xef\xbb\xbf" + geojson_text(base), "import", 4, 0),
        ("utf16", lambda: geojson_text(base).decode().encode("utf-16"), "either", None, 0),
        ("mixed-property-types", lambda: geojson_text([feature(box_geometry(i), code=[AREA_IDS[i]] if i == 0 else AREA_IDS[i], Name=AREA_NAMES[i], pop={"v": 1} if i == 1 else 5) for i in range(4)]), "import", 4, 1),
        ("duplicate-keys", lambda: geojson_text(base).replace(b'"code": "101"', b'"code": "101", "code": "102"'), "error", None, 0),
        ("feature-collection-of-points", lambda: geojson_text([feature({"type": "Point", "coordinates": list(POINTS[i])}, code=AREA_IDS[i], Name="p", pop=1) for i in range(4)]), "import", 0, 4),
        ("3d-coordinates", lambda: geojson_text([feature({"type": "Polygon", "coordinates": [[[x, y, 1500.0] for x, y in BOXES[i].exterior.coords]]}, code=AREA_IDS[i], Name=AREA_NAMES[i], pop=5) for i in range(4)]), "import", 4, 0),
        ("multipolygon-with-empty-part", lambda: geojson_text([feature({"type": "MultiPolygon", "coordinates": [[[list(c) for c in BOXES[0].exterior.coords]], []]}, code="101", Name="m", pop=5)] + base[1:]), "either", None, 0),
    ]  # fmt: skip
    for name, build, expect, rows, rejected in cases:
        yield Case(
            f"geojson-{name}",
            "areas",
            lambda b=build: [("areas.geojson", b())],
            expect,
            "invalid GeoJSON",
            rows=rows,
            rejected=rejected,
        )


def crs_cases() -> Iterator[Case]:
    """Missing or wrong coordinate reference systems."""

    def shapefile_without_prj(frame: gpd.GeoDataFrame) -> list[tuple[str, bytes]]:
        parts = [(n, d) for n, d in vector_files(frame, "shp") if not n.endswith(".prj")]
        return parts

    def gpkg_without_srs() -> list[tuple[str, bytes]]:
        return vector_files(areas_frame().set_crs(None, allow_override=True), "gpkg")

    utm = areas_frame().to_crs(UTM39N)
    wrong_label = areas_frame().to_crs(UTM39N).set_crs(4326, allow_override=True)
    yield Case(
        "crs-shp-without-prj", "areas", lambda: shapefile_without_prj(areas_frame()), "error", "CRS"
    )
    yield Case(
        "crs-zip-without-prj",
        "areas",
        lambda: [("areas.zip", zip_bytes(shapefile_without_prj(areas_frame())))],
        "error",
        "CRS",
    )
    yield Case("crs-gpkg-undefined", "areas", gpkg_without_srs, "error", "CRS")
    yield Case(
        "crs-shp-without-prj-named",
        "areas",
        lambda: shapefile_without_prj(utm),
        "import",
        "CRS",
        rows=4,
        crs=UTM39N,
    )
    yield Case(
        "crs-gpkg-metres-labelled-degrees",
        "areas",
        lambda: vector_files(wrong_label, "gpkg"),
        "import",
        "CRS",
        rows=0,
        rejected=4,
    )
    yield Case(
        "crs-wkt-csv-in-metres",
        "areas",
        lambda: [("areas.csv", csv_bytes(wkt_records(utm)))],
        "import",
        "CRS",
        rows=0,
        rejected=4,
    )
    yield Case(
        "crs-wkt-csv-named-utm",
        "areas",
        lambda: [("areas.csv", csv_bytes(wkt_records(utm)))],
        "import",
        "CRS",
        rows=4,
        crs=UTM39N,
    )
    yield Case(
        "crs-not-a-crs",
        "areas",
        lambda: [("areas.csv", csv_bytes(wkt_records(utm)))],
        "error",
        "CRS",
        crs="EPSG:99999999",
    )
    yield Case("crs-garbage-prj", "areas", lambda: [(n, b"GEOGCS[nonsense" if n.endswith(".prj") else d) for n, d in vector_files(areas_frame(), "shp")], "error", "CRS")  # fmt: skip


def facility_cases() -> Iterator[Case]:
    """Points from latitude/longitude columns: swapped, out of range, missing, text."""
    base = facilities_records()

    def edit(change: Callable[[list[dict]], list[dict]]) -> list[dict]:
        return change([dict(r) for r in base])

    def swap(records: list[dict]) -> list[dict]:
        for r in records:
            r["lat"], r["lon"] = r["lon"], r["lat"]
        return records

    def one(i: int, **values: object) -> Callable[[list[dict]], list[dict]]:
        def change(records: list[dict]) -> list[dict]:
            records[i].update(values)
            return records

        return change

    variants: list[tuple[str, Callable[[list[dict]], list[dict]], Expect, int | None, int]] = [
        ("valid", lambda r: r, "import", 4, 0),
        ("swapped-lat-lon", swap, "error", None, 0),
        ("latitude-out-of-range", one(0, lat=135.7), "import", 3, 1),
        ("zero-zero", one(1, lat=0, lon=0), "import", 3, 1),
        ("missing-coordinates", one(2, lat="", lon=""), "import", 3, 1),
        ("text-coordinates", one(2, lat="north", lon="east"), "import", 3, 1),
        ("nan-coordinates", one(3, lat="nan", lon="NaN"), "import", 3, 1),
        ("inf-coordinates", one(3, lat="inf", lon="-inf"), "import", 3, 1),
        ("huge-coordinates", one(3, lat="1e308", lon="1e308"), "import", 3, 1),
        ("comma-decimals", one(0, lat="35,65", lon="51,35"), "import", 3, 1),  # read as 3565
        ("persian-digits", one(0, lat="۳۵.۶۵", lon="۵۱.۳۵"), "import", 4, 0),
        ("duplicate-ids", one(1, id="F0"), "error", None, 0),
        ("unknown-type", one(1, type="spaceport"), "import", 3, 1),
        ("missing-name", one(2, name=""), "import", 3, 1),
        ("negative-beds", lambda r: [dict(x, beds=-3 if i == 0 else 10) for i, x in enumerate(r)], "import", 4, 1),
        ("hostile-strings", lambda r: [dict(x, name=p) for x, p in zip(r, ("<img src=x onerror=alert(1)>", "'; DROP TABLE facilities;--", "{{7*7}}", "@SUM(1+1)*cmd"), strict=True)], "import", 4, 0),
    ]  # fmt: skip
    for name, change, expect, rows, rejected in variants:
        for fmt in ("csv", "xlsx"):
            make = csv_bytes if fmt == "csv" else xlsx_bytes
            yield Case(
                f"facilities-{name}-{fmt}",
                "facilities",
                lambda c=change, m=make, f=fmt: [(f"facilities.{f}", m(edit(c)))],
                expect,
                "coordinates and values",
                rows=rows,
                rejected=rejected,
            )
    yield Case("facilities-geojson-polygons", "facilities", lambda: vector_files(areas_frame().rename(columns={"code": "id", "Name": "name"}).assign(type="clinic"), "geojson", "facilities"), "import", "coordinates and values", rows=0, rejected=4)  # fmt: skip


def insured_cases() -> Iterator[Case]:
    """Counts per area and month: negative, fractional, unknown areas, odd dates."""
    base = insured_records()

    def one(i: int, **values: object) -> list[dict]:
        records = [dict(r) for r in base]
        records[i].update(values)
        return records

    variants: list[tuple[str, Callable[[], list[dict]], Expect, int | None, int]] = [
        ("valid", lambda: base, "import", 8, 0),
        ("negative-count", lambda: one(0, insured="-40"), "import", 8, 1),
        # A fractional count is kept as missing and reported, never rounded (#16).
        ("fractional-count", lambda: one(1, insured="10.5"), "import", 8, 1),
        ("text-count", lambda: one(2, insured="many"), "import", 8, 1),
        ("thousands-separators", lambda: one(3, insured="1,234"), "import", 8, 0),
        ("unknown-area", lambda: one(4, area_id="999"), "import", 7, 1),
        # 1 Farvardin 1404 is 21 March 2025: in a Gregorian workspace not a month's first day, a
        # row problem (never snapped to 1 March).
        ("solar-hijri-date", lambda: one(5, month="1404/01/01"), "import", 7, 1),
        ("invalid-date", lambda: one(6, month="2025-13-45"), "import", 7, 1),
        ("date-out-of-range", lambda: one(6, month="9999-12-31"), "import", 7, 1),
        ("year-2952", lambda: one(6, month="2952-01"), "import", 7, 1),
        ("duplicate-rows", lambda: base + [dict(base[0])], "error", None, 0),
        ("huge-count", lambda: one(7, insured="1e400"), "import", 8, 1),
    ]  # fmt: skip
    for name, build, expect, rows, rejected in variants:
        for fmt in ("csv", "xlsx"):
            make = csv_bytes if fmt == "csv" else xlsx_bytes
            yield Case(
                f"insured-{name}-{fmt}",
                "insured",
                lambda b=build, m=make, f=fmt: [(f"insured.{f}", m(b()))],
                expect,
                "counts and dates",
                rows=rows,
                rejected=rejected,
            )


def encoding_cases() -> Iterator[Case]:
    """Legacy encodings: Windows-1256 Persian, UTF-8 with BOM, UTF-16, Latin-1."""
    records = [dict(r, name=n) for r, n in zip(facilities_records(), AREA_NAMES, strict=True)]
    # Legacy Persian text spells ی as ي (Windows-1256 has no Persian form) and has no ZWNJ.
    persian = [
        dict(r, name="درمانگاه " + AREA_NAMES[i % 2], type="بیمارستان")
        for i, r in enumerate(records)
    ]

    def legacy() -> bytes:
        text = pd.DataFrame(persian).to_csv(index=False)
        return text.replace("ی", "ي").replace("\u200c", " ").encode("cp1256")

    ok = "import"
    yield Case("encoding-utf8-bom", "facilities", lambda: [("f.csv", b"\xef\xbb\xbf" + csv_bytes(records))], ok, "encodings", rows=4)  # fmt: skip
    yield Case("encoding-cp1256-persian", "facilities", lambda: [("f.csv", legacy())], "error", "encodings")  # fmt: skip
    yield Case("encoding-utf16", "facilities", lambda: [("f.csv", csv_bytes(records, "utf-16"))], "error", "encodings")  # fmt: skip
    yield Case("encoding-latin1", "facilities", lambda: [("f.csv", csv_bytes([dict(r, name="Café", type="clinic") for r in records], "latin-1"))], "error", "encodings")  # fmt: skip
    yield Case("encoding-nul-bytes", "facilities", lambda: [("f.csv", csv_bytes(records).replace(b"Centre", b"Cen\x00tre"))], "either", "encodings")  # fmt: skip
    yield Case("encoding-crlf", "facilities", lambda: [("f.csv", csv_bytes(records).replace(b"\n", b"\r\n"))], ok, "encodings", rows=4)  # fmt: skip
    yield Case("encoding-semicolons", "facilities", lambda: [("f.csv", csv_bytes(records).replace(b",", b";"))], "error", "encodings")  # fmt: skip
    yield Case("encoding-ragged-rows", "facilities", lambda: [("f.csv", csv_bytes(records) + b"F9,extra,clinic,35.7,51.4,1,2,3\n")], "error", "encodings")  # fmt: skip
    yield Case("encoding-header-only", "facilities", lambda: [("f.csv", b"id,name,type,lat,lon\n")], "import", "encodings", rows=0)  # fmt: skip
    yield Case("encoding-shp-cp1256-dbf", "areas", _cp1256_shapefile, "import", "encodings", rows=4)  # fmt: skip


def _cp1256_shapefile() -> list[tuple[str, bytes]]:
    """A Shapefile whose .dbf is Windows-1256 and says so in its .cpg."""
    import shutil

    folder = _scratch()
    try:
        path = folder / "areas.shp"
        frame = areas_frame()
        frame["Name"] = ["نازی آباد", "کوی نصر", "تجریش", "ونک"]
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="cp1256")
        return [(p.name, p.read_bytes()) for p in sorted(folder.glob("areas.*"))]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def excel_cases() -> Iterator[Case]:
    """Workbooks as offices make them: merged cells, formulas, extra sheets, blank rows."""
    records = facilities_records()
    yield Case("excel-merged-cells-in-data", "facilities", lambda: [("f.xlsx", xlsx_bytes(records, merged="B2:B3"))], "import", "Excel", rows=3, rejected=1)  # fmt: skip
    yield Case("excel-merged-header", "facilities", lambda: [("f.xlsx", xlsx_bytes(records, merged="A1:B1"))], "error", "Excel")  # fmt: skip
    yield Case("excel-formulas", "facilities", lambda: [("f.xlsx", xlsx_bytes([dict(r, beds=10) for r in records], formulas=True))], "import", "Excel", rows=4)  # fmt: skip
    yield Case("excel-formula-injection-strings", "facilities", lambda: [("f.xlsx", xlsx_bytes([dict(r, name="=cmd|' /C calc'!A0") for r in records]))], "error", "Excel")  # fmt: skip
    yield Case("excel-empty-sheet", "facilities", lambda: [("f.xlsx", xlsx_bytes([{"id": None}]))], "error", "Excel")  # fmt: skip
    yield Case("excel-xlsm-named", "facilities", lambda: [("f.xlsm", xlsx_bytes(records))], "import", "Excel", rows=4)  # fmt: skip
    yield Case("excel-xls-renamed", "facilities", lambda: [("f.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)], "error", "Excel")  # fmt: skip
    yield Case("excel-missing-sheet-part", "facilities", lambda: [("f.xlsx", _without_part(xlsx_bytes(records), "xl/worksheets/sheet1.xml"))], "error", "Excel")  # fmt: skip


def _without_part(data: bytes, part: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist() if i.filename != part]
    return zip_bytes(members)


def archive_cases() -> Iterator[Case]:
    """Zip archives: nested folders, unsafe paths, bombs, nesting, junk a Mac adds."""
    parts = lambda: vector_files(areas_frame(), "shp")  # noqa: E731
    zipped = lambda members: [("areas.zip", zip_bytes(members))]  # noqa: E731
    ok, bad = "import", "error"
    cases: list[tuple[str, Callable[[], list[tuple[str, bytes]]], Expect, int | None, str | None]] = [
        ("nested-folders", lambda: zipped([(f"export/2025/tehran/{n}", d) for n, d in parts()]), ok, 4, None),
        ("folder-entries", lambda: zipped([("export/", b""), *[(f"export/{n}", d) for n, d in parts()]]), ok, 4, None),
        ("macosx-junk", lambda: zipped([*parts(), *[(f"__MACOSX/._{n}", b"\x00\x05\x16\x07") for n, _ in parts()]]), ok, 4, None),
        ("geojson-inside", lambda: zipped(vector_files(areas_frame(), "geojson")), ok, 4, None),
        ("gpkg-inside", lambda: zipped(vector_files(areas_frame(), "gpkg")), ok, 4, None),
        ("kml-inside", lambda: zipped(vector_files(areas_frame(), "kml")), ok, 4, None),
        ("dot-dot-path", lambda: zipped([(f"../../{n}", d) for n, d in parts()]), bad, None, "archive_unsafe_path"),
        ("dot-dot-inside-path", lambda: zipped([(f"a/../../{n}", d) for n, d in parts()]), bad, None, "archive_unsafe_path"),
        ("absolute-path", lambda: zipped([(f"/tmp/{n}", d) for n, d in parts()]), bad, None, "archive_unsafe_path"),
        ("windows-path", lambda: zipped([(f"..\\..\\{n}", d) for n, d in parts()]), bad, None, "archive_unsafe_path"),
        ("drive-letter-path", lambda: zipped([(f"C:/data/{n}", d) for n, d in parts()]), bad, None, "archive_unsafe_path"),
        ("two-datasets", lambda: zipped([*parts(), *[(f"copy/{n}", d) for n, d in parts()]]), bad, None, None),
        ("no-dataset", lambda: zipped([("readme.txt", b"hello")]), bad, None, None),
        ("empty-archive", lambda: zipped([]), bad, None, None),
        ("zip-in-zip", lambda: zipped([("inner.zip", zip_bytes(parts()))]), bad, None, "archive_nested"),
        ("kmz-in-zip", lambda: zipped([*parts(), ("doc.kmz", b"PK")]), bad, None, "archive_nested"),
        ("ratio-bomb", lambda: zipped([*parts(), ("padding.txt", b" " * (30 * 1024 * 1024))]), bad, None, "archive_ratio"),
        ("declared-size-bomb", lambda: [("areas.zip", _forge_declared_size(zip_bytes([("areas.dbf", b"x" * 100), *parts()[1:]]), 0xFFFFFFF0))], bad, None, "archive_too_big"),
        ("lying-small-size", lambda: [("areas.zip", _forge_declared_size(zip_bytes([("pad.txt", b"y" * 50_000), *parts()]), 10))], bad, None, "bad_archive_entry"),
        ("many-entries", lambda: zipped([*parts(), *[(f"f/{i}.txt", b"") for i in range(2500)]]), bad, None, "archive_entries"),
        ("very-deep-folders", lambda: zipped([("/".join(["d"] * 40) + "/" + n, d) for n, d in parts()]), bad, None, "archive_deep"),
        ("symlink-entry", lambda: [("areas.zip", _zip_with_symlink(parts()))], bad, None, "archive_links"),
        ("truncated-directory", lambda: [("areas.zip", zip_bytes(parts())[:-10])], bad, None, None),
        ("shp-missing-dbf", lambda: zipped([(n, d) for n, d in parts() if not n.endswith(".dbf")]), bad, None, None),
        ("encrypted-flag", lambda: [("areas.zip", _zip_flag_encrypted(zip_bytes(parts())))], bad, None, None),
    ]  # fmt: skip
    for name, build, expect, rows, code in cases:
        yield Case(f"archive-{name}", "areas", build, expect, "archives", rows=rows, code=code)


def _zip_with_symlink(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
        link = zipfile.ZipInfo("areas.prj")
        link.external_attr = (0o120777 << 16) | 0
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _zip_flag_encrypted(data: bytes) -> bytes:
    raw = bytearray(data)
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:
        raw[at + 8] |= 0x01
        at += 4
    at = 0
    while (at := raw.find(b"PK\x03\x04", at)) >= 0:
        raw[at + 6] |= 0x01
        at += 4
    return bytes(raw)


def xml_cases() -> Iterator[Case]:
    """XML bombs and external entities in KML and in the parts of a workbook."""
    bad = "error"
    sheet = "xl/worksheets/sheet1.xml"
    strings = "xl/sharedStrings.xml"
    cases: list[tuple[str, str, Callable[[], list[tuple[str, bytes]]], str]] = [
        ("kml-billion-laughs", "areas", lambda: [("a.kml", kml_document(LAUGHS))], "xml_entities"),
        ("kml-external-entity", "areas", lambda: [("a.kml", kml_document(XXE, "&xxe;"))], "xml_entities"),
        ("kml-doctype-only", "areas", lambda: [("a.kml", kml_document('<?xml version="1.0"?><!DOCTYPE kml>', "x"))], "xml_entities"),
        ("kml-utf16-laughs", "areas", lambda: [("a.kml", kml_document(LAUGHS).decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"))], "xml_entities"),
        ("kml-parameter-entity", "areas", lambda: [("a.kml", kml_document('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>', "x"))], "xml_entities"),
        ("kml-in-zip-laughs", "areas", lambda: [("a.zip", zip_bytes([("doc.kml", kml_document(LAUGHS))]))], None),
        ("kml-not-xml", "areas", lambda: [("a.kml", b"<kml><Placemark><name>x</name>")], None),
        ("xlsx-sheet-laughs", "facilities", lambda: [("f.xlsx", xlsx_with_part(sheet, (LAUGHS + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>').encode()))], "xml_entities"),
        ("xlsx-shared-strings-xxe", "facilities", lambda: [("f.xlsx", xlsx_with_part(strings, (XXE + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>').encode()))], "xml_entities"),
        ("xlsx-content-types-laughs", "facilities", lambda: [("f.xlsx", xlsx_with_part("[Content_Types].xml", (LAUGHS + "<Types/>").encode()))], "xml_entities"),
        ("xlsx-workbook-doctype", "facilities", lambda: [("f.xlsx", xlsx_with_part("xl/workbook.xml", b'<?xml version="1.0"?><!DOCTYPE w><workbook/>'))], "xml_entities"),
        ("xlsx-sheet-not-xml", "facilities", lambda: [("f.xlsx", xlsx_with_part(sheet, b"<worksheet><sheetData>"))], None),
        ("xlsx-declared-size-bomb", "facilities", lambda: [("f.xlsx", _forge_declared_size(xlsx_bytes(facilities_records()), 0xFFFFFFF0))], "archive_too_big"),
    ]  # fmt: skip
    for name, table, build, code in cases:
        yield Case(f"xml-{name}", table, build, bad, "XML bombs", code=code)


def limit_cases() -> Iterator[Case]:
    """Limits reached with small files (the limits made small for the case)."""
    big_polygon = shapely.Polygon(
        np.c_[51.3 + 0.1 * np.cos(np.linspace(0, 6.28, 300_000)), 35.7 + 0.1 * np.sin(np.linspace(0, 6.28, 300_000))]
    )  # fmt: skip

    def slow():
        return [
            (
                "big.geojson",
                geojson_text(
                    [feature(shapely.geometry.mapping(big_polygon), code="101", Name="x", pop=1)]
                ),
            )
        ]  # noqa: E731

    yield Case("limit-size-geojson", "areas", lambda: vector_files(areas_frame(), "geojson"), "error", "limits", code="too_large", limits={"max_bytes": {".geojson": 1024}})  # fmt: skip
    yield Case("limit-size-shp-part", "areas", lambda: vector_files(areas_frame(), "shp"), "error", "limits", code="too_large", limits={"max_bytes": {".shp": 1024 * 1024, ".dbf": 10}})  # fmt: skip
    yield Case("limit-entries", "areas", lambda: vector_files(areas_frame(), "shp.zip"), "error", "limits", code="archive_entries", limits={"archive_max_entries": 2})  # fmt: skip
    yield Case("limit-unpacked-total", "areas", lambda: vector_files(areas_frame(), "shp.zip"), "error", "limits", code="archive_too_big", limits={"archive_max_total": 1000})  # fmt: skip
    yield Case("limit-time", "areas", slow, "error", "limits", code="timeout", limits={"timeout_s": 0.3})  # fmt: skip
    yield Case("limit-memory", "areas", slow, "error", "limits", limits={"memory_mb": 40})  # fmt: skip


def parquet_bomb(normal: int = 2000, rows: int = 300_000, width: int = 10_000) -> bytes:
    """GeoParquet person records whose first ``normal`` rows are ordinary and whose next ``rows``
    carry a ``width``-character date: one dictionary entry, so the file is some 70 KB, but read
    as text the column is ``rows × width`` bytes (3 GB). The mapping step's sample (the first
    rows) is harmless; the count, which reads every row, is where it goes off."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = normal + rows
    wkb = shapely.to_wkb(shapely.points(np.full(n, POINTS[0][0]), np.full(n, POINTS[0][1])))
    date = pa.DictionaryArray.from_arrays(
        pa.array(np.r_[np.zeros(normal, dtype=np.int32), np.ones(rows, dtype=np.int32)]),
        pa.array(["2025-03-05", "2025-03-05" + "x" * width]),
    )
    table = pa.table({"geometry": pa.array(wkb, type=pa.binary()), "date": date})
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}},
    }
    buffer = io.BytesIO()
    # No stored Arrow schema: a reader gets plain text, not the dictionary.
    with pq.ParquetWriter(buffer, table.schema, store_schema=False, compression="zstd") as writer:
        writer.write_table(table, row_group_size=normal)
        writer.add_key_value_metadata({"geo": json.dumps(geo)})
    return buffer.getvalue()


def many_records_csv(n: int = 400_000) -> bytes:
    """``n`` ordinary person records (two points, one month): seconds to count, not minutes."""
    rows = "\n".join(
        f"{lat},{lon},2025-03-05,health" for lon, lat in [POINTS[0], POINTS[1]] * (n // 2)
    )
    return ("lat,lon,date,scheme\n" + rows + "\n").encode("utf-8")


def points_cases() -> Iterator[Case]:
    """Person records counted into areas (the points upload): the mapping step reads a sample of
    the file, the count reads it all, in its own limited process (geodata.uploads.sandbox)."""
    rows = [
        {"lat": lat, "lon": lon, "date": "2025-03-05", "scheme": "health"}
        for lon, lat in POINTS
        for _ in range(3)
    ]

    def edit(i: int, **values: object) -> list[dict]:
        out = [dict(r) for r in rows]
        out[i].update(values)
        return out

    variants = [
        ("valid", lambda: rows, "import"),
        ("outside-every-area", lambda: edit(0, lat=10.0, lon=10.0), "import"),
        ("nan-coordinates", lambda: edit(1, lat="nan", lon="nan"), "import"),
        ("bad-date", lambda: edit(2, date="someday"), "import"),
        ("all-swapped", lambda: [dict(r, lat=r["lon"], lon=r["lat"]) for r in rows], "import"),
        ("no-rows", list, "import"),
    ]
    for name, build, expect in variants:
        yield Case(
            f"points-{name}-csv",
            "insured_points",
            lambda b=build: [("people.csv", csv_bytes(b()) if b() else b"lat,lon,date,scheme\n")],
            expect,
            "person records",
        )
    # Hostile files whose harm is past the sample: the count meets the memory and time limits.
    yield Case("points-parquet-bomb", "insured_points", lambda: [("people.parquet", parquet_bomb())], "error", "person records", code="memory", limits={"memory_mb": 512})  # fmt: skip
    yield Case("points-count-time", "insured_points", lambda: [("people.csv", many_records_csv())], "error", "person records", code="timeout", limits={"count_timeout_s": 0.1})  # fmt: skip


def all_cases() -> list[Case]:
    """Every case of the corpus (over 200), in a fixed order."""
    cases = [
        *area_defect_cases(),
        *corrupt_cases(),
        *geojson_cases(),
        *crs_cases(),
        *facility_cases(),
        *insured_cases(),
        *encoding_cases(),
        *excel_cases(),
        *archive_cases(),
        *xml_cases(),
        *limit_cases(),
        *points_cases(),
    ]
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


# --------------------------------------------------------------------------- running a case


class _Hang(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`_Hang` in this (main) thread after ``seconds`` (SIGALRM)."""

    def alarm(signum: int, frame: object) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, current: dict[str, pd.DataFrame], timeout: float = 30.0) -> Outcome:
    """Feed one case through read → mapping → prepare, as the Data page does."""
    from geodata.tables.problems import DataError
    from geodata.uploads import workflow as I
    from geodata.uploads.limits import limits_from_env
    from geodata.uploads.mapping import mapping_of, propose_mapping
    from geodata.uploads.reading import discard_upload, save_uploads

    started = time.monotonic()
    files = case.build()
    shown = (
        files[0][0]
        if len(files) == 1
        else next((n for n, _ in files if n.lower().endswith(".shp")), files[-1][0])
    )
    limits = limits_from_env().with_(
        timeout_s=min(timeout, 20.0), count_timeout_s=min(timeout, 20.0)
    )
    if case.limits:
        changes = dict(case.limits)
        if "max_bytes" in changes:
            changes["max_bytes"] = {**limits.max_bytes, **changes["max_bytes"]}
        limits = limits.with_(**changes)
    path = save_uploads(files)
    in_main = threading.current_thread() is threading.main_thread()
    try:
        with deadline(timeout) if in_main else nullcontext():
            # Person records: a sample for the mapping, as the Data page reads them.
            sample = SAMPLE_ROWS if case.table == "insured_points" else None
            upload = I.read_upload(
                path, name=shown, crs=case.crs, limits=limits, sample_rows=sample
            )
            mapping = mapping_of(propose_mapping(upload, case.table))
            prepared = I.prepare_import(
                upload,
                case.table,
                mapping,
                current,
                crs=case.crs,
                area_by=case.area_by,
                limits=limits,
                # The scheme the person picks on the Data page for a file without a scheme column.
                default_scheme="health" if case.table in ("insured", "insured_points") else None,
            )
    except DataError as exc:
        seconds = time.monotonic() - started
        text = str(exc)
        named = shown in text or any(n in text for n, _ in files)
        kind = "clean_error" if named and "Traceback" not in text else "unclear_error"
        return Outcome(case.name, kind, text[:300], seconds, code=exc.code)
    except _Hang:
        return Outcome(
            case.name, "hang", f"no answer in {timeout:.0f} s", time.monotonic() - started
        )
    except Exception as exc:  # noqa: BLE001 — that is what this looks for
        return Outcome(
            case.name, "crash", f"{type(exc).__name__}: {exc}"[:300], time.monotonic() - started
        )
    finally:
        discard_upload(path)
    seconds = time.monotonic() - started
    wrong = rule_breaks(prepared, case.table, shown)
    rejected = sum(p.severity == "rejected" for p in prepared.problems)
    if wrong:
        return Outcome(
            case.name, "wrong", "; ".join(wrong)[:300], seconds, rows=len(prepared.frame)
        )
    return Outcome(case.name, "imported", "", seconds, rows=len(prepared.frame), rejected=rejected)


def run_cases(
    cases: list[Case], current: dict[str, pd.DataFrame], workers: int = 3, timeout: float = 60.0
) -> dict[str, Outcome]:
    """Run cases side by side (each read is its own process; the threads mostly wait on them).

    A case with no answer after ``timeout`` seconds is a ``hang`` (reads are also stopped by the
    sandbox's own time limit, so a thread is never left waiting on a child for long).
    """
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout

    outcomes: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [(c, pool.submit(run_case, c, current, timeout)) for c in cases]
        for case, future in futures:
            started = time.monotonic()
            try:
                outcomes[case.name] = future.result(timeout=timeout)
            except FutureTimeout:
                waited = time.monotonic() - started
                outcomes[case.name] = Outcome(
                    case.name, "hang", f"no answer in {waited:.0f} s", waited
                )
    return outcomes


def rule_breaks(prepared: object, table: str, shown: str) -> list[str]:
    """What is wrong with a prepared import (empty when it may be saved as it is)."""
    from geodata.tables import schema as S

    frame: pd.DataFrame = prepared.frame  # type: ignore[attr-defined]
    name = "insured" if table == "insured_points" else table
    schema = S.TABLES[name]
    wrong: list[str] = []
    for column in schema.required:
        if column not in frame:
            wrong.append(f"no column {column}")
    for column, kind in schema.kinds.items():
        if column not in frame:
            continue
        values = frame[column]
        if kind == "id" and column in schema.key[:1] and len(schema.key) == 1:
            if values.isna().any():
                wrong.append(f"missing {column}")
            if values.duplicated().any():
                wrong.append(f"duplicate {column}")
        if kind == "count":
            numbers = pd.to_numeric(values, errors="coerce")
            if (numbers < 0).any() or (numbers.dropna() % 1 != 0).any():
                wrong.append(f"{column} not a whole non-negative number")
    if schema.geometry and isinstance(frame, gpd.GeoDataFrame) and len(frame):
        geoms = frame.geometry
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            wrong.append(f"CRS {frame.crs} is not EPSG:4326")
        if geoms.isna().any() or geoms.is_empty.any():
            wrong.append("empty or missing geometry")
        elif not geoms.is_valid.all():
            wrong.append("invalid geometry")
        else:
            minx, miny, maxx, maxy = geoms.total_bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                wrong.append("coordinates outside the world")
            kinds = set(geoms.geom_type)
            allowed = {"Polygon", "MultiPolygon"} if schema.geometry == "polygon" else {"Point"}
            if not kinds <= allowed:
                wrong.append(f"geometry types {sorted(kinds)}")
    for p in prepared.problems:  # type: ignore[attr-defined]
        if p.file != shown:
            wrong.append(f"a problem names {p.file!r}, not the file")
            break
    return wrong


def judge(case: Case, outcome: Outcome) -> str | None:
    """Why the outcome is not what the case requires (None: it is)."""
    if outcome.kind in ("crash", "hang", "unclear_error", "wrong"):
        return f"{outcome.kind}: {outcome.detail}"
    if case.expect == "import":
        if outcome.kind != "imported":
            return f"expected an import, got {outcome.kind}: {outcome.detail}"
        if case.rows is not None and outcome.rows != case.rows:
            return f"expected {case.rows} rows, got {outcome.rows}"
        if outcome.rejected < case.rejected:
            return f"expected at least {case.rejected} rejected rows, got {outcome.rejected}"
    elif case.expect == "error":
        if outcome.kind != "clean_error":
            return f"expected a clean error, got {outcome.kind} ({outcome.rows} rows)"
        if case.code and outcome.code != case.code:
            return f"expected error code {case.code}, got {outcome.code}: {outcome.detail}"
    return None
