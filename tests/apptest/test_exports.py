"""Every table the dashboard offers for download, on the demo, follows one convention: the
files are pressed out of each page (and the states that add tables) and read back as a
spreadsheet would read them (:func:`tests.hardening.downloads.convention_problems`):
percentages 0–100 with the unit in the header, counts and ranks as whole numbers (never
``446823.0``), no ``None`` or ``nan`` cell; map data (GeoJSON) likewise."""

from __future__ import annotations

import json

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from render.i18n import translate
from tests.apptest.helpers import app_pages, run_page
from tests.hardening.downloads import convention_problems, csv_table, xlsx_table

#: Catalogue labels of the columns that hold a share of people (coverage and its kin), counts
#: of people, and ranks, wherever a table shows them.
KEYS: dict[str, tuple[str, ...]] = {
    "share": (
        "metric.coverage",
        "metric.gap_to_target",
        "gap.table.coverage_low",
        "gap.table.coverage_high",
        "gap.table.vulnerable",
        "gap.trends.latest",
        "gap.table.line",
        "gap.outreach.before",
        "gap.breakdowns.share",
        "gap.breakdowns.est_coverage",
        "partners.target",
        "partners.progress",
        "outreach.col.coverage",
    ),
    "count": (
        "metric.population",
        "metric.insured",
        "metric.uninsured",
        "metric.people_to_target",
        "outreach.col.population",
        "outreach.col.households",
        "outreach.col.insured",
        "outreach.col.uninsured",
    ),
    "rank": ("gap.table.rank",),
}

#: States that add tables to a page's default one (URL settings).
VARIANTS: dict[str, list[dict[str, str]]] = {
    "app_pages/infrastructure.py": [{"plan": "1", "k": "2"}],
    "app_pages/coverage_map.py": [{}, {"level": "area", "area": "A001"}],
    "app_pages/gap_analysis.py": [{}, {"view": "trends"}, {"view": "breakdowns"}],
    "app_pages/outreach.py": [{}, {"list": "villages", "view": "villages"}],
    "app_pages/briefings.py": [{"section": "map"}],
}


@pytest.fixture
def offered(monkeypatch) -> dict[str, bytes]:
    """Every file the runs offer, by file name (deferred ones made as if pressed)."""
    files: dict[str, bytes] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, *args, **kwargs):
        if file_name and isinstance(data, bytes | bytearray):
            files[file_name] = bytes(data)
        return add(self, data, mimetype, coordinates, file_name, *args, **kwargs)

    def record_deferred(self, make, mimetype, coordinates, file_name=None, **kwargs):
        if file_name and file_name.rsplit(".", 1)[-1] in ("csv", "xlsx", "geojson"):
            files[file_name] = make()
        return add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return files


def labels(lang: str, kind: str) -> set[str]:
    return {translate(k, lang) for k in KEYS[kind]}


#: Persian (headers with ٪, Persian digits on the pages) on the pages whose tables hold shares.
PERSIAN_PAGES = (
    "app_pages/overview.py",
    "app_pages/coverage_map.py",
    "app_pages/gap_analysis.py",
    "app_pages/partners.py",
)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_every_table_export_follows_one_convention(on_demo, offered, lang):
    pages = [p for p in app_pages() if p != "app_pages/data.py"]
    if lang == "fa":
        pages = [p for p in pages if p in PERSIAN_PAGES]
    for page in pages:
        for query in VARIANTS.get(page, [{}]):
            run_page(page, {**query, "lang": lang})
    tables = {n: d for n, d in offered.items() if n.endswith((".csv", ".xlsx"))}
    # Each page's tables were pressed out: the check looked at every kind of export.
    assert len(tables) >= (40 if lang == "en" else 16), sorted(tables)
    stems = {n.rsplit(".", 1)[0] for n in tables}
    for stem in ("overview_district", "coverage_area", "gap_ranking_area", "partner_scorecards"):
        assert stem in stems, sorted(stems)
    shares, counts, ranks = labels(lang, "share"), labels(lang, "count"), labels(lang, "rank")
    problems: list[str] = []
    percent_columns = 0
    for name, data in sorted(tables.items()):
        header, rows = csv_table(data) if name.endswith(".csv") else xlsx_table(data)
        problems += convention_problems(
            name,
            header,
            rows,
            shares=shares,
            counts=counts,
            ranks=ranks,
            typed=name.endswith(".xlsx"),  # a workbook holds numbers as numbers
        )
        percent_columns += sum(h.rsplit(" (", 1)[0] in shares for h in map(str, header))
    assert problems == []
    assert percent_columns >= 10
    maps = [n for n in offered if n.endswith(".geojson")]
    assert maps or lang != "en"
    for name in maps:
        features = json.loads(offered[name])["features"]
        properties = features[0]["properties"]
        assert "coverage" not in properties and 0 <= properties["coverage (%)"] <= 100, name
        for feature in features:
            for column in ("population", "insured", "uninsured"):
                value = feature["properties"].get(column)
                assert value is None or isinstance(value, int), (name, column, value)


