"""Every string the UI asks for exists in the English catalog, and every English key (in every
catalog file, whoever owns it) exists in Persian and Vietnamese with the same placeholders."""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from pathlib import Path

import pytest

from analytics.classify import SCHEMES
from analytics.coverage import DATA_STATUSES
from geodata.tables.schema import FACILITY_TYPES
from geodata.tables.schema import SCHEMES as INSURANCE_SCHEMES
from render.i18n import (
    DEFAULT_LANGUAGE,
    LOCALES,
    _flatten,
    available_languages,
    catalog,
    direction,
    translate,
    translate_value,
)
from ui.data import LEVELS
from ui.views import METRICS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "app.py",
    *(ROOT / "app_pages").glob("*.py"),
    *(ROOT / "ui").rglob("*.py"),
    *(ROOT / "render").rglob("*.py"),
]
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")

DYNAMIC_KEYS = (
    ["app.title"]  # translate("app.title", ...) in app.py, before the context exists
    + [f"metric.{m}" for m in METRICS]
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
    assert key in catalog(DEFAULT_LANGUAGE), f"{key} is used but missing from render/locales/en/"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


OTHER_LANGUAGES = ["fa", "vi"]
CATALOG_FILES = sorted(
    {path.name for lang in ("en", *OTHER_LANGUAGES) for path in (LOCALES / lang).glob("*.toml")}
)


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_other_catalogs_use_the_same_placeholders(lang):
    other = catalog(lang)
    for key, text in other.items():
        assert key in catalog("en"), f"{lang}: {key} is not an English key"
        assert fields(text) == fields(catalog("en")[key]), f"{lang}: placeholders differ in {key}"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("name", CATALOG_FILES)
def test_every_english_key_is_translated(lang, name):
    """Every key of every English catalog file (each part of the app has its own) is in ``lang``,
    with the same placeholders, in the file of the same name."""
    english = _flatten(tomllib.loads((LOCALES / "en" / name).read_text(encoding="utf-8")))
    path = LOCALES / lang / name
    assert path.is_file(), (
        f"render/locales/{lang}/{name} is missing ({len(english)} keys to translate)"
    )
    translated = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
    missing = sorted(set(english) - set(translated))
    assert not missing, f"render/locales/{lang}/{name} lacks {len(missing)} keys: {missing[:10]}"
    extra = sorted(set(translated) - set(english))
    assert not extra, f"render/locales/{lang}/{name} has keys English does not: {extra[:10]}"
    for key, text in translated.items():
        assert text.strip(), f"{lang}: {key} is empty"
        assert fields(text) == fields(english[key]), f"{lang}: placeholders differ in {key}"


@pytest.mark.parametrize("lang", ["en", *OTHER_LANGUAGES])
def test_catalog_text_is_nfc(lang):
    for path in (LOCALES / lang).glob("*.toml"):
        raw = path.read_text(encoding="utf-8")
        assert raw == unicodedata.normalize("NFC", raw), f"{path} is not NFC-normalised"


# A lower-case English word of four letters or more: prose, not a name ("GeoPackage", "CSV").
ENGLISH_PROSE = re.compile(r"(?<![A-Za-z])[a-z]{4,}(?![A-Za-z])")
#: A named placeholder ("{label}") is filled in, never read: it is no English left in a text.
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_persian_catalog_is_in_persian():
    """A Persian text holds Persian script (a text copied from English would not)."""
    untranslated = [
        key
        for key, text in catalog("fa").items()
        if not re.search("[\u0600-\u06ff]", text) and ENGLISH_PROSE.search(text)
    ]
    assert not untranslated, f"fa: texts without Persian: {untranslated[:10]}"


def test_vietnamese_catalog_differs_from_english():
    same = [
        key
        for key, text in catalog("vi").items()
        if text == catalog("en").get(key) and ENGLISH_PROSE.search(PLACEHOLDER.sub("", text))
    ]
    assert not same, f"vi: texts left in English: {same[:10]}"


def test_demo_label_matches_the_generator():
    from geodata.sources.demo import DEMO_LABEL

    assert translate("header.demo_label") == DEMO_LABEL


def test_languages_and_directions():
    assert set(available_languages()) == {"en", "fa", "vi"}
    assert direction("fa") == "rtl"
    assert direction("vi") == direction("en") == "ltr"


def test_missing_key_is_an_error_and_unknown_values_show_as_they_are():
    with pytest.raises(KeyError):
        translate("no.such.key")
    assert translate_value("scheme", "health") == "Health insurance"
    assert translate_value("scheme", "provincial_fund") == "provincial_fund"
    assert translate("header.month", month="2026-10") == "month 2026-10"
