"""The Data page's Versions tab: the list of workspace versions, a comparison of two, restoring an
old one (confirmed first, saved as a new version), and writing the demo region again.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geodata.sources.inputs import RASTER_ROLES, ROAD_ROLES
from geodata.sources.workspaces import reset_demo_workspace
from geodata.store import messages
from geodata.store.targets import SCOPE_KINDS
from geodata.store.versions import change_counts, compare_versions, version_table
from geodata.store.workspace import list_versions
from geodata.tables.problems import DataError
from geodata.tables.schema import OUTREACH_KINDS, STORED_TABLES
from geodata.users.audit import restore_version
from render.i18n import joined
from render.safe import md_escape
from ui.admin.audit import stored_time
from ui.admin.upload import author, forget_upload
from ui.context import Context
from ui.downloads import audit_actor
from ui.grid import grid
from ui.scope import Source
from ui.tables import show_table


def whole_numbers(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of ``frame``'s columns of whole numbers (version numbers, counts of changes):
    written in the reader's digits on the page (:func:`ui.tables.show_table`)."""
    return {str(c): "int" for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])}


def versions_section(ctx: Context) -> None:
    """The list of versions, a comparison of two, and restoring an old one (confirmed first)."""
    ws, ver = ctx.workspace, ctx.version
    table = cached_versions(ws, ver)
    table = table.assign(
        changes=table["version"].map(changes_in_words(ctx)),
        message=table["message"].map(lambda text: message_in_words(ctx, text)),
    )
    shown = table.rename(columns={c: ctx.t(f"data.version_{c}") for c in table.columns})
    # On screen only: an empty cell (a version restored from none) reads "—", not "None", and
    # the time of a save is in the reader's calendar (the files keep it as stored, in UTC).
    text = [c for c in shown.columns if shown[c].dtype == object]
    saved = ctx.t("data.version_created_at")
    on_screen = shown.fillna(dict.fromkeys(text, "—")).assign(
        **{saved: shown[saved].map(lambda t: stored_time(ctx, t))}
    )
    show_table(
        ctx,
        on_screen,
        f"versions-{ctx.title}",
        kinds=whole_numbers(shown),
        download_key="dm_versions_download",
        files=shown,
        height=min(36 * (len(table) + 1) + 4, 300),
    )
    numbers = table["version"].tolist()
    st.subheader(ctx.t("data.compare_title"))
    if len(numbers) < 2:
        st.caption(ctx.t("data.compare_one_version"))
    else:
        c1, c2 = st.columns(2)
        old = c1.selectbox(
            ctx.t("data.compare_old"),
            numbers,
            index=1,
            key="dm_cmp_old",
            format_func=ctx.language.int,
        )
        new = c2.selectbox(
            ctx.t("data.compare_new"),
            numbers,
            index=0,
            key="dm_cmp_new",
            format_func=ctx.language.int,
        )
        summary, details = cached_compare(ws, ver, int(old), int(new))
        if summary.empty:
            st.info(ctx.t("data.compare_same"), icon=":material/check:")
        else:
            labels = {c: ctx.t(f"data.compare_{c}") for c in summary.columns}
            summary = summary.assign(table=summary["table"].map(lambda t: ctx.t(f"data.table_{t}")))
            compared = summary.rename(columns=labels)
            show_table(
                ctx,
                compared,
                f"compare-v{int(old)}-v{int(new)}",
                kinds=whole_numbers(compared),
                download_key="dm_compare_download",
            )
            for name, rows in details.items():
                with st.expander(
                    ctx.t(
                        "data.compare_rows",
                        table=ctx.t(f"data.table_{name}"),
                        n=ctx.language.int(len(rows)),
                    )
                ):
                    grid(ctx.lang, rows.head(1000), hide_index=True, width="stretch")
    st.subheader(ctx.t("data.restore_title"))
    older = numbers[1:]
    if not older:
        st.caption(ctx.t("data.compare_one_version"))
        return
    if not ctx.may("restore"):
        st.caption(ctx.t("data.restore_not_allowed"))
        return
    pick = st.selectbox(
        ctx.t("data.restore_pick"), older, key="dm_restore_pick", format_func=ctx.language.int
    )
    sure = st.checkbox(
        ctx.t("data.restore_confirm", version=ctx.language.int(pick), newest=ctx.language.int(ver)),
        key="dm_restore_sure",
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
        st.session_state["dm_done"] = ctx.t(
            "data.restored", version=ctx.language.int(pick), new=ctx.language.int(number)
        )
        st.session_state.pop("dm_restore_sure", None)
        st.rerun()


def changes_in_words(ctx: Context) -> dict[int, str]:
    """Each version's changes as the reader reads them: ``Areas +375 ~0 −0; …`` with the
    catalog's table names and the language's digits and separator (the stored summary names the
    tables in English)."""
    n = ctx.language.int
    return {
        v.number: joined(
            (
                f"{ctx.t(f'data.table_{t}')} +{n(c['added'])} ~{n(c['changed'])} −{n(c['removed'])}"
                for t, c in change_counts(v).items()
            ),
            ctx.lang,
        )
        for v in list_versions(ctx.workspace)
    }


#: The fields of a stored message that name a word of a vocabulary: (template, field) → the
#: catalog key of each word (``{}``: the stored value) and the values it has.
_WORDS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("import", "table"): ("data.table_{}", tuple(STORED_TABLES)),
    ("session", "kind"): ("gap.kind.{}", OUTREACH_KINDS),
    ("target", "kind"): ("briefings.scope.{}", SCOPE_KINDS),
    ("travel_inputs", "role"): ("data.inputs_role_{}", ROAD_ROLES + RASTER_ROLES),
}
#: Fields that hold a count or a version's number (in the reader's digits and separators).
_COUNTS = {"number", "n", "enrolled"}


