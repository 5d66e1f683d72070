"""analytics.outreach: what a desk can enrol in a day bounds every enrolment figure of a plan.

A desk plan brings people *within range*; a desk enrols at most ``capacity`` people a day. These
tests hold the plan to ``enrolled <= desks × days × capacity`` and ``<= capacity`` per desk-day
over a seeded grid of settings, check the default capacity taken from the recorded sessions, and
the date of each plan day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import outreach
from analytics.sessions import (
    FALLBACK_DESK_CAPACITY,
    DeskCapacity,
    desk_capacity,
    expected_enrolments,
)
from analytics.worklist import work_list
from tests.unit.test_outreach import grid_areas


def test_expected_enrolments_are_the_newly_in_range_capped_at_capacity():
    gains = np.array([5_000.0, 260.0, 12.0, 0.0, np.nan])
    assert expected_enrolments(gains, 250).tolist() == [250.0, 250.0, 12.0, 0.0, 0.0]
    assert expected_enrolments(gains, 1e9)[:3].tolist() == [5_000.0, 260.0, 12.0]
    for bad in (0, -3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="capacity"):
            expected_enrolments(gains, bad)


def sessions(rows: list[tuple[str, str | None, float | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["session_id", "date", "enrolled", "kind"])


def test_desk_capacity_is_the_median_per_mobile_desk_session_day():
    recorded = sessions(
        [
            ("S1", "2026-03-01", 100, "mobile_desk"),
            ("S2", "2026-03-02", 250, "mobile_desk"),
            ("S2", "2026-03-02", 50, "mobile_desk"),  # same session, same day: 300 in all
            ("S3", "2026-03-05", 3_000, "mobile_desk"),  # one exceptional campaign day
            ("S4", "2026-03-06", 9_999, "door_to_door"),  # not a desk
            ("S5", None, 5_000, "mobile_desk"),  # no date: not a session-day
            ("S6", "2026-03-07", None, "mobile_desk"),  # no count
        ]
    )
    before = recorded.copy()
    found = desk_capacity(recorded)
    assert found == DeskCapacity(300, 3, "mobile_desk")  # median of 100, 300, 3000
    assert found.from_sessions
    pd.testing.assert_frame_equal(recorded, before)
    # no mobile desk recorded: every kind counts; an even count takes the middle, rounded
    mixed = sessions([("A", "2026-01-01", 41, None), ("B", "2026-01-02", 60, "door_to_door")])
    assert desk_capacity(mixed) == DeskCapacity(51, 2, None)
    # zero enrolled still leaves a desk able to enrol someone
    assert desk_capacity(sessions([("A", "2026-01-01", 0, None)])).per_desk_day == 1


@pytest.mark.parametrize(
    "recorded",
    [
        pd.DataFrame(columns=["session_id", "date", "enrolled"]),
        sessions([("A", None, 40, "mobile_desk"), ("B", "2026-01-01", None, "mobile_desk")]),
        pd.DataFrame({"session_id": ["A"], "enrolled": [40]}),
    ],
    ids=["none", "no-usable-row", "no-date-column"],
)
def test_desk_capacity_falls_back_without_sessions(recorded):
    found = desk_capacity(recorded)
    assert found.per_desk_day == FALLBACK_DESK_CAPACITY
    assert found.n_sessions == 0 and not found.from_sessions


def test_plan_days_carry_their_dates_and_the_work_list_its_desk_dates():
    areas = grid_areas(3)
    plan = outreach.plan_desks(areas, 2, 4, 400.0, capacity=300, start=dt.date(2026, 9, 23))
    table = plan.plan
    assert plan.start == pd.Timestamp("2026-09-23")
    expected = pd.Timestamp("2026-09-23") + pd.to_timedelta(table["day"] - 1, unit="D")
    assert (table["date"] == expected).all()
    assert table.loc[table["day"] == 1, "date"].eq(pd.Timestamp("2026-09-23")).all()
    rows = work_list(areas, plan=plan).set_index("area_id")
    on_plan = table.set_index("area_id")["date"]
    assert (rows.loc[on_plan.index, "desk_date"] == on_plan).all()
    assert rows.drop(index=on_plan.index)["desk_date"].isna().all()
    # without a start the days have no date
    assert outreach.plan_desks(areas, 2, 4, 400.0).plan["date"].isna().all()


# --------------------------------------------------------------------------------------------------
# the bound, over a seeded grid of settings (hypothesis is not installed)
# --------------------------------------------------------------------------------------------------

RADII = (250.0, 400.0, 600.0, 1_000.0, 2_000.0)
CAPACITIES = (1, 7, 40, 269, 1_000, 5_000, 10**7)


def settings(case: int) -> dict[str, object]:
    """Desks, days, radius, capacity and region for one case, drawn from ``case`` as a seed."""
    rng = np.random.default_rng(1_000 + case)
    return {
        "desks": int(rng.integers(1, 11)),
        "days": int(rng.integers(1, 15)),
        "radius": float(rng.choice(RADII)),
        "capacity": int(rng.choice(CAPACITIES)) if case % 3 else int(rng.integers(1, 3_000)),
        "seed": int(rng.integers(0, 1_000)),
        "nx": int(rng.integers(1, 6)),
        "ny": int(rng.integers(1, 5)),
    }


@pytest.mark.parametrize("case", range(48))
def test_enrolments_never_exceed_what_the_desks_can_enrol(case):
    s = settings(case)
    areas = grid_areas(s["seed"], nx=s["nx"], ny=s["ny"])
    desks, days, cap = s["desks"], s["days"], s["capacity"]
    plan = outreach.plan_desks(
        areas, desks, days, s["radius"], capacity=cap, start="2026-12-05", method="greedy"
    )
    table = plan.plan
    bound = desks * days * cap
    assert plan.capacity == cap and plan.enrolment_bound == bound
    # the whole plan, each desk-day and each day
    assert plan.enrolled <= bound + 1e-9
    assert (table["enrolled"] <= cap + 1e-9).all()
    assert (table.groupby("day")["enrolled"].sum() <= desks * cap + 1e-9).all()
    assert (table["cumulative_enrolled"] <= table["day"] * desks * cap + 1e-9).all()
    # enrolments come from the people brought within range, never more
    assert (table["enrolled"] <= table["in_range_new"] + 1e-9).all()
    assert plan.enrolled <= plan.in_range + 1e-9
    assert plan.enrolled == pytest.approx(table["enrolled"].sum())
    assert plan.enrolled == pytest.approx(np.minimum(table["in_range_new"], cap).sum())
    assert np.diff(table["cumulative_enrolled"].to_numpy()).min(initial=0.0) >= 0
    # within range is the plan's reach, apart from enrolments, and is bounded by the scope
    assert plan.in_range <= plan.total + 1e-9
    if len(table) == 0 or cap >= table["in_range_new"].max():
        assert plan.enrolled == pytest.approx(plan.in_range)  # capacity never binds
    # every plan day has its date, consecutive from the start
    first = pd.Timestamp("2026-12-05")
    assert (table["date"] - first).dt.days.add(1).eq(table["day"]).all()
