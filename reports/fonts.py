"""The fonts documents are drawn with, all installed with the Python packages (no system fonts).

- Arabic script (Persian): IBM Plex Sans Arabic, static Regular and Bold (SIL OFL 1.1, from the
  ``fontpkg-ibm-plex-sans-arabic`` wheel). Its letters are whole glyphs (Noto Sans Arabic draws
  dots as separate glyphs, which PDF text extractors read as breaks inside words), so the text of
  a PDF stays extractable: ``pdftotext`` gives Persian in logical order. Its required-ligature
  feature also joins some letter pairs into one glyph for style (تر, بر, لی...); a PDF maps such
  a glyph to both letters, and extractors put the two back in the wrong order in right-to-left
  text. :func:`arabic_font` therefore writes a copy (once, into the cache folder) whose
  required ligatures are lam-alef only, the one ligature Persian needs; letters still join.
- Everything else (English, Vietnamese with all its diacritics): DejaVu Sans, shipped inside
  matplotlib.

In a PDF the Arabic font is declared for Arabic-script code points only (``unicode-range``), so
Latin text keeps DejaVu; in matplotlib the order of the fallback list does the same.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

__all__ = [
    "ARABIC_FAMILY",
    "LATIN_FAMILY",
    "arabic_font",
    "font_face_css",
    "latin_font",
    "matplotlib_families",
]

ARABIC_FAMILY = "IBM Plex Sans Arabic"
LATIN_FAMILY = "DejaVu Sans"
# Arabic, Arabic Supplement, Extended-A, Presentation Forms A and B, ZWNJ/ZWJ.
_ARABIC_RANGES = "U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF, U+200C-200D"


# Lam (initial or medial form) followed by these alef forms is the ligature Persian requires.
_LAM = frozenset({"uniFEDF", "uniFEE0"})
_ALEF = frozenset(
    {"uniFE8E", "uniFE88", "uniFE84", "uniFE82", "uniFB51", "uni0672.fina", "uni0673.fina"}
)


def _installed_arabic_font(bold: bool) -> Path:
    import fontpkg_ibm_plex_sans_arabic as plex

    path = Path(plex.ROOT) / "files" / f"IBMPlexSansArabic-{'Bold' if bold else 'Regular'}.ttf"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall fontpkg-ibm-plex-sans-arabic")
    return path


def _lam_alef_only(source: Path, target: Path) -> None:
    """Copy ``source`` with its ``rlig`` ligatures reduced to lam-alef (atomic write)."""
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    gsub = font["GSUB"].table
    lookups = {
        index
        for record in gsub.FeatureList.FeatureRecord
        if record.FeatureTag == "rlig"
        for index in record.Feature.LookupListIndex
    }
    for index in lookups:
        lookup = gsub.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            sub = sub.ExtSubTable if lookup.LookupType == 7 else sub
            if not hasattr(sub, "ligatures"):
                continue
            sub.ligatures = {
                first: kept
                for first, ligatures in sub.ligatures.items()
                if (
                    kept := [
                        lig
                        for lig in ligatures
                        if first in _LAM and len(lig.Component) == 1 and lig.Component[0] in _ALEF
                    ]
                )
            }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    font.save(partial)
    os.replace(partial, target)


@cache
def arabic_font(bold: bool = False) -> Path:
    """IBM Plex Sans Arabic (Regular or Bold) with lam-alef as its only required ligature.

    Written once per package version into ``<cache folder>/fonts`` (see
    :func:`geodata.sources.workspaces.cache_dir`) and reused.
    """
    from geodata.sources.workspaces import cache_dir

    source = _installed_arabic_font(bold)
    target = cache_dir() / "fonts" / f"{source.stem}-{arabic_font_version()}-lamalef.ttf"
    if not target.is_file():
        _lam_alef_only(source, target)
    return target


def arabic_font_version() -> str:
    import fontpkg_ibm_plex_sans_arabic as plex

    meta = json.loads((Path(plex.ROOT) / "metadata.json").read_text(encoding="utf-8"))
    return str(meta.get("version", ""))


def latin_font(bold: bool = False) -> Path:
    """matplotlib's own DejaVu Sans (Regular or Bold): Latin, Vietnamese, Cyrillic, Greek."""
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall matplotlib")
    return path


def font_face_css() -> str:
    """``@font-face`` rules for a PDF: ``AtlasArabic`` (Arabic script only) and ``AtlasLatin``."""
    rules = []
    for bold in (False, True):
        weight = 700 if bold else 400
        rules.append(
            f'@font-face {{ font-family: "AtlasArabic"; src: url("{arabic_font(bold).as_uri()}");'
            f" font-weight: {weight}; unicode-range: {_ARABIC_RANGES}; }}"
        )
        rules.append(
            f'@font-face {{ font-family: "AtlasLatin"; src: url("{latin_font(bold).as_uri()}");'
            f" font-weight: {weight}; }}"
        )
    return "\n".join(rules)


@cache
def _register_with_matplotlib() -> None:
    from matplotlib import font_manager

    for bold in (False, True):
        font_manager.fontManager.addfont(str(arabic_font(bold)))


def matplotlib_families(lang: str) -> list[str]:
    """The ``font.family`` fallback list for matplotlib text in ``lang``.

    Persian text takes the Arabic font first (DejaVu Sans has Arabic letters too, but fewer and
    plainer ones); other languages take DejaVu first, so a Vietnamese word never mixes fonts.
    """
    _register_with_matplotlib()
    if lang == "fa":
        return [ARABIC_FAMILY, LATIN_FAMILY]
    return [LATIN_FAMILY, ARABIC_FAMILY]
