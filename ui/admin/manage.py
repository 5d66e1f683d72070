"""The Data page's pieces: upload → column mapping → name matching → check → import; versions;
backups. Every change goes through :mod:`geodata.uploads.workflow` / :mod:`geodata.store.workspace` and becomes a new
workspace version; after it the page reruns and every cache (keyed on workspace path + version)
shows the new version.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from analytics.classify import NO_DATA_COLOUR
from geodata.sources.workspaces import reset_demo_workspace
from geodata.store.backup import backup_bytes
from geodata.store.versions import compare_versions, version_table
from geodata.store.workspace import workspace_calendar
from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.uploads import workflow as I
from geodata.uploads.checks import DATE_RULES, month_label, off_month_dates, validation_report
from geodata.uploads.mapping import IMPORT_TABLES, POINTS_TABLE, propose_mapping, required_targets
from geodata.uploads.matching import match_names
from geodata.uploads.reading import Upload, discard_upload, safe_file_name, save_uploads
from geodata.uploads.sandbox import sweep_stale_uploads
from geodata.users.audit import restore_version
from render.format import fmt_int, fmt_pct, localize_digits
from render.i18n import isolated, joined, separator
from render.maps import LegendItem, choropleth_map, simplify_for_display
from render.safe import md_escape
from ui.context import Context
from ui.downloads import audit_actor, recorded, table_downloads

IMPORTED_COLOUR = "#3b6fb6"
MAX_PREVIEW_POINTS = 2000
_STATE = "dm_state"


@dataclass
class _Read:
    """The file(s) uploaded, read once per upload (and CRS typed)."""

    key: str
    upload: Upload | None
    error: str | DataError | None


def upload_key(files: list, crs: str) -> str:
    digest = hashlib.sha256(crs.encode())
    for f in files:
        digest.update(f"{f.file_id}:{f.name}".encode())
    return digest.hexdigest()[:16]


def _table_height(rows: int, most: int = 10) -> int:
    """Pixel height that shows ``rows`` rows without empty lines (scrolls beyond ``most``)."""
    return 35 * (min(rows, most) + 1) + 3


SAMPLE_ROWS = 1000


def read_files(ctx: Context, files: list, crs: str, table: str) -> Upload | None:
    """Read the uploaded file(s) once; show a clear error (never a traceback) when unreadable.

    Person records (possibly millions of rows) are sampled for the mapping step; the count reads
    the whole file in chunks.
    """
    sample = SAMPLE_ROWS if table == POINTS_TABLE else None
    key = upload_key(files, f"{crs}|{sample}")
    cached: _Read | None = st.session_state.get(_STATE)
    if cached is None or cached.key != key:
        if cached is not None and cached.upload is not None:
            discard_upload(cached.upload)
        main = None
        try:
            main = save_uploads([(f.name, f.getvalue()) for f in files])
            originals = {safe_file_name(f.name): f.name for f in files}
            shown = originals.get(main.name, main.name)
            cached = _Read(
                key, I.read_upload(main, crs=crs or None, name=shown, sample_rows=sample), None
            )
            # The session ends (its state is dropped) or the server stops: the file goes too.
            weakref.finalize(cached, discard_upload, main)
        except Exception as exc:  # noqa: BLE001 - any failure is a message naming the file
            if main is not None:  # the temporary ca-upload-* folder goes with the failed read
                discard_upload(main)
            cached = _Read(
                key, None, exc if isinstance(exc, DataError) else f"{files[0].name}: {exc}"
            )
        st.session_state[_STATE] = cached
    if cached.error:
        st.error(upload_error_text(ctx, cached.error), icon=":material/error:")
        return None
    return cached.upload


def upload_error_text(ctx: Context, error: str | DataError) -> str:
    """Why a file cannot be read, in the page's language where the reader named the kind of
    failure (``DataError.code``: size, zip or XML bomb, timeout …), else in the reader's words."""
    if isinstance(error, DataError) and error.code:
        fields = {k: md_escape(v) for k, v in error.params.items()}
        try:
            return ctx.t(f"upload.{error.code}", **fields)
        except (KeyError, IndexError):
            pass
    return ctx.t("data.read_failed", reason=md_escape(str(error)))


