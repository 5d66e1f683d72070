"""The workspace tables: their columns, types and the vocabularies they use.

Every table of DESIGN.md is described once here; readers, validation, the store, the demo generator
and the tests all take their column lists from this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["id", "text", "count", "number", "fraction", "date", "bool"]
GeometryKind = Literal["polygon", "point", "optional_point"]

STORAGE_CRS = "EPSG:4326"

FACILITY_TYPES: tuple[str, ...] = (
    "hospital",
    "polyclinic",
    "clinic",
    "health_post",
    "pharmacy",
    "lab",
    "insurance_office",
)
FACILITY_STATUSES: tuple[str, ...] = ("operational", "under_construction", "planned", "closed")
SCHEMES: tuple[str, ...] = ("health", "social_security", "voluntary", "household")
OUTREACH_KINDS: tuple[str, ...] = ("mobile_desk", "door_to_door")
#: Activity measures with a label in every language; any other named measure is allowed too.
UTILISATION_MEASURES: tuple[str, ...] = (
    "visits",
    "outpatient_visits",
    "admissions",
    "inpatients",
    "operations",
    "enrolments",
)
#: What one change of a what-if scenario does to the facility network (see analytics.scenarios).
SCENARIO_KINDS: tuple[str, ...] = ("upgrade", "open", "close", "new_site")


@dataclass(frozen=True)
class TableSchema:
    """Columns of one workspace table.

    Attributes
    ----------
    name
        Table (layer) name in the workspace.
    required
        Columns that must be present (geometry not included).
    optional
        Columns that may be present; any other column is kept as extra data.
    kinds
        Column kind for each known column, which decides how values are parsed and checked.
    geometry
        Geometry the table carries, or ``None`` for attribute-only tables.
    key
        Columns whose combination must be unique.
    vocabularies
        Allowed values for text columns with a closed vocabulary.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    kinds: dict[str, ColumnKind]
    geometry: GeometryKind | None = None
    key: tuple[str, ...] = ()
    vocabularies: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


AREAS = TableSchema(
    name="areas",
    required=("area_id", "name", "population"),
    optional=(
        "district_id",
        "district_name",
        "district_name_fa",
        "district_name_vi",
        "district_name_en",
        "province",
        "households",
        "pop_female",
        "pop_65plus",
        "pop_under5",
        "underserved",
        "deprivation",
        "partner_id",
        "name_fa",
        "name_vi",
        "name_en",
        "pop_lon",
        "pop_lat",
    ),
    kinds={
        "area_id": "id",
        "name": "text",
        "population": "count",
        "district_id": "id",
        "district_name": "text",
        "district_name_fa": "text",
        "district_name_vi": "text",
        "district_name_en": "text",
        "province": "text",
        "households": "count",
        "pop_female": "count",
        "pop_65plus": "count",
        "pop_under5": "count",
        "underserved": "bool",
        "deprivation": "fraction",
        "partner_id": "id",
        "name_fa": "text",
        "name_vi": "text",
        "name_en": "text",
        "pop_lon": "number",
        "pop_lat": "number",
    },
    geometry="polygon",
    key=("area_id",),
)

FACILITIES = TableSchema(
    name="facilities",
    required=("facility_id", "name", "type"),
    optional=(
        "operator",
        "beds",
        "staff",
        "desks",
        "shifts",
        "status",
        "opens_on",
        "services",
        "address",
    ),
    kinds={
        "facility_id": "id",
        "name": "text",
        "type": "text",
        "operator": "text",
        "beds": "count",
        "staff": "count",
        "desks": "count",
        "shifts": "count",
        "status": "text",
        "opens_on": "date",
        "services": "text",
        "address": "text",
    },
    geometry="point",
    key=("facility_id",),
    vocabularies={"type": FACILITY_TYPES, "status": FACILITY_STATUSES},
)

INSURED = TableSchema(
    name="insured",
    required=("area_id", "period", "insured"),
    optional=("scheme", "source"),
    kinds={
        "area_id": "id",
        "period": "date",
        "insured": "count",
        "scheme": "text",
        "source": "text",
    },
    key=("area_id", "period", "scheme"),
)

