"""Importing one table from an uploaded file: the steps in order, from reading the file in the upload
sandbox to saving it as a new workspace version.

The steps, each a pure function the Data page calls in turn:

1. :func:`~geodata.uploads.reading.save_upload` + :func:`read_upload`: the uploaded bytes go to a
   temporary folder and are read in a separate, limited process (:mod:`geodata.uploads.sandbox`)
   by :func:`geodata.uploads.reading.read_upload_here`.
2. :func:`~geodata.uploads.mapping.propose_mapping`: workspace column → file column
   (:mod:`geodata.uploads.mapping`).
3. :func:`~geodata.uploads.matching.match_names` (tables that name their area instead of giving
   its id): :mod:`geodata.uploads.matching`.
4. :func:`prepare_import`: renames, checks (:mod:`geodata.uploads.checks`) and converts the table
   with :func:`geodata.tables.validate.conform`; every problem names its file, row and column.
5. :func:`commit_import`: one call to :func:`geodata.store.workspace.save_version` (atomic: a failure leaves
   the workspace file as it was).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.persons.points import POINT_SUFFIXES, PointCounts
from geodata.store import messages
from geodata.store.workspace import read_table, read_workspace, save_version
from geodata.tables import calendar as C
from geodata.tables import schema as S
from geodata.tables.problems import DataError, Problem
from geodata.tables.utilisation import check_utilisation
from geodata.tables.validate import conform
from geodata.uploads.checks import (
    DateRule,
    check_counts,
    check_locations,
    check_periods,
    flag_counts,
    note_orphans,
    reporting_calendar,
)
from geodata.uploads.limits import UploadLimits
from geodata.uploads.mapping import (
    GEOMETRY_TARGETS,
    POINTS_TABLE,
    carry_over,
    in_file_terms,
    rename_columns,
    with_geometry,
)
from geodata.uploads.matching import AreaBy, resolve_areas
from geodata.uploads.reading import Upload
from geodata.uploads.sandbox import count_points_isolated, read_upload_isolated
from geodata.users import audit
from geodata.users.audit import Actor

ImportMode = Literal["replace", "update"]
#: What becomes of rows the workspace already holds (same key) when an import adds rows.
OnExisting = Literal["replace", "add", "cancel"]
ON_EXISTING: tuple[str, ...] = ("replace", "add", "cancel")
#: Rows whose count is blank, negative, fractional or above the area's population: imported
#: with the flag (left out of coverage), or left out of the import.
FlaggedRows = Literal["keep", "skip"]
FLAGGED_CHOICES: tuple[str, ...] = ("keep", "skip")
#: The scheme a person books a file without a scheme column to when no scheme fits.
UNSPECIFIED_SCHEME = "unspecified"
#: The column whose value an overlap listing shows, now and in the file, per table.
VALUE_COLUMNS = {
    "insured": "insured",
    "targets": "target_coverage",
    "utilisation": "value",
    "outreach": "enrolled",
    "areas": "population",
    "facilities": "name",
    "partners": "name",
}


@dataclass
class Prepared:
    """A validated table ready to be saved, with everything the person should see first."""

    table: str
    frame: pd.DataFrame
    problems: list[Problem]
    source: str
    read: int
    notes: list[str] = field(default_factory=list)
    crosswalk: pd.DataFrame | None = None
    points: PointCounts | None = None
    existing: pd.DataFrame | None = None
    """Rows of ``frame`` whose key the workspace already holds (:func:`existing_rows`), with the
    value now and in the file: what an import in ``update`` mode would replace."""
    flagged: list[int] = field(default_factory=list)
    """Positions in ``frame`` of rows whose count is blank, negative, fractional or above the
    area's population (each reported in ``problems``): imported only as the person chooses."""
    calendar: str = C.GREGORIAN

    @property
    def rejected(self) -> int:
        return sum(p.severity == "rejected" for p in self.problems)

    def without_flagged(self) -> pd.DataFrame:
        """The rows to import when the person leaves the flagged ones out."""
        keep = np.ones(len(self.frame), dtype=bool)
        keep[self.flagged] = False
        return self.frame.loc[keep].reset_index(drop=True)


