"""Tests of analytics/classify.py: choropleth classes through mapclassify, and the palette."""

from __future__ import annotations

import copy
import dataclasses
import re
import warnings

import mapclassify
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from analytics import classify as classify_module
from analytics.classify import (
    NO_DATA_COLOUR,
    SCHEMES,
    SEQUENTIAL_PALETTE,
    Classification,
    classify,
    palette_for,
)

HEX = re.compile(r"^#[0-9a-f]{6}$")
MAPCLASSIFY = {
    "quantiles": mapclassify.Quantiles,
    "natural_breaks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
}


@pytest.fixture(
    params=[
        # coverage rates of 12 areas, two without data, on a non-default index
        pd.Series(
            [0.12, 0.35, np.nan, 0.41, 0.58, 0.6, 0.62, 0.77, 0.8, np.nan, 0.93, 1.1, 0.2, 0.5],
            index=[f"a{i}" for i in range(14)],
            name="coverage",
        ),
        # skewed counts with ties, nullable integers with <NA>
        pd.Series(
            [5, 5, 7, 12, 40, 41, 300, None, 2500, 2600, 12, 7, 99],
            dtype="Int64",
            index=range(100, 113),
            name="uninsured",
        ),
    ],
    ids=["rates", "counts"],
)
def values(request: pytest.FixtureRequest) -> pd.Series:
    return request.param


def _finite(values: pd.Series) -> np.ndarray:
    array = values.astype("float64").to_numpy()
    return array[np.isfinite(array)]


