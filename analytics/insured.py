"""Insured counts per area and period: the periods on record, the insured people of one period per
area (summed over the selected schemes), and the insured table laid out once as an array of counts
per period, area and scheme (an :class:`InsuredIndex`) for fast recounts after a filter.

Missing stays missing: an area with no row for the period has no insured count at all (a join gives
NaN, never zero), and an area whose rows all have a missing count has a missing count.
:func:`analytics.coverage.coverage_by_area` accepts an :class:`InsuredIndex` in place of the
insured table, with identical results; :func:`lookup_insured` reads the summed counts of given areas
from it. Nothing here modifies its inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "InsuredIndex",
    "available_periods",
    "build_insured_index",
    "insured_by_area",
    "lookup_insured",
]

_INSURED_REQUIRED = ("area_id", "period", "insured")


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` naming the columns of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing required column(s) {missing}; it has {list(frame.columns)}"
        )


def _as_float(values: pd.Series, what: str) -> pd.Series:
    """Return ``values`` as float64 with NaN for missing values (nullable integers included)."""
    try:
        numeric = pd.to_numeric(values, errors="raise")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric: {exc}") from exc
    return numeric.astype("float64")


def _periods(insured: pd.DataFrame) -> pd.Series:
    """Return the insured table's ``period`` column parsed as datetimes."""
    try:
        return pd.to_datetime(insured["period"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"insured column 'period' must hold dates: {exc}") from exc


def _scheme_mask(insured: pd.DataFrame, schemes: str | Sequence[str] | None) -> pd.Series:
    """Boolean mask of the insured rows of the selected schemes (all rows when ``None``)."""
    if schemes is None:
        return pd.Series(True, index=insured.index)
    if "scheme" not in insured.columns:
        raise ValueError(
            "schemes were selected but the insured table has no 'scheme' column; "
            f"it has {list(insured.columns)}"
        )
    wanted = [schemes] if isinstance(schemes, str) else list(schemes)
    return insured["scheme"].isin(wanted).fillna(False).astype(bool)


# --------------------------------------------------------------------------------------------------
# per area
# --------------------------------------------------------------------------------------------------


def available_periods(insured: pd.DataFrame) -> list[pd.Timestamp]:
    """List the periods present in an insured table.

    Parameters
    ----------
    insured : pandas.DataFrame
        Insured counts with a ``period`` column (first of month).

    Returns
    -------
    list of pandas.Timestamp
        Distinct periods, ascending; missing periods are ignored.

    Raises
    ------
    ValueError
        If ``insured`` has no ``period`` column or it does not hold dates.
    """
    _require_columns(insured, ("period",), "insured")
    periods = _periods(insured).dropna().drop_duplicates().sort_values()
    return [pd.Timestamp(p) for p in periods]


def _resolve_period(insured: pd.DataFrame, period: Any) -> pd.Timestamp | None:
    """The requested period as a Timestamp, the latest one when ``None`` (``None`` if no data)."""
    return _pick_period(available_periods(insured), period)


def _pick_period(periods: Sequence[pd.Timestamp], period: Any) -> pd.Timestamp | None:
    """``period`` as one of ``periods`` (ascending), the latest when ``None`` (``None`` if none)."""
    if period is None:
        return periods[-1] if periods else None
    try:
        wanted = pd.Timestamp(period)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"period {period!r} is not a date") from exc
    if wanted not in periods:
        shown = [p.strftime("%Y-%m-%d") for p in periods]
        raise ValueError(
            f"period {wanted:%Y-%m-%d} is not among the available periods {shown or '(none)'}"
        )
    return wanted