def read_upload(
    path: str | Path,
    *,
    crs: str | int | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    name: str | None = None,
    sample_rows: int | None = None,
    limits: UploadLimits | None = None,
) -> Upload:
    """Read an uploaded file safely: :func:`read_upload_here` in a separate process with size,
    time and memory limits, after checks for zip and XML bombs (:mod:`geodata.uploads.sandbox`,
    :mod:`geodata.uploads.limits`). Same parameters; every failure is a :class:`DataError` naming the
    file, never a crash or a hang."""
    return read_upload_isolated(
        path,
        name=name,
        limits=limits,
        crs=crs,
        sheet=sheet,
        encoding=encoding,
        sample_rows=sample_rows,
    )


# --------------------------------------------------------------------------- preparing


def prepare_import(
    upload: Upload,
    table: str,
    mapping: Mapping[str, str],
    current: Mapping[str, pd.DataFrame],
    *,
    crs: str | int | None = None,
    area_by: AreaBy = "id",
    matches: pd.DataFrame | None = None,
    crosswalk: pd.DataFrame | None = None,
    type_map: Mapping[str, str] | None = None,
    default_scheme: str | None = None,
    confirmed_by: str = "",
    progress: Callable[[int], None] | None = None,
    limits: UploadLimits | None = None,
    calendar: str | None = None,
    dates: DateRule = "first_day",
) -> Prepared:
    """Rename, check and convert an uploaded table; nothing is written.

    Parameters
    ----------
    upload
        The file (from :func:`read_upload`).
    table
        One of :data:`~geodata.uploads.mapping.IMPORT_TABLES`.
    mapping
        Workspace column → file column (from :func:`~geodata.uploads.mapping.propose_mapping`, corrected by the person).
    current
        The workspace's tables now (:func:`geodata.store.workspace.read_workspace`): areas to join onto,
        and values kept for columns the file does not have.
    crs
        CRS of WKT or coordinate columns that are not WGS 84.
    area_by
        Whether the ``area_id`` column holds area ids or area names (tables that name an area).
    matches
        With ``area_by="name"``: :func:`~geodata.uploads.matching.match_names` with ``confirmed`` set by the person.
    crosswalk
        The workspace's crosswalk, extended with the confirmed matches in the result.
    default_scheme
        For insured counts (and person records) from a file without a scheme column: the scheme
        the person chose for every row (:data:`UNSPECIFIED_SCHEME` when none fits). Required
        then: a file is never booked to a scheme nobody chose.
    calendar
        The workspace's reporting calendar (default: :func:`~geodata.uploads.checks.reporting_calendar` of ``current``).
    dates
        A ``period`` that is not the first day of a month of ``calendar``: a rejected row
        (``"first_day"``), or booked to the month that contains it (``"containing"``; each such
        row is listed with its month). Solar Hijri-written dates (۱۴۰۵/۰۸/۰۱) are read as such.
    progress
        For person records: called with the number of records read so far, chunk by chunk.
    limits
        For person records, whose whole file is read only here (the mapping step read a
        sample): the memory and time the count may take in its own process
        (:func:`geodata.uploads.sandbox.count_points_isolated`; default from the environment).

    Returns
    -------
    Prepared

    Raises
    ------
    DataError
        When the import cannot go on (a required column unmapped, duplicate ids …).
    """
    calendar = C.normalize_calendar(calendar or reporting_calendar(current))
    if table in ("insured", POINTS_TABLE) and "scheme" not in mapping and not default_scheme:
        raise DataError(
            f"{upload.name}: the file has no scheme column; choose the scheme its rows belong to "
            f"(or '{UNSPECIFIED_SCHEME}').",
            code="scheme_needed",
            params={"file": upload.name},
        )
    if table == POINTS_TABLE:
        prepared = _prepare_points(
            upload,
            mapping,
            current,
            crs=crs,
            default_scheme=default_scheme,
            progress=progress,
            limits=limits,
            calendar=calendar,
        )
        prepared.existing = existing_rows(current.get("insured"), prepared.frame, "insured")
        prepared.calendar = calendar
        return prepared
    if table not in S.TABLES:
        raise ValueError(f"Unknown table: {table}")
    schema = S.TABLES[table]
    wrong = [src for src in mapping.values() if src not in upload.frame.columns]
    if wrong:
        raise DataError(f"{upload.name}: column(s) {wrong} are not in the file.")
    problems: list[Problem] = []
    notes: list[str] = []
    frame = with_geometry(upload, schema, mapping, crs, problems)
    columns = {t: s for t, s in mapping.items() if t not in GEOMETRY_TARGETS}
    renamed = rename_columns(frame, columns)
    read = len(upload.frame)

    existing = current.get(table)
    key = [k for k in schema.key if k in renamed]
    if existing is not None and len(existing) and key and all(k in existing for k in key):
        carry_over(renamed, existing, schema, columns, key, notes)
    for column in schema.required:
        if column not in renamed and schema.kinds[column] in ("count", "number", "fraction"):
            renamed[column] = None
            notes.append(f"missing:{column}")
    if table == "insured" and "scheme" not in renamed:
        renamed["scheme"] = default_scheme
        notes.append(f"scheme:{default_scheme}")
    if "period" in renamed and schema.kinds.get("period") == "date":
        renamed = check_periods(
            renamed, upload.name, mapping.get("period", "period"), calendar, dates, problems, notes
        )
    if table == "insured" and "insured" in renamed:
        check_counts(renamed, upload.name, mapping.get("insured", "insured"), problems)
    result_crosswalk = None
    if "area_id" in renamed and table != "areas":
        renamed, result_crosswalk = resolve_areas(
            renamed,
            current["areas"],
            upload.name,
            mapping.get("area_id", "area_id"),
            required="area_id" in schema.required,
            area_by=area_by,
            matches=matches,
            crosswalk=crosswalk,
            confirmed_by=confirmed_by,
            problems=problems,
        )
    try:
        conformed, found = conform(
            renamed, schema, source=upload.name, type_map=type_map, period_months=None
        )
    except DataError as exc:
        raise DataError(
            exc.message, in_file_terms(exc.problems, mapping), exc.code, exc.params
        ) from None
    problems += in_file_terms(found, mapping)
    if table == "utilisation":  # rows must name a facility of the workspace
        conformed, found, _ = check_utilisation(
            conformed,
            current.get("facilities"),
            upload.name,
            mapping.get("facility_id", "facility_id"),
        )
        problems += found
    if table == "areas":
        note_orphans(conformed, current, notes)
    if schema.geometry in ("point", "optional_point"):
        conformed = check_locations(conformed, current.get("areas"), upload.name, mapping, problems)
    flagged: list[int] = []
    if table == "insured" and "insured" in conformed:
        conformed = conformed.reset_index(drop=True)
        flagged = flag_counts(
            conformed,
            current.get("areas"),
            existing,
            upload.name,
            mapping.get("insured", "insured"),
            calendar,
            problems,
        )
    conformed = conformed.drop(columns=[c for c in conformed.columns if str(c).startswith("_")])
    return Prepared(
        table=table,
        frame=conformed,
        problems=problems,
        source=upload.name,
        read=read,
        notes=notes,
        crosswalk=result_crosswalk,
        existing=existing_rows(existing, conformed, table),
        flagged=flagged,
        calendar=calendar,
    )


