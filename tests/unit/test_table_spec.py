"""One spec per table (:mod:`ui.tables`): the page writes a column by the same kind as its CSV and
workbook, so a column reads the same on the page as in the files.

- For every kind, the page's text of a value is the page's text of what the file holds for it
  (a share 0–1 is 0–100 in the file, under a header with its unit; a count a whole number).
- A function in ``ui/`` or ``app_pages/`` that shows a table with formatted cells and offers its
  files does so through :func:`ui.tables.show_table`, not with a page format of its own beside
  :func:`ui.downloads.table_downloads` (the tables in :data:`SEPARATE_DEBTS` still do: their page
  writes some figures with other decimals than the files; the list may only shrink).
"""

from __future__ import annotations

import ast

import pandas as pd
import pytest

from render.language import Language
from reports.exports import export_frame
from tests.conftest import ROOT
from ui.tables import kind_format, page_formats

#: Functions (file, name) that still show a formatted table and offer its files separately.
SEPARATE_DEBTS = {
    ("ui/briefings/sections.py", "map_section"),  # its own table formats (bd.table_formats)
    ("ui/outreach/views.py", "villages_table"),  # score with 0 or 3 decimals by rule
}

#: A value of each kind and what the file holds for it (share: 0–1 → 0–100).
KIND_VALUES = {
    "count": 1234567,
    "int": 42,
    "rank": 7,
    "share": 0.8345,
    "percent": 83.45,
    "km": 12.34,
    "number": 0.5,
}


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
@pytest.mark.parametrize("kind", sorted(KIND_VALUES))
def test_page_and_file_write_a_kind_alike(kind: str, lang: str) -> None:
    language = Language(lang)
    page = kind_format(kind, language)
    assert page is not None
    value = KIND_VALUES[kind]
    filed = export_frame(pd.DataFrame({"c": [value]}), {"c": kind}, lang=lang)
    (header,) = filed.columns
    held = filed[header].iloc[0]
    back = held / 100 if kind == "share" else held  # the file's percent, back to the page's share
    assert page(back) == page(value)
    if kind in ("share", "percent"):
        assert header != "c"  # the unit is in the file's header
        assert page(value) == language.pct(0.8345)


def test_text_is_written_as_it_is() -> None:
    assert kind_format("text", Language("fa")) is None
    formats = page_formats(Language("fa"), {"a": "count", "b": "text", "c": "share"})
    assert set(formats) == {"a", "c"}
    assert formats["a"](1234) == "۱٬۲۳۴"


def _separate_tables() -> set[tuple[str, str]]:
    """Functions that call a page format of tables and :func:`table_downloads` themselves."""
    found = set()
    files = sorted((ROOT / "ui").rglob("*.py")) + sorted((ROOT / "app_pages").rglob("*.py"))
    for path in files:
        if path == ROOT / "ui" / "tables.py":  # the one road itself
            continue
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef):
                continue
            called = {
                c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", None)
                for c in ast.walk(fn)
                if isinstance(c, ast.Call)
            }
            if {"table_downloads", "localized_table"} <= called:
                found.add((path.relative_to(ROOT).as_posix(), fn.name))
    return found


def test_a_shown_and_offered_table_takes_one_spec() -> None:
    separate = _separate_tables()
    assert separate - SEPARATE_DEBTS == set(), "use ui.tables.show_table"
    assert SEPARATE_DEBTS - separate == set(), "paid: take it off SEPARATE_DEBTS"
