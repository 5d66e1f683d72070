"""Server CPU per filter change on the Coverage map, the Overview and the Partners page (issue 21,
"a light rerun").

Each page draws what its controls change in an ``st.fragment``: a change reruns only it. The
Coverage map's controls, map, details and table are one; the Overview's month and facility
filters with the figures, map and table they change are one; on the Partners page the month and
facilities with the map, scorecards and trends are one, and the trend's partner and area a
smaller one inside it. Measured under Streamlit's AppTest (the server's script runner, no
browser), with warm caches:

* ours: the rerun a browser asks for after a change, the fragment of the changed widget only
  (the fragment id its delta carries, :mod:`tests.apptest.fragments`);
* baseline: the same changes as full-app reruns, as every change was before the fragments (and as
  any change outside them still is): ``app.py``, the page's loading and all its sections.

CPU, not wall time (the machine is shared): the script thread's CPU time per change (what the
server spends building the page); the note adds the whole process's CPU per change (also AppTest
reading the page's messages, which a server does not do, in its place the sending). The changes
cycle through each page's controls (Coverage map: metric, classes, number of classes, month;
Overview: month, facilities; Partners: month, the trend's partner, facilities). Median of the
changes, each side measured in the same process, on the demo and, when ../shared holds the real
data, on Tehran (its 22 districts given to four partners for the Partners page, as the
authorisation tests do).
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from tests.apptest.fragments import fragment_of, recorded_messages, run_fragment
from tests.apptest.helpers import DEFAULT_PAGE, give_tehran_partners

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TARGET_S = 0.1  # issue 21: at most 0.1 s of server CPU per filter change


class _ScriptCpu:
    """CPU seconds of the script thread in each run, and of the whole process."""

    def __init__(self) -> None:
        self.runs: list[float] = []
        self.paused = False  # runs while paused are not counted
        self._original = script_runner.ScriptRunner._run_script

    def __enter__(self) -> _ScriptCpu:
        original, runs = self._original, self.runs

        def timed(runner, *args, **kwargs):
            start = time.thread_time()
            try:
                return original(runner, *args, **kwargs)
            finally:
                if not self.paused:
                    runs.append(time.thread_time() - start)

        script_runner.ScriptRunner._run_script = timed
        return self

    def __exit__(self, *exc) -> None:
        script_runner.ScriptRunner._run_script = self._original


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Step:
    """One change: the widget's key and its new value (``index``: an option's position)."""

    key: str
    new: object
    index: bool = False


def _coverage_map_changes(n: int, workspace: Path | None) -> list[Step]:
    """``n`` filter changes cycling through metric, classes, k and month (each a new value)."""
    classes = ["natural_breaks", "quantiles", "equal_interval"]
    steps: list[Step] = []
    for i in range(n):
        round_ = i // 4
        steps.append(
            [
                Step("url_metric", 1 + round_ % 3, index=True),  # of the workspace's metrics
                Step("url_classes", classes[round_ % len(classes)]),
                Step("url_k", 3 + round_ % 6),
                Step("url_month", 1 + round_ % 2, index=True),  # the newest month is index 0
            ][i % 4]
        )
    return steps


def _overview_changes(n: int, workspace: Path | None) -> list[Step]:
    """``n`` changes alternating the month and the facilities (on, then off)."""
    return [
        Step("ov_month", 1 + (i // 2) % 2, index=True)
        if i % 2 == 0
        else Step("ov_facilities", (i // 2) % 2 == 0)
        for i in range(n)
    ]


def _partner_ids(workspace: Path | None) -> list[str]:
    """The partners that are responsible for some area of the workspace."""
    from geodata.sources.workspaces import demo_workspace_path
    from geodata.store.workspace import read_workspace

    tables = read_workspace(workspace or demo_workspace_path())
    named = set(tables["areas"]["partner_id"].dropna().astype(str))
    return [p for p in tables["partners"]["partner_id"].astype(str) if p in named]


def _partners_changes(n: int, workspace: Path | None) -> list[Step]:
    """``n`` changes cycling through the month, the trend's partner and the facilities."""
    partners = _partner_ids(workspace)
    steps: list[Step] = []
    for i in range(n):
        round_ = i // 3
        steps.append(
            [
                Step("pt_month", 1 + round_ % 2, index=True),
                Step("pt_trend_partner", partners[(1 + round_) % len(partners)]),
                Step("pt_facilities", round_ % 2 == 0),
            ][i % 3]
        )
    return steps


