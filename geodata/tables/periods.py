"""A workspace's periods: the months of its reporting calendar (see :mod:`geodata.tables.calendar`).

The tables that hold periods (``insured``, ``targets``, ``utilisation``) store each as the Gregorian
date of its month's first day. A recipe names its calendar (``calendar = "solar_hijri"``), or the
dates in its files propose one: periods all on 1 Mehr, 1 Aban … are Solar Hijri months, periods on
the 1st of Gregorian months are Gregorian ones; when the dates say nothing, Gregorian, as every
workspace saved before calendars were kept.
"""

from __future__ import annotations

import pandas as pd

from geodata.tables import schema as S
from geodata.tables.calendar import (
    CALENDARS,
    GREGORIAN,
    month_start,
    normalize_calendar,
    propose_calendar,
)
from geodata.tables.problems import DataError
from geodata.tables.validate import _check_unique

PERIOD_TABLES = ("insured", "targets", "utilisation")


def calendar_setting(value: object, where: str) -> str:
    """The canonical calendar a setting names (``"jalali"`` → ``"solar_hijri"``), or a
    :class:`DataError` naming ``where`` the setting is."""
    try:
        return normalize_calendar(value if isinstance(value, str) and value.strip() else "?")
    except ValueError:
        raise DataError(
            f"{where}: calendar must be {' or '.join(map(repr, CALENDARS))} (the months the "
            f"periods are reported by), not {value!r}."
        ) from None


def settle_periods(tables: dict[str, pd.DataFrame], calendar: str | None) -> tuple[str, bool]:
    """Make the periods of ``tables`` months of a calendar, in place; returns the calendar and
    whether it was proposed by the dates.

    ``calendar`` None: the periods were read as dated; the calendar their dates propose (else
    Gregorian) turns each into its month's first day. A named calendar leaves the tables as they
    are (their periods were made months of it when read).

    Raises
    ------
    DataError
        Two rows of a table fall on one period (two dates of one month for the same area).
    """
    if calendar is not None:
        return normalize_calendar(calendar), False
    present = [n for n in PERIOD_TABLES if n in tables and "period" in tables[n]]
    dates = [tables[n]["period"] for n in present]
    proposed = propose_calendar(pd.concat(dates, ignore_index=True)) if dates else None
    chosen = proposed or GREGORIAN
    for name in present:
        frame = tables[name].copy()
        frame["period"] = month_start(frame["period"], chosen).to_numpy()
        _check_unique(frame, S.TABLES[name])
        tables[name] = frame
    return chosen, proposed is not None
