"""A font with Persian glyphs, served from the local install (no font CDN).

At start-up :func:`ensure_font_assets` copies Noto Sans Arabic (a variable font covering Persian
letters and digits, SIL OFL 1.1, from the ``fontpkg-noto-sans-arabic`` wheel) into
``static/vendor/fonts/`` (git-ignored), which Streamlit serves at ``/app/static/vendor/fonts/``.
:func:`font_face_css` declares it for the Arabic-script code points only (``unicode-range``), so
Latin and Vietnamese text keeps the app's own font and the file is fetched only when Persian text
is on the page.

In Persian every number is read in Persian digits, also where the page cannot write them: a
slider's value, a number typed into an input, a chart's axis. For those a second, tiny font is
made from the same file at start-up (:func:`persian_digits_font`): the ten Persian digits, drawn
for the code points of the Latin ones. Declared for ``U+0030-0039`` only and put first in the
Persian pages' font stack (:func:`digits_face_css`, :func:`font_stack`), it shows ``2026`` as
``۲۰۲۶`` while the text, the value sent and what is copied stay the same.

No Streamlit import here: this module is usable from scripts and tests.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from render.offline import _atomic_write_bytes

__all__ = [
    "PERSIAN_DIGITS_FAMILY",
    "PERSIAN_FONT_FAMILY",
    "PERSIAN_FONT_URL",
    "digits_face_css",
    "ensure_font_assets",
    "font_face_css",
    "font_stack",
    "persian_digits_font",
]

#: The family name the app's CSS uses (not the font's own name, so no installed font shadows it).
PERSIAN_FONT_FAMILY = "Coverage Atlas Persian"
PERSIAN_FONT_FILE = "NotoSansArabic.ttf"
PERSIAN_FONT_URL = f"/app/static/vendor/fonts/{PERSIAN_FONT_FILE}"
#: The Persian digits drawn for the Latin digits' code points (see the module's text).
PERSIAN_DIGITS_FAMILY = "Coverage Atlas Persian Digits"
PERSIAN_DIGITS_FILE = "PersianDigits.ttf"
PERSIAN_DIGITS_URL = f"/app/static/vendor/fonts/{PERSIAN_DIGITS_FILE}"
_LATIN_DIGITS = range(0x30, 0x3A)
_PERSIAN_DIGITS = range(0x6F0, 0x6FA)
_MARKER_NAME = ".fontpkg.json"
# Arabic, Arabic Supplement, Arabic Extended-A, Arabic Presentation Forms A and B, ZWNJ/ZWJ.
_ARABIC_RANGES = "U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF, U+200C-200D"


def _font_source() -> tuple[Path, str]:
    """The installed Noto Sans Arabic file and the package's version."""
    import fontpkg_noto_sans_arabic as noto

    files = sorted((Path(noto.ROOT) / "files").glob("NotoSansArabic*.ttf"))
    if not files:
        raise FileNotFoundError(
            f"fontpkg-noto-sans-arabic at {noto.ROOT} holds no font file; reinstall it"
        )
    metadata = json.loads((Path(noto.ROOT) / "metadata.json").read_text(encoding="utf-8"))
    return files[0], str(metadata.get("version", ""))


def ensure_font_assets(app_dir: Path) -> Path:
    """Copy the Persian font into ``app_dir/static/vendor/fonts`` (idempotent, atomic writes).

    Parameters
    ----------
    app_dir : Path
        Folder holding ``app.py``; Streamlit serves its ``static/`` subfolder at ``/app/static/``.

    Returns
    -------
    Path
        The copied font file (served at :data:`PERSIAN_FONT_URL`).
    """
    source, version = _font_source()
    target_dir = Path(app_dir) / "static" / "vendor" / "fonts"
    target = target_dir / PERSIAN_FONT_FILE
    digits = target_dir / PERSIAN_DIGITS_FILE
    marker_path = target_dir / _MARKER_NAME
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
        if (
            marker.get("version") == version
            and marker.get("digits") == PERSIAN_DIGITS_FILE
            and target.stat().st_size == source.stat().st_size
            and digits.stat().st_size > 0
        ):
            return target
    except (OSError, ValueError):
        pass
    target_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(target, source.read_bytes())
    _atomic_write_bytes(digits, persian_digits_font(source))
    marker = {
        "package": "fontpkg-noto-sans-arabic",
        "version": version,
        "file": source.name,
        "digits": PERSIAN_DIGITS_FILE,
    }
    _atomic_write_bytes(marker_path, json.dumps(marker, indent=1).encode("utf-8"))
    return target


def persian_digits_font(source: Path) -> bytes:
    """A font of the ten Persian digits of ``source``, each also drawn for its Latin digit.

    The digits are cut out of ``source`` (outlines and variations kept, nothing else), then the
    character map gives ``0``–``9`` the glyphs of ``۰``–``۹``.

    Parameters
    ----------
    source : Path
        A font file with the Persian digits (U+06F0–U+06F9).

    Returns
    -------
    bytes
        The TrueType file.
    """
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=list(_PERSIAN_DIGITS))
    cutter.subset(font)
    for table in font["cmap"].tables:
        if table.isUnicode():
            for latin, persian in zip(_LATIN_DIGITS, _PERSIAN_DIGITS, strict=True):
                table.cmap[latin] = table.cmap[persian]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def digits_face_css() -> str:
    """The ``@font-face`` rule of the Persian digits (the Latin digits' code points only)."""
    return (
        "@font-face {"
        f' font-family: "{PERSIAN_DIGITS_FAMILY}";'
        f' src: url("{PERSIAN_DIGITS_URL}") format("truetype");'
        " font-weight: 100 900; font-style: normal; font-display: block;"
        " unicode-range: U+0030-0039; }"
    )


def font_face_css() -> str:
    """The ``@font-face`` rule of the Persian font (Arabic-script code points only)."""
    return (
        "@font-face {"
        f' font-family: "{PERSIAN_FONT_FAMILY}";'
        f' src: url("{PERSIAN_FONT_URL}") format("truetype");'
        " font-weight: 100 900; font-style: normal; font-display: swap;"
        f" unicode-range: {_ARABIC_RANGES}; }}"
    )


def font_stack(fallback: str = '"Source Sans", sans-serif', *, persian_digits: bool = False) -> str:
    """A CSS ``font-family`` value: the Persian font for Persian text, ``fallback`` for the rest;
    with ``persian_digits`` (Persian pages) every digit drawn as a Persian digit first."""
    digits = f'"{PERSIAN_DIGITS_FAMILY}", ' if persian_digits else ""
    return f'{digits}"{PERSIAN_FONT_FAMILY}", {fallback}'
