"""43 HTML/JavaScript/template/formula payloads in every string field of a workspace (area,
district, province, partner and facility names, operators, addresses, services, contacts; every
other value behind a formula character), rendered on every page the app lists, in a real browser
(in two parts, to share the sweep between the suite's two processes: the first here, every other
page in ``test_escaping_other_pages.py``; :mod:`tests.hardening.escaping_sweep`):
no payload becomes an element, none runs, no dialog opens — in the page and in every map frame,
with every tooltip and popup opened. The payloads are shown (as text) somewhere, so the check looks
at real output.

Every file the pages offer, of the kinds that can carry a payload into a program that runs it, is
fetched through its download button and checked (:mod:`tests.hardening.downloads`; images and
GeoJSON/GeoPackage data are not, and their buttons are not pressed): CSV and XLSX hold no formula,
the standalone map HTML holds no element from a payload and runs none when opened in Chromium,
the briefing PDF shows the payloads as text. The same checks run without a browser on the writers
the buttons call, so that a broken escape is found in seconds too.
"""

from __future__ import annotations

import pytest

from tests.conftest import require
from tests.hardening.downloads import check_file, have_pdftotext
from tests.hardening.escaping_sweep import (
    FIRST_PART,
    assert_payloads_shown,
    payload_server,  # noqa: F401 — the fixture
    sweep_part,
)
from tests.hardening.payloads import PAYLOADS, payload_workspace


@pytest.mark.browser
def test_no_payload_is_injected_or_runs_on_the_first_pages(payload_server, browser) -> None:  # noqa: F811
    """The Overview, Coverage map, Gap analysis and Infrastructure pages (an area's details, a
    plan of new sites); every other page: ``test_escaping_other_pages.py``."""
    swept = sweep_part(
        payload_server,
        browser,
        first=True,
        minimum={"shown": 25, "csv": 4, "xlsx": 4, "html": 0, "pdf": 0},
    )
    assert {name.split("?")[0] for name in swept} == set(FIRST_PART), swept
    assert "coverage_map?area=A001" in swept and "infrastructure?plan=1&k=2" in swept, swept


@pytest.fixture(scope="module")
def payload_tables(tmp_path_factory) -> dict:
    from geodata.store.workspace import read_workspace

    path = tmp_path_factory.mktemp("payload-tables") / "payloads.gpkg"
    payload_workspace(path)
    return read_workspace(path)


def map_files(tables) -> list[tuple[str, bytes]]:
    """The map export as standalone HTML, per level, as the Briefings page's button makes it."""
    from render.language import Language
    from reports.mapexport import LEVEL_KEYS, map_html, view_frame

    files = []
    for level in ("area", "district"):
        page = map_html(
            view_frame(tables, level, None),
            id_column=LEVEL_KEYS[level],
            name_column="name" if level == "area" else "district_name",
            metric="coverage",
            lang=Language("en", "gregorian"),
            place=PAYLOADS[0],
            month=None,
            source_note=PAYLOADS[2],
        )
        files.append((f"{level}.html", page.encode("utf-8")))
    return files


@pytest.mark.browser
def test_the_standalone_map_runs_no_payload(payload_tables, browser) -> None:
    """The map export opened in Chromium, every tooltip open: the names are text, nothing runs."""
    for name, data in map_files(payload_tables):
        f = check_file(name, data, browser)
        assert f.injected == [], f"{name}: markup from data {f.injected[:3]}"
        assert not f.ran and f.dialogs == [] and f.errors == [], (name, f.dialogs, f.errors[:3])
        assert f.shown >= 1  # the tooltips show payload text


def test_the_writers_keep_every_payload_inert(payload_tables) -> None:
    """What the download buttons call, on the payload tables, without a browser: the map's and
    tables' CSV/XLSX, the map as standalone HTML (parsed only: a tooltip's markup would only
    become elements in a browser, see the test above), the briefing PDF (region, district,
    partner)."""
    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    from render.language import Language
    from reports.documents import make_briefing
    from reports.exports import table_csv, table_xlsx
    from reports.mapexport import view_frame

    lang = Language("en", "gregorian")
    files: list[tuple[str, bytes]] = map_files(payload_tables)
    for level in ("area", "district"):
        frame = view_frame(payload_tables, level, None)
        files += [(f"{level}.csv", table_csv(frame)), (f"{level}.xlsx", table_xlsx(frame))]
    for table in ("facilities", "partners"):
        frame = payload_tables[table]
        files += [(f"{table}.csv", table_csv(frame)), (f"{table}.xlsx", table_xlsx(frame))]
    district = str(payload_tables["areas"]["district_id"].dropna().iloc[0])
    for scope, scope_id in (("region", None), ("district", district), ("partner", "P1")):
        pdf, _ = make_briefing(
            payload_tables, lang, title=PAYLOADS[3], version=1, demo=False, scope=scope,
            scope_id=scope_id,
        )  # fmt: skip
        files.append((f"briefing-{scope}.pdf", pdf))
    checked = [check_file(name, data) for name, data in files]
    for f in checked:
        assert f is not None
        assert f.formulas == [], f"{f.name}: formula cells {f.formulas[:3]}"
        assert f.injected == [], f"{f.name}: markup from data {f.injected[:3]}"
    # Parsed HTML shows no text count; the PDFs and sheets must.
    for f in checked:
        if f.kind == "html":
            f.shown = 1
    assert_payloads_shown(checked)
