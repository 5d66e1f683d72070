"""Command line: briefings and map exports for scheduled reports.

    python -m reports briefing [--workspace WS.gpkg] [--district ID | --partner ID] [--lang fa]
        [--month YYYY-MM] [--orientation landscape] [--measure motorised] --out briefing.pdf
    python -m reports map [--workspace WS.gpkg] [--partner ID] [--level district|area]
        [--metric coverage] [--lang vi] [--month YYYY-MM] --out map.png|map.html|map.geojson|map.gpkg

Without ``--workspace`` the embedded demo workspace is used. ``--partner`` limits everything to
that partner's areas (as a partner's session sees them) before anything is computed.
``--measure`` measures the briefing's access figures as the dashboard's "measure by" does:
``line`` (straight-line km, the default) or a travel mode (minutes over the workspace's roads).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.traveltime.speeds import MODES
from render.format import CALENDARS
from render.i18n import available_languages


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", help="workspace GeoPackage (default: the demo workspace)")
    parser.add_argument("--lang", default="en", choices=sorted(available_languages()))
    parser.add_argument(
        "--calendar",
        choices=CALENDARS,
        default=None,
        help="dates: Solar Hijri (jalali) by default in Persian, else gregorian",
    )
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the latest month)")
    parser.add_argument("--out", type=Path, required=True, help="file to write")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    brief = commands.add_parser("briefing", help="an A4 briefing (PDF)")
    _common(brief)
    brief.add_argument("--district", help="one district's briefing (district_id)")
    brief.add_argument(
        "--partner",
        help="one partner's briefing (partner_id): its areas only; with --district, the "
        "partner's areas in that district",
    )
    brief.add_argument("--orientation", choices=("portrait", "landscape"), default="portrait")
    brief.add_argument(
        "--measure",
        choices=("line", *MODES),
        default="line",
        help="access figures in a straight line (km) or in minutes of travel over the "
        "workspace's roads by this mode",
    )
    mapper = commands.add_parser(
        "map", help="the map as PNG, standalone HTML, GeoJSON or GeoPackage"
    )
    _common(mapper)
    mapper.add_argument("--partner", help="only this partner's areas (partner_id)")
    mapper.add_argument("--level", choices=("district", "area"), default="area")
    mapper.add_argument(
        "--metric",
        default="coverage",
        choices=(
            "coverage",
            "uninsured",
            "insured",
            "people_to_target",
            "gap_to_target",
            "population",
            "density",
        ),
    )
    args = parser.parse_args(argv)

    import pandas as pd

    from analytics.partners import restrict_to_partner
    from geodata.sources.workspaces import demo_workspace_path, is_demo
    from geodata.store.workspace import (
        list_versions,
        read_workspace,
        version_calendar,
        workspace_location,
    )
    from geodata.tables.area_columns import fill_area_columns
    from geodata.tables.problems import DataError
    from render.language import Language
    from reports.briefing import BriefingError, parse_month
    from reports.documents import make_briefing, region_title, travel_minutes

    try:
        path = workspace_location(args.workspace) if args.workspace else str(demo_workspace_path())
        versions = list_versions(path)
        tables = read_workspace(path, versions[-1].number)
        # The same optional columns as the dashboard's (a workspace without districts...).
        tables["areas"] = fill_area_columns(tables["areas"])
        lang = Language(args.lang, args.calendar, version_calendar(versions[-1]))
        title = region_title(path, versions, lang)
        demo = is_demo(versions)
        if args.command == "briefing":
            scope, scope_id = "region", None
            if args.partner and args.district:
                # The partner's view first (as its session sees the workspace), then the district.
                known = set(tables["areas"].get("partner_id", pd.Series()).dropna().astype(str))
                if args.partner not in known:
                    raise BriefingError(f"partner {args.partner!r} has no areas here")
                tables = restrict_to_partner(tables, args.partner)
                scope, scope_id = "district", args.district
            elif args.district:
                scope, scope_id = "district", args.district
            elif args.partner:
                scope, scope_id = "partner", args.partner
            pdf, _ = make_briefing(
                tables,
                lang,
                title=title,
                version=versions[-1].number,
                demo=demo,
                scope=scope,
                scope_id=scope_id,
                month=args.month,
                orientation=args.orientation,
                nearest=travel_minutes(path, versions[-1].number, tables, args.measure),
                mode=None if args.measure == "line" else args.measure,
            )
            args.out.write_bytes(pdf)
        else:
            written = _map(
                args,
                tables,
                lang,
                title,
                versions[-1].number,
                demo,
                restrict_to_partner,
                parse_month,
            )
            if isinstance(written, str):
                print(f"error: {written}", file=sys.stderr)
                return 2
    except (DataError, BriefingError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


def _map(args, tables, lang, title, version, demo, restrict_to_partner, parse_month):
    from reports.exports import geojson_bytes, geopackage_bytes
    from reports.mapexport import LEVEL_KEYS, map_html, map_png_bytes, unit_labels, view_frame

    if args.partner:
        known = set(tables["areas"].get("partner_id", []).dropna().astype(str))
        if args.partner not in known:
            return (
                f"partner {args.partner!r} has no areas here; partners with areas: {sorted(known)}"
            )
        tables = restrict_to_partner(tables, args.partner)
        partners = tables["partners"]
        # The partner's name in the map's language (``name_fa``...), where the workspace has it.
        place = str(lang.names(partners, "name").iloc[0]) if len(partners) else args.partner
    else:
        place = title
    if args.level == "district" and not tables["areas"]["district_id"].notna().any():
        return "the workspace has no districts (no district_id); use --level area"
    month = parse_month(args.month)
    from analytics.insured import available_periods
    from reports.briefing import match_period

    periods = available_periods(tables["insured"]) if len(tables["insured"]) else []
    month = match_period(month, periods)
    if month is None and periods:
        month = periods[-1]
    if month is not None and periods and month not in periods:
        return f"no insured counts for {month:%Y-%m}"
    frame = view_frame(tables, args.level, month)
    note = _note(title, version, demo, lang)
    suffix = args.out.suffix.lower()
    id_column = LEVEL_KEYS[args.level]
    name_column = "name" if args.level == "area" else "district_name"
    if suffix == ".png":
        outlines = None
        if args.level == "area" and tables["areas"]["district_id"].notna().any():
            outlines = tables["areas"][["district_id", "geometry"]].dissolve("district_id")
        labels = unit_labels(frame, name_column, id_column, lang)
        if args.level == "area":
            areas = tables["areas"]
            named = outlines is not None and "district_name" in areas
            labels = unit_labels(areas, "district_name", "district_id", lang) if named else None
        args.out.write_bytes(
            map_png_bytes(
                frame,
                labels=labels,
                metric=args.metric,
                lang=lang,
                place=place,
                month=month,
                source_note=note,
                outlines=outlines,
            )
        )
    elif suffix in (".html", ".htm"):
        args.out.write_text(
            map_html(
                frame,
                id_column=id_column,
                name_column=name_column,
                metric=args.metric,
                lang=lang,
                place=place,
                month=month,
                source_note=note,
            ),
            encoding="utf-8",
        )
    elif suffix in (".geojson", ".json"):
        args.out.write_bytes(geojson_bytes(frame))
    elif suffix == ".gpkg":
        args.out.write_bytes(geopackage_bytes(frame))
    else:
        return f"--out must end in .png, .html, .geojson or .gpkg, not {suffix or 'nothing'}"
    return None


def _note(title, version, demo, lang):
    from reports.documents import source_note

    return source_note(title, version, demo, lang)


if __name__ == "__main__":
    sys.exit(main())