def release_upload() -> None:
    """The file picker is empty (the person removed the file): its temporary copy goes."""
    cached: _Read | None = st.session_state.pop(_STATE, None)
    if cached is not None and cached.upload is not None:
        discard_upload(cached.upload)


@st.cache_resource(show_spinner=False)
def sweep_once() -> int:
    """Once per server process: upload folders that an earlier run or a lost session left."""
    return sweep_stale_uploads()


def forget_upload() -> None:
    """Drop the read upload and empty the file picker (after an import)."""
    cached: _Read | None = st.session_state.pop(_STATE, None)
    st.session_state.pop("dm_checked", None)
    if cached is not None and cached.upload is not None:
        discard_upload(cached.upload)
    st.session_state["dm_uploader"] = st.session_state.get("dm_uploader", 0) + 1


def mapping_widgets(ctx: Context, upload: Upload, table: str, key: str) -> dict[str, str]:
    """One selectbox per workspace column, preset to the proposal; returns the chosen mapping."""
    proposal = propose_mapping(upload, table)
    required = set(required_targets(table, upload))
    options = ["", *upload.columns]
    mapping: dict[str, str] = {}
    columns = st.columns(3)
    for i, target in enumerate(proposal):
        source, why = proposal[target]
        label = target + (" *" if target in required else "")
        chosen = columns[i % 3].selectbox(
            label,
            options,
            index=options.index(source) if source in options else 0,
            format_func=lambda c: c or ctx.t("data.not_mapped"),
            key=f"dm_map_{key}_{table}_{target}",
            help=ctx.t(f"data.why_{why}") if why else None,
        )
        if chosen:
            mapping[target] = chosen
    return mapping


def name_matching(
    ctx: Context, values: pd.Series, areas: pd.DataFrame, crosswalk: pd.DataFrame, key: str
) -> pd.DataFrame:
    """Show the proposed name matches; the person confirms fuzzy ones or picks another area."""
    matches = match_names(values, areas, crosswalk)
    counts = matches["method"].value_counts()
    st.caption(
        ctx.t(
            "data.names_summary",
            exact=fmt_int(counts.get("exact", 0) + counts.get("crosswalk", 0), ctx.lang),
            fuzzy=fmt_int(counts.get("fuzzy", 0), ctx.lang),
            none=fmt_int(counts.get("none", 0) + counts.get("ambiguous", 0), ctx.lang),
        )
    )
    ids = areas["area_id"].astype(str).to_numpy()
    labels = pd.Series(
        (
            areas["area_id"].astype(str).map(lambda a: isolated(a, ctx.lang))
            + separator(ctx.lang)
            + areas["name"].fillna("").astype(str)
        ).to_numpy(),
        index=ids,
    )
    shown = pd.DataFrame(
        {
            "source_name": matches["source_name"],
            "rows": matches["rows"],
            "area": matches["area_id"].map(labels),
            "method": matches["method"].map(lambda m: ctx.t(f"data.method_{m}")),
            "score": matches["score"].round(0),
            "confirmed": matches["confirmed"].astype(bool),
        }
    )
    edited = st.data_editor(
        shown,
        hide_index=True,
        width="stretch",
        disabled=["source_name", "rows", "method", "score"],
        column_config={
            "source_name": st.column_config.TextColumn(ctx.t("data.col_source_name")),
            "rows": st.column_config.NumberColumn(ctx.t("data.col_rows")),
            "area": st.column_config.SelectboxColumn(
                ctx.t("data.col_area"), options=sorted(labels.tolist())
            ),
            "method": st.column_config.TextColumn(ctx.t("data.col_method")),
            "score": st.column_config.NumberColumn(ctx.t("data.col_score"), format="%d"),
            "confirmed": st.column_config.CheckboxColumn(ctx.t("data.col_confirmed")),
        },
        key=f"dm_names_{key}",
    )
    picked = edited["area"].map(pd.Series(labels.index, index=labels.to_numpy()))
    out = matches.copy()
    changed = picked.to_numpy() != out["area_id"].to_numpy()
    out["area_id"] = picked.to_numpy()
    out.loc[changed & picked.notna().to_numpy(), "method"] = "manual"
    out["confirmed"] = edited["confirmed"].to_numpy() & out["area_id"].notna().to_numpy()
    return out


