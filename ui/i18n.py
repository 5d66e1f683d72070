"""Translation: every user-facing string goes through :func:`t`.

Catalogs live in ``ui/locales/<lang>/*.toml`` (one file per part of the app, merged; a key defined
in two files is an error) as ``key = "text"`` pairs grouped in TOML tables (``[overview]`` +
``title`` gives the key ``overview.title``). Text may hold ``{name}`` fields,
filled from keyword arguments. Text is NFC-normalised when read (Vietnamese diacritics composed).
A key missing from the chosen language falls back to English at run time; a key missing from
English, or from any other language, is a bug, and the test suite fails on it.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"fa"})


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flat key → text catalog of one language (empty when the language has none)."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        part = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        twice = set(part) & set(merged)
        if twice:
            raise ValueError(
                f"{path}: keys already defined in another {lang} file: {sorted(twice)}"
            )
        merged.update(part)
    return merged


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = unicodedata.normalize("NFC", str(value))
    return flat


def available_languages() -> dict[str, str]:
    """Language code → its own name, for every catalog present."""
    names = {"en": "English", "fa": "فارسی", "vi": "Tiếng Việt"}
    return {code: name for code, name in names.items() if catalog(code)}


def translate(key: str, lang: str = DEFAULT_LANGUAGE, /, **fields: object) -> str:
    """The text for ``key`` in ``lang`` with ``{fields}`` filled in.

    Raises
    ------
    KeyError
        When the key is not in the English catalog.
    """
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**fields) if fields else text


def translate_value(prefix: str, value: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of a data value from a vocabulary (``scheme.health``), or the value itself when
    the catalogs do not know it (workspaces may bring their own schemes)."""
    key = f"{prefix}.{value}"
    if key in catalog(lang) or key in catalog(DEFAULT_LANGUAGE):
        return translate(key, lang)
    return str(value)


def direction(lang: str) -> str:
    """``rtl`` or ``ltr``."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"