PARTNERS = TableSchema(
    name="partners",
    required=("partner_id", "name"),
    optional=("kind", "target_coverage", "contact", "name_fa", "name_vi", "name_en"),
    kinds={
        "partner_id": "id",
        "name": "text",
        "name_fa": "text",
        "name_vi": "text",
        "name_en": "text",
        "kind": "text",
        "target_coverage": "fraction",
        "contact": "text",
    },
    key=("partner_id",),
)

TARGETS = TableSchema(
    name="targets",
    required=("scope", "period", "target_coverage"),
    optional=(),
    kinds={"scope": "id", "period": "date", "target_coverage": "fraction"},
    key=("scope", "period"),
)

OUTREACH = TableSchema(
    name="outreach",
    required=("session_id", "date", "enrolled"),
    optional=("area_id", "partner_id", "kind"),
    kinds={
        "session_id": "id",
        "date": "date",
        "enrolled": "count",
        "area_id": "id",
        "partner_id": "id",
        "kind": "text",
    },
    geometry="optional_point",
    key=("session_id",),
    vocabularies={"kind": OUTREACH_KINDS},
)

UTILISATION = TableSchema(
    name="utilisation",
    required=("facility_id", "period", "measure", "value"),
    optional=("source",),
    kinds={
        "facility_id": "id",
        "period": "date",
        "measure": "text",
        "value": "number",
        "source": "text",
    },
    key=("facility_id", "period", "measure"),
)
"""Facility activity per period: visits, admissions, operations or any named measure.

``period`` is the first day of a month (monthly records) or of a year (yearly records); ``value`` is
the activity in that period (not cumulative). Rows name an existing ``facility_id``.
"""

SCENARIOS = TableSchema(
    name="scenarios",
    required=("scenario_id", "change", "name", "kind", "facility_id"),
    optional=(
        "author",
        "created",
        "supply",
        "value",
        "facility_type",
        "facility_name",
        "lon",
        "lat",
        "note",
    ),
    kinds={
        "scenario_id": "id",
        "change": "count",
        "name": "text",
        "kind": "text",
        "facility_id": "id",
        "author": "text",
        "created": "text",
        "supply": "text",
        "value": "number",
        "facility_type": "text",
        "facility_name": "text",
        "lon": "number",
        "lat": "number",
        "note": "text",
    },
    key=("scenario_id", "change"),
    vocabularies={"kind": SCENARIO_KINDS, "facility_type": FACILITY_TYPES},
)
"""Named what-if scenarios, stored as data: one row per change (upgrade a facility's beds, staff or
desks; open or close one; a new site at lon/lat). The facilities table is never changed by a
scenario; :func:`analytics.scenarios.apply_changes` applies the rows to a copy."""

TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (AREAS, FACILITIES, INSURED, PARTNERS, TARGETS, OUTREACH, UTILISATION, SCENARIOS)
}

NAME_CROSSWALK = TableSchema(
    name="name_crosswalk",
    required=("source_key", "area_id"),
    optional=("source_name", "score", "method", "confirmed_by", "confirmed_at"),
    kinds={
        "source_key": "text",
        "area_id": "id",
        "source_name": "text",
        "score": "number",
        "method": "text",
        "confirmed_by": "text",
        "confirmed_at": "text",
    },
    key=("source_key",),
)
"""Confirmed name matches: a spelling (its :func:`~geodata.tables.text.name_key`) → the area it names.

Kept in the workspace so that the next import that joins by name reuses what a person confirmed.
"""

INPUTS = TableSchema(
    name="inputs",
    required=("role", "name", "part", "data"),
    optional=("sha256", "size"),
    kinds={
        "role": "text",
        "name": "text",
        "part": "count",
        "data": "text",
        "sha256": "text",
        "size": "count",
    },
    key=("role", "name", "part"),
)
"""Input files of the travel-time engines (a road extract, its speed table, land-cover, slope,
elevation and water rasters), byte for byte: base64 text in parts of at most 1 MiB of the file, so
that GeoPackage and PostGIS keep them like any table, one version at a time (geodata.sources.inputs)."""

AUXILIARY_TABLES: dict[str, TableSchema] = {
    NAME_CROSSWALK.name: NAME_CROSSWALK,
    INPUTS.name: INPUTS,
}
"""Tables a workspace may hold besides the data tables of :data:`TABLES` (not in read_workspace)."""

STORED_TABLES: dict[str, TableSchema] = {**TABLES, **AUXILIARY_TABLES}
"""Every table the store accepts."""
