"""The Gap analysis page's note on rank bands names the census's age as a reader says it: "in the
same year" and "a year before" rather than "0 years" and "1 years", in every language."""

from __future__ import annotations

import pytest

from render.i18n import translate
from render.language import Language
from ui.gaps.ranking import bands_note_key


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_the_census_age_reads_as_said(lang) -> None:
    def note(years: int) -> str:
        return translate(bands_note_key(years), lang, error="5%", years=Language(lang).int(years))

    same, one, three = note(0), note(1), note(3)
    assert len({same, one, three}) == 3
    assert Language(lang).int(0) not in same and Language(lang).int(1) not in one
    assert Language(lang).int(3) in three
    assert "0 years" not in same and "1 years" not in one
