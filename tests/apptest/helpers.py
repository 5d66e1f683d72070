"""Running a page of the app under AppTest, the way every AppTest module does it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

DEFAULT_PAGE = "pages/overview.py"


def run_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """Run ``app.py`` with the URL parameters ``query`` and show ``page``; no exception allowed."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != DEFAULT_PAGE:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def query(at: AppTest) -> dict[str, str]:
    """The URL parameters after the run, one value each."""
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
