"""A printable field sheet: one outreach team's desks on one day of the plan, as an A4 PDF in the
reader's language (right to left in Persian, Solar Hijri dates where the reader uses them).

For each desk: the neighbourhood where it stands, its district, the nearest named place (a
facility a team can ask its way to) and how far it is, the coordinates, the people it newly
brings within range and the enrolments it can expect; then empty boxes for the team to write the
people actually enrolled, for the planner to record on the Outreach planner. Every string from
data is HTML-escaped; the document loads nothing but the embedded fonts (like the briefing).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from render.format import is_missing
from render.language import Language
from reports.fonts import font_face_css
from reports.pdf import _css_string, _local_only

__all__ = [
    "SHEET_COLUMNS",
    "Sheet",
    "coordinates",
    "field_sheet_pdf",
    "field_sheets_html",
    "field_sheets_pdf",
]

#: Columns a sheet's rows carry (names already in the reader's language).
SHEET_COLUMNS = (
    "desk",
    "area",
    "district",
    "place",
    "place_km",
    "lat",
    "lon",
    "in_range_new",
    "enrolled",
)


@dataclass(frozen=True)
class Sheet:
    """One team's day: the workspace's title, the team, the plan day and its date, the walking
    radius, what was counted (``uninsured``/``population``), the desks (:data:`SHEET_COLUMNS`)
    and the data-source note."""

    title: str
    team: int
    day: int
    date: object
    radius_m: float
    weight: str
    rows: pd.DataFrame
    source_note: str
    #: ``radius_m``'s unit: ``m``, or ``min`` of travel over the roads
    unit: str = "m"


def _e(value: object) -> str:
    return escape("" if is_missing(value) else str(value))


def coordinates(lat: object, lon: object, lang: Language) -> str:
    """``lat, lon`` with five decimals (about a metre), in the language's digits and list
    separator; a dash without a position."""
    if is_missing(lat) or is_missing(lon):
        return "—"
    # Vietnamese writes a decimal comma: the two numbers are kept apart by a semicolon there.
    between = {"fa": "، ", "vi": "; "}.get(lang.code, ", ")
    return f"{lang.number(lat, 5)}{between}{lang.number(lon, 5)}"


def _place(row: pd.Series, lang: Language) -> str:
    if is_missing(row["place"]):
        return "—"
    return lang.t("outreach.field.place_at", place=row["place"], km=lang.km(row["place_km"]))


def _sheet_section(sheet: Sheet, lang: Language) -> str:
    """One sheet as a page of its own: heading, day and date, the desks' table."""
    what = lang.t(f"outreach.weight.{sheet.weight}")
    headers = [
        lang.t("outreach.col.desk"),
        lang.t("outreach.field.col_area"),
        lang.t("outreach.field.col_place"),
        lang.t("outreach.field.col_position"),
        lang.t("outreach.col.in_range_new", what=what),
        lang.t("outreach.col.enrolled"),
        lang.t("outreach.field.col_held"),
    ]
    numeric = {0, 4, 5}
    head = "".join(
        f'<th class="{"num" if i in numeric else ""}">{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = []
    for _, row in sheet.rows.iterrows():  # a sheet holds a day's desks of one team: a handful
        area = _e(row["area"])
        if not is_missing(row["district"]):
            area += f'<div class="sub">{_e(row["district"])}</div>'
        cells = [
            f'<td class="num">{_e(lang.int(row["desk"]))}</td>',
            f"<td>{area}</td>",
            f"<td>{_e(_place(row, lang))}</td>",
            f'<td class="pos" dir="ltr">{_e(coordinates(row["lat"], row["lon"], lang))}</td>',
            f'<td class="num">{_e(lang.int(row["in_range_new"]))}</td>',
            f'<td class="num">{_e(lang.int(row["enrolled"]))}</td>',
            '<td class="blank"></td>',
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    heading = lang.t("outreach.field.sheet_title", team=lang.int(sheet.team))
    when = lang.t("outreach.field.sheet_day", day=lang.int(sheet.day), date=lang.date(sheet.date))
    note = lang.t(
        "outreach.field.sheet_note" if sheet.unit == "m" else "outreach.minutes.sheet_note",
        m=lang.int(sheet.radius_m),
        n=lang.int(len(sheet.rows)),
    )
    return (
        f'<section class="sheet"><h1>{escape(heading)}</h1><p><strong>{escape(when)}</strong></p>'
        f'<p class="meta">{_e(sheet.title)}</p><p class="meta">{escape(note)}</p>{table}</section>'
    )


def field_sheets_html(sheets: list[Sheet], lang: Language) -> str:
    """The sheets as one HTML document, a page each (what :func:`field_sheets_pdf` lays out);
    the first sheet's source note at the foot of every page."""
    if not sheets:
        raise ValueError("no sheet to lay out")
    start, end = ("right", "left") if lang.rtl else ("left", "right")
    css = f"""
{font_face_css()}
@page {{ size: A4 landscape; margin: 14mm;
  @bottom-{start} {{ content: {_css_string(sheets[0].source_note)};
    font: 7pt AtlasArabic, AtlasLatin; color: #57606a; }} }}
html {{ font-family: AtlasArabic, AtlasLatin; font-size: 10pt; color: #1f2328; }}
section.sheet {{ break-after: page; }}
section.sheet:last-child {{ break-after: auto; }}
h1 {{ font-size: 18pt; margin: 0 0 1mm 0; color: #0b3d62; }}
p {{ margin: 1mm 0; }}
.meta {{ color: #57606a; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 5mm; }}
th {{ text-align: {start}; border-bottom: 0.4mm solid #1f2328; padding: 1.5mm; }}
td {{ border-bottom: 0.2mm solid #d0d7de; padding: 2mm 1.5mm; text-align: {start};
  vertical-align: top; unicode-bidi: plaintext; }}
th.num, td.num {{ text-align: {end}; white-space: nowrap; }}
td.pos {{ unicode-bidi: isolate; white-space: nowrap; text-align: {start}; }}
td.blank {{ min-width: 30mm; border: 0.3mm solid #8c959f; }}
.sub {{ color: #57606a; font-size: 8.5pt; }}
"""
    title = lang.t("outreach.field.sheet_title", team=lang.int(sheets[0].team))
    return (
        f'<!DOCTYPE html><html lang="{lang.code}" dir="{lang.direction}"><head>'
        f'<meta charset="utf-8"><title>{escape(title)}</title><style>{css}</style></head>'
        f"<body>{''.join(_sheet_section(s, lang) for s in sheets)}</body></html>"
    )


def field_sheets_pdf(sheets: list[Sheet], lang: Language) -> bytes:
    """The sheets as PDF bytes (A4 landscape), a page each: every team's day to print at once."""
    from weasyprint import HTML

    return HTML(string=field_sheets_html(sheets, lang), url_fetcher=_local_only()).write_pdf()


def field_sheet_pdf(sheet: Sheet, lang: Language) -> bytes:
    """One sheet as PDF bytes (A4 landscape)."""
    return field_sheets_pdf([sheet], lang)