def _prepare_points(
    upload: Upload,
    mapping: Mapping[str, str],
    current: Mapping[str, pd.DataFrame],
    *,
    crs: str | int | None,
    default_scheme: str | None,
    progress: Callable[[int], None] | None = None,
    limits: UploadLimits | None = None,
    calendar: str = C.GREGORIAN,
) -> Prepared:
    if upload.path.suffix.lower() not in POINT_SUFFIXES:
        raise DataError(
            f"{upload.name}: person or household records must be a CSV or XLSX with latitude "
            "and longitude, or a GeoParquet file."
        )
    if "period" not in mapping:
        raise DataError(f"{upload.name}: map the enrolment date (period) column.")
    areas = current["areas"]
    if not len(areas):
        raise DataError("The workspace has no areas yet: import the areas first.")
    # The whole file is read here, in a limited process of its own: a hostile file (its later
    # rows a decompression bomb, or endless) ends in a clean error, never takes the app down.
    counted = count_points_isolated(
        upload.path,
        areas,
        name=upload.name,
        limits=limits,
        date=mapping["period"],
        lat=mapping.get("lat"),
        lon=mapping.get("lon"),
        scheme=mapping.get("scheme"),
        default_scheme=default_scheme or "household",
        crs=crs,
        progress=progress,
        calendar=calendar,
    )
    shown = {
        "date": mapping["period"],
        "location": "/".join(mapping[c] for c in ("lat", "lon") if c in mapping) or "geometry",
    }
    problems = [
        Problem(
            upload.name,
            p.problem,
            p.row,
            shown.get(p.column or "", p.column),
            p.value,
            p.severity,
            p.fix,
        )
        for p in counted.problems
    ]
    insured, found = conform(counted.counts, S.INSURED, source=upload.name, period_months=None)
    problems += found
    notes = [f"points:{counted.read}:{counted.counted}:{counted.outside}:{counted.rejected}"]
    return Prepared(
        table="insured",
        frame=insured.drop(columns=[c for c in insured.columns if str(c).startswith("_")]),
        problems=problems,
        source=upload.name,
        read=counted.read,
        notes=notes,
        points=counted,
    )


