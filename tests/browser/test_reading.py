"""The Persian documents read as the pages are read (issue #20): the region's briefing PDF (through
``pdftotext``) and the map PNG's figure (its text objects), on the demo, on Tehran and on a
workspace of communes without districts, pass the reading rules of :mod:`tests.browser.reading`
(Persian digits, no English thousands comma, no English catalog phrase, no "None", no district
wording where there are no districts).
"""

from __future__ import annotations

import pytest

from tests.browser.reading import data_strings, problems


def figure_texts(fig) -> list[str]:
    """Every text a matplotlib figure prints: its own texts, its axes' titles and texts (place
    labels, scale bar, north arrow), its legends' titles and rows."""
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [ax.get_title(), *(t.get_text() for t in ax.texts)]
    for legend in fig.legends:
        texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return [t for t in texts if t]


@pytest.mark.parametrize(
    "where", ["demo", pytest.param("tehran", marks=pytest.mark.realdata), "communes"]
)
def test_the_persian_briefing_and_map_read_as_the_pages(where, request):
    """The region's briefing PDF (through ``pdftotext``) and the map PNG's figure (its text
    objects), in Persian, pass the pages' reading."""
    from geodata.store.workspace import list_versions, read_workspace
    from render.language import Language
    from reports.documents import make_briefing, region_title, source_note
    from reports.mapexport import map_figure, unit_labels, view_frame
    from tests.conftest import require
    from tests.hardening.downloads import have_pdftotext, pdf_text

    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    workspace = request.getfixturevalue(f"{where}_workspace")
    versions = list_versions(workspace)
    tables = read_workspace(workspace, versions[-1].number)
    fa = Language("fa")
    demo = where == "demo"
    title = region_title(str(workspace), versions, fa)
    pdf, _ = make_briefing(tables, fa, title=title, version=versions[-1].number, demo=demo)
    areas = tables["areas"]
    districts = bool("district_id" in areas and areas["district_id"].notna().any())
    level, key, name = (
        ("district", "district_id", "district_name") if districts else ("area", "area_id", "name")
    )
    frame = view_frame(tables, level, None)
    fig = map_figure(
        frame,
        metric="coverage",
        lang=fa,
        place=title,
        month=None,
        source_note=source_note(title, versions[-1].number, demo, fa),
        id_column=key,
        labels=unit_labels(frame, name, key, fa),
    )
    data = data_strings(workspace)
    found = [f"PDF: {p}" for p in problems([pdf_text(pdf)], "fa", data, districts=districts)]
    found += [f"map PNG: {p}" for p in problems(figure_texts(fig), "fa", data, districts=districts)]
    assert found == [], "\n".join(found)
