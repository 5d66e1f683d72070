"""What makes a page read natively in its language: direction, font, names and table cells.

- :func:`language_style` is the page CSS: the local Persian font for Arabic-script text in every
  language, and for Persian the whole app right to left (Streamlit has no right-to-left mode,
  streamlit#552, so it is CSS: main block, sidebar on the right, popovers, tooltips, bullet
  lists), and Streamlit's own hint in the corner of text inputs, number inputs and text areas
  ("Press Enter to apply", "Press Ctrl+Enter to apply") written over in the reader's words.
- :func:`names_by_key` looks names up in the chosen language (``district_name_fa``...) through
  :func:`render.language.display_names`, the rule the documents use too.
- :func:`align_metric_rows` keeps a row of metrics' values on one line when some labels wrap.
- :func:`mark_language` tells the browser the page's language (``<html lang>``), which Streamlit
  leaves at ``en``: a screen reader reads a Persian or Vietnamese page in its own voice.
- :func:`table` returns a frame for ``st.dataframe`` whose cells *show* localised numbers and dates
  while the data stays numeric (a pandas Styler; sorting still works on the numbers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from render.fonts import digits_face_css, font_face_css, font_stack
from render.i18n import direction
from render.language import Language
from ui.grid import HIDDEN_CSS, hidden_script

__all__ = [
    "COVERAGE_BAR",
    "DIGIT_PLACES",
    "names_by_key",
    "coverage_bar_column",
    "css_string",
    "language_style",
    "localized_table",
    "without_empty_district",
]

#: Column of a coverage bar (0–100) beside the coverage figure; its header is blank.
COVERAGE_BAR = "coverage_bar"

# Elements that take the Persian-capable font stack; icons (Material Symbols ligatures, marked
# translate="no") keep their own font.
_TEXT = (
    ":is(p, span, div, label, input, textarea, button, li, h1, h2, h3, h4, h5, h6, a, small, "
    "strong, em, td, th, summary, text, tspan)"
    ':not([data-testid*="Icon"]):not([translate="no"])'
)

# Streamlit draws tooltips (a label's "?" help) and a date input's calendar in a portal outside
# .stApp: their text takes the same fonts.
_OVERLAYS = "#stFloatingOverlayPortal"

#: Where a Persian page draws Latin digits as Persian ones (:func:`language_style`): the figures
#: Streamlit writes itself, out of the page's reach. A slider's value and the ends of its track,
#: a number input's value, an input's character counter; in a chart the tick labels, bar labels
#: and hover labels (the page writes those too, but a chart may format a figure itself). The
#: grids' canvases take the digits font from the theme (.streamlit/config.toml).
DIGIT_PLACES = (
    ':is([data-testid="stSliderThumbValue"], [data-testid="stSliderTickBar"],'
    ' [data-testid="stNumberInputField"], [data-testid="InputInstructions"],'
    " .js-plotly-plot :is(.xtick, .ytick, .point, .hoverlayer) text)"
)

_RTL_CSS = """
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"],
[data-testid="stMainBlockContainer"], [data-testid="stSidebar"], [data-testid="stSidebarContent"],
[data-baseweb="popover"], [data-baseweb="tooltip"], [data-testid="stTooltipContent"] {
    direction: rtl;
}
[data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"] { text-align: right; }
/* Sidebar on the right: its border and the collapse control follow it. */
[data-testid="stSidebar"] { border-left: 1px solid rgba(49, 51, 63, 0.1); border-right: none; }
/* Numbers typed in inputs (class breaks) read left to right inside the right-to-left form. */
[data-testid="stTextInput"] input { direction: ltr; text-align: right; }
/* The hint in an input's corner ("Press Enter to apply") goes to the left corner, clear of the
   typed text (drawn from the right), and right of a password's eye (on the left). */
[data-testid="InputInstructions"] { left: 9px; right: auto; }
[data-testid="stTextInput"]:has(button) [data-testid="InputInstructions"] { left: 2.5rem; }
/* A slider's track runs left to right (its lowest value at the left end) also in Persian: the
   labels of its two ends, in a row of their own, follow it (right to left they stood under the
   opposite ends). */
[data-testid="stSliderTickBar"] { direction: ltr; }
/* Metric values and deltas: keep the sign before the digits. */
[data-testid="stMetricValue"], [data-testid="stMetricDelta"] { unicode-bidi: plaintext; }
/* Commands (the Briefings page's) read left to right, isolated from the right-to-left page: the
   bidi algorithm would otherwise move its options and quoted values around. */
[data-testid="stCode"], [data-testid="stCode"] pre, [data-testid="stCode"] code {
    direction: ltr; text-align: left; unicode-bidi: isolate;
}
/* Plotly lays out its SVG itself (the chart's title and legend are placed on the right by
   render.charts); an inherited rtl would flip every text anchor and push tick labels onto the axis. */
.js-plotly-plot, .js-plotly-plot * { direction: ltr; }
/* Streamlit hides a collapsed sidebar by sliding it left, which on the right would slide it over
   the page: hide it instead. */
[data-testid="stSidebar"][data-collapsed="true"] { transform: none; overflow: hidden; }
[data-testid="stSidebar"][data-collapsed="true"] * { visibility: hidden !important; }
/* Bullet and numbered lists (Markdown "- item"): the marker and the indent on the right;
   Streamlit indents each item with a left margin (1.2em). */
[data-testid="stMarkdownContainer"] :is(ul, ol) { direction: rtl; }
[data-testid="stMarkdownContainer"] li { margin-left: 0; margin-right: 1.2em; text-align: right; }
/* Expand/collapse arrows point the other way. */
[data-testid="stSidebarCollapseButton"] [data-testid="stIconMaterial"],
[data-testid="stExpandSidebarButton"] [data-testid="stIconMaterial"] { transform: scaleX(-1); }
"""


#: KPI (``st.metric``) labels and values wrap onto a second line instead of ending in "…":
#: Streamlit cuts them to one line, and Persian and Vietnamese labels are longer than the English
#: ones (a value can be words: "Tối ưu").
_METRIC_LABEL_CSS = """
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMetricValue"] > div {
    white-space: normal; overflow: visible; text-overflow: clip;
}
"""

#: A heading that wraps is cut into lines of like length, so no word is left alone on the last.
_HEADING_CSS = ".stApp h1, .stApp h2, .stApp h3 { text-wrap: balance; }"


# Streamlit's hint in an input's corner: "Press Enter to apply" under a text or number input,
# "Press Ctrl+Enter to apply" (⌘+Enter on a Mac) under a text area, "... to submit form" in a form.
# Its first span is hidden (font size 0) and drawn again in ::after. CSS cannot tell the platform's
# key, so a text area's hint names both.
_HINT = '[data-testid="InputInstructions"] > span:first-child'
_SINGLE_LINE_HINT = f'{_HINT}:not([data-testid="stTextArea"] *):not([data-testid="stChatInput"] *)'
_TEXT_AREA_HINT = f'[data-testid="stTextArea"] {_HINT}'
#: Containers of the text inputs with a character limit (:func:`counted_text_input`).
COUNTED = "ca_counted_"
# Such an input shows its counter ("0/120") alone while nothing is typed: the only span is then
# the counter, not the hint, and keeps Streamlit's own text (its digits drawn by the page's font).
_COUNTER_ALONE = f'[class*="st-key-{COUNTED}"] [data-testid="InputInstructions"] > span:only-child'
#: Streamlit's size for the hint (its small text: 12 px).
_HINT_SIZE = "0.75rem"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: quotes, backslashes, angle brackets and control
    characters escaped, so nothing in it can end the string or the ``<style>`` element."""
    escaped = "".join(
        f"\\{ord(c):x} " if c in '"\\<>' or ord(c) < 32 or ord(c) == 127 else c for c in text
    )
    return f'"{escaped}"'


