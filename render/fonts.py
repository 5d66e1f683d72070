"""A font with Persian glyphs, served from the local install (no font CDN).

At start-up :func:`ensure_font_assets` copies Noto Sans Arabic (a variable font covering Persian
letters and digits, SIL OFL 1.1, from the ``fontpkg-noto-sans-arabic`` wheel) into
``static/vendor/fonts/`` (git-ignored), which Streamlit serves at ``/app/static/vendor/fonts/``.
:func:`font_face_css` declares it for the Arabic-script code points only (``unicode-range``), so
Latin and Vietnamese text keeps the app's own font and the file is fetched only when Persian text
is on the page.

No Streamlit import here: this module is usable from scripts and tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from render.offline import _atomic_write_bytes

__all__ = [
    "PERSIAN_FONT_FAMILY",
    "PERSIAN_FONT_URL",
    "ensure_font_assets",
    "font_face_css",
    "font_stack",
]

#: The family name the app's CSS uses (not the font's own name, so no installed font shadows it).
PERSIAN_FONT_FAMILY = "Coverage Atlas Persian"
PERSIAN_FONT_FILE = "NotoSansArabic.ttf"
PERSIAN_FONT_URL = f"/app/static/vendor/fonts/{PERSIAN_FONT_FILE}"
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
    marker_path = target_dir / _MARKER_NAME
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
        if marker.get("version") == version and target.stat().st_size == source.stat().st_size:
            return target
    except (OSError, ValueError):
        pass
    target_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(target, source.read_bytes())
    marker = {"package": "fontpkg-noto-sans-arabic", "version": version, "file": source.name}
    _atomic_write_bytes(marker_path, json.dumps(marker, indent=1).encode("utf-8"))
    return target


def font_face_css() -> str:
    """The ``@font-face`` rule of the Persian font (Arabic-script code points only)."""
    return (
        "@font-face {"
        f' font-family: "{PERSIAN_FONT_FAMILY}";'
        f' src: url("{PERSIAN_FONT_URL}") format("truetype");'
        " font-weight: 100 900; font-style: normal; font-display: swap;"
        f" unicode-range: {_ARABIC_RANGES}; }}"
    )


def font_stack(fallback: str = '"Source Sans", sans-serif') -> str:
    """A CSS ``font-family`` value: the Persian font for Persian text, ``fallback`` for the rest."""
    return f'"{PERSIAN_FONT_FAMILY}", {fallback}'
