"""One spec per table: how each column is written on the page, in the CSV and in the workbook.

A table names the kind of its columns by header once (``count``, ``int``, ``rank``, ``share`` for
0–1, ``percent`` for 0–100, ``points`` for a change of a share 0–1, ``km``, ``number``, ``score``
with three decimals, ``number:N`` and ``signed:N`` with ``N`` decimals, ``label`` for a name or
code written with the reader's digits, ``text``); the catalogue labels of
:data:`ui.downloads.COLUMN_KINDS` carry theirs already (:func:`ui.downloads.column_kinds`).
:func:`show_table` writes the page's cells from those kinds in the reader's language
(:func:`page_formats`) and offers the CSV and XLSX made with the same kinds
(:func:`ui.downloads.table_downloads`, :mod:`reports.exports`): a column reads the same on the
page as in the files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from render.language import Language
from ui.context import Context
from ui.downloads import column_kinds, table_downloads
from ui.grid import grid
from ui.localize import COVERAGE_BAR, localized_table

__all__ = ["FILE_KINDS", "file_kinds", "kind_format", "page_formats", "show_table"]

#: The kind a page kind is written with in the files (:mod:`reports.exports`), where it differs: a
#: change of a share (points of coverage) is a share there, 0–100 under a header with its unit.
FILE_KINDS: dict[str, str] = {"points": "share"}


def kind_format(kind: str, language: Language) -> Callable[[object], str] | None:
    """How the page writes a cell of ``kind`` in ``language``; None: as it is (text).

    Counts, whole numbers and ranks with the language's thousands separator and digits; shares
    (0–1) and percentages (0–100) as a percentage with one decimal, as the files hold them
    (0–100, one decimal in the workbook), and a change of a share in points with one decimal;
    kilometres and other figures with one decimal, a score with three, ``number:N`` with ``N``
    decimals, ``reach:N`` so with an infinite figure (no road reaches) as the word for it, and
    ``signed:N`` with its sign; a label (a name, a code) with the language's
    digits. A figure column's cell that holds text (a band of tied ranks ``3–5``, the word for a
    place no road reaches) is written as text, in the language's digits."""
    figure = _figure_format(kind, language)
    if figure is None:
        return None

    def write(value: object) -> str:
        return language.numerals(value) if isinstance(value, str) else figure(value)

    return write


def _figure_format(kind: str, language: Language) -> Callable[[object], str] | None:
    """The format of a figure of ``kind`` (:func:`kind_format`), None for text."""
    if kind in ("count", "int", "rank"):
        return language.int
    if kind == "share":
        return language.pct
    if kind == "percent":
        return lambda v: language.pct(pd.to_numeric(v, errors="coerce") / 100)
    if kind == "points":
        return lambda v: _points(v, language)
    if kind in ("km", "number"):
        return lambda v: language.number(v, 1)
    if kind == "score":
        return lambda v: language.number(v, 3)
    if kind == "label":
        return lambda v: language.numerals(str(v))
    base, _, digits = kind.partition(":")
    if digits.isdigit() and base == "number":
        return lambda v: language.number(v, int(digits))
    if digits.isdigit() and base == "reach":
        return lambda v: _reach(v, language, int(digits))
    if digits.isdigit() and base == "signed":
        return lambda v: language.signed(v, int(digits))
    return None


def reach_words(ctx: Context, frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` for the files: in its ``reach:N`` columns an infinite figure (no road reaches)
    as the word the page shows, never ``inf`` (a copy where there is one)."""
    out = frame
    for column, kind in kinds.items():
        if not kind.startswith("reach:") or column not in frame:
            continue
        shown = unreachable_as_word(ctx, frame[column])
        if shown.dtype == object:
            out = out.copy() if out is frame else out
            out[column] = shown
    return out


def unreachable_as_word(ctx: Context, values: pd.Series) -> np.ndarray:
    """Distances or travel minutes as figures, and where no road reaches a facility (infinite)
    the word for it in the reader's language; figures only (float) where there is none."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    far = np.isinf(numbers.to_numpy())
    if not far.any():
        return numbers.to_numpy()
    shown = numbers.astype(object)
    shown[far] = ctx.t("access.minutes.unreachable")
    return shown.to_numpy()


def _reach(value: object, language: Language, digits: int) -> str:
    """A distance or travel time with ``digits`` decimals; infinite (no road reaches a
    facility) as the word for it, so the column stays numbers and sorts as numbers."""
    if isinstance(value, float) and np.isinf(value):
        return language.t("access.minutes.unreachable")
    return language.number(value, digits)


def _points(value: object, language: Language) -> str:
    """A change of a share 0–1 in points of percent, one decimal (``3.2 pt``); missing: ``—``."""
    number = pd.to_numeric(value, errors="coerce")
    if pd.isna(number):
        return "—"
    return language.t("units.points", n=language.number(float(number) * 100, 1))


def file_kinds(kinds: Mapping[str, str]) -> dict[str, str]:
    """``kinds`` (header → page kind) as the files write them (:data:`FILE_KINDS`)."""
    return {
        column: FILE_KINDS.get(kind, kind.replace("reach:", "number:"))
        for column, kind in kinds.items()
    }


def page_formats(
    language: Language, kinds: Mapping[str, str]
) -> dict[str, Callable[[object], str]]:
    """The page's cell format of each column in ``kinds`` (header → kind) that has one."""
    formats = {column: kind_format(kind, language) for column, kind in kinds.items()}
    return {column: f for column, f in formats.items() if f is not None}


def show_table(
    ctx: Context,
    frame: pd.DataFrame,
    name: str,
    *,
    percent: Iterable[str] = (),
    kinds: Mapping[str, str] | None = None,
    download_key: str | None = None,
    files: pd.DataFrame | None = None,
    **options: Any,
) -> Any:
    """``frame`` on the page, its cells written by their kinds, and its CSV and XLSX downloads
    (``name``: the files' stem) made with the same kinds.

    ``percent`` names columns of shares 0–1 and ``kinds`` declares kinds by header, over those
    of the catalogue labels; ``download_key`` is the buttons' key stem (default: from ``name``);
    ``files`` is the frame the files hold where its columns differ from the page's (more rows,
    a column drawn only on the page left out, a rank band's bounds), its columns by the same
    kinds; ``options`` go to ``st.dataframe`` (``height``, ``column_config``,
    ``on_select``, ``placeholder``…; the index is hidden and the table as wide as the page unless
    they say otherwise). Returns what ``st.dataframe`` returns."""
    percent = tuple(percent)
    declared = column_kinds(
        ctx, frame.drop(columns=[COVERAGE_BAR], errors="ignore"), percent, kinds
    )
    options = {"hide_index": True, "width": "stretch"} | options
    shown = localized_table(frame, page_formats(ctx.language, declared), ctx.lang)
    event = grid(ctx.lang, shown, **options)
    table_downloads(
        ctx,
        reach_words(ctx, frame if files is None else files, declared),
        name,
        percent=percent,
        kinds=file_kinds(kinds or {}),
        key=download_key,
    )
    return event
