"""The demo region's facilities: where they stand, what they offer, their staff and activity.

Part of the synthetic demo generator (:mod:`geodata.sources.demo`): about 40 facilities placed in
the neighbourhoods (fewer in underserved ones), and for each operational one its staff or desks and
its monthly utilisation records.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.sources.demo_areas import points_inside
from geodata.tables import schema

# Utilisation: measure -> (facility types that report it, monthly level per unit of supply, growth
# over a year). Visits +18 %, admissions +38 %, operations +41 % a year, as a province reported.
_UTILISATION_SPEC: dict[str, tuple[tuple[str, ...], float, float]] = {
    "visits": (("hospital", "polyclinic", "clinic", "health_post"), 260.0, 0.18),
    "admissions": (("hospital",), 4.5, 0.38),
    "operations": (("hospital",), 1.8, 0.41),
    "enrolments": (("insurance_office",), 140.0, 0.12),
}

# Facilities: type -> (count, operators, operator weights, beds range or None, services).
_FACILITY_SPEC: dict[
    str, tuple[int, tuple[str, ...], tuple[float, ...], tuple[int, int] | None, str]
] = {
    "hospital": (
        6,
        ("Ministry of Health", "Social Security Organisation", "Private"),
        (0.5, 0.3, 0.2),
        (60, 400),
        "emergency; inpatient; surgery; maternity",
    ),
    "polyclinic": (
        5,
        ("Social Security Organisation", "Ministry of Health"),
        (0.7, 0.3),
        (10, 40),
        "specialist outpatient; imaging; day surgery",
    ),
    "clinic": (
        9,
        ("Ministry of Health", "Charity", "Private"),
        (0.5, 0.25, 0.25),
        None,
        "general practice; vaccination; referrals",
    ),
    "health_post": (
        7,
        ("Ministry of Health",),
        (1.0,),
        None,
        "primary care; maternal and child health",
    ),
    "pharmacy": (
        6,
        ("Private", "Charity"),
        (0.85, 0.15),
        None,
        "dispensing; insured prescriptions",
    ),
    "lab": (3, ("Private", "Ministry of Health"), (0.7, 0.3), None, "blood tests; pathology"),
    "insurance_office": (
        4,
        ("Health Insurance Organisation", "Social Security Organisation"),
        (0.5, 0.5),
        None,
        "enrolment; renewals; claims",
    ),
}
_FACILITY_LABEL = {
    "hospital": "General Hospital",
    "polyclinic": "Polyclinic",
    "clinic": "Clinic",
    "health_post": "Health Post",
    "pharmacy": "Pharmacy",
    "lab": "Laboratory",
    "insurance_office": "Insurance Office",
}


def facilities_table(
    rng: np.random.Generator, areas: gpd.GeoDataFrame, hot: np.ndarray
) -> gpd.GeoDataFrame:
    """About 40 facilities, fewer in underserved and deprived neighbourhoods."""
    n = len(areas)
    pop = areas["population"].to_numpy(dtype=float)
    dep = areas["deprivation"].to_numpy(dtype=float)
    under = areas["underserved"].to_numpy(dtype=bool)
    in_hot = areas["district_id"].isin([f"D{k + 1:02d}" for k in hot]).to_numpy()
    used = np.zeros(n, dtype=bool)

    # Special cases first: a clinic under construction and a planned hospital in hot districts.
    hot_under = np.flatnonzero(under & in_hot)
    special = rng.choice(hot_under, size=2, replace=False)
    used[special] = True

    rows: list[dict[str, object]] = []
    hosts: list[int] = []
    for ftype in schema.FACILITY_TYPES:
        count, operators, op_weights, beds, services = _FACILITY_SPEC[ftype]
        n_new = count - (1 if ftype in ("clinic", "hospital") else 0)
        if ftype == "hospital":
            weight = pop * (1 - dep) ** 3 * (~under)
        elif ftype in ("polyclinic", "lab", "insurance_office"):
            weight = pop * (1 - dep) ** 2 * np.where(under, 0.3, 1.0)
        else:
            weight = pop * np.where(under, 0.35, 1.0)
        weight = np.where(used, 0.0, weight)
        chosen = rng.choice(n, size=n_new, replace=False, p=weight / weight.sum())
        used[chosen] = True
        picked = list(chosen)
        if ftype == "hospital":
            picked.append(int(special[1]))
        elif ftype == "clinic":
            picked.append(int(special[0]))
        ops = rng.choice(np.array(operators), size=len(picked), p=np.array(op_weights))
        for i, (host, op) in enumerate(zip(picked, ops, strict=True)):
            status, opens_on = "operational", pd.NaT
            last = i == len(picked) - 1
            if ftype == "clinic" and last:
                status = "under_construction"
                opens_on = pd.Timestamp(2027, int(rng.integers(2, 10)), int(rng.integers(1, 29)))
            elif ftype == "hospital" and last:
                status = "planned"
            elif ftype == "pharmacy" and last:
                status = "closed"
            name = areas["name_en"].iat[host]
            label = _FACILITY_LABEL[ftype]
            rows.append(
                {
                    "type": ftype,
                    "name": f"{label} {name}" if ftype == "insurance_office" else f"{name} {label}",
                    "operator": str(op),
                    "beds": int(rng.integers(beds[0], beds[1] + 1)) if beds else None,
                    "shifts": 3 if ftype == "hospital" else int(rng.integers(1, 4)),
                    "status": status,
                    "opens_on": opens_on,
                    "services": services,
                }
            )
            hosts.append(int(host))

    frame = pd.DataFrame(rows)
    frame.insert(0, "facility_id", [f"F{i:03d}" for i in range(1, len(frame) + 1)])
    frame = frame[
        [
            "facility_id",
            "name",
            "type",
            "operator",
            "beds",
            "shifts",
            "status",
            "opens_on",
            "services",
        ]
    ]
    frame["beds"] = pd.array(frame["beds"].tolist(), dtype="Int64")
    frame["shifts"] = pd.array(frame["shifts"].tolist(), dtype="Int64")
    frame["opens_on"] = pd.to_datetime(frame["opens_on"])
    points = points_inside(rng, areas.geometry.to_numpy()[np.array(hosts)])
    return gpd.GeoDataFrame(frame, geometry=list(points), crs=schema.STORAGE_CRS)


def staff_and_utilisation(
    rng: np.random.Generator, facilities: gpd.GeoDataFrame, periods: pd.DatetimeIndex
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Staff for care facilities, desks for insurance offices, and monthly activity records of
    every operational care facility and office over the insured periods.

    Activity grows by the measure's yearly rate (each facility within about ±8 points of it),
    with a mild seasonal swing and month-to-month noise; one clinic misses a month of records.
    """
    ftype = facilities["type"].to_numpy()
    beds = pd.to_numeric(facilities["beds"], errors="coerce").to_numpy(dtype="float64")
    staff = np.full(len(facilities), np.nan)
    ranges = {"polyclinic": (20, 60), "clinic": (6, 20), "health_post": (2, 6)}
    for kind, (low, high) in ranges.items():
        hit = ftype == kind
        staff[hit] = rng.integers(low, high + 1, size=int(hit.sum()))
    hospital = ftype == "hospital"
    staff[hospital] = np.round(beds[hospital] * rng.uniform(1.2, 1.8, size=int(hospital.sum())))
    desks = np.full(len(facilities), np.nan)
    office = ftype == "insurance_office"
    desks[office] = rng.integers(3, 13, size=int(office.sum()))
    out = facilities.copy()
    position = list(out.columns).index("beds") + 1
    out.insert(position, "staff", pd.array(staff, dtype="Float64").round().astype("Int64"))
    out.insert(position + 1, "desks", pd.array(desks, dtype="Float64").round().astype("Int64"))

    operational = (out["status"] == "operational").to_numpy()
    months = np.arange(len(periods))
    season = 1.0 + 0.06 * np.cos(2 * np.pi * (periods.month.to_numpy() - 1) / 12)
    frames = []
    for measure, (types, level, growth) in _UTILISATION_SPEC.items():
        rows = np.flatnonzero(operational & np.isin(ftype, types))
        if not len(rows):
            continue
        units = np.where(
            np.isin(ftype[rows], ("hospital",)) & (measure != "visits"),
            beds[rows],
            np.where(office[rows], desks[rows], np.nan_to_num(staff[rows], nan=4.0)),
        )
        if measure == "visits":
            units = np.where(hospital[rows], beds[rows] * 0.6, units)
        yearly = growth + rng.uniform(-0.08, 0.08, size=len(rows))
        monthly = (1.0 + yearly) ** (1.0 / 12.0)
        start = units * level * rng.uniform(0.75, 1.25, size=len(rows))
        values = (
            start[:, None]
            * monthly[:, None] ** months[None, :]
            * season[None, :]
            * rng.normal(1.0, 0.03, size=(len(rows), len(periods)))
        )
        frames.append(
            pd.DataFrame(
                {
                    "facility_id": np.repeat(out["facility_id"].to_numpy()[rows], len(periods)),
                    "period": np.tile(periods.to_numpy(), len(rows)),
                    "measure": measure,
                    "value": np.round(values.ravel()),
                }
            )
        )
    utilisation = pd.concat(frames, ignore_index=True)
    # One clinic's records for one month never arrived: missing, never zero.
    clinics = out.loc[operational & (ftype == "clinic"), "facility_id"].to_numpy()
    gap = (utilisation["facility_id"] == clinics[0]) & (utilisation["period"] == periods[-5])
    utilisation = utilisation.loc[~gap.to_numpy()].reset_index(drop=True)
    utilisation["period"] = pd.to_datetime(utilisation["period"]).astype("datetime64[ns]")
    utilisation["measure"] = utilisation["measure"].astype(object)
    utilisation["facility_id"] = utilisation["facility_id"].astype(object)
    utilisation["value"] = utilisation["value"].astype("float64")
    return out, utilisation
