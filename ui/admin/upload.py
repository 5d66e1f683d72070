"""The Data page's first steps: the uploaded file(s) read once per upload (and their temporary copy
removed when the picker empties, the session ends or an import is done), the tables an import is
checked against, the column mapping, the name matching, and who a change is recorded as.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from geodata.tables.problems import DataError
from geodata.uploads import workflow as I
from geodata.uploads.mapping import IMPORT_TABLES, POINTS_TABLE, propose_mapping, required_targets
from geodata.uploads.matching import match_names
from geodata.uploads.reading import Upload, discard_upload, safe_file_name, save_uploads
from geodata.uploads.sandbox import sweep_stale_uploads
from render.i18n import isolated, separator
from render.safe import md_escape
from ui.context import Context
from ui.grid import reading_order
from ui.scope import Source

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
            exact=ctx.language.int(counts.get("exact", 0) + counts.get("crosswalk", 0)),
            fuzzy=ctx.language.int(counts.get("fuzzy", 0)),
            none=ctx.language.int(counts.get("none", 0) + counts.get("ambiguous", 0)),
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
        **reading_order(shown, ctx.lang),
    )
    picked = edited["area"].map(pd.Series(labels.index, index=labels.to_numpy()))
    out = matches.copy()
    changed = picked.to_numpy() != out["area_id"].to_numpy()
    out["area_id"] = picked.to_numpy()
    out.loc[changed & picked.notna().to_numpy(), "method"] = "manual"
    out["confirmed"] = edited["confirmed"].to_numpy() & out["area_id"].notna().to_numpy()
    return out


@st.cache_data(show_spinner=False, max_entries=2)
def current_tables(source: Source, version: int) -> dict[str, pd.DataFrame]:
    """The tables (and name crosswalk) an import checks against (keyed on path + version)."""
    return I.current_tables(source, version)


def author(ctx: Context) -> str:
    """Who a change is recorded as: the signed-in person, else "Data page" (a public app)."""
    return ctx.user if ctx.signed_in and ctx.user else ctx.t("data.author_page")


def table_choices() -> tuple[str, ...]:
    return IMPORT_TABLES


def joins_by_area(table: str) -> bool:
    """Tables whose rows name an area (by id or by name)."""
    return table in ("insured", "outreach")


__all__ = [
    "author",
    "current_tables",
    "forget_upload",
    "joins_by_area",
    "mapping_widgets",
    "name_matching",
    "read_files",
    "release_upload",
    "sweep_once",
    "table_choices",
    "upload_error_text",
    "upload_key",
]
