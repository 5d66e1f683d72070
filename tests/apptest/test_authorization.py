"""Authorisation matrix: every role × every page × every export, for two partners.

A partner must never receive a row of another partner's areas. The check is on what the server
sends, not on what is visible: every element of the run (its protobuf message, which holds the
map component's arguments, chart specs, widget options and texts), every dataframe's rows, and
every file offered for download (including downloads produced on click) are searched for the ids
and names of areas that are not the partner's own. Files are read the way their reader would:
workbooks (and any zip) part by part, PDFs through ``pdftotext``; raw bytes would hide a name in
a compressed part. Each page is opened in its default state and in the states listed in
:data:`PAGE_VARIANTS` (other sections, work lists, an area's details, a made briefing), so every
export a page can offer is produced.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geodata.store.workspace import latest_version, list_versions, read_workspace, restore_version
from geodata.users.accounts import User, write_user
from render.i18n import translate
from tests.apptest.helpers import PASSWORD, app_pages, give_tehran_partners, run_as, write_users
from tests.conftest import ROOT, require
from tests.hardening.downloads import have_pdftotext, pdf_text

USERS = {
    "admin": ("admin", None),
    "planner": ("planner", None),
    "manager": ("manager", None),
    "relief": ("partner", "P1"),
    "crescent": ("partner", "P2"),
}
#: Stands, in :data:`PAGE_VARIANTS`, for one of the signed-in partner's own areas.
OWN_AREA = "{own_area}"
#: The states each page is opened in: URL settings, and the key of a button to press once the
#: page has run (None: none). A page not listed is opened in its default state only.
PAGE_VARIANTS: dict[str, list[tuple[dict[str, str], str | None]]] = {
    # The plan and its proposals: a superset of the default state.
    "app_pages/infrastructure.py": [({"plan": "1", "k": "2"}, None)],
    "app_pages/coverage_map.py": [
        ({}, None),
        # One area's details: its figures, the per-scheme table (CSV, XLSX), its trend.
        ({"level": "area", "area": OWN_AREA}, None),
    ],
    "app_pages/outreach.py": [
        ({}, None),  # the desk plan and its work list
        ({"list": "villages", "view": "villages"}, None),
        ({"list": "all", "view": "sessions"}, None),
        ({"list": "area"}, None),
    ],
    "app_pages/briefings.py": [
        ({}, "br_make"),  # the briefing PDF, made on the button
        ({"section": "map"}, None),  # PNG, HTML, GeoJSON, GeoPackage, the table (CSV, XLSX)
        ({"section": "compare"}, None),
        ({"section": "present"}, None),
    ],
}


def variants(page: str, own_area: str) -> list[tuple[dict[str, str], str | None]]:
    """:data:`PAGE_VARIANTS` of ``page`` with :data:`OWN_AREA` filled in."""
    return [
        ({k: own_area if v == OWN_AREA else v for k, v in query.items()}, button)
        for query, button in PAGE_VARIANTS.get(page, [({}, None)])
    ]


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> str:
    return write_users(tmp_path_factory.mktemp("users") / "users.toml", USERS)


@pytest.fixture
def signed_in(on_demo, users_file, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users_file)
    return on_demo


@pytest.fixture
def downloads(monkeypatch) -> list[bytes]:
    """Everything the runs offer for download: files added, and deferred ones produced."""
    offered: list[bytes] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, *args, **kwargs):
        if isinstance(path_or_data, bytes | bytearray):
            offered.append(bytes(path_or_data))
        elif isinstance(path_or_data, str):
            offered.append(path_or_data.encode("utf-8"))
        return add(self, path_or_data, *args, **kwargs)

    def record_deferred(self, callable_, *args, **kwargs):
        produced = callable_()
        offered.append(produced if isinstance(produced, bytes) else str(produced).encode())
        return add_deferred(self, callable_, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return offered


def sent(at: AppTest) -> str:
    """Everything the run sent for display, as text."""
    parts: list[str] = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
            # Protobuf text escapes non-ASCII; keep readable copies of the string fields.
            parts.extend(str(v) for _, v in proto.ListFields() if isinstance(v, str))
        if getattr(node, "type", None) in {"arrow_data_frame", "dataframe"}:
            parts.append(node.value.to_csv())
    return "\n".join(parts)


def forbidden_tokens(partner: str) -> tuple[set[str], set[str]]:
    """Ids and names of the demo areas that are not ``partner``'s."""
    from geodata.sources.workspaces import demo_workspace_path

    tables = read_workspace(demo_workspace_path())
    areas, facilities = tables["areas"], tables["facilities"]
    own = areas["partner_id"].astype("string") == partner
    own = own.fillna(False).to_numpy()
    own_names = set(areas.loc[own, "name"].astype(str))
    facility_text = " ".join(facilities["name"].astype(str))
    others = areas.loc[~own]
    names = {
        n
        for n in others["name"].astype(str)
        if len(n) >= 8
        and n not in own_names
        and n not in facility_text
        and not any(n in mine for mine in own_names)
    }
    return set(others["area_id"].astype(str)), names


