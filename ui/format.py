"""Numbers, shares and dates as users read them."""

from __future__ import annotations

import math

import pandas as pd


def is_missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def fmt_int(value: object, lang: str = "en", missing: str = "—") -> str:
    """A whole number with thousands separators: ``7,510,552``."""
    if is_missing(value):
        return missing
    return f"{round(float(value)):,}"


def fmt_pct(value: object, lang: str = "en", digits: int = 1, missing: str = "—") -> str:
    """A share 0–1 as a percentage: ``0.834`` → ``83.4 %``."""
    if is_missing(value):
        return missing
    return f"{float(value) * 100:.{digits}f} %"


def fmt_month(value: object, lang: str = "en", missing: str = "—") -> str:
    """A month: ``2026-10``."""
    if is_missing(value):
        return missing
    return pd.Timestamp(value).strftime("%Y-%m")


def fmt_value(value: object, kind: str, lang: str = "en", missing: str = "—") -> str:
    """Format by metric kind: ``rate`` as a percentage, anything else as a whole number."""
    if kind == "rate":
        return fmt_pct(value, lang, missing=missing)
    return fmt_int(value, lang, missing=missing)
