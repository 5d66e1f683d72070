"""The Data page's travel inputs, replaced from the page (#19): for those who may import, an
uploader per kind (the road extract, the speed table, a raster of a chosen role); the file is
checked with the engines' own readers (:mod:`geodata.uploads.travel_inputs`) as soon as it is
chosen, what would change is shown, and Save makes a new workspace version with that role's files
replaced (and an entry in the audit trail, as an import does). Nothing is saved from a bad file.

The uploaded bytes lie in a temporary ``ca-upload-*`` folder only while they are checked or saved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st

from geodata.sources.inputs import RASTER_ROLES, InputFile
from geodata.tables.problems import DataError
from geodata.uploads.reading import discard_upload, safe_file_name, save_uploads
from geodata.uploads.travel_inputs import (
    MULTI_FILE_ROLES,
    SUFFIXES,
    InputChange,
    check_travel_inputs,
    save_travel_inputs,
)
from render.i18n import isolated, joined
from render.safe import md_escape
from ui.admin.upload import author, upload_key
from ui.context import Context
from ui.downloads import audit_actor
from ui.grid import grid
from ui.uploader import localize_uploader

KINDS = ("roads", "speeds", "raster")
_CHECKED = "dm_travel_checked"
_COUNTER = "dm_travel_uploader"
T = TypeVar("T")


def replace_section(ctx: Context) -> None:
    """The uploaders, the check of the chosen file(s), what would change and Save; nothing for a
    session that may not import (the Data page is closed to partners and readers anyway).
    Drawn once the person asks for it: the Import tab's file picker stays the page's only one
    until then."""
    if not ctx.may("import"):
        return
    if not st.toggle(ctx.t("data.travel_title"), key="dm_travel_open"):
        return
    kind = st.radio(
        ctx.t("data.travel_kind"),
        KINDS,
        format_func=lambda k: ctx.t(f"data.travel_kind_{k}"),
        horizontal=True,
        key="dm_travel_kind",
    )
    role = kind
    if kind == "raster":
        role = st.selectbox(
            ctx.t("data.travel_raster_role"),
            RASTER_ROLES,
            format_func=lambda r: ctx.t(f"data.inputs_role_{r}"),
            key="dm_travel_role",
        )
    many = role in MULTI_FILE_ROLES
    types = [SUFFIXES[role].lstrip(".")]
    chosen = st.file_uploader(
        ctx.t("data.travel_upload", role=ctx.t(f"data.inputs_role_{role}")),
        type=types,
        accept_multiple_files=many,
        key=f"dm_travel_{role}_{st.session_state.get(_COUNTER, 0)}",
        help=ctx.t(f"data.travel_help_{role}"),
    )
    localize_uploader(ctx.lang, "dm_travel_", types)  # Streamlit's own words, translated
    files = list(chosen) if many and chosen else ([chosen] if chosen else [])
    if not files:
        st.session_state.pop(_CHECKED, None)
        return
    key = upload_key(files, f"{role}|{ctx.lang}")  # checked once per file (and language)
    cached = st.session_state.get(_CHECKED)
    if cached is None or cached[0] != key:
        checked = _attempt(
            ctx, lambda paths: check_travel_inputs(ctx.workspace, role, paths), files
        )
        cached = (key, *checked)
        st.session_state[_CHECKED] = cached
    _, change, refused = cached
    if change is None:
        st.error(refused, icon=":material/error:")
        return
    if change.new == change.old:
        st.info(ctx.t("data.travel_same"), icon=":material/info:")
        return
    grid(ctx.lang, change_table(ctx, change), hide_index=True, width="stretch")
    if not st.button(
        ctx.t("data.travel_save"), type="primary", icon=":material/upload:", key="dm_travel_save"
    ):
        return
    with st.spinner(ctx.t("data.saving")):
        saved, refused = _attempt(
            ctx,
            lambda paths: save_travel_inputs(
                ctx.workspace,
                role,
                paths,
                author=author(ctx),
                actor=audit_actor(ctx),
                checked=change,  # what the sandbox read of these files: not read again
            ),
            files,
        )
    if saved is None:  # the newest version changed meanwhile and the file no longer fits it
        st.error(refused, icon=":material/error:")
        return
    number, done = saved
    st.session_state["dm_done"] = ctx.t(
        "data.travel_saved",
        role=ctx.t(f"data.inputs_role_{role}"),
        old=_shown(ctx, done.old),
        new=_shown(ctx, done.new),
        version=ctx.language.int(number),
    )
    st.session_state.pop(_CHECKED, None)
    st.session_state[_COUNTER] = st.session_state.get(_COUNTER, 0) + 1  # the picker emptied
    st.rerun()


def _attempt(
    ctx: Context, step: Callable[[list[Path]], T], files: Sequence
) -> tuple[T | None, str | None]:
    """``step`` on the uploaded files written to a temporary folder (removed after): its result,
    or why a file is refused (naming it as uploaded, in the reader's language; nothing saved)."""
    main = save_uploads([(f.name, f.getvalue()) for f in files])
    names = [safe_file_name(f.name) for f in files]
    uploaded = dict(zip(names, (f.name for f in files), strict=True))
    try:
        return step([main.parent / name for name in names]), None
    except DataError as exc:
        if str(exc.params.get("file")) in uploaded:  # the file as the person named it
            exc.params["file"] = uploaded[str(exc.params["file"])]
        reason = error_text(ctx, exc)
    except (OSError, ValueError) as exc:
        reason = ctx.t("data.read_failed", reason=md_escape(f"{files[0].name}: {exc}"))
    finally:
        discard_upload(main)
    return None, ctx.t("data.nothing_saved", reason=reason)


def error_text(ctx: Context, error: DataError) -> str:
    """Why a file cannot be a travel input, in the reader's language where the check named the
    kind of failure (``data.<code>``), names and values escaped for Markdown."""
    if error.code:
        fields = {k: _field(ctx, k, v) for k, v in error.params.items()}
        try:
            return ctx.t(f"data.{error.code}", **fields)
        except (KeyError, IndexError):
            pass
    return ctx.t("data.read_failed", reason=md_escape(str(error)))


def _field(ctx: Context, name: str, value: object) -> str:
    """A message's field: counts in the reader's digits, names and keys escaped for Markdown
    and kept whole in a right-to-left line, a value from the file in the reader's digits."""
    if isinstance(value, bool):
        return md_escape(str(value))
    if isinstance(value, int):
        return ctx.language.int(value)
    if isinstance(value, float):
        return ctx.language.number(value, 2)
    text = ctx.language.numerals(str(value)) if name == "value" else str(value)
    return isolated(md_escape(text), ctx.lang)


def _names(ctx: Context, files: tuple[InputFile, ...]) -> str:
    return joined([f.name for f in files], ctx.lang) if files else ctx.t("data.travel_none")


def _shown(ctx: Context, files: tuple[InputFile, ...]) -> str:
    """File names for a Markdown message: escaped, each kept whole in a right-to-left line."""
    if not files:
        return ctx.t("data.travel_none")
    return joined([isolated(md_escape(f.name), ctx.lang) for f in files], ctx.lang)


def _megabytes(ctx: Context, files: tuple[InputFile, ...]) -> str:
    if not files:
        return "—"
    mb = sum(f.size for f in files) / 1e6
    return ctx.language.number(mb, 1 if mb >= 1 else 3)  # a 10 kB raster is not 0.0


def change_table(ctx: Context, change: InputChange) -> pd.DataFrame:
    """What Save would change, in the reader's language: the role, the file(s) it has and would
    have, and their size in MB."""
    return pd.DataFrame(
        {
            ctx.t("data.inputs_role"): [ctx.t(f"data.inputs_role_{change.role}")],
            ctx.t("data.travel_old"): [_names(ctx, change.old)],
            ctx.t("data.travel_new"): [_names(ctx, change.new)],
            ctx.t("data.travel_old_size"): [_megabytes(ctx, change.old)],
            ctx.t("data.travel_new_size"): [_megabytes(ctx, change.new)],
        }
    )


__all__ = ["KINDS", "change_table", "error_text", "replace_section"]
