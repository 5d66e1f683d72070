"""Translation: every user-facing string goes through :func:`t`.

Catalogs live in ``render/locales/<lang>/*.toml`` (one file per part of the app, merged; a key defined
in two files is an error) as ``key = "text"`` pairs grouped in TOML tables (``[overview]`` +
``title`` gives the key ``overview.title``). Text may hold ``{name}`` fields,
filled from keyword arguments. Text is NFC-normalised when read (Vietnamese diacritics composed).
A key missing from the chosen language falls back to English at run time; a key missing from
English, or from any other language, is a bug, and the test suite fails on it.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable
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


#: First-strong isolate, left-to-right isolate and pop directional isolate (Unicode bidi).
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"

#: The separator between parts of one line: the middle dot "·" reads as the Persian zero "٠"
#: beside Persian digits ("نسخهٔ ۱ · ۰ ماه"), and a bar as the Persian one "۱", so Persian takes
#: an em dash.
SEPARATORS = {"fa": " — "}
_SEPARATOR = " · "


def separator(lang: str) -> str:
    """The separator between parts of one line in ``lang`` (never one that reads as a digit)."""
    return SEPARATORS.get(lang, _SEPARATOR)


def joined(parts: Iterable[object], lang: str) -> str:
    """``parts`` on one line with :func:`separator` (``None`` and empty parts left out)."""
    return separator(lang).join(str(p) for p in parts if p is not None and str(p) != "")


def isolated(text: object, lang: str) -> str:
    """``text`` (a name, an id, a number with its unit...) as a unit of its own inside a line of
    ``lang``: in a right-to-left language wrapped in first-strong isolation (FSI…PDI) so that the
    bidi algorithm neither reorders it nor lets it reorder its neighbours; as is otherwise."""
    return f"{FSI}{text}{PDI}" if lang in RTL_LANGUAGES else str(text)


def left_to_right(text: object) -> str:
    """``text`` that always reads left to right (a command, a path, an id with punctuation),
    isolated (LRI…PDI) from the line around it."""
    return f"{LRI}{text}{PDI}"


def direction(lang: str) -> str:
    """``rtl`` or ``ltr``."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"
