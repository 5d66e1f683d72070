"""The Data page's list of versions says what each version changed in the reader's language: the
tables by their catalog names and the counts in the language's digits (the stored summary names
the tables in English: a Persian reader read ``areas +300 ~0 −0``)."""

from __future__ import annotations

import pytest

from geodata.store.workspace import read_table, save_version
from render.i18n import translate
from render.language import Language
from tests.apptest.helpers import run_page


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_version_changes_in_the_readers_words(on_demo, lang) -> None:
    at = run_page("app_pages/data.py", {"lang": lang})
    header = translate("data.version_changes", lang)
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    changes = " ".join(table[header].astype(str))
    areas = translate("data.table_areas", lang)
    assert f"{areas} +{Language(lang).int(300)}" in changes, changes
    assert "areas" not in changes


def test_version_numbers_in_persian_digits(demo_copy) -> None:
    facilities = read_table(demo_copy, "facilities")
    save_version(demo_copy, {"facilities": facilities.iloc[:-1]}, message="one facility fewer")
    at = run_page("app_pages/data.py", {"lang": "fa"})
    for key in ("dm_cmp_old", "dm_cmp_new", "dm_restore_pick"):
        options = at.selectbox(key=key).options
        assert options and all(o and not any(c.isascii() for c in o) for o in options), options
    assert not any(c.isascii() and c.isdigit() for c in at.checkbox(key="dm_restore_sure").label)


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_save_times_in_the_readers_calendar(on_demo, lang) -> None:
    at = run_page("app_pages/data.py", {"lang": lang})
    header = translate("data.version_created_at", lang)
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    stamps = table[header].astype(str).tolist()
    assert stamps and not any("T" in s or "Z" in s for s in stamps), stamps
    if lang == "fa":  # Solar Hijri: a 14xx year in Persian digits
        assert all(s.startswith("۱۴") for s in stamps), stamps


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_what_the_workspace_wrote_on_its_versions_in_the_readers_words(demo_copy, lang) -> None:
    """The messages the workspace writes by itself (the demo, a reassignment, a target, a
    session) read in the reader's words and digits; an author's own message as written."""
    import datetime as dt

    import pandas as pd

    from geodata.store.assignments import reassign_areas
    from geodata.store.sessions import record_session
    from geodata.store.targets import set_target

    area = str(read_table(demo_copy, "areas")["area_id"].iloc[0])
    reassign_areas(demo_copy, [area], "P2", author="t")
    set_target(demo_copy, "region", "region", pd.Timestamp("2026-09-01"), 0.8, author="t")
    record_session(
        demo_copy, area_id=area, date=dt.date(2026, 9, 14), enrolled=12, kind="mobile_desk",
        author="t",
    )  # fmt: skip
    facilities = read_table(demo_copy, "facilities")
    save_version(demo_copy, {"facilities": facilities.iloc[:-1]}, message="one facility fewer")
    at = run_page("app_pages/data.py", {"lang": lang})
    header = translate("data.version_message", lang)
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    shown = table[header].astype(str).tolist()
    language = Language(lang)
    assert shown[0] == "one facility fewer"  # an author's own words (the newest version first)
    written = " | ".join(shown[1:])
    for english in ("demo region", "Synthetic", "Reassigned", "area(s)", "Target set", "Session"):
        assert english not in written, written
    assert translate("data.message_reassign", lang, n=language.int(1), partner="P2") in shown
    assert translate("gap.kind.mobile_desk", lang) in written
    assert language.pct(0.8) in written and language.int(12) in written
    if lang == "fa":
        assert not any(
            c.isascii() and c.isdigit() for c in written.replace(area, "").replace("P2", "")
        ), written
