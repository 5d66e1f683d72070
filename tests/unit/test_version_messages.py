"""geodata/store/messages.py: the messages the workspace writes on its versions are read back, an
author's own message is not, and the writers store what the templates write."""

from __future__ import annotations

import datetime as dt
import shutil
from string import Formatter

import pandas as pd
import pytest

from geodata.store import messages
from geodata.store.assignments import reassign_areas
from geodata.store.sessions import record_session
from geodata.store.targets import set_target
from geodata.store.workspace import list_versions, read_workspace, restore_version


def fields_of(template: str) -> list[str]:
    return [field for _, field, _, _ in Formatter().parse(template) if field]


@pytest.mark.parametrize("key", list(messages.TEMPLATES))
def test_every_template_reads_back_with_its_fields(key) -> None:
    # Ids, counts and words in the first fields; the last (a name, a file, a list of files) may
    # hold the template's own words and separators and still reads back whole.
    names = fields_of(messages.TEMPLATES[key])
    fields = {f: f"{f}-1" for f in names}
    fields[names[-1]] = "a (v2): b — c from d ← e, f"
    assert messages.read(messages.message(key, **fields)) == (key, fields)


@pytest.mark.parametrize(
    "text",
    ["fixed the district names", "build from", "import areas", "", "Reassigned areas to P2"],
)
def test_an_authors_own_message_is_no_template(text) -> None:
    assert messages.read(text) is None


def test_what_the_writers_store_is_read_back(demo_workspace, tmp_path) -> None:
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_workspace, path)
    tables = read_workspace(path)
    area = str(tables["areas"]["area_id"].iloc[0])
    reassign_areas(path, [area], "P2", author="t")
    reassign_areas(path, [area], None, author="t")
    set_target(path, "region", "region", pd.Timestamp("2026-09-01"), 0.8, author="t")
    record_session(
        path, area_id=area, date=dt.date(2026, 9, 14), enrolled=12, kind="mobile_desk", author="t"
    )
    restore_version(path, 1, author="t")
    read = [messages.read(v.message) for v in list_versions(path)]
    assert [r and r[0] for r in read] == [
        "demo",
        "reassign",
        "reassign_none",
        "target",
        "session",
        "restore",
    ]
    assert read[1][1] == {"n": "1", "partner": "P2"}
    assert read[4][1] == {
        "area": area,
        "day": "2026-09-14",
        "enrolled": "12",
        "kind": "mobile_desk",
    }