def input_hint_css(lang: str) -> str:
    """CSS that writes Streamlit's input hints in ``lang`` (``input.apply``, ``input.submit``;
    ``input.apply_multiline``, ``input.submit_multiline`` for text areas). Empty in English:
    Streamlit's own words are the English ones, with the platform's key."""
    if lang == "en":
        return ""
    language = Language(lang)
    rules = []
    for hint, apply_key, submit_key in (
        (_SINGLE_LINE_HINT, "input.apply", "input.submit"),
        (_TEXT_AREA_HINT, "input.apply_multiline", "input.submit_multiline"),
    ):
        apply, submit = css_string(language.t(apply_key)), css_string(language.t(submit_key))
        rules += [
            f"{hint} {{ font-size: 0; }}",
            f"{hint}::after {{ content: {apply}; font-size: {_HINT_SIZE}; }}",
            f'[data-testid="stForm"] {hint}::after {{ content: {submit}; }}',
        ]
    rules += [
        f"{_COUNTER_ALONE} {{ font-size: {_HINT_SIZE} !important; }}",
        f"{_COUNTER_ALONE}::after {{ content: none !important; }}",
    ]
    return "\n".join(rules)


def counted_text_input(where: Any, label: str, *, key: str, max_chars: int) -> str:
    """``where.text_input(label, key=key, max_chars=max_chars)`` in a container of its own, so
    that its character counter, shown alone before anything is typed, is not written over with
    the translated hint (:func:`input_hint_css`; Streamlit's input carries no mark of its limit)."""
    with where.container(key=COUNTED + key):
        return st.text_input(label, key=key, max_chars=max_chars)


