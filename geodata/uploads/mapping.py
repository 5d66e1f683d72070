"""The column mapping of an upload: which file column fills each workspace column, proposed from HXL
hashtags, known synonyms in English, Persian and Vietnamese, and column-name similarity
(rapidfuzz); then applied: columns renamed, points made from latitude/longitude or WKT columns,
columns the file lacks carried over from the workspace, problems named in the file's own columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz

from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN
from geodata.tables import schema as S
from geodata.tables.problems import Problem
from geodata.tables.text import name_key
from geodata.tables.validate import clean_ids
from geodata.uploads.reading import Upload

POINTS_TABLE = "insured_points"
"""Pseudo-table: person/household records with a location, counted into ``insured``."""
IMPORT_TABLES = (
    "areas",
    "facilities",
    "insured",
    POINTS_TABLE,
    "partners",
    "targets",
    "outreach",
    "utilisation",
)
GEOMETRY_TARGETS = ("lat", "lon", "wkt")
POINT_TARGETS = ("lat", "lon", "period", "scheme")
MAPPING_CUTOFF = 80.0

# Column names people use, in English, Persian and Vietnamese; compared by name_key().
SYNONYMS: dict[str, tuple[str, ...]] = {
    "area_id": (
        "area_id", "area", "area code", "code", "id", "areaid", "neighbourhood_id",
        "neighborhood_id", "mahalle_id", "commune_id", "ward_id", "کد", "کد محله", "شناسه",
        "mã", "mã xã", "mã phường",
    ),
    "name": ("name", "area_name", "neighbourhood", "neighborhood", "نام", "نام محله", "محله",
             "tên", "tên xã", "tên phường", "xã", "phường"),
    "name_fa": ("name_fa", "persian name", "نام فارسی"),
    "name_vi": ("name_vi", "vietnamese name", "tên tiếng việt"),
    "name_en": ("name_en", "english name", "name english"),
    "population": ("population", "pop", "total population", "inhabitants", "residents",
                   "جمعیت", "جمعیت کل", "dân số", "số dân", "tổng dân số"),
    "households": ("households", "hh", "household count", "خانوار", "تعداد خانوار", "số hộ", "hộ"),
    "pop_female": ("pop_female", "female", "women", "زن", "جمعیت زن", "nữ", "dân số nữ"),
    "pop_65plus": ("pop_65plus", "65+", "elderly", "سالمند", "trên 65"),
    "pop_under5": ("pop_under5", "under 5", "children under 5", "زیر ۵ سال", "dưới 5 tuổi"),
    "district_id": ("district_id", "district", "district code", "region", "reg_no", "regno",
                    "منطقه", "کد منطقه", "quận", "huyện", "mã quận", "mã huyện"),
    "district_name": ("district_name", "district name", "نام منطقه", "tên quận", "tên huyện"),
    "district_name_fa": ("district_name_fa", "persian district name", "نام فارسی منطقه"),
    "district_name_vi": ("district_name_vi", "vietnamese district name", "tên quận tiếng việt"),
    "district_name_en": ("district_name_en", "english district name"),
    "province": ("province", "state", "استان", "tỉnh", "tỉnh thành"),
    "underserved": ("underserved", "deprived", "کم برخوردار", "محروم", "vùng khó khăn"),
    "deprivation": ("deprivation", "deprivation index", "شاخص محرومیت", "chỉ số nghèo"),
    "partner_id": ("partner_id", "partner", "organisation", "organization", "org", "سازمان",
                   "نهاد", "đối tác", "tổ chức"),
    "facility_id": ("facility_id", "facility", "id", "code", "کد", "کد مرکز", "شناسه", "mã",
                    "mã cơ sở"),
    "type": ("type", "kind", "category", "facility type", "نوع", "نوع مرکز", "loại", "loại hình"),
    "operator": ("operator", "owner", "ownership", "مالکیت", "وابستگی", "chủ quản"),
    "beds": ("beds", "bed count", "تخت", "تعداد تخت", "giường", "số giường"),
    "shifts": ("shifts", "شیفت", "ca"),
    "status": ("status", "state", "وضعیت", "trạng thái"),
    "opens_on": ("opens_on", "opening date", "opens", "تاریخ افتتاح", "ngày khai trương"),
    "services": ("services", "خدمات", "dịch vụ"),
    "address": ("address", "نشانی", "آدرس", "địa chỉ"),
    "period": ("period", "month", "date", "year_month", "ماه", "تاریخ", "دوره", "tháng",
               "ngày", "kỳ", "enrolment date", "enrollment date", "تاریخ ثبت نام"),
    "insured": ("insured", "insured people", "insured_people", "count", "بیمه شده",
                "تعداد بیمه شده", "بیمه شدگان", "số người có bảo hiểm", "số người tham gia bhyt",
                "số thẻ bhyt"),
    "scheme": ("scheme", "fund", "plan", "insurance", "صندوق", "طرح", "نوع بیمه",
               "loại bảo hiểm", "chương trình"),
    "source": ("source", "منبع", "nguồn"),
    "measure": ("measure", "indicator", "activity", "شاخص", "نوع خدمت", "chỉ số", "hoạt động"),
    "value": ("value", "amount", "total", "مقدار", "تعداد", "giá trị", "số lượng"),
    "kind": ("kind", "type", "نوع", "loại"),
    "target_coverage": ("target_coverage", "target", "هدف", "پوشش هدف", "mục tiêu"),
    "contact": ("contact", "phone", "email", "تلفن", "تماس", "liên hệ", "điện thoại"),
    "scope": ("scope", "area", "district", "محدوده", "phạm vi"),
    "session_id": ("session_id", "session", "id", "شناسه", "mã"),
    "date": ("date", "day", "تاریخ", "روز", "ngày"),
    "enrolled": ("enrolled", "enrolments", "enrollments", "ثبت نام", "ثبت نامی", "تعداد ثبت نام",
                 "số người đăng ký", "đăng ký"),
    "lat": ("lat", "latitude", "y", "lat_dd", "عرض جغرافیایی", "عرض", "vĩ độ"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon_dd", "طول جغرافیایی", "طول", "kinh độ"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "shape", "هندسه", "hình học"),
}  # fmt: skip

# HXL hashtag (+ attributes it must have) → workspace column, per table ("*" for every table).
HXL_RULES: tuple[tuple[str, frozenset[str], str, str], ...] = (
    ("#geo", frozenset({"lat"}), "lat", "*"),
    ("#geo", frozenset({"lon"}), "lon", "*"),
    ("#geo", frozenset({"wkt"}), "wkt", "*"),
    ("#population", frozenset({"f"}), "pop_female", "areas"),
    ("#population", frozenset(), "population", "areas"),
    ("#population", frozenset(), "insured", "insured"),
    ("#household", frozenset(), "households", "areas"),
    ("#reached", frozenset(), "enrolled", "outreach"),
    ("#targeted", frozenset(), "target_coverage", "targets"),
    ("#adm1", frozenset({"name"}), "province", "areas"),
    ("#adm2", frozenset({"code"}), "district_id", "areas"),
    ("#adm2", frozenset({"name"}), "district_name", "areas"),
    ("#adm3", frozenset({"code"}), "area_id", "*"),
    ("#adm3", frozenset({"name"}), "name", "areas"),
    ("#adm3", frozenset({"name"}), "area_id", "*"),
    ("#loc", frozenset({"code"}), "facility_id", "facilities"),
    ("#loc", frozenset({"name"}), "name", "facilities"),
    ("#loc", frozenset({"type"}), "type", "facilities"),
    ("#loc", frozenset({"code"}), "area_id", "*"),
    ("#loc", frozenset({"name"}), "area_id", "*"),
    ("#org", frozenset({"code"}), "partner_id", "*"),
    ("#org", frozenset({"id"}), "partner_id", "*"),
    ("#org", frozenset({"name"}), "name", "partners"),
    ("#org", frozenset({"type"}), "kind", "partners"),
    ("#org", frozenset(), "operator", "facilities"),
    ("#date", frozenset(), "period", "*"),
    ("#date", frozenset(), "date", "outreach"),
    ("#date", frozenset(), "opens_on", "facilities"),
    ("#status", frozenset(), "status", "*"),
    ("#capacity", frozenset(), "beds", "facilities"),
    ("#contact", frozenset(), "contact", "*"),
    ("#meta", frozenset({"id"}), "session_id", "outreach"),
    ("#indicator", frozenset({"scheme"}), "scheme", "*"),
    ("#sector", frozenset(), "scheme", "insured"),
    ("#sector", frozenset(), "services", "facilities"),
)


def targets_for(table: str, upload: Upload | None = None) -> list[str]:
    """Workspace columns a file can be mapped onto for ``table`` (required ones first)."""
    if table == POINTS_TABLE:
        return (
            list(POINT_TARGETS)
            if upload is None or not upload.has_geometry
            else ["period", "scheme"]
        )
    schema = S.TABLES[table]
    columns = list(schema.columns)
    if schema.geometry and (upload is None or not upload.has_geometry):
        # Points come from latitude/longitude columns or from a WKT column (POINT (lon lat)).
        columns += ["lat", "lon", "wkt"] if schema.geometry != "polygon" else ["wkt"]
    return columns


def required_targets(table: str, upload: Upload | None = None) -> list[str]:
    """Targets that must be mapped (or filled from the current table) for the import to go on."""
    if table == POINTS_TABLE:
        return ["period"] + ([] if upload is not None and upload.has_geometry else ["lat", "lon"])
    schema = S.TABLES[table]
    wanted = [c for c in schema.required if schema.kinds[c] in ("id", "text", "date")]
    if schema.geometry in ("polygon", "point") and (upload is None or not upload.has_geometry):
        wanted += ["wkt"] if schema.geometry == "polygon" else ["lat", "lon"]
    return wanted


def missing_targets(table: str, upload: Upload | None, mapping: Mapping[str, str]) -> list[str]:
    """Required targets (:func:`required_targets`) the mapping leaves out; a WKT column stands in
    for latitude and longitude in a point table."""
    missing = [t for t in required_targets(table, upload) if t not in mapping]
    if "wkt" in mapping and table != POINTS_TABLE:
        missing = [t for t in missing if t not in ("lat", "lon")]
    return missing


def _hxl_target(tag: str, table: str, targets: Sequence[str]) -> str | None:
    parts = tag.split("+")
    hashtag, attributes = parts[0], set(parts[1:])
    kind = "insured" if table == POINTS_TABLE else table
    for rule_tag, needs, target, scope in HXL_RULES:
        if (
            rule_tag == hashtag
            and needs <= attributes
            and scope in ("*", kind)
            and target in targets
        ):
            return target
    return None


def propose_mapping(upload: Upload, table: str) -> dict[str, tuple[str | None, str]]:
    """Propose which file column fills each workspace column.

    Parameters
    ----------
    upload
        The file read by :func:`~geodata.uploads.workflow.read_upload`.
    table
        One of :data:`IMPORT_TABLES`.

    Returns
    -------
    dict
        Workspace column → (file column or ``None``, why): ``"hxl"`` (the HXL hashtag),
        ``"exact"`` (the name or a known synonym, in en/fa/vi), ``"similar"`` (similar name,
        rapidfuzz score ≥ 80) or ``""`` when nothing fits. Each file column is proposed once.
    """
    targets = targets_for(table, upload)
    candidates: list[tuple[float, float, int, str, str, str]] = []
    order = {t: i for i, t in enumerate(targets)}
    filled = _fill_rates(upload)
    for column in upload.columns:
        fill = filled.get(column, 0.0)
        if fill == 0:
            continue  # an empty column fills nothing
        tag = upload.hxl.get(column)
        if tag:
            target = _hxl_target(tag, table, targets)
            if target:
                candidates.append((300.0, fill, order[target], target, column, "hxl"))
        key = name_key(column)
        for target in targets:
            listed = [name_key(w) for w in (target, *SYNONYMS.get(target, ()))]
            words = set(listed)
            if key in words:
                # The workspace's own name beats a synonym, and earlier synonyms beat later ones.
                score = 200.0 if key == name_key(target) else 150.0 - listed.index(key) / 100
                candidates.append((score, fill, order[target], target, column, "exact"))
                continue
            best = max(fuzz.ratio(key, w) for w in words if w)
            if best >= MAPPING_CUTOFF:
                candidates.append((float(best), fill, order[target], target, column, "similar"))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    proposal: dict[str, tuple[str | None, str]] = dict.fromkeys(targets, (None, ""))
    used: set[str] = set()
    for _, _, _, target, column, why in candidates:
        if proposal[target][0] is None and column not in used:
            proposal[target] = (column, why)
            used.add(column)
    return proposal


def _fill_rates(upload: Upload) -> dict[str, float]:
    """Share of rows with a value, per file column (blank text counts as missing)."""
    frame = upload.frame
    if not len(frame):
        return dict.fromkeys(upload.columns, 1.0)
    return {
        c: float((frame[c].notna() & (frame[c].astype(str).str.strip() != "")).mean())
        for c in upload.columns
    }


def mapping_of(proposal: Mapping[str, tuple[str | None, str]]) -> dict[str, str]:
    """The plain mapping (workspace column → file column) of a proposal, unmapped left out."""
    return {t: c for t, (c, _) in proposal.items() if c}


def with_geometry(
    upload: Upload,
    schema: S.TableSchema,
    mapping: Mapping[str, str],
    crs: str | int | None,
    problems: list[Problem],
) -> pd.DataFrame:
    frame = upload.frame
    if upload.has_geometry or not schema.geometry:
        return frame
    lat, lon, wkt = (mapping.get(k) for k in GEOMETRY_TARGETS)
    if not (wkt or (lat and lon)):
        return frame
    from geodata.sources.readers import _table_geometry

    if wkt and crs is None:
        crs = "EPSG:4326"  # WKT typed by hand in a spreadsheet: the page shows and asks this CRS
    located, found = _table_geometry(
        frame, upload.name, crs=crs, lat=None if wkt else lat, lon=None if wkt else lon, wkt=wkt
    )
    problems += found
    others = {s for t, s in mapping.items() if t not in GEOMETRY_TARGETS}
    if wkt and wkt in others:
        # The WKT column also fills another workspace column: keep its text beside the geometry.
        if wkt == located.geometry.name:
            located = located.rename_geometry(f"_{wkt}_geometry")
        located[wkt] = frame.loc[located.index, wkt].to_numpy()
    return located


def rename_columns(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    keep = [ROW_COLUMN, SOURCE_COLUMN] + ([geometry] if geometry else [])
    out = frame[[c for c in keep if c in frame.columns]].copy()
    for target, source in columns.items():
        out[target] = frame[source].to_numpy()
    if geometry:
        out = gpd.GeoDataFrame(out, geometry=geometry, crs=frame.crs)
        if geometry != "geometry":
            out = out.rename_geometry("geometry")
    return out


def carry_over(
    renamed: pd.DataFrame,
    existing: pd.DataFrame,
    schema: S.TableSchema,
    columns: Mapping[str, str],
    key: list[str],
    notes: list[str],
) -> None:
    """Columns the file does not have keep the values the workspace holds for the same key."""
    keep = [c for c in schema.columns if c not in columns and c not in key and c in existing]
    if not keep:
        return
    ids = clean_ids(renamed[key[0]]) if len(key) == 1 else None
    if ids is None:
        return
    unique = existing.drop_duplicates(key[0])
    lookup = unique.set_index(unique[key[0]].astype(str))
    matched = ids.isin(lookup.index)
    for column in keep:
        values = ids.map(lookup[column])
        if values.notna().any():
            renamed[column] = values.to_numpy()
            notes.append(f"kept:{column}:{int(matched.sum())}")


def in_file_terms(problems: list[Problem], mapping: Mapping[str, str]) -> list[Problem]:
    out = []
    for p in problems:
        source = mapping.get(p.column) if p.column else None
        if source and source != p.column:
            p = replace(p, column=source)
        out.append(p)
    return out
