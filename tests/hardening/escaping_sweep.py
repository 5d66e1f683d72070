"""The browser sweep of :mod:`tests.hardening.test_escaping`, in two parts of about equal time,
one test file each (``test_escaping.py``: the pages of :data:`FIRST_PART`;
``test_escaping_other_pages.py``: every other page the app lists), so that the suite's two
processes share it (one file at a time each): the server on the payload workspace, the sweep of a
part and the checks of what it found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.conftest import StreamlitServer, require
from tests.hardening.downloads import UNCHECKED_KINDS, check_file, have_pdftotext
from tests.hardening.payloads import EXTRA_URLS, PAYLOADS, check_all_pages, payload_workspace

#: The first part: the Overview (page name ``""``: the page the app opens on), Coverage map, Gap
#: analysis and Infrastructure pages, with their extra URLs (:data:`EXTRA_URLS`). Every other page
#: the app lists, a page added later included, is in the second part.
FIRST_PART = ("", "coverage_map", "gap_analysis", "infrastructure")


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory) -> Iterator[tuple[StreamlitServer, dict[str, object]]]:
    path = tmp_path_factory.mktemp("payloads") / "payloads.gpkg"
    placed = payload_workspace(path)
    server = StreamlitServer(path)
    yield server, placed
    server.stop()


def sweep_part(payload_server, browser, first: bool, minimum: dict[str, int]) -> list[str]:
    """Sweep the pages of :data:`FIRST_PART` (``first``) or every other page, pressing the download buttons
    of the files checked (images and geodata files are not, see ``check_file``: their buttons are
    not pressed), and check every page and file; ``minimum``: how many CSV, XLSX, HTML and PDF
    files the part must have checked, and how many payload texts its pages must show
    (``"shown"``). Returns the names of the pages swept."""
    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    server, placed = payload_server
    assert len(PAYLOADS) >= 30 and placed["fields"] >= 10
    checks = check_all_pages(
        browser,
        server.url,
        extra_urls=EXTRA_URLS,
        downloads=True,
        skip=UNCHECKED_KINDS,
        pages=lambda name: (name in FIRST_PART) == first,
        start=FIRST_PART[0] if first else "capacity",  # a page of the part: checked as it opens
    )
    for check in checks:
        assert check.injected == [], f"{check.page}: markup from data: {check.injected[:3]}"
        assert not check.ran, f"{check.page}: a payload ran (window.__pwned set)"
        assert not check.templated, f"{check.page}: a template expression in data was evaluated"
        assert check.errors == 0, f"{check.page}: the page shows an exception"
        assert check.dialogs == [], f"{check.page}: dialogs opened: {check.dialogs}"
        assert check.missed == [], check.missed
    # The payloads reached the pages (as text): the check looked at real output.
    assert sum(c.shown for c in checks) >= minimum["shown"]
    assert "Traceback" not in server.output()

    files = [check_file(name, data, browser) for c in checks for name, data in c.files]
    checked = [f for f in files if f is not None]
    kinds = Counter(f.kind for f in checked)
    assert all(kinds[kind] >= minimum[kind] for kind in ("csv", "xlsx", "html", "pdf")), kinds
    for f in checked:
        assert f.formulas == [], f"{f.name}: formula cells {f.formulas[:3]}"
        assert f.injected == [], f"{f.name}: markup from data {f.injected[:3]}"
        assert not f.ran and f.dialogs == [] and f.errors == [], (f.name, f.dialogs, f.errors[:3])
    assert_payloads_shown(checked, html=minimum["html"], pdf=10 * minimum["pdf"])
    return [c.page.removeprefix(server.url).lstrip("/") for c in checks]


def assert_payloads_shown(checked, *, html: int = 1, pdf: int = 10) -> None:
    """The files hold the payloads as text (so the checks looked at hostile content): the
    spreadsheets, and ``html`` standalone maps and PDFs that show ``pdf`` payloads."""
    shown: Counter[str] = Counter()
    defused = 0
    for f in checked:
        shown[f.kind] += f.shown
        defused += f.defused
    assert shown["csv"] >= 30 and shown["xlsx"] >= 30, shown
    assert shown["html"] >= html and shown["pdf"] >= pdf, shown  # pdf: payload markup as text
    assert defused >= 20  # text starting with a formula character reached the spreadsheets
