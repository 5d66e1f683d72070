"""The bad-input corpus (``tests/hardening/corpus.py``, over 200 generated files) through the Data
page's import path: each case ends in a clean error naming the file, or in a correct import —
never another exception, never a hang (every read runs in its own process under a time limit,
and every case under a deadline). The cases run side by side once for the module; each test
judges one."""

from __future__ import annotations

import pytest

from tests.hardening.corpus import Case, all_cases, current_tables, judge, run_cases

CASES = all_cases()


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 200
    families = {c.family for c in CASES}
    assert {"archives", "XML bombs", "encodings", "Excel", "invalid GeoJSON", "CRS"} <= families
    assert sum(c.expect == "error" for c in CASES) >= 80
    assert sum(c.expect == "import" for c in CASES) >= 80


@pytest.fixture(scope="module")
def outcomes():
    return run_cases(CASES, current_tables(), workers=3, timeout=60)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_input_ends_in_a_clean_error_or_a_correct_import(case: Case, outcomes) -> None:
    verdict = judge(case, outcomes[case.name])
    assert verdict is None, f"{case.name}: {verdict}"
