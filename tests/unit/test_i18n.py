"""Every string the UI asks for exists in the English catalog; placeholders agree across languages."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from analytics.classify import SCHEMES
from analytics.coverage import DATA_STATUSES
from geodata.schema import FACILITY_TYPES
from geodata.schema import SCHEMES as INSURANCE_SCHEMES
from ui.data import LEVELS
from ui.i18n import DEFAULT_LANGUAGE, catalog, translate, translate_value
from ui.views import METRICS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")

DYNAMIC_KEYS = (
    [f"metric.{m}" for m in METRICS]
    + [f"metric.{m}" for m in ("gap_to_full",)]
    + [
        f"metric_help.{m}"
        for m in ("population", "insured", "coverage", "uninsured", "gap_to_full")
    ]
    + [f"classes.{s}" for s in SCHEMES]
    + [f"level.{lv}" for lv in LEVELS]
    + [f"status.{s}" for s in DATA_STATUSES]
    + [f"quality.{s}" for s in DATA_STATUSES if s != "ok"]
    + [f"facility_type.{t}" for t in FACILITY_TYPES]
    + [f"scheme.{s}" for s in INSURANCE_SCHEMES]
    + [
        f"overview.table_{w}_by_{o}"
        for w in ("districts", "areas")
        for o in ("uninsured", "population")
    ]
)


def used_keys() -> set[str]:
    keys = set(DYNAMIC_KEYS)
    for path in SOURCES:
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_sources_were_scanned():
    assert len(used_keys()) > 60


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_key_in_english_catalog(key):
    assert key in catalog(DEFAULT_LANGUAGE), f"{key} is used but missing from ui/locales/en/"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_other_catalogs_use_the_same_placeholders(lang):
    other = catalog(lang)
    for key, text in other.items():
        assert key in catalog("en"), f"{lang}: {key} is not an English key"
        assert fields(text) == fields(catalog("en")[key]), f"{lang}: placeholders differ in {key}"


def test_missing_key_is_an_error_and_unknown_values_show_as_they_are():
    with pytest.raises(KeyError):
        translate("no.such.key")
    assert translate_value("scheme", "health") == "Health insurance"
    assert translate_value("scheme", "provincial_fund") == "provincial_fund"
    assert translate("header.month", month="2026-10") == "month 2026-10"