def message_in_words(ctx: Context, text: object) -> object:
    """A version's stored message as the reader reads it: one the workspace wrote by itself
    (:mod:`geodata.store.messages`) in the reader's words, digits and calendar; an author's own
    as it was written (a missing one as it is)."""
    found = messages.read(text) if isinstance(text, str) else None
    if found is None:
        return text
    key, fields = found
    if key == "target" and fields["kind"] == "region":  # the region's scope is the region itself
        key = "target_region"
    return ctx.t(f"data.message_{key}", **{f: _field(ctx, key, f, v) for f, v in fields.items()})


def _field(ctx: Context, key: str, field: str, value: str) -> str:
    """One field of a stored message in the reader's words and digits."""
    words = _WORDS.get((key, field))
    if words is not None:
        catalog, values = words
        return ctx.t(catalog.format(value)) if value in values else value
    if field in _COUNTS and value.isdigit():
        return ctx.language.int(int(value))
    if field == "day":
        day = pd.to_datetime(value, errors="coerce", format="%Y-%m-%d")
        return value if pd.isna(day) else ctx.language.date(day)
    if field == "share" and value.endswith("%"):
        share = pd.to_numeric(value[:-1], errors="coerce")
        return value if pd.isna(share) else ctx.language.pct(share / 100)
    if field in ("month", "seed"):  # a month as the workspace's calendar numbers it; a seed
        return ctx.language.numerals(value)
    return value  # names, ids and files as they are


@st.cache_data(show_spinner=False, max_entries=4)
def cached_versions(source: Source, version: int) -> pd.DataFrame:
    """Versions list (keyed on the source, the whole workspace on this page closed to partners, +
    newest version)."""
    return version_table(source)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_compare(
    source: Source, version: int, old: int, new: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    return compare_versions(source, old, new)


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
    st.session_state["dm_done"] = ctx.t("data.reset_done", version=ctx.language.int(number))
    st.session_state.pop("dm_reset_sure", None)
    forget_upload()
    st.rerun()


__all__ = [
    "cached_compare",
    "cached_versions",
    "reset_demo_section",
    "versions_section",
]
