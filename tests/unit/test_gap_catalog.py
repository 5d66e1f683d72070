"""The gap-analysis page's strings: every key it builds exists, in every language, same fields."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from analytics.breakdowns import GROUPS
from analytics.clusters import CATEGORIES
from analytics.priority import COMPONENTS
from analytics.trends import PROJECTION_STATUSES
from geodata.tables.schema import OUTREACH_KINDS
from render.i18n import catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app_pages" / "gap_analysis.py", *(ROOT / "ui" / "gaps").glob("*.py")]
LITERAL = re.compile(r"""\bt\(\s*["'](gap\.[a-z0-9_.]+)["']""")

DYNAMIC = (
    [f"gap.component.{c}" for c in COMPONENTS]
    + [f"gap.component_help.{c}" for c in COMPONENTS]
    + [f"gap.order.{o}" for o in ("priority", "uninsured", "coverage", "gap_to_target")]
    + ["gap.order.population"]
    + [f"gap.sections.{s}" for s in ("ranking", "clusters", "trends", "breakdowns")]
    + [f"gap.cluster.{c}" for c in CATEGORIES]
    + [f"gap.status.{s}" for s in PROJECTION_STATUSES]
    + [f"gap.status_help.{s}" for s in PROJECTION_STATUSES]
    + [f"gap.group.{g}" for g in GROUPS]
    + [f"gap.kind.{k}" for k in OUTREACH_KINDS]
    + ["nav.gap_analysis"]
)


def used() -> set[str]:
    keys = set(DYNAMIC)
    for path in SOURCES:
        keys |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return keys


def gap_keys(lang: str) -> set[str]:
    return {k for k in catalog(lang) if k.startswith("gap.") or k == "nav.gap_analysis"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_the_page_uses_is_in_english():
    assert len(used()) > 80
    missing = used() - set(catalog("en"))
    assert not missing, sorted(missing)


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_translations_are_complete_with_the_same_fields(lang):
    assert gap_keys(lang) == gap_keys("en")
    for key in gap_keys("en"):
        assert fields(catalog(lang)[key]) == fields(catalog("en")[key]), key
        assert catalog(lang)[key].strip(), key
