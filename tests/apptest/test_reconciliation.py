"""Reconciliation: every headline figure is the same number wherever the product shows it.

For the demo and the Tehran workspace, with the same settings everywhere (care near within 2 km,
a hospital within 10 km, a 3 km catchment of care facilities (each counts 1), covered at 90 %), each figure is read back from every
place that shows it, the way a reader sees it:

- the Infrastructure needs page (its metrics, the double-gap table, the siting result) and its
  CSV and XLSX of every neighbourhood;
- the Capacity and load page, opened from the proposed sites (its what-if "before" column is the
  network as it is, its change in people near care is what the sites bring within reach);
- the Overview page's headline, and its district table's CSV and XLSX;
- the Partners page's scorecards, and their CSV and XLSX;
- the briefing PDF made on the Briefings page and the one made by the command line the page
  shows, read with pdftotext (headline, infrastructure needs, partner table).

One AppTest run per page (the Capacity page is reached from the Infrastructure run). The measures
and the functions behind them are listed in docs/MEASURES.md.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.apptest.helpers import run_page
from tests.conftest import ROOT, require

SETTINGS = {
    "near": "2",
    "referral": "10",
    "catchment": "3",
    "covered": "0.9",
    "supply": "facility",
}
SITING = {"plan": "1", "k": "3", "radius": "2", "care": "care", "objective": "population"}
CLASSES = {
    "covered_near": "Covered and near care",
    "insured_far": "Insured but far from care",
    "uninsured_near": "Near care but uninsured",
    "both": "Uninsured and far from care",
}


def number(text: object) -> float:
    """A figure as the page writes it in English ("405,123", "47.2%", "+1,234") as a number."""
    cleaned = re.sub(r"[^0-9.\-]", "", str(text))
    return float(cleaned)


def metric(at, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, (label, [m.label for m in at.metric])
    return found[0]


@pytest.fixture
def captured(monkeypatch) -> dict[str, dict[str, object]]:
    """The files each download row offers, by widget key stem and extension (made on demand)."""
    from ui import downloads

    files: dict[str, dict[str, object]] = {}
    original = downloads._download_row

    def record(key, stem, rows):
        files[key] = {extension: data for _, data, extension, _, _ in rows}
        return original(key, stem, rows)

    monkeypatch.setattr(downloads, "_download_row", record)
    return files


@pytest.fixture(params=["demo", "tehran"])
def workspace(request, monkeypatch) -> tuple[str, bool]:
    """The workspace the pages open: (name, whether it has insured counts)."""
    if request.param == "demo":
        request.getfixturevalue("demo_workspace")
        monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
        return "demo", True
    path = request.getfixturevalue("tehran_workspace")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return "tehran", False


def export_figures(table: pd.DataFrame, with_insured: bool) -> dict[str, float]:
    """The figures as a reader of the neighbourhoods file adds them up."""
    pop = pd.to_numeric(table["Population"], errors="coerce")
    known = pop.fillna(0)
    near = pd.to_numeric(table["To care (km)"], errors="coerce") <= 2.0
    gap = table["Referral gap"].astype(str).str.lower() == "yes"
    out = {
        "people_near_care": float(known[near].sum()),
        "share_near_care": float(known[near].sum() / pop.sum()),
        "people_referral_gap": float(known[gap].sum()),
        "areas_referral_gap": float(gap.sum()),
        "areas_beyond_care": float((~near).sum()),
    }
    # 2SFCA (care facilities, 1 each, 3 km) and who is within a facility's catchment.
    access = pd.to_numeric(table["Capacity per 1,000"], errors="coerce")
    reach = pd.to_numeric(table["Facilities in catchment"], errors="coerce") > 0
    out["access_mean"] = float((access * known)[pop.notna()].sum() / pop.sum())
    out["people_within_catchment"] = float(known[reach].sum())
    out["people_no_supply"] = float(known[~reach].sum())
    if with_insured:
        classes = table["Class"].astype(str)
        for name, label in CLASSES.items():
            out[f"people_{name}"] = float(known[classes == label].sum())
    return out


def pdf_figures(pdf: bytes) -> dict[str, float]:
    """Headline and infrastructure figures from a briefing's text (pdftotext, reading order)."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    gap = re.search(r"No hospital within 10 km: ([\d,]+) areas?, ([\d,]+) people", flat)
    beyond = re.search(r"Farther than 2 km from [^:]+: ([\d,]+) areas?, ([\d,]+) people", flat)
    assert gap and beyond, flat[-2000:]
    return {
        "areas_referral_gap": number(gap.group(1)),
        "people_referral_gap": number(gap.group(2)),
        "areas_beyond_care": number(beyond.group(1)),
        "people_beyond_care": number(beyond.group(2)),
        "_text": flat,  # type: ignore[dict-item]
    }