def insured_by_area(
    insured: pd.DataFrame,
    period: Any = None,
    schemes: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Sum the insured counts of one period per area.

    Parameters
    ----------
    insured : pandas.DataFrame
        Insured table: ``area_id``, ``period``, ``insured`` and, when ``schemes`` is given,
        ``scheme``.
    period : date-like, optional
        Period to select; the latest available period when ``None``.
    schemes : str or sequence of str, optional
        Schemes to add up; all rows when ``None``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area_id`` with one float column ``insured``. Areas with no row for the period
        (among the selected schemes) are absent, so a join gives NaN, never zero; an area whose
        rows all have a missing count has NaN.

    Raises
    ------
    ValueError
        If required columns are missing, or ``period`` is not an available period.
    """
    _require_columns(insured, _INSURED_REQUIRED, "insured")
    wanted = _resolve_period(insured, period)
    if wanted is None:
        empty = pd.Series([], dtype="float64", name="insured")
        return empty.to_frame().rename_axis("area_id")
    mask = (_periods(insured) == wanted) & _scheme_mask(insured, schemes)
    rows = pd.DataFrame(
        {
            "area_id": insured.loc[mask, "area_id"],
            "insured": _as_float(insured.loc[mask, "insured"], "insured column 'insured'"),
        }
    )
    summed = rows.groupby("area_id", sort=True)["insured"].sum(min_count=1)
    return summed.astype("float64").to_frame()


# --------------------------------------------------------------------------------------------------
# index of the insured table, for recounts after a filter
# --------------------------------------------------------------------------------------------------

#: The dense layout is used while it holds at most this many cells per known count (else sparse).
_DENSE_MAX_FILL = 4
#: ... and always for tables of up to this many cells.
_DENSE_ALWAYS = 1 << 20


@dataclass(frozen=True, eq=False)
class InsuredIndex:
    """An insured table laid out for recounts: counts per period, area and scheme.

    Build it with :func:`build_insured_index`; read it with :func:`lookup_insured` or pass it to
    :func:`analytics.coverage.coverage_by_area` in place of the insured table. It holds no
    reference to the table and its arrays are read-only, so one index can be cached and shared.

    Attributes
    ----------
    area_ids : pandas.Index
        Distinct ``area_id`` values of the table (rows with a missing ``area_id`` are left out).
    periods : tuple of pandas.Timestamp
        Distinct periods, ascending (as :func:`available_periods`).
    schemes : pandas.Series or None
        One value of the ``scheme`` column for each scheme slot, in the column's own dtype (a
        missing scheme is a slot of its own); ``None`` when the table has no ``scheme`` column
        (then there is one slot).
    columns : tuple of str
        The table's columns (for error messages).
    n_rows : int
        Rows of the table.
    dense : numpy.ndarray or None
        ``float64`` array ``(period, area, scheme slot)``: the sum of the known counts of that
        cell, NaN where it has none. ``None`` when the table is too sparse for it; then
        ``cell_keys`` (sorted flat positions in that array) and ``cell_values`` hold the cells
        with a known count.
    """

    area_ids: pd.Index
    periods: tuple[pd.Timestamp, ...]
    schemes: pd.Series | None
    columns: tuple[str, ...]
    n_rows: int
    dense: np.ndarray | None
    cell_keys: np.ndarray
    cell_values: np.ndarray

    @property
    def n_slots(self) -> int:
        """Scheme slots (1 when the table has no ``scheme`` column)."""
        return 1 if self.schemes is None else len(self.schemes)

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays and area ids, in bytes."""
        arrays = (self.dense, self.cell_keys, self.cell_values)
        held = sum(a.nbytes for a in arrays if a is not None)
        return held + int(self.area_ids.memory_usage(deep=True))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def build_insured_index(insured: pd.DataFrame, dense: bool | None = None) -> InsuredIndex:
    """Lay out an insured table for fast recounts after a filter.

    Each row's count is added to its (period, area, scheme) cell once, here, so that a recount
    for a period, a set of schemes and a set of areas is an array lookup and a sum over schemes
    (see :func:`lookup_insured`), with the same result as :func:`insured_by_area`. Rows with a
    missing ``area_id`` or ``period`` are left out, as :func:`insured_by_area` leaves them out; a
    cell whose counts are all missing is missing, like a cell with no row. The counts are added
    in another order than :func:`insured_by_area` adds them: for whole numbers (as the workspace
    stores counts) the sums are exactly the same; fractional values could differ in the last bit.

    Parameters
    ----------
    insured : pandas.DataFrame
        Insured table: ``area_id``, ``period``, ``insured`` and optionally ``scheme``.
    dense : bool, optional
        Store every cell (``True``) or only the cells with a known count (``False``). By default
        dense unless the table fills under 1 in 4 of its cells (and has over a million cells):
        dense takes 8 bytes per cell, sparse 16 bytes per known cell and builds a period's cells
        at each lookup.

    Returns
    -------
    InsuredIndex

    Raises
    ------
    ValueError
        If required columns are missing, ``period`` does not hold dates or ``insured`` is not
        numeric.
    """
    _require_columns(insured, _INSURED_REQUIRED, "insured")
    period_codes, period_values = pd.factorize(_periods(insured), sort=True)
    area_codes, area_values = pd.factorize(insured["area_id"])
    if "scheme" in insured.columns:
        slot_codes, slot_values = pd.factorize(insured["scheme"], use_na_sentinel=False)
        # The slots' values in the column's own dtype: a scheme filter (``isin``) on them matches
        # exactly the rows it matches in the table.
        schemes: pd.Series | None = pd.Series(slot_values)
        n_slots = len(slot_values)
    else:
        slot_codes, schemes, n_slots = np.zeros(len(insured), dtype=np.intp), None, 1
    values = _as_float(insured["insured"], "insured column 'insured'").to_numpy()

    n_periods, n_areas = len(period_values), len(area_values)
    keep = (period_codes >= 0) & (area_codes >= 0) & ~np.isnan(values)
    keys = (period_codes[keep].astype(np.int64) * n_areas + area_codes[keep]) * n_slots + (
        slot_codes[keep]
    )
    known = values[keep]
    n_cells = n_periods * n_areas * n_slots
    if dense is None:
        dense = n_cells <= max(_DENSE_MAX_FILL * len(known), _DENSE_ALWAYS)
    if dense:
        sums = np.bincount(keys, weights=known, minlength=n_cells)
        present = np.bincount(keys, minlength=n_cells) > 0
        grid = np.where(present, sums, np.nan).reshape(n_periods, n_areas, n_slots)
        cell_keys, cell_values = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    else:
        grid = None
        cell_keys, inverse = np.unique(keys, return_inverse=True)
        # numpy's stubs type every bincount as intp; with weights it returns float64
        cell_values = np.bincount(inverse, weights=known, minlength=len(cell_keys))  # type: ignore[assignment]
    return InsuredIndex(
        area_ids=pd.Index(area_values),
        periods=tuple(pd.Timestamp(p) for p in period_values),
        schemes=schemes,
        columns=tuple(insured.columns),
        n_rows=len(insured),
        dense=None if grid is None else _read_only(grid),
        cell_keys=_read_only(cell_keys.astype(np.int64, copy=False)),
        cell_values=_read_only(cell_values.astype(np.float64, copy=False)),
    )


