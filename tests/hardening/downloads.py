"""Checks of the files the pages offer for download, made from the hostile payload workspace
(:func:`tests.hardening.payloads.payload_workspace`):

- **CSV** (every CSV a page offers): no cell a spreadsheet would run as a formula — text starting
  with ``= + - @``, a tab or a carriage return — unless it is a plain number (``-3.5``). The
  writer (:func:`reports.exports.table_csv`) puts an apostrophe in front of such text;
- **XLSX**: no formula cell at all (every text is stored as text, whatever it starts with), and
  the payloads are there, as text;
- **HTML** (the standalone map): parsed with :mod:`html.parser`: no element or attribute from a
  payload (every payload that became markup carries ``pwn`` in an id, source or link); then opened
  in Chromium with every tooltip and popup open: no payload element, no script run
  (``window.__pwned``), no dialog, no page error, no request for a payload's address;
- **PDF**: the text that ``pdftotext`` extracts shows the payloads as text (their markup
  included: markup that had become HTML for the PDF renderer would be gone from the text).

Used by ``tests/hardening/test_escaping.py`` and ``python -m reliability``.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from tests.hardening.payloads import INJECTED, PAYLOADS

#: What a spreadsheet reads as the start of a formula (as :mod:`reports.exports` defuses it).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD_ID = re.compile(r"pwn\d\d")
NUMBER = re.compile(r"^[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?%?$")


@dataclass
class FileCheck:
    """One downloaded file: its kind, what in it could run, and how many payloads it shows."""

    name: str
    kind: str
    size: int
    formulas: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    ran: bool = False
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shown: int = 0
    defused: int = 0

    @property
    def clean(self) -> bool:
        return not (self.formulas or self.injected or self.ran or self.dialogs or self.errors)


def kind_of(name: str) -> str:
    return Path(name).suffix.lower().lstrip(".")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` (a cell's text) as a formula."""
    return text.startswith(FORMULA_START) and not NUMBER.match(text.strip())


def shown_payloads(text: str) -> int:
    """How many distinct payloads ``text`` holds whole (as text)."""
    return sum(p in text for p in PAYLOADS)


def check_csv(name: str, data: bytes) -> FileCheck:
    check = FileCheck(name, "csv", len(data))
    text = data.decode("utf-8-sig", errors="replace")
    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
        for c, cell in enumerate(row):
            if is_formula(cell):
                check.formulas.append(f"row {r + 1} column {c + 1}: {cell[:60]!r}")
            elif cell.startswith("'") and cell[1:].startswith(FORMULA_START):
                check.defused += 1
    check.shown = shown_payloads(text)
    return check


def check_xlsx(name: str, data: bytes) -> FileCheck:
    from openpyxl import load_workbook

    check = FileCheck(name, "xlsx", len(data))
    book = load_workbook(io.BytesIO(data))
    texts: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    check.formulas.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}"[:120])
                elif isinstance(cell.value, str):
                    texts.append(cell.value)
                    check.defused += cell.value.startswith(FORMULA_START)
    check.shown = shown_payloads("\n".join(texts))
    return check


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for attr, value in attrs:
            text = f"{attr}={value or ''}"
            if PAYLOAD_ID.search(text) or attr.lower().startswith("on"):
                self.found.append(f"<{tag} {text[:80]}>")
        if PAYLOAD_ID.search(tag):
            self.found.append(f"<{tag}>")

    handle_startendtag = handle_starttag


def html_elements_from_payloads(text: str) -> list[str]:
    """Elements or attributes of ``text`` that came from a payload (or any event handler)."""
    parser = _Elements()
    parser.feed(text)
    parser.close()
    return parser.found


#: Opens every tooltip and popup of the standalone map (folium names its map ``map_<id>``).
OPEN_STANDALONE = """() => {
  const maps = [];
  for (const k of Object.keys(window)) {
    if (!k.startsWith('map_')) continue;
    try { if (window.L && window[k] instanceof L.Map) maps.push(window[k]); } catch (e) {}
  }
  let n = 0;
  for (const map of maps) {
    map.eachLayer(l => {
      if (l.feature) { l.fire('mouseover'); }
      if (l.getPopup && l.getPopup()) { l.openPopup(); n += 1; }
      if (l.getTooltip && l.getTooltip()) { l.openTooltip(); n += 1; }
    });
  }
  return {maps: maps.length, opened: n};
}"""


