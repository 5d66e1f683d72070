"""The uploader's list of chosen files in the reader's language (#20): each file's size and its
error (too large, as Streamlit writes it with the server's limit) in Persian and Vietnamese
words and digits, as ui.uploader's page script rewrites them, also when Streamlit writes a chip
after the script ran or changes its text later; English keeps Streamlit's own words.

No server: the page is the markup Streamlit 1.67 draws for a file chip and its error tooltip (two
text nodes "Error: " and the message, as React writes them), with the scripts
:func:`ui.uploader.localize_uploader` puts on the page."""

from __future__ import annotations

import pytest

from render.language import Language
from ui import uploader

pytestmark = pytest.mark.browser

ADD_CHIP = """(args) => {
  const [size, message] = args;
  const chip = document.createElement("div");
  chip.dataset.testid = "stFileChip";
  const name = document.createElement("div");
  name.dataset.testid = "stFileChipName";
  name.textContent = "big.csv";
  const figure = document.createElement("div");
  figure.id = "size";
  figure.textContent = size;
  const alert = document.createElement("span");
  alert.id = "alert";
  alert.append(document.createTextNode("Error: "), document.createTextNode(message));
  chip.append(name, figure, alert);
  const tip = document.createElement("div");
  tip.dataset.testid = "stTooltipErrorContent";
  tip.id = "tip";
  tip.textContent = message;
  document.body.append(chip, tip);
}"""


def page_with_scripts(browser, monkeypatch, lang: str):
    drawn: list[str] = []
    monkeypatch.setattr(uploader.st, "get_option", lambda name: 200)
    monkeypatch.setattr(uploader.st, "html", lambda body, **_: drawn.append(str(body)))
    uploader.localize_uploader(lang, "dm_files_", ["csv"])
    page = browser.new_page()
    page.set_content(
        f'<div id="coverage-atlas" data-lang="{lang}"></div>' + "".join(drawn),
    )
    return page


def texts(page) -> list[str]:
    return [page.inner_text(f"#{i}") for i in ("size", "alert", "tip")]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fa", ["۲٫۰ مگابایت", "خطا: ", "حجم پرونده باید ۲۰۰٫۰ مگابایت یا کمتر باشد."]),
        ("vi", ["2,0 MB", "Lỗi: ", "Tệp phải có dung lượng tối đa 200,0 MB."]),
        ("en", ["2.0MB", "Error: ", "File must be 200.0MB or smaller."]),
    ],
)
def test_file_sizes_and_errors_in_the_readers_words(browser, monkeypatch, lang, expected):
    page = page_with_scripts(browser, monkeypatch, lang)
    try:
        page.evaluate(ADD_CHIP, ["2.0MB", "File must be 200.0MB or smaller."])
        page.wait_for_timeout(50)  # the observer runs after the chip is drawn
        size, alert, tip = texts(page)
        assert [size, alert, tip] == [expected[0], expected[1] + expected[2], expected[2]]
        # Streamlit writes a new figure into the same text node: rewritten again
        page.evaluate(
            "() => { document.querySelector('#size').firstChild.nodeValue = '1234.5KB'; }"
        )
        page.wait_for_timeout(50)
        again = page.inner_text("#size")
        assert again == {"fa": "۱٬۲۳۴٫۵ کیلوبایت", "vi": "1.234,5 KB", "en": "1234.5KB"}[lang]
    finally:
        page.close()


def test_a_page_switched_to_english_keeps_streamlits_words(browser, monkeypatch):
    page = page_with_scripts(browser, monkeypatch, "fa")
    try:
        page.evaluate("() => { document.querySelector('#coverage-atlas').dataset.lang = 'en'; }")
        page.evaluate(ADD_CHIP, ["2.0MB", "File must be 200.0MB or smaller."])
        page.wait_for_timeout(50)
        assert texts(page)[0] == "2.0MB"
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_a_file_the_server_refused_reads_in_the_readers_words(browser, monkeypatch, lang):
    page = page_with_scripts(browser, monkeypatch, lang)
    try:
        page.evaluate(ADD_CHIP, ["26.2MB", "AxiosError: Request failed with status code 413"])
        page.wait_for_timeout(50)
        _, alert, tip = texts(page)
        refused = Language(lang).t("uploader.refused")
        assert tip == refused and alert.endswith(refused)
        assert "AxiosError" not in alert + tip
    finally:
        page.close()


#: The drop zone as Streamlit 1.67 draws it (its own English words; classes left out), in an
#: uploader keyed ``dm_files_…``.
DROPZONE = """<div class="st-key-dm_files_demo"><section role="presentation" tabindex="-1"
data-testid="stFileUploaderDropzone" aria-label="Files"><input data-testid="stFileUploaderDropzoneInput"
accept=".csv" type="file" aria-label="file upload" tabindex="-1" style="display: block; width: 0;
height: 0; opacity: 0; position: absolute;"><span><button kind="secondary"
data-testid="stBaseButton-secondary"><div><span data-has-shortcut="false"><span><span
data-testid="stIconMaterial" aria-hidden="true" translate="no">upload</span></span><span
style="display: contents;"><div data-testid="stMarkdownContainer"><p>Upload</p></div></span></span>
</div></button></span><div data-testid="stFileUploaderDropzoneInstructions"><div><span>200MB per
file • CSV</span></div></div></section></div>"""


@pytest.mark.parametrize(("lang", "button"), [("fa", "بارگذاری"), ("vi", "Tải lên")])
def test_the_drop_zone_is_read_in_the_readers_words_only(browser, monkeypatch, lang, button):
    """What a screen reader is given of the drop zone (Chromium's accessibility tree): the
    catalog's words, the button and the file picker named by them, and never Streamlit's
    English hidden under them."""
    page = page_with_scripts(browser, monkeypatch, lang)
    try:
        page.evaluate(f"() => document.body.insertAdjacentHTML('beforeend', {DROPZONE!r})")
        page.wait_for_timeout(50)  # the observer runs after the drop zone is drawn
        tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
        named = [
            (node["role"]["value"], node["name"]["value"].strip())
            for node in tree["nodes"]
            if not node.get("ignored") and node.get("name", {}).get("value")
        ]
        assert ("button", button) in named, named
        read = " ".join(name for _, name in named)
        assert not any(word in read.lower() for word in ("upload", "per file")), read
        assert Language(lang).int(200) in read, read
    finally:
        page.close()
