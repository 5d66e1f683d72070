"""What a reader sees of a page run under AppTest: the texts of its elements and widgets (options as
formatted), and its tables' cells as the grid shows them (a styled table's display values; an
empty cell of a plain table reads "None")."""

from __future__ import annotations

import json

import pandas as pd
from streamlit import dataframe_util

_TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error")
_TEXT_ELEMENTS += ("success", "latex", "code")
_LABELLED = ("text_input", "number_input", "slider", "toggle", "checkbox", "button", "tabs")
_LABELLED += ("expander", "date_input", "text_area", "color_picker", "time_input")
_CHOICES = ("selectbox", "radio", "multiselect", "select_slider")


def _silent(node) -> set[str]:
    """Columns that show no text: hidden ones, and bars with no text of their own (a progress
    column whose format is blank, :func:`ui.localize.coverage_bar_column`)."""
    config = json.loads(getattr(node.proto, "columns", "") or "{}")
    return {
        name
        for name, column in config.items()
        if column.get("hidden")
        or (
            column.get("type_config", {}).get("type") == "progress"
            and not str(column["type_config"].get("format", "")).strip()
        )
    }


def _cells(node) -> list[str]:
    silent = _silent(node)
    arrow = getattr(node.proto, "arrow_data", node.proto)
    # The grid draws an empty cell as the table's placeholder, "None" where it has none, also
    # where a Styler gives that cell a display value.
    empty = getattr(node.proto, "placeholder", "") or "None"
    if arrow.HasField("styler") and arrow.styler.display_values:
        shown = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
        data = node.value
        # A styled cell shows its display value; one without shows its data.
        cells = []
        for column in shown.columns:
            if column in silent:
                continue
            for i, text in enumerate(shown[column]):
                cell = data[column].iloc[i] if column in data.columns and i < len(data) else ""
                if not isinstance(cell, list | tuple | dict) and pd.isna(cell):
                    cells.append(empty)
                elif isinstance(text, str) and text != "":
                    cells.append(text)
                else:
                    cells.append(str(cell))
        return cells
    frame = node.value.drop(columns=[c for c in node.value.columns if c in silent])
    return [
        empty if pd.isna(cell) else str(cell)
        for column in frame.columns
        for cell in frame[column]
        if not isinstance(cell, list | tuple | dict)
    ] + [str(c) for c in frame.columns]


def visible_texts(at) -> list[str]:
    """Every text the run shows, one entry per element, widget label, option and table cell."""
    texts: list[str] = []
    for kind in _TEXT_ELEMENTS:
        texts += [str(e.value) for e in at.get(kind)]
    for kind in _LABELLED:
        texts += [str(getattr(e, "label", "")) for e in at.get(kind)]
    for kind in _CHOICES:
        for e in at.get(kind):
            texts.append(str(e.label))
            texts += [str(o) for o in e.options]
    for m in at.get("metric"):
        texts += [str(m.label), str(m.value), str(m.proto.body or "")]
    for kind in ("dataframe", "table"):
        for node in at.get(kind):
            texts += _cells(node)
    return [t for t in texts if t]
