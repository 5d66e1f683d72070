"""Run the benchmarks, write benchmarks/results.json and regenerate BENCHMARKS.md.

python -m benchmarks                          # default scale (national: 10 M points)
python -m benchmarks --scale 0.1              # quicker, smaller inputs
python -m benchmarks --points 100000000       # 100 million points for the assignment
python -m benchmarks --scheduler tcp://h:8786 # the dask workload on a real cluster too
python -m benchmarks --only national_bench    # some suites; the others' figures are kept
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.machine import cpu_model, memory_total

HERE = Path(__file__).resolve().parent
SUITES = (
    "benchmarks.core_bench",
    "benchmarks.access_bench",
    "benchmarks.points_bench",
    "benchmarks.outreach_bench",
    "benchmarks.national_bench",
    "benchmarks.browser_bench",
    "benchmarks.rerun_bench",
    "benchmarks.traveltime_bench",
)


def machine() -> dict[str, str]:
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": memory_total(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def fmt(value: object, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "bytes":
        return f"{value / 1024:,.0f} KiB"
    return f"{value:.4f} s" if value < 1 else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--points", type=int, help="person points for the assignment (default 10 M x scale)"
    )
    parser.add_argument("--scheduler", help="dask scheduler address for the distributed workload")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium workloads")
    parser.add_argument(
        "--only", nargs="+", metavar="SUITE", help="run these suites (e.g. national_bench) only"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", type=Path, default=HERE.parent / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    options = {
        "points": args.points,
        "scheduler": args.scheduler,
        "browser_runs": not args.no_browser,
    }
    chosen = [n for n in SUITES if not args.only or n.rsplit(".", 1)[-1] in args.only]
    kept: list[dict] = []
    if args.only and args.out.exists():  # keep the figures of the suites not run this time
        previous = json.loads(args.out.read_text())
        kept = [r for r in previous.get("records", []) if f"benchmarks.{r['suite']}" not in chosen]
    records: list[dict] = []
    for name in chosen:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        print(f"running {name} …", flush=True)
        accepted = inspect.signature(module.run).parameters
        extra = {k: v for k, v in options.items() if k in accepted or "_" in accepted}
        for record in module.run(args.scale, **extra):
            record["suite"] = name.rsplit(".", 1)[-1]
            records.append(record)
            print(
                f"  {record['workload']}: {fmt(record['ours'], record.get('unit', 's'))}",
                flush=True,
            )
    order = {n.rsplit(".", 1)[-1]: i for i, n in enumerate(SUITES)}
    records = sorted(kept + records, key=lambda r: order.get(r["suite"], len(order)))
    command = f"python -m benchmarks --scale {args.scale:g}"
    if args.points:
        command += f" --points {args.points}"
    if args.scheduler:
        command += f" --scheduler {args.scheduler}"
    if args.no_browser:
        command += " --no-browser"
    if args.only:
        command += " --only " + " ".join(args.only) + " (other suites' figures kept from before)"
    result = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine(),
        "records": records,
    }
    args.out.write_text(json.dumps(result, indent=2, default=str))
    args.markdown.write_text(render(result))
    print(f"wrote {args.out} and {args.markdown}")
    return 0


def merge_rows(records: list[dict], suite: str, command: str) -> None:
    """Put ``records`` of ``suite`` in place of the same workloads' rows of results.json and
    BENCHMARKS.md (a workload new to them is added), every other row kept, the command noted:
    for a suite's entry point that runs some of its workloads only."""

    def same(r: dict) -> tuple[str, str]:  # the workload and baseline, less their sizes
        words = (r["workload"].split(" (")[0], str(r.get("baseline")).split(" (")[0])
        return tuple(re.sub(r"[\d,.]+", "#", w) for w in words)  # type: ignore[return-value]

    for record in records:
        record["suite"] = suite
        record["machine"] = machine()  # the rows kept may come from another machine
    out = HERE / "results.json"
    result = json.loads(out.read_text())
    fresh = {same(r): r for r in records}
    merged = [fresh.pop(same(r), r) for r in result["records"]]  # in place of the old row
    result["records"] = merged + list(fresh.values())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result["command"] = f"{result['command']}; then at {when} {command} (those rows only)"
    out.write_text(json.dumps(result, indent=2, default=str))
    (HERE.parent / "BENCHMARKS.md").write_text(render(result))


def render(result: dict) -> str:
    m = result["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `" + result["command"] + "` (this file and `benchmarks/results.json`).",
        "Every figure is compared with a baseline measured in the same run; the ratio is",
        "baseline ÷ ours (above 1: ours is faster or smaller). Short workloads: best of 3 runs;",
        "long ones (person points, plain loops): one run each.",
        "",
        f"Measured {result['when']} on {m['cpu']}, {m['cores']} cores, {m['memory']}, "
        f"Python {m['python']}; a row measured later on another machine names it.",
        "",
        "| workload | n | ours | baseline | baseline figure | ratio | note |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for r in result["records"]:
        unit = r.get("unit", "s")
        ratio = f"{r['ratio']:,.1f}×" if r.get("ratio") else "—"
        note = r.get("note", "")
        own = r.get("machine")
        if own and (own["cpu"], own["cores"]) != (m["cpu"], m["cores"]):
            note += f"; measured on {own['cpu']}, {own['cores']} cores, {own['memory']}"
        lines.append(
            f"| {r['workload']} | {r['n']:,} | {fmt(r['ours'], unit)} | {r.get('baseline') or '—'} "
            f"| {fmt(r.get('baseline_value'), unit)} | {ratio} | {note} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
