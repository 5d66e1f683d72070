"""One spec per table (:mod:`ui.tables`): the page writes a column by the same kind as its CSV and
workbook, so a column reads the same on the page as in the files.

- For every kind, the page's text of a value is the page's text of what the file holds for it
  (a share 0–1 is 0–100 in the file, under a header with its unit; a count a whole number).
- A function in ``ui/`` or ``app_pages/`` that shows a table with formatted cells and offers its
  files does so through :func:`ui.tables.show_table`, not with a page format of its own beside
  :func:`ui.downloads.table_downloads` (the tables in :data:`SEPARATE_DEBTS` still do: their page
  writes some figures with other decimals than the files; the list may only shrink) — nor
  across functions of ``ui/`` and ``app_pages/``: a table that one function writes with cell
  formats of its own (``localized_table``, number or progress columns) is not offered as files by
  another, whether the first returns it or the same frame is passed to both.
"""

from __future__ import annotations

import ast

import pandas as pd
import pytest

from render.language import Language
from reports.exports import export_frame
from tests.conftest import ROOT
from ui.tables import file_kinds, kind_format, page_formats

#: Functions (file, name) that still show a formatted table and offer its files separately.
SEPARATE_DEBTS = {
    ("ui/briefings/sections.py", "map_section"),  # its own table formats (bd.table_formats)
}

#: A value of each kind and what the file holds for it (share: 0–1 → 0–100).
KIND_VALUES = {
    "count": 1234567,
    "int": 42,
    "rank": 7,
    "share": 0.8345,
    "percent": 83.45,
    "points": -0.0321,
    "km": 12.34,
    "number": 0.5,
    "score": 0.123456,
}


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
@pytest.mark.parametrize("kind", sorted(KIND_VALUES))
def test_page_and_file_write_a_kind_alike(kind: str, lang: str) -> None:
    language = Language(lang)
    page = kind_format(kind, language)
    assert page is not None
    value = KIND_VALUES[kind]
    filed = export_frame(pd.DataFrame({"c": [value]}), file_kinds({"c": kind}), lang=lang)
    (header,) = filed.columns
    held = filed[header].iloc[0]
    # the file's percent, back to the page's share
    back = held / 100 if file_kinds({"c": kind})["c"] == "share" else held
    assert page(back) == page(value)
    if kind in ("share", "percent"):
        assert header != "c"  # the unit is in the file's header
        assert page(value) == language.pct(0.8345)


def test_text_is_written_as_it_is() -> None:
    assert kind_format("text", Language("fa")) is None
    formats = page_formats(Language("fa"), {"a": "count", "b": "text", "c": "share"})
    assert set(formats) == {"a", "c"}
    assert formats["a"](1234) == "۱٬۲۳۴"


def _name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)


def _scopes() -> list[tuple[str, ast.AST, str]]:
    """(file, node, name) of every function of ``ui/`` and ``app_pages/`` and of each file's
    top level (a page's own code), but :mod:`ui.tables`, the one road itself."""
    scopes = []
    files = sorted((ROOT / "ui").rglob("*.py")) + sorted((ROOT / "app_pages").rglob("*.py"))
    for path in files:
        if path == ROOT / "ui" / "tables.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        file = path.relative_to(ROOT).as_posix()
        top = [s for s in tree.body if not isinstance(s, ast.FunctionDef | ast.ClassDef)]
        scopes.append((file, ast.Module(body=top, type_ignores=[]), "<module>"))
        scopes += [(file, fn, fn.name) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)]
    return scopes


#: Calls that write a table's cells on the page by a format of their own.
PAGE_FORMATS = {"localized_table", "NumberColumn", "ProgressColumn", "number_columns"}


def _separate_tables() -> set[tuple[str, str]]:
    """Functions that call a page format of tables and :func:`table_downloads` themselves, and
    functions that show a table with one function that writes its cells by formats of its own
    and offer it with another: a frame one returned, or the same frame passed to both."""
    scopes = _scopes()
    calls = {
        (file, name): {_name(c) for c in ast.walk(node) if isinstance(c, ast.Call)}
        for file, node, name in scopes
    }
    found = {
        key for key, called in calls.items() if {"table_downloads", "localized_table"} <= called
    }
    # functions that write a table's cells themselves; those that return it (the table shown)
    formatting = {name for (_, name), called in calls.items() if called & PAGE_FORMATS}
    returning = {
        name
        for file, node, name in scopes
        if "localized_table" in calls[(file, name)]
        and any(isinstance(r, ast.Return) and r.value is not None for r in ast.walk(node))
    }
    offering = {"table_downloads"}  # functions that offer a table's files, directly or not
    while (
        grown := {
            name for (_, name), called in calls.items() if called & offering and name != "<module>"
        }
        - offering
    ):
        offering |= grown
    both = formatting & offering  # one function doing both: flagged above where it is one road
    for file, node, name in scopes:
        # names bound here to what a function writing its own cells returned
        bound = {
            t.id
            for a in ast.walk(node)
            if isinstance(a, ast.Assign)
            and isinstance(a.value, ast.Call)
            and _name(a.value) in returning
            for t in a.targets
            if isinstance(t, ast.Name)
        }
        shown: set[str] = set()  # frames passed to a function writing its own cells
        offered: list[ast.AST] = []  # what is passed to a function offering files
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            arguments = [*call.args, *(k.value for k in call.keywords)]
            if _name(call) in formatting - both and _name(call) != name:
                shown |= {a.id for a in arguments if isinstance(a, ast.Name) and a.id != "ctx"}
            if _name(call) in offering - both and _name(call) != name:
                offered += arguments
        for argument in offered:
            if any(
                (isinstance(n, ast.Call) and _name(n) in returning)
                or (isinstance(n, ast.Name) and n.id in bound | shown)
                for n in ast.walk(argument)
            ):
                found.add((file, name))
    return found


def test_a_shown_and_offered_table_takes_one_spec() -> None:
    separate = _separate_tables()
    assert separate - SEPARATE_DEBTS == set(), "use ui.tables.show_table"
    assert SEPARATE_DEBTS - separate == set(), "paid: take it off SEPARATE_DEBTS"
