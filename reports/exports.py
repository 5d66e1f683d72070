"""Tables and map data as files: CSV and XLSX (formatted headers; data text never becomes a
formula), GeoJSON, GeoPackage, and the map as a standalone HTML page that opens with no network
(Leaflet inlined from XStatic-Leaflet).

Every function returns bytes and takes the frame it is given: what a partner may see was decided
before (the dashboard's scoped loaders, or ``--partner`` on the command line).
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = [
    "GEODATA_KINDS",
    "NUMBER_FORMATS",
    "PERCENT_KINDS",
    "defused",
    "export_frame",
    "geojson_bytes",
    "geopackage_bytes",
    "standalone_map_html",
    "table_csv",
    "table_xlsx",
]

#: Number formats in the workbook by column kind. Shares and percentages are both written as
#: percent 0–100 (the header states the unit), so both show one decimal.
NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "int": "0",
    "rank": "0",
    "share": "0.0",
    "percent": "0.0",
    "km": "0.00",
    "number": "0.0",
    "score": "0.000",
}
#: Kinds whose column is written as percent 0–100 with the unit in its header: ``share`` holds
#: 0–1 in the frame (multiplied by 100 in the file), ``percent`` holds 0–100 already.
PERCENT_KINDS = ("share", "percent")
#: Kinds written as whole numbers (nullable integers: an empty cell stays empty, never "1.0").
_INTEGER_KINDS = ("count", "int", "rank")
#: Column kinds of the figures that map data (GeoJSON, GeoPackage) carry under their own names.
GEODATA_KINDS: dict[str, str] = {
    **dict.fromkeys(
        ("coverage", "coverage_low", "coverage_high", "target", "gap_to_target"), "share"
    ),
    **dict.fromkeys(
        (
            "population",
            "insured",
            "uninsured",
            "people_to_target",
            "households",
            "pop_female",
            "pop_65plus",
            "pop_under5",
        ),
        "count",
    ),
}
#: Text that stands for a missing value in a frame made by ``astype(str)``; written empty.
_MISSING_TEXT = frozenset({"None", "nan", "NaN", "<NA>", "NaT"})
#: Ways of writing the percent unit in a header: a header holding one states its unit already.
_PERCENT_MARKS = ("%", "\u066a", "درصد")

_HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_SHEET_NAME_BAD = "[]:*?/\\"
#: A text cell starting with one of these would be read as a formula by a spreadsheet program
#: (CSV/formula injection): such text is written with a leading apostrophe in CSV and stored as
#: plain text in XLSX.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Without geometry, with text column names."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame.rename(columns=str)


def _percent_header(header: str, lang: str) -> str:
    if any(mark in header for mark in _PERCENT_MARKS):
        return header
    from render.i18n import translate

    return translate("downloads.percent_header", lang, label=header)


def _whole(values: pd.Series) -> pd.Series:
    """``values`` as nullable integers (rounded): counts and ranks, never ``446823.0``."""
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    return numbers.round(0).astype("Int64")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _undeclared(values: pd.Series) -> pd.Series:
    """A column whose kind the table does not declare: whole numbers as integers, other numbers
    as they are, missing values (``None``, ``nan`` and their text) empty."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values
    if values.dtype == object:
        present = values[values.notna()]
        if len(present) and present.map(_is_number).all():
            values = pd.to_numeric(values, errors="coerce")
        else:
            text = values.where(values.notna(), None).astype(object)
            missing = text.isin(_MISSING_TEXT).to_numpy() | text.isna().to_numpy()
            return text.mask(missing, None)
    if pd.api.types.is_float_dtype(values):
        finite = values.dropna()
        if len(finite) and np.isfinite(finite).all() and (finite % 1 == 0).all():
            return values.astype("Float64").astype("Int64")
    if pd.api.types.is_string_dtype(values):
        return values.mask(values.isin(_MISSING_TEXT))
    return values


