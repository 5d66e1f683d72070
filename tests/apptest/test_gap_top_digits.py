"""The Gap analysis names its top N in the reader's digits: "ساکنان ۱۰ واحد نخست" in Persian, on
the metric beside the ranking (and on the top-N map's legend, drawn from the same number)."""

from __future__ import annotations

import re

from tests.apptest.helpers import run_page


def test_the_top_n_is_written_in_persian_digits(demo_workspace, monkeypatch):
    monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
    at = run_page("app_pages/gap_analysis.py", {"lang": "fa"})
    labels = [str(m.label) for m in at.metric]
    top = [label for label in labels if "واحد نخست" in label]
    assert top, labels
    assert not [label for label in top if re.search("[0-9]", label)], top
    assert all(re.search("[۰-۹]", label) for label in top), top
