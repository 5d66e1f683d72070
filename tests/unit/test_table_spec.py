"""One spec per table (:mod:`ui.tables`): the page writes a column by the same kind as its CSV and
workbook, so a column reads the same on the page as in the files.

- For every kind, the page's text of a value is the page's text of what the file holds for it
  (a share 0–1 is 0–100 in the file, under a header with its unit; a count a whole number).
- A function in ``ui/`` or ``app_pages/`` that shows a table with formatted cells and offers its
  files does so through :func:`ui.tables.show_table`, not with a page format of its own
  (``localized_table``, a Styler's ``format``, number or progress columns) beside
  :func:`ui.downloads.table_downloads` or a helper that calls it (the tables in
  :data:`SEPARATE_DEBTS` would still do; the list may only shrink) — nor
  across functions of ``ui/`` and ``app_pages/``: a table that one function writes with cell
  formats of its own (``localized_table``, number or progress columns) is not offered as files by
  another, whether the first returns it or the same frame is passed to both.
"""

from __future__ import annotations

import ast
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from render.language import Language
from reports.exports import export_frame, table_xlsx
from tests.conftest import ROOT
from ui.tables import file_kinds, kind_format, page_formats

#: Functions (file, name) that still show a formatted table and offer its files separately.
SEPARATE_DEBTS: set[tuple[str, str]] = set()

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
    "number:2": 1.2345,
    "reach:2": 31.456,
    "number:0": 1234.6,
    "signed:1": -3.21,
    "signed:0": 12.0,
    "label": "District 12",
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


def test_a_figure_column_keeps_its_words() -> None:
    """A cell of text in a figure column (a band of tied ranks, the word for a place no road
    reaches) reads as text on the page, in the reader's digits, and stays text in the file."""
    fa = Language("fa")
    assert kind_format("rank", fa)("3–5") == "۳–۵"
    assert kind_format("number:2", fa)("no road") == "no road"
    assert kind_format("number:2", fa)(1.5) == "۱٫۵۰"
    filed = export_frame(pd.DataFrame({"d": [1.5, "no road", None]}), {"d": "number:2"})
    assert filed["d"].tolist()[:2] == [1.5, "no road"] and pd.isna(filed["d"].iloc[2])


def test_a_place_no_road_reaches_reads_as_a_word_and_sorts_last() -> None:
    """A ``reach:N`` column holds numbers (infinite where no road reaches), so the grid sorts
    it as numbers; the page writes the infinite one as the word, and so do the files."""
    from types import SimpleNamespace

    from render.i18n import translate
    from ui.tables import reach_words

    fa = Language("fa")
    word = translate("access.minutes.unreachable", "fa")
    assert kind_format("reach:2", fa)(float("inf")) == word
    assert kind_format("reach:2", fa)(100.5) == "۱۰۰٫۵۰"
    ctx = SimpleNamespace(t=lambda key, **kw: translate(key, "fa", **kw))
    frame = pd.DataFrame({"m": [100.5, float("inf"), 31.0], "n": [1, 2, 3]})
    files = reach_words(ctx, frame, {"m": "reach:2", "n": "count"})
    assert files["m"].tolist() == [100.5, word, 31.0] and frame["m"].dtype == "float64"
    filed = export_frame(files, file_kinds({"m": "reach:2"}))
    assert filed["m"].tolist() == [100.5, word, 31.0]
    assert reach_words(ctx, frame.iloc[[0, 2]], {"m": "reach:2"}) is not None


def test_the_workbook_writes_a_figure_with_the_pages_decimals() -> None:
    frame = pd.DataFrame({"a": [0.25], "b": [1.234], "c": [-3.21], "d": [7.0]})
    kinds = {"a": "number", "b": "number:2", "c": "signed:1", "d": "signed:0"}
    sheet = load_workbook(io.BytesIO(table_xlsx(frame, kinds=kinds))).active
    formats = [sheet.cell(row=2, column=c).number_format for c in range(1, 5)]
    assert formats == ["0.0", "0.00", "+0.0;-0.0;0.0", "+0;-0;0"]


def test_text_is_written_as_it_is() -> None:
    assert kind_format("text", Language("fa")) is None
    formats = page_formats(Language("fa"), {"a": "count", "b": "text", "c": "share"})
    assert set(formats) == {"a", "c"}
    assert formats["a"](1234) == "۱٬۲۳۴"


def _name(call: ast.Call) -> str | None:
    """The called function's name; ``style.format`` for a frame's Styler format."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "format":
        if isinstance(func.value, ast.Attribute) and func.value.attr == "style":
            return "style.format"
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


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
PAGE_FORMATS = {
    "localized_table",
    "style.format",
    "NumberColumn",
    "ProgressColumn",
}


def _separate_tables() -> set[tuple[str, str]]:
    """Functions that call a page format of tables and :func:`table_downloads` themselves, and
    functions that show a table with one function that writes its cells by formats of its own
    and offer it with another: a frame one returned, or the same frame passed to both."""
    scopes = _scopes()
    calls = {
        (file, name): {_name(c) for c in ast.walk(node) if isinstance(c, ast.Call)}
        for file, node, name in scopes
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
    # one function doing both: writing a table's cells and offering files, itself or through a
    # helper of its own (the Access sections' number columns beside their ``download``)
    found = {
        (file, name)
        for (file, name), called in calls.items()
        if called & PAGE_FORMATS and called & offering
    }
    both = formatting & offering
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
