"""Page style per language, the local Persian font, names in the chosen language, table cells."""

from __future__ import annotations

import unicodedata

import pandas as pd
from fontTools.ttLib import TTFont

from render.fonts import (
    PERSIAN_DIGITS_FAMILY,
    PERSIAN_DIGITS_URL,
    PERSIAN_FONT_URL,
    ensure_font_assets,
    font_face_css,
)
from render.format import fmt_int
from render.language import display_names
from ui.localize import DIGIT_PLACES, language_style, localized_table, names_by_key


def test_font_is_copied_once_and_served_locally(tmp_path):
    first = ensure_font_assets(tmp_path)
    assert first == tmp_path / "static" / "vendor" / "fonts" / "NotoSansArabic.ttf"
    assert first.stat().st_size > 100_000
    mtime = first.stat().st_mtime_ns
    assert ensure_font_assets(tmp_path) == first
    assert first.stat().st_mtime_ns == mtime  # already current: not copied again
    css = font_face_css()
    assert PERSIAN_FONT_URL in css and "unicode-range" in css
    assert "http" not in css  # never a CDN


def test_persian_digits_font_draws_each_latin_digit_as_its_persian_digit(tmp_path):
    source = TTFont(ensure_font_assets(tmp_path))
    digits = TTFont(tmp_path / "static" / "vendor" / "fonts" / PERSIAN_DIGITS_URL.split("/")[-1])
    source_map, digits_map = source.getBestCmap(), digits.getBestCmap()

    def outline(font, glyph):
        return list(font["glyf"][glyph].getCoordinates(font["glyf"])[0])

    for d in range(10):
        drawn = outline(digits, digits_map[0x30 + d])
        assert drawn == outline(source, source_map[0x6F0 + d]), (
            f"{d} is not drawn as a Persian digit"
        )
        assert drawn != outline(source, source_map[0x30 + d])
    assert set(digits_map) == set(range(0x30, 0x3A)) | set(range(0x6F0, 0x6FA))  # nothing else


def test_only_persian_pages_draw_latin_digits_as_persian_ones():
    style = language_style("fa")
    assert PERSIAN_DIGITS_URL in style and "unicode-range: U+0030-0039" in style
    assert f'"{PERSIAN_DIGITS_FAMILY}"' in style.split("unicode-range: U+0030-0039")[1]
    for lang in ("en", "vi"):
        assert PERSIAN_DIGITS_FAMILY not in language_style(lang)


def test_persian_style_is_right_to_left_and_others_are_not():
    assert "direction: rtl" in language_style("fa")
    for lang in ("en", "vi"):
        style = language_style(lang)
        assert "direction: rtl" not in style
        assert PERSIAN_FONT_URL in style  # Persian names may appear in any language
    assert "http" not in language_style("fa")


def test_display_names_prefer_the_chosen_language():
    frame = pd.DataFrame(
        {
            "name": ["Pearl Valley", "Hill", None],
            "name_fa": ["دره مروارید", None, None],
            "name_vi": [unicodedata.normalize("NFD", "Thung Lũng Ngọc Trai"), "Đồi", None],
        }
    )
    assert display_names(frame, "name", "fa").tolist()[:2] == ["دره مروارید", "Hill"]
    vi = display_names(frame, "name", "vi")
    assert vi.iloc[0] == unicodedata.normalize("NFC", "Thung Lũng Ngọc Trai")
    assert pd.isna(vi.iloc[2])
    assert display_names(frame, "name", "en").tolist()[:2] == ["Pearl Valley", "Hill"]
    assert frame["name_vi"].iloc[0] != vi.iloc[0]  # the input is not modified


def test_localized_table_shows_text_and_keeps_numbers():
    frame = pd.DataFrame({"Name": ["A"], "Population": [12345]})
    styled = localized_table(frame, {"Population": lambda v: fmt_int(v, "fa")}, "fa")
    # Logical order in Persian too: the grid opens on its left, so the name is seen first.
    assert list(styled.data.columns) == ["Name", "Population"]
    assert styled.data["Population"].iloc[0] == 12345
    assert "۱۲٬۳۴۵" in styled.to_html()
    assert list(localized_table(frame, {}, "vi").data.columns) == ["Name", "Population"]


def test_names_by_key_looks_up_localised_district_names():
    areas = pd.DataFrame(
        {
            "district_id": ["D1", "D1", "D2"],
            "district_name": ["District 1", "District 1", "District 2"],
            "district_name_fa": ["منطقه ۱", "منطقه ۱", None],
        }
    )
    names = names_by_key(areas, "district_id", "district_name", "fa")
    assert names.to_dict() == {"D1": "منطقه ۱", "D2": "District 2"}
    assert names_by_key(areas, "district_id", "district_name", "vi")["D1"] == "District 1"


def test_kpi_labels_wrap_instead_of_being_cut_off():
    # Streamlit ends a long st.metric label in "…" on one line; Persian labels are longer.
    for lang in ("fa", "vi", "en"):
        rule = language_style(lang).split('[data-testid="stMetricLabel"]', 1)
        assert len(rule) == 2, lang
        assert "white-space: normal" in rule[1] and "text-overflow: clip" in rule[1], lang