def existing_key(table: str) -> tuple[str, ...]:
    """The columns that tell a row of ``table`` from the workspace's (area, period, scheme for
    insured counts)."""
    schema = S.TABLES.get(table)
    return () if schema is None else tuple(schema.key)


def existing_rows(existing: pd.DataFrame | None, new: pd.DataFrame, table: str) -> pd.DataFrame:
    """The rows of ``new`` whose key (area, period, scheme for insured counts) the workspace
    already holds: the key columns, then the value now and in the file (``<column>_now``,
    ``<column>_file``). Empty when nothing would be replaced."""
    schema = S.TABLES.get(table)
    value = VALUE_COLUMNS.get(table)
    key = [] if schema is None else list(schema.key)
    columns = [*key] + ([f"{value}_now", f"{value}_file"] if value else [])
    if (
        existing is None
        or not len(existing)
        or not len(new)
        or not key
        or not all(k in existing and k in new for k in key)
    ):
        return pd.DataFrame(columns=columns)
    old = pd.DataFrame(existing).drop_duplicates(key)
    old_keys = pd.MultiIndex.from_frame(old[key].astype(str))
    new_keys = pd.MultiIndex.from_frame(new[key].astype(str))
    hit = new_keys.isin(old_keys)
    if not hit.any():
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(new.loc[hit, key]).reset_index(drop=True)
    if value and value in new and value in old:
        now = pd.Series(old[value].to_numpy(), index=old_keys)
        out[f"{value}_now"] = now.reindex(new_keys[hit]).to_numpy()
        out[f"{value}_file"] = new.loc[hit, value].reset_index(drop=True)
    return out.reindex(columns=columns)


# --------------------------------------------------------------------------- saving


def merged_table(
    existing: pd.DataFrame | None,
    new: pd.DataFrame,
    table: str,
    mode: ImportMode,
    on_existing: OnExisting = "replace",
) -> pd.DataFrame:
    """The table after the import: ``replace`` (the file is the whole table) or ``update``
    (new rows added; rows with the same key as an existing row replace it with
    ``on_existing="replace"``, or are left out with ``"add"``, the existing row kept)."""
    if mode == "replace" or existing is None or not len(existing):
        return new
    key = [k for k in S.TABLES[table].key if k in new.columns and k in existing.columns]
    if not key:
        return new
    if on_existing == "add":
        known = pd.MultiIndex.from_frame(existing[key].astype(str))
        new = new.loc[~pd.MultiIndex.from_frame(new[key].astype(str)).isin(known)]
        kept = existing
    else:
        incoming = pd.MultiIndex.from_frame(new[key].astype(str))
        kept_mask = ~pd.MultiIndex.from_frame(existing[key].astype(str)).isin(incoming)
        kept = existing.loc[kept_mask]
    combined = pd.concat([kept, new], ignore_index=True)
    if isinstance(new, gpd.GeoDataFrame):
        combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=new.crs)
    sort = [k for k in key if k in combined]
    return combined.sort_values(sort, kind="stable").reset_index(drop=True)


