"""The demo names its districts in the three languages, as it names its areas (issue #20): a
Persian map reads منطقهٔ ۵, not "District ۵"."""

from __future__ import annotations

import re

from geodata.sources.demo import build_demo_tables
from render.language import display_names


def test_demo_districts_have_persian_and_vietnamese_names():
    areas = build_demo_tables()["areas"]
    districts = areas.drop_duplicates("district_id")
    fa = display_names(districts, "district_name", "fa")
    vi = display_names(districts, "district_name", "vi")
    en = display_names(districts, "district_name", "en")
    assert fa.map(lambda n: bool(re.fullmatch("منطقهٔ [۰-۹]+", n))).all(), fa.tolist()
    assert vi.map(lambda n: bool(re.fullmatch(r"Quận \d+", n))).all(), vi.tolist()
    assert (en == districts["district_name"]).all()
    # one name per district, the same number in every language
    assert fa.nunique() == vi.nunique() == districts["district_id"].nunique()
    numbers = districts["district_id"].str.lstrip("D0")
    assert (vi.str.removeprefix("Quận ") == numbers.to_numpy()).all()


def test_a_district_name_without_a_district_is_not_shown():
    from geodata.tables.area_columns import fill_area_columns

    areas = build_demo_tables()["areas"].drop(columns=["district_id", "district_name"])
    filled = fill_area_columns(areas)
    assert filled[["district_name_fa", "district_name_vi", "district_name_en"]].isna().all().all()
    kept = fill_area_columns(build_demo_tables()["areas"])
    assert kept["district_name_vi"].notna().all()
