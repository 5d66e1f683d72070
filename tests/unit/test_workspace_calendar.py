"""A workspace's reporting calendar: chosen by the recipe or proposed by the periods' dates, kept
in every version on both store backends, Gregorian for every workspace saved before.

Tests that take ``new_workspace`` run on a GeoPackage file and on a PostGIS schema.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from geodata_inputs import AREA_NAMES_OTHER_SPELLING, write_region
from workspace_backends import Workspace

from geodata.sources.recipe import build_from_recipe, build_workspace
from geodata.store.workspace import (
    list_versions,
    read_table,
    restore_version,
    save_version,
    workspace_calendar,
)
from geodata.tables.problems import DataError


def _insured(months: list[str]) -> list[dict]:
    return [
        {"commune": n, "month": m, "insured_people": "1,000", "scheme": "health"}
        for n in AREA_NAMES_OTHER_SPELLING
        for m in months
    ]


def _region(tmp_path: Path, months: list[str], calendar: str | None = None) -> Path:
    extra = 'defaults = { population = "50000" }'
    recipe = write_region(
        tmp_path, insured=_insured(months), sections=("insured",), areas_extra=extra
    )
    if calendar is not None:
        text = recipe.read_text(encoding="utf-8")
        recipe.write_text(f'calendar = "{calendar}"\n' + text, encoding="utf-8")
    return recipe


def test_recipe_names_solar_hijri_and_periods_are_its_months(tmp_path: Path) -> None:
    # Iranian offices date a month by its first day (۱۴۰۵/۰۸/۰۱ = 1 Aban 1405 = 23 Oct 2026); a
    # day inside Mehr is counted into Mehr, never into a Gregorian month.
    recipe = _region(tmp_path, ["۱۴۰۵/۰۷/۰۱", "1405-08-01", "2026-11-30"], "solar_hijri")
    tables, report = build_from_recipe(recipe)
    periods = sorted(set(tables["insured"]["period"]))
    assert periods == [pd.Timestamp(d) for d in ("2026-09-23", "2026-10-23", "2026-11-22")]
    assert report.calendar == "solar_hijri" and not report.calendar_proposed
    assert "reporting months: solar hijri" in report.render()


def test_recipe_without_calendar_proposes_it_from_the_dates(tmp_path: Path) -> None:
    tables, report = build_from_recipe(_region(tmp_path / "sh", ["1405/07/01", "1405/08/01"]))
    assert report.calendar == "solar_hijri" and report.calendar_proposed
    assert set(tables["insured"]["period"]) == {
        pd.Timestamp("2026-09-23"),
        pd.Timestamp("2026-10-23"),
    }
    tables, report = build_from_recipe(_region(tmp_path / "g", ["2026-09-01", "2026-10-15"]))
    # Mixed days do not propose a calendar: Gregorian, as before calendars were kept.
    assert report.calendar == "gregorian" and not report.calendar_proposed
    assert set(tables["insured"]["period"]) == {
        pd.Timestamp("2026-09-01"),
        pd.Timestamp("2026-10-01"),
    }


def test_two_days_of_one_month_are_one_period(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="duplicated"):
        build_from_recipe(_region(tmp_path, ["2026-10-01", "2026-10-15"]))


def test_unknown_calendar_in_a_recipe_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="calendar must be"):
        build_from_recipe(_region(tmp_path, ["1405/07/01"], "lunar"))


def test_calendar_is_kept_by_every_version(new_workspace: Workspace, tmp_path: Path) -> None:
    recipe = _region(tmp_path, ["1405/07/01", "1405/08/01"], "solar_hijri")
    build_workspace(recipe, new_workspace)
    assert workspace_calendar(new_workspace) == "solar_hijri"
    insured = read_table(new_workspace, "insured")
    assert set(insured["period"]) == {pd.Timestamp("2026-09-23"), pd.Timestamp("2026-10-23")}
    # A later version that does not name a calendar keeps the workspace's.
    save_version(new_workspace, {"insured": insured.head(2)}, message="edit")
    assert workspace_calendar(new_workspace) == "solar_hijri"
    # Restoring a version restores its calendar with its periods.
    save_version(
        new_workspace, {"insured": insured}, message="switch", summary={"calendar": "gregorian"}
    )
    assert workspace_calendar(new_workspace) == "gregorian"
    restore_version(new_workspace, 2)
    assert workspace_calendar(new_workspace) == "solar_hijri"
    assert workspace_calendar(new_workspace, version=3) == "gregorian"
    assert [v.summary.get("calendar") for v in list_versions(new_workspace)] == [
        "solar_hijri",
        "solar_hijri",
        "gregorian",
        "solar_hijri",
    ]


def test_a_workspace_saved_before_calendars_is_gregorian(
    new_workspace: Workspace, tmp_path: Path
) -> None:
    tables, _ = build_from_recipe(_region(tmp_path, ["2026-09-01"]))
    save_version(new_workspace, tables, message="old build")  # no calendar in its summary
    assert "calendar" not in list_versions(new_workspace)[-1].summary
    assert workspace_calendar(new_workspace) == "gregorian"


def test_analytics_step_by_months_of_the_periods_calendar() -> None:
    import numpy as np

    from analytics.partners import months_back
    from analytics.trends import add_months

    mehr, aban = pd.Timestamp("2026-09-23"), pd.Timestamp("2026-10-23")
    assert add_months(pd.Series([mehr, aban]), np.array([1.0, -7.0])).tolist() == [
        aban,
        pd.Timestamp("2026-03-21"),  # 1 Farvardin 1405
    ]
    assert add_months(pd.Series([pd.Timestamp("2026-10-01")]), np.array([3.0])).tolist() == [
        pd.Timestamp("2027-01-01")
    ]
    have = [pd.Timestamp(d) for d in ("2025-10-23", "2026-07-23", "2026-09-23", "2026-10-23")]
    # Three months before Aban 1405 is Mordad 1405 (23 July), twelve is Aban 1404.
    assert months_back(have, aban, [1, 3, 12]) == {
        1: mehr,
        3: pd.Timestamp("2026-07-23"),
        12: pd.Timestamp("2025-10-23"),
    }


def test_briefing_month_names_a_solar_hijri_period() -> None:
    from reports.briefing import match_period, parse_month

    periods = [pd.Timestamp("2026-09-23"), pd.Timestamp("2026-10-23")]
    assert parse_month("1405-07") == parse_month("۱۴۰۵/۰۷") == parse_month("Mehr 1405")
    assert match_period(parse_month("1405-07"), periods) == periods[0]
    assert match_period(parse_month("2026-10"), periods) == periods[1]
    assert match_period(parse_month("2026-10"), [pd.Timestamp("2026-10-01")]) == pd.Timestamp(
        "2026-10-01"
    )


def test_briefing_file_is_named_by_the_workspace_month() -> None:
    from ui.briefings.data import pdf_name

    assert (
        pdf_name("region", None, "2026-10", "fa", "solar_hijri") == "briefing_region_1405-08_fa.pdf"
    )
    assert pdf_name("region", None, "2026-10", "en") == "briefing_region_2026-10_en.pdf"
    assert pdf_name("district", "D1", "", "en") == "briefing_district_D1_latest_en.pdf"
