"""Reading a text as a Persian or Vietnamese reader would (issue #20): the same rules for every
text, whatever shows it (the Persian briefing PDF and map figure: tests/browser/test_reading.py).

- in Persian, no number written with Latin digits, none with an English thousands comma;
- in Vietnamese, no number in English format (``11,052``, ``81.7``: Vietnamese writes ``11.052``
  and ``81,7``);
- no English phrase of the catalogs (:func:`tests.browser.test_languages.english_left`);
- no ``None`` (nor ``nan``, ``NaT``, ``<NA>``) standing for an empty value;
- where the workspace has no districts, no district wording (district, quận, huyện, منطقه).

Names and codes from the workspace are data, shown as they are: they are taken out first.
"""

from __future__ import annotations

import re
from pathlib import Path

from render.format import localize_digits

#: A number in Latin digits (in Persian text every number is written in Persian digits); digits
#: inside a Latin word are part of a name ("A4", "E2SFCA"), as are those of a code ("EPSG:4326").
LATIN_DIGIT = re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z]:)[0-9]+(?![A-Za-z0-9])")
#: A number with an English thousands comma (``\d`` also matches Persian digits).
ENGLISH_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")
#: In Vietnamese: an English thousands comma, or a decimal point (Vietnamese groups thousands
#: with a point, always three digits after it; a point before one or two digits is English). A
#: comma after one digit ("0,150", "1,247") is read as Vietnamese: a figure with three decimals.
ENGLISH_NUMBER_VI = re.compile(
    r"(?<![\d,.])(?:[1-9]\d{1,2}(?:,\d{3})+|\d(?:,\d{3}){2,})(?![\d])"
    r"|(?<![\d.])\d+\.\d{1,2}(?![\d.])"
)
MISSING = re.compile(r"\b(None|nan|NaN|NaT)\b|<NA>")
DISTRICT_WORDING = re.compile(r"(?i:\bdistricts?\b|quận|huyện)|منطقه")


def data_strings(workspace: str | Path) -> list[str]:
    """Names and codes from the workspace (its title; areas, districts, provinces, facilities,
    partners and their ids), in every spelling the workspace has, longest first."""
    from geodata.store.workspace import latest_version, list_versions, read_workspace

    tables = read_workspace(str(workspace), latest_version(str(workspace)))
    names: set[str] = {str(list_versions(str(workspace))[-1].summary.get("title") or "")} - {""}
    for table in ("areas", "facilities", "partners"):
        frame = tables.get(table)
        if frame is None:
            continue
        for column in frame.columns:
            if column in ("name", "district_name", "province", "operator", "address") or (
                column.startswith("name_") or column.endswith("_id")
            ):
                names |= {str(v) for v in frame[column].dropna() if str(v).strip()}
    return sorted(names, key=len, reverse=True)


def without_data(text: str, data: list[str], lang: str) -> str:
    """``text`` with every data string taken out (also as the reader's digits write it)."""
    shown = {form for name in data for form in (name, localize_digits(name, lang))}
    for name in sorted(shown, key=len, reverse=True):
        if not re.search(r"[^\W\d_]", name):
            # A name of digits only ("14": a district so named) is taken out where it is the
            # whole text (a table's cell), never out of the figures around it.
            text = re.sub(rf"(?m)^{re.escape(name)}$", " ", text)
        elif len(name) >= 2:
            text = text.replace(name, " ")
    return text


def _around(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " | ")


def problems(texts: list[str], lang: str, data: list[str], *, districts: bool) -> list[str]:
    """What a reader of ``lang`` would trip on in ``texts``: one line per rule broken, with the
    text around it."""
    from tests.browser.test_languages import english_phrases

    text = without_data("\n".join(texts), data, lang)
    found: list[str] = []

    def each(rule: str, pattern: re.Pattern) -> None:
        seen: set[str] = set()
        for m in pattern.finditer(text):
            if m.group() not in seen:  # each offending text once, with what is around it
                seen.add(m.group())
                found.append(f"{rule}: {_around(text, m)!r}")

    if lang == "fa":
        each("Latin digits", LATIN_DIGIT)
        each("English thousands", ENGLISH_THOUSANDS)
    if lang == "vi":
        each("English number format", ENGLISH_NUMBER_VI)
    each("missing value", MISSING)
    if not districts:
        each("district wording", DISTRICT_WORDING)
    for phrase in english_phrases(lang):
        match = re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", text)
        if match:
            found.append(f"English phrase {phrase!r}: {_around(text, match)!r}")
    return found
