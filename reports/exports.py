"""Tables and map data as files: CSV, XLSX (formatted headers), GeoJSON, GeoPackage, and the map
as a standalone HTML page that opens with no network (Leaflet inlined from XStatic-Leaflet).

Every function returns bytes and takes the frame it is given: what a partner may see was decided
before (the dashboard's scoped loaders, or ``--partner`` on the command line).
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = [
    "geojson_bytes",
    "geopackage_bytes",
    "standalone_map_html",
    "table_csv",
    "table_xlsx",
]

_HEADER_FILL = PatternFill("solid", fgColor="0B3D62")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Without geometry, with text column names."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame.rename(columns=str)


def table_csv(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so spreadsheets read Persian and Vietnamese."""
    return _plain(frame).to_csv(index=False).encode("utf-8-sig")


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def table_xlsx(
    frame: pd.DataFrame,
    *,
    sheet: str = "table",
    percent: Iterable[str] = (),
    rtl: bool = False,
) -> bytes:
    """An XLSX workbook of one table: bold white-on-blue header row, frozen, filter on, columns
    wide enough for their text; ``percent`` columns (0–1 shares) shown as percentages; ``rtl``
    lays the sheet out right to left (Persian)."""
    plain = _plain(frame)
    book = Workbook()
    ws = book.active
    ws.title = (_SHEET_NAME_BAD.sub(" ", sheet).strip() or "table")[:31]
    ws.sheet_view.rightToLeft = bool(rtl)
    ws.append(list(plain.columns))
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in plain.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    wanted = set(map(str, percent))
    for index, column in enumerate(plain.columns, start=1):
        letter = get_column_letter(index)
        values = plain[column]
        width = max([len(str(column))] + [len(str(v)) for v in values.head(500)]) + 2
        ws.column_dimensions[letter].width = min(max(width, 8), 60)
        if column in wanted:
            for cell in ws[letter][1:]:
                cell.number_format = "0.0%"
        elif pd.api.types.is_integer_dtype(values) or (
            pd.api.types.is_float_dtype(values) and values.dropna().abs().gt(100).any()
        ):
            for cell in ws[letter][1:]:
                cell.number_format = "#,##0"
    ws.freeze_panes = "A2"
    if len(plain.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(plain.columns))}{len(plain) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _for_files(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Column names as text and values a vector file can hold (no nested objects)."""
    out = frame.rename(columns=str).copy()
    for column in out.columns:
        if column == out.geometry.name:
            continue
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            )
    return out


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """A GeoJSON FeatureCollection in EPSG:4326 (UTF-8)."""
    data = _for_files(frame).to_crs(4326)
    return data.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def geopackage_bytes(frame: gpd.GeoDataFrame, layer: str = "map") -> bytes:
    """A GeoPackage with one layer (EPSG:4326)."""
    data = _for_files(frame).to_crs(4326)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.gpkg"
        data.to_file(path, layer=layer, driver="GPKG")
        return path.read_bytes()


def standalone_map_html(fmap) -> str:
    """A folium map as one HTML file that opens offline: Leaflet's script and stylesheet are
    inlined from the installed XStatic-Leaflet package in place of their ``/app/static`` links,
    and the Persian font (served by the dashboard) is left out, so nothing is fetched at all.

    Parameters
    ----------
    fmap : folium.Map
        Built with :func:`ui.maps.choropleth_map` (whose data strings are already escaped).
    """
    import xstatic.pkg.leaflet as xleaflet

    from ui.offline import LEAFLET_CSS_URL, LEAFLET_IMAGES_URL, LEAFLET_JS_URL

    base = Path(xleaflet.BASE_DIR)
    script = (base / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    style = (base / "leaflet.css").read_text(encoding="utf-8")
    page = fmap.get_root().render()
    # Checked before Leaflet goes in (its source names its home page in the attribution link).
    if re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page):
        raise ValueError("the map links to an outside resource; it cannot be made standalone")
    page = re.sub(
        r'<script[^>]*src="' + re.escape(LEAFLET_JS_URL) + r'"[^>]*></script>',
        lambda _: f"<script>{script}</script>",
        page,
    )
    page = re.sub(
        r'<link[^>]*href="' + re.escape(LEAFLET_CSS_URL) + r'"[^>]*/?>',
        lambda _: f"<style>{style}</style>",
        page,
    )
    # Marker images and the Persian font are served by the dashboard; the file needs neither.
    page = page.replace(LEAFLET_IMAGES_URL, "")
    page = re.sub(r"@font-face\s*\{[^}]*\}", "", page)
    return page