def readable(blob: bytes) -> str:
    """The text a reader of a downloaded file sees: every part of a zip (a workbook's XML,
    unescaped), the text of a PDF (lines joined), a PNG's text chunks (its pixels are compressed:
    their bytes are no text, and read as such they hold chance matches like "A117"), any other
    file as UTF-8."""
    if blob[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            parts = [archive.read(info).decode("utf-8", "replace") for info in archive.infolist()]
        return html.unescape("\n".join(parts))
    if blob[:5] == b"%PDF-":
        require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
        return re.sub(r"\s+", " ", pdf_text(blob))
    if blob[:8] == b"\x89PNG\r\n\x1a\n":
        with Image.open(io.BytesIO(blob)) as image:
            image.load()
            return "\n".join(f"{key}: {value}" for key, value in image.text.items())
    return blob.decode("utf-8", "replace")


def leaks(text: str | bytes, ids: set[str], names: set[str]) -> list[str]:
    """Ids and names of other partners' areas in ``text`` (a downloaded file: as its reader
    reads it, see :func:`readable`)."""
    if isinstance(text, bytes):
        text = readable(text)
    found = [n for n in names if n in text]
    found += sorted(set(re.findall(r"(?<![\w])A\d{3}(?![\w])", text)) & ids)
    return found


@pytest.mark.parametrize("username", ["relief", "crescent"])
def test_a_partner_receives_only_its_own_areas_on_every_page(signed_in, downloads, username):
    partner = USERS[username][1]
    ids, names = forbidden_tokens(partner)
    assert len(ids) > 200 and len(names) > 50  # the check has teeth
    own_area = own_areas(partner)[0]
    opened = []
    for page in app_pages():
        stem = page.removeprefix("app_pages/").removesuffix(".py")
        for query, button in variants(page, own_area):
            at = run_as(username, page, query)
            if stem == "data":  # not for partners: not in their navigation at all
                assert at is None
                break
            if button:
                at.button(key=button).click().run()
                assert not at.exception, (page, query, [e.value for e in at.exception])
            if query.get("area"):  # the area's details are shown, with its per-scheme table
                headers = [list(frame.value.columns) for frame in at.dataframe]
                assert any(translate("table.scheme", "en") in h for h in headers), headers
            opened.append((stem, tuple(query.items()), button))
            found = leaks(sent(at), ids, names)
            assert not found, (page, query, button, found[:10])
    kinds = {blob[:4] for blob in downloads}
    # The variants produced what they are there for: the briefing PDF, workbooks.
    assert {b"%PDF", b"PK\x03\x04"} <= kinds, kinds
    for blob in downloads:
        found = leaks(blob, ids, names)
        assert not found, ("download", blob[:40], found[:10])
    assert {"overview", "coverage_map", "partners"} <= {stem for stem, _, _ in opened}


def own_areas(partner: str) -> list[str]:
    """The ids of ``partner``'s demo areas, sorted."""
    from geodata.sources.workspaces import demo_workspace_path

    areas = read_workspace(demo_workspace_path())["areas"]
    own = (areas["partner_id"].astype("string") == partner).fillna(False).to_numpy()
    return sorted(areas.loc[own, "area_id"].astype(str))


def test_a_partner_without_areas_is_told_so_on_every_page(signed_in, tmp_path, monkeypatch):
    """A partner user whose organisation has no areas in the workspace gets a clear message on
    every page it may open: no traceback, no empty figures, no "no responsible partners"."""
    users = write_users(tmp_path / "users.toml", {"nobody": ("partner", "P9")})
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users)
    told = translate("auth.partner_no_areas", "en", partner="P9")
    for page in app_pages():
        at = run_as("nobody", page)  # no exception allowed
        if page == "app_pages/data.py":
            assert at is None
            continue
        assert [w.value for w in at.warning] == [told], page
        assert not at.metric and not at.dataframe, page
        texts = [i.value for i in at.info] + [c.value for c in at.caption]
        assert not any(translate("partners.no_partners", "en") in t for t in texts), page


def test_the_partner_filter_really_filters(signed_in):
    """Control: the same search finds other partners' areas in a planner's view."""
    ids, names = forbidden_tokens("P1")
    at = run_as("planner", "app_pages/partners.py")
    assert leaks(sent(at), ids, names)