def preview_map(
    ctx: Context,
    prepared: I.Prepared,
    shapes: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    key: str,
    height: int = 420,
) -> None:
    """The imported rows on a map: new areas, facility points, or the areas receiving counts.

    ``shapes`` are the workspace's areas simplified for display, ``areas`` their table (names).
    """
    frame = prepared.frame
    points = None
    if prepared.table == "areas":
        base = simplify_for_display(frame[["area_id", "geometry"]]).merge(
            pd.DataFrame(frame.drop(columns="geometry"))[["area_id", "name"]], on="area_id"
        )
        base["_colour"] = IMPORTED_COLOUR
        items = [LegendItem(IMPORTED_COLOUR, ctx.t("data.preview_new_areas"), len(base))]
    else:
        base = shapes[["area_id", "geometry"]].copy()
        names = pd.Series(areas["name"].to_numpy(), index=areas["area_id"].astype(str))
        base["name"] = base["area_id"].map(names)
        receiving = set(frame["area_id"].dropna()) if "area_id" in frame else set()
        base["_colour"] = [
            IMPORTED_COLOUR if a in receiving else NO_DATA_COLOUR for a in base["area_id"]
        ]
        shown = len(receiving & set(base["area_id"]))
        items = (
            [
                LegendItem(IMPORTED_COLOUR, ctx.t("data.preview_with_rows"), shown),
                LegendItem(NO_DATA_COLOUR, ctx.t("data.preview_without_rows"), len(base) - shown),
            ]
            if receiving
            else [LegendItem(NO_DATA_COLOUR, ctx.t("data.preview_areas"), len(base))]
        )
        if isinstance(frame, gpd.GeoDataFrame) and len(frame):
            located = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
            points = located.head(MAX_PREVIEW_POINTS)
            label = "name" if "name" in points else points.columns[0]
            points = points.assign(_label=points[label].astype(str))
    base["_name"] = base["name"].fillna(base["area_id"]).astype(str)
    fmap = choropleth_map(
        base,
        id_column="area_id",
        colour_column="_colour",
        tooltip=[("_name", ctx.t("map.name")), ("area_id", ctx.t("data.col_area_id"))],
        legend_title=ctx.t("data.preview_legend", table=ctx.t(f"data.table_{prepared.table}")),
        legend_items=items,
        points=points,
        point_tooltip=[("_label", ctx.t("map.name"))] if points is not None else None,
        height=height,
        count_format=lambda n: fmt_int(n, ctx.lang),
    )
    st_folium(
        fmap, key=f"dm_preview_{key}", height=height, use_container_width=True, returned_objects=[]
    )
    if points is not None and len(frame) > MAX_PREVIEW_POINTS:
        st.caption(ctx.t("data.preview_points_capped", n=fmt_int(MAX_PREVIEW_POINTS, ctx.lang)))


def note_lines(ctx: Context, notes: list[str]) -> list[str]:
    """The preparation notes as sentences in the page's language."""
    lines = []
    for note in notes:
        kind, *parts = note.split(":")
        if kind == "kept":
            lines.append(
                ctx.t("data.note_kept", column=parts[0], n=fmt_int(int(parts[1]), ctx.lang))
            )
        elif kind == "missing":
            lines.append(ctx.t("data.note_missing", column=parts[0]))
        elif kind == "orphans":
            lines.append(
                ctx.t(
                    "data.note_orphans",
                    table=ctx.t(f"data.table_{parts[0]}"),
                    n=fmt_int(int(parts[1]), ctx.lang),
                )
            )
        elif kind == "solar_hijri":
            lines.append(ctx.t("import_check.solar_hijri_note", n=fmt_int(int(parts[0]), ctx.lang)))
        elif kind == "dates_mapped":
            lines.append(
                ctx.t("import_check.dates_mapped_note", n=fmt_int(int(parts[0]), ctx.lang))
            )
        elif kind == "scheme":
            lines.append(
                ctx.t("import_check.scheme_note", scheme=md_escape(scheme_label(ctx, parts[0])))
            )
        elif kind == "points":
            read, counted, outside, rejected = (fmt_int(int(p), ctx.lang) for p in parts)
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