# Labels of a row of metrics wrap (_METRIC_LABEL_CSS) where a column is narrow; the values below
# them should still read on one line. The k-th metric of each column of a row (the row's own, not
# those of rows inside it) stand side by side: each of their labels is given the height of the
# tallest, measured again when the page changes or the window is resized. Installed once per
# browser window.
_ALIGN_METRICS = """<script>
(function () {
  var w = window.parent;
  if (w.caMetricRows) return;
  w.caMetricRows = true;
  var doc = w.document, queued = false;
  function align() {
    queued = false;
    doc.querySelectorAll('[data-testid="stHorizontalBlock"]').forEach(function (row) {
      // The k-th metric of each column of the row stand side by side.
      var side = [];
      Array.prototype.forEach.call(row.children, function (column) {
        Array.prototype.filter.call(
          column.querySelectorAll('[data-testid="stMetricLabel"]'),
          function (l) { return l.closest('[data-testid="stHorizontalBlock"]') === row; }
        ).forEach(function (l, k) {
          l.style.minHeight = "";
          (side[k] = side[k] || []).push(l);
        });
      });
      side.forEach(function (labels) {
        if (labels.length < 2) return;
        var tallest = Math.max.apply(null, labels.map(function (l) {
          return l.getBoundingClientRect().height;
        }));
        labels.forEach(function (l) { l.style.minHeight = tallest + "px"; });
      });
    });
  }
  function later() {
    if (!queued) { queued = true; w.requestAnimationFrame(align); }
  }
  new w.MutationObserver(later).observe(doc.body, {childList: true, subtree: true, characterData: true});
  w.addEventListener("resize", later);
  later();
})();
</script>"""


def align_metric_rows() -> None:
    """Keep the values of a row of metrics on one line when some of their labels wrap (one small
    script in a hidden frame, :func:`ui.grid.hidden_script`; constant, nothing from data)."""
    hidden_script("metrics", _ALIGN_METRICS)


def mark_language(lang: str) -> None:
    """Set the page's ``<html lang>`` to ``lang`` (one of the catalog's languages), from a small
    script in a hidden frame (:func:`ui.grid.hidden_script`)."""
    code = json.dumps(Language(lang).code)
    hidden_script(
        "language", f"<script>window.parent.document.documentElement.lang = {code};</script>"
    )


