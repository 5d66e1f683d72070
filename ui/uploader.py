"""Streamlit's file uploader in the reader's language.

Streamlit writes its uploader's own words in English only ("Upload", "Drag and drop files here",
"200MB per file • CSV") and has no setting for them. :func:`localize_uploader` writes them over
with CSS, which stays offline and needs no component: each text is hidden (``font-size: 0``)
and the catalog's words (``uploader.*``) are drawn in its place. The size limit is the server's
configured one (``server.maxUploadSize``), in the reader's digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from render.i18n import joined
from render.language import Language

__all__ = ["css_string", "localize_uploader", "uploader_style"]

_ZONE = '[data-testid="stFileUploaderDropzone"]'
#: Streamlit's size for these texts (its small text: 14 px).
_SIZE = "0.875rem"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: quotes, backslashes, angle brackets and control
    characters escaped, so nothing in it can end the string or the ``<style>`` element."""
    escaped = "".join(
        f"\\{ord(c):x} " if c in '"\\<>' or ord(c) < 32 or ord(c) == 127 else c for c in text
    )
    return f'"{escaped}"'


def uploader_style(lang: str, key: str, types: Sequence[str], limit_mb: int) -> str:
    """The ``<style>`` element that writes the uploader whose widget key starts with ``key`` in
    ``lang``: its button, the line shown while a file is dragged over it, and its limit and
    accepted types (as Streamlit lists them: upper case, without the dot)."""
    language = Language(lang)
    scope = f'[class*="st-key-{key}"] {_ZONE}'
    kinds = "، " if lang == "fa" else ", "
    types_text = kinds.join(dict.fromkeys(t.lstrip(".").upper() for t in types))
    limit = language.t("uploader.limit", size=language.int(limit_mb))
    instructions = joined([limit, types_text], lang)  # the language's separator, not a digit
    texts = {
        f'{scope} button [data-testid="stMarkdownContainer"] p': language.t("uploader.button"),
        f"{scope} > div:not([data-testid]) > span": language.t("uploader.drop"),
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] span': instructions,
    }
    rules = [
        # The limit and the types wrap rather than run out of the box (Streamlit keeps one line).
        f"{selector} {{ font-size: 0; white-space: normal; }} "
        f"{selector}::after {{ content: {css_string(text)}; font-size: {_SIZE}; }}"
        for selector, text in texts.items()
    ]
    return "<style>" + "\n".join(rules) + "</style>"


def localize_uploader(lang: str, key: str, types: Sequence[str]) -> None:
    """Write the uploader keyed ``key…`` in ``lang`` (:func:`uploader_style`), with the server's
    own upload limit."""
    limit = int(st.get_option("server.maxUploadSize"))
    st.html(uploader_style(lang, key, types, limit))