def test_every_figure_is_the_same_everywhere(workspace, captured, tmp_path):
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    name, with_insured = workspace
    seen: dict[str, dict[str, float]] = {}

    # ---- Infrastructure needs: metrics, double gap, siting, the neighbourhoods file.
    at = run_page("app_pages/infrastructure.py", {**SETTINGS, **SITING})
    care = metric(at, "Care within 2.0 km")
    people = re.match(r"([\d,]+) of ([\d,]+) people", care.proto.help)
    gap = metric(at, "No hospital in 10.0 km")
    infra = {
        "share_near_care": number(care.value) / 100,
        "people_near_care": number(people.group(1)),
        "people_total": number(people.group(2)),
        "people_referral_gap": number(gap.value),
        "areas_referral_gap": number(re.search(r"([\d,]+) neighbourhoods", gap.proto.help)[1]),
        "siting_gain": number(metric(at, "People newly within reach").value),
    }
    if with_insured:
        table = next(d.value for d in at.dataframe if "Class" in d.value.columns)
        shown = dict(zip(table["Class"], table["Population"], strict=True))
        for key, label in CLASSES.items():
            infra[f"people_{key}"] = float(shown.get(label, 0))
    seen["infrastructure page"] = infra
    csv = captured["infra_areas"]["csv"]()
    xlsx = captured["infra_areas"]["xlsx"]()
    seen["infrastructure CSV"] = export_figures(
        pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig"), with_insured
    )
    seen["infrastructure XLSX"] = export_figures(pd.read_excel(io.BytesIO(xlsx)), with_insured)

    # ---- Capacity and load: the proposed sites as its what-if, the same distances.
    at.button(key="infra_open_capacity").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Capacity and load"
    at.switch_page("app_pages/capacity.py")  # stay on it for the rerun below
    for key, value in (("near", 2.0), ("referral", 10.0), ("catchment", 3.0)):
        at.select_slider(key=f"url_{key}").set_value(value)
    at.selectbox(key="url_service").set_value("care")
    at.selectbox(key="url_supply").set_value("facility")
    if with_insured:
        at.select_slider(key="url_covered").set_value(0.9)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    comparison = next(d.value for d in at.dataframe if "Figure" in d.value.columns)
    rows = comparison.set_index("Figure")
    capacity = {
        "people_near_care": number(rows.loc["People near care", "Before"]),
        "share_near_care": number(rows.loc["Share of people near care", "Before"]) / 100,
        "people_referral_gap": number(rows.loc["People with no hospital in reach", "Before"]),
        "siting_gain": number(rows.loc["People near care", "Change"]),
        "people_no_supply": number(rows.loc["People with no capacity in reach", "Before"]),
        "access_mean": number(
            next(v for f, v in rows["Before"].items() if f.endswith("per 1,000 people (average)"))
        ),
        "people_within_catchment": number(
            re.match(r"([\d,]+) of", metric(at, "People within reach").proto.help)[1]
        ),
    }
    if with_insured:
        for key, label in CLASSES.items():
            capacity[f"people_{key}"] = number(
                rows.loc[f"People {label[0].lower()}{label[1:]}", "Before"]
            )
    seen["capacity page"] = capacity

    # ---- Briefings: the PDF the page makes and the one its command line makes.
    at = run_page("app_pages/briefings.py", {"section": "briefing"})
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    page_pdf = pdf_figures(at.session_state["br_pdf"][1][0])
    command = next(c.value for c in at.code if "-m reports briefing" in c.value)
    argv = shlex.split(command.replace("--out briefing.pdf", f"--out {tmp_path / 'cli.pdf'}"))
    assert argv[0].endswith("python")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, env=env, check=True, timeout=120)
    cli_pdf = pdf_figures(Path(tmp_path / "cli.pdf").read_bytes())
    for label, figures in (
        ("briefing PDF (page)", page_pdf),
        ("briefing PDF (command line)", cli_pdf),
    ):
        seen[label] = {k: v for k, v in figures.items() if not k.startswith("_")}
        seen[label]["people_near_care"] = infra["people_total"] - figures["people_beyond_care"]

    # ---- Overview headline against the briefing's page 1.
    if with_insured:
        at = run_page("app_pages/overview.py")
        overview = {
            "coverage": number(metric(at, "Coverage").value) / 100,
            "population": number(metric(at, "Population").value),
            "insured": number(metric(at, "Insured").value),
            "uninsured": number(metric(at, "Uninsured").value),
        }
        seen["overview page"] = overview
        # Its district table, as the CSV and XLSX files hold it, adds up to the same totals.
        for extension in ("csv", "xlsx"):
            data = io.BytesIO(captured["dl_overview_district"][extension]())
            table = (
                pd.read_csv(data, encoding="utf-8-sig")
                if extension == "csv"
                else pd.read_excel(data)
            )
            seen[f"overview districts {extension.upper()}"] = {
                column.lower(): float(pd.to_numeric(table[column], errors="coerce").sum())
                for column in ("Population", "Insured", "Uninsured")
            }
        for label, figures in (
            ("briefing PDF (page)", page_pdf),
            ("briefing PDF (command line)", cli_pdf),
        ):
            head = re.search(
                r"Population Insured Coverage Uninsured Target ([\d,]+) ([\d,]+) ([\d.]+) % ([\d,]+)",
                figures["_text"],
            )
            assert head, figures["_text"][:600]
            seen[label].update(
                population=number(head[1]),
                insured=number(head[2]),
                coverage=number(head[3]) / 100,
                uninsured=number(head[4]),
            )

    # ---- Partners: the scorecards (page, CSV, XLSX) against the briefing's partner table.
    if with_insured:
        at = run_page("app_pages/partners.py")
        shown = next(d.value for d in at.dataframe if "Partner" in d.value.columns)
        files = captured["dl_partner_scorecards"]
        tables = {
            "partners page": shown,
            "partner scorecards CSV": pd.read_csv(io.BytesIO(files["csv"]()), encoding="utf-8-sig"),
            "partner scorecards XLSX": pd.read_excel(io.BytesIO(files["xlsx"]())),
        }
        for label, table in tables.items():
            seen[label] = {
                f"{partner} {column.lower()}": float(value)
                for column in ("Population", "Uninsured")
                for partner, value in zip(
                    table["Partner"].astype(str),
                    pd.to_numeric(table[column], errors="coerce"),
                    strict=True,
                )
            }
        for label, figures in (
            ("briefing PDF (page)", page_pdf),
            ("briefing PDF (command line)", cli_pdf),
        ):
            for partner in shown["Partner"].astype(str):
                row = re.search(
                    re.escape(partner) + r" ([\d,]+) ([\d,]+) [\d.]+ % (?:[\d.]+ %|—) ([\d,]+)",
                    figures["_text"],
                )
                assert row, (partner, figures["_text"][-1500:])
                seen[label][f"{partner} population"] = number(row[2])
                seen[label][f"{partner} uninsured"] = number(row[3])

    # ---- Every figure: one value, wherever it appears.
    values: dict[str, dict[str, float]] = {}
    for place, figures in seen.items():
        for figure, value in figures.items():
            values.setdefault(figure, {})[place] = value
    disagree = {}
    for figure, by_place in values.items():
        # As shown: shares to 0.1 %, 2SFCA to 4 decimals (the file rounds each area's), people whole.
        tolerance = {"share_near_care": 0.0005, "coverage": 0.0005, "access_mean": 1.5e-4}
        spread = max(by_place.values()) - min(by_place.values())
        if spread > tolerance.get(figure, 0.5):
            disagree[figure] = by_place
    print(name, {f: next(iter(v.values())) for f, v in values.items()})
    assert not disagree, "\n".join(
        f"{name} {figure}: "
        + "; ".join(
            f"{place} {v:,.0f}" if abs(v) >= 1 else f"{place} {v:.4f}"
            for place, v in by_place.items()
        )
        for figure, by_place in disagree.items()
    )
