"""Command line: ``python -m geodata build RECIPE.toml --out WS.gpkg`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

from geodata.tables.problems import DataError

IMPORT_TABLE_CHOICES = (
    "areas",
    "facilities",
    "insured",
    "insured_points",
    "partners",
    "targets",
    "outreach",
    "utilisation",
)
WORKSPACE_HELP = "a workspace GeoPackage, or a PostGIS database: postgresql://user@host:port/db"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build a workspace from a recipe (adds a version)")
    build.add_argument("recipe", type=Path)
    build.add_argument(
        "--out", required=True, help="workspace: a GeoPackage, or postgresql://user@host/db"
    )
    build.add_argument("--author", default="", help="who builds it (kept with the version)")
    build.add_argument("--message", default=None, help="what this version is")
    build.add_argument("--check", action="store_true", help="report only, write nothing")
    versions = commands.add_parser("versions", help="list the versions of a workspace")
    versions.add_argument("workspace", help=WORKSPACE_HELP)
    export = commands.add_parser("export", help="back up one version (GeoPackage or zip)")
    export.add_argument("workspace", help=WORKSPACE_HELP)
    export.add_argument("--out", type=Path, required=True, help="backup file: .gpkg or .zip")
    export.add_argument("--version", type=int, default=None, help="default: the newest")
    export.add_argument("--author", default="", help="who exports it (for the audit trail)")
    restore = commands.add_parser("restore", help="make an old version current (a new version)")
    restore.add_argument("workspace", help=WORKSPACE_HELP)
    restore.add_argument("version", type=int)
    restore.add_argument("--author", default="")
    compare = commands.add_parser("compare", help="rows added/changed/removed between versions")
    compare.add_argument("workspace", help=WORKSPACE_HELP)
    compare.add_argument("old", type=int)
    compare.add_argument("new", type=int)
    demo = commands.add_parser("demo", help="write the synthetic demo workspace")
    demo.add_argument("--out", required=True, help=WORKSPACE_HELP)
    reset = commands.add_parser(
        "reset-demo", help="write the demo region again in a demo workspace (a new version)"
    )
    reset.add_argument(
        "workspace", nargs="?", default=None, help="default: the app's embedded demo workspace"
    )
    reset.add_argument("--author", default="")
    imp = commands.add_parser(
        "import", help="import one table from a file as a new version (as the Data page does)"
    )
    imp.add_argument("workspace", help=WORKSPACE_HELP)
    imp.add_argument("file", type=Path, help="GeoJSON, GeoPackage, Shapefile, KML, CSV, XLSX …")
    imp.add_argument("--table", required=True, choices=IMPORT_TABLE_CHOICES)
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="file column COLUMN fills workspace column FIELD (repeatable; the rest is proposed)",
    )
    imp.add_argument("--crs", default=None, help="CRS of coordinates or WKT (default WGS 84)")
    imp.add_argument("--sheet", default=None, help="XLSX sheet")
    imp.add_argument("--encoding", default=None, help="CSV text encoding (default UTF-8)")
    imp.add_argument("--mode", choices=("replace", "update"), default=None)
    imp.add_argument("--area-by", choices=("id", "name"), default=None)
    imp.add_argument(
        "--scheme",
        default=None,
        help="the scheme of every row, for insured counts from a file without a scheme column "
        "(required then; 'unspecified' when none fits)",
    )
    imp.add_argument(
        "--dates",
        choices=("first-day", "containing"),
        default="first-day",
        help="a period that is not the first day of a reporting month: a rejected row "
        "(first-day, the default) or booked to the month that contains it (each row listed)",
    )
    imp.add_argument(
        "--on-existing",
        choices=("replace", "add", "cancel"),
        default=None,
        help="rows the workspace already holds (same area, period, scheme …): replace them, add "
        "only the new rows, or cancel; required when there are such rows",
    )
    imp.add_argument(
        "--flagged",
        choices=("keep", "skip"),
        default=None,
        help="rows whose count is blank, negative, fractional or above the area's population: "
        "keep them (flagged, left out of coverage) or leave them out; required when there are",
    )
    imp.add_argument("--author", default="")
    imp.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "versions":
            return _versions(args.workspace)
        if args.command == "export":
            from geodata.store.backup import export_backup
            from geodata.store.workspace import list_versions
            from geodata.users.audit import record_export

            fmt: Literal["gpkg", "zip"] = "zip" if args.out.suffix.lower() == ".zip" else "gpkg"
            number = args.version
            if number is None:
                number = list_versions(args.workspace)[-1].number
            export_backup(args.workspace, args.out, version=number, fmt=fmt)
            record_export(args.workspace, args.out, number, author=args.author)
            print(f"Backup written to {args.out}.")
            return 0
        if args.command == "restore":
            from geodata.users.audit import restore_version

            number = restore_version(args.workspace, args.version, author=args.author)
            print(f"Version {args.version} restored as version {number}.")
            return 0
        if args.command == "compare":
            from geodata.store.versions import compare_versions

            summary, _ = compare_versions(args.workspace, args.old, args.new)
            print(summary.to_string(index=False) if len(summary) else "No differences.")
            return 0
        if args.command == "demo":
            from geodata.sources.workspaces import write_demo_workspace

            number = write_demo_workspace(args.out)
            print(f"Demo workspace written to {_label(args.out)} (version {number}).")
            return 0
        if args.command == "reset-demo":
            from geodata.sources.workspaces import demo_workspace_path, reset_demo_workspace

            workspace = args.workspace or str(demo_workspace_path())
            number = reset_demo_workspace(workspace, author=args.author)
            print(f"Demo workspace {_label(workspace)} reset (version {number}).")
            return 0
        if args.command == "import":
            return _import(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written, a full disk …
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a clear line naming the file, never a traceback
        named = getattr(args, "file", None) or getattr(args, "recipe", None) or ""
        where = f"{Path(named).name}: " if named else ""
        print(
            f"error: {where}could not be processed ({type(exc).__name__}: {exc})", file=sys.stderr
        )
        return 1
    return 2


def _import(args: argparse.Namespace) -> int:
    """Read, map, check and save one table, as the Data page does; exit status 1 when rows
    were rejected (the rest is saved) or when the file cannot be imported."""
    import pandas as pd

    from geodata.store.workspace import workspace_calendar
    from geodata.uploads import workflow as I
    from geodata.uploads.checks import month_label, validation_report
    from geodata.uploads.mapping import (
        POINTS_TABLE,
        mapping_of,
        missing_targets,
        propose_mapping,
        targets_for,
    )
    from geodata.uploads.matching import looks_like_names

    path: Path = args.file
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    table = args.table
    upload = I.read_upload(
        path,
        crs=args.crs,
        sheet=args.sheet,
        encoding=args.encoding,
        sample_rows=1000 if table == POINTS_TABLE else None,
    )
    mapping = mapping_of(propose_mapping(upload, table))
    targets = set(targets_for(table, upload))
    for item in args.map:
        column, sep, target = item.partition("=")
        if not sep or not column or not target:
            raise DataError(f"--map {item!r}: write it as FILE_COLUMN=WORKSPACE_COLUMN.")
        if target not in targets:
            raise DataError(
                f"--map {item!r}: {target!r} is not a column of {table} "
                f"(columns: {', '.join(sorted(targets))})."
            )
        if column not in upload.columns:
            raise DataError(
                f"{upload.name}: --map {item!r}: no column {column!r} in the file "
                f"(columns: {', '.join(upload.columns)})."
            )
        mapping = {t: c for t, c in mapping.items() if c != column or t == target}
        mapping[target] = column
    print("Columns: " + ", ".join(f"{c} -> {t}" for t, c in mapping.items()))
    missing = missing_targets(table, upload, mapping)
    if missing:
        raise DataError(
            f"{upload.name}: no column for {', '.join(missing)}; name one with --map COLUMN=FIELD."
        )
    current = I.current_tables(args.workspace)
    area_by: Literal["id", "name"] = args.area_by or "id"  # argparse's choices
    if args.area_by is None and table in ("insured", "outreach") and "area_id" in mapping:
        values = upload.frame[mapping["area_id"]]
        area_by = "name" if looks_like_names(values, current["areas"]) else "id"
    calendar = workspace_calendar(args.workspace)
    if table in ("insured", POINTS_TABLE) and "scheme" not in mapping and not args.scheme:
        raise DataError(
            f"{upload.name}: the file has no scheme column; name the scheme of its rows with "
            f"--scheme SCHEME (for example health, social_security, voluntary, household, or "
            f"{I.UNSPECIFIED_SCHEME}), or map a column with --map COLUMN=scheme. Nothing was saved."
        )
    if "scheme" not in mapping and args.scheme and table in ("insured", POINTS_TABLE):
        print(f"Scheme of every row (chosen): {args.scheme}")
    prepared = I.prepare_import(
        upload,
        table,
        mapping,
        current,
        crs=args.crs,
        area_by=area_by,
        crosswalk=current.get("name_crosswalk"),
        confirmed_by=args.author,
        default_scheme=args.scheme,
        calendar=calendar,
        dates="containing" if args.dates == "containing" else "first_day",
    )
    report = validation_report(prepared.problems)
    if len(report):
        print(report.drop(columns="code").to_string(index=False))
    serious = int(report["severity"].isin(["rejected", "error"]).sum())
    print(f"{prepared.read} rows read, {len(prepared.frame)} to import, {serious} rejected.")
    _print_meaning(prepared, calendar)
    mode: Literal["replace", "update"] = args.mode or (  # argparse's choices
        "update" if table in ("insured", POINTS_TABLE, "outreach", "targets") else "replace"
    )
    overlap = prepared.existing if prepared.existing is not None else pd.DataFrame()
    replaces = mode == "update" and len(overlap) > 0
    if replaces:
        print(
            f"{len(overlap)} rows would replace rows the workspace holds "
            f"(same {', '.join(I.existing_key(prepared.table))}):"
        )
        listed = overlap.copy()
        if "period" in listed:
            listed.insert(
                list(listed.columns).index("period") + 1,
                "month",
                month_label(pd.to_datetime(listed["period"]), calendar),
            )
            listed["period"] = pd.to_datetime(listed["period"]).dt.strftime("%Y-%m-%d")
        print(_listing(listed))
    if args.check:
        print("Checked only; nothing written.")
        return 1 if serious else 0
    if not len(prepared.frame):
        raise DataError(f"{upload.name}: no row can be imported; nothing was saved.")
    if args.on_existing == "cancel":
        print("Import cancelled (--on-existing cancel); nothing written.")
        return 0
    if replaces and args.on_existing is None:
        raise DataError(
            f"{upload.name}: {len(overlap)} rows would replace rows the workspace holds; choose "
            "--on-existing replace (replace them), add (import only the new rows) or cancel. "
            "Nothing was saved."
        )
    if prepared.flagged and args.flagged is None:
        raise DataError(
            f"{upload.name}: {len(prepared.flagged)} rows have a blank, negative, fractional or "
            "implausible count (listed above); choose --flagged keep (import them flagged, left "
            "out of coverage) or --flagged skip (leave them out). Nothing was saved."
        )
    number = I.commit_import(
        args.workspace,
        prepared,
        mode=mode,
        author=args.author,
        on_existing=args.on_existing if replaces else None,
        flagged=args.flagged if prepared.flagged else None,
    )
    how = f", existing rows: {args.on_existing}" if replaces else ""
    flagged = f", flagged rows: {args.flagged}" if prepared.flagged else ""
    print(
        f"Saved {_label(args.workspace)} as version {number} ({prepared.table}, {mode}{how}"
        f"{flagged})."
    )
    return 1 if serious else 0


def _print_meaning(prepared: object, calendar: str) -> None:
    """What the check found that changes the meaning of rows: the reporting calendar, dates
    read as Solar Hijri or booked to a month, flagged counts."""
    notes = getattr(prepared, "notes", [])
    for note in notes:
        kind, *parts = note.split(":")
        if kind == "solar_hijri":
            print(f"{parts[0]} dates are written in the Solar Hijri calendar and read as such.")
        elif kind == "dates_mapped":
            print(
                f"{parts[0]} dates are not the first day of a month and were booked to the "
                "month that contains them (--dates containing; each row is listed above)."
            )
        elif kind == "scheme":
            print(f"Every row is booked to the scheme {parts[0]} (--scheme).")
    print(f"Reporting months: {calendar.replace('_', ' ')}.")
    flagged = getattr(prepared, "flagged", [])
    if flagged:
        print(
            f"{len(flagged)} rows have a blank, negative, fractional or implausible count "
            "(listed above): they are left out of coverage and flagged if kept."
        )


def _listing(frame: object, most: int = 100) -> str:
    """Rows as a plain table, the first ``most`` of them and how many more."""
    import pandas as pd

    shown = pd.DataFrame(frame)
    text = shown.head(most).to_string(index=False)
    if len(shown) > most:
        text += f"\n… and {len(shown) - most} more."
    return text


def _build(args: argparse.Namespace) -> int:
    from geodata.sources.recipe import build_from_recipe, build_workspace

    if args.check:
        _, report = build_from_recipe(args.recipe)
        print(report.render())
        print("Checked only; nothing written.")
        return 0
    number, report = build_workspace(
        args.recipe, args.out, author=args.author, message=args.message
    )
    print(report.render())
    print(f"Saved {_label(args.out)} as version {number}.")
    return 0


def _label(workspace: str) -> str:
    """The workspace as a message may name it (a PostgreSQL URL without its password)."""
    from geodata.store.workspace import is_postgis, workspace_label

    return workspace_label(workspace) if is_postgis(workspace) else workspace


def _versions(workspace: str) -> int:
    from geodata.store.workspace import list_versions

    print(f"{'version':>7}  {'created (UTC)':<20}  {'author':<12}  message / rows")
    for v in list_versions(workspace):
        rows = ", ".join(f"{k} {n}" for k, n in v.summary.get("rows", {}).items())
        print(f"{v.number:>7}  {v.created_at:<20}  {v.author[:12]:<12}  {v.message}")
        print(f"{'':>33}  {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
