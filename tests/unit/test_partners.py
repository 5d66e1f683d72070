"""Partners: the server-side scope filter, scorecards, assignment checks, reassignment, users."""

from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analytics import coverage as cov
from analytics.insured import available_periods
from analytics.partners import (
    assignment_checks,
    months_back,
    partner_scorecards,
    partner_targets,
    restrict_to_partner,
)
from geodata.store.assignments import reassign_areas, reassigned
from geodata.store.workspace import latest_version, list_versions, read_workspace, restore_version
from geodata.tables.problems import DataError
from geodata.users.accounts import (
    User,
    check_password,
    hash_password,
    parse_users,
    read_users,
    write_user,
)
from ui.scope import parse_source, source_key


def _tables() -> dict[str, pd.DataFrame]:
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["a1", "a2", "a3", "a4"],
            "name": ["North", "South", "East", "West"],
            "population": pd.array([100, 200, 300, 400], dtype="Int64"),
            "district_id": ["d1", "d1", "d2", "d2"],
            "partner_id": ["P1", "P2", "P1", None],
            "underserved": [True, True, True, False],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:4326",
    )
    periods = pd.to_datetime(["2025-01-01", "2025-04-01"])
    insured = pd.DataFrame(
        {
            "area_id": ["a1", "a2", "a3", "a4"] * 2,
            "period": np.repeat(periods, 4),
            "insured": pd.array([50, 100, 150, 200, 60, 120, 210, 220], dtype="Int64"),
        }
    )
    outreach = gpd.GeoDataFrame(
        {
            "session_id": ["s1", "s2", "s3"],
            "date": pd.to_datetime(["2025-02-01", "2025-02-02", "2025-02-03"]),
            "area_id": ["a1", "a2", None],
            "partner_id": ["P1", "P2", "P1"],
            "enrolled": pd.array([5, 6, 7], dtype="Int64"),
        },
        geometry=[Point(0.5, 0.5), Point(1.5, 0.5), Point(9, 9)],
        crs="EPSG:4326",
    )
    partners = pd.DataFrame(
        {"partner_id": ["P1", "P2"], "name": ["Relief", "Crescent"], "target_coverage": [1.0, 0.9]}
    )
    targets = pd.DataFrame(
        {
            "scope": ["region", "d1", "d2", "P2", "a2"],
            "period": pd.to_datetime(["2025-04-01"] * 5),
            "target_coverage": [0.8, 0.8, 0.8, 0.95, 0.9],
        }
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["f1"], "name": ["Clinic"], "type": ["clinic"]},
        geometry=[Point(0.5, 0.5)],
        crs="EPSG:4326",
    )
    return {
        "areas": areas,
        "insured": insured,
        "outreach": outreach,
        "partners": partners,
        "targets": targets,
        "facilities": facilities,
        "secret_table": pd.DataFrame({"area_id": ["a2"], "note": ["private"]}),
    }


def test_a_partner_keeps_only_its_own_rows():
    tables = _tables()
    before = {k: v.copy() for k, v in tables.items()}
    mine = restrict_to_partner(tables, "P1")
    assert mine["areas"]["area_id"].tolist() == ["a1", "a3"]
    assert set(mine["insured"]["area_id"]) == {"a1", "a3"}
    assert mine["outreach"]["session_id"].tolist() == ["s1", "s3"]  # s3: no area, its own
    assert mine["partners"]["partner_id"].tolist() == ["P1"]
    assert set(mine["targets"]["scope"]) == {"region", "d1", "d2"}  # not P2's, not a2's
    assert len(mine["facilities"]) == 1  # public infrastructure
    assert mine["secret_table"].empty  # an unknown table is never passed on
    for name, frame in before.items():  # inputs untouched
        pd.testing.assert_frame_equal(pd.DataFrame(tables[name]), pd.DataFrame(frame))


def test_a_partner_with_no_areas_sees_no_rows():
    mine = restrict_to_partner(_tables(), "P9")
    assert mine["areas"].empty and mine["insured"].empty and mine["partners"].empty


def test_a_session_without_an_area_goes_to_the_partner_of_the_area_its_point_lies_in():
    tables = _tables()
    extra = gpd.GeoDataFrame(
        {
            "session_id": ["s4", "s5"],
            "date": pd.to_datetime(["2025-03-01", "2025-03-02"]),
            "area_id": [None, None],
            "partner_id": ["P1", None],  # s4: recorded by P1, held in P2's area a2
            "enrolled": pd.array([8, 9], dtype="Int64"),
        },
        geometry=[Point(1.5, 0.5), Point(2.5, 0.5)],  # s5: in P1's area a3, no recorder
        crs="EPSG:4326",
    )
    tables["outreach"] = pd.concat([tables["outreach"], extra], ignore_index=True)
    p1 = restrict_to_partner(tables, "P1")["outreach"]["session_id"].tolist()
    p2 = restrict_to_partner(tables, "P2")["outreach"]["session_id"].tolist()
    assert p1 == ["s1", "s3", "s5"]  # s3: in no area at all, recorded by P1
    assert p2 == ["s2", "s4"]


