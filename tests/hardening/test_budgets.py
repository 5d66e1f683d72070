"""Budgets for large but valid inputs, and the smaller gates of issue #18.

A layer of candidate sites is uploaded only by the roles that may change data, read in the upload
sandbox with caps on its rows and vertices (the app gets a name and a point per site back, never
the shapes), and a siting run beyond candidates × areas is refused with a message in the page's
language. The sandbox starts without the app's secrets and reads only so many files at once; a
zip that inflates far beyond its size is refused before it is inflated; the briefing PDF reads no
local file but its fonts and the project's assets; an OIDC account is matched on a verified e-mail
only; an upload's temporary copy goes when the file is removed, when the session ends, and when it
is stale.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata.tables.problems import DataError
from render.format import fmt_int
from render.i18n import translate
from tests.apptest.conftest import on_demo  # noqa: F401 (fixture)
from tests.apptest.helpers import run_as, write_users
from tests.conftest import ROOT, require

INFRA = "app_pages/infrastructure.py"
UPLOAD_LABEL = translate("access.siting.candidates_upload", "en")


@pytest.fixture
def users(on_demo, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv(
        "COVERAGE_ATLAS_USERS",
        write_users(
            tmp_path / "users.toml",
            {
                "pia": ("partner", "P2"),
                "mona": ("manager", None),
                "paul": ("planner", None),
            },
        ),
    )
    return on_demo


def _points_layer(n: int) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"Lot {i}"},
            "geometry": {"type": "Point", "coordinates": [51.2 + i * 1e-5, 35.6 + i * 1e-5]},
        }
        for i in range(n)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _polygons_layer(n: int, vertices: int) -> bytes:
    """``n`` polygons of ``vertices`` corners each (the shape of a parcel layer)."""
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    ring = np.c_[np.cos(angles), np.sin(angles)] * 0.001
    features = []
    for i in range(n):
        coords = (ring + [51.2 + (i % 100) * 0.005, 35.6 + (i // 100) * 0.005]).round(6).tolist()
        features.append(
            {
                "type": "Feature",
                "properties": {"name": f"Parcel {i}"},
                "geometry": {"type": "Polygon", "coordinates": [[*coords, coords[0]]]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


# --- who may upload a layer -----------------------------------------------------------------


@pytest.mark.parametrize("username", ["pia", "mona"])
def test_partners_and_managers_get_no_candidate_upload(users, username):
    at = run_as(username, INFRA, {"candidates": "upload", "plan": "1"})
    assert at is not None
    assert UPLOAD_LABEL not in at.selectbox(key="url_candidates").options
    assert not at.get("file_uploader")
    assert at.selectbox(key="url_candidates").value == "areas"  # the link's choice is not theirs


def test_a_planner_may_upload_a_candidate_layer(users):
    at = run_as("paul", INFRA, {"candidates": "upload"})
    assert UPLOAD_LABEL in at.selectbox(key="url_candidates").options
    assert at.get("file_uploader")


# --- caps on the layer and on the run ---------------------------------------------------------


def test_a_large_valid_layer_is_refused_in_the_sandbox_and_the_app_stays_small(on_demo):  # noqa: F811
    from ui.access.data import candidate_layer

    many = _points_layer(5_001)  # one more than a layer may hold
    with pytest.raises(DataError) as refused:
        candidate_layer.__wrapped__("lots.geojson", many)
    assert refused.value.code == "too_many_sites"
    assert refused.value.params["limit"] == "5000"

    # About 28 MB of parcels: 1,500 polygons of 800 corners (1.2 million vertices; at most one
    # million are read).
    parcels = _polygons_layer(1_500, 800)
    assert len(parcels) > 15_000_000
    from benchmarks.budget_attacks import measure

    cost = measure(lambda: candidate_layer.__wrapped__("parcels.geojson", parcels))
    assert cost["refused"] == "too_many_vertices", cost
    assert cost["rss_rise_mb"] < 120, cost  # the app's memory while the layer was read
    assert cost["health_checks"] and cost["health_max_s"] < 1.0, cost  # the GIL stayed free

    # Within the caps: a name and a point per site, and nothing else reaches the app.
    fine = candidate_layer.__wrapped__("parcels.geojson", _polygons_layer(300, 800))
    assert list(fine.columns) == ["name", "geometry"] and len(fine) == 300
    assert fine.geom_type.eq("Point").all() and fine.crs.to_epsg() == 4326


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_a_siting_run_beyond_the_cap_is_refused_with_a_message(on_demo, monkeypatch, lang):  # noqa: F811
    from ui.access import data as access_data

    monkeypatch.setattr(access_data, "SITING_MAX_PAIRS", 1_000)
    access_data.sites.clear()
    at = run_as(None, INFRA, {"plan": "1", "lang": lang})
    access_data.sites.clear()
    shown = " ".join(e.value for e in at.error)
    template = translate("upload.siting_too_large", lang, sites="{}", areas="{}", limit="{}")
    assert max(template.split("{}"), key=len).strip() in shown, shown
    assert translate("access.siting.quality", lang) not in [m.label for m in at.metric]


# --- the sandbox: no secrets, a limit on parallel reads ---------------------------------------


def test_the_reading_processes_start_without_the_apps_secrets(monkeypatch):
    from geodata.uploads import sandbox

    secrets = {
        "PGPASSWORD": "hunter2-db",
        "PGUSER": "atlas",
        "COVERAGE_ATLAS_WORKSPACE": "postgresql://atlas:hunter2-url@db/atlas",
        "COVERAGE_ATLAS_COOKIE_SECRET": "hunter2-cookie",
        "AWS_SECRET_ACCESS_KEY": "hunter2-aws",
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    server = sandbox._ForkServer()
    try:
        process = server._start()
        # /proc may answer with nothing for an instant while the new process is set up (one
        # run on a loaded machine read ''): read until it answers, the process still running
        deadline, environ = time.monotonic() + 10, ""
        while not environ and time.monotonic() < deadline:
            assert process.poll() is None, "the reading process ended at its start"
            environ = Path(f"/proc/{process.pid}/environ").read_bytes().decode(errors="replace")
            time.sleep(0 if environ else 0.05)
    finally:
        server._process = process
        server.stop()
    assert "hunter2" not in environ
    assert not any(v.split("=")[0] in secrets for v in environ.split("\0") if v)
    assert "PATH=" in environ


def test_reads_beyond_the_parallel_limit_wait_their_turn(monkeypatch, tmp_path):
    from geodata.uploads import sandbox
    from geodata.uploads.reading import discard_upload, save_upload

    monkeypatch.setenv("COVERAGE_ATLAS_PARALLEL_READS", "1")
    path = save_upload(b"id,name\n1,a\n", "t.csv")
    from geodata.uploads.limits import limits_from_env

    limits = limits_from_env().with_(timeout_s=1.0)
    try:
        with sandbox._ReadSlot("other.csv", 5):  # another read holds the only slot
            started = time.monotonic()
            with pytest.raises(DataError) as busy:
                sandbox.read_upload_isolated(path, name="t.csv", limits=limits)
            assert busy.value.code == "busy" and time.monotonic() - started < 5
        assert len(sandbox.read_upload_isolated(path, name="t.csv", limits=limits).frame) == 1
    finally:
        discard_upload(path)


# --- zip bomb ----------------------------------------------------------------------------------


def test_many_small_entries_that_inflate_900_mb_are_refused_before_inflating(tmp_path):
    from geodata.uploads.limits import check_archive, limits_from_env

    bomb = tmp_path / "areas.zip"
    block = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for i in range(900):
            archive.writestr(f"part-{i:03d}.txt", block)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    started = time.process_time()
    with pytest.raises(DataError) as refused:
        check_archive(bomb, "areas.zip", limits_from_env())
    assert refused.value.code == "archive_ratio_total"
    assert time.process_time() - started < 0.5  # nothing was inflated
    # A normal zipped layer still passes.
    normal = tmp_path / "ok.zip"
    with zipfile.ZipFile(normal, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sites.geojson", _points_layer(2_000))
    check_archive(normal, "ok.zip", limits_from_env())


# --- the PDF renderer reads only its own files -------------------------------------------------


def test_the_pdf_renderer_reads_no_other_local_file_and_no_url(tmp_path):
    from reports.fonts import arabic_font, latin_font
    from reports.pdf import _local_only

    secret = tmp_path / "users.toml"
    secret.write_text("password_hash = 'x'")
    fetcher = _local_only()
    for url in (secret.as_uri(), "file:///etc/passwd", "http://127.0.0.1:9/x", "https://x.org"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    for font in (latin_font(), arabic_font(bold=True)):
        fetcher.fetch(font.as_uri())  # the embedded fonts still load
    fetcher.fetch("data:text/plain,ok")


def test_a_briefing_pdf_embeds_no_local_file(tmp_path):
    from tests.hardening.downloads import have_pdftotext, pdf_text

    require(have_pdftotext(), "pdftotext not installed")
    from weasyprint import HTML

    from reports.pdf import _local_only

    style = tmp_path / "leak.css"
    style.write_text("body::after { content: 'LEAKED-FILE' }")
    document = f'<html><head><link rel="stylesheet" href="{style.as_uri()}"></head><body>x</body>'
    pdf = HTML(string=document, url_fetcher=_local_only()).write_pdf()
    text = pdf_text(pdf)
    assert "x" in text and "LEAKED" not in text


# --- OIDC: a verified e-mail only ---------------------------------------------------------------

OIDC_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a long random cookie secret for tests",
        "client_id": "atlas",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}


@pytest.mark.parametrize("verified", [False, None, "false"])
def test_an_oidc_account_with_an_unverified_email_gets_nothing(
    on_demo,  # noqa: F811
    tmp_path,
    monkeypatch,
    verified,
):
    from geodata.users.accounts import User, write_user

    users = tmp_path / "users.toml"
    write_user(users, User("oidc-ana", "Ana", "admin", None, "ana@example.org", None))
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", str(users))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(OIDC_SECRETS)
    claims: dict[str, object] = {"is_logged_in": True, "email": "ana@example.org"}
    if verified is not None:
        claims["email_verified"] = verified
    at.user = claims
    at.run()
    assert not at.exception
    assert at.title[0].value == translate("auth.title", "en")
    assert not at.metric and not at.dataframe


def test_oidc_claims_match_only_a_verified_email(tmp_path):
    from geodata.users.accounts import User, read_users, write_user
    from ui.auth import match_oidc_claims

    path = tmp_path / "users.toml"
    write_user(path, User("oidc-ana", "Ana", "admin", None, "ana@example.org", None))
    users = read_users(path)
    assert match_oidc_claims(users, {"email": "ANA@example.org", "email_verified": True})
    assert match_oidc_claims(users, {"email": "ana@example.org"}) is None
    assert match_oidc_claims(users, {"email": "ana@example.org", "email_verified": 0}) is None


# --- temporary copies of uploads ---------------------------------------------------------------


def test_stale_upload_folders_are_swept_and_fresh_ones_kept(tmp_path):
    from geodata.uploads.sandbox import sweep_stale_uploads

    old = tmp_path / "ca-upload-old"
    old.mkdir()
    (old / "people.csv").write_text("id,lat,lon\n")
    day_ago = time.time() - 24 * 3600
    os.utime(old, (day_ago, day_ago))
    fresh = tmp_path / "ca-upload-fresh"
    fresh.mkdir()
    other = tmp_path / "someone-else"
    other.mkdir()
    os.utime(other, (day_ago, day_ago))
    assert sweep_stale_uploads(tmp_path) == 1
    assert not old.exists() and fresh.exists() and other.exists()


def _read_and_keep(script_state: dict) -> None:  # pragma: no cover — runs inside AppTest
    import streamlit as st

    from ui.admin import upload as data_upload

    class File:
        name = "people.csv"
        file_id = "people-1"

        def getvalue(self) -> bytes:
            return b"id,lat,lon\n1,35.7,51.4\n2,35.71,51.41\n"

    upload = data_upload.read_files(None, [File()], "", "insured_points")
    st.write(str(upload.path))
    if st.session_state.get("remove"):
        data_upload.release_upload()


def test_a_removed_file_and_an_ended_session_leave_no_copy():
    at = AppTest.from_function(_read_and_keep, args=({},), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    first = Path(at.markdown[0].value)
    assert first.exists()
    at.session_state["remove"] = True
    at.run()
    assert not first.exists()  # the person removed the file: its copy went

    at = AppTest.from_function(_read_and_keep, args=({},), default_timeout=60)
    at.run()
    second = Path(at.markdown[0].value)
    assert second.exists()
    del at  # the session ends: its state goes, and the copy with it
    gc.collect()
    assert not second.exists()


# --- a real server: the health endpoint while a large layer is read ------------------------------


async def _infrastructure_run(ws, widgets=()) -> dict:
    """One run of Infrastructure needs (siting on, uploaded candidates) over the websocket."""
    import asyncio

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = "candidates=upload&plan=1"
    msg.rerun_script.page_name = "infrastructure"
    msg.rerun_script.widget_states.widgets.extend(widgets)
    await ws.send(msg.SerializeToString())
    seen: dict = {"alerts": [], "uploader": None, "session": None}
    finished = False
    while True:
        fwd = ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=120))
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            seen["session"] = fwd.new_session.initialize.session_id
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            element = fwd.delta.new_element
            which = element.WhichOneof("type")
            if which == "file_uploader":
                seen["uploader"] = element.file_uploader.id
            elif which == "alert":
                seen["alerts"].append(element.alert.body)
        elif kind == "script_finished":
            finished = fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        elif kind == "session_status_changed" and finished:
            if not fwd.session_status_changed.script_is_running:
                return seen


def test_a_real_server_answers_its_health_check_while_a_large_layer_is_read(tmp_path):
    """A planner (the local public role) uploads 28 MB of parcels through Streamlit's own upload
    endpoint and websocket; the health endpoint is asked every 50 ms meanwhile."""
    import urllib.request

    import requests
    import websockets
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    from tests.asyncrun import run_async
    from tests.hardening.test_hostile_client import GuardedServer

    server = GuardedServer(tmp_path, None)
    layer = _polygons_layer(1_500, 800)

    def rss_mb() -> float:
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        return int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) / 1024

    async def attack() -> tuple[dict, list[float], float, float]:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{server.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=server.url,
            max_size=None,
        )
        first = await _infrastructure_run(ws)
        assert first["uploader"] and first["session"], first
        http = requests.Session()
        http.get(f"{server.url}/_stcore/health", timeout=10)
        url = f"/_stcore/upload_file/{first['session']}/parcels"
        sent = http.put(
            server.url + url,
            files={"file": ("parcels.geojson", layer, "application/geo+json")},
            headers={
                "X-Xsrftoken": http.cookies.get("_streamlit_xsrf") or "",
                "Origin": server.url,
            },
            timeout=60,
        )
        assert sent.status_code == 204, sent.status_code
        state = WidgetState(id=first["uploader"])
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = "parcels", "parcels.geojson", len(layer)
        info.file_urls.upload_url = info.file_urls.delete_url = url
        before, peak, latencies, done = rss_mb(), [0.0], [], threading.Event()

        def poll() -> None:
            while not done.is_set():
                asked = time.perf_counter()
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=30) as r:
                    r.read()
                latencies.append(time.perf_counter() - asked)
                peak[0] = max(peak[0], rss_mb())
                time.sleep(0.05)

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            second = await _infrastructure_run(ws, [state])
        finally:
            done.set()
            poller.join()
            await ws.close()
        return second, latencies, before, peak[0]

    try:
        second, latencies, before, peak = run_async(attack())
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)
    assert any("1000000" in a and "parcels" in a for a in second["alerts"]), second["alerts"]
    assert len(latencies) >= 10 and max(latencies) < 1.0, latencies
    assert peak - before < 150, (before, peak)  # MB the server held more while it was read


# --- what-ifs on the Capacity page: a budget like the siting run's ------------------------------


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_a_what_if_beyond_its_budget_is_refused_before_anything_is_measured(
    on_demo,  # noqa: F811
    monkeypatch,
    lang,
):
    """A what-if of more added sites than a what-if may hold (as a hostile client can make it,
    one press at a time) is refused with a message in the reader's language, and neither the
    what-if nor the comparison of scenarios is evaluated in the dashboard's process."""
    from analytics import whatif
    from analytics.scenarios import Change
    from ui.capacity import budget

    n = budget.WHATIF_MAX_CHANGES + 1
    sites = [
        Change("new_site", f"X-{i}", facility_type="clinic", lon=51.3 + i * 1e-5, lat=35.7)
        for i in range(n)
    ]
    measured: list[str] = []
    for name in ("run_scenario", "compare_scenarios"):  # the network as it is still counts
        real = getattr(whatif, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            measured.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(whatif, name, counting)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["cap_changes"] = sites
    at.run()
    at.switch_page("app_pages/capacity.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(e.value for e in at.error)
    template = translate("capacity.whatif.whatif_too_many_changes", lang, n="{}", limit="{}")
    assert all(part.strip() in shown for part in template.split("{}")), shown
    assert fmt_int(n, lang) in shown and fmt_int(budget.WHATIF_MAX_CHANGES, lang) in shown
    assert measured == [], measured


def test_added_sites_times_areas_beyond_the_budget_are_refused():
    from ui.capacity import budget

    budget.check_whatif(budget.WHATIF_MAX_CHANGES, 50, budget.WHATIF_MAX_PAIRS // 50)
    with pytest.raises(DataError) as refused:
        budget.check_whatif(100, 51, budget.WHATIF_MAX_PAIRS // 50)
    assert refused.value.code == "whatif_too_large" and refused.value.params["sites"] == 51
    with pytest.raises(DataError) as refused:
        budget.check_whatif(budget.WHATIF_MAX_CHANGES + 1, 0, 10)
    assert refused.value.code == "whatif_too_many_changes"
