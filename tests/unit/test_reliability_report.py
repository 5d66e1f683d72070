"""RELIABILITY.md names, for each part, the machine and command that measured it: a partial run
(``--only load``) re-labels only the parts it measured, where it used to name its own machine
and command for every figure in the file."""

from __future__ import annotations

import json

import benchmarks.budget_attacks
import benchmarks.front_attacks
import reliability.__main__ as reliability

INTEL = {
    "cpu": "Intel(R) Xeon(R) Processor",
    "cores": "2",
    "memory": "24 GiB",
    "python": "3.11.7",
    "system": "Linux 6",
    "load_average": "25.8 25.5 21.6",
}


def legacy_results() -> dict:
    """A results file as written before each part kept its own machine."""
    return {
        "machine": INTEL,
        "command": "python -m reliability --only front",
        "generated": "2026-12-07 00:12 UTC",
        "budgets": {"rows": []},
        "front": {"rows": []},
    }


def test_a_partial_run_names_its_own_machine_for_its_parts_only(tmp_path, monkeypatch):
    results, report = tmp_path / "results.json", tmp_path / "RELIABILITY.md"
    results.write_text(json.dumps(legacy_results()))
    monkeypatch.setattr(reliability, "RESULTS", results)
    monkeypatch.setattr(reliability, "REPORT", report)
    monkeypatch.setattr(reliability, "machine", lambda: {**INTEL, "cpu": "AMD EPYC"})
    monkeypatch.setattr(benchmarks.budget_attacks, "run", lambda: {"rows": ["measured"]})
    monkeypatch.setattr(benchmarks.budget_attacks, "section", lambda found: [])
    monkeypatch.setattr(benchmarks.front_attacks, "section", lambda found: [])
    assert reliability.main(["--only", "budgets"]) == 0

    parts = json.loads(results.read_text())["parts"]
    assert parts["budgets"]["machine"]["cpu"] == "AMD EPYC"
    assert parts["budgets"]["command"] == "python -m reliability --only budgets"
    # the part it did not run keeps the machine and command the old file named for it
    assert parts["front"]["machine"]["cpu"] == "Intel(R) Xeon(R) Processor"
    assert parts["front"]["legacy"] and parts["front"]["generated"] == "2026-12-07 00:12 UTC"
    assert "legacy" not in parts["budgets"]

    text = report.read_text()
    budgets = next(line for line in text.splitlines() if line.startswith("| budgets |"))
    front = next(line for line in text.splitlines() if line.startswith("| front |"))
    assert "AMD EPYC" in budgets and "--only budgets" in budgets
    assert "Intel" in front and "AMD" not in front and "by 2026-12-07 00:12 UTC" in front


def _run(scenario: str, processes: int, sessions: int, **figures) -> dict:
    run = {
        "scenario": scenario,
        "processes": processes,
        "sessions": sessions,
        "actions": 8 * sessions,
        "kinds": {},
        "p50": None,
        "p95": None,
        "server_p50": 0.1,
        "server_p95": 0.3,
        "server_cpu_s": [4.0],
        "cpu_per_action_s": 0.05,
        "app_errors": 0,
        "driver_errors": 0,
        "errors": [],
        "memory_before_mb": [500],
        "memory_after_mb": [520],
        "load_before": "0.5 0.5 0.5",
        "seconds": 30.0,
        "minutes": None,
    }
    return {**run, **figures}


def test_the_load_section_sets_sessions_without_browsers_beside_those_in_browsers():
    from reliability.load_section import section

    runs = [
        _run("coverage", 1, 10, p50=1.3, p95=3.7, server_p95=1.57, cpu_per_action_s=0.13),
        _run("clients", 1, 1, server_p95=0.12),
        _run("clients", 1, 10, server_p95=0.42, cpu_per_action_s=0.06),
        _run("clients-week", 1, 50, browsers=False, minutes=30.0, memory_after_mb=[1100]),
    ]
    ls = {
        "runs": runs,
        "processes": [1],
        "sessions": 10,
        "curve": [1, 10],
        "actions": 8,
        "minutes": 4.0,
        "think": [5.0, 15.0],
        "cold_seconds": {"1": 4.6},
        "seconds": 300.0,
    }
    lines = section(ls, [])
    text = "\n".join(lines)
    assert "- **clients**:" in text and "reliability/clients.py" in text
    # No page without a browser: its page times read "—", its server times as measured.
    clients = next(line for line in lines if line.startswith("| clients | 1 | 10 |"))
    assert "| — | — | 0.1 s | 0.42 s |" in clients
    # The curve: one column for the browsers' page / server, one for the clients' server.
    head = next(line for line in lines if line.startswith("| sessions |"))
    assert "browsers, 1 process(es): page / server" in head
    assert "without browsers, 1 process(es): server" in head
    assert "| 10 | 3.7 s / 1.57 s | 0.42 s |" in lines
    assert "| 1 | — | 0.12 s |" in lines
    # The targets for 10 sessions, each against what was measured.
    assert "| server p95 | without browsers | 1 | 0.42 s | ≤ 0.5 s | yes |" in lines
    assert "| server p95 | browsers | 1 | 1.57 s | ≤ 0.5 s | no |" in lines
    assert "| page p95 | browsers | 1 | 3.7 s | ≤ 2.0 s | no |" in lines
    assert (
        "| server CPU per filter change | without browsers | 1 | 0.06 s | ≤ 0.1 s | yes |" in lines
    )
    # The week without browsers: its errors and each process's memory at its end.
    assert "- **clients-week**: the week without browsers: 50 sessions" in text
    assert "| errors | 50 without browsers, 30.0 min | 1 | 0 | 0 | yes |" in lines
    assert (
        "| memory per process at the end (the most) | 50 without browsers, 30.0 min | 1 "
        "| 1100 MB | ≤ 1000 MB | no |"
    ) in lines