def export_frame(
    frame: pd.DataFrame, kinds: Mapping[str, str] | None = None, *, lang: str = "en"
) -> pd.DataFrame:
    """The one convention of every exported table (CSV, XLSX, GeoJSON, GeoPackage).

    - ``share`` (0–1) and ``percent`` (0–100) columns: percent 0–100, the unit stated in the
      header in ``lang`` (``Coverage (%)``) unless the header states it already;
    - ``count``, ``int`` and ``rank`` columns: whole numbers (nullable ``Int64``);
    - ``score`` columns: figures rounded to three decimals;
    - ``km``, ``number``, ``number:N`` and ``signed:N`` columns: figures (whole numbers where
      ``N`` is 0), a cell of text among them kept as it is;
    - columns with no declared kind: whole numbers as integers, other values as they are;
    - missing values empty, never ``None`` or ``nan``.

    Parameters
    ----------
    frame
        The table (a GeoDataFrame keeps its geometry). Not modified.
    kinds
        Column kind by header, as the table declares it (any kind not named above, such as
        ``text``, ``km`` or ``date``, is kept as it is, missing values empty).
    lang
        Language of the headers.

    Returns
    -------
    pandas.DataFrame
        A copy, of the same class, with the columns normalised and percent headers renamed.
    """
    kinds = {str(k): v for k, v in (kinds or {}).items()}
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out = frame.rename(columns=str).copy()
    renamed: dict[str, str] = {}
    for column in out.columns:
        if column == geometry:
            continue
        kind = kinds.get(column)
        values = out[column]
        if kind in PERCENT_KINDS:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            out[column] = (numbers * (100.0 if kind == "share" else 1.0)).round(6)
            renamed[column] = _percent_header(column, lang)
        elif kind in _INTEGER_KINDS:
            out[column] = _whole(values)
        elif kind in ("km", "number"):
            out[column] = _figures(values)
        elif (decimals := _decimals(kind)) is not None:
            out[column] = _whole(values) if decimals == 0 else _figures(values)
        elif kind == "score":
            out[column] = pd.to_numeric(values, errors="coerce").astype("float64").round(3)
        else:
            out[column] = _undeclared(values)
    return out.rename(columns=renamed)


def defused(value: object) -> object:
    """``value``, or text that a spreadsheet would run as a formula prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_csv(
    frame: pd.DataFrame,
    *,
    percent: Iterable[str] = (),
    kinds: Mapping[str, str] | None = None,
    lang: str = "en",
) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so spreadsheets read Persian and Vietnamese; text that
    a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) is prefixed with an
    apostrophe, headers included. Lines end in CR LF, so that a field holding a carriage return
    is quoted (a spreadsheet would otherwise start a new row there, whose first cell the
    apostrophe no longer guards). Columns follow :func:`export_frame` (``percent``: columns
    holding shares 0–1, the same as kind ``share`` in ``kinds``)."""
    safe = export_frame(_plain(frame), _kinds(percent, kinds), lang=lang).rename(columns=defused)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(defused)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _kinds(percent: Iterable[str], kinds: Mapping[str, str] | None) -> dict[str, str]:
    return {str(c): "share" for c in percent} | {str(c): k for c, k in (kinds or {}).items()}


