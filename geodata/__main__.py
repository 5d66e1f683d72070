"""Command line: ``python -m geodata build RECIPE.toml --out WS.gpkg`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geodata.problems import DataError

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
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "versions":
            return _versions(args.workspace)
        if args.command == "export":
            from geodata.backup import export_backup

            fmt = "zip" if args.out.suffix.lower() == ".zip" else "gpkg"
            export_backup(args.workspace, args.out, version=args.version, fmt=fmt)
            print(f"Backup written to {args.out}.")
            return 0
        if args.command == "restore":
            from geodata.store import restore_version

            number = restore_version(args.workspace, args.version, author=args.author)
            print(f"Version {args.version} restored as version {number}.")
            return 0
        if args.command == "compare":
            from geodata.versions import compare_versions

            summary, _ = compare_versions(args.workspace, args.old, args.new)
            print(summary.to_string(index=False) if len(summary) else "No differences.")
            return 0
        if args.command == "demo":
            from geodata.workspaces import write_demo_workspace

            number = write_demo_workspace(args.out)
            print(f"Demo workspace written to {_label(args.out)} (version {number}).")
            return 0
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written, a full disk …
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    return 2


def _build(args: argparse.Namespace) -> int:
    from geodata.recipe import build_from_recipe, build_workspace

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
    from geodata.store import is_postgis, workspace_label

    return workspace_label(workspace) if is_postgis(workspace) else workspace


def _versions(workspace: str) -> int:
    from geodata.store import list_versions

    print(f"{'version':>7}  {'created (UTC)':<20}  {'author':<12}  message / rows")
    for v in list_versions(workspace):
        rows = ", ".join(f"{k} {n}" for k, n in v.summary.get("rows", {}).items())
        print(f"{v.number:>7}  {v.created_at:<20}  {v.author[:12]:<12}  {v.message}")
        print(f"{'':>33}  {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
