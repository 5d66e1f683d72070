"""Schema validation: types, required columns, unique ids, counts, geometry (geodata/tables/validate.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geodata_inputs import AREA_BOXES, FACILITY_POINTS
from geopandas.testing import assert_geodataframe_equal

from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.tables.validate import (
    clean_ids,
    conform,
    map_vocabulary,
    parse_bools,
    parse_dates,
    parse_dates_checked,
)

pytestmark = pytest.mark.filterwarnings("error")

BOWTIE = shapely.Polygon([(51.3, 35.6), (51.4, 35.7), (51.4, 35.6), (51.3, 35.7)])


def _areas(**columns: list) -> gpd.GeoDataFrame:
    data = {
        "area_id": ["101", "102", "103", "104"],
        "name": ["a", "b", "c", "d"],
        "population": ["1000", "2000", "3000", "4000"],
    }
    data.update(columns)
    geometry = data.pop("geometry", list(AREA_BOXES))
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


def _where(problems, column: str) -> list[tuple[int | None, str]]:
    return [(p.row, p.severity) for p in problems if p.column == column]


def test_clean_areas_conform_to_the_schema() -> None:
    table, problems = conform(_areas(), S.AREAS, source="areas.geojson")
    assert problems == []
    assert table.crs.equals(S.STORAGE_CRS)
    assert table["population"].dtype == "Int64"
    assert table["population"].tolist() == [1000, 2000, 3000, 4000]
    assert table["area_id"].map(type).eq(str).all()


def test_conform_does_not_modify_its_input() -> None:
    source = _areas(population=["1,000", "n/a", "3000", "4000"]).to_crs("EPSG:32639")
    before = source.copy()
    conform(source, S.AREAS, source="areas.geojson")
    assert_geodataframe_equal(source, before)


@pytest.mark.parametrize(
    ("raw", "expected", "severity"),
    [
        ("n/a", None, "rejected"),
        ("about 5000", None, "rejected"),
        ("-5", None, "rejected"),
        ("7.6", 8, "warning"),
        ("۴۴۴۰۶", 44406, None),
        ("44,406", 44406, None),
        ("", None, None),
    ],
)
def test_population_values(raw: str, expected: int | None, severity: str | None) -> None:
    table, problems = conform(_areas(population=["1", raw, "3", "4"]), S.AREAS, source="pop.csv")
    assert len(table) == 4  # the row is kept
    value = table.loc[table["area_id"] == "102", "population"].iloc[0]
    if expected is None:
        assert value is pd.NA  # missing, never zero
    else:
        assert value == expected
    found = [p for p in problems if p.column == "population"]
    if severity is None:
        assert found == []
    else:
        assert [(p.file, p.row, p.severity) for p in found] == [("pop.csv", 2, severity)]
        assert found[0].value == raw


def test_population_centre_is_checked_as_degrees() -> None:
    frame = _areas(pop_lon=["51.4", "200", "-51.4", None], pop_lat=["35.7", "35.7", "-91", "x"])
    table, problems = conform(frame, S.AREAS, source="areas.csv")
    assert len(table) == 4
    assert table["pop_lon"].tolist()[0] == 51.4 and table["pop_lat"].tolist()[0] == 35.7
    assert table["pop_lon"].isna().tolist() == [False, True, False, True]
    assert table["pop_lat"].isna().tolist() == [False, False, True, True]
    found = sorted((p.column, p.row, p.severity) for p in problems if p.column.startswith("pop_"))
    assert found == [
        ("pop_lat", 3, "rejected"),
        ("pop_lat", 4, "rejected"),
        ("pop_lon", 2, "rejected"),
    ]
    assert all(p.fix for p in problems if p.column.startswith("pop_"))


def test_required_column_missing() -> None:
    with pytest.raises(
        DataError, match=r"areas\.shp: the areas table needs column\(s\) population"
    ):
        conform(_areas().drop(columns="population"), S.AREAS, source="areas.shp")


def test_geometry_required() -> None:
    plain = pd.DataFrame(_areas().drop(columns="geometry"))
    with pytest.raises(DataError, match="geometry"):
        conform(plain, S.AREAS, source="areas.csv")


def test_duplicate_ids_stop_and_list_the_rows() -> None:
    frame = _areas(area_id=["101", "102", "101", "۱۰۲"])  # Persian digits are the same id
    with pytest.raises(DataError, match="duplicated area_id") as info:
        conform(frame, S.AREAS, source="areas.geojson")
    rows = sorted((p.file, p.row, p.column) for p in info.value.problems)
    assert rows == [("areas.geojson", r, "area_id") for r in (1, 2, 3, 4)]
    assert "row 3" in str(info.value)


def test_missing_id_rejects_the_row() -> None:
    table, problems = conform(_areas(area_id=["101", None, " ", "104"]), S.AREAS, source="a.csv")
    assert table["area_id"].tolist() == ["101", "104"]
    assert _where(problems, "area_id") == [(2, "rejected"), (3, "rejected")]


def test_invalid_geometry_is_repaired_and_reported() -> None:
    frame = _areas(geometry=[BOWTIE, *AREA_BOXES[1:]])
    table, problems = conform(frame, S.AREAS, source="a.geojson")
    assert table.geometry.is_valid.all()
    assert table.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert table.geometry.iloc[0].area == pytest.approx(shapely.make_valid(BOWTIE).area)
    assert table.geometry.iloc[0].area == pytest.approx(0.005)  # both triangles kept
    assert _where(problems, "geometry") == [(1, "repaired")]


def test_wrong_and_empty_geometry_rejected() -> None:
    line = shapely.LineString([(51.3, 35.6), (51.4, 35.7)])
    frame = _areas(geometry=[line, shapely.Polygon(), None, AREA_BOXES[3]])
    table, problems = conform(frame, S.AREAS, source="a.geojson")
    assert table["area_id"].tolist() == ["104"]
    assert _where(problems, "geometry") == [(2, "rejected"), (3, "rejected"), (1, "rejected")]


def test_projected_layer_is_stored_in_4326() -> None:
    table, _ = conform(_areas().to_crs("EPSG:32639"), S.AREAS, source="a.shp")
    assert table.crs.equals("EPSG:4326")
    np.testing.assert_allclose(table.total_bounds, [51.3, 35.6, 51.5, 35.8], atol=1e-6)


def test_layer_without_crs_is_an_error() -> None:
    frame = _areas().set_crs(None, allow_override=True)
    with pytest.raises(DataError, match="no CRS"):
        conform(frame, S.AREAS, source="a.shp")


def test_coordinates_outside_the_world() -> None:
    far = shapely.box(200, 35, 201, 36)
    table, problems = conform(_areas(geometry=[far, *AREA_BOXES[1:]]), S.AREAS, source="a.csv")
    assert table["area_id"].tolist() == ["102", "103", "104"]
    assert _where(problems, "geometry") == [(1, "rejected")]


def _facilities(**columns: list) -> gpd.GeoDataFrame:
    data = {
        "facility_id": ["F1", "F2", "F3", "F4"],
        "name": ["one", "two", "three", "four"],
        "type": ["hospital", "clinic", "clinic", "pharmacy"],
    }
    data.update(columns)
    xs, ys = zip(*FACILITY_POINTS, strict=True)
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")


def test_facility_types_map_local_words() -> None:
    words = ["بیمارستان امام خمینی", "Bệnh viện Chợ Rẫy", "درمانگاه شبانه‌روزی", "مطب"]
    table, problems = conform(
        _facilities(type=words), S.FACILITIES, source="f.csv", type_map={"مطب": "clinic"}
    )
    assert table["type"].tolist() == ["hospital", "hospital", "clinic", "clinic"]
    assert problems == []


def test_unknown_facility_type_rejects_the_row() -> None:
    table, problems = conform(
        _facilities(type=["hospital", "عینک سازی", "clinic", None]), S.FACILITIES, source="f.csv"
    )
    assert table["facility_id"].tolist() == ["F1", "F3"]
    assert sorted((p.row, p.column, p.value) for p in problems if p.column == "type") == [
        (2, "type", "عینک سازی"),
        (4, "type", None),
    ]


def test_unknown_status_kept_as_missing() -> None:
    table, problems = conform(
        _facilities(status=["operational", "open", None, "closed"]), S.FACILITIES, source="f.csv"
    )
    assert table["status"].tolist() == ["operational", None, None, "closed"]
    assert _where(problems, "status") == [(2, "rejected")]


def test_facility_polygon_rejected() -> None:
    frame = _facilities()
    frame.loc[1, "geometry"] = AREA_BOXES[0]
    table, problems = conform(frame, S.FACILITIES, source="f.gpkg")
    assert "F2" not in set(table["facility_id"])
    assert _where(problems, "geometry") == [(2, "rejected")]


def test_insured_periods_and_duplicate_months() -> None:
    insured = pd.DataFrame(
        {
            "area_id": ["101", "101", "102"],
            "period": ["2025-03-05", "1404/01/15", "۱۴۰۴/۰۱"],
            "insured": ["10", "11", "12"],
            "scheme": ["health", "health", "health"],
        }
    )
    table, _ = conform(insured.iloc[[0, 2]], S.INSURED, source="i.csv")
    assert table["period"].tolist() == [pd.Timestamp("2025-03-01"), pd.Timestamp("2025-03-01")]
    # 1404/01/15 is 2025-04-04: a different month from 2025-03-05.
    table, _ = conform(insured, S.INSURED, source="i.csv")
    assert len(table) == 3
    insured.loc[1, "period"] = "2025-03-31"
    with pytest.raises(DataError, match="duplicated area_id \\+ period \\+ scheme") as info:
        conform(insured, S.INSURED, source="i.csv")
    assert [p.row for p in info.value.problems] == [1, 2]
    assert info.value.problems[0].value == "101/2025-03-01/health"


def test_insured_missing_period_rejected_missing_count_kept() -> None:
    insured = pd.DataFrame(
        {"area_id": ["101", "102"], "period": ["", "2025-03"], "insured": ["5", "n/a"]}
    )
    table, problems = conform(insured, S.INSURED, source="i.csv")
    assert table["area_id"].tolist() == ["102"]
    assert table["insured"].iloc[0] is pd.NA
    assert ("period", 2, "rejected") in [(p.column, p.row + 1, p.severity) for p in problems]
    assert ("insured", 3, "rejected") in [(p.column, p.row + 1, p.severity) for p in problems]


def test_fraction_outside_zero_one() -> None:
    targets = pd.DataFrame(
        {
            "scope": ["101", "102"],
            "period": ["2025-03", "2025-03"],
            "target_coverage": ["0.9", "90"],
        }
    )
    table, problems = conform(targets, S.TARGETS, source="t.csv")
    assert table["target_coverage"].tolist() == [0.9]
    assert [p.fix for p in problems if p.column == "target_coverage"] == ["write 85 % as 0.85"]


def test_outreach_geometry_is_optional() -> None:
    outreach = gpd.GeoDataFrame(
        {"session_id": ["s1", "s2"], "date": ["2025-03-01", "2025-03-02"], "enrolled": ["5", "6"]},
        geometry=[shapely.Point(51.35, 35.65), None],
        crs="EPSG:4326",
    )
    table, problems = conform(outreach, S.OUTREACH, source="o.csv")
    assert len(table) == 2 and problems == []
    assert table.geometry.iloc[1] is None


def test_clean_ids() -> None:
    values = pd.Series(["007", " 12 ", "۱۲۳", None, "", "101.0"], dtype=object)
    assert clean_ids(values).tolist() == ["007", "12", "123", None, None, "101"]
    assert clean_ids(pd.Series([101.0, np.nan])).tolist() == ["101", None]
    assert clean_ids(pd.Series([None, None], dtype=object)).tolist() == [None, None]
    assert clean_ids(pd.Series([101, 7])).tolist() == ["101", "7"]


def test_parse_dates_and_bools() -> None:
    dates, bad = parse_dates(pd.Series(["2025-03-21", "۱۴۰۴/۰۱/۰۱", "21/03/2025", "soon", None]))
    assert dates.iloc[:3].tolist() == [pd.Timestamp("2025-03-21")] * 3
    assert bad.tolist() == [False, False, False, True, False]
    flags, bad = parse_bools(pd.Series(["yes", "خیر", "có", "maybe", None]))
    assert flags.iloc[:3].tolist() == [True, False, True]
    assert flags.iloc[3:].isna().all()
    assert bad.tolist() == [False, False, False, True, False]


def test_map_vocabulary_prefers_the_recipe_map() -> None:
    mapped = map_vocabulary(
        pd.Series(["بيمارستان", "lab", "Nhà thuốc Long Châu"]),
        S.FACILITY_TYPES,
        {"بیمارستان": "clinic"},  # the recipe says otherwise, and wins
    )
    assert mapped.tolist() == ["clinic", "lab", "pharmacy"]


@pytest.mark.parametrize("value", ["2952-01-01", "9999-12-31", "31/12/9999", "0001-01-01"])
def test_dates_out_of_range_are_a_row_problem_not_a_crash(value: str) -> None:
    dates, bad, outside = parse_dates_checked(pd.Series([value, "2025-03-21", "soon", None]))
    assert outside.tolist() == [True, False, False, False]
    assert bad.tolist() == [False, False, True, False]
    assert dates.isna().tolist() == [True, False, True, True]
    # parse_dates counts them as unreadable.
    assert parse_dates(pd.Series([value]))[1].tolist() == [True]


def test_timestamps_beyond_the_range_in_a_typed_column() -> None:
    far = pd.Series(np.array(["9999-12-31", "2025-01-01"], dtype="datetime64[s]"))
    dates, bad, outside = parse_dates_checked(far)
    assert dates.dtype == "datetime64[ns]"
    assert outside.tolist() == [True, False] and not bad.any()
    assert dates.iloc[1] == pd.Timestamp("2025-01-01")


@pytest.mark.parametrize(
    ("schema", "column", "frame"),
    [
        (S.INSURED, "period", {"area_id": ["101", "102"], "insured": ["5", "6"]}),
        (S.TARGETS, "period", {"scope": ["101", "102"], "target_coverage": ["0.5", "0.6"]}),
        (S.OUTREACH, "date", {"session_id": ["s1", "s2"], "enrolled": ["5", "6"]}),
        (
            S.FACILITIES,
            "opens_on",
            {"facility_id": ["f1", "f2"], "name": ["a", "b"], "type": ["clinic", "clinic"]},
        ),
    ],
)
def test_conform_reports_dates_out_of_range_with_a_fix(schema, column, frame) -> None:
    frame = dict(frame, **{column: ["2952-01-01", "2025-03-01"]})
    if schema.geometry:
        data = gpd.GeoDataFrame(
            frame,
            geometry=gpd.points_from_xy(*zip(*FACILITY_POINTS[:2], strict=True)),
            crs="EPSG:4326",
        )
    else:
        data = pd.DataFrame(frame)
    table, problems = conform(data, schema, source="t.csv")
    found = [p for p in problems if p.problem == "date out of range"]
    assert [(p.row, p.column, p.value) for p in found] == [(1, column, "2952-01-01")]
    assert "check the year" in found[0].fix
    required = column in schema.required
    assert len(table) == (1 if required else 2)
    assert not any(p.problem.startswith("date is missing") for p in problems)


def test_every_problem_of_conform_suggests_a_fix() -> None:
    broken = _areas(
        area_id=["101", "", "103", "103"],
        population=["many", "-5", "2.5", "10"],
        underserved=["maybe", "yes", "no", "yes"],
        geometry=[BOWTIE, shapely.Point(51.3, 35.6), None, AREA_BOXES[3]],
    )
    try:
        _, problems = conform(broken, S.AREAS, source="a.geojson")
    except DataError as exc:  # duplicates stop it: their problems name a fix too
        problems = exc.problems
    assert problems
    assert all(p.fix for p in problems), [p for p in problems if not p.fix]
    _, problems = conform(
        _areas(area_id=["101", "", "103", "104"], population=["many", "-5", "2.5", "10"]),
        S.AREAS,
        source="a.geojson",
    )
    assert len(problems) >= 4 and all(p.fix for p in problems)
