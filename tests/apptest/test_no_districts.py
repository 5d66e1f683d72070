"""A workspace of communes straight under the province (Vietnam since 2025: no district level) is
spoken of as what it is: no district wording, no district column of "None", no per-district
control; the Solar Hijri calendar switch is for Persian readers only."""

from __future__ import annotations

import re

import pytest

from tests.apptest.helpers import app_pages, run_page
from tests.apptest.visible import visible_texts

DISTRICT_WORDING = re.compile(r"(?i:district|quận|huyện)|منطقه")
MISSING = re.compile(r"\b(None|nan|NaN|NaT)\b|<NA>")


@pytest.fixture(scope="module")
def communes_path(communes_workspace):
    """Three districts' areas of the demo without district_id and district_name, titled by name
    (:func:`tests.conftest.build_communes_workspace`)."""
    return communes_workspace


@pytest.fixture
def on_communes(communes_path, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(communes_path))
    return communes_path


@pytest.mark.parametrize("page", app_pages())
def test_no_district_wording_or_none_where_there_are_no_districts(on_communes, page):
    # Persian and Vietnamese pages are read in tests/apptest/test_reading_pages.py.
    for lang in ("en",):
        at = run_page(page, {"lang": lang})
        texts = visible_texts(at)
        assert not [t for t in texts if DISTRICT_WORDING.search(t)], (lang, page)
        assert not [t for t in texts if MISSING.search(t)], (lang, page)
        assert "solar_hijri" not in {t.key for t in at.toggle}, (lang, page)