def report_table(ctx: Context, prepared: I.Prepared, key: str) -> None:
    """Counts, the row-by-row validation report and its CSV download."""
    report = validation_report(prepared.problems)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ctx.t("data.rows_read"), fmt_int(prepared.read, ctx.lang))
    c2.metric(ctx.t("data.rows_kept"), fmt_int(len(prepared.frame), ctx.lang))
    c3.metric(
        ctx.t("data.rows_rejected"),
        fmt_int(int((report["severity"] == "rejected").sum()), ctx.lang),
    )
    c4.metric(
        ctx.t("data.rows_warned"),
        fmt_int(int(report["severity"].isin(["warning", "repaired"]).sum()), ctx.lang),
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
    st.dataframe(shown, hide_index=True, width="stretch", height=_table_height(len(report)))
    table_downloads(ctx, shown, f"validation-{prepared.source}", key=f"dm_report_{key}")


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
        ctx.t(f"import_check.quality_{code}", n=fmt_int(int(counts[code]), ctx.lang))
        for code in QUALITY_CODES
        if code in counts
    ]
    return ctx.t("import_check.quality_title") + " " + joined(parts, ctx.lang) if parts else ""


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
        return fmt_int(float(value), ctx.lang)
    if name == "share":
        return fmt_pct(float(value), ctx.lang, digits=0)
    if name in _DATE_FIELDS:
        return localize_digits(value, ctx.lang)
    return value


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
            n=fmt_int(len(off), ctx.lang),
            calendar=ctx.t(f"import_check.calendar_{calendar}"),
        ),
        list(DATE_RULES),
        format_func=lambda r: ctx.t(f"import_check.dates_{r}"),
        key=f"dm_dates_{key}_{table}",
    )


@st.cache_data(show_spinner=False, max_entries=4)
def reporting_calendar(workspace: str, version: int) -> str:
    """The workspace's reporting calendar (keyed on path + version)."""
    return workspace_calendar(workspace, version)


def versions_section(ctx: Context) -> None:
    """The list of versions, a comparison of two, and restoring an old one (confirmed first)."""
    ws, ver = ctx.workspace, ctx.version
    table = cached_versions(ws, ver)
    shown = table.rename(columns={c: ctx.t(f"data.version_{c}") for c in table.columns})
    # An empty cell (a version restored from none) reads "—", not "None" (on screen only).
    text = [c for c in shown.columns if shown[c].dtype == object]
    on_screen = shown.fillna(dict.fromkeys(text, "—"))
    st.dataframe(
        on_screen, hide_index=True, width="stretch", height=min(36 * (len(table) + 1) + 4, 300)
    )
    table_downloads(ctx, shown, f"versions-{ctx.title}", key="dm_versions_download")
    numbers = table["version"].tolist()
    st.subheader(ctx.t("data.compare_title"))
    if len(numbers) < 2:
        st.caption(ctx.t("data.compare_one_version"))
    else:
        c1, c2 = st.columns(2)
        old = c1.selectbox(ctx.t("data.compare_old"), numbers, index=1, key="dm_cmp_old")
        new = c2.selectbox(ctx.t("data.compare_new"), numbers, index=0, key="dm_cmp_new")
        summary, details = cached_compare(ws, ver, int(old), int(new))
        if summary.empty:
            st.info(ctx.t("data.compare_same"), icon=":material/check:")
        else:
            labels = {c: ctx.t(f"data.compare_{c}") for c in summary.columns}
            summary = summary.assign(table=summary["table"].map(lambda t: ctx.t(f"data.table_{t}")))
            compared = summary.rename(columns=labels)
            st.dataframe(compared, hide_index=True, width="stretch")
            table_downloads(
                ctx, compared, f"compare-v{int(old)}-v{int(new)}", key="dm_compare_download"
            )
            for name, rows in details.items():
                with st.expander(
                    ctx.t(
                        "data.compare_rows",
                        table=ctx.t(f"data.table_{name}"),
                        n=fmt_int(len(rows), ctx.lang),
                    )
                ):
                    st.dataframe(rows.head(1000), hide_index=True, width="stretch")
    st.subheader(ctx.t("data.restore_title"))
    older = numbers[1:]
    if not older:
        st.caption(ctx.t("data.compare_one_version"))
        return
    if not ctx.may("restore"):
        st.caption(ctx.t("data.restore_not_allowed"))
        return
    pick = st.selectbox(ctx.t("data.restore_pick"), older, key="dm_restore_pick")
    sure = st.checkbox(
        ctx.t("data.restore_confirm", version=pick, newest=ver), key="dm_restore_sure"
    )
    if st.button(
        ctx.t("data.restore_button"),
        disabled=not sure,
        icon=":material/history:",
        key="dm_restore_go",
    ):
        try:
            number = restore_version(ws, int(pick), author=author(ctx), actor=audit_actor(ctx))
        except DataError as exc:
            st.error(md_escape(str(exc)))
            return
        st.session_state["dm_done"] = ctx.t("data.restored", version=pick, new=number)
        st.session_state.pop("dm_restore_sure", None)
        st.rerun()


