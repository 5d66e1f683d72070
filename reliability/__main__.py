"""Run the reliability checks and regenerate RELIABILITY.md (and reliability/results.json).

python -m reliability                      # everything: corpus, payloads, kills, load, budgets, front
python -m reliability --only corpus kills  # some parts; the others' figures are kept
python -m reliability --kills 200 --sessions 10 --actions 8

The parts:

- corpus: every generated bad input (tests/hardening/corpus.py) through the Data page's import
  path — clean errors, correct imports, crashes, hangs;
- payloads: HTML/JS/template/formula payloads in every string field, every page, a real browser,
  and every file the pages offer for download (CSV, XLSX, HTML map, PDF briefing);
- kills: SIGKILL during saves and import commits at random moments;
- load: simultaneous sessions working the demo, in browsers and as protocol clients without one;
- budgets: large but valid inputs (candidate layers, siting at the caps, what-ifs beyond and at
  their caps, a zip bomb, a local file for the PDF, an unverified OIDC e-mail) with the app's
  memory and a health endpoint's latency meanwhile (benchmarks/budget_attacks.py);
- front: the attacks of issue #18 against the secured front (``python -m ui.server.secure``):
  lockout reset, parallel guesses, uploads by strangers, memory by any role, a stolen session
  id, IP look-ups — what held and what each cost, beside the issue's figures from before
  (benchmarks/front_attacks.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.machine import cpu_model, memory_total

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"
REPORT = ROOT / "RELIABILITY.md"
PARTS = ("corpus", "payloads", "kills", "load", "budgets", "front")


def machine() -> dict[str, str]:
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": memory_total(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def run_corpus() -> dict:
    from tests.hardening.corpus import all_cases, current_tables, judge, run_cases

    cases = all_cases()
    started = time.monotonic()
    outcomes = run_cases(cases, current_tables(), workers=3, timeout=60)
    kinds = Counter(o.kind for o in outcomes.values())
    families: dict[str, Counter] = {}
    for case in cases:
        families.setdefault(case.family, Counter())[outcomes[case.name].kind] += 1
    failures = [
        f"{c.name}: {verdict}" for c in cases if (verdict := judge(c, outcomes[c.name])) is not None
    ]
    slowest = max(outcomes.values(), key=lambda o: o.seconds)
    return {
        "inputs": len(cases),
        "clean_errors": kinds.get("clean_error", 0),
        "imports": kinds.get("imported", 0),
        "unclear_errors": kinds.get("unclear_error", 0),
        "wrong_imports": kinds.get("wrong", 0),
        "crashes": kinds.get("crash", 0),
        "hangs": kinds.get("hang", 0),
        "not_as_expected": failures,
        "families": {f: dict(c) for f, c in sorted(families.items())},
        "codes": dict(Counter(o.code for o in outcomes.values() if o.code)),
        "slowest": f"{slowest.case} ({slowest.seconds:.1f} s)",
        "seconds": round(time.monotonic() - started, 1),
    }


def run_payloads() -> dict:
    from tests.conftest import CHROMIUM, StreamlitServer
    from tests.hardening.downloads import check_file
    from tests.hardening.payloads import EXTRA_URLS, PAYLOADS, check_all_pages, payload_workspace

    folder = Path(tempfile.mkdtemp(prefix="ca-payloads-"))
    placed = payload_workspace(folder / "payloads.gpkg")
    server = StreamlitServer(folder / "payloads.gpkg")
    started = time.monotonic()
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
            )
            try:
                checks = check_all_pages(browser, server.url, EXTRA_URLS, downloads=True)
                files = [check_file(n, d, browser) for c in checks for n, d in c.files]
            finally:
                browser.close()
    finally:
        server.stop()
    checked = [f for f in files if f is not None]
    kinds = Counter(f.kind for f in checked)
    return {
        "payloads": len(PAYLOADS),
        "fields": placed["fields"],
        "values": placed["values"],
        "pages": [c.page.replace(server.url, "") or "/" for c in checks],
        "frames": sum(c.frames for c in checks),
        "shown": sum(c.shown for c in checks),
        "injected": sum(len(c.injected) for c in checks),
        "ran": sum(c.ran for c in checks),
        "templated": sum(c.templated for c in checks),
        "dialogs": sum(len(c.dialogs) for c in checks),
        "exceptions": sum(c.errors for c in checks),
        "examples": [x for c in checks for x in c.injected][:5],
        "files": len(files),
        "files_checked": dict(sorted(kinds.items())),
        "files_formula_cells": sum(len(f.formulas) for f in checked),
        "files_injected": sum(len(f.injected) for f in checked),
        "files_ran": sum(bool(f.ran or f.dialogs) for f in checked),
        "files_errors": sum(len(f.errors) for f in checked),
        "files_defused": sum(f.defused for f in checked),
        "files_missed": [m for c in checks for m in c.missed][:5],
        "file_examples": [x for f in checked for x in (f.formulas + f.injected + f.errors)][:5],
        "seconds": round(time.monotonic() - started, 1),
    }


def run_kills(trials: int) -> dict:
    from tests.hardening.kills import kill_trials, new_workspace

    folder = Path(tempfile.mkdtemp(prefix="ca-kills-"))
    started = time.monotonic()
    report = kill_trials(new_workspace(folder / "ws.gpkg"), trials=trials)
    return {
        "trials": report.trials,
        "survived": report.survived,
        "before_commit": report.before_commit,
        "after_commit": report.after_commit,
        "failures": report.failures[:10],
        "save_seconds": round(report.save_seconds, 3),
        "seconds": round(time.monotonic() - started, 1),
    }


def run_load(sessions: int, actions: int) -> dict:
    from reliability.load import run_load as drive
    from tests.conftest import CHROMIUM, StreamlitServer

    # No file watcher: a source file saved while the load runs (others work on this machine)
    # would reload modules under the running sessions, which no deployment does.
    server = StreamlitServer(None, extra_env={"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"})
    try:
        report = drive(server.url, server.process.pid, sessions, actions, str(CHROMIUM))
        log = server.output()
    finally:
        server.stop()
    server_times = report.server_latencies
    return {
        "sessions": sessions,
        "actions": report.actions,
        "planned_actions": sessions * actions,
        "p50": round(report.percentile(50), 2),
        "p95": round(report.percentile(95), 2),
        "p99": round(report.percentile(99), 2),
        "max": round(max(report.latencies), 2) if report.latencies else None,
        "server_p50": round(report.percentile(50, server_times), 2),
        "server_p95": round(report.percentile(95, server_times), 2),
        "server_p99": round(report.percentile(99, server_times), 2),
        "errors": report.errors[:10],
        "error_count": len(report.errors),
        "app_errors": report.app_errors,
        "driver_errors": report.driver_errors,
        "retries": report.retries,
        "no_change": report.no_change,
        "interrupted_runs": report.interrupted_runs,
        "server_cpu_s": round(report.server_cpu_s, 1),
        "load_before": " ".join(f"{x:.1f}" for x in report.load_before),
        "load_after": " ".join(f"{x:.1f}" for x in report.load_after),
        "server_tracebacks": log.count("Traceback"),
        "rss_before_mb": round(report.rss_before_mb),
        "rss_after_mb": round(report.rss_after_mb),
        "rss_peak_mb": round(report.rss_peak_mb),
        "cold_seconds": round(report.cold_seconds, 1),
        "seconds": round(report.seconds, 1),
    }


def run_scenarios(args: argparse.Namespace, scenarios: list[str]) -> dict:
    from reliability.load_section import plot_curve
    from reliability.scenarios import run_all
    from tests.conftest import CHROMIUM

    options = {
        "chromium": str(CHROMIUM),
        "actions": args.actions,
        "minutes": args.minutes,
        "think": tuple(args.think),
        "week_sessions": args.week_sessions or args.sessions,
        "client_week_sessions": args.client_week_sessions,
        "client_week_minutes": args.client_week_minutes or args.minutes,
    }
    found = run_all(scenarios, args.processes, args.sessions, args.curve, options)
    plot_curve(found["runs"])
    return found


#: Where each part's figures are kept in results.json (the load's scenarios beside its direct run).
PART_KEYS = {
    "corpus": ("corpus",),
    "payloads": ("payloads",),
    "kills": ("kills",),
    "load": ("load", "load_scenarios"),
    "budgets": ("budgets",),
    "front": ("front",),
}


def with_provenance(results: dict) -> dict:
    """``results`` with each part's own machine, command and time (``results["parts"]``). A file
    written before parts kept theirs named one machine, command and time for all its figures:
    each part found in it keeps that machine, marked ``legacy`` (the command and time were
    those of the file's last run, not necessarily the part's)."""
    legacy = {
        key: results.pop(key) for key in ("machine", "command", "generated") if key in results
    }
    parts = results.setdefault("parts", {})
    for part, keys in PART_KEYS.items():
        if part not in parts and legacy and any(key in results for key in keys):
            parts[part] = {**legacy, "legacy": True}
    return results


def render(results: dict) -> str:
    parts = results.get("parts", {})
    latest = max((p["generated"] for p in parts.values()), default="never")
    lines = [
        "# Reliability",
        "",
        "Regenerated by `.venv/bin/python -m reliability` "
        f"(last full or partial run: {latest}). Every figure below was measured by that command, "
        "each part on the machine and by the command named for it at the end; nothing is copied "
        "from elsewhere.",
        "",
    ]
    c = results.get("corpus")
    if c:
        lines += [
            "## Hostile and broken files",
            "",
            f"{c['inputs']} generated inputs (`tests/hardening/corpus.py`) went through the Data "
            "page's import path: size and type checks, zip and XML bomb checks, reading in a "
            "separate process with memory, CPU and time limits (`geodata/uploads/sandbox.py`), column "
            "mapping and row-by-row validation.",
            "",
            "| inputs tried | clean errors (naming the file) | correct imports | crashes | hangs "
            "| unclear errors | imports breaking a rule |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {c['inputs']} | {c['clean_errors']} | {c['imports']} | {c['crashes']} | "
            f"{c['hangs']} | {c['unclear_errors']} | {c['wrong_imports']} |",
            "",
            "| family | clean errors | correct imports | other |",
            "|---|---:|---:|---:|",
        ]
        for family, kinds in c["families"].items():
            other = sum(v for k, v in kinds.items() if k not in ("clean_error", "imported"))
            lines.append(
                f"| {family} | {kinds.get('clean_error', 0)} | {kinds.get('imported', 0)} | "
                f"{other} |"
            )
        codes = ", ".join(f"`{k}` {v}" for k, v in sorted(c["codes"].items()))
        lines += [
            "",
            f"Refusals by kind: {codes}.",
            f"Cases whose outcome differs from what the corpus requires: "
            f"{len(c['not_as_expected'])}"
            + (": " + "; ".join(c["not_as_expected"][:5]) if c["not_as_expected"] else "")
            + f". Slowest case: {c['slowest']}; whole corpus {c['seconds']} s.",
            "",
        ]
    p = results.get("payloads")
    if p:
        places = p["fields"] * len(p["pages"])
        lines += [
            "## Hostile strings",
            "",
            f"{p['payloads']} HTML/JavaScript/template/formula payloads in {p['fields']} string "
            "fields "
            f"({p['values']} values: area, district, province, facility, operator, address, "
            f"partner names and contacts) on {len(p['pages'])} pages "
            f"({', '.join(p['pages'])}), every map tooltip and popup opened, in Chromium.",
            "",
            "| payloads × places (fields × pages) | frames looked at | payload texts shown | "
            "injected elements | scripts run | templates evaluated | dialogs | exceptions |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {p['payloads']} × {places} | {p['frames']} | {p['shown']} | {p['injected']} | "
            f"{p['ran']} | {p['templated']} | {p['dialogs']} | {p['exceptions']} |",
            "",
        ]
        if "files" in p:
            kinds = ", ".join(f"{n} {k.upper()}" for k, n in p["files_checked"].items())
            lines += [
                f"Every download button of those pages pressed in the browser: {p['files']} files, "
                f"{kinds} checked (images, GeoJSON and GeoPackage are data, not checked here). "
                "CSV and XLSX: no cell a spreadsheet would run as a formula "
                f"({p['files_defused']} cells of payload text starting with = + - @ tab or CR "
                "were written as text); HTML (the map export): parsed, then opened in Chromium "
                "with every tooltip open; PDF (the briefing): its extracted text shows the "
                "payloads' markup as text.",
                "",
                "| files checked | formula cells | injected elements | scripts run or dialogs "
                "| page errors | buttons that gave no file |",
                "|---:|---:|---:|---:|---:|---:|",
                f"| {sum(p['files_checked'].values())} | {p['files_formula_cells']} | "
                f"{p['files_injected']} | {p['files_ran']} | {p['files_errors']} | "
                f"{len(p['files_missed'])} |",
                "",
            ]
    k = results.get("kills")
    if k:
        lines += [
            "## Crashes during saves",
            "",
            f"A process saving a version or committing an import was killed with SIGKILL at a "
            f"random moment within one save's duration ({k['save_seconds']} s here), "
            f"{k['trials']} times; after each kill the workspace was opened and its versions "
            "and newest tables compared with the last committed ones.",
            "",
            "| kills | survived | killed before the commit | killed after it | failures |",
            "|---:|---:|---:|---:|---:|",
            f"| {k['trials']} | {k['survived']} | {k['before_commit']} | {k['after_commit']} | "
            f"{len(k['failures'])} |",
            "",
        ]
    ld = results.get("load")
    new_load = results.get("load_scenarios")
    old: list[str] = []
    if ld:
        per = ld["planned_actions"] // max(ld["sessions"], 1)
        old += (
            [
                "### Previous figures (kept beside the new ones)",
                "",
                "Measured by the earlier form of this command: one Streamlit process serving the "
                "GeoPackage demo directly (no nginx). ",
            ]
            if new_load
            else ["## Load", ""]
        )
        old += [
            f"{ld['sessions']} browser sessions at once (one Chromium, one context each) on the "
            f"demo's Coverage map page, each changing a sidebar filter {per} times (a selectbox "
            "other than the language, an option other than the one shown). Each session listens "
            "to its websocket as Streamlit's client does: a rerun is timed from the click on the "
            "option to the server's end of the run it caused (*server*), and to the page at rest "
            "again — nothing stale or loading, the element count unchanged for 0.5 s (*page*). A "
            "session acts only when the previous rerun has ended and the page is at rest. One "
            f"session opened the page first on the fresh server ({ld.get('cold_seconds', '?')} "
            "s, caches cold); memory 'before' is taken after it. The server runs with no file "
            "watcher (a file saved meanwhile by other work on the machine would reload modules "
            "under the sessions).",
            "",
        ]
        if "server_p50" in ld:
            old += [
                "| sessions held | reruns | page p50 | p95 | p99 | max | server p50 | p95 | p99 "
                "| app errors | driver errors | server memory before → after (peak) |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
                f"| {ld['sessions']} | {ld['actions']} of {ld['planned_actions']} | "
                f"{ld['p50']} s | {ld['p95']} s | {ld['p99']} s | {ld['max']} s | "
                f"{ld['server_p50']} s | {ld['server_p95']} s | {ld['server_p99']} s | "
                f"{ld['app_errors']} | {ld['driver_errors']} | "
                f"{ld['rss_before_mb']} → {ld['rss_after_mb']} MB ({ld['rss_peak_mb']} MB) |",
                "",
                f"Dropdowns opened again after a first try failed: {ld['retries']}; choices that "
                f"asked for no rerun: {ld['no_change']}; runs ended early for a rerun (the app's "
                f"own, e.g. a first request's move to st.navigation): {ld['interrupted_runs']}; "
                f"tracebacks in the server's log: {ld['server_tracebacks']}. The server used "
                f"{ld['server_cpu_s']} s of CPU in {ld['seconds']} s. Load average (1, 5, 15 min) before the sessions: "
                f"{ld['load_before']}; after: {ld['load_after']} — on 2 cores shared with other "
                "work, so the page times include the browser's own drawing (ten tabs of maps) "
                "competing with the server and with that work for the same cores.",
                "",
            ]
        else:
            old += [
                "| sessions held | reruns | p50 | p95 | p99 | max | errors | server memory "
                "before → after (peak) |",
                "|---:|---:|---:|---:|---:|---:|---:|---|",
                f"| {ld['sessions']} | {ld['actions']} of {ld['planned_actions']} | {ld['p50']} s | "
                f"{ld['p95']} s | {ld['p99']} s | {ld['max']} s | {ld['error_count']} | "
                f"{ld['rss_before_mb']} → {ld['rss_after_mb']} MB ({ld['rss_peak_mb']} MB) |",
                "",
            ]
        if ld["errors"]:
            old += ["Errors: " + "; ".join(e.splitlines()[0] for e in ld["errors"][:5]), ""]
    if new_load:
        from reliability.load_section import section as load_section

        lines += load_section(new_load, old)
    else:
        lines += old
    if "budgets" in results:
        from benchmarks.budget_attacks import section

        lines += section(results["budgets"])
    if "front" in results:
        from benchmarks.front_attacks import section as front_section

        lines += front_section(results["front"])
    lines += [
        "## Machines and commands",
        "",
        "Each part was measured when, where and by the command named here (a partial run measures "
        "its parts again and keeps the others' figures and lines). Load average: the machine's when "
        "the run started (other work shared the machine).",
        "",
        "| part | measured | machine | load average | command |",
        "|---|---|---|---|---|",
    ]
    for part in PART_KEYS:
        if part in parts:
            p, m = parts[part], parts[part]["machine"]
            when, command = p["generated"], f"`{p['command']}`"
            if p.get("legacy"):  # measured before parts kept their own lines
                when = f"by {when}"
                command = f"not kept (the report's last run then: {command})"
            lines.append(
                f"| {part} | {when} | {m['cpu']}, {m['cores']} cores, {m['memory']}, "
                f"Python {m['python']}, {m['system']} | {m['load_average']} | {command} |"
            )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reliability",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--actions", type=int, default=8)
    parser.add_argument(
        "--scenario",
        nargs="+",
        choices=("coverage", "week", "clients", "clients-week", "direct"),
        default=["coverage", "week", "clients", "clients-week"],
        help="load scenarios through the cluster (reliability/scenarios.py): coverage and week "
        "in browsers, clients and clients-week the same without a browser (Streamlit's protocol "
        "spoken directly); direct: the previous measure, one process serving the GeoPackage demo",
    )
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--curve", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the week run")
    parser.add_argument(
        "--week-sessions", type=int, default=None, help="sessions of the week (default: --sessions)"
    )
    parser.add_argument(
        "--client-week-sessions",
        type=int,
        default=50,
        help="sessions of the week without browsers (clients-week)",
    )
    parser.add_argument(
        "--client-week-minutes",
        type=float,
        default=None,
        help="length of the week without browsers (default: --minutes)",
    )
    parser.add_argument("--think", type=float, nargs=2, default=[5.0, 15.0])
    args = parser.parse_args(argv)
    # A stop (SIGTERM, e.g. from `timeout`) unwinds like Ctrl-C: the servers started are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("COVERAGE_ATLAS_CACHE", tempfile.mkdtemp(prefix="ca-reliability-"))
    results = with_provenance(json.loads(RESULTS.read_text()) if RESULTS.exists() else {})
    provenance = {
        "machine": machine(),
        "command": "python -m reliability " + " ".join(argv or sys.argv[1:]),
    }
    for part in args.only:
        print(f"reliability: {part} …", flush=True)
        started = time.monotonic()
        if part == "corpus":
            results["corpus"] = run_corpus()
        elif part == "payloads":
            results["payloads"] = run_payloads()
        elif part == "kills":
            results["kills"] = run_kills(args.kills)
        elif part == "load":
            if "direct" in args.scenario:
                results["load"] = run_load(args.sessions, args.actions)
            scenarios = [x for x in args.scenario if x != "direct"]
            if scenarios:
                results["load_scenarios"] = run_scenarios(args, scenarios)
        elif part == "budgets":
            from benchmarks.budget_attacks import run as run_budgets

            results["budgets"] = run_budgets()
        elif part == "front":
            from benchmarks.front_attacks import run as run_front

            results["front"] = run_front()
        print(f"reliability: {part} done in {time.monotonic() - started:.0f} s", flush=True)
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        results["parts"][part] = {**provenance, "generated": generated}
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    REPORT.write_text(render(results), encoding="utf-8")
    print(f"wrote {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
