"""Tables on the page in the reader's direction.

Streamlit's grid (``st.dataframe``, ``st.data_editor``) lays its columns out left to right and
opens scrolled to its left edge in every language. A Persian reader reads a table from the right:
its first column (usually the name) belongs at the right edge.

- :func:`reading_order` is the grid's ``column_order`` for the language: the columns reversed in a
  right-to-left language, so the first is drawn at the right edge. Only what is drawn changes: the
  data, its columns' order in the files offered for download, and what the grid returns (an edited
  frame, a selection) stay in their logical order.
- :func:`grid` is ``st.dataframe`` with that order: every table of the dashboard goes through it.
- :func:`grid_script` scrolls a right-to-left page's grids that are wider than their frame to their
  right end when they are first drawn, so they open on their first column.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from render.i18n import direction

__all__ = ["GRID_SCRIPT", "grid", "grid_script", "reading_order"]

#: Scrolls each grid of a right-to-left page (``#coverage-atlas[data-dir=rtl]``, written by
#: app.py) that overflows its frame to its right end, once, when it is first drawn; a grid the
#: reader scrolled stays where they left it. Installed once per browser page; it checks the page's
#: direction each time, so a switch back to a left-to-right language leaves grids at the left.
GRID_SCRIPT = """<script>
(() => {
  if (window.__caGridRtl) return;
  window.__caGridRtl = true;
  const rtl = () => document.querySelector('#coverage-atlas[data-dir="rtl"]') !== null;
  const toRightEnd = () => {
    if (!rtl()) return;
    document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller').forEach((s) => {
      if (s.dataset.caRtl || s.clientWidth === 0) return;
      if (s.scrollWidth > s.clientWidth + 1) {
        s.scrollLeft = s.scrollWidth;
        s.dataset.caRtl = "1";
      }
    });
  };
  new MutationObserver(toRightEnd).observe(document.body, {childList: true, subtree: true});
  window.addEventListener("resize", toRightEnd);
  toRightEnd();
})();
</script>"""


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


def grid_script(lang: str) -> str | None:
    """The page's :data:`GRID_SCRIPT` in a right-to-left language, else None."""
    return GRID_SCRIPT if direction(lang) == "rtl" else None
