"""Server CPU per filter change on the Coverage map (issue 21, "a light rerun").

The page's controls, map, details and table are one ``st.fragment``: a filter change reruns only
it. Measured under Streamlit's AppTest (the server's script runner, no browser), with warm caches:

* ours: the rerun a browser asks for after a filter change, the view's fragment only (the
  fragment id the changed widget's delta carries, :mod:`tests.apptest.fragments`);
* baseline: the same changes as full-app reruns, as every change was before the fragment (and as
  any change outside it still is): ``app.py``, the page's loading and the view.

CPU, not wall time (the machine is shared): the script thread's CPU time per change (what the
server spends building the page); the note adds the whole process's CPU per change (also AppTest
reading the page's messages, which a server does not do, in its place the sending). The changes
cycle through metric, classes, number of classes and month. Median of the changes, each side
measured in the same process, on the demo and, when ../shared holds the real data, on Tehran.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from tests.apptest.fragments import fragment_of, recorded_messages, run_fragment

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
PAGE = "app_pages/coverage_map.py"
TARGET_S = 0.1  # issue 21: at most 0.1 s of server CPU per filter change


class _ScriptCpu:
    """CPU seconds of the script thread in each run, and of the whole process."""

    def __init__(self) -> None:
        self.runs: list[float] = []
        self._original = script_runner.ScriptRunner._run_script

    def __enter__(self) -> _ScriptCpu:
        original, runs = self._original, self.runs

        def timed(runner, *args, **kwargs):
            start = time.thread_time()
            try:
                return original(runner, *args, **kwargs)
            finally:
                runs.append(time.thread_time() - start)

        script_runner.ScriptRunner._run_script = timed
        return self

    def __exit__(self, *exc) -> None:
        script_runner.ScriptRunner._run_script = self._original


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _changes(n: int) -> list[tuple[str, object]]:
    """``n`` filter changes cycling through metric, classes, k and month (each a new value)."""
    classes = ["natural_breaks", "quantiles", "equal_interval"]
    steps: list[tuple[str, object]] = []
    for i in range(n):
        round_ = i // 4
        steps.append(
            [
                ("url_metric", 1 + round_ % 3),  # an index of the workspace's metrics
                ("url_classes", classes[round_ % len(classes)]),
                ("url_k", 3 + round_ % 6),
                ("url_month", 1 + round_ % 2),  # an index: the newest month is index 0
            ][i % 4]
        )
    return steps


def _apply(at: AppTest, key: str, new: object) -> None:
    if key == "url_k":
        at.select_slider(key=key).set_value(new)
    elif key in ("url_month", "url_metric"):
        if any(w.key == key for w in at.selectbox):  # no month picker without insured counts
            picker = at.selectbox(key=key)
            picker.select_index(int(new) % len(picker.options))
    else:
        at.selectbox(key=key).set_value(new)


def _measure(workspace: Path | None, n: int) -> dict[str, float]:
    """Median script-thread and process CPU per change: fragment reruns, then full reruns."""
    if workspace is None:
        os.environ.pop("COVERAGE_ATLAS_WORKSPACE", None)
    else:
        os.environ["COVERAGE_ATLAS_WORKSPACE"] = str(workspace)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page(PAGE)
    with recorded_messages() as sent:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    view = fragment_of(sent, "url_metric")
    assert view, "the Coverage map's filters are not inside a fragment"
    steps = _changes(n)
    out: dict[str, float] = {}
    for side in ("fragment", "full"):
        for key, new in steps[:3]:  # warm: every cache this side reads is filled
            _apply(at, key, new)
            run_fragment(at, view) if side == "fragment" else at.run()
        process: list[float] = []
        with _ScriptCpu() as cpu:
            for key, new in steps:
                _apply(at, key, new)
                start = _process_cpu()
                run_fragment(at, view) if side == "fragment" else at.run()
                process.append(_process_cpu() - start)
                assert not at.exception, [e.value for e in at.exception]
        script = cpu.runs
        out[f"{side}_script"] = statistics.median(script)
        out[f"{side}_process"] = statistics.median(process)
        if side == "fragment":
            at.run()  # a full run again: the element tree holds the whole page for the baseline
    return out


def _tehran() -> Path | None:
    if not SHARED_DATA.is_dir():
        return None
    from geodata.sources.recipe import build_workspace

    out = Path(tempfile.mkdtemp(prefix="rerun_bench_")) / "tehran.gpkg"
    build_workspace(ROOT / "tests" / "recipes" / "tehran.toml", out, author="benchmarks")
    return out


def _record(name: str, n: int, m: dict[str, float]) -> dict:
    ours, base = m["fragment_script"], m["full_script"]
    return {
        "workload": f"server CPU per filter change on the Coverage map, {name}",
        "n": n,
        "seconds": round(ours, 4),
        "baseline": "full-app rerun of the same change (app.py, the page's loading, the view)",
        "baseline_seconds": round(base, 4),
        "ours": round(ours, 4),
        "baseline_value": round(base, 4),
        "unit": "s",
        "ratio": float(f"{base / ours:.3g}"),
        "note": (
            f"script thread's CPU, median of {n} changes (metric, classes, k, month), caches warm; "
            f"target ≤ {TARGET_S} s: {'met' if ours <= TARGET_S else 'NOT met'}; whole AppTest "
            f"process per change: {m['fragment_process']:.3f} s against "
            f"{m['full_process']:.3f} s"
        ),
    }


def run(scale: float = 1.0) -> list[dict]:
    n = max(6, int(24 * scale))
    records = [_record("demo (300 neighbourhoods)", n, _measure(None, n))]
    tehran = _tehran()
    if tehran is not None:
        records.append(_record("Tehran (375 neighbourhoods, real)", n, _measure(tehran, n)))
    return records


if __name__ == "__main__":
    for record in run(float(os.environ.get("SCALE", "0.5"))):
        print(record["workload"], record["ours"], record["baseline_value"], record["ratio"])
        print("  ", record["note"])
