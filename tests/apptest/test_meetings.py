"""AppTest: the Briefings page for meetings (#20, item 4). The side-by-side comparison downloads
as a PNG and a PDF in the chosen language (Persian digits and right to left, Vietnamese number
format) and the audit trail has each download; the presentation opens with the region and its
trend, then steps through the districts most in need first, in the Gap analysis's order (the areas
where a workspace has no districts); a planner sets a target, which is a new version and shows in
the Gap analysis's trend; a partner is offered no targets editor."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from geodata.store.workspace import latest_version, read_workspace
from geodata.users import audit
from render.format import fmt_int, fmt_pct
from render.i18n import translate
from tests.apptest.helpers import run_as, run_page, write_users
from tests.apptest.test_no_districts import communes_path, on_communes  # noqa: F401
from tests.conftest import require
from tests.hardening.downloads import have_pdftotext, pdf_text

PAGE = "app_pages/briefings.py"
LATIN_DIGIT = re.compile(r"[0-9]")
TITLE = re.compile(r'class="ca-present-title" dir="auto">([^<]*)</div>')


@pytest.fixture
def workspace(demo_workspace: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the demo with planner, partner and administrator users; no audit events."""
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"DROP TABLE IF EXISTS {audit.TABLE}")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    users = {"planner": ("planner", None), "partner": ("partner", "P1")}
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", write_users(tmp_path / "users.toml", users))
    return path


def press(monkeypatch, extensions: tuple[str, ...]) -> dict[str, bytes]:
    """Every file of ``extensions`` the runs offer from now on, made as if its button were
    pressed: file name → bytes."""
    files: dict[str, bytes] = {}
    add_deferred = MediaFileManager.add_deferred

    def pressed(self, make, mimetype, coordinates, file_name=None, **kwargs):
        if file_name and file_name.endswith(extensions):
            files[file_name] = make()
        return add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", pressed)
    return files


def figure_texts(monkeypatch) -> list[list[str]]:
    """The texts of every comparison picture drawn from now on (one list per picture)."""
    from reports import comparison

    drawn: list[list[str]] = []
    draw = comparison.comparison_figure

    def spy(*args, **kwargs):
        fig = draw(*args, **kwargs)
        drawn.append(comparison.comparison_texts(fig))
        return fig

    monkeypatch.setattr(comparison, "comparison_figure", spy)
    return drawn


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_the_comparison_downloads_as_png_and_pdf_in_the_chosen_language(
    workspace, monkeypatch, lang
):
    require(have_pdftotext(), "poppler-utils (pdftotext) not installed")
    files = press(monkeypatch, (".png", ".pdf"))
    drawn = figure_texts(monkeypatch)
    at = run_as("planner", PAGE, {"lang": lang, "section": "compare", "cmp": "districts"})
    a, b = at.selectbox(key="br_a").value, at.selectbox(key="br_b").value
    labels = [d.proto.label for d in at.get("download_button")]
    for key in ("download_png", "download_pdf"):
        assert translate(f"briefings.compare_export.{key}", lang) in labels
    png = files[f"compare_districts_{a}_{b}_{lang}.png"]
    pdf = files[f"compare_districts_{a}_{b}_{lang}.pdf"]
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")
    # The picture's texts and the PDF's text are in the language.
    texts = drawn[0]
    text = pdf_text(pdf)
    assert translate("metric.coverage", lang) in " ".join(texts)
    assert translate("briefings.compare_export.figures", lang) in text
    assert translate("metric.uninsured", lang) in text
    areas = read_workspace(workspace)["areas"]
    population = areas[areas["district_id"] == a]["population"].sum()
    assert fmt_int(population, lang) in text  # e.g. 11.052 in Vietnamese, ۱۱٬۰۵۲ in Persian
    if lang == "fa":  # every number in Persian digits (the names are the data's)
        names = [at.selectbox(key=k).format_func(v) for k, v in (("br_a", a), ("br_b", b))]
        assert not [t for t in texts if LATIN_DIGIT.search(unnamed(t, names))], texts
        assert not LATIN_DIGIT.search(unnamed(text, names)), text
    else:
        assert re.search(r"\d+,\d\s?%", text), text  # 81,7% in Vietnamese, not 81.7%
        assert not re.search(r"\d+\.\d\s?%", text), text
        assert any(re.search(r"\d+,\d\s?%", t) for t in texts), texts
        assert not [t for t in texts if re.search(r"\d+\.\d\s?%", t)], texts
    # The audit trail has both downloads, as the planner's.
    trail = audit.read(workspace, actions=["download"])
    assert set(trail["what"]) >= {f"compare_districts_{a}_{b}_{lang}.{x}" for x in ("png", "pdf")}
    assert set(trail["user"]) == {"planner"}