def _cell(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _figures(values: pd.Series) -> pd.Series:
    """``values`` as figures; a cell of text among them (the word for a place no road reaches)
    stays text."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    words = (values.notna() & numbers.isna()).to_numpy()
    if not words.any():
        return numbers
    return numbers.astype(object).where(~words, values)


def _decimals(kind: str | None) -> int | None:
    """The decimals of a kind ``number:N`` or ``signed:N`` (a figure, a change with its sign);
    None for any other kind."""
    base, _, digits = (kind or "").partition(":")
    return int(digits) if base in ("number", "signed") and digits.isdigit() else None


def _column_format(values: pd.Series, kind: str | None) -> str | None:
    """The number format for a column: from its kind (``number:N`` and ``signed:N`` with ``N``
    decimals, the latter with its sign), else counts for whole numbers and for figures above
    100."""
    decimals = _decimals(kind)
    if decimals is not None:
        figure = "0." + "0" * decimals if decimals else "0"
        signed = str(kind).startswith("signed")
        return f"+{figure};-{figure};{figure}" if signed else figure
    if kind is not None:
        return NUMBER_FORMATS.get(kind)
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values) or (
        pd.api.types.is_float_dtype(values) and values.dropna().abs().gt(100).any()
    ):
        return NUMBER_FORMATS["count"]
    return None


def table_xlsx(
    frame: pd.DataFrame,
    *,
    sheet: str = "table",
    percent: Iterable[str] = (),
    kinds: Mapping[str, str] | None = None,
    rtl: bool = False,
    title: str | None = None,
    lang: str = "en",
) -> bytes:
    """An XLSX workbook of one table: an optional bold ``title`` row, bold white-on-blue header
    row (wrapped, frozen, filter on), columns wide enough for their text; right to left for
    Persian. Text is always stored as text, never as a formula, whatever it starts with.

    Parameters
    ----------
    percent
        Columns holding shares 0–1 (kind ``share``).
    kinds
        Column kinds by header (``count``, ``int``, ``rank``, ``share``, ``percent``, ``km``;
        any other kind, such as ``text``, has no number format); the columns follow
        :func:`export_frame`. Columns with no kind show whole numbers and figures above 100
        with thousands separators.
    title
        A heading above the table (row 1; the header row is then row 3).
    lang
        Language of the headers (for the percent unit).
    """
    declared = _kinds(percent, kinds)
    plain = export_frame(_plain(frame), declared, lang=lang)
    kind_of = {
        (_percent_header(c, lang) if k in PERCENT_KINDS else c): k for c, k in declared.items()
    }
    book = Workbook()
    ws = book.active
    ws.title = "".join(ch for ch in sheet if ch not in _SHEET_NAME_BAD).strip()[:31] or "table"
    ws.sheet_view.rightToLeft = bool(rtl)
    header_row = 1
    if title is not None:
        heading = ws.cell(row=1, column=1, value=title)
        heading.data_type = "s"
        heading.font = Font(bold=True, size=13)
        header_row = 3
    columns = list(plain.columns)
    for c, header in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=c, value=header)
        cell.data_type = "s"
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    formats = [_column_format(plain[c], kind_of.get(c)) for c in columns]
    for r, row in enumerate(plain.itertuples(index=False, name=None), start=header_row + 1):
        for c, raw in enumerate(row, start=1):
            value = _cell(raw)
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif formats[c - 1] and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = formats[c - 1]
    for c, header in enumerate(columns, start=1):
        longest = max(
            [len(header) // 2 + 2]
            + [len(str(v)) for v in plain[header].head(500) if _cell(v) is not None]
        )
        ws.column_dimensions[get_column_letter(c)].width = min(max(longest + 2, 8), 40)
    ws.row_dimensions[header_row].height = 32
    ws.freeze_panes = f"A{header_row + 1}"
    if columns:
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(plain)}"
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
    """A GeoJSON FeatureCollection in EPSG:4326 (UTF-8); the figures follow
    :func:`export_frame` by :data:`GEODATA_KINDS` (``coverage (%)`` 0–100, whole counts)."""
    data = _for_files(export_frame(frame, GEODATA_KINDS)).to_crs(4326)
    return data.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def geopackage_bytes(frame: gpd.GeoDataFrame, layer: str = "map") -> bytes:
    """A GeoPackage with one layer (EPSG:4326), its figures as in :func:`geojson_bytes`."""
    data = _for_files(export_frame(frame, GEODATA_KINDS)).to_crs(4326)
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
        Built with :func:`render.maps.choropleth_map` (whose data strings are already escaped).
    """
    import xstatic.pkg.leaflet as xleaflet

    from render.offline import LEAFLET_CSS_URL, LEAFLET_IMAGES_URL, LEAFLET_JS_URL

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
