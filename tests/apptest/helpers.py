"""Running a page of the app under AppTest, the way every AppTest module does it."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

DEFAULT_PAGE = "app_pages/overview.py"


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


#: The password of every user the tests write (long enough for the users file's rule).
PASSWORD = "correct horse battery"
PAGE_FILE = re.compile(r'"(app_pages/[a-z_]+\.py)"')


def app_pages() -> list[str]:
    """Every page app.py declares, read from app.py itself (a new page is covered at once)."""
    return PAGE_FILE.findall((ROOT / "app.py").read_text(encoding="utf-8"))


def write_users(path: Path, users: dict[str, tuple[str, str | None]]) -> str:
    """A users file at ``path`` with ``users`` (username → (role, partner id)), all with
    :data:`PASSWORD`; its path as text (for ``COVERAGE_ATLAS_USERS``)."""
    from geodata.users.accounts import User, hash_password, write_user

    digest = hash_password(PASSWORD)
    for username, (role, partner) in users.items():
        write_user(path, User(username, username.title(), role, partner, None, digest))
    return str(path)


def run_as(
    username: str | None,
    page: str,
    query: dict[str, str] | None = None,
    *,
    strict: bool = True,
) -> AppTest | None:
    """Run ``page`` signed in as ``username`` (None: nobody signed in); ``None`` when the page
    is not in that user's navigation. ``strict``: no exception allowed on the page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    if username:
        at.session_state["_ca_user"] = username
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if strict:
        assert not at.exception, (username, page, [e.value for e in at.exception])
    if page != DEFAULT_PAGE:
        try:
            at.switch_page(page)
        except ValueError as exc:
            assert "Could not find a navigation page" in str(exc)
            return None
        at.run()
    if strict:
        assert not at.exception, (username, page, [e.value for e in at.exception])
    return at


#: Tehran's 22 districts given to four partners by district number.
TEHRAN_PARTNERS = {
    "P1": ("Relief Committee", range(1, 6)),
    "P2": ("Red Crescent", range(6, 12)),
    "P3": ("Welfare Organisation", range(12, 18)),
    "P4": ("Executive HQ", range(18, 23)),
}


def give_tehran_partners(path: Path) -> None:
    """Save a version of the Tehran workspace at ``path`` whose areas are given to the partners
    of :data:`TEHRAN_PARTNERS` by their district's number."""
    import pandas as pd

    from geodata.store.workspace import read_workspace, save_version

    areas = read_workspace(path)["areas"]
    number = pd.to_numeric(areas["district_id"], errors="coerce")
    partner = pd.Series(None, index=areas.index, dtype="object")
    for pid, (_, districts) in TEHRAN_PARTNERS.items():
        partner[number.isin(list(districts)).to_numpy()] = pid
    areas["partner_id"] = partner
    partners = pd.DataFrame(
        {
            "partner_id": list(TEHRAN_PARTNERS),
            "name": [name for name, _ in TEHRAN_PARTNERS.values()],
            "target_coverage": 1.0,
        }
    )
    save_version(
        path, {"areas": areas, "partners": partners}, message="partners by district", author="t"
    )