def commit_import(
    workspace: str | Path,
    prepared: Prepared,
    *,
    mode: ImportMode = "replace",
    author: str = "",
    message: str | None = None,
    on_existing: OnExisting | None = None,
    flagged: FlaggedRows | None = None,
    actor: Actor | None = None,
) -> int:
    """Save a prepared import as a new version of the workspace (with the crosswalk, if any).

    The import is recorded in the audit trail (:mod:`geodata.users.audit`) as ``actor`` (default: the
    person at the command line, ``author`` or the operating system's user).

    The newest version is read again under the store's lock-free read, merged (``mode``) and saved
    with :func:`geodata.store.workspace.save_version`, which is atomic: on any error the workspace file is
    left exactly as it was.

    Nothing changes meaning without the person's choice: in ``update`` mode, rows whose key the
    workspace already holds need ``on_existing`` (``replace`` them, ``add`` only the new rows, or
    ``cancel``); rows with a flagged count (``prepared.flagged``) need ``flagged`` (``keep`` them,
    flagged and left out of coverage, or ``skip`` them). Without the choice a
    :class:`DataError` (``code`` ``existing_rows`` / ``flagged_rows``) says how many, and nothing
    is saved.

    Returns
    -------
    int
        The new version number.
    """
    table = prepared.table
    if on_existing == "cancel":
        raise DataError(
            f"{prepared.source}: import cancelled; nothing was saved.", code="import_cancelled"
        )
    frame = prepared.frame
    if prepared.flagged:
        if flagged is None:
            raise DataError(
                f"{prepared.source}: {len(prepared.flagged)} rows have a blank, negative, "
                "fractional or implausible count (above the population); choose to keep them "
                "(flagged, left out of coverage) or leave them out. Nothing was saved.",
                code="flagged_rows",
                params={"file": prepared.source, "n": len(prepared.flagged)},
            )
        if flagged == "skip":
            frame = prepared.without_flagged()
    existing = read_table(workspace, table)
    if mode == "update" and on_existing is None:
        overlap = existing_rows(existing, frame, table)
        if len(overlap):
            raise DataError(
                f"{prepared.source}: {len(overlap)} rows would replace rows the workspace holds "
                f"(same {', '.join(S.TABLES[table].key)}); choose to replace them, add only the "
                "new rows, or cancel. Nothing was saved.",
                code="existing_rows",
                params={"file": prepared.source, "n": len(overlap)},
            )
    merged = merged_table(existing, frame, table, mode, on_existing or "replace")
    tables: dict[str, pd.DataFrame] = {table: merged}
    if prepared.crosswalk is not None:
        tables[S.NAME_CROSSWALK.name] = prepared.crosswalk
    severities = pd.Series([p.severity for p in prepared.problems], dtype=object)
    number = save_version(
        workspace,
        tables,
        message=message or messages.message("import", table=table, source=prepared.source),
        author=author,
        summary={
            "import": {
                "table": table,
                "source": prepared.source,
                "mode": mode,
                **({"on_existing": on_existing} if on_existing else {}),
                **({"flagged": flagged, "n_flagged": len(prepared.flagged)} if flagged else {}),
                "read": prepared.read,
                "kept": int(len(frame)),
                "problems": {k: int(v) for k, v in severities.value_counts().items()},
                **(
                    {
                        "points_read": prepared.points.read,
                        "points_counted": prepared.points.counted,
                        "points_outside": prepared.points.outside,
                    }
                    if prepared.points is not None
                    else {}
                ),
            }
        },
    )
    audit.append(
        workspace,
        actor or audit.cli_actor(author),
        "import",
        f"{table} from {prepared.source}: {len(frame)} rows ({mode}), version {number}",
    )
    return number


def current_tables(workspace: str | Path, version: int | None = None) -> dict[str, pd.DataFrame]:
    """The data tables and the name crosswalk of one version."""
    tables = read_workspace(workspace, version)
    tables[S.NAME_CROSSWALK.name] = read_table(workspace, S.NAME_CROSSWALK.name, version)
    return tables