def values(encoded: object) -> list:
    """A chart's values as plotly sends them: a list, or typed binary (``bdata``)."""
    if isinstance(encoded, dict):
        raw = base64.b64decode(encoded["bdata"])
        return np.frombuffer(raw, dtype=encoded["dtype"]).tolist()
    return list(encoded)  # type: ignore[call-overload]


def unnamed(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, "")
    return text


def presented(at) -> str:
    """The heading of the presentation's slide."""
    for element in at.get("html"):
        found = TITLE.search(element.proto.body)
        if found:
            return found.group(1)
    raise AssertionError("no slide heading")


def test_the_presentation_opens_with_region_and_trend_then_districts_by_need(on_demo):
    ranking = run_page("app_pages/gap_analysis.py", {"level": "district"})
    by_need = list(ranking.dataframe[0].value[translate("table.name", "en")])
    title = translate("briefings.slides.region", "en", region="Demo region")
    slides = []
    for step in range(2 + 3):
        at = run_page(PAGE, {"present": "1", "by": "districts", "step": str(step)})
        slides.append(presented(at))
        if step == 1:
            assert at.get("plotly_chart"), "the trend slide draws coverage against the target"
    assert slides[0] == title
    assert slides[1] == translate("briefings.slides.trend", "en", region="Demo region")
    assert slides[2:] == by_need[:3]
    assert slides[2:] != ["District 1", "District 2", "District 3"]


@pytest.mark.usefixtures("on_communes")
def test_without_districts_the_presentation_steps_through_the_areas():
    at = run_page(PAGE, {"present": "1", "by": "areas", "step": "2"})
    ranking = run_page("app_pages/gap_analysis.py", {})
    first = ranking.dataframe[0].value[translate("table.name", "en")].iloc[0]
    assert presented(at) == first


def test_a_planner_sets_a_target_a_new_version_in_the_gap_trend(workspace, monkeypatch):
    before = latest_version(workspace)
    at = run_as("planner", PAGE, {"section": "targets"})
    at.radio(key="br_tg_kind").set_value("region")
    at.selectbox(key="br_tg_month").set_value("2026-10")
    at.select_slider(key="br_tg_value").set_value(90)
    at.button(key="br_tg_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert latest_version(workspace) == before + 1
    targets = read_workspace(workspace)["targets"]
    region = targets[targets["scope"] == "region"].set_index("period")["target_coverage"]
    assert region[pd.Timestamp("2026-10-01")] == pytest.approx(0.9)
    assert fmt_pct(0.9, "en", digits=0) in at.success[0].value
    [row] = audit.read(workspace, actions=["target_set"]).itertuples()
    assert (row.user, row.role) == ("planner", "planner") and "region" in row.what
    # The Gap analysis's trend draws the new target.
    gap = run_as("planner", "app_pages/gap_analysis.py", {"view": "trends"})
    chart = json.loads(gap.get("plotly_chart")[0].proto.spec)
    [line] = [t for t in chart["data"] if t.get("name") == translate("chart.target", "en")]
    assert str(values(line["x"])[-1]).startswith("2026-10")
    assert values(line["y"])[-1] == pytest.approx(0.9)
    # A partner is not offered the editor.
    partner = run_as("partner", PAGE, {"section": "targets"})
    offered = partner.segmented_control(key="br_section").options
    assert translate("briefings.sections.targets", "en") not in offered
