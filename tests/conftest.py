"""Shared fixtures: workspaces (demo, Tehran), a real streamlit server, and Debian's Chromium.

Under ``CI=true`` the browser and real-data tests must run: a missing Chromium or ``../shared/data``
is a failure there, not a skip.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
SHARED_DATA = ROOT.parent / "shared" / "data"
RECIPES = ROOT / "tests" / "recipes"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = ROOT / "artifacts"

# Every test process shares one demo cache, so the demo workspace is generated once.
_CACHE = Path(tempfile.mkdtemp(prefix="coverage-atlas-tests-"))
os.environ["COVERAGE_ATLAS_CACHE"] = str(_CACHE)
os.environ.pop("COVERAGE_ATLAS_WORKSPACE", None)
# Tests want the real error on screen (deployments hide it: .streamlit/config.toml).
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"


def _scan_installed_components_once() -> None:
    """Streamlit's AppTest scans the metadata of every installed package for components on each
    new AppTest (about 0.1 s of CPU, an eighth of an AppTest file's time); what is installed does
    not change during a test session, so the scan is made once per process."""
    from functools import cache

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = cache(manifest_scanner.scan_component_manifests)


_scan_installed_components_once()


#: The longest test files, longest first (seconds each took in a suite run, in the comments;
#: ``-o junit_duration_report=total --junitxml`` gives them): the suite runs in two workers, one
#: file at a time each, and each worker is handed its next files a few tests ahead, so a long
#: file handed out near the end would keep one worker busy while the other waits. Every other
#: file follows, in its usual order (each under 13 s). ``scripts/test.sh`` passes
#: ``--no-loadscope-reorder``: pytest-xdist would otherwise hand out the files with the most
#: tests first, and the long files of one or two tests last.
LONG_FILES = (
    "tests/browser/test_languages.py",  # 123
    "tests/browser/test_data_page.py",  # 78
    "tests/hardening/test_escaping.py",  # 69
    "tests/apptest/test_authorization.py",  # 58
    "tests/hardening/test_cache_scope.py",  # 57
    "tests/browser/test_capacity_page.py",  # 53
    "tests/browser/test_page_settings.py",  # 52
    "tests/hardening/test_escaping_other_pages.py",  # 51
    "tests/browser/test_map_fit.py",  # 47
    "tests/browser/test_map_pages.py",  # 41
    "tests/browser/test_partners_page.py",  # 40
    "tests/browser/test_travel_time_pages.py",  # 39
    "tests/browser/test_outreach_page.py",  # 36
    "tests/browser/test_facility_layer.py",  # 33
    "tests/apptest/test_reading_pages.py",  # 33
    "tests/unit/test_reports.py",  # 28
    "tests/hardening/test_budgets.py",  # 28
    "tests/hardening/test_upload_budget.py",  # 27
    "tests/apptest/test_capacity_page.py",  # 26
    "tests/hardening/test_hostile_client.py",  # 24
    "tests/browser/test_cluster.py",  # 23
    "tests/hardening/test_secured_front.py",  # 22
    "tests/apptest/test_reconciliation.py",  # 21
    "tests/browser/test_secured_front.py",  # 21
    "tests/browser/test_infrastructure_page.py",  # 20
    "tests/browser/test_coverage_map_scale.py",  # 19
    "tests/apptest/test_solar_hijri_workspace.py",  # 19
    "tests/hardening/test_bad_inputs.py",  # 18
    "tests/browser/test_gap_page.py",  # 18
    "tests/apptest/test_outreach_page.py",  # 17
    "tests/browser/test_hostile_names.py",  # 16
    "tests/apptest/test_pages.py",  # 16
    "tests/browser/test_briefings_page.py",  # 15
    "tests/apptest/test_data_import_checks.py",  # 14
    "tests/hardening/test_config.py",  # 14
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long files first, everything else in its usual order (the same on every worker)."""
    rank = {name: i for i, name in enumerate(LONG_FILES)}

    def place(item: pytest.Item) -> int:
        path = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
        return rank.get(path, len(rank))

    items.sort(key=place)


def require(condition: bool, reason: str) -> None:
    """Skip when a prerequisite is missing, or fail under CI where everything must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_workspace() -> Path:
    from geodata.sources.workspaces import demo_workspace_path

    return demo_workspace_path()


def build_real_workspace(recipe: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace built from ``tests/recipes/<recipe>.toml`` (real data in ../shared/data)."""
    require(SHARED_DATA.is_dir(), f"real data not found at {SHARED_DATA}")
    from geodata.sources.recipe import build_workspace

    out = tmp_path_factory.mktemp(recipe) / f"{recipe}.gpkg"
    build_workspace(RECIPES / f"{recipe}.toml", out, author="tests")
    return out


@pytest.fixture(scope="session")
def tehran_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real_workspace("tehran", tmp_path_factory)


@pytest.fixture(scope="session")
def comoros_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real_workspace("comoros", tmp_path_factory)


@pytest.fixture(scope="session")
def iran_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real_workspace("iran_counties", tmp_path_factory)


def build_communes_workspace(demo: Path, out: Path) -> Path:
    """Communes straight under the province (Vietnam since 2025: no district level): three
    districts' areas of the demo with district_id and district_name dropped (and the district
    targets), titled by name."""
    from geodata.store.workspace import list_versions, read_workspace, save_version

    tables = read_workspace(demo, list_versions(demo)[-1].number)
    areas = tables["areas"]
    areas = areas[areas["district_id"].isin(["D01", "D02", "D03"])]
    ids = set(areas["area_id"])
    save_version(
        out,
        {
            "areas": areas.drop(columns=["district_id", "district_name"]),
            "facilities": tables["facilities"],
            "insured": tables["insured"][tables["insured"]["area_id"].isin(ids)],
            "partners": tables["partners"],
            "targets": tables["targets"][~tables["targets"]["scope"].str.match(r"D\d\d$")],
            "utilisation": tables["utilisation"],
        },
        message="communes of a province",
        summary={"title": "Tỉnh Mẫu"},
    )
    return out


@pytest.fixture(scope="session")
def communes_workspace(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_communes_workspace(
        demo_workspace, tmp_path_factory.mktemp("communes") / "communes.gpkg"
    )


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A private PostgreSQL + PostGIS server for this test session: the URL of its database.

    Missing PostgreSQL or PostGIS skips (fails under CI=true); stopped at the end of the session.
    """
    from tests.pg_cluster import Cluster, find_bindir

    bindir, reason = find_bindir()
    require(bindir is not None, reason)
    cluster = Cluster(bindir)
    yield cluster.url
    cluster.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the Streamlit server behind ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class LoggedProcess:
    """A server the tests start as a child process, its output in a temporary log file."""

    #: What the error messages call it.
    what = "the server"
    #: Seconds it has to stop on SIGTERM before it is killed.
    stop_seconds = 20.0

    def _start(self, command: list[str], env: dict[str, str], prefix: str) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def _wait(self, ready: Callable[[], T | None], timeout: float = 90) -> T:
        """The first answer of ``ready`` that is not ``None``, asked every 0.3 s; a RuntimeError
        with the log's end when the process exits or ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.what} exited: {self.output()[-3000:]}")
            found = ready()
            if found is not None:
                return found
            time.sleep(0.3)
        raise RuntimeError(f"{self.what} did not start: {self.output()[-3000:]}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=self.stop_seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()


class StreamlitServer(LoggedProcess):
    """``streamlit run app.py`` on a free localhost port, for one workspace."""

    what = "streamlit"
    stop_seconds = 15.0

    def __init__(self, workspace: Path | None, extra_env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        env = {**os.environ, **(extra_env or {})}
        if workspace is not None:
            env["COVERAGE_ATLAS_WORKSPACE"] = str(workspace)
        self._start(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            env,
            "streamlit-",
        )
        self._wait(lambda: True if healthy(self.url) else None)


@pytest.fixture(scope="session")
def demo_server(demo_workspace: Path) -> Iterator[StreamlitServer]:
    server = StreamlitServer(None)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tehran_server(tehran_workspace: Path) -> Iterator[StreamlitServer]:
    server = StreamlitServer(tehran_workspace)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield launched
        launched.close()


LOCAL_PREFIXES = (
    "http://localhost",
    "http://127.0.0.1",
    "ws://localhost",
    "ws://127.0.0.1",
    "data:",
    "blob:",
    "about:",
)


#: Every URL that does not start with one of :data:`LOCAL_PREFIXES`. The browser's driver
#: matches it, so only the requests leaving localhost reach the test process.
OUTSIDE = re.compile("^(?!" + "|".join(re.escape(p) for p in LOCAL_PREFIXES) + ")")


class GuardedPage:
    """A browser page that blocks, and remembers, every request leaving localhost; in a context
    of its own, or in a :class:`SharedContext` (a new page of it)."""

    def __init__(
        self,
        browser,
        width: int = 1400,
        height: int = 1000,
        shared: SharedContext | None = None,
    ) -> None:
        self.shared = shared
        self.outside: list[str] = []
        self.errors: list[str] = []
        if shared is None:
            self.context = browser.new_context(viewport={"width": width, "height": height})
            self.context.route(OUTSIDE, self._route)
        else:
            self.context = shared.context
            shared.guarded = self
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.origins: set[str] = set()
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        parts = urlsplit(frame.url)
        if parts.scheme in ("http", "https"):
            self.origins.add(f"{parts.scheme}://{parts.netloc}")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        if self.shared is None:
            self.context.close()
            return
        # The next test's page starts as in a new context: nothing stored by the pages this one
        # opened (Streamlit keeps the sidebar's state and the theme in localStorage) and no
        # cookie of any site (clear_cookies); only the browser's cache of the servers' files.
        if not self.page.is_closed():
            session = self.context.new_cdp_session(self.page)
            for origin in sorted(self.origins):
                session.send(
                    "Storage.clearDataForOrigin",
                    {"origin": origin, "storageTypes": "local_storage,indexeddb"},
                )
            session.detach()
            self.page.close()
        self.context.clear_cookies()
        self.shared.guarded = None


class SharedContext:
    """One browser context for the tests' pages, each test a new page of it
    (:func:`guarded_page`): a page opened in a new context fetches and compiles the app's
    scripts again, about 0.6 s of CPU each time. Its requests leaving localhost are blocked,
    and remembered by the page of the test that runs."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.guarded: GuardedPage | None = None
        self.context.route(OUTSIDE, self._route)

    def _route(self, route) -> None:
        if self.guarded is None:
            route.abort()
        else:
            self.guarded._route(route)


@pytest.fixture(scope="session")
def shared_context(browser) -> Iterator[SharedContext]:
    shared = SharedContext(browser)
    yield shared
    shared.context.close()


@pytest.fixture
def guarded_page(browser, shared_context) -> Iterator[GuardedPage]:
    guarded = GuardedPage(browser, shared=shared_context)
    yield guarded
    guarded.close()
    assert guarded.outside == [], f"requests left localhost: {guarded.outside[:5]}"


def screenshot_path(name: str) -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"
