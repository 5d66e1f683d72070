"""No per-user data in shared caches.

Streamlit's caches are shared by every session of the server. A partner sees its own areas only,
so a cache entry made under a partner's scope must never hold another partner's rows, and an entry
made for a planner (the whole workspace) must never be handed to a partner. Two checks:

- **statically** (:mod:`tests.hardening.cache_scope`): every ``st.cache_data`` /
  ``st.cache_resource`` / ``functools.cache`` function of the project that reads workspace data is
  keyed on the session's source (``ctx.source``) and reads only through it, and every caller hands
  it ``ctx.source`` (the bare path only in pages closed to partners). The analysis is run on
  mutated copies of the real code too: it must catch a page that passes ``ctx.workspace``, a loader
  that drops its source parameter, a root that forgets the partner filter, a frame argument, a
  loader that reads the session, and a page's selection (the frozen record its sections read the
  source from) built, copied or made changeable with anything but ``ctx.source``;
- **at run time** (AppTest): every page is run as a planner, then as partner P1, then as partner
  P2, with every cached call recorded (its key, whether it was a hit, the value returned). No value
  a partner's session got holds an area (id or name) outside that partner's own, and no entry
  written under one scope is ever read under another. The same run with one loader keyed on the
  bare path (the source dropped) must fail both ways.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, fields, is_dataclass

import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.caching.cache_utils import CachedFunc, _make_value_key

from tests.apptest.helpers import app_pages, run_as, write_users
from tests.hardening.cache_scope import (
    NOT_READ_API,
    PRIMITIVE_MODULES,
    READ_API,
    SOURCE_PARAMS,
    analyse,
    mutated,
    project_sources,
)

# --------------------------------------------------------------------------- static


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return project_sources()


def test_every_cached_function_is_keyed_on_the_session_scope(sources) -> None:
    project = analyse(sources)
    assert [str(f) for f in project.findings] == []
    # The check looked at real code: the loaders, the root, the callers.
    cached = project.cached()
    assert len(cached) >= 40, [u.qualname for u in cached]
    assert project.roots == {"ui.data.tables"}
    assert project.checked_calls >= 150
    reading = [u for u in cached if u.qualname in project.readers]
    assert len(reading) >= 35
    for unit in reading:
        assert unit.first in SOURCE_PARAMS, unit.qualname
        # Filtered through the root, or unfiltered and used from pages closed to partners only.
        assert unit.qualname in project.restricted or unit.qualname in project.gated, unit.qualname
    assert project.gated >= {"app_pages.data.<module>"}


def test_the_workspace_modules_are_all_placed(sources) -> None:
    """Every public function of the workspace modules is known as a reader or not: a new one
    cannot slip past the analysis unnoticed."""
    project = analyse(sources)
    public = {
        u.qualname
        for u in project.units.values()
        if u.module in PRIMITIVE_MODULES
        and not u.is_module
        and u.qualname.count(".") == 2
        and not u.qualname.rsplit(".", 1)[-1].startswith("_")
    }
    placed = (
        READ_API
        | NOT_READ_API
        | {"geodata.store.postgis.parse_url", "geodata.store.postgis.safe_url"}
    )
    placed |= {"geodata.store.postgis.new_version"}
    assert public - placed == set()


def test_every_other_role_sees_the_whole_workspace_under_the_same_key() -> None:
    """Why ``ctx.workspace`` may key a loader on a page closed to partners: there it is the
    source."""
    from ui.context import Context
    from ui.scope import parse_source

    for role in ("admin", "planner", "manager"):
        ctx = Context("/w/ws.gpkg", 3, False, "en", "t", role=role, partner_id="P1")
        assert ctx.source == ctx.workspace
    partner = Context("/w/ws.gpkg", 3, False, "en", "t", role="partner", partner_id="P1")
    assert partner.source != partner.workspace
    assert parse_source(partner.source) == ("/w/ws.gpkg", "P1")


CHECKS_LOADER = '''def checks(source: Source, version: int) -> pd.DataFrame:
    """Areas whose responsible partner is missing, ambiguous or unknown."""
    loaded = data.tables(source, version)'''

#: Ways to break the scoping, each applied to a copy of the real code; each must be found.
MUTATIONS = {
    "a page passes the bare path": [
        (
            "app_pages/partners.py",
            "ws, ver = ctx.source, ctx.version",
            "ws, ver = ctx.workspace, ctx.version",
        ),
    ],
    "a loader drops its source parameter": [
        (
            "ui/partners/data.py",
            CHECKS_LOADER,
            CHECKS_LOADER.replace("source: Source, version", "version").replace(
                "data.tables(source", "data.tables(WORKSPACE"
            ),
        ),
    ],
    "a loader calls its source parameter workspace (the bare path's name)": [
        (
            "ui/partners/data.py",
            CHECKS_LOADER,
            CHECKS_LOADER.replace("source: Source", "workspace: str").replace(
                "data.tables(source", "data.tables(workspace"
            ),
        ),
    ],
    "a caller keys a loader on the path split off the source": [
        (
            "app_pages/partners.py",
            "cards = partner_data.scorecards(ws,",
            "cards = partner_data.scorecards(source_path(ws),",
        ),
    ],
    "the root forgets the partner filter": [
        ("ui/data.py", "loaded = restrict_to_partner(loaded, partner_id)", "pass"),
    ],
    "a cached function takes a frame": [
        (
            "ui/partners/data.py",
            "@st.cache_data(show_spinner=False, max_entries=8)\ndef checks(",
            "@st.cache_data\ndef count_rows(areas: pd.DataFrame) -> int:\n    return len(areas)\n\n\n"
            "@st.cache_data(show_spinner=False, max_entries=8)\ndef checks(",
        ),
    ],
    "a cached function reads the session": [
        (
            "ui/partners/data.py",
            CHECKS_LOADER,
            CHECKS_LOADER + '\n    loaded = st.session_state.get("tables", loaded)',
        ),
    ],
    # The pages' selections (frozen dataclasses the sections read the source from): the source a
    # section reads off one is the session's only if every construction puts it there.
    "a selection is built from the bare path": [
        ("ui/capacity/selection.py", "source=ctx.source,", "source=ctx.workspace,"),
    ],
    "a selection is copied with the bare path": [
        (
            "app_pages/capacity.py",
            "sel = selection(ctx, service=service, supply=supply, settings=settings, by=by)",
            "sel = selection(ctx, service=service, supply=supply, settings=settings, by=by)\n"
            "    import dataclasses\n"  # in the page's fragment
            "    sel = dataclasses.replace(sel, source=ctx.workspace)",
        ),
    ],
    "a selection that can be changed after it is built": [
        ("ui/capacity/selection.py", "@dataclass(frozen=True, eq=False)", "@dataclass(eq=False)"),
    ],
    "a section is handed a stand-in for the selection": [
        (
            "app_pages/capacity.py",
            "pending = whatif_section(ctx, sel,",
            "pending = whatif_section(ctx, SimpleNamespace(source=ctx.workspace, version=1),",
        ),
    ],
    "a selection's property hands out the bare path": [
        ("ui/gaps/selection.py", "return self.ctx.source", "return self.ctx.workspace"),
    ],
    "a selection is built from another context": [
        ("app_pages/gap_analysis.py", "    ctx=ctx,\n", '    ctx=replace(ctx, role="planner"),\n'),
    ],
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_static_check_finds_a_broken_scope(sources, mutation) -> None:
    project = analyse(mutated(sources, MUTATIONS[mutation]))
    assert project.findings, f"{mutation}: not found"


# --------------------------------------------------------------------------- at run time

USERS = {"planner": ("planner", None), "relief": ("partner", "P1"), "crescent": ("partner", "P2")}
#: Caches that hold no workspace data and are shared on purpose: the demo workspace's path, the
#: deployment's users file (read by sign-in only, keyed on its path and time). Failed sign-ins
#: are not in a cache at all (geodata.users.sign_ins: a client could empty a cache).
SHARED_BY_DESIGN = frozenset({"ui.workspace._demo_path", "ui.auth._users"})
AREA_ID = re.compile(r"(?<![\w])A\d{3}(?![\w])")


@dataclass
class CacheCall:
    """One call of a cached function in a session."""

    scope: str
    function: str
    key: str
    hit: bool
    value: object


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> str:
    return write_users(tmp_path_factory.mktemp("users") / "users.toml", USERS)


@pytest.fixture
def recorded(demo_workspace, users_file, monkeypatch):
    """Every cached call of the runs, with the scope (user) it was made under."""
    monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users_file)
    st.cache_data.clear()
    st.cache_resource.clear()
    calls: list[CacheCall] = []
    scope = ["?"]
    original = CachedFunc._get_or_create_cached_value

    def watched(self, func_args, func_kwargs, spinner_message=None):
        info = self._info
        cache = info.get_function_cache(self._function_key)
        key = _make_value_key(
            cache_type=info.cache_type,
            func=info.func,
            func_args=func_args,
            func_kwargs=func_kwargs,
            hash_funcs=info.hash_funcs,
        )
        try:
            cache.read_result(key)
            hit = True
        except Exception:  # noqa: BLE001 — not there (or unreadable): computed now
            hit = False
        value = original(self, func_args, func_kwargs, spinner_message)
        name = f"{info.func.__module__}.{info.func.__qualname__}"
        calls.append(CacheCall(scope[0], name, f"{self._function_key}:{key}", hit, value))
        return value

    monkeypatch.setattr(CachedFunc, "_get_or_create_cached_value", watched)
    yield calls, scope
    st.cache_data.clear()
    st.cache_resource.clear()


def texts(value: object, depth: int = 0) -> list[str]:
    """The text a cached value holds (tables as CSV, containers and result objects walked)."""
    if depth > 6 or value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes | bytearray):
        return [bytes(value).decode("utf-8", "replace")]
    if isinstance(value, pd.DataFrame):
        frame = value.drop(
            columns=getattr(value, "_geometry_column_name", None) or [], errors="ignore"
        )
        return [pd.DataFrame(frame).to_csv()]
    if isinstance(value, pd.Series | pd.Index):
        return [
            value.to_frame().to_csv() if isinstance(value, pd.Series) else " ".join(map(str, value))
        ]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in texts(k, depth + 1) + texts(v, depth + 1)]
    if isinstance(value, list | tuple | set | frozenset):
        return [t for item in value for t in texts(item, depth + 1)]
    if is_dataclass(value):
        return [t for f in fields(value) for t in texts(getattr(value, f.name), depth + 1)]
    if hasattr(value, "__dict__") and not callable(value):
        return [t for v in vars(value).values() for t in texts(v, depth + 1)]
    return []


def own_and_others(partner: str) -> tuple[set[str], set[str], set[str]]:
    """The partner's own area ids; the ids of every other area; the (distinctive) names of every
    other area and of every other partner (names, contacts)."""
    from geodata.sources.workspaces import demo_workspace_path
    from geodata.store.workspace import read_workspace
    from tests.apptest.test_authorization import forbidden_tokens

    ids, names = forbidden_tokens(partner)
    tables = read_workspace(demo_workspace_path())
    areas, partners = tables["areas"], tables["partners"]
    own = set(areas.loc[(areas["partner_id"] == partner).fillna(False).to_numpy(), "area_id"])
    others = partners[partners["partner_id"] != partner]
    for column in ("name", "name_fa", "name_vi", "contact"):
        names |= set(others[column].dropna().astype(str))
    return own, ids, names


def cross_scope(calls: list[CacheCall]) -> list[str]:
    """Entries read under another scope than the one they were written under."""
    writer: dict[str, str] = {}
    found = []
    for call in calls:
        if call.function in SHARED_BY_DESIGN:
            continue
        if not call.hit:
            writer.setdefault(call.key, call.scope)
        elif call.key in writer and writer[call.key] != call.scope:
            found.append(f"{call.function}: written for {writer[call.key]}, read by {call.scope}")
    return found


def foreign_areas(calls: list[CacheCall], username: str) -> tuple[list[str], int]:
    """Other partners' areas (ids, names) and other partners' names in what ``username``'s
    session got from the caches; and how many of its own area ids were seen (the search works)."""
    own, ids, names = own_and_others(USERS[username][1])
    found: list[str] = []
    own_seen: set[str] = set()
    for call in calls:
        if call.scope != username or call.function in SHARED_BY_DESIGN:
            continue
        for text in texts(call.value):
            hits = set(AREA_ID.findall(text))
            own_seen |= hits & own
            leaked = sorted(hits & ids)[:3] + [n for n in names if n in text][:3]
            if leaked:
                found.append(f"{call.function} ({'hit' if call.hit else 'computed'}): {leaked}")
    return found, len(own_seen)


def test_no_cache_entry_crosses_from_one_scope_to_another(recorded) -> None:
    calls, scope = recorded
    order = [("planner", p) for p in app_pages()]
    order += [("relief", p) for p in app_pages()]
    order += [("crescent", p) for p in app_pages()]
    order += [("relief", "app_pages/overview.py"), ("relief", "app_pages/coverage_map.py")]
    opened = defaultdict(list)
    for username, page in order:
        scope[0] = username
        if run_as(username, page) is not None:
            opened[username].append(page)
    assert "app_pages/data.py" in opened["planner"] and "app_pages/data.py" not in opened["relief"]
    # The caches were really used, by every session, with hits and misses.
    by_scope = defaultdict(list)
    for call in calls:
        by_scope[call.scope].append(call)
    for username in USERS:
        assert sum(c.hit for c in by_scope[username]) >= 10, username
        assert sum(not c.hit for c in by_scope[username]) >= 10, username
    planner_functions = {c.function for c in by_scope["planner"]}
    partner_functions = {c.function for u in ("relief", "crescent") for c in by_scope[u]}
    shared = (planner_functions & partner_functions) - SHARED_BY_DESIGN
    assert len(shared) >= 15, sorted(shared)  # a collision was possible for all of these

    assert cross_scope(calls) == []
    planner_keys = {c.key for c in by_scope["planner"]} - {
        c.key for c in calls if c.function in SHARED_BY_DESIGN
    }
    for username in ("relief", "crescent"):
        assert not planner_keys & {c.key for c in by_scope[username]}, username
        found, own_seen = foreign_areas(calls, username)
        assert found == [], (username, found[:10])
        assert own_seen >= 20, (username, own_seen)  # the search finds what is there


def test_a_loader_keyed_on_the_bare_path_is_caught(recorded, monkeypatch) -> None:
    """The run-time check has teeth: ``ui.data.area_coverage`` called with the path split off the
    source (as a page passing ``ctx.workspace`` would) shares the planner's entry with a partner,
    and the partner's own entries hold every area."""
    from ui import data
    from ui.scope import source_path

    calls, scope = recorded
    keyed = data.area_coverage

    def dropped(workspace, version, *args):
        return keyed(source_path(workspace), version, *args)

    monkeypatch.setattr(data, "area_coverage", dropped)
    for username in ("planner", "relief"):
        scope[0] = username
        for page in ("app_pages/overview.py", "app_pages/coverage_map.py"):
            run_as(username, page, strict=False)
    assert any("area_coverage" in f for f in cross_scope(calls))
    found, _ = foreign_areas(calls, "relief")
    assert any("area_coverage" in f for f in found)
