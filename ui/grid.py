"""Tables on the page in the reader's direction.

Streamlit's grid (``st.dataframe``, ``st.data_editor``) lays its columns out left to right and
opens scrolled to its left edge in every language. A Persian reader reads a table from the right:
its first column (usually the name) belongs at the right edge.

- :func:`reading_order` is the grid's ``column_order`` for the language: the columns reversed in a
  right-to-left language, so the first is drawn at the right edge. Only what is drawn changes: the
  data, its columns' order in the files offered for download, and what the grid returns (an edited
  frame, a selection) stay in their logical order.
- :func:`grid` is ``st.dataframe`` with that order: every table of the dashboard goes through it.

- :func:`start_at_right` scrolls, in a right-to-left language, every grid wider than its frame to
  its right end when it first appears, where its first columns are (the grid itself always opens
  at its left edge). It is a small script in a component's frame of its own, hidden in the
  sidebar: an ``st.html`` script in the page itself kept a clicked map marker's popup from
  opening in a real browser.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from render.i18n import direction

__all__ = ["grid", "hidden_script", "reading_order", "start_at_right"]

#: The key prefix of the sidebar containers that hold a page script's frame
#: (:func:`hidden_script`), all hidden by :data:`HIDDEN_CSS` (in the page's CSS in every language).
SCRIPT_KEY_PREFIX = "ca_script_"
HIDDEN_CSS = (
    f'[data-testid="stLayoutWrapper"]:has(> [class*="st-key-{SCRIPT_KEY_PREFIX}"])'
    " { display: none; }"
)

# Each grid's scroller (glide-data-grid's ``.dvn-scroller``) once, when it is wider than its
# frame: the first sight of a grid that already fits, or not yet laid out, is looked at again on
# the next change of the page (changes coalesced, one look at most every 100 ms). A grid the
# reader scrolled keeps its place across reruns.
_START_AT_RIGHT = """<script>
const doc = window.parent.document;
const done = new WeakSet();
let queued = false;
function toStart() {
  queued = false;
  for (const s of doc.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')) {
    if (done.has(s) || s.scrollWidth <= s.clientWidth + 1) continue;
    done.add(s);
    s.scrollLeft = s.scrollWidth;
  }
}
function later() {
  if (!queued) { queued = true; window.parent.setTimeout(toStart, 100); }
}
new MutationObserver(later).observe(doc.body, { childList: true, subtree: true });
toStart();
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
    # A missing cell reads "—" (the grid writes "None", also over a Styler's own text for it).
    return st.dataframe(data, **(reading_order(data, lang) | {"placeholder": "—"} | options))


def start_at_right(lang: str) -> None:
    """In a right-to-left ``lang``, every grid of the page opens on its first columns (at its
    right edge, :func:`reading_order`) where it is wider than its frame; nothing otherwise."""
    if direction(lang) != "rtl":
        return
    hidden_script("grid_start", _START_AT_RIGHT)


def hidden_script(name: str, script: str) -> None:
    """Run ``script`` (constant markup, nothing from data) in a frame of its own, in a sidebar
    container hidden by :data:`HIDDEN_CSS` (key ``ca_script_<name>``, one per script): an
    ``st.html`` script in the page itself kept a clicked map marker's popup from opening."""
    with st.sidebar.container(key=f"{SCRIPT_KEY_PREFIX}{name}"):
        st.iframe(script, height=1)
