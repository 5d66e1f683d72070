"""Every page read as a Persian and as a Vietnamese reader reads it (issue #20), on the demo, on a
workspace of communes without districts and on Tehran: the rules of :mod:`tests.browser.reading`
(the language's digits and number format, no English catalog phrase, no "None", no district
wording where there are no districts, no "·" that reads as a Persian zero, no Solar Hijri switch
for a Vietnamese reader of a workspace of communes) applied to everything each page shows
(:func:`tests.apptest.visible.visible_texts`: texts, labels, options, metrics, table cells).

Left out: commands in code blocks (they keep their Latin digits, to be copied as they are), and
the options of select sliders, whose Latin digits Persian pages draw in Persian digits with their
digits font, as they do a slider's (the browser test tests/browser/test_languages.py checks that
font). The options of selectboxes, radios and multiselects are read: the page writes them."""

from __future__ import annotations

import pytest

from tests.apptest.helpers import app_pages, run_page
from tests.apptest.visible import visible_texts
from tests.browser.reading import data_strings, problems

#: Pickers whose options Persian pages draw in their digits font (ui.localize.DIGIT_PLACES).
CHOICES = ("select_slider",)
WORKSPACES = ["demo", "communes", pytest.param("tehran", marks=pytest.mark.realdata)]


@pytest.mark.parametrize("where", WORKSPACES)
@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_every_page_reads_in_the_readers_language(where, lang, request, monkeypatch):
    workspace = request.getfixturevalue(f"{where}_workspace")
    if where == "demo":
        monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
    else:
        monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(workspace))
    data = data_strings(workspace)
    found = {}
    for page in app_pages():
        at = run_page(page, {"lang": lang})
        kept = {str(code.value) for code in at.get("code")}
        kept |= {str(o) for kind in CHOICES for picker in at.get(kind) for o in picker.options}
        texts = [t for t in visible_texts(at) if t not in kept]
        tripped = problems(texts, lang, data, districts=where != "communes")
        # No separator that reads as a Persian digit ("·" is the Persian zero's twin).
        tripped += [f"separator: {t!r}" for t in texts if "·" in t and lang == "fa"]
        if where == "communes" and lang != "fa":  # the Solar Hijri switch: Persian readers
            tripped += ["calendar switch"] * ("solar_hijri" in {t.key for t in at.toggle})
        if tripped:
            found[page] = tripped
    assert not found, found
