"""The Gap analysis page's ranked table reads in the reader's language: area names as the
workspace has them in it, and figures in its digits and number format (not the grid's English
"11,052" and "81.7 %")."""

from __future__ import annotations

import re

from tests.apptest.helpers import run_page
from tests.apptest.visible import visible_texts

PAGE = "app_pages/gap_analysis.py"


def ranked_table(at):
    """The cells of the page's first table (the ranking) as the grid shows them."""
    return visible_texts(_only_first_table(at))


def _only_first_table(at):
    class One:
        def get(self, kind):
            return [at.dataframe[0]] if kind == "dataframe" else []

    return One()


def test_the_ranked_table_speaks_persian(on_demo):
    at = run_page(PAGE, {"lang": "fa"})
    cells = ranked_table(at)
    assert not [c for c in cells if re.search("[0-9]", c)], cells[:40]
    # The demo names its districts in English only ("District 5"): data, but in Persian digits.
    cells = [c for c in cells if not re.fullmatch("District [۰-۹]+", c)]
    assert not [c for c in cells if re.search("[A-Za-z]{3,}", c)], cells[:40]
    assert any(re.search("[۰-۹]+٫[۰-۹]٪", c) for c in cells), cells[:40]


def test_the_ranked_table_writes_vietnamese_numbers(on_demo):
    at = run_page(PAGE, {"lang": "vi"})
    cells = ranked_table(at)
    assert not [c for c in cells if re.search(r"\d,\d{3}\b|\d\.\d %", c)], cells[:40]
    assert any(re.search(r"^\d+,\d%$", c) for c in cells), cells[:40]
    assert any(re.search(r"^\d{1,3}\.\d{3}$", c) for c in cells), cells[:40]


def test_the_clusters_table_speaks_persian(on_demo):
    at = run_page(PAGE, {"lang": "fa", "view": "clusters"})
    cells = [c for c in ranked_table(at) if not re.fullmatch(r"District \d+", c)]
    assert cells
    assert not [c for c in cells if re.search("[0-9]", c)], cells[:40]
    assert not [c for c in cells if re.search("[A-Za-z]{3,}", c)], cells[:40]


def test_the_score_formula_names_the_score_in_the_readers_words(on_demo):
    """The weights' formula writes "score" and its 100 in the reader's language and digits, not
    the English word in every language."""
    fa = [f.value for f in run_page(PAGE, {"lang": "fa"}).latex]
    assert fa and all("score" not in f and "امتیاز" in f and "۱۰۰" in f for f in fa), fa
    vi = [f.value for f in run_page(PAGE, {"lang": "vi"}).latex]
    assert vi and all("score" not in f and "điểm" in f for f in vi), vi