def test_page_table_and_its_files_write_a_column_alike(on_demo, offered):
    """The Coverage map's table of areas in Persian and its CSV: each figure on the page is the file's
    value written by the column's kind (:mod:`ui.tables`, one spec for the page and the files)."""
    from streamlit import dataframe_util

    from render.language import Language
    from ui.tables import kind_format

    at = run_page("app_pages/coverage_map.py", {"lang": "fa"})
    language = Language("fa")
    population, coverage = translate("metric.population", "fa"), translate("metric.coverage", "fa")
    (node,) = [d for d in at.dataframe if {population, coverage} <= set(d.value.columns)]
    arrow = getattr(node.proto, "arrow_data", node.proto)
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
    shown.columns = list(node.value.columns)
    header, rows = csv_table(offered["coverage_area.csv"])
    assert len(rows) == len(shown) > 1
    name = translate("table.name", "fa")
    filed = {row[header.index(name)]: row for row in rows}
    checked = 0
    for column, kind in ((population, "count"), (coverage, "share")):
        (file_column,) = [h for h in header if h.startswith(column)]  # "پوشش (٪)"
        page = kind_format(kind, language)
        for i, place in enumerate(node.value[name]):
            held = float(filed[place][header.index(file_column)])
            assert shown[column].iloc[i] == page(held / 100 if kind == "share" else held), place
            checked += 1
    assert checked == 2 * len(rows)


def _page_cells(at, columns: set[str]):
    """The one table on ``at``'s page with ``columns``: its values and its cells as shown."""
    from streamlit import dataframe_util

    (node,) = [d for d in at.dataframe if columns <= set(d.value.columns)]
    arrow = getattr(node.proto, "arrow_data", node.proto)
    assert arrow.styler.display_values, "the page writes no cells of its own: not the table spec"
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
    shown.columns = list(node.value.columns)
    return node.value, shown


@pytest.mark.parametrize(
    ("page", "query", "stem", "key", "column", "kind"),
    [
        # the page wrote target and progress with no decimal, the files with one
        ("app_pages/partners.py", {"lang": "fa"}, "partner_scorecards", "partners.partner",
         "partners.target", "share"),
        ("app_pages/partners.py", {"lang": "en"}, "partner_scorecards", "partners.partner",
         "partners.progress", "share"),
        # the page wrote the score with three decimals, the files with all of them
        ("app_pages/outreach.py", {"list": "villages", "view": "villages", "rule": "score"},
         "outreach_model_villages", "outreach.col.name", "outreach.col.score", "score"),
        # the page drew the share as a bar with its own printf label (ASCII digits in Persian)
        ("app_pages/gap_analysis.py", {"view": "breakdowns", "lang": "fa"}, "gap_by_group",
         "gap.breakdowns.group", "gap.breakdowns.est_coverage", "percent"),
        # the ranked table wrote its cells with a Styler of its own beside its files
        ("app_pages/gap_analysis.py", {"lang": "vi"}, "gap_ranking_", "table.name",
         "gap.table.score", "number"),
        # the grid wrote the counts in the browser's format, Latin digits in Persian
        ("app_pages/infrastructure.py", {"lang": "fa"}, "facility_needs_", "access.table.rank",
         "metric.population", "count"),
    ],
)  # fmt: skip
def test_a_moved_table_writes_a_column_as_its_file(
    on_demo, offered, page, query, stem, key, column, kind
):
    """Tables moved onto the one spec (:func:`ui.tables.show_table`): each cell of the column on the
    page is the CSV's value written by the column's kind, and a score's CSV holds no more decimals
    than the page shows."""
    from render.language import Language
    from ui.tables import kind_format

    lang = query.get("lang", "en")
    at = run_page(page, query)
    name, label = translate(key, lang), translate(column, lang)
    values, shown = _page_cells(at, {name, label})
    (file_name,) = [f for f in offered if f.startswith(stem) and f.endswith(".csv")]
    header, rows = csv_table(offered[file_name])
    (file_column,) = [h for h in header if h == label or h.startswith(f"{label} (")]
    filed = {row[header.index(name)]: row[header.index(file_column)] for row in rows}
    write = kind_format(kind, Language(lang))
    assert write is not None and len(rows) == len(shown) > 1
    checked = 0
    for i, place in enumerate(values[name]):
        cell = filed[str(place)]
        if cell == "":
            assert shown[label].iloc[i] in ("—", ""), place
            continue
        held = float(cell) / 100 if kind == "share" else float(cell)
        assert shown[label].iloc[i] == write(held), (place, cell)
        if kind == "score":  # a share is 0–100 to six decimals in the CSV, one in the workbook
            assert float(cell) == round(float(cell), 3), (place, cell)
        checked += 1
    assert checked >= 2


def test_the_partners_chart_writes_a_target_as_its_table(on_demo):
    """The Partners page's comparison chart writes each partner's target as the scorecards beside
    it do (one decimal, the reader's digits), not rounded to a whole percent."""
    import json

    at = run_page("app_pages/partners.py", {"lang": "fa"})
    target = translate("partners.target", "fa")
    _, shown = _page_cells(at, {translate("partners.partner", "fa"), target})
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # the comparison's target markers (the trend chart's target line has the same name)
    (trace,) = [
        t for c in charts for t in c["data"] if t.get("name") == target and t["mode"] == "markers"
    ]
    written = set(trace["customdata"])
    assert written and written <= set(shown[target]), (written, set(shown[target]))
    assert any("٫" in text for text in written), written