def _cycle(n: int, steps: list[Callable[[int], Step]]) -> list[Step]:
    """``n`` changes cycling through ``steps``, each called with its round (a new value)."""
    return [steps[i % len(steps)](i // len(steps)) for i in range(n)]


def _gap_changes(n: int, workspace: Path | None) -> list[Step]:
    """``n`` changes cycling through the month, the ranking's order (of those offered: fewer
    without insured counts) and size, the facilities."""
    return _cycle(
        n,
        [
            lambda r: Step("url_month", 1 + r % 2, index=True),
            lambda r: Step("url_order", 1 + r, index=True),
            lambda r: Step("url_top", (15, 5, 10)[r % 3]),
            lambda r: Step("gap_facilities", r % 2 == 0),
        ],
    )


def _infrastructure_changes(n: int, workspace: Path | None) -> list[Step]:
    """``n`` changes cycling through the coverage target, the 2SFCA catchment and distance decay
    and the facilities on the map (shown by default)."""
    return _cycle(
        n,
        [
            lambda r: Step("url_covered", (0.8, 0.7, 0.9)[r % 3]),
            lambda r: Step("url_catchment", (15.0, 5.0, 10.0)[r % 3]),
            lambda r: Step("url_decay", r % 2 == 0),
            lambda r: Step("infra_facilities", r % 2 == 1),
        ],
    )


def _capacity_changes(n: int, workspace: Path | None) -> list[Step]:
    """``n`` changes cycling through the overload line, the near distance, distance decay and the
    facilities besides the load circles."""
    return _cycle(
        n,
        [
            lambda r: Step("url_overload", (2.0, 1.25, 1.5)[r % 3]),
            lambda r: Step("url_near", (3.0, 1.0, 2.0)[r % 3]),
            lambda r: Step("url_decay", r % 2 == 0),
            lambda r: Step("cap_facilities", r % 2 == 0),
        ],
    )


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    changes: Callable[[int, Path | None], list[Step]]
    what: str  # the changes, as the note names them


PAGES = (
    Page(
        "Coverage map",
        "app_pages/coverage_map.py",
        _coverage_map_changes,
        "metric, classes, k, month",
    ),
    Page("Overview", "app_pages/overview.py", _overview_changes, "month, facilities"),
    Page(
        "Partners", "app_pages/partners.py", _partners_changes, "month, trend's partner, facilities"
    ),
    Page(
        "Gap analysis", "app_pages/gap_analysis.py", _gap_changes, "month, order, top, facilities"
    ),
    Page(
        "Infrastructure",
        "app_pages/infrastructure.py",
        _infrastructure_changes,
        "coverage target, catchment, decay, facilities",
    ),
    Page(
        "Capacity",
        "app_pages/capacity.py",
        _capacity_changes,
        "overload, near, decay, facilities",
    ),
)


def _apply(at: AppTest, step: Step) -> None:
    if step.index:
        if any(w.key == step.key for w in at.selectbox):  # no month picker without insured counts
            picker = at.selectbox(key=step.key)
            picker.select_index(int(step.new) % len(picker.options))
        return
    for widgets in (at.toggle, at.select_slider, at.selectbox, at.radio):
        if any(w.key == step.key for w in widgets):
            widgets(key=step.key).set_value(step.new)
            return
    raise LookupError(f"no widget {step.key!r} on the page")


def _measure(page: Page, workspace: Path | None, n: int) -> dict[str, Any]:
    """Median script-thread and process CPU per change: fragment reruns, then full reruns."""
    if workspace is None:
        os.environ.pop("COVERAGE_ATLAS_WORKSPACE", None)
    else:
        os.environ["COVERAGE_ATLAS_WORKSPACE"] = str(workspace)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    with recorded_messages() as sent:
        at.run()
        if page.path != DEFAULT_PAGE:
            at.switch_page(page.path)
            at.run()
    assert not at.exception, [e.value for e in at.exception]
    fragment: dict[str, str] = {}
    for key in dict.fromkeys(step.key for step in page.changes(n, workspace)):
        try:
            fragment[key] = fragment_of(sent, key)
        except LookupError:  # not offered here (no month picker without insured counts)
            continue
    steps = [step for step in page.changes(n, workspace) if step.key in fragment]
    assert steps, f"{page.name}: none of its controls is on the page"
    # A control outside any fragment carries no fragment id: its change reruns the whole app, as a
    # browser asks for it (``ours`` then equals the baseline, and the note names the control).
    # A fragment rerun leaves only that fragment's elements in AppTest's tree: the changes of one
    # fragment are measured together, after a full run (not measured) that draws the whole page.
    by_fragment = sorted(steps, key=lambda step: list(fragment.values()).index(fragment[step.key]))
    out: dict[str, Any] = {}
    for side in ("fragment", "full"):
        ordered = by_fragment if side == "fragment" else steps
        for step in ordered[:3] + ordered[-3:]:  # warm: every cache this side reads is filled
            at.run()
            _apply(at, step)
            run_fragment(at, fragment[step.key]) if side == "fragment" else at.run()
        at.run()
        process: list[float] = []
        with _ScriptCpu() as cpu:
            last = ""
            for step in ordered:
                if side == "fragment" and last and fragment[step.key] != last:
                    cpu.paused = True
                    at.run()  # the whole page again in the tree
                    cpu.paused = False
                last = fragment[step.key]
                _apply(at, step)
                start = _process_cpu()
                run_fragment(at, fragment[step.key]) if side == "fragment" else at.run()
                process.append(_process_cpu() - start)
                assert not at.exception, [e.value for e in at.exception]
        out[f"{side}_script"] = statistics.median(cpu.runs)
        out[f"{side}_process"] = statistics.median(process)
        if side == "fragment":
            at.run()  # a full run again: the element tree holds the whole page for the baseline
    out["outside"] = ", ".join(key for key, fid in fragment.items() if not fid)
    out["changes"] = len(steps)
    out["offered"] = ", ".join(fragment)  # the widget keys changed
    return out


def _tehran() -> Path | None:
    """Tehran built from its recipe, its districts given to four partners; None without the data."""
    if not SHARED_DATA.is_dir():
        return None
    from geodata.sources.recipe import build_workspace

    out = Path(tempfile.mkdtemp(prefix="rerun_bench_")) / "tehran.gpkg"
    build_workspace(ROOT / "tests" / "recipes" / "tehran.toml", out, author="benchmarks")
    give_tehran_partners(out)
    return out


def _record(page: Page, name: str, m: dict[str, Any]) -> dict:
    ours, base, n = m["fragment_script"], m["full_script"], int(m["changes"])
    return {
        "workload": f"server CPU per filter change on the {page.name}, {name}",
        "n": n,
        "seconds": round(ours, 4),
        "baseline": "full-app rerun of the same change (app.py, the page's loading, all its sections)",
        "baseline_seconds": round(base, 4),
        "ours": round(ours, 4),
        "baseline_value": round(base, 4),
        "unit": "s",
        "ratio": float(f"{base / ours:.3g}"),
        "note": (
            f"script thread's CPU, median of {n} changes ({page.what}; here: {m['offered']}), "
            "caches warm; "
            + (f"outside any fragment (a full rerun): {m['outside']}; " if m["outside"] else "")
            + f"target ≤ {TARGET_S} s: {'met' if ours <= TARGET_S else 'NOT met'}; whole AppTest "
            f"process per change: {m['fragment_process']:.3f} s against "
            f"{m['full_process']:.3f} s"
        ),
    }


def run(scale: float = 1.0, pages: tuple[Page, ...] = PAGES) -> list[dict]:
    n = max(6, int(24 * scale))
    places: list[tuple[str, Path | None]] = [("demo (300 neighbourhoods)", None)]
    tehran = _tehran()
    if tehran is not None:
        places.append(("Tehran (375 neighbourhoods, real)", tehran))
    return [
        _record(page, name, _measure(page, workspace, n))
        for name, workspace in places
        for page in pages
    ]


if __name__ == "__main__":
    from benchmarks.__main__ import merge_rows

    only = os.environ.get("PAGES")  # e.g. PAGES=Overview,Partners: those pages' rows replaced
    chosen = tuple(p for p in PAGES if not only or p.name in only.split(","))
    scale = os.environ.get("SCALE", "0.5")
    records = run(float(scale), chosen)
    for record in records:
        print(record["workload"], record["ours"], record["baseline_value"], record["ratio"])
        print("  ", record["note"])
    merge_rows(
        records,
        "rerun_bench",
        f"PAGES='{only or ''}' SCALE={scale} python -m benchmarks.rerun_bench",
    )
