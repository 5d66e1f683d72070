"""Streamlit's file uploader in the reader's language (issue #20): its button, drop line and
limit written over with CSS, the limit the server's configured one in the reader's digits."""

from __future__ import annotations

import re

from render.i18n import translate
from ui import uploader
from ui.uploader import css_string, uploader_style


def contents(style: str) -> list[str]:
    """The texts the style draws (CSS strings, unescaped)."""
    found = re.findall(r'content: "((?:[^"\\]|\\[0-9a-f]+ )*)"', style)
    return [re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m.group(1), 16)), t) for t in found]


def test_persian_uploader_words_and_limit():
    style = uploader_style("fa", "dm_files_", ["csv", ".xlsx", "csv"], 200)
    texts = contents(style)
    assert translate("uploader.button", "fa") in texts
    assert translate("uploader.drop", "fa") in texts
    (limit,) = [t for t in texts if "مگابایت" in t]
    assert "۲۰۰" in limit and "CSV، XLSX" in limit
    assert not re.search("[0-9]", "".join(texts))
    # scoped to that uploader only, never to Streamlit's icons
    assert style.count('[class*="st-key-dm_files_"]') == 6  # each text: hidden, then drawn
    assert "stIconMaterial" not in style


def test_vietnamese_uploader():
    texts = contents(uploader_style("vi", "k", ["zip"], 1024))
    assert "Tải lên" in texts
    assert "Tối đa 1.024 MB mỗi tệp · ZIP" in texts


def test_limit_is_the_servers_configured_one(monkeypatch):
    shown = []
    monkeypatch.setattr(uploader.st, "get_option", lambda name: {"server.maxUploadSize": 37}[name])
    monkeypatch.setattr(uploader.st, "html", lambda body, **_: shown.append(body))
    uploader.localize_uploader("fa", "dm_files_", ["csv"])
    (style,) = [body for body in shown if body.startswith("<style>")]
    assert any("۳۷" in t for t in contents(style))


def test_css_strings_cannot_break_out():
    text = css_string('a"b\\c</style><script>\n')
    assert text.startswith('"') and text.endswith('"')
    inner = text[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner and "\n" not in inner
    assert contents(f"content: {text}") == ['a"b\\c</style><script>\n']