def test_input_hints_in_the_readers_words_and_streamlits_own_in_english():
    from render.i18n import translate
    from ui.localize import css_string

    hint = '[data-testid="InputInstructions"] > span:first-child'
    area = f'[data-testid="stTextArea"] {hint}'
    for lang in ("fa", "vi"):
        style = language_style(lang)
        # A text area's "Press Ctrl+Enter to apply" (in a form "... to submit form"), hidden and
        # written again in the reader's words, as a text input's "Press Enter to apply" is.
        assert f"{area} {{ font-size: 0; }}" in style, lang
        apply = css_string(translate("input.apply_multiline", lang))
        submit = css_string(translate("input.submit_multiline", lang))
        assert f"{area}::after {{ content: {apply};" in style, lang
        assert f'[data-testid="stForm"] {area}::after {{ content: {submit}; }}' in style, lang
        assert f"content: {css_string(translate('input.apply', lang))};" in style, lang
        assert "Ctrl+Enter" in translate("input.apply_multiline", lang)
    # English keeps Streamlit's own hint (its words, the platform's key, a max_chars counter).
    assert "InputInstructions" not in language_style("en")


def test_slider_end_labels_stand_under_their_ends_in_persian():
    # The track runs left to right in every language; right to left, the row of its end labels
    # put the lowest value under the highest end.
    assert '[data-testid="stSliderTickBar"] { direction: ltr; }' in language_style("fa")


def _font_rules(style: str) -> list[tuple[str, str]]:
    """(selector, declarations) of each rule of ``style`` that sets ``font-family`` on the
    app's text (not the @font-face declarations)."""
    rules = [rule.split("{", 1) for rule in style.removeprefix("<style>").split("}")]
    return [
        (selector.strip(), body)
        for selector, body in (r for r in rules if len(r) == 2)
        if "font-family" in body and ".stApp" in selector
    ]


def test_tooltips_and_calendars_take_the_pages_fonts():
    # Streamlit draws a label's help tooltip and a date input's calendar outside .stApp, in its
    # overlay portal: their text takes the page's fonts.
    overlay = "#stFloatingOverlayPortal :is(p, span, div"
    for lang in ("en", "fa", "vi"):
        rules = _font_rules(language_style(lang))
        assert rules and all(overlay in selector for selector, _ in rules), lang


def test_persian_digits_font_only_where_streamlit_writes_the_figures():
    # The page writes its own figures in Persian digits; the digits font draws Latin digits as
    # Persian ones only in what Streamlit writes (a slider's values, a number input's), so a
    # Latin name in a label keeps its digits ("E2SFCA", "A4").
    style = language_style("fa").removeprefix("<style>")
    rules = [rule.split("{", 1) for rule in style.split("}")]
    digits = [
        selector.strip()
        for selector, body in (r for r in rules if len(r) == 2)
        if f'font-family: "{PERSIAN_DIGITS_FAMILY}"' in body and "!important" in body
    ]
    assert digits == [f"{DIGIT_PLACES}, :is({DIGIT_PLACES}) *"]
    for place in ("stSliderThumbValue", "stSliderTickBar", "stNumberInputField", ".ytick"):
        assert place in DIGIT_PLACES
    assert ".stApp" not in DIGIT_PLACES and "popover" not in DIGIT_PLACES


def test_grids_draw_in_the_pages_fonts():
    # A grid draws on a canvas in the theme's font: the Persian fonts first, by the names the
    # page's CSS declares them under (the digits font on Persian pages only).
    import tomllib
    from pathlib import Path

    from render.fonts import PERSIAN_FONT_FAMILY, font_stack

    config = Path(__file__).parents[2] / ".streamlit" / "config.toml"
    font = tomllib.loads(config.read_text(encoding="utf-8"))["theme"]["font"]
    assert font == font_stack(persian_digits=True)
    assert font.startswith(f'"{PERSIAN_DIGITS_FAMILY}", "{PERSIAN_FONT_FAMILY}", ')
    assert f'font-family: "{PERSIAN_DIGITS_FAMILY}"' not in language_style("en")
    # A grid draws again once the page's fonts are loaded, not when a font it asked for later
    # arrives: a Persian page asks for the digits font itself, with a digit nobody sees.
    body = language_style("fa").split("body::after {", 1)[1].split("}", 1)[0]
    assert "content: '0'" in body and f'font-family: "{PERSIAN_DIGITS_FAMILY}"' in body
    assert "opacity: 0" in body
    assert "body::after" not in language_style("en") + language_style("vi")


def test_every_text_input_with_a_limit_keeps_its_counter():
    """A text input with ``max_chars`` goes through ``counted_text_input``: Streamlit's input
    carries no mark of its limit, so only the container tells the hint's CSS to keep the counter
    it shows alone before anything is typed."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bare = []
    for path in [*root.joinpath("ui").rglob("*.py"), *root.joinpath("app_pages").glob("*.py")]:
        if path.name == "localize.py" and path.parent.name == "ui":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("text_input", "text_area")
                and any(k.arg == "max_chars" for k in node.keywords)
            ):
                bare.append(f"{path.relative_to(root)}:{node.lineno}")
    assert bare == []


def test_the_counter_shown_alone_is_not_covered_by_the_hint():
    from ui.localize import COUNTED, input_hint_css

    for lang in ("fa", "vi"):
        css = input_hint_css(lang)
        assert f'[class*="st-key-{COUNTED}"]' in css and "span:only-child::after" in css
