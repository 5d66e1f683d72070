"""The Data page's check step: the questions a file may raise before it is checked (the scheme of
its rows, how off-month dates are read), the check itself (nothing written; kept for the session),
and its report: counts, notes, problems and fixes in the page's language, with a CSV download.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from geodata.store.workspace import workspace_calendar
from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.uploads import workflow as I
from geodata.uploads.checks import DATE_RULES, off_month_dates, validation_report
from geodata.uploads.mapping import POINTS_TABLE
from geodata.uploads.reading import Upload
from render.i18n import joined
from render.safe import md_escape
from ui.admin.upload import author
from ui.context import Context
from ui.downloads import table_downloads
from ui.grid import grid
from ui.scope import Source


def scheme_label(ctx: Context, scheme: str) -> str:
    """A scheme's name in the page's language (the value itself for a workspace's own scheme)."""
    if scheme == I.UNSPECIFIED_SCHEME:
        return ctx.t("import_check.scheme_unspecified")
    return ctx.label("scheme", scheme)


def needs_scheme(table: str, mapping: dict[str, str]) -> bool:
    """Whether the person must name the scheme of the file's rows (no scheme column mapped)."""
    return table in ("insured", POINTS_TABLE) and "scheme" not in mapping


def scheme_choice(
    ctx: Context, table: str, mapping: dict[str, str], tables: dict[str, pd.DataFrame], key: str
) -> str | None:
    """For insured counts from a file without a scheme column: the scheme the person books every
    row to (the workspace's schemes, the usual ones, or "unspecified"); None until chosen."""
    if not needs_scheme(table, mapping):
        return None
    insured = tables.get("insured")
    known = (
        sorted(insured["scheme"].dropna().astype(str).unique())
        if insured is not None and "scheme" in insured
        else []
    )
    options = [*known, *(s for s in S.SCHEMES if s not in known), I.UNSPECIFIED_SCHEME]
    return st.selectbox(
        ctx.t("import_check.scheme_question"),
        options,
        index=None,
        placeholder=ctx.t("import_check.scheme_choose"),
        format_func=lambda s: scheme_label(ctx, s),
        key=f"dm_scheme_{key}_{table}",
    )


def dates_choice(
    ctx: Context, upload: Upload, table: str, mapping: dict[str, str], calendar: str, key: str
) -> str:
    """When the period column holds dates that are not the first day of a reporting month: how
    they are read (a row problem, the default, or the month that contains each date)."""
    name = POINTS_TABLE if table == POINTS_TABLE else table
    if name == POINTS_TABLE or S.TABLES[name].kinds.get("period") != "date":
        return "first_day"
    off = off_month_dates(upload, mapping, calendar)
    if not len(off):
        return "first_day"
    return st.radio(
        ctx.t(
            "import_check.dates_question",
            n=ctx.language.int(len(off)),
            calendar=ctx.t(f"import_check.calendar_{calendar}"),
        ),
        list(DATE_RULES),
        format_func=lambda r: ctx.t(f"import_check.dates_{r}"),
        key=f"dm_dates_{key}_{table}",
    )


@st.cache_data(show_spinner=False, max_entries=4)
def reporting_calendar(source: Source, version: int) -> str:
    """The workspace's reporting calendar (keyed on path + version)."""
    return workspace_calendar(source, version)


def check(
    ctx: Context,
    upload: Upload,
    table: str,
    mapping: dict[str, str],
    tables: dict[str, pd.DataFrame],
    *,
    crs: str,
    area_by: str,
    matches: pd.DataFrame | None,
    scheme: str | None = None,
    calendar: str = "gregorian",
    dates: str = "first_day",
) -> I.Prepared | None:
    """Validate the mapped file (nothing written); problems that stop it are shown, not raised.

    The result is kept for the session until the file, the mapping, the matches or the workspace
    version change (counting millions of person records is done once, not on every rerun).
    """
    signature = hashlib.sha256(
        repr(
            (
                ctx.workspace,
                ctx.version,
                str(upload.path),
                table,
                sorted(mapping.items()),
                crs,
                area_by,
                None if matches is None else matches.to_json(),
                scheme,
                calendar,
                dates,
            )
        ).encode()
    ).hexdigest()
    kept = st.session_state.get("dm_checked")
    if kept is not None and kept[0] == signature:
        return kept[1]
    with st.status(ctx.t("data.checking"), expanded=table == POINTS_TABLE) as status:
        progress = _records_progress(ctx, upload) if table == POINTS_TABLE else None
        try:
            prepared = I.prepare_import(
                upload,
                table,
                mapping,
                tables,
                crs=crs or None,
                area_by=area_by,  # type: ignore[arg-type]
                matches=matches,
                crosswalk=tables["name_crosswalk"],
                confirmed_by=author(ctx),
                progress=progress,
                default_scheme=scheme,
                calendar=calendar,
                dates=dates,  # type: ignore[arg-type]
            )
        except DataError as exc:
            status.update(label=ctx.t("data.check_failed"), state="error")
            st.error(check_error_text(ctx, exc), icon=":material/error:")
            if exc.problems:
                grid(ctx.lang, localized_report(ctx, exc.problems), hide_index=True)
            return None
        except Exception as exc:  # noqa: BLE001 - a message naming the file, never a traceback
            status.update(label=ctx.t("data.check_failed"), state="error")
            st.error(check_crash_text(ctx, upload.name, exc), icon=":material/error:")
            return None
        status.update(label=ctx.t("data.checked"), state="complete")
    st.session_state["dm_checked"] = (signature, prepared)
    return prepared


def _records_progress(ctx: Context, upload: Upload):  # noqa: ANN202
    """A progress bar for counting person records (rows estimated from the file's lines)."""
    total = None
    if upload.path.suffix.lower() in {".csv", ".txt"}:
        with open(upload.path, "rb") as handle:
            total = max(
                sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1, 1
            )
    bar = st.progress(0.0, text=ctx.t("data.counting", n=ctx.language.int(0)))

    def update(read: int) -> None:
        share = min(read / total, 1.0) if total else 0.5
        bar.progress(share, text=ctx.t("data.counting", n=ctx.language.int(read)))

    return update


def check_error_text(ctx: Context, error: DataError) -> str:
    """Why a file cannot be imported as mapped, in the page's language where the check named the
    kind of failure (``import_check.error_<code>``), else in the check's words."""
    if error.code:
        fields = {k: md_escape(str(v)) for k, v in error.params.items()}
        if "table" in fields:
            fields["table"] = ctx.t(f"data.table_{error.params['table']}")
        if "n" in fields:
            fields["n"] = ctx.language.int(int(error.params["n"]))  # type: ignore[arg-type]
        try:
            return ctx.t(f"import_check.error_{error.code}", **fields)
        except (KeyError, IndexError, TypeError):
            pass
    return md_escape(error.message)


def check_crash_text(ctx: Context, file: str, exc: BaseException) -> str:
    """What the page says when checking a file failed in a way no reader foresaw."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ctx.t("data.check_crashed", file=md_escape(file), reason=md_escape(reason[:300]))


def report_table(ctx: Context, prepared: I.Prepared, key: str) -> None:
    """Counts, the row-by-row validation report and its CSV download."""
    report = validation_report(prepared.problems)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ctx.t("data.rows_read"), ctx.language.int(prepared.read))
    c2.metric(ctx.t("data.rows_kept"), ctx.language.int(len(prepared.frame)))
    c3.metric(
        ctx.t("data.rows_rejected"),
        ctx.language.int(int((report["severity"] == "rejected").sum())),
    )
    c4.metric(
        ctx.t("data.rows_warned"),
        ctx.language.int(int(report["severity"].isin(["warning", "repaired"]).sum())),
    )
    st.caption(
        ctx.t(
            "import_check.calendar_note",
            calendar=ctx.t(f"import_check.calendar_{prepared.calendar}"),
        )
    )
    for line in note_lines(ctx, prepared.notes):
        st.info(line, icon=":material/info:")
    quality = quality_line(ctx, prepared.problems)
    if quality:
        st.warning(quality, icon=":material/fact_check:")
    if report.empty:
        st.success(ctx.t("data.no_problems"), icon=":material/check_circle:")
        return
    shown = localized_report(ctx, prepared.problems)
    grid(ctx.lang, shown, hide_index=True, width="stretch", height=table_height(len(report)))
    table_downloads(ctx, shown, f"validation-{prepared.source}", key=f"dm_report_{key}")


def table_height(rows: int, most: int = 10) -> int:
    """Pixel height that shows ``rows`` rows without empty lines (scrolls beyond ``most``)."""
    return 35 * (min(rows, most) + 1) + 3


def note_lines(ctx: Context, notes: list[str]) -> list[str]:
    """The preparation notes as sentences in the page's language."""
    lines = []
    for note in notes:
        kind, *parts = note.split(":")
        if kind == "kept":
            lines.append(
                ctx.t("data.note_kept", column=parts[0], n=ctx.language.int(int(parts[1])))
            )
        elif kind == "missing":
            lines.append(ctx.t("data.note_missing", column=parts[0]))
        elif kind == "orphans":
            lines.append(
                ctx.t(
                    "data.note_orphans",
                    table=ctx.t(f"data.table_{parts[0]}"),
                    n=ctx.language.int(int(parts[1])),
                )
            )
        elif kind == "solar_hijri":
            lines.append(ctx.t("import_check.solar_hijri_note", n=ctx.language.int(int(parts[0]))))
        elif kind == "dates_mapped":
            lines.append(ctx.t("import_check.dates_mapped_note", n=ctx.language.int(int(parts[0]))))
        elif kind == "scheme":
            lines.append(
                ctx.t("import_check.scheme_note", scheme=md_escape(scheme_label(ctx, parts[0])))
            )
        elif kind == "points":
            read, counted, outside, rejected = (ctx.language.int(int(p)) for p in parts)
            lines.append(
                ctx.t(
                    "data.note_points",
                    read=read,
                    counted=counted,
                    outside=outside,
                    rejected=rejected,
                )
            )
    return lines


QUALITY_CODES = (
    "period_not_month_start",
    "period_mapped",
    "count_blank",
    "count_negative",
    "count_fractional",
    "not_a_number",
    "above_population",
)


def quality_line(ctx: Context, problems: list) -> str:
    """How many rows of each kind the check found that would change what a figure means, in the
    page's language (empty when none)."""
    counts = pd.Series([p.code for p in problems], dtype=object).value_counts()
    parts = [
        ctx.t(f"import_check.quality_{code}", n=ctx.language.int(int(counts[code])))
        for code in QUALITY_CODES
        if code in counts
    ]
    return ctx.t("import_check.quality_title") + " " + joined(parts, ctx.lang) if parts else ""


def localized_report(ctx: Context, problems: list) -> pd.DataFrame:
    """The validation report with its headings, problems, fixes and severities in the page's
    language (row numbers as numbers; values as the file has them)."""
    report = validation_report(problems)
    texts = [problem_texts(ctx, p) for p in problems]
    report["problem"] = [t for t, _ in texts]
    report["fix"] = [f for _, f in texts]
    report["severity"] = report["severity"].map(lambda s: ctx.t(f"severity.{s}"))
    report = report.drop(columns="code")
    return report.rename(columns={c: ctx.t(f"data.report_{c}") for c in report.columns})


def problem_texts(ctx: Context, problem: object) -> tuple[str, str]:
    """A problem and its fix in the page's language: from the catalogs where the check named its
    kind (``code``), else as the reader wrote it."""
    code = getattr(problem, "code", None)
    text, fix = str(problem.problem), str(problem.fix or "")  # type: ignore[attr-defined]
    if not code:
        return text, fix
    fields = {k: _param_text(ctx, k, str(v)) for k, v in getattr(problem, "params", ())}
    if "calendar" in fields:
        fields["calendar"] = ctx.t(f"import_check.calendar_{dict(problem.params)['calendar']}")  # type: ignore[attr-defined]
    try:
        text = ctx.t(f"problem.{code}", **fields)
        fix = ctx.t(f"fix.{code}", **fields)
    except (KeyError, IndexError, TypeError):
        pass
    return text, fix


#: Problem fields that are counts (written with the language's digits and separators), shares,
#: and dates or months (the language's digits); the others (ids, values) stay as in the file.
_COUNT_FIELDS = {"insured", "population", "km", "limit"}
_DATE_FIELDS = {"day", "start", "month"}


def _param_text(ctx: Context, name: str, value: str) -> str:
    if name in _COUNT_FIELDS:
        return ctx.language.int(float(value))
    if name == "share":
        return ctx.language.pct(float(value), 0)
    if name in _DATE_FIELDS:
        return ctx.language.numerals(value)
    return value


__all__ = [
    "QUALITY_CODES",
    "check",
    "check_crash_text",
    "check_error_text",
    "dates_choice",
    "localized_report",
    "needs_scheme",
    "note_lines",
    "problem_texts",
    "quality_line",
    "report_table",
    "reporting_calendar",
    "scheme_choice",
    "scheme_label",
    "table_height",
]
