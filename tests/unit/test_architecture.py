"""The floors of the house, checked on every run (README "How it is built").

Floors, top to bottom: ``app.py`` → ``app_pages/`` → ``ui/`` → ``reports/`` → ``render/`` (the
Streamlit-free language, formats, maps and charts that the dashboard and the documents share) →
``traveltime/`` (the travel-time command line and per-workspace engines) → ``analytics/`` →
``geodata/``. A file imports its own floor or the floors below it, never one above; only ``app.py``,
``app_pages/`` and ``ui/`` import Streamlit; no two files import each other, directly or round a
circle (a function-local import counts: it only hides the circle); a page file stays within
:data:`PAGE_LINES` lines of code and any other file within :data:`FILE_LINES`; every package's
``__init__.py`` says what the package is for, so the tree alone tells a newcomer each folder's job.

The debt lists below are empty: a debt added there may not grow (a listed file may not get longer),
and a debt that is paid must leave the list (the test fails on a stale entry).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FLOORS = ("app", "app_pages", "ui", "reports", "render", "traveltime", "analytics", "geodata")
STREAMLIT_FLOORS = {"app", "app_pages", "ui"}
STREAMLIT_MODULES = {"streamlit", "streamlit_folium"}
PAGE_LINES = 150
FILE_LINES = 600

#: Imports against the floors that exist today (none: keep it that way).
UPWARD_DEBTS: set[tuple[str, str]] = set()

#: File circles that exist today (none: keep it that way).
CIRCLE_DEBTS: set[frozenset[str]] = set()

#: Files longer than their limit today, with the length they may not exceed (none: keep it so).
LENGTH_DEBTS: dict[str, int] = {}


def _source_files() -> dict[str, Path]:
    """Every module of the app's floors, by dotted name."""
    files = {"app": ROOT / "app.py"}
    for floor in FLOORS[1:]:
        for path in sorted((ROOT / floor).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    return files


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The app modules and Streamlit packages ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name in modules:
                found.add(name)
            elif name.split(".")[0] in STREAMLIT_MODULES:
                found.add(name.split(".")[0])
    return found


def _graph() -> dict[str, set[str]]:
    files = _source_files()
    modules = set(files)
    return {name: _imports(path, modules) - {name} for name, path in files.items()}


def _floor(module: str) -> str:
    return module.split(".")[0]


def _lines_of_code(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def _circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one file (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root] & graph.keys())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child] & graph.keys()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(frozenset(group))
    return found


def test_no_import_points_up_a_floor() -> None:
    rank = {floor: i for i, floor in enumerate(FLOORS)}
    upward = {
        (source, target)
        for source, targets in _graph().items()
        for target in targets
        if target not in STREAMLIT_MODULES and rank[_floor(target)] < rank[_floor(source)]
    }
    assert upward - UPWARD_DEBTS == set(), "imports against the floors"
    assert UPWARD_DEBTS - upward == set(), "paid debts: remove them from UPWARD_DEBTS"


def test_streamlit_only_in_the_app_pages_and_ui() -> None:
    below = {
        source
        for source, targets in _graph().items()
        if targets & STREAMLIT_MODULES and _floor(source) not in STREAMLIT_FLOORS
    }
    assert below == set()


def test_no_file_circles() -> None:
    circles = _circles(_graph())
    assert circles - CIRCLE_DEBTS == set(), "new file circles"
    assert CIRCLE_DEBTS - circles == set(), "paid debts: remove them from CIRCLE_DEBTS"


@pytest.mark.parametrize("floor", FLOORS)
def test_files_stay_within_their_length(floor: str) -> None:
    files = _source_files()
    over = {}
    for name, path in files.items():
        if _floor(name) != floor:
            continue
        relative = path.relative_to(ROOT).as_posix()
        limit = PAGE_LINES if floor == "app_pages" else FILE_LINES
        lines = _lines_of_code(path)
        allowed = LENGTH_DEBTS.get(relative, limit)
        if lines > allowed:
            over[relative] = (lines, allowed)
    assert over == {}, "files over their length (lines of code, allowed)"
    stale = {
        path
        for path in LENGTH_DEBTS
        if path.split("/")[0] == floor
        and _lines_of_code(ROOT / path) <= (PAGE_LINES if floor == "app_pages" else FILE_LINES)
    }
    assert stale == set(), "paid debts: remove them from LENGTH_DEBTS"


def test_the_checker_sees_a_circle_and_an_upward_import() -> None:
    """The checks can fail: a made-up circle and an upward arrow are found."""
    graph = {"geodata.a": {"geodata.b"}, "geodata.b": {"geodata.a"}, "analytics.c": set()}
    assert _circles(graph) == {frozenset({"geodata.a", "geodata.b"})}
    assert _imports(ROOT / "app.py", set(_source_files())) & {"streamlit"}


def test_every_package_says_its_job() -> None:
    silent = []
    for floor in FLOORS[1:]:
        for folder in sorted({p.parent for p in (ROOT / floor).rglob("*.py")}):
            init = folder / "__init__.py"
            text = init.read_text(encoding="utf-8") if init.is_file() else ""
            docstring = ast.get_docstring(ast.parse(text)) if text else None
            if not docstring or len(docstring.split("\n\n")[0].splitlines()) > 3:
                silent.append(str(folder.relative_to(ROOT)))
    assert silent == [], "packages whose __init__.py does not say their job in a few lines"


def test_a_page_keeps_only_the_tables_it_reads() -> None:
    """A page script's top-level names live as long as its session (its ``st.fragment`` keeps the
    script's globals to run again), so a page reads each table it needs with ``data.table``: a
    call of ``data.tables`` kept every table's copy (the insured counts most of all) alive in every
    open session, and copied them all at every run."""
    calls = []
    for page in sorted((ROOT / "app_pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "tables"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "data"
            ):
                calls.append(f"{page.name}:{node.lineno}")
    assert calls == []