def test_an_area_of_two_partners_is_shown_to_each_and_flagged():
    tables = _tables()
    tables["areas"] = tables["areas"].assign(partner_id=["P1; P2", "P2", "P1", None])
    p1 = restrict_to_partner(tables, "P1")
    p2 = restrict_to_partner(tables, "P2")
    assert p1["areas"]["area_id"].tolist() == ["a1", "a3"]
    assert p2["areas"]["area_id"].tolist() == ["a1", "a2"]
    assert set(p2["insured"]["area_id"]) == {"a1", "a2"}
    assert restrict_to_partner(tables, "P").get("areas").empty  # no prefix match
    # Each of them sees the area reported as having two partners, the cell as written (the
    # other partner's id is unknown in its own scope, which holds only its own partners row).
    for mine in (p1, p2):
        found = assignment_checks(mine["areas"], mine["partners"])
        assert "several_partners" in set(found["problem"])
        assert set(found["area_id"]) == {"a1"} and set(found["partner_id"]) == {"P1; P2"}
    found = assignment_checks(tables["areas"], tables["partners"])  # a planner's view
    assert set(zip(found["area_id"], found["problem"], strict=True)) == {("a1", "several_partners")}


def test_headline_figures_of_no_areas_are_missing_not_zero():
    mine = restrict_to_partner(_tables(), "P9")
    figures = cov.headline_figures(cov.coverage_by_area(mine["areas"], mine["insured"]))
    assert figures["n_areas"] == 0 and figures["n_no_data"] == 0
    for name in ("population", "insured", "coverage", "uninsured", "gap_to_full"):
        assert np.isnan(figures[name]), name


def test_source_keys_keep_scopes_apart():
    assert source_key("/w/a.gpkg") == "/w/a.gpkg"
    key = source_key("/w/a.gpkg", "P1")
    assert key != source_key("/w/a.gpkg", "P2") != "/w/a.gpkg"
    assert parse_source(key) == ("/w/a.gpkg", "P1")
    assert parse_source("/w/a.gpkg") == ("/w/a.gpkg", None)
    with pytest.raises(ValueError):
        source_key("/w/x::partner=P1.gpkg")


def test_scorecards_add_up_and_compare_with_earlier_months():
    tables = _tables()
    now = cov.coverage_by_area(tables["areas"], tables["insured"], period="2025-04-01")
    then = cov.coverage_by_area(tables["areas"], tables["insured"], period="2025-01-01")
    cards = partner_scorecards(now, {3: then}, tables["partners"], tables["targets"])
    cards = cards.set_index("partner_id")
    assert cards.loc["P1", "areas"] == 2 and cards.loc["P2", "areas"] == 1
    assert cards.loc["P1", "population"] == 400 and cards.loc["P1", "insured"] == 270
    assert cards.loc["P1", "coverage"] == pytest.approx(270 / 400)
    assert cards.loc["P1", "change_3m"] == pytest.approx(270 / 400 - 200 / 400)
    assert cards.loc["P2", "target"] == 0.95  # the targets table wins over the partners table
    assert cards.loc["P1", "target"] == 1.0
    assert cards.loc["P2", "progress"] == pytest.approx((120 / 200) / 0.95)
    # the partners' sums never exceed the region's
    assert cards["population"].sum() <= tables["areas"]["population"].sum()


def test_the_change_looks_back_by_calendar_month_not_by_position():
    # No counts for February or March: the month before April is missing, not January.
    months = list(pd.to_datetime(["2024-04-01", "2025-01-01", "2025-04-01"]))
    april = pd.Timestamp("2025-04-01")
    assert months_back(months, april, (1, 3, 12)) == {
        3: pd.Timestamp("2025-01-01"),
        12: pd.Timestamp("2024-04-01"),
    }
    # With a gap, the position three back (2024-04) is not three months back: left out.
    assert (
        months_back(months[1:] + [pd.Timestamp("2025-05-01")], pd.Timestamp("2025-05-01"), (3,))
        == {}
    )
    assert months_back(months, None, (3,)) == {}
    # Month ends and leap years: by calendar month.
    assert months_back([pd.Timestamp("2024-02-01")], pd.Timestamp("2025-02-01"), (12,)) == {
        12: pd.Timestamp("2024-02-01")
    }
    tables = _tables()
    now = cov.coverage_by_area(tables["areas"], tables["insured"], period="2025-04-01")
    earlier = {
        n: cov.coverage_by_area(tables["areas"], tables["insured"], period=month)
        for n, month in months_back(
            available_periods(tables["insured"]), pd.Timestamp("2025-04-01"), (1, 3)
        ).items()
    }
    assert list(earlier) == [3]  # March has no counts: its change is not January's
    cards = partner_scorecards(now, earlier, tables["partners"], tables["targets"])
    assert "change_1m" not in cards
    assert cards.set_index("partner_id").loc["P1", "change_3m"] == pytest.approx(70 / 400)


