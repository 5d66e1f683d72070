"""The briefing as an A4 PDF: HTML and CSS laid out by WeasyPrint (pango and HarfBuzz shape the
text), right to left for Persian, with the maps and charts of :mod:`reports.figures` as images.

Three pages, always: (1) headline figures and the coverage map; (2) coverage over time against the
target and the least-covered areas; (3) infrastructure needs and the partner table. Every string
from data is HTML-escaped; documents load nothing but the local font files and inline images
(:func:`_local_only` refuses any other URL), so a briefing is made with no network.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from render.i18n import separator
from render.language import Language
from reports.briefing import Briefing
from reports.figures import briefing_map_png, classify_metric, place_labels, trend_png
from reports.fonts import font_face_css

__all__ = ["ORIENTATIONS", "briefing_html", "briefing_pdf"]

ORIENTATIONS = ("portrait", "landscape")


#: Folders of the project a briefing may take files from (besides the fonts it embeds).
ASSET_FOLDERS = (Path(__file__).resolve().parents[1] / "render" / "assets",)


def allowed_files() -> tuple[frozenset[Path], tuple[Path, ...]]:
    """The files (the fonts :func:`reports.fonts.font_face_css` names) and folders (the
    project's assets) a briefing's ``file:`` URLs may read; nothing else on this machine."""
    from reports.fonts import arabic_font, latin_font

    fonts = frozenset(
        f(bold).resolve() for f in (arabic_font, latin_font) for bold in (False, True)
    )
    return fonts, tuple(a.resolve() for a in ASSET_FOLDERS)


def _local_only():
    """A WeasyPrint URL fetcher for inline data, the embedded fonts and the project's assets:
    never the network, never another local file (a name or text from the data that reached the
    HTML as a URL could otherwise read ``/etc/passwd`` or the users file into the PDF)."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    fonts, folders = allowed_files()

    class _Fetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None):  # noqa: ANN202
            if url.lower().startswith("file:"):
                parts = urlsplit(url)
                if parts.netloc not in ("", "localhost"):
                    raise ValueError(f"Not an allowed file URL: {url}")
                path = Path(unquote(parts.path)).resolve()
                if path not in fonts and not any(path.is_relative_to(f) for f in folders):
                    raise ValueError(f"Not an allowed file URL: {url}")
            return super().fetch(url, headers)

    return _Fetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def _img(png: bytes, alt: str, css_class: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="{css_class}" alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _e(value: object) -> str:
    return escape(
        "" if value is None or (isinstance(value, float) and value != value) else str(value)
    )


def _table(
    headers: list[str], rows: list[list[str]], numeric: set[int], with_districts: bool = True
) -> str:
    """An HTML table; without districts, the second column (the district) is left out."""
    if not with_districts:
        headers = headers[:1] + headers[2:]
        rows = [row[:1] + row[2:] for row in rows]
        numeric = {i - 1 for i in numeric}
    head = "".join(
        f'<th class="{"num" if i in numeric else ""}">{_e(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i in numeric else ""}">{_e(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _scope_line(b: Briefing, lang: Language, region_title: str) -> str:
    if b.scope == "district":
        return lang.t("reports.scope.district", name=b.scope_label(lang.code) or b.scope_id or "")
    if b.scope == "partner":
        return lang.t("reports.scope.partner", name=b.scope_label(lang.code) or b.scope_id or "")
    return lang.t("reports.scope.region", name=region_title)


def _tiles(b: Briefing, lang: Language) -> str:
    f, p = b.figures, b.previous
    tiles = []
    specs = [
        ("population", "count"),
        ("insured", "count"),
        ("coverage", "rate"),
        ("uninsured", "count"),
    ]
    for name, kind in specs:
        change = ""
        if p is not None and name != "population" and f.get(name) == f.get(name):
            delta = (f.get(name) or 0) - (p.get(name) or 0)
            text = (
                lang.t("reports.change.points", n=lang.number(delta * 100, 1))
                if kind == "rate"
                else lang.int(delta)
            )
            sign = "+" if delta > 0 else ""
            change = lang.t(
                "reports.change.since", change=sign + text, month=lang.month(b.previous_month)
            )
        tiles.append(
            f'<div class="tile"><div class="tile-label">{_e(lang.t(f"metric.{name}"))}</div>'
            f'<div class="tile-value">{_e(lang.value(f.get(name), kind))}</div>'
            f'<div class="tile-note">{_e(change)}</div></div>'
        )
    target = b.target_now
    if target is not None and f.get("coverage") == f.get("coverage"):
        gap = max(target - f["coverage"], 0)
        tiles.append(
            f'<div class="tile"><div class="tile-label">{_e(lang.t("reports.target"))}</div>'
            f'<div class="tile-value">{_e(lang.pct(target))}</div>'
            f'<div class="tile-note">{_e(lang.t("reports.gap_points", n=lang.number(gap * 100, 1)))}</div></div>'
        )
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _reach_text(value: float, reach: Callable[[float], str], t: Callable[..., str]) -> str:
    """The nearest care of a needs row: its distance or travel time (``reach``), "none" where no
    facility is counted, "not reachable" where the roads reach none."""
    if value != value:
        return t("reports.access.none")
    return reach(value) if np.isfinite(value) else t("access.minutes.unreachable")


def _legend(entries, title: str, lang: Language) -> str:
    rows = "".join(
        f'<div class="legend-row"><span class="swatch" style="background:{e.colour}"></span>'
        f'<span class="legend-label">{_e(e.label)}</span>'
        f'<span class="legend-count">{_e(lang.int(e.count))}</span></div>'
        for e in entries
    )
    return f'<div class="legend"><div class="legend-title">{_e(title)}</div>{rows}</div>'


def briefing_html(
    b: Briefing,
    lang: Language,
    *,
    region_title: str,
    source_note: str,
    orientation: str = "portrait",
    produced: dt.date | None = None,
) -> str:
    """The briefing as one HTML document (images inline, fonts as local files)."""
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, got {orientation!r}")
    t = lang.t
    landscape = orientation == "landscape"
    produced = produced or dt.date.today()
    areas = b.areas
    names = lang.names(areas, "name").fillna(areas["area_id"])
    district_names = (
        lang.names(areas, "district_name")
        if "district_name" in areas
        else pd.Series([None] * len(areas), index=areas.index)
    )
    district_of = dict(zip(areas["area_id"], district_names, strict=False))
    name_of = dict(zip(areas["area_id"], names, strict=False))
    # Tables have a District column only where the areas have districts.
    with_districts = bool(district_names.notna().any())

    # Page 1: figures and map.
    metric = "coverage" if b.has_insured else "population"
    classified = classify_metric(areas[metric], metric, lang)
    map_png = briefing_map_png(
        areas,
        classified.colours,
        lang,
        outlines=b.districts,
        size_in=(7.6, 5.0) if landscape else (7.2, 5.6),
        labels=place_labels(b.districts, lang.names(b.districts, "district_name"))
        if "district_name" in b.districts
        else None,
    )
    title = t("reports.briefing.title")
    header = (
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="scope">{_e(_scope_line(b, lang, region_title))}</p>'
        f'<p class="meta">{_e(t("reports.month_line", month=lang.month(b.month)) if b.month is not None else t("reports.no_insured"))}'
        f"{_e(separator(lang.code))}{_e(t('reports.produced', date=lang.date(produced)))}</p></header>"
    )
    map_title = t("reports.map.title", metric=t(f"metric.{metric}"))
    page1 = (
        f'<section class="page">{header}{_tiles(b, lang)}'
        f'<h2>{_e(map_title)}</h2><div class="map-row">'
        f"{_img(map_png, map_title, 'map')}{_legend(classified.legend, t(f'metric.{metric}'), lang)}"
        f"</div></section>"
    )

    # Page 2: trend and least-covered areas.
    trend_block = f'<p class="note">{_e(t("reports.trend.none"))}</p>'
    if len(b.trend):
        trend_block = _img(
            trend_png(
                b.trend,
                b.targets,
                lang,
                month=b.month,
                size_in=(6.4, 3.0) if landscape else (7.0, 3.0),
            ),
            t("reports.trend.title"),
            "chart",
        )
        if b.target_now is not None and b.figures.get("coverage") == b.figures.get("coverage"):
            trend_block += f'<p class="note">{_e(t("reports.trend.sentence", coverage=lang.pct(b.figures["coverage"]), target=lang.pct(b.target_now), n=lang.number(max(b.target_now - b.figures["coverage"], 0) * 100, 1)))}</p>'
    least_rows = [
        [
            name_of.get(r.area_id, r.area_id),
            district_of.get(r.area_id) or "",
            lang.int(r.population),
            lang.pct(r.coverage),
            lang.int(r.uninsured),
        ]
        for r in b.least_covered.itertuples()
    ]
    if least_rows:
        least_title = t("reports.least.title", n=lang.int(len(least_rows)))
        least = _table(
            [
                t("table.name"),
                t("table.district"),
                t("metric.population"),
                t("metric.coverage"),
                t("metric.uninsured"),
            ],
            least_rows,
            {2, 3, 4},
            with_districts,
        )
    else:
        # No count to rank by: the heading says so instead of "the 0 least-covered areas".
        least_title = t("reports.least.heading")
        none = "reports.least.none" if b.has_insured else "reports.least.no_insured"
        least = f'<p class="note">{_e(t(none))}</p>'
    if b.least_left_out:
        left_out = t("reports.least.left_out", n=lang.int(b.least_left_out))
        least += f'<p class="note">{_e(left_out)}</p>'
    page2 = (
        f'<section class="page"><div class="columns"><div class="col">'
        f"<h2>{_e(t('reports.trend.title'))}</h2>{trend_block}</div>"
        f'<div class="col"><h2>{_e(least_title)}</h2>{least}</div></div></section>'
    )

    # Page 3: infrastructure needs and partners.
    a = b.access
    if a:
        # km in a straight line, or minutes of travel over the roads, in the reader's words
        reach = lang.km if b.unit == "km" else lang.minutes
        facts = [
            t(
                "reports.access.referral_gap",
                km=reach(a["referral_km"]),
                n=lang.int(a["referral_gap_areas"]),
                people=lang.int(a["referral_gap_people"]),
            ),
            t(
                "reports.access.beyond_care",
                km=reach(a["near_km"]),
                n=lang.int(a["beyond_care_areas"]),
                people=lang.int(a["beyond_care_people"]),
            ),
            t("reports.access.facilities", n=lang.int(b.n_facilities)),
        ]
        if b.unit == "min" and b.mode:  # by car or on foot: the figures alone do not say
            facts.insert(0, t(f"reports.access.by_{b.mode}"))
        access_block = '<ul class="facts">' + "".join(f"<li>{_e(x)}</li>" for x in facts) + "</ul>"
        if len(b.needs):
            needs_rows = [
                [
                    name_of.get(r.area_id, r.area_id),
                    district_of.get(r.area_id) or "",
                    lang.int(r.population),
                    lang.int(getattr(r, "uninsured", None)),
                    _reach_text(getattr(r, f"care_{b.unit}"), reach, t),
                ]
                for r in b.needs.itertuples()
            ]
            access_block += (
                f"<h3>{_e(t('reports.access.needs_title', km=reach(a['near_km'])))}</h3>"
                + _table(
                    [
                        t("table.name"),
                        t("table.district"),
                        t("metric.population"),
                        t("metric.uninsured"),
                        t("reports.access.distance"),
                    ],
                    needs_rows,
                    {2, 3, 4},
                    with_districts,
                )
            )
        if len(b.pipeline):
            items = []
            for r in b.pipeline.itertuples():
                when = (
                    lang.date(r.opens_on)
                    if getattr(r, "opens_on", None) is not None and r.opens_on == r.opens_on
                    else t("reports.access.no_date")
                )
                items.append(
                    t(
                        "reports.access.pipeline_item",
                        name=str(r.name),
                        type=lang.label("facility_type", r.type),
                        status=lang.label("access.status", r.status),
                        date=when,
                    )
                )
            access_block += (
                f'<h3>{_e(t("reports.access.pipeline_title"))}</h3><ul class="facts">'
                + "".join(f"<li>{_e(x)}</li>" for x in items)
                + "</ul>"
            )
    else:
        access_block = f'<p class="note">{_e(t("reports.access.no_facilities"))}</p>'
    if len(b.partners):
        partner_names = lang.names(b.partners, "name")
        partner_rows = [
            [
                name
                if isinstance(name, str)
                else (
                    r.partner_id if isinstance(r.partner_id, str) else t("reports.partners.none")
                ),
                lang.int(r.n_areas),
                lang.int(r.population),
                lang.pct(r.coverage),
                lang.pct(r.target) if r.target == r.target else "—",
                lang.int(r.uninsured),
            ]
            for r, name in zip(b.partners.itertuples(), partner_names, strict=True)
        ]
        partners_block = _table(
            [
                t("reports.partners.partner"),
                t("reports.partners.areas"),
                t("metric.population"),
                t("metric.coverage"),
                t("reports.target"),
                t("metric.uninsured"),
            ],
            partner_rows,
            {1, 2, 3, 4, 5},
        )
    else:
        partners_block = f'<p class="note">{_e(t("reports.partners.no_partners"))}</p>'
    page3 = (
        f'<section class="page last"><div class="columns"><div class="col">'
        f"<h2>{_e(t('reports.access.title'))}</h2>{access_block}</div>"
        f'<div class="col"><h2>{_e(t("reports.partners.title"))}</h2>{partners_block}</div></div></section>'
    )
    css = _css(lang, orientation, source_note)
    return (
        f'<!DOCTYPE html><html lang="{lang.code}" dir="{lang.direction}"><head><meta charset="utf-8">'
        f"<title>{_e(title)} — {_e(_scope_line(b, lang, region_title))}</title>"
        f"<style>{css}</style></head><body>{page1}{page2}{page3}</body></html>"
    )


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (for ``content:``): quotes, backslashes, newlines escaped."""
    out = []
    for char in text:
        if char in '"\\' or ord(char) < 0x20 or char in "<>":
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _css(lang: Language, orientation: str, source_note: str) -> str:
    start, end = ("right", "left") if lang.rtl else ("left", "right")
    counter = "persian" if lang.code == "fa" else "decimal"
    # A round bullet before a Persian digit reads as a zero ("• ۶" as "۰۶"): Persian lists take
    # a triangle pointing into the line.
    marker = ' list-style-type: "\\25C2\\00A0";' if lang.code == "fa" else ""
    page_word = lang.t("reports.page", page="\x00P", pages="\x00N")
    before, _, rest = page_word.partition("\x00P")
    middle, _, after = rest.partition("\x00N")
    page_content = (
        f"{_css_string(before)} counter(page, {counter}) {_css_string(middle)} "
        f"counter(pages, {counter}) {_css_string(after)}"
    )
    landscape = orientation == "landscape"
    columns = "display: flex; gap: 8mm;" if landscape else "display: block;"
    map_row = "flex-direction: row;" if landscape else "flex-direction: column;"
    return f"""
{font_face_css()}
@page {{
  size: A4 {orientation};
  margin: 14mm 14mm 16mm 14mm;
  @bottom-{start} {{ content: {_css_string(source_note)}; font: 7pt AtlasArabic, AtlasLatin;
    color: #57606a; }}
  @bottom-{end} {{ content: {page_content}; font: 7pt AtlasArabic, AtlasLatin; color: #57606a; }}
}}
html {{ font-family: AtlasArabic, AtlasLatin; font-size: 9.5pt; color: #1f2328; }}
body {{ margin: 0; }}
/* No optional ligatures: only the required ones (lam-alef), so copied text stays plain. */
* {{ font-variant-ligatures: no-common-ligatures no-discretionary-ligatures; font-kerning: none; }}
.page {{ break-after: page; }}
.page.last {{ break-after: auto; }}
h1 {{ font-size: 20pt; margin: 0 0 1mm 0; color: #0b3d62; }}
h2 {{ font-size: 12.5pt; margin: 5mm 0 2mm 0; color: #0b3d62; }}
h3 {{ font-size: 10.5pt; margin: 4mm 0 1.5mm 0; }}
header .scope {{ font-size: 12pt; margin: 0; font-weight: 700; }}
header .meta {{ margin: 1mm 0 0 0; color: #57606a; }}
.tiles {{ display: flex; gap: 3mm; margin-top: 5mm; }}
.tile {{ flex: 1 1 0; border: 0.3mm solid #d0d7de; border-radius: 1.5mm; padding: 2.5mm 3mm;
  background: #f6f8fa; }}
.tile-label {{ color: #57606a; font-size: 8.5pt; }}
.tile-value {{ font-size: 15pt; font-weight: 700; margin-top: 1mm; unicode-bidi: plaintext; }}
.tile-note {{ font-size: 7.5pt; color: #57606a; margin-top: 0.5mm; min-height: 3mm; }}
.map-row {{ display: flex; gap: 5mm; align-items: flex-start; {map_row} }}
img.map {{ width: {"185mm" if landscape else "180mm"}; border: 0.3mm solid #d0d7de; }}
img.chart {{ width: 100%; }}
.legend {{ flex: 0 0 auto; width: 60mm; font-size: 8.5pt; }}
.legend-title {{ font-weight: 700; margin-bottom: 1.5mm; }}
.legend-row {{ display: flex; align-items: center; gap: 2mm; margin: 1mm 0; }}
.swatch {{ display: inline-block; width: 5mm; height: 3.5mm; border: 0.2mm solid #8c959f; }}
.legend-label {{ flex: 0 0 34mm; unicode-bidi: plaintext; text-align: {start}; }}
.legend-count {{ color: #57606a; }}
.columns {{ {columns} }}
.col {{ flex: 1 1 0; min-width: 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }}
th {{ text-align: {start}; border-bottom: 0.4mm solid #1f2328; padding: 1.2mm 1.5mm; font-weight: 700; }}
td {{ border-bottom: 0.2mm solid #d0d7de; padding: 1mm 1.5mm; text-align: {start}; }}
th.num, td.num {{ text-align: {end}; white-space: nowrap; }}
td {{ unicode-bidi: plaintext; }}
.facts {{ margin: 0; padding-{start}: 5mm; }}
.facts li {{ margin: 1mm 0;{marker} }}
.note {{ color: #57606a; }}
"""


def briefing_pdf(
    b: Briefing,
    lang: Language,
    *,
    region_title: str,
    source_note: str,
    orientation: str = "portrait",
    produced: dt.date | None = None,
) -> tuple[bytes, int]:
    """The briefing as PDF bytes (A4, ``portrait`` or ``landscape``) and its number of pages."""
    from weasyprint import HTML

    document = briefing_html(
        b,
        lang,
        region_title=region_title,
        source_note=source_note,
        orientation=orientation,
        produced=produced,
    )
    rendered = HTML(string=document, url_fetcher=_local_only()).render()
    return rendered.write_pdf(), len(rendered.pages)