def check_html(name: str, data: bytes, browser=None) -> FileCheck:
    """Parse the file; then, with a ``browser``, open it (nothing may leave the machine)."""
    check = FileCheck(name, "html", len(data))
    text = data.decode("utf-8", errors="replace")
    check.injected = html_elements_from_payloads(text)
    if browser is None:
        return check
    from tests.conftest import GuardedPage

    guarded = GuardedPage(browser)
    page = guarded.page
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if "pwn" in r.url else None)
    page.on("console", lambda m: check.errors.append(m.text) if m.type == "error" else None)

    def on_dialog(dialog) -> None:
        check.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        page.set_content(text, wait_until="load", timeout=60_000)
        opened = page.evaluate(OPEN_STANDALONE)
        page.wait_for_timeout(500)
        found = page.evaluate(INJECTED)
        check.injected += found["elements"]
        check.ran = bool(found["pwned"])
        check.shown = int(found["shown"])
        if not opened["maps"]:
            check.errors.append("no Leaflet map in the file")
        check.errors += guarded.errors
        check.errors += [f"request for {u}" for u in requested]
        check.errors += [f"request left the machine: {u}" for u in guarded.outside]
    finally:
        guarded.close()
    return check


def pdf_text(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(data)
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=120,
        )
    return done.stdout.decode("utf-8", errors="replace")


def check_pdf(name: str, data: bytes) -> FileCheck:
    """The payload ids whose markup is still there as text (``id=pwn07``), after joining the
    lines pdftotext breaks: markup that became HTML in the PDF renderer leaves no ``id=``."""
    check = FileCheck(name, "pdf", len(data))
    squashed = re.sub(r"\s+", "", pdf_text(data))
    check.shown = len(set(re.findall(r"id=pwn\d\d", squashed)))
    return check


def have_pdftotext() -> bool:
    return shutil.which("pdftotext") is not None


#: Kinds of file :func:`check_file` does not check (images; GeoJSON and GeoPackage: data).
UNCHECKED_KINDS = ("png", "geojson", "gpkg")


def check_file(name: str, data: bytes, browser=None) -> FileCheck | None:
    """The check of one downloaded file by its kind; None for kinds not checked here (images,
    GeoJSON, GeoPackage: data, not documents a person opens in a program that runs them)."""
    kind = kind_of(name)
    if kind == "csv":
        return check_csv(name, data)
    if kind == "xlsx":
        return check_xlsx(name, data)
    if kind in ("html", "htm"):
        return check_html(name, data, browser)
    if kind == "pdf":
        return check_pdf(name, data)
    return None


# ---------------------------------------------------------------------------------------------
# The export convention (reports.exports.export_frame): percentages 0–100 with the unit in the
# header, counts and ranks as whole numbers, empty cells empty.
# ---------------------------------------------------------------------------------------------
#: What a cell holding a missing value must never read.
MISSING_TEXT = frozenset({"None", "nan", "NaN", "<NA>", "NaT", "null"})
#: How a header states the percent unit (Persian writes ٪ or درصد).
PERCENT_MARKS = ("%", "٪", "درصد")
WHOLE = re.compile(r"^-?\d+$")


def _unit_stripped(header: str) -> str:
    return re.sub(r"\s*\((?:%|٪)\)$", "", header)


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def convention_problems(
    name: str,
    header: list[str],
    rows: list[list[object]],
    *,
    shares: set[str],
    counts: set[str],
    ranks: set[str],
    typed: bool = False,
) -> list[str]:
    """What breaks the export convention in one table (``rows`` of cells as the file holds
    them: text for CSV, values for XLSX, ``typed``: where a count or rank must be a number,
    never text). ``shares``, ``counts`` and ``ranks`` are the labels (in the file's language)
    of columns holding percentages, counts and ranks."""
    problems: list[str] = []
    for c, title in enumerate(header):
        title = str(title)
        cells = [row[c] for row in rows if c < len(row)]
        for cell in cells:
            if isinstance(cell, str) and cell.strip() in MISSING_TEXT:
                problems.append(f"{name}: {title!r} has a {cell!r} cell")
                break
        present = [cell for cell in cells if cell not in ("", None)]
        base = _unit_stripped(title)
        if base in shares:
            if not any(mark in title for mark in PERCENT_MARKS):
                problems.append(f"{name}: {title!r} holds a percentage with no unit in its header")
            values = [_number(str(v)) for v in present]
            if any(v is None or not -0.001 <= v <= 100.001 for v in values):
                problems.append(f"{name}: {title!r} has values outside 0–100: {present[:3]}")
            elif values and max(values) <= 1 and len(values) > 2:
                problems.append(f"{name}: {title!r} looks like shares 0–1: {present[:3]}")
        if base in counts or base in ranks:
            bad = [
                v
                for v in present
                if not (
                    (isinstance(v, int) and not isinstance(v, bool))
                    or (not typed and isinstance(v, str) and WHOLE.match(v))
                )
            ]
            if bad:
                problems.append(f"{name}: {title!r} is not whole numbers: {bad[:3]}")
    return problems


def csv_table(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def xlsx_table(data: bytes) -> tuple[list[str], list[list[object]]]:
    """The header and rows of a workbook's table (below its title, when it has one)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = 2 if len(rows) > 2 and all(v is None for v in rows[1]) else 0
    header = [str(v) if v is not None else "" for v in rows[start]]
    return header, rows[start + 1 :]
