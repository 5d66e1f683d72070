"""A recipe's ``fill = { … }``: blank values of a mapped column taken from another column of the
file, or from a text made of the row's columns (see the README's recipe section)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from geodata.tables.problems import DataError

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def fill_blanks(
    frame: pd.DataFrame,
    fill: Mapping[str, object],
    columns: Mapping[str, str],
    source: str,
    notes: list[str],
) -> pd.DataFrame:
    """``fill = { type = "healthcare", name = "{type} (unnamed)" }``: where a mapped column is
    blank, take another column of the file, or a text whose ``{column}`` parts (a table column the
    recipe maps, or a column of the file) come from the same row. Fills go in the order written,
    so a later one can use an earlier one's result."""
    frame = frame.copy()
    for target, how in fill.items():
        if target not in columns or not isinstance(how, str):
            raise DataError(
                f"{source}: fill {target} = {how!r}: fill names a column mapped in columns and "
                "a column of the file or a text with {column} parts."
            )
        own = columns[target]
        blank = frame[own].isna() | (frame[own].astype("string").str.strip() == "")
        parts = _PLACEHOLDER.findall(how)
        if not parts:
            if how not in frame:
                raise DataError(f"{source}: fill {target}: column {how!r} is not in the file.")
            value = frame[how]
        else:
            value = pd.Series(_PLACEHOLDER.split(how)[0], index=frame.index, dtype="string")
            pieces = _PLACEHOLDER.split(how)
            for i, part in enumerate(parts):
                column = columns.get(part, part)
                if column not in frame:
                    raise DataError(
                        f"{source}: fill {target}: {{{part}}} is no column of the recipe or the file."
                    )
                value = value + frame[column].astype("string").fillna("") + pieces[2 * i + 2]
        filled = blank & value.notna() & (value.astype("string").str.strip() != "")
        frame[own] = frame[own].where(~filled, value)
        if filled.any():
            notes.append(f"{int(filled.sum())} blank {target} filled from {how!r}.")
    return frame
