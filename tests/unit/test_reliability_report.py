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
