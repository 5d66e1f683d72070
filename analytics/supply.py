"""Which facility types supply what: the services whose load is measured, the type a new site
becomes, the supplies that capacity is counted in, and which of them a workspace's facilities can
show.

Vocabularies shared by the Infrastructure needs page (capacity-aware access, 2SFCA) and the Capacity
and load page (load, what-if). Pure: facilities table in, names out.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analytics.access import CARE_TYPES
from analytics.capacity import SUPPLY_COLUMNS

__all__ = [
    "SERVICES",
    "SITE_SERVICES",
    "SITE_TYPES",
    "SUPPLY_SERVICES",
    "SUPPLY_TYPES",
    "supply_options",
]

#: Services whose load the Capacity page shows: facility types counted together.
SERVICES: dict[str, tuple[str, ...]] = {
    "hospital": ("hospital",),
    "care": CARE_TYPES,
    "insurance_office": ("insurance_office",),
}

#: Facility type a new site of each siting care set (:data:`analytics.access.DISTANCE_SETS`)
#: becomes.
SITE_TYPES: dict[str, str] = {
    "care": "clinic",
    "hospital": "hospital",
    "clinic": "clinic",
    "insurance_office": "insurance_office",
}

#: The :data:`SERVICES` entry that judges the sites of each siting care set (the Capacity page's
#: service when proposed sites open there as a what-if).
SITE_SERVICES: dict[str, str] = {
    "care": "care",
    "clinic": "care",
    "hospital": "hospital",
    "insurance_office": "insurance_office",
}

#: 2SFCA supply choices of the Infrastructure page: what is counted, and the facility types that
#: supply it.
SUPPLY_TYPES: dict[str, tuple[str, ...]] = {
    "beds": ("hospital",),
    "staff": CARE_TYPES,
    "desks": ("insurance_office",),
    "facility": CARE_TYPES,
}
#: The :data:`SERVICES` entry whose supply columns decide whether a supply choice is offered.
SUPPLY_SERVICES: dict[str, str] = {
    "beds": "hospital",
    "staff": "care",
    "desks": "insurance_office",
    "facility": "care",
}


def supply_options(fac: gpd.GeoDataFrame, service: str) -> list[str]:
    """Supply columns with a value for some facility of ``service``, then ``facility`` (each
    facility counts 1)."""
    members = fac[fac["type"].isin(SERVICES.get(service, ())).to_numpy()]
    present = [
        c
        for c in SUPPLY_COLUMNS
        if c in members and pd.to_numeric(members[c], errors="coerce").notna().any()
    ]
    return [*present, "facility"]
