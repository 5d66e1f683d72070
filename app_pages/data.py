"""Data: bring a table in from a file (map columns, check, match names, import), see the versions,
compare and restore them, and download a backup.

Nothing is written until the person presses Import (or confirms a restore); each of those saves a
new workspace version, and the page reruns on it.
"""

from __future__ import annotations

import streamlit as st

from geodata.uploads.mapping import missing_targets
from geodata.uploads.matching import looks_like_names
from geodata.uploads.reading import UPLOAD_SUFFIXES
from render.safe import md_escape
from ui import data, views
from ui.admin import audit as audit_views
from ui.admin import backups, versions
from ui.admin import check as check_step
from ui.admin import importing as import_step
from ui.admin import travel as travel_inputs
from ui.admin import upload as upload_step
from ui.context import current, require_page
from ui.state import keep
from ui.uploader import localize_uploader

ctx = current()
require_page(ctx, "data")
ws, ver = ctx.workspace, ctx.version
views.page_header(ctx, "data.title")
done = st.session_state.pop("dm_done", None)
if done:
    st.success(done, icon=":material/check_circle:")
cancelled = st.session_state.pop("dm_cancelled", None)
if cancelled:
    st.info(cancelled, icon=":material/cancel:")

tab_names = [ctx.t("data.tab_import"), ctx.t("data.tab_versions"), ctx.t("data.tab_backup")]
if ctx.may("audit"):  # administrators only: who signed in, downloaded, changed what, when
    tab_names.append(ctx.t("audit.tab"))
tab_import, tab_versions, tab_backup, *tab_audit = st.tabs(tab_names)

with tab_import:
    tables = upload_step.current_tables(ws, ver)
    c1, c2 = st.columns([2, 1])
    keep("dm_table", upload_step.table_choices())  # the table stays chosen across page moves
    table = c1.selectbox(
        ctx.t("data.table"),
        upload_step.table_choices(),
        format_func=lambda t: ctx.t(f"data.table_{t}"),
        key="dm_table",
    )
    crs = c2.text_input(ctx.t("data.crs"), key="dm_crs", help=ctx.t("data.crs_help")).strip()
    st.caption(ctx.t(f"data.help_{table}"))
    upload_types = [s.lstrip(".") for s in UPLOAD_SUFFIXES] + ["shx", "dbf", "prj", "cpg"]
    files = st.file_uploader(
        ctx.t("data.upload"),
        type=upload_types,
        accept_multiple_files=True,
        key=f"dm_files_{st.session_state.get('dm_uploader', 0)}",
        help=ctx.t("data.upload_help"),
    )
    localize_uploader(ctx.lang, "dm_files_", upload_types)  # Streamlit's own words, translated
    upload_step.sweep_once()
    if not files:
        upload_step.release_upload()
    upload = upload_step.read_files(ctx, files, crs, table) if files else None
    if upload is not None:
        key = upload_step.upload_key(files, crs)
        st.subheader(ctx.t("data.step_mapping"))
        st.caption(
            ctx.t(
                "data.mapping_help",
                file=md_escape(upload.name),
                n=ctx.language.int(len(upload.frame)),
            )
            + (" " + ctx.t("data.hxl_found") if upload.hxl else "")
            + (
                " " + ctx.t("data.sampled", n=ctx.language.int(len(upload.frame)))
                if upload.sampled
                else ""
            )
        )
        mapping = upload_step.mapping_widgets(ctx, upload, table, key)
        # No scheme column: the person names the scheme; a period off a month's first day: the
        # person says how it is read. Nothing is booked or moved silently.
        scheme = check_step.scheme_choice(ctx, table, mapping, tables, key)
        calendar = check_step.reporting_calendar(ws, ver)
        dates = check_step.dates_choice(ctx, upload, table, mapping, calendar, key)
        missing = missing_targets(table, upload, mapping)
        area_by, matches = "id", None
        if upload_step.joins_by_area(table) and "area_id" in mapping:
            values = upload.frame[mapping["area_id"]]
            guess = "name" if looks_like_names(values, tables["areas"]) else "id"
            area_by = st.radio(
                ctx.t("data.area_by"),
                ["id", "name"],
                index=["id", "name"].index(guess),
                format_func=lambda b: ctx.t(f"data.area_by_{b}"),
                horizontal=True,
                key=f"dm_area_by_{key}",
            )
            if area_by == "name":
                st.subheader(ctx.t("data.step_names"))
                matches = upload_step.name_matching(
                    ctx,
                    values,
                    tables["areas"],
                    tables["name_crosswalk"],
                    f"{key}_{mapping['area_id']}",
                )
        if missing:
            st.warning(
                ctx.t("data.map_required", columns=", ".join(missing)), icon=":material/rule:"
            )
        elif check_step.needs_scheme(table, mapping) and scheme is None:
            st.warning(ctx.t("import_check.scheme_required"), icon=":material/rule:")
        else:
            st.subheader(ctx.t("data.step_check"))
            prepared = check_step.check(
                ctx,
                upload,
                table,
                mapping,
                tables,
                crs=crs,
                area_by=area_by,
                matches=matches,
                scheme=scheme,
                calendar=calendar,
                dates=dates,
            )
            if prepared is not None:
                check_step.report_table(ctx, prepared, key)
                if table not in ("partners", "targets") and len(prepared.frame):
                    st.subheader(ctx.t("data.step_preview"))
                    import_step.preview_map(
                        ctx, prepared, data.display_shapes(ws, ver, "area"), tables["areas"], key
                    )
                st.subheader(ctx.t("data.step_import"))
                import_step.import_button(ctx, prepared, table, key)

with tab_versions:
    versions.versions_section(ctx)
    travel_inputs.inputs_section(ctx)  # the road extract and rasters travel time is measured with
    versions.reset_demo_section(ctx)

with tab_backup:
    backups.backup_section(ctx)

for tab in tab_audit:
    with tab:
        audit_views.audit_section(ctx)
