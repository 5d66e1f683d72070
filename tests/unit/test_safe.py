"""Markdown escaping of data strings."""

from __future__ import annotations

import pytest

from render.safe import md_escape


@pytest.mark.parametrize(
    "text",
    [
        "![beacon](http://example.invalid/x.png)",
        "[click](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "**bold** _it_ `code` # title",
        "a | b ~~c~~ $x$ 1. item",
    ],
)
def test_markdown_specials_are_escaped(text):
    escaped = md_escape(text)
    for ch in "![]()<>*_`#|~$":
        assert f"{ch}" not in escaped.replace(f"\\{ch}", "")


def test_plain_names_are_unchanged():
    assert md_escape("South Meadow") == "South Meadow"
    assert md_escape("نازی آباد") == "نازی آباد"
    assert md_escape("Phường Bến Nghé") == "Phường Bến Nghé"