def backup_section(ctx: Context) -> None:
    """Download one version as a GeoPackage or a zip of GeoJSON + CSV."""
    ws, ver = ctx.workspace, ctx.version
    numbers = cached_versions(ws, ver)["version"].tolist()
    c1, c2 = st.columns(2)
    number = c1.selectbox(ctx.t("data.backup_version"), numbers, key="dm_backup_version")
    fmt = c2.radio(
        ctx.t("data.backup_format"),
        ["gpkg", "zip"],
        format_func=lambda f: ctx.t(f"data.backup_{f}"),
        horizontal=True,
        key="dm_backup_format",
    )
    stem = f"{ctx.title}-v{number}".replace(" ", "_")
    name = f"{safe_file_name(stem)}.{fmt}"
    st.download_button(
        ctx.t("data.backup_download"),
        data=recorded(ctx, name, lambda: cached_backup(ws, ver, int(number), str(fmt))),
        file_name=name,
        mime="application/geopackage+sqlite3" if fmt == "gpkg" else "application/zip",
        icon=":material/download:",
        key="dm_backup_download",
        on_click="ignore",
    )
    st.caption(ctx.t("data.backup_help"))


@st.cache_data(show_spinner=False, max_entries=4)
def cached_versions(workspace: str, version: int) -> pd.DataFrame:
    """Versions list (keyed on workspace path + newest version)."""
    return version_table(workspace)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_compare(
    workspace: str, version: int, old: int, new: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    return compare_versions(workspace, old, new)


@st.cache_data(show_spinner=False, max_entries=2)
def cached_backup(workspace: str, version: int, number: int, fmt: str) -> bytes:
    return backup_bytes(workspace, version=number, fmt=fmt)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=2)
def current_tables(workspace: str, version: int) -> dict[str, pd.DataFrame]:
    """The tables (and name crosswalk) an import checks against (keyed on path + version)."""
    return I.current_tables(workspace, version)


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
                st.dataframe(localized_report(ctx, exc.problems), hide_index=True)
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
    bar = st.progress(0.0, text=ctx.t("data.counting", n=fmt_int(0, ctx.lang)))

    def update(read: int) -> None:
        share = min(read / total, 1.0) if total else 0.5
        bar.progress(share, text=ctx.t("data.counting", n=fmt_int(read, ctx.lang)))

    return update