@pytest.fixture(autouse=True)
def no_warnings():
    """Every test here fails on any warning, not only UserWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------------------------------
# agreement with mapclassify
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks", "equal_interval"])
@pytest.mark.parametrize("k", [3, 5])
def test_bins_match_mapclassify(values: pd.Series, scheme: str, k: int) -> None:
    result = classify(values, scheme=scheme, k=k)
    y = _finite(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FisherJenks warns that numba is not installed
        reference = MAPCLASSIFY[scheme](y, k=k)
    np.testing.assert_allclose(result.bins, reference.bins)
    assert result.counts == tuple(int(c) for c in reference.counts)
    assert result.k == k
    assert result.scheme == scheme
    assert result.lower == y.min()
    # rows with data get mapclassify's class, the others -1, on the input's index
    expected = np.full(len(values), -1)
    expected[values.notna().to_numpy()] = reference.yb
    assert_series_equal(
        result.class_of, pd.Series(expected, index=values.index, name=values.name, dtype="int64")
    )
    assert result.n_no_data == int(values.isna().sum()) == 1 + (values.name == "coverage")


def test_user_breaks_match_mapclassify(values: pd.Series) -> None:
    y = _finite(values)
    breaks = [float(np.quantile(y, 0.3)), float(np.quantile(y, 0.6)), float(y.max())]
    result = classify(values, scheme="user", breaks=breaks)
    reference = mapclassify.UserDefined(y, bins=breaks)
    np.testing.assert_allclose(result.bins, reference.bins)
    assert result.bins == tuple(breaks)
    assert result.counts == tuple(int(c) for c in reference.counts)
    assert (result.class_of[values.notna()].to_numpy() == reference.yb).all()


def test_user_breaks_below_max_get_max_appended() -> None:
    values = pd.Series([0.1, 0.4, 0.7, 0.95, 1.2])
    result = classify(values, scheme="user", breaks=[0.5, 0.8, 1.0])
    assert result.bins == (0.5, 0.8, 1.0, 1.2)
    assert result.counts == (2, 1, 1, 1)
    assert result.class_of.tolist() == [0, 0, 1, 2, 3]


def test_user_breaks_all_above_data_keep_empty_classes() -> None:
    result = classify(pd.Series([0.1, 0.2]), scheme="user", breaks=[0.5, 0.8, 1.0])
    assert result.bins == (0.5, 0.8, 1.0)
    assert result.counts == (2, 0, 0)


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        (None, "needs breaks"),
        ([], "non-empty"),
        ([0.8, 0.5, 1.0], "strictly ascending"),
        ([0.5, 0.5, 1.0], "strictly ascending"),
        ([0.5, np.nan], "finite"),
        (["low", "high"], "must be numbers"),
    ],
)
def test_invalid_user_breaks(breaks: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classify(pd.Series([0.1, 0.5, 0.9]), scheme="user", breaks=breaks)


# --------------------------------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_all_missing_gives_zero_classes(scheme: str) -> None:
    values = pd.Series([np.nan, np.nan, np.nan], index=["x", "y", "z"])
    result = classify(values, scheme=scheme, breaks=[0.5, 1.0])
    assert result.bins == ()
    assert result.counts == ()
    assert result.k == 0
    assert result.n_no_data == 3
    assert np.isnan(result.lower)
    assert result.labels(str) == []
    assert_series_equal(result.class_of, pd.Series([-1, -1, -1], index=values.index))


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks", "equal_interval"])
@pytest.mark.parametrize(
    "data",
    [[0.2, 0.2, 0.5, 0.5, 0.5, np.nan], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 1.0]],
    ids=["two-values", "three-values", "mostly-zero"],
)
def test_fewer_unique_values_than_k(scheme: str, data: list[float]) -> None:
    values = pd.Series(data)
    n_unique = values.nunique()
    result = classify(values, scheme=scheme, k=5)  # the autouse fixture turns warnings into errors
    assert 1 <= result.k <= n_unique
    assert list(result.bins) == sorted(set(result.bins))
    assert result.bins[-1] == values.max()
    assert sum(result.counts) == values.notna().sum()
    assert (result.class_of[values.notna()] >= 0).all()
    assert (result.class_of[values.isna()] == -1).all()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_single_value_gives_one_class(scheme: str) -> None:
    values = pd.Series([0.4, 0.4, np.nan, 0.4])
    result = classify(values, scheme=scheme, k=5, breaks=[0.4])
    assert result.bins == (0.4,)
    assert result.counts == (3,)
    assert result.class_of.tolist() == [0, 0, -1, 0]


def test_infinite_values_are_no_data() -> None:
    values = pd.Series([1.0, np.inf, 2.0, -np.inf, 3.0, 4.0])
    result = classify(values, scheme="equal_interval", k=3)
    assert result.n_no_data == 2
    assert result.bins == (2.0, 3.0, 4.0)
    assert result.class_of.tolist() == [0, -1, 0, -1, 1, 2]
    assert result.bins[-1] == 4.0


def test_natural_breaks_is_deterministic_and_sampled_path_covers_all_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(classify_module, "_FISHER_JENKS_MAX_N", 100)  # keeps the test fast
    rng = np.random.default_rng(7)
    values = pd.Series(np.concatenate([rng.normal(0.3, 0.05, 160), rng.normal(0.8, 0.05, 140)]))
    first = classify(values, scheme="natural_breaks", k=4)
    second = classify(values, scheme="natural_breaks", k=4)
    assert first.bins == second.bins
    assert_series_equal(first.class_of, second.class_of)
    assert first.k == 4
    assert first.bins[-1] == values.max()
    assert sum(first.counts) == len(values)
    # the two clusters are split apart: no class holds values of both
    low_cluster = pd.Series(np.arange(len(values)) < 160)
    assert (low_cluster.groupby(first.class_of).nunique() == 1).all()
    # above _FISHER_JENKS_MAX_N values the breaks come from a sample of order statistics: close
    # to the breaks of the full data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FisherJenks warns that numba is not installed
        full = mapclassify.FisherJenks(values.to_numpy(), k=4)
    np.testing.assert_allclose(first.bins, full.bins, atol=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "jenks"}, "unknown classification scheme"),
        ({"k": 0}, "k must be"),
        ({"k": 2.5}, "k must be"),
    ],
)
def test_invalid_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classify(pd.Series([1.0, 2.0, 3.0]), **kwargs)


def test_non_numeric_values() -> None:
    with pytest.raises(ValueError, match="must be numeric"):
        classify(pd.Series(["low", "high"]))


def test_input_unchanged(values: pd.Series) -> None:
    before = copy.deepcopy(values)
    for scheme in SCHEMES:
        classify(values, scheme=scheme, k=4, breaks=[10.0])
    assert_series_equal(values, before)


# --------------------------------------------------------------------------------------------------
# the result object and labels
# --------------------------------------------------------------------------------------------------


def test_labels() -> None:
    result = classify(pd.Series([0.1, 0.4, 0.7, 1.0]), scheme="user", breaks=[0.5, 1.0])
    assert result.labels(lambda v: f"{v:.0%}") == ["10% – 50%", "50% – 100%"]


def test_labels_when_first_break_is_below_the_data() -> None:
    result = classify(pd.Series([5.0, 6.0, 7.0]), scheme="user", breaks=[1.0, 6.0])
    assert result.labels(lambda v: f"{v:g}") == ["≤ 1", "1 – 6", "6 – 7"]


def test_classification_is_frozen() -> None:
    result = classify(pd.Series([1.0, 2.0, 3.0]), k=2)
    assert isinstance(result, Classification)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.bins = (0.0,)  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# palette
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(10))
def test_palette_for(n: int) -> None:
    colours = palette_for(n)
    assert len(colours) == n
    assert all(HEX.match(c) for c in colours)
    assert len(set(colours)) == n
    assert NO_DATA_COLOUR not in colours
    assert palette_for(n, reverse=True) == colours[::-1]


def test_palette_light_to_dark() -> None:
    def lightness(colour: str) -> int:
        return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    for n in range(2, 10):
        shades = [lightness(c) for c in palette_for(n)]
        assert shades == sorted(shades, reverse=True)


@pytest.mark.parametrize("n", [-1, 10])
def test_palette_for_out_of_range(n: int) -> None:
    with pytest.raises(ValueError, match="0 to 9"):
        palette_for(n)


def test_sequential_palette() -> None:
    assert len(SEQUENTIAL_PALETTE) == 7
    assert list(SEQUENTIAL_PALETTE) == palette_for(7)
    assert HEX.match(NO_DATA_COLOUR)


def test_digits_part_every_class_bound():
    """``digits`` finds the fewest decimals at which the bounds read apart, from a floor."""
    from analytics.classify import classify

    classes = classify(pd.Series(np.linspace(0.001, 0.009, 40)), scheme="quantiles", k=4)
    assert classes.digits(at_least=2) == 3
    assert classes.digits(at_least=4) == 4
    wide = classify(pd.Series([1.0, 20.0, 300.0, 4000.0]), scheme="quantiles", k=2)
    assert wide.digits(at_least=0) == 0
    same = classify(pd.Series([1.0, 1.0, 1.0]), scheme="quantiles", k=2)
    assert same.digits(at_least=1) == 1  # one bound only: nothing to part