def test_the_download_check_reads_workbooks_and_pdfs(signed_in, downloads):
    """Control: the same check of downloads finds other partners' areas in a planner's work
    list (XLSX, zipped) and briefing PDF (compressed), where the raw bytes show none."""
    ids, names = forbidden_tokens("P1")
    run_as("planner", "app_pages/outreach.py", {"list": "all"})
    outreach = len(downloads)  # the work lists (and the field sheets, PDFs of their own)
    at = run_as("planner", "app_pages/briefings.py")
    at.button(key="br_make").click().run()
    assert not at.exception
    workbooks = [b for b in downloads[:outreach] if b[:4] == b"PK\x03\x04"]
    pdfs = [b for b in downloads[outreach:] if b[:5] == b"%PDF-"]
    assert workbooks and len(pdfs) == 1
    for blob in [*workbooks, pdfs[0]]:
        raw = blob.decode("utf-8", "replace")
        assert not [n for n in names if n in raw]  # compressed: a byte search finds nothing
    assert any(leaks(b, ids, names) for b in workbooks)
    assert leaks(pdfs[0], ids, names)


@pytest.mark.parametrize("username", ["admin", "planner", "manager", "relief", "crescent"])
def test_every_role_opens_the_pages_it_may_and_no_other(signed_in, username):
    role = USERS[username][0]
    for page in app_pages():
        at = run_as(username, page)
        if page == "app_pages/data.py":
            assert (at is not None) == (role in {"admin", "planner"})
            if at is None:
                continue
            assert translate("data.title", "en") in [t.value for t in at.title]
        assert [t.value for t in at.title], (username, page)
        signed = [c.value for c in at.sidebar.caption]
        assert any(username.title() in c for c in signed)


@pytest.mark.parametrize(("username", "allowed"), [("planner", True), ("manager", False)])
def test_only_planners_get_the_reassignment_form(signed_in, username, allowed):
    at = run_as(username, "app_pages/partners.py")
    has_form = any(b.label == translate("partners.reassign_button", "en") for b in at.button)
    assert has_form == allowed


def test_signing_in_with_the_password_and_out_again(signed_in):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert at.title[0].value == translate("auth.title", "en")
    assert not at.metric  # nothing of the workspace before sign-in
    at.text_input[0].input("crescent")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert any(translate("auth.wrong", "en") in e.value for e in at.error)
    at.text_input[0].input("crescent")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == translate("overview.title", "en")
    assert any("Crescent" in i.value for i in at.info)
    at.sidebar.button(key="sign_out").click().run()
    assert at.title[0].value == translate("auth.title", "en")


def test_many_wrong_passwords_lock_the_form(signed_in):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    for _ in range(5):
        at.text_input[0].input("admin")
        at.text_input[1].input("guess")
        at.button[0].click().run()
    at.text_input[0].input("admin")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == translate("auth.title", "en")
    assert at.warning
    # The failures are kept per user name on the server: a new session is locked out too...
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    again.run()
    again.text_input[0].input("Admin ")  # the same name, however it is typed
    again.text_input[1].input(PASSWORD)
    again.button[0].click().run()
    assert again.title[0].value == translate("auth.title", "en")
    assert again.warning and not again.metric
    # ...while another user name still signs in there.
    again.text_input[0].input("planner")
    again.text_input[1].input(PASSWORD)
    again.button[0].click().run()
    assert not again.exception
    assert again.title[0].value == translate("overview.title", "en")
    from ui.auth import sign_in_limits

    sign_in_limits().clear("admin")  # the store outlives the test: leave no lock behind


def test_a_reassignment_is_a_new_version_that_can_be_undone(signed_in, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "ws.gpkg"
    shutil.copy(signed_in, copy)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(copy))
    before = latest_version(copy)
    areas = read_workspace(copy)["areas"]
    moved = areas.loc[areas["partner_id"] == "P1", "area_id"].astype(str).tolist()[:3]
    at = run_as("planner", "app_pages/partners.py")
    at.multiselect(key="pt_reassign_areas").set_value(moved)
    at.selectbox(key="pt_reassign_to").set_value("P2")
    next(b for b in at.button if b.label == translate("partners.reassign_button", "en")).click()
    at.run()
    assert not at.exception
    assert latest_version(copy) == before + 1
    newest = list_versions(copy)[-1]
    assert newest.author == "Planner" and newest.created_at
    after = read_workspace(copy)["areas"].set_index("area_id")["partner_id"]
    assert (after.loc[moved] == "P2").all()
    old = read_workspace(copy, before)["areas"].set_index("area_id")["partner_id"]
    assert (old.loc[moved] == "P1").all()  # the previous version is still there
    restore_version(copy, before, author="test")
    again = read_workspace(copy)["areas"].set_index("area_id")["partner_id"]
    assert (again.loc[moved] == "P1").all()