def import_button(ctx: Context, prepared: I.Prepared, table: str, key: str) -> None:
    """Mode choice and the Import button; on success the page reruns on the new version."""
    modes = ["replace", "update"]
    mode = st.radio(
        ctx.t("data.mode"),
        modes,
        index=modes.index(default_mode(table)),
        format_func=lambda m: ctx.t(f"data.mode_{m}"),
        horizontal=True,
        key=f"dm_mode_{key}_{table}",
    )
    on_existing = existing_choice(ctx, prepared, mode, key) if mode == "update" else None
    if on_existing == "cancel":
        st.session_state["dm_cancelled"] = ctx.t("import_check.cancelled")
        forget_upload()
        st.rerun()
    flagged = flagged_choice(ctx, prepared, key)
    overlap = prepared.existing if prepared.existing is not None else pd.DataFrame()
    needs_existing = mode == "update" and len(overlap) > 0
    chosen = (on_existing is not None or not needs_existing) and (
        flagged is not None or not prepared.flagged
    )
    written = importable(prepared, flagged)
    rows = len(written)
    if needs_existing and on_existing == "add":  # only the rows the workspace does not hold
        rows -= len(I.existing_rows(overlap, written, table))
        if rows <= 0:
            st.info(ctx.t("import_check.nothing_to_add"), icon=":material/info:")
    if not st.button(
        ctx.t("data.import_button", n=fmt_int(max(rows, 0), ctx.lang)),
        type="primary",
        disabled=len(prepared.frame) == 0 or not chosen or rows <= 0,
        icon=":material/upload:",
        key="dm_import",
    ):
        return
    with st.status(ctx.t("data.importing"), expanded=True) as status:
        bar = st.progress(0.1, text=ctx.t("data.saving"))
        try:
            number = I.commit_import(
                ctx.workspace,
                prepared,
                mode=mode,  # type: ignore[arg-type]
                author=author(ctx),
                actor=audit_actor(ctx),
                on_existing=on_existing if needs_existing else None,  # type: ignore[arg-type]
                flagged=flagged if prepared.flagged else None,  # type: ignore[arg-type]
            )
        except (DataError, OSError, ValueError) as exc:
            status.update(label=ctx.t("data.import_failed"), state="error")
            st.error(ctx.t("data.nothing_saved", reason=md_escape(str(exc))))
            return
        bar.progress(1.0, text=ctx.t("data.saved"))
        status.update(label=ctx.t("data.saved"), state="complete")
    st.session_state["dm_done"] = ctx.t(
        "data.imported",
        table=ctx.t(f"data.table_{table}"),
        n=fmt_int(rows, ctx.lang),
        version=number,
    )
    forget_upload()
    st.rerun()


def importable(prepared: I.Prepared, flagged: str | None) -> pd.DataFrame:
    """The rows an import would write, flagged rows left out when the person said so."""
    return prepared.without_flagged() if flagged == "skip" else prepared.frame


def existing_choice(ctx: Context, prepared: I.Prepared, mode: str, key: str) -> str | None:
    """Rows the workspace already holds (same key): counted and listed, and the person chooses
    to replace them, add only the new rows, or cancel. None until chosen; nothing is replaced
    by default."""
    overlap = prepared.existing
    if overlap is None or not len(overlap):
        return None
    keys = ", ".join(I.existing_key(prepared.table))
    st.warning(
        ctx.t("import_check.existing_title", n=fmt_int(len(overlap), ctx.lang), columns=keys),
        icon=":material/warning:",
    )
    listed = overlap.copy()
    if "period" in listed:
        periods = pd.to_datetime(listed["period"])
        months = pd.Series(month_label(periods, prepared.calendar), index=listed.index)
        listed.insert(
            list(listed.columns).index("period") + 1,
            "_month",
            months.map(lambda m: localize_digits(str(m), ctx.lang)),
        )
        listed["period"] = periods.dt.strftime("%Y-%m-%d").map(
            lambda d: localize_digits(d, ctx.lang)
        )
    if "scheme" in listed:
        listed["scheme"] = listed["scheme"].map(lambda v: scheme_label(ctx, str(v)))
    listed = listed.rename(columns=_listing_headings(ctx, listed.columns))
    st.dataframe(listed, hide_index=True, width="stretch", height=_table_height(len(listed)))
    table_downloads(ctx, listed, f"existing-{prepared.source}", key=f"dm_existing_{key}")
    return _choose(ctx, "existing", I.ON_EXISTING, f"dm_on_existing_{key}_{prepared.table}")


def _listing_headings(ctx: Context, columns: pd.Index) -> dict[str, str]:
    """Headings of the rows-to-replace listing in the page's language."""
    named = {
        "area_id": ctx.t("data.col_area_id"),
        "period": ctx.t("import_check.existing_period"),
        "_month": ctx.t("import_check.existing_month"),
        "scheme": ctx.t("table.scheme"),
    }
    out = {}
    for column in map(str, columns):
        if column in named:
            out[column] = named[column]
        elif column.endswith(("_now", "_file")):
            what, when = column.rsplit("_", 1)
            label = ctx.t("metric.insured") if what == "insured" else what
            out[column] = f"{label}: " + ctx.t(f"import_check.existing_{when}")
    return out


