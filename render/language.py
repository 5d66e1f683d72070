"""The reader's language, one object for the dashboard and the documents: catalog texts, numbers,
dates and names, without Streamlit.

Texts come from the app's catalogs (``render/locales/<lang>/*.toml``; the documents' own strings are in
``reports.toml``) through :mod:`render.i18n`, and numbers and dates through :mod:`render.format`: both are
plain Python modules with no Streamlit import, so a briefing made on the command line reads exactly
like the dashboard.
"""

from __future__ import annotations

import builtins
import unicodedata
from dataclasses import dataclass

import pandas as pd

from render.format import (
    default_calendar,
    fmt_date,
    fmt_int,
    fmt_number,
    fmt_pct,
    fmt_signed,
    localize_digits,
    month_label,
)
from render.i18n import available_languages, direction, isolated, translate, translate_value

__all__ = ["Language", "display_names"]


@dataclass(frozen=True)
class Language:
    """A language and calendar, and the texts and formats that go with them.

    ``calendar`` is the reader's calendar for days (None: the default for the language and the
    months); ``months`` the workspace's reporting calendar, whose months periods are labelled as
    (None: the one each period is the first day of a month of)."""

    code: str = "en"
    calendar: str | None = None
    months: str | None = None

    def __post_init__(self) -> None:
        if self.code not in available_languages():
            raise ValueError(
                f"unknown language {self.code!r}; choose one of {sorted(available_languages())}"
            )
        if self.calendar is None:
            object.__setattr__(self, "calendar", default_calendar(self.code, self.months))

    @property
    def direction(self) -> str:
        return direction(self.code)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def t(self, key: str, **fields: object) -> str:
        return translate(key, self.code, **fields)

    def label(self, prefix: str, value: object) -> str:
        return translate_value(prefix, value, self.code)

    def int(self, value: object, missing: str = "—") -> str:
        return fmt_int(value, self.code, missing)

    # ``builtins.int``: in the class body ``int`` is the method above
    def number(self, value: object, digits: builtins.int = 1, missing: str = "—") -> str:
        return fmt_number(value, self.code, digits, missing)

    def pct(self, value: object, digits: builtins.int = 1, missing: str = "—") -> str:
        return fmt_pct(value, self.code, digits, missing)

    def signed(self, value: object, digits: builtins.int = 0, missing: str = "—") -> str:
        """A change with its sign, an ASCII ``+``/``-`` first: :func:`render.format.fmt_signed`."""
        return fmt_signed(value, self.code, digits, missing)

    def month(self, value: object, missing: str = "—") -> str:
        return month_label(value, self.code, self.months, missing)

    def date(self, value: object, missing: str = "—") -> str:
        return fmt_date(value, self.code, calendar=self.calendar, missing=missing)

    def numerals(self, text: str) -> str:
        """``text`` with its digits written in this language's digits (Persian digits in fa)."""
        return localize_digits(text, self.code)

    def named(self, name: object, code: object) -> str:
        """``name (code)``, as a picker offers an area: each isolated from the other in a
        right-to-left line, the code's numbers in this language's digits (a Latin code's own
        digits stay: :func:`render.format.localize_digits`)."""
        return f"{isolated(name, self.code)} ({isolated(self.numerals(str(code)), self.code)})"

    def names(self, frame: pd.DataFrame, column: str) -> pd.Series:
        """Names from ``column`` in this language where the workspace has them: :func:`display_names`."""
        return display_names(frame, column, self.code)

    def km(self, value: float) -> str:
        digits = 0 if float(value) >= 10 or float(value).is_integer() else 1
        return self.t("reports.units.km", km=fmt_number(value, self.code, digits))

    def minutes(self, value: float) -> str:
        """A travel time in whole minutes, in the reader's words and digits (``30 min``)."""
        return self.t("access.minutes.units.km", min=fmt_number(value, self.code, 0))

    def value(self, value: object, kind: str) -> str:
        """A metric value by kind: ``rate`` as a percentage, anything else a whole number."""
        return self.pct(value) if kind == "rate" else self.int(value)


def display_names(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    """Names from ``column`` in ``lang`` where the workspace has them (``name_fa``...), NFC.

    The same rule as the dashboard's: a missing translation keeps the original name.
    """
    names = frame[column]
    localized = f"{column}_{lang}"
    if localized in frame.columns:
        names = frame[localized].where(frame[localized].notna(), names)
    return names.map(lambda v: unicodedata.normalize("NFC", str(v)) if isinstance(v, str) else v)