@pytest.fixture(scope="module")
def tehran_with_partners(tehran_workspace, tmp_path_factory) -> str:
    """The Tehran workspace with a partner assignment built from the district numbers."""
    import shutil

    path = tmp_path_factory.mktemp("tehran-partners") / "tehran.gpkg"
    shutil.copy(tehran_workspace, path)
    give_tehran_partners(path)
    return str(path)


@pytest.mark.realdata
def test_every_partner_view_works_on_tehran(tehran_with_partners, users_file, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", tehran_with_partners)
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users_file)
    tables = read_workspace(tehran_with_partners)
    areas = tables["areas"]
    # Facilities are public and often named after their neighbourhood (Jamaran hospital).
    facility_text = " ".join(tables["facilities"]["name"].astype(str))
    own = (areas["partner_id"] == "P2").fillna(False).to_numpy()
    assert 0 < own.sum() < len(areas)
    own_names = set(areas.loc[own, "name"].astype(str))
    others = {
        n
        for n in areas.loc[~own, "name"].astype(str)
        if len(n) >= 6 and n not in facility_text and not any(n in mine for mine in own_names)
    }
    for page in app_pages():
        at = run_as("crescent", page)
        if page == "app_pages/data.py":
            assert at is None
            continue
        text = sent(at)
        leaked = [n for n in others if n in text]
        assert not leaked, (page, leaked[:10])
    at = run_as("planner", "app_pages/partners.py")
    assert any(translate("partners.scorecards_title", "en") == s.value for s in at.subheader)
    scorecards = at.dataframe[0].value
    assert len(scorecards) == 4


OIDC_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a long random cookie secret for tests",
        "client_id": "atlas",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}


def test_an_oidc_sign_in_takes_the_role_of_its_email(signed_in, users_file):
    from geodata.users.accounts import read_users

    write_user(
        users_file,
        User("oidc-ana", "Ana", "partner", "P3", "ana@example.org", None),
    )
    assert read_users(users_file).by_email("ANA@example.org").partner_id == "P3"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(OIDC_SECRETS)
    at.user = {"is_logged_in": True, "email": "ana@example.org", "email_verified": True}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == translate("overview.title", "en")
    assert any("Ana" in c.value for c in at.sidebar.caption)
    ids, names = forbidden_tokens("P3")
    assert not leaks(sent(at), ids, names)


def test_an_oidc_account_not_in_the_users_file_gets_nothing(signed_in):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(OIDC_SECRETS)
    at.user = {"is_logged_in": True, "email": "stranger@example.org"}
    at.run()
    assert not at.exception
    assert at.title[0].value == translate("auth.title", "en")
    assert any(translate("auth.oidc_unknown", "en") in e.value for e in at.error)
    assert not at.metric and not at.dataframe


@pytest.mark.parametrize(
    ("address", "public_role", "data_page"),
    [
        ("127.0.0.1", None, True),  # this machine only (the default): a planner
        ("0.0.0.0", None, False),  # served to the network without users: read-only
        ("0.0.0.0", "planner", True),  # unless the operator says otherwise
    ],
)
def test_without_users_a_network_gets_a_read_only_dashboard(
    on_demo, monkeypatch, address, public_role, data_page
):
    from streamlit import config

    monkeypatch.delenv("COVERAGE_ATLAS_USERS", raising=False)
    if public_role:
        monkeypatch.setenv("COVERAGE_ATLAS_PUBLIC_ROLE", public_role)
    else:
        monkeypatch.delenv("COVERAGE_ATLAS_PUBLIC_ROLE", raising=False)
    before = config.get_option("server.address")
    config.set_option("server.address", address)
    try:
        at = run_as(None, "app_pages/data.py")
    finally:
        config.set_option("server.address", before)
    assert (at is not None) == data_page  # the Data page (imports, restores) is in the navigation


def test_the_quick_start_listens_on_this_machine_only(monkeypatch):
    import tomllib

    from streamlit import config

    from ui.auth import served_to_network

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["server"]["address"] == "127.0.0.1"
    assert '--server.address "${ADDRESS:-127.0.0.1}"' in (ROOT / "scripts" / "run.sh").read_text()
    before = config.get_option("server.address")
    try:
        for address, network in [
            ("127.0.0.1", False),
            ("localhost", False),
            ("::1", False),
            ("unix:///run/atlas.sock", False),
            ("0.0.0.0", True),
            ("", True),  # no address: every interface
            ("10.1.2.3", True),
        ]:
            config.set_option("server.address", address)
            assert served_to_network() is network, address
    finally:
        config.set_option("server.address", before)