def test_partner_targets_fall_back_to_the_partners_table():
    tables = _tables()
    targets = partner_targets(tables["partners"], tables["targets"].iloc[0:0])
    assert targets.to_dict() == {"P1": 1.0, "P2": 0.9}


def test_assignment_checks_find_missing_double_and_unknown_partners():
    tables = _tables()
    areas = tables["areas"].copy()
    areas["partner_id"] = ["P1;P2", None, "P7", None]
    found = assignment_checks(areas, tables["partners"])
    got = set(zip(found["area_id"], found["problem"], strict=True))
    # a4 is not underserved: it needs no partner
    assert got == {("a1", "several_partners"), ("a2", "no_partner"), ("a3", "unknown_partner")}
    assert assignment_checks(tables["areas"], tables["partners"]).empty


def test_reassigned_changes_only_the_chosen_areas():
    areas = _tables()["areas"]
    out = reassigned(areas, ["a1", "a4"], "P2")
    assert out["partner_id"].tolist() == ["P2", "P2", "P1", "P2"]
    assert areas["partner_id"].tolist()[:3] == ["P1", "P2", "P1"]  # input untouched
    assert pd.isna(areas["partner_id"].iloc[3])
    with pytest.raises(ValueError, match="zz"):
        reassigned(areas, ["zz"], "P2")


def test_reassignment_is_a_version_with_author_and_can_be_restored(demo_workspace, tmp_path):
    path = tmp_path / "ws.gpkg"
    shutil.copy(demo_workspace, path)
    before = latest_version(path)
    areas = read_workspace(path)["areas"]
    chosen = areas.loc[areas["partner_id"] == "P3", "area_id"].tolist()[:2]
    number = reassign_areas(path, chosen, "P4", author="Ana", expected_version=before)
    assert number == before + 1
    record = list_versions(path)[-1]
    assert record.author == "Ana" and "P4" in record.message
    assert set(record.summary["changed"]) == {"areas"}
    now = read_workspace(path)["areas"].set_index("area_id")["partner_id"]
    assert (now.loc[chosen] == "P4").all()
    with pytest.raises(DataError, match="moved on"):
        reassign_areas(path, chosen, "P1", author="Ana", expected_version=before)
    with pytest.raises(DataError, match="Unknown partner"):
        reassign_areas(path, chosen, "P99", author="Ana")
    with pytest.raises(DataError, match="No area"):
        reassign_areas(path, [], "P1", author="Ana")
    assert latest_version(path) == number  # refused changes leave no version
    restore_version(path, before, author="Ana")
    back = read_workspace(path)["areas"].set_index("area_id")["partner_id"]
    assert (back.loc[chosen] == "P3").all()


def test_users_file_round_trip_and_password_check(tmp_path):
    path = tmp_path / "users.toml"
    digest = hash_password("a long password")
    write_user(path, User("ana", "Ana", "planner", None, "ana@example.org", digest))
    write_user(path, User("rc", 'Red "Crescent"', "partner", "P2", None, digest))
    users = read_users(path)
    assert [u.username for u in users.users] == ["ana", "rc"]
    assert users.by_username("RC").partner_id == "P2"
    assert users.by_email("ANA@example.org").username == "ana"
    assert check_password(users, "ana", "a long password").username == "ana"
    assert check_password(users, "ana", "wrong") is None
    assert check_password(users, "nobody", "a long password") is None
    assert "a long password" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[users]]\nusername = "x"\nrole = "boss"', "role 'boss'"),
        ('[[users]]\nusername = "x"\nrole = "partner"', "names no partner_id"),
        ('[[users]]\nusername = "x"\nrole = "planner"\npartner_id = "P1"', "only partner users"),
        ('[[users]]\nusername = "x"\nrole = "admin"\npassword_hash = "plain"', "not an argon2"),
        (
            '[[users]]\nusername = "x"\nrole = "admin"\n[[users]]\nusername = "X"\nrole = "admin"',
            "appears twice",
        ),
        ("users = [", "not valid TOML"),
    ],
)
def test_a_broken_users_file_is_refused_with_a_clear_message(text, message):
    with pytest.raises(DataError, match=message):
        parse_users(text)


