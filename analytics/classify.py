"""Choropleth classification (through mapclassify) and the colours the maps use.

Class ``j`` holds the values ``v`` with ``bins[j - 1] < v <= bins[j]`` (the first class everything
up to ``bins[0]``), as in mapclassify. Missing and non-finite values are kept out of the
classification and get class ``-1`` ("no data").
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.compiled import import_with_cache

# mapclassify compiles its Fisher-Jenks kernel while imported: from numba's cache after the first
# process (analytics.compiled).
mapclassify = import_with_cache("mapclassify")

__all__ = [
    "NO_DATA_COLOUR",
    "SCHEMES",
    "SEQUENTIAL_PALETTE",
    "Classification",
    "classify",
    "palette_for",
]

SCHEMES: tuple[str, ...] = ("quantiles", "natural_breaks", "equal_interval", "user")

#: Colour of areas without data.
NO_DATA_COLOUR = "#bdbdbd"

# ColorBrewer YlGnBu (Cynthia Brewer, colorbrewer2.org), light to dark, one list per class count.
_YLGNBU: dict[int, tuple[str, ...]] = {
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    8: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    9: (
        "#ffffd9",
        "#edf8b1",
        "#c7e9b4",
        "#7fcdbb",
        "#41b6c4",
        "#1d91c0",
        "#225ea8",
        "#253494",
        "#081d58",
    ),
}
MAX_CLASSES = max(_YLGNBU)

#: Seven-class sequential palette (ColorBrewer YlGnBu), light (low) to dark (high).
SEQUENTIAL_PALETTE: tuple[str, ...] = _YLGNBU[7]

# Without numba, mapclassify's Fisher-Jenks is pure Python and O(n^2 k): about 2 s for 1,000
# values and 7 s for 2,000. Above this many values it runs on evenly spaced order statistics.
_FISHER_JENKS_MAX_N = 3_000 if getattr(mapclassify.classifiers, "HAS_NUMBA", False) else 500
_REDUCED_K_MESSAGE = r"(?s).*Not enough unique values"
_NO_NUMBA_MESSAGE = r"(?s).*Numba not installed"


def palette_for(n: int, reverse: bool = False) -> list[str]:
    """Return ``n`` sequential colours, light to dark (dark to light when ``reverse``).

    Parameters
    ----------
    n : int
        Number of classes, 0 to 9. For 3–9 this is ColorBrewer's YlGnBu scheme of that size; for
        1 and 2 the middle, or the two ends, of the 3-class scheme.
    reverse : bool, default False
        Dark to light, for measures where high is bad (e.g. uninsured people).

    Returns
    -------
    list of str
        Hex colours.

    Raises
    ------
    ValueError
        If ``n`` is negative or above 9.
    """
    if not 0 <= n <= MAX_CLASSES:
        raise ValueError(f"palette_for needs 0 to {MAX_CLASSES} colours, got {n}")
    if n == 0:
        colours: list[str] = []
    elif n == 1:
        colours = [_YLGNBU[3][1]]
    elif n == 2:
        colours = [_YLGNBU[3][0], _YLGNBU[3][2]]
    else:
        colours = list(_YLGNBU[n])
    return colours[::-1] if reverse else colours


@dataclass(frozen=True, eq=False)
class Classification:
    """Result of :func:`classify`.

    Attributes
    ----------
    scheme : str
        Scheme used (one of :data:`SCHEMES`).
    bins : tuple of float
        Upper bound of each class, ascending; empty when there is no data.
    lower : float
        Smallest classified value (NaN when there is no data).
    class_of : pandas.Series
        Class per input row (int64, aligned with the input index); -1 for no data.
    counts : tuple of int
        Number of rows in each class.
    n_no_data : int
        Number of rows without data (class -1).
    """

    scheme: str
    bins: tuple[float, ...]
    lower: float
    class_of: pd.Series
    counts: tuple[int, ...]
    n_no_data: int

    @property
    def k(self) -> int:
        """Number of classes."""
        return len(self.bins)

    def digits(self, at_least: int = 0, at_most: int = 6) -> int:
        """The fewest decimals, from ``at_least`` up to ``at_most``, at which the class bounds
        (:attr:`lower` and :attr:`bins`) read apart once rounded, so no legend row reads
        "0.00 – 0.00"; ``at_most`` where even that many do not part them."""
        bounds = np.array([self.lower, *self.bins], dtype="float64")
        bounds = bounds[np.isfinite(bounds)]
        parted = np.diff(bounds) > 0
        for digits in range(at_least, at_most + 1):
            if np.all(np.diff(np.round(bounds, digits))[parted] > 0):
                return digits
        return at_most

    def labels(self, fmt: Callable[[float], str] = "{:g}".format) -> list[str]:
        """Legend label per class: ``"a – b"`` from its lower to its upper bound.

        Parameters
        ----------
        fmt : callable, optional
            Formats one bound (e.g. a percentage or a localised number).

        Returns
        -------
        list of str
            One label per class. The first class runs from :attr:`lower`; when the data minimum
            lies above the first bound (possible with user breaks) its label is ``"≤ b"``.
        """
        labels = []
        for i, upper in enumerate(self.bins):
            start = self.lower if i == 0 else self.bins[i - 1]
            if i == 0 and not start <= upper:
                labels.append(f"≤ {fmt(upper)}")
            else:
                labels.append(f"{fmt(start)} – {fmt(upper)}")
        return labels


def _check_breaks(breaks: Sequence[float] | None) -> np.ndarray:
    """Validate user breaks: non-empty, finite, strictly ascending."""
    if breaks is None:
        raise ValueError("scheme 'user' needs breaks (upper class bounds, ascending)")
    try:
        array = np.asarray(list(breaks), dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"breaks must be numbers, got {breaks!r}") from exc
    if array.ndim != 1 or array.size == 0:
        raise ValueError("breaks must be a non-empty list of upper class bounds")
    if not np.isfinite(array).all():
        raise ValueError(f"breaks must be finite numbers, got {array.tolist()}")
    if (np.diff(array) <= 0).any():
        raise ValueError(f"breaks must be strictly ascending, got {array.tolist()}")
    return array


def _fisher_jenks(y: np.ndarray, k: int) -> np.ndarray:
    """Fisher-Jenks upper bounds for ``y``.

    Above ``_FISHER_JENKS_MAX_N`` values the breaks are computed on that many evenly spaced order
    statistics; each inner break is then moved to the widest gap of the full data between it and
    the next sampled value, so that a gap the sample straddles is not split.
    """
    ordered = np.sort(y)
    sample = ordered
    if ordered.size > _FISHER_JENKS_MAX_N:
        positions = np.linspace(0, ordered.size - 1, _FISHER_JENKS_MAX_N).round().astype(int)
        sample = ordered[positions]
        k = min(k, np.unique(sample).size)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NO_NUMBA_MESSAGE, category=UserWarning)
        bins = np.asarray(mapclassify.FisherJenks(sample, k=k).bins, dtype="float64")
    if sample is not ordered:
        for j in range(bins.size - 1):  # at most k - 1 breaks, not a loop over rows
            after = np.searchsorted(sample, bins[j], side="right")
            if after >= sample.size:
                continue
            following = sample[after]
            start = np.searchsorted(ordered, bins[j], side="left")
            stop = np.searchsorted(ordered, following, side="left") + 1
            segment = ordered[start:stop]
            bins[j] = segment[np.argmax(np.diff(segment))]
    bins[-1] = ordered[-1]
    return np.unique(bins)  # ties can repeat a bound; an empty class would follow


def classify(
    values: pd.Series,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: Sequence[float] | None = None,
) -> Classification:
    """Put values into choropleth classes.

    Parameters
    ----------
    values : pandas.Series
        Numeric values (nullable dtypes accepted); NaN, NA and ±inf are "no data".
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}
        ``quantiles`` → ``mapclassify.Quantiles``; ``natural_breaks`` → ``mapclassify.FisherJenks``
        (deterministic; above 500 values, 3,000 when numba is installed, it is computed on that
        many evenly spaced order statistics, each inner break moved to the widest gap of the full
        data nearby and the last bound set to the maximum); ``equal_interval`` →
        ``mapclassify.EqualInterval``; ``user`` → ``mapclassify.UserDefined(bins=breaks)``.
    k : int, default 5
        Number of classes wanted (ignored for ``user``). With fewer distinct values than ``k``,
        ``k`` is reduced (to the number of distinct values, or what the scheme can form).
    breaks : sequence of float, optional
        Upper class bounds for ``user``: non-empty, finite, strictly ascending. When the last break
        is below the maximum value, the maximum is appended as a last bound (as mapclassify does),
        so every value is classified.

    Returns
    -------
    Classification
        Bins, lower bound, class per row, counts per class. With no data at all there are zero
        classes and every row is in class -1.

    Raises
    ------
    ValueError
        For an unknown scheme, ``k < 1``, non-numeric values, or invalid user breaks.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown classification scheme {scheme!r}; use one of {SCHEMES}")
    user_breaks = _check_breaks(breaks) if scheme == "user" else None
    if scheme != "user" and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"k must be a whole number of classes >= 1, got {k!r}")
    try:
        numeric = pd.to_numeric(values, errors="raise").astype("float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values to classify must be numeric: {exc}") from exc

    array = numeric.to_numpy(dtype="float64")
    has_data = np.isfinite(array)
    y = array[has_data]
    class_of = np.full(array.shape, -1, dtype="int64")
    n_no_data = int((~has_data).sum())

    if y.size == 0:
        return Classification(
            scheme=scheme,
            bins=(),
            lower=float("nan"),
            class_of=pd.Series(class_of, index=values.index, name=values.name),
            counts=(),
            n_no_data=n_no_data,
        )

    n_unique = int(np.unique(y).size)
    k_used = min(int(k), n_unique) if scheme != "user" else 0
    if scheme == "user":
        classifier = mapclassify.UserDefined(y, bins=user_breaks)
    elif n_unique == 1:
        # mapclassify cannot split a single value (EqualInterval raises): one class.
        classifier = mapclassify.UserDefined(y, bins=[float(y.max())])
    elif scheme == "natural_breaks":
        classifier = mapclassify.UserDefined(y, bins=_fisher_jenks(y, k_used))
    else:
        cls = mapclassify.Quantiles if scheme == "quantiles" else mapclassify.EqualInterval
        with warnings.catch_warnings():
            # Only the reduced-k warning is silenced: Quantiles reduces k itself when tied values
            # make some quantiles equal; any other warning still reaches the caller.
            warnings.filterwarnings("ignore", message=_REDUCED_K_MESSAGE, category=UserWarning)
            classifier = cls(y, k=k_used)

    class_of[has_data] = np.asarray(classifier.yb, dtype="int64")
    return Classification(
        scheme=scheme,
        bins=tuple(float(b) for b in classifier.bins),
        lower=float(y.min()),
        class_of=pd.Series(class_of, index=values.index, name=values.name),
        counts=tuple(int(c) for c in classifier.counts),
        n_no_data=n_no_data,
    )
