"""Streamlit's file uploader in the reader's language.

Streamlit writes its uploader's own words in English only ("Upload", "Drag and drop files here",
"200MB per file • CSV") and has no setting for them. :func:`localize_uploader` writes them over
with CSS, which stays offline and needs no component: each text is hidden (``font-size: 0``,
and ``visibility: hidden`` so a screen reader does not read it either) and the catalog's words
(``uploader.*``) are drawn in its place. The size limit is the server's
configured one (``server.maxUploadSize``), in the reader's digits.

The list of chosen files (each file's size, and a file's error: too large, a refused type, a
failed upload) is written by Streamlit when a file is chosen, with the figures in it, so CSS
cannot write it over: :func:`uploader_script` rewrites those texts in the page as Streamlit
draws them (Persian and Vietnamese; English keeps Streamlit's own words).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st

from render.i18n import joined
from render.language import Language
from ui.localize import css_string
from ui.server.uploads import refusal_by_picker

__all__ = ["css_string", "localize_uploader", "uploader_script", "uploader_style"]

_ZONE = '[data-testid="stFileUploaderDropzone"]'
#: Streamlit's size for these texts (its small text: 14 px).
_SIZE = "0.875rem"


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
        f"{scope} > div:not([data-testid]) > span": language.t("uploader.drop"),
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] span': instructions,
    }
    rules = [
        # The limit and the types wrap rather than run out of the box (Streamlit keeps one line).
        # Streamlit's English text is hidden from screen readers too (visibility), where the
        # catalog's words drawn after it are shown and read (visible again in the ::after).
        f"{selector} {{ font-size: 0; visibility: hidden; white-space: normal; }} "
        f"{selector}::after {{ content: {css_string(text)}; font-size: {_SIZE}; visibility: visible; }}"
        for selector, text in texts.items()
    ]
    # The button is named by what it holds: its English text is taken out of it, and the
    # catalog's word drawn by the button itself names it.
    button = f"{scope} button"
    rules.append(
        f'{button} [data-testid="stMarkdownContainer"] {{ display: none; }} '
        f"{button}::after {{ content: {css_string(language.t('uploader.button'))};"
        " margin-inline-start: 0.375rem; }"
    )
    return "<style>" + "\n".join(rules) + "</style>"


#: Rewrites the texts Streamlit writes in its uploaders' file lists (a size like ``2.0MB``, the
#: errors) and in their error tooltips, in the language of the page (``#coverage-atlas``'s
#: ``data-lang``, written by app.py) where :func:`uploader_script` gave its words; each text node
#: is rewritten in place (its value, never the node), so Streamlit keeps drawing into it.
_SCRIPT = r"""<script>
(() => {
  const WORDS = __WORDS__;
  const words = (window.__caUploaderWords = window.__caUploaderWords || {});
  words[WORDS.lang] = WORDS;
  if (window.__caUploaderSweep) { window.__caUploaderSweep(); return; }
  const UNIT = "(\\d+(?:\\.\\d+)?)\\s?(B|KB|MB|GB|TB)";
  const SIZE = new RegExp("^" + UNIT + "$");
  const TOO_LARGE = new RegExp("^File must be " + UNIT + " or smaller\\.$");
  const NOT_ALLOWED = /^(.+) files are not allowed\.$/;
  // The upload endpoint's refusal (the upload budget's 413, a 403), as Streamlit's client words it
  const REFUSED = /^(?:AxiosError: )?Request failed with status code 4\d\d$/;
  const number = (w, text) => {
    const [whole, part] = text.split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, "|");
    const written = grouped.split("|").join(w.thousands)
      + (part === undefined ? "" : w.decimal + part);
    return written.replace(/[0-9]/g, (d) => w.digits[Number(d)]);
  };
  const size = (w, figure, unit) =>
    w.size.replace("{n}", number(w, figure)).replace("{unit}", w.units[unit]);
  const rewrite = (w, text) => {
    const t = text.trim();
    let m;
    if ((m = SIZE.exec(t))) return size(w, m[1], m[2]);
    if ((m = TOO_LARGE.exec(t))) return w.too_large.replace("{size}", size(w, m[1], m[2]));
    if ((m = NOT_ALLOWED.exec(t))) return w.not_allowed.replace("{kind}", m[1]);
    if (t === "Upload failed") return w.failed;
    if (REFUSED.test(t)) return w.refused;
    if (t === "Error:") return w.error;
    return null;
  };
  const SCOPE = '[data-testid="stFileChip"], [data-testid="stTooltipErrorContent"]';
  const sweep = () => {
    const page = document.querySelector("#coverage-atlas");
    const w = page ? words[page.dataset.lang] : undefined;
    if (!w) return;
    document.querySelectorAll(SCOPE).forEach((root) => {
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const next = rewrite(w, n.nodeValue);
        if (next !== null && next !== n.nodeValue) n.nodeValue = next;
      }
    });
    // The file picker's own name for screen readers ("file upload"), in the reader's words.
    document.querySelectorAll('[data-testid="stFileUploaderDropzoneInput"]').forEach((input) => {
      if (input.getAttribute("aria-label") !== w.input) input.setAttribute("aria-label", w.input);
    });
  };
  window.__caUploaderSweep = sweep;
  const watch = {childList: true, subtree: true, characterData: true};
  new MutationObserver(sweep).observe(document.body, watch);
  sweep();
})();
</script>"""


def uploader_script(lang: str) -> str | None:
    """The ``<script>`` that writes the uploaders' file lists in ``lang`` (:data:`_SCRIPT`):
    each file's size with the language's digits, separators and unit words, and the errors
    (too large, refused type, failed upload) in its words; None in English (Streamlit's own)."""
    if lang == "en":
        return None
    language = Language(lang)
    sample = language.number(1234.5, 1)  # the language's thousands and decimal separators
    words = {
        "lang": lang,
        "digits": "".join(language.int(d) for d in range(10)),
        "thousands": sample[1],
        "decimal": sample[-2],
        "size": "{n} {unit}",
        "input": language.t("uploader.button"),
        "units": {
            u: language.t(f"uploader.unit_{u.lower()}") for u in ("B", "KB", "MB", "GB", "TB")
        },
        **{
            k: language.t(f"uploader.{k}")
            for k in ("too_large", "not_allowed", "failed", "refused", "error")
        },
    }
    # JSON in ASCII with "<" escaped: nothing in it can end the <script> element.
    data = json.dumps(words, ensure_ascii=True).replace("<", "\\u003c")
    return _SCRIPT.replace("__WORDS__", data)


def localize_uploader(lang: str, key: str, types: Sequence[str]) -> None:
    """Write the uploader keyed ``key…`` in ``lang`` (:func:`uploader_style`), with the server's
    own upload limit, its list of chosen files (:func:`uploader_script`) and, under it, why the
    server refused a file just sent (:func:`ui.server.uploads.refusal_by_picker`)."""
    limit = int(st.get_option("server.maxUploadSize"))
    st.html(uploader_style(lang, key, types, limit))
    if (script := uploader_script(lang)) is not None:
        st.html(script, unsafe_allow_javascript=True)
    # Why the server refused a file just sent (over the upload budget): Streamlit's file list
    # says only "AxiosError: Request failed with status code 413".
    refusal_by_picker()