def language_style(lang: str) -> str:
    """The ``<style>`` element for ``lang`` (font everywhere; right to left for Persian).

    Only constant CSS and catalog texts (quoted by :func:`css_string`): nothing from data goes
    in here.
    """
    css = [
        font_face_css(),
        f'.stApp {_TEXT}, [data-baseweb="popover"] {_TEXT}, {_OVERLAYS} {_TEXT}'
        f" {{ font-family: {font_stack()}; }}",
        _METRIC_LABEL_CSS,
        _HEADING_CSS,
        input_hint_css(lang),
        HIDDEN_CSS,
    ]
    if direction(lang) == "rtl":
        css += [_RTL_CSS]
    if lang == "fa":
        # Every figure read in Persian digits, also those the page cannot write (a slider's
        # values, a number input's, an input's counter): the digits font first there
        # (render.fonts). Only there: the page writes its own figures in Persian digits, and a
        # Latin name keeps its Latin digits ("E2SFCA", "A4", an area's code "A231", "EPSG:4326").
        digits = font_stack(persian_digits=True)
        css += [
            digits_face_css(),
            f"{DIGIT_PLACES}, :is({DIGIT_PLACES}) * {{ font-family: {digits} !important; }}",
            # A grid draws on a canvas in this font too (the theme's, .streamlit/config.toml) and
            # draws again once the page's fonts are loaded, but a font is only loaded once some
            # text needs it: an invisible digit asks for it with the page.
            f"body::after {{ content: '0'; font-family: {digits}; position: fixed; opacity: 0;"
            " pointer-events: none; }",
        ]
    return "<style>" + "\n".join(css) + "</style>"


def names_by_key(frame: pd.DataFrame, key: str, column: str, lang: str) -> pd.Series:
    """One display name per ``key`` (e.g. district name per ``district_id``) in ``lang``.

    Aggregated tables keep only the base name column; this looks the localised name up from the
    areas table, where ``district_name_<lang>`` lives.
    """
    language = Language(lang)
    first = frame.drop_duplicates(key)
    return pd.Series(language.names(first, column).to_numpy(), index=first[key].to_numpy())


def without_empty_district(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` without its district column (headed ``table.district`` in ``lang``) when that
    column is empty in every row: a workspace without districts (communes straight under the
    province) has no district to show. Not modified."""
    language = Language(lang)
    district = language.t("table.district")
    if district in frame.columns and frame[district].isna().all():
        return frame.drop(columns=[district])
    return frame


def localized_table(
    frame: pd.DataFrame,
    formats: Mapping[str, Callable[[object], str]],
    lang: str,
) -> Styler:
    """A frame for ``st.dataframe`` that shows localised cells; the values stay as they are.

    Parameters
    ----------
    frame
        The table (already with translated column headers). Not modified.
    formats
        Column → function turning one value into display text (e.g. ``fmt_int`` in ``lang``).
    lang
        The language of the table's texts. The frame keeps its logical column order in every
        language; the grid draws it in the reader's direction (:func:`ui.grid.grid`: in Persian
        the first column at the right edge, a wide grid opened scrolled to its right end).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    shown = without_empty_district(frame, lang)
    present = {column: fn for column, fn in formats.items() if column in shown.columns}
    # A missing cell reads "—" in every column (a Styler would write "nan", the grid "None").
    return shown.style.format(present, na_rep="—")


def coverage_bar_column() -> st.column_config.Column:
    """``st.column_config`` of :data:`COVERAGE_BAR`: a 0–100 bar with no text of its own.

    The bar's own label could only be written with ASCII digits, so the figure is shown in the
    coverage column next to it, formatted for the language.
    """
    return st.column_config.ProgressColumn(label=" ", format=" ", min_value=0, max_value=100)