def flagged_choice(ctx: Context, prepared: I.Prepared, key: str) -> str | None:
    """Rows with a blank, negative, fractional or implausible count: the person chooses to import
    them flagged (left out of coverage) or to leave them out. None until chosen."""
    if not prepared.flagged:
        return None
    st.warning(
        ctx.t("import_check.flagged_title", n=fmt_int(len(prepared.flagged), ctx.lang)),
        icon=":material/flag:",
    )
    return _choose(ctx, "flagged", I.FLAGGED_CHOICES, f"dm_flagged_{key}_{prepared.table}")


def _choose(ctx: Context, what: str, choices: tuple[str, ...], key: str) -> str | None:
    """The import check's question ``what`` (``import_check.<what>_question``) with its choices,
    none chosen at first: until the person chooses, say what they still have to choose (None)."""
    chosen = st.radio(
        ctx.t(f"import_check.{what}_question"),
        list(choices),
        index=None,
        format_func=lambda c: ctx.t(f"import_check.{what}_{c}"),
        key=key,
    )
    if chosen:
        return chosen
    st.caption(ctx.t(f"import_check.{what}_choose"))
    return None


def author(ctx: Context) -> str:
    """Who a change is recorded as: the signed-in person, else "Data page" (a public app)."""
    return ctx.user if ctx.signed_in and ctx.user else ctx.t("data.author_page")


def check_error_text(ctx: Context, error: DataError) -> str:
    """Why a file cannot be imported as mapped, in the page's language where the check named the
    kind of failure (``import_check.error_<code>``), else in the check's words."""
    if error.code:
        fields = {k: md_escape(str(v)) for k, v in error.params.items()}
        if "table" in fields:
            fields["table"] = ctx.t(f"data.table_{error.params['table']}")
        if "n" in fields:
            fields["n"] = fmt_int(int(error.params["n"]), ctx.lang)  # type: ignore[arg-type]
        try:
            return ctx.t(f"import_check.error_{error.code}", **fields)
        except (KeyError, IndexError, TypeError):
            pass
    return md_escape(error.message)


def check_crash_text(ctx: Context, file: str, exc: BaseException) -> str:
    """What the page says when checking a file failed in a way no reader foresaw."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ctx.t("data.check_crashed", file=md_escape(file), reason=md_escape(reason[:300]))


def reset_demo_section(ctx: Context) -> None:
    """Planners and admins may write the synthetic demo region again (the demo workspace is
    shared by every visitor of a public app); confirmed first, saved as a new version."""
    if not ctx.demo_origin or not ctx.may("import"):
        return
    st.subheader(ctx.t("data.reset_title"))
    st.caption(ctx.t("data.reset_help"))
    sure = st.checkbox(ctx.t("data.reset_confirm"), key="dm_reset_sure")
    if not st.button(
        ctx.t("data.reset_button"),
        disabled=not sure,
        icon=":material/restart_alt:",
        key="dm_reset_go",
    ):
        return
    try:
        number = reset_demo_workspace(ctx.workspace, author=author(ctx))
    except (DataError, OSError, ValueError) as exc:
        st.error(ctx.t("data.nothing_saved", reason=md_escape(str(exc))))
        return
    st.session_state["dm_done"] = ctx.t("data.reset_done", version=number)
    st.session_state.pop("dm_reset_sure", None)
    forget_upload()
    st.rerun()


def table_choices() -> tuple[str, ...]:
    return IMPORT_TABLES


def joins_by_area(table: str) -> bool:
    """Tables whose rows name an area (by id or by name)."""
    return table in ("insured", "outreach")


def default_mode(table: str) -> str:
    return "update" if table in ("insured", POINTS_TABLE, "outreach", "targets") else "replace"


__all__ = [
    "author",
    "backup_section",
    "check_crash_text",
    "default_mode",
    "forget_upload",
    "joins_by_area",
    "mapping_widgets",
    "name_matching",
    "preview_map",
    "read_files",
    "report_table",
    "reset_demo_section",
    "table_choices",
    "versions_section",
]