def test_short_passwords_are_refused():
    with pytest.raises(ValueError, match="8 characters"):
        hash_password("short")


def test_users_command_adds_a_user(tmp_path, monkeypatch, capsys):
    import io

    from geodata.users.accounts import main

    path = tmp_path / "users.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("secret password\n"))
    assert (
        main(
            [
                "add",
                str(path),
                "--username",
                "p1",
                "--role",
                "partner",
                "--partner",
                "P1",
                "--password-stdin",
            ]
        )
        == 0
    )
    users = read_users(path)
    assert check_password(users, "p1", "secret password").partner_id == "P1"
    assert main(["list", str(path)]) == 0
    assert "p1\tpartner (partner P1)" in capsys.readouterr().out


def test_partner_colours_stay_distinct_and_the_rest_share_one_named_colour():
    from ui.partners.views import OTHER_PARTNERS_COLOUR, PARTNER_COLOURS, partner_colours

    assert len(set(PARTNER_COLOURS)) == len(PARTNER_COLOURS) >= 20
    assert OTHER_PARTNERS_COLOUR not in PARTNER_COLOURS
    few = partner_colours([f"P{i:02d}" for i in range(20)])
    assert len(set(few.values())) == 20  # twenty partners: twenty colours, none repeated
    ids = [f"P{i:02d}" for i in range(25)]
    sizes = {pid: (100 if pid in ("P21", "P24") else i) for i, pid in enumerate(ids)}
    many = partner_colours(ids, sizes)
    distinct = [c for c in many.values() if c != OTHER_PARTNERS_COLOUR]
    assert len(distinct) == len(set(distinct)) == 20  # no colour means two partners
    shared = sorted(p for p, c in many.items() if c == OTHER_PARTNERS_COLOUR)
    assert shared == ["P00", "P01", "P02", "P03", "P04"]  # the five with the fewest areas
    assert many["P21"] != OTHER_PARTNERS_COLOUR and many["P24"] != OTHER_PARTNERS_COLOUR


def test_sign_in_failures_lock_a_user_name_and_back_off(tmp_path):
    from geodata.users.sign_ins import SignInLimits

    now = [100.0]
    store = SignInLimits(tmp_path / "s.sqlite", max_failures=3, clock=lambda: now[0])
    for _ in range(2):
        assert store.begin("Relief") == 0
    assert store.seconds_locked("relief") == 0  # two of three: not yet
    assert store.begin(" RELIEF") == 0  # the third may still be checked...
    assert store.seconds_locked("relief") == 30.0  # ...and locks the name once it fails
    assert store.begin("relief") == 30.0  # a locked name is not counted further
    assert store.seconds_locked("crescent") == 0  # per user name
    now[0] += 20
    assert store.seconds_locked("relief") == pytest.approx(10.0)
    now[0] += 10
    assert store.begin("relief") == 0  # cooled down: one more try...
    assert store.seconds_locked("relief") == 60.0  # ...and a failure doubles the lock
    now[0] += 60
    assert store.begin("relief") == 0
    store.succeeded("relief")  # the right password clears the name
    assert store.counts() == {}
    # Another store object on the same file (another app server) sees the same counts.
    for _ in range(3):
        store.begin("crescent")
    assert SignInLimits(tmp_path / "s.sqlite", max_failures=3, clock=lambda: now[0]).begin(
        "crescent"
    ) == pytest.approx(30.0)


def test_sign_in_failures_lock_a_client_address_across_user_names(tmp_path):
    from geodata.users.sign_ins import SignInLimits

    store = SignInLimits(tmp_path / "s.sqlite", max_failures=3, client_max_failures=4)
    for name in ("a", "b", "c", "d"):  # a different name each time: no name reaches its limit
        assert store.begin(name, "10.0.0.9") == 0
    assert store.begin("e", "10.0.0.9") > 0  # but the client did
    assert store.begin("e", "10.0.0.10") == 0  # another client may still try
    assert oct((tmp_path / "s.sqlite").stat().st_mode & 0o777) == "0o600"


def test_the_users_file_is_written_readable_by_its_owner_only(tmp_path):
    import os
    import stat

    from geodata.users.accounts import User, hash_password, read_users, write_user

    path = tmp_path / "users.toml"
    digest = hash_password("correct horse battery")
    umask = os.umask(0o022)  # the usual umask: new files world-readable
    try:
        write_user(path, User("ana", "Ana", "planner", None, None, digest))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)  # a users file made by hand, readable by everyone
        write_user(path, User("rc", "RC", "partner", "P2", None, digest))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(umask)
    assert [u.username for u in read_users(path).users] == ["ana", "rc"]
