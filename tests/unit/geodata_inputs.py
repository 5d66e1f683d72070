"""Small inline inputs for the geodata tests: four areas around Tehran and writers for every format.

Everything is built inside ``tmp_path`` from shapely boxes between lon 51.3–51.5 and lat 35.6–35.8;
nothing is read from outside the test.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

# Area names as the boundary file spells them: Persian letters (ی, ک) and ZWNJ, and a composed
# (NFC) Vietnamese name. The insured file of the join test spells them differently.
AREA_NAMES = ("نازی‌آباد", "کوی نصر", "Phường Bến Nghé", "Tajrish")
AREA_NAMES_OTHER_SPELLING = (
    "نازي آباد",  # Arabic ي, a space instead of the ZWNJ
    "كوي نصر",  # Arabic ك and ي
    unicodedata.normalize("NFD", "Phường Bến Nghé"),  # decomposed
    "  tajrish ",  # case and spacing
)
AREA_BOXES = (
    shapely.box(51.3, 35.6, 51.4, 35.7),
    shapely.box(51.4, 35.6, 51.5, 35.7),
    shapely.box(51.3, 35.7, 51.4, 35.8),
    shapely.box(51.4, 35.7, 51.5, 35.8),
)
# One facility in the middle of each area (lon, lat).
FACILITY_POINTS = ((51.35, 35.65), (51.45, 35.65), (51.35, 35.75), (51.45, 35.75))

VECTOR_FORMATS = ("geojson", "gpkg", "shp", "shp.zip", "kml")
TABLE_FORMATS = ("csv-wkt", "xlsx-wkt")
ALL_FORMATS = VECTOR_FORMATS + TABLE_FORMATS


def sha256(path: Path) -> str:
    """Hash of a file's bytes (to prove a failed build left it alone)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def area_frame() -> gpd.GeoDataFrame:
    """The four source areas as a file would hold them (codes, names, population as text)."""
    return gpd.GeoDataFrame(
        {
            "code": ["101", "102", "103", "104"],
            "Name": list(AREA_NAMES),
            "pop": ["44,406", "۴۴۴۰۶", "٤٤٬٤٠٦", "12000"],
        },
        geometry=list(AREA_BOXES),
        crs="EPSG:4326",
    )


def write_table(rows: list[dict], path: Path) -> Path:
    """Write rows (dicts with the same keys) as a UTF-8 CSV or an XLSX sheet."""
    path = Path(path)
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "data"
        header = list(rows[0])
        sheet.append(header)
        for row in rows:
            sheet.append([row[h] for h in header])
        book.save(path)
        return path
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_layer(frame: gpd.GeoDataFrame, folder: Path, fmt: str, stem: str = "layer") -> Path:
    """Write a GeoDataFrame in one of :data:`ALL_FORMATS`; returns the path a recipe names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "geojson":
        path = folder / f"{stem}.geojson"
        pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    elif fmt == "gpkg":
        path = folder / f"{stem}.gpkg"
        pyogrio.write_dataframe(frame, path, driver="GPKG", layer=stem)
    elif fmt == "shp":
        path = folder / f"{stem}.shp"
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
    elif fmt == "shp.zip":
        inner = folder / f"_{stem}_parts"
        shp = write_layer(frame, inner, "shp", stem)
        path = folder / f"{stem}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in sorted(inner.glob(f"{shp.stem}.*")):
                archive.write(part, arcname=part.name)
    elif fmt == "kml":
        path = folder / f"{stem}.kml"
        pyogrio.write_dataframe(frame.to_crs("EPSG:4326"), path, driver="KML")
    elif fmt in ("csv-wkt", "xlsx-wkt"):
        path = folder / f"{stem}.{fmt.split('-')[0]}"
        plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        plain["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=-1)
        write_table(plain.astype(str).to_dict("records"), path)
    else:
        raise ValueError(fmt)
    return path


# --- a whole region with its recipe ------------------------------------------------------------

AREAS_SECTION = """
name = "Test region"

[areas]
path = "{path}"
columns = {{ area_id = "code", name = "{name}"{geometry} }}
{extra}
"""
POPULATION_SECTION = """
[population]
path = "pop.csv"
key = "neighborhood_id"
key_pattern = "tehran:m(\\\\d+)"
columns = { population = "value" }
"""
FACILITIES_SECTION = """
[facilities]
path = "facilities.csv"
columns = { facility_id = "id", name = "name", type = "type", lat = "latitude", lon = "longitude" }
type_map = { "مطب" = "clinic" }
"""
INSURED_SECTION = """
[insured]
path = "insured.csv"
key = "commune"
key_column = "name"
columns = { period = "month", insured = "insured_people", scheme = "scheme" }
"""
POPULATION = [
    ("tehran:m101", "44,406"),
    ("tehran:m102", "۴۴۴۰۶"),
    ("tehran:m103", "٤٤٬٤٠٦"),
    ("tehran:m104", "12000"),
    ("tehran:m999", "5"),  # no such area: listed as unmatched
]


def write_region(
    folder: Path,
    fmt: str = "geojson",
    *,
    population: list[tuple[str, str]] | None = None,
    facilities: list[dict] | None = None,
    insured: list[dict] | None = None,
    areas: gpd.GeoDataFrame | None = None,
    sections: tuple[str, ...] = ("population", "facilities", "insured"),
    areas_extra: str = "",
) -> Path:
    """Write a small region (areas in ``fmt``, CSVs for the rest) and its recipe; returns the recipe."""
    folder.mkdir(parents=True, exist_ok=True)
    areas = area_frame().drop(columns="pop") if areas is None else areas
    path = write_layer(areas, folder, fmt, stem="areas")
    geometry = ', wkt = "wkt"' if fmt.endswith("-wkt") else ""
    extra = areas_extra + ('\ncrs = "EPSG:4326"' if fmt.endswith("-wkt") else "")
    text = AREAS_SECTION.format(path=path.name, name="Name", geometry=geometry, extra=extra)
    if "population" in sections:
        rows = population if population is not None else POPULATION
        write_table([{"neighborhood_id": k, "value": v} for k, v in rows], folder / "pop.csv")
        text += POPULATION_SECTION
    if "facilities" in sections:
        if facilities is None:
            facilities = [
                {"id": f"F{i}", "name": f"Centre {i}", "type": kind, "latitude": y, "longitude": x}
                for i, ((x, y), kind) in enumerate(
                    zip(
                        FACILITY_POINTS, ["بیمارستان", "درمانگاه", "مطب", "Bệnh viện"], strict=True
                    ),
                    start=1,
                )
            ]
        write_table(facilities, folder / "facilities.csv")
        text += FACILITIES_SECTION
    if "insured" in sections:
        if insured is None:
            insured = [
                {"commune": n, "month": "1404/01", "insured_people": "1,000", "scheme": "health"}
                for n in AREA_NAMES_OTHER_SPELLING
            ]
        write_table(insured, folder / "insured.csv")
        text += INSURED_SECTION
    recipe = folder / "recipe.toml"
    recipe.write_text(text, encoding="utf-8")
    return recipe