def _period_cells(index: InsuredIndex, position: int) -> np.ndarray:
    """The ``(area, scheme slot)`` counts of one period of the index (NaN where none known)."""
    if index.dense is not None:
        return index.dense[position]
    size = len(index.area_ids) * index.n_slots
    lo, hi = np.searchsorted(index.cell_keys, [position * size, (position + 1) * size])
    cells = np.full(size, np.nan)
    cells[index.cell_keys[lo:hi] - position * size] = index.cell_values[lo:hi]
    return cells.reshape(len(index.area_ids), index.n_slots)


def _scheme_slots(index: InsuredIndex, schemes: str | Sequence[str] | None) -> np.ndarray:
    """Positions of the scheme slots selected by ``schemes`` (all when ``None``)."""
    if schemes is None:
        return np.arange(index.n_slots)
    if index.schemes is None:
        raise ValueError(
            "schemes were selected but the insured table has no 'scheme' column; "
            f"it has {list(index.columns)}"
        )
    wanted = [schemes] if isinstance(schemes, str) else list(schemes)
    return np.flatnonzero(index.schemes.isin(wanted).fillna(False).astype(bool).to_numpy())


def lookup_insured(
    index: InsuredIndex,
    area_ids: pd.Series | pd.Index | np.ndarray | Sequence[Any],
    period: Any = None,
    schemes: str | Sequence[str] | None = None,
) -> np.ndarray:
    """Insured people of given areas in one period, summed over the selected schemes.

    Parameters
    ----------
    index : InsuredIndex
        Index of the insured table (see :func:`build_insured_index`).
    area_ids : array-like
        Areas to look up, in the order wanted (repeats allowed).
    period : date-like, optional
        Period to use; the latest available period when ``None``.
    schemes : str or sequence of str, optional
        Schemes to add up; all when ``None``.

    Returns
    -------
    numpy.ndarray
        ``float64``, one value per entry of ``area_ids``: the same figure as
        :func:`insured_by_area` gives the area, NaN where it gives none (no row for the period
        among the selected schemes, only missing counts, or an area the table does not know).

    Raises
    ------
    ValueError
        If ``period`` is not an available period, or schemes are selected and the table had no
        ``scheme`` column.
    """
    wanted = _pick_period(index.periods, period)
    rows = index.area_ids.get_indexer(pd.Index(area_ids))
    if wanted is None:
        return np.full(len(rows), np.nan)
    slots = _scheme_slots(index, schemes)
    if not len(index.area_ids):
        return np.full(len(rows), np.nan)
    cells = _period_cells(index, index.periods.index(wanted))
    picked = cells[np.ix_(np.where(rows >= 0, rows, 0), slots)]
    known = ~np.isnan(picked)
    total = np.where(known, picked, 0.0).sum(axis=1)
    return np.where(known.any(axis=1) & (rows >= 0), total, np.nan)
