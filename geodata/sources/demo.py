"""A synthetic demo region: the embedded default workspace of the app.

Everything here is invented: a city-region of about 300 neighbourhoods in 12 districts, placed at
real-looking coordinates but named after no real place, with facilities, four responsible partner
organisations, 24 months of insured counts per scheme, coverage targets and enrolment sessions.
The output depends on the seed only (one ``numpy.random.default_rng``), so the same seed always
gives the same tables.

The tables are drawn by table: neighbourhoods, districts, partners and people in
:mod:`geodata.sources.demo_areas`, facilities and their activity in
:mod:`geodata.sources.demo_facilities`, insured counts, enrolment sessions and targets in
:mod:`geodata.sources.demo_insured`; this module draws them in order from one seed.

The story the data tells (what the pages have something to show for):

- about 40 % of neighbourhoods are underserved, clustered in a few peripheral districts, and are
  assigned to four partners in proportions 440 : 318 : 215 : 900;
- coverage rises slowly, is lower where deprivation is higher, and jumps where there was a
  campaign; in one underserved neighbourhood of about 12,000 people, 75 % were uninsured until a
  campaign month, then about 9,000 people enrolled within two months (a ``mobile_desk`` session
  in that month marks it, see :func:`campaign_area_id`);
- a clinic is under construction with an opening date in 2027, a hospital is planned, a pharmacy
  is closed; a couple of neighbourhoods have a month or two without counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

from geodata.sources.demo_areas import (
    areas_table,
    assign_partners,
    draw_deprivation,
    draw_population,
    group_districts,
    neighbourhood_cells,
    partners_table,
    to_lonlat,
    with_population_centres,
)
from geodata.sources.demo_facilities import facilities_table, staff_and_utilisation
from geodata.sources.demo_insured import insured_and_outreach, targets_table

DEMO_LABEL = "Synthetic demo data — not real people"
DEMO_SEED = 1404
DEMO_REGION_NAME = {"en": "Demo region", "fa": "محدودهٔ نمونه", "vi": "Vùng mẫu"}

N_MONTHS = 24
LAST_PERIOD = pd.Timestamp("2026-10-01")
UTILISATION_STREAM = 11  # second seed word of the generator of staff, desks and utilisation


def build_demo_tables(seed: int = DEMO_SEED) -> dict[str, pd.DataFrame]:
    """Generate the synthetic demo workspace.

    Parameters
    ----------
    seed
        Seed of the single ``numpy.random.default_rng`` everything is drawn from; the same seed
        gives identical tables.

    Returns
    -------
    dict
        The seven workspace tables ``{"areas", "facilities", "insured", "partners", "targets",
        "outreach", "utilisation"}``, with the columns of :mod:`geodata.tables.schema`. ``areas``, ``facilities`` and
        ``outreach`` are GeoDataFrames in EPSG:4326; the others are plain DataFrames.
    """
    rng = np.random.default_rng(seed)
    periods = pd.date_range(end=LAST_PERIOD, periods=N_MONTHS, freq="MS")

    cells, centre, radius = neighbourhood_cells(rng)
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    district, district_centres = group_districts(rng, centroids, centre)

    # Order neighbourhoods by district, then north to south, then west to east.
    order = np.lexsort((centroids[:, 0], -centroids[:, 1], district))
    cells, centroids, district = cells[order], centroids[order], district[order]
    n = len(cells)

    deprivation, underserved, hot = draw_deprivation(
        rng, centroids, centre, radius, district, district_centres
    )
    partner = assign_partners(centroids, centre, underserved)
    population = draw_population(rng, n)

    # The big campaign area: the underserved neighbourhood of a hot district closest to 12,000.
    candidates = np.flatnonzero(underserved & np.isin(district, hot))
    big = int(candidates[np.argmin(np.abs(population[candidates] - 12_000))])
    population[big] = 12_000 + int(rng.integers(100, 500))

    geometry = to_lonlat(cells)
    areas = areas_table(rng, geometry, district, population, deprivation, underserved, partner)

    facilities = facilities_table(rng, areas, hot)
    insured, outreach = insured_and_outreach(rng, areas, periods, big)
    # Staff, desks and utilisation come from a stream of their own, so the tables above stay
    # exactly what they were before these columns existed.
    facilities, utilisation = staff_and_utilisation(
        np.random.default_rng([seed, UTILISATION_STREAM]), facilities, periods
    )
    partners = partners_table()
    targets = targets_table(periods)
    # Added last, from no random stream, so every table above stays as it was before them.
    areas = with_population_centres(areas)
    return {
        "areas": areas,
        "facilities": facilities,
        "insured": insured,
        "partners": partners,
        "targets": targets,
        "outreach": outreach,
        "utilisation": utilisation,
    }


def campaign_area_id(tables: dict[str, pd.DataFrame]) -> str:
    """Return the area of the big enrolment campaign: the one with the most people enrolled."""
    outreach = tables["outreach"]
    return str(outreach.groupby("area_id")["enrolled"].sum().idxmax())


def holds_only_demo_data(versions: Sequence[object]) -> bool:
    """Whether the newest of ``versions`` (:class:`geodata.store.layout.Version`) holds the demo
    generator's synthetic data only: no import or recipe build since the last demo version.

    A version the generator wrote (``summary["demo"]``) is synthetic; an import or a build is
    not; a restore is what the version it restores was; any other change (a reassignment, a
    scenario) keeps what the version before it was.
    """
    synthetic: dict[int, bool] = {}
    now = False
    for version in versions:
        summary = getattr(version, "summary", {}) or {}
        if summary.get("demo"):
            now = True
        elif "restored_from" in summary:
            now = synthetic.get(int(summary["restored_from"]), False)
        elif "import" in summary or "report" in summary:
            now = False
        synthetic[int(getattr(version, "number", 0))] = now
    return now
