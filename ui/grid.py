"""Tables on the page in the reader's direction.

Streamlit's grid (``st.dataframe``, ``st.data_editor``) lays its columns out left to right and
opens scrolled to its left edge in every language. A Persian reader reads a table from the right:
its first column (usually the name) belongs at the right edge.

- :func:`reading_order` is the grid's ``column_order`` for the language: the columns reversed in a
  right-to-left language, so the first is drawn at the right edge. Only what is drawn changes: the
  data, its columns' order in the files offered for download, and what the grid returns (an edited
  frame, a selection) stay in their logical order.
- :func:`grid` is ``st.dataframe`` with that order: every table of the dashboard goes through it.

A grid wider than its frame still opens at its left edge (in Persian, on its last columns). A page
script that scrolled it to its right end was tried: any ``st.html`` with JavaScript on every page
kept a clicked map marker's popup from opening in a real browser (even an empty script), so it was
taken out until that is understood.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from render.i18n import direction

__all__ = ["grid", "reading_order"]


def _columns(data: object) -> list[Any] | None:
    """The columns of a frame or of a Styler's frame; None for anything else."""
    if isinstance(data, Styler):
        data = data.data
    if isinstance(data, pd.DataFrame):
        return list(data.columns)
    return None


def reading_order(data: object, lang: str) -> dict[str, Any]:
    """``column_order`` for a grid of ``data`` in ``lang``: the columns reversed in a
    right-to-left language (the first drawn at the right edge), nothing otherwise (the grid's own
    left-to-right order). Pass it to ``st.dataframe`` or ``st.data_editor``."""
    columns = _columns(data)
    if direction(lang) != "rtl" or not columns:
        return {}
    return {"column_order": list(reversed(columns))}


def grid(lang: str, data: object, **options: Any) -> Any:
    """``st.dataframe(data, **options)`` with its columns in the reading order of ``lang``
    (:func:`reading_order`; a ``column_order`` in ``options`` wins). Returns what
    ``st.dataframe`` returns."""
    return st.dataframe(data, **(reading_order(data, lang) | options))
