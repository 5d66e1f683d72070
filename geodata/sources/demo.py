"""A synthetic demo region: the embedded default workspace of the app.

Everything here is invented: a city-region of about 300 neighbourhoods in 12 districts, placed at
real-looking coordinates but named after no real place, with facilities, four responsible partner
organisations, 24 months of insured counts per scheme, coverage targets and enrolment sessions.
The output depends on the seed only (one ``numpy.random.default_rng``), so the same seed always
gives the same tables.

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

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.tables import schema

DEMO_LABEL = "Synthetic demo data — not real people"
DEMO_SEED = 1404
DEMO_REGION_NAME = {"en": "Demo region", "fa": "محدودهٔ نمونه", "vi": "Vùng mẫu"}
DEMO_PROVINCE = "Demo province"

N_AREAS = 300
N_DISTRICTS = 12
N_MONTHS = 24
LAST_PERIOD = pd.Timestamp("2026-10-01")
CAMPAIGN_MONTH_INDEX = 17  # 2026-04-01 with the periods above
UNDERSERVED_SHARE = 0.40
UTILISATION_STREAM = 11  # second seed word of the generator of staff, desks and utilisation

# Utilisation: measure -> (facility types that report it, monthly level per unit of supply, growth
# over a year). Visits +18 %, admissions +38 %, operations +41 % a year, as a province reported.
_UTILISATION_SPEC: dict[str, tuple[tuple[str, ...], float, float]] = {
    "visits": (("hospital", "polyclinic", "clinic", "health_post"), 260.0, 0.18),
    "admissions": (("hospital",), 4.5, 0.38),
    "operations": (("hospital",), 1.8, 0.41),
    "enrolments": (("insurance_office",), 140.0, 0.12),
}

# Target bounding box of the region (lon/lat, EPSG:4326).
_LON_RANGE = (51.22, 51.58)
_LAT_RANGE = (35.57, 35.83)

PARTNERS: tuple[tuple[str, str, str, int], ...] = (
    # partner_id, name, kind, relative number of neighbourhoods
    ("P1", "Relief Committee", "relief", 440),
    ("P2", "Red Crescent", "red_crescent", 318),
    ("P3", "Welfare Organisation", "welfare", 215),
    ("P4", "Executive HQ", "executive", 900),
)
# The partners' names in Persian and Vietnamese (same order).
PARTNER_NAMES_FA = ("کمیته امداد", "هلال احمر", "سازمان بهزیستی", "ستاد اجرایی")
PARTNER_NAMES_VI = ("Ủy ban Cứu trợ", "Hội Chữ thập đỏ", "Tổ chức Phúc lợi", "Ban Chỉ đạo")

# Neighbourhood names: a place word and a modifier, in English / Vietnamese / Persian.
# English: "<modifier> <place>"; Vietnamese and Persian: "<place> <modifier>".
_PLACES: tuple[tuple[str, str, str], ...] = (
    ("Hill", "Đồi", "تپه"),
    ("Garden", "Vườn", "باغ"),
    ("Village", "Làng", "ده"),
    ("Square", "Quảng Trường", "میدان"),
    ("Valley", "Thung Lũng", "دره"),
    ("Spring", "Suối", "چشمه"),
    ("Meadow", "Đồng Cỏ", "چمنزار"),
    ("Gate", "Cổng", "دروازه"),
    ("Bridge", "Cầu", "پل"),
    ("Park", "Công Viên", "پارک"),
    ("Lane", "Ngõ", "کوچه"),
    ("Market", "Chợ", "بازار"),
    ("Quarter", "Phường", "محله"),
    ("Town", "Thị Trấn", "شهرک"),
    ("Fort", "Thành", "قلعه"),
    ("Canal", "Kênh", "نهر"),
    ("Well", "Giếng", "چاه"),
    ("Tower", "Tháp", "برج"),
)
_MODIFIERS: tuple[tuple[str, str, str], ...] = (
    ("Pine", "Thông", "کاج"),
    ("Cypress", "Bách", "سرو"),
    ("Willow", "Liễu", "بید"),
    ("Plane Tree", "Ngô Đồng", "چنار"),
    ("Pomegranate", "Lựu", "انار"),
    ("Almond", "Hạnh Nhân", "بادام"),
    ("Jasmine", "Hoa Nhài", "یاس"),
    ("Narcissus", "Thủy Tiên", "نرگس"),
    ("Violet", "Hoa Tím", "بنفشه"),
    ("Lotus", "Hoa Sen", "نیلوفر"),
    ("Rose", "Hoa Hồng", "گل سرخ"),
    ("Star", "Ngôi Sao", "ستاره"),
    ("Moon", "Trăng", "ماه"),
    ("Sun", "Mặt Trời", "خورشید"),
    ("Dawn", "Bình Minh", "سپیده"),
    ("Green", "Xanh", "سبز"),
    ("Blue", "Xanh Lam", "آبی"),
    ("White", "Trắng", "سفید"),
    ("Golden", "Vàng", "زرین"),
    ("Silver", "Bạc", "سیمین"),
    ("Old", "Cũ", "کهنه"),
    ("New", "Mới", "نو"),
    ("Upper", "Thượng", "بالا"),
    ("Lower", "Hạ", "پایین"),
    ("East", "Đông", "شرقی"),
    ("West", "Tây", "غربی"),
    ("North", "Bắc", "شمالی"),
    ("South", "Nam", "جنوبی"),
    ("Peace", "Bình An", "آرامش"),
    ("Nightingale", "Họa Mi", "بلبل"),
    ("Eagle", "Đại Bàng", "عقاب"),
    ("Pearl", "Ngọc Trai", "مروارید"),
    ("Turquoise", "Ngọc Lam", "فیروزه"),
)

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

    cells, centre, radius = _neighbourhood_cells(rng)
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    district, district_centres = _districts(rng, centroids, centre)

    # Order neighbourhoods by district, then north to south, then west to east.
    order = np.lexsort((centroids[:, 0], -centroids[:, 1], district))
    cells, centroids, district = cells[order], centroids[order], district[order]
    n = len(cells)

    deprivation, underserved, hot = _deprivation(
        rng, centroids, centre, radius, district, district_centres
    )
    partner = _assign_partners(centroids, centre, underserved)
    population = _population(rng, n)

    # The big campaign area: the underserved neighbourhood of a hot district closest to 12,000.
    candidates = np.flatnonzero(underserved & np.isin(district, hot))
    big = int(candidates[np.argmin(np.abs(population[candidates] - 12_000))])
    population[big] = 12_000 + int(rng.integers(100, 500))

    geometry = _to_lonlat(cells)
    areas = _areas_table(rng, geometry, district, population, deprivation, underserved, partner)

    facilities = _facilities_table(rng, areas, hot)
    insured, outreach = _insured_and_outreach(rng, areas, periods, big)
    # Staff, desks and utilisation come from a stream of their own, so the tables above stay
    # exactly what they were before these columns existed.
    facilities, utilisation = _staff_and_utilisation(
        np.random.default_rng([seed, UTILISATION_STREAM]), facilities, periods
    )
    partners = pd.DataFrame(
        {
            "partner_id": [p[0] for p in PARTNERS],
            "name": [p[1] for p in PARTNERS],
            "name_fa": list(PARTNER_NAMES_FA),
            "name_vi": list(PARTNER_NAMES_VI),
            "kind": [p[2] for p in PARTNERS],
            "target_coverage": 1.0,
            "contact": [f"{p[2].replace('_', '-')}@demo.example.org" for p in PARTNERS],
        }
    )
    targets = _targets_table(periods)
    # Added last, from no random stream, so every table above stays as it was before them.
    areas = _with_population_centres(areas)
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


# --- geometry ----------------------------------------------------------------------------------


def _neighbourhood_cells(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Voronoi cells of a jittered hexagonal grid, the N_AREAS innermost of an irregular outline.

    Works in grid units (about one neighbourhood across). Returns the cells, the centre and the
    mean radius of the region. The cells tile the region exactly since they are cells of one
    Voronoi diagram whose seeds outside the region are left out.
    """
    half = 20
    ys = np.arange(-half, half + 1) * (np.sqrt(3) / 2)
    xs = np.arange(-half, half + 1, dtype=float)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx + 0.5 * (np.arange(len(ys)) % 2)[:, None]
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts += rng.uniform(-0.3, 0.3, size=pts.shape)

    # Seeds denser towards the centre: small central neighbourhoods, larger peripheral ones.
    r = np.hypot(pts[:, 0], pts[:, 1])
    r0 = 9.0
    pts *= ((np.maximum(r, 1e-9) / r0) ** 0.25)[:, None]

    # Irregular outline: keep the seeds with the smallest radius relative to a wavy boundary.
    theta = np.arctan2(pts[:, 1], pts[:, 0])
    phase = rng.uniform(0, 2 * np.pi, size=3)
    boundary = (
        1
        + 0.10 * np.sin(2 * theta + phase[0])
        + 0.07 * np.sin(3 * theta + phase[1])
        + 0.04 * np.sin(5 * theta + phase[2])
    )
    rho = np.hypot(pts[:, 0], pts[:, 1]) / boundary
    keep = np.sort(np.argsort(rho, kind="stable")[:N_AREAS])

    diagram = shapely.voronoi_polygons(shapely.multipoints(pts), ordered=True)
    cells = shapely.get_parts(diagram)[keep]
    radius = float(np.sqrt(shapely.area(cells).sum() / np.pi))
    return cells, np.zeros(2), radius


def _to_lonlat(cells: np.ndarray) -> np.ndarray:
    """Map grid-unit cells onto the target lon/lat box (an affine map keeps the tiling exact)."""
    bounds = shapely.bounds(cells)
    xmin, ymin = bounds[:, 0].min(), bounds[:, 1].min()
    xmax, ymax = bounds[:, 2].max(), bounds[:, 3].max()
    sx = (_LON_RANGE[1] - _LON_RANGE[0]) / (xmax - xmin)
    sy = (_LAT_RANGE[1] - _LAT_RANGE[0]) / (ymax - ymin)

    def affine(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        out[:, 0] = np.round(_LON_RANGE[0] + (xy[:, 0] - xmin) * sx, 7)
        out[:, 1] = np.round(_LAT_RANGE[0] + (xy[:, 1] - ymin) * sy, 7)
        return out

    return shapely.transform(cells, affine)


def _districts(
    rng: np.random.Generator, centroids: np.ndarray, centre: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Group neighbourhoods into N_DISTRICTS contiguous districts (k-means on centroids).

    Returns the 0-based district of each neighbourhood (districts numbered inner ring first, then
    clockwise from north) and the district centres.
    """
    rel = centroids - centre
    radius = np.hypot(rel[:, 0], rel[:, 1]).max()
    start = rng.uniform(0, 2 * np.pi)
    inner_angles = start + np.arange(3) * 2 * np.pi / 3
    outer_angles = start + np.pi / 9 + np.arange(9) * 2 * np.pi / 9
    radii = np.r_[np.full(3, 0.28 * radius), np.full(9, 0.72 * radius)]
    angles = np.r_[inner_angles, outer_angles]
    centres = centre + np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    for _ in range(25):
        d2 = ((centroids[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        for k in range(N_DISTRICTS):
            members = centroids[label == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    d2 = ((centroids[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    label = d2.argmin(axis=1)

    # Number the districts: the three closest to the centre first, then clockwise from north.
    crel = centres - centre
    dist = np.hypot(crel[:, 0], crel[:, 1])
    bearing = np.mod(np.arctan2(crel[:, 0], crel[:, 1]), 2 * np.pi)
    inner = np.zeros(N_DISTRICTS, dtype=bool)
    inner[np.argsort(dist, kind="stable")[:3]] = True
    order = np.lexsort((bearing, ~inner))
    rank = np.empty(N_DISTRICTS, dtype=int)
    rank[order] = np.arange(N_DISTRICTS)
    return rank[label], centres[order]


def _deprivation(
    rng: np.random.Generator,
    centroids: np.ndarray,
    centre: np.ndarray,
    radius: float,
    district: np.ndarray,
    district_centres: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spatially clustered deprivation; the top UNDERSERVED_SHARE of it is underserved.

    Returns deprivation (0-1), the underserved mask and the 0-based "hot" districts: a few
    peripheral districts where deprivation is highest.
    """
    rel = centroids - centre
    dist = np.hypot(rel[:, 0], rel[:, 1]) / radius
    # Three neighbouring peripheral districts around a random bearing, and one more elsewhere.
    outer = np.arange(3, N_DISTRICTS)
    crel = district_centres[outer] - centre
    bearing = np.arctan2(crel[:, 1], crel[:, 0])
    target = rng.uniform(-np.pi, np.pi)
    gap = np.abs(np.angle(np.exp(1j * (bearing - target))))
    near = outer[np.argsort(gap, kind="stable")[:3]]
    others = outer[~np.isin(outer, near)]
    hot = np.sort(np.r_[near, rng.choice(others)])

    # Smooth noise: a few Gaussian bumps of random sign.
    bumps = rng.uniform(-radius, radius, size=(6, 2)) + centre
    amplitude = rng.normal(0, 0.6, size=6)
    d2 = ((centroids[:, None, :] - bumps[None, :, :]) ** 2).sum(axis=2)
    smooth = (amplitude * np.exp(-d2 / (2 * (0.3 * radius) ** 2))).sum(axis=1)

    z = 1.4 * np.isin(district, hot) + 1.0 * dist + smooth + rng.normal(0, 0.3, len(centroids))
    n_under = int(round(UNDERSERVED_SHARE * len(z)))
    threshold_rank = len(z) - n_under
    ranks = np.empty(len(z), dtype=int)
    ranks[np.argsort(z, kind="stable")] = np.arange(len(z))
    underserved = ranks >= threshold_rank
    cut = 0.5 * (np.sort(z)[threshold_rank - 1] + np.sort(z)[threshold_rank])
    deprivation = np.round(1 / (1 + np.exp(-1.6 * (z - cut))), 3)
    deprivation = np.clip(deprivation, 0.01, 0.99)
    return deprivation, underserved, hot


def _assign_partners(
    centroids: np.ndarray, centre: np.ndarray, underserved: np.ndarray
) -> np.ndarray:
    """Give each underserved area a partner: angular sectors in the 440:318:215:900 ratio."""
    idx = np.flatnonzero(underserved)
    weights = np.array([p[3] for p in PARTNERS], dtype=float)
    counts = _largest_remainder(weights / weights.sum() * len(idx))
    rel = centroids[idx] - centre
    angle = np.mod(np.arctan2(rel[:, 1], rel[:, 0]), 2 * np.pi)
    # Start the sweep in the widest angular gap so that no sector wraps across a cluster.
    sorted_angle = np.sort(angle)
    gaps = np.diff(np.r_[sorted_angle, sorted_angle[0] + 2 * np.pi])
    start = sorted_angle[(np.argmax(gaps) + 1) % len(sorted_angle)]
    sweep = idx[np.argsort(np.mod(angle - start, 2 * np.pi), kind="stable")]
    partner = np.full(len(centroids), None, dtype=object)
    partner[sweep] = np.repeat([p[0] for p in PARTNERS], counts)
    return partner


def _largest_remainder(shares: np.ndarray) -> np.ndarray:
    """Round shares to integers that keep their (integer) total."""
    counts = np.floor(shares).astype(int)
    rest = int(round(shares.sum())) - counts.sum()
    counts[np.argsort(-(shares - counts), kind="stable")[:rest]] += 1
    return counts


def _population(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lognormal neighbourhood populations of 3,000-60,000, about 6 million in all."""
    pop = rng.lognormal(mean=np.log(16_500), sigma=0.6, size=n)
    pop *= rng.uniform(5.6e6, 6.4e6) / pop.sum()
    return np.clip(np.round(pop), 3_000, 60_000).astype(np.int64)


# --- tables ------------------------------------------------------------------------------------


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str], list[str]]:
    """Distinct neighbourhood names in English, Persian and Vietnamese (NFC)."""
    n_mod = len(_MODIFIERS)
    combos = rng.permutation(len(_PLACES) * n_mod)[:n]
    en, fa, vi = [], [], []
    for c in combos:
        place, mod = _PLACES[c // n_mod], _MODIFIERS[c % n_mod]
        en.append(f"{mod[0]} {place[0]}")
        vi.append(unicodedata.normalize("NFC", f"{place[1]} {mod[1]}"))
        fa.append(f"{place[2]} {mod[2]}")
    return en, fa, vi


def _areas_table(
    rng: np.random.Generator,
    geometry: np.ndarray,
    district: np.ndarray,
    population: np.ndarray,
    deprivation: np.ndarray,
    underserved: np.ndarray,
    partner: np.ndarray,
) -> gpd.GeoDataFrame:
    n = len(geometry)
    en, fa, vi = _names(rng, n)
    female = np.round(population * rng.uniform(0.49, 0.51, n))
    # Older people where deprivation is lower, more young children where it is higher.
    old = np.round(
        population * np.clip(0.12 - 0.06 * deprivation + rng.normal(0, 0.01, n), 0.05, 0.12)
    )
    young = np.round(
        population * np.clip(0.05 + 0.035 * deprivation + rng.normal(0, 0.005, n), 0.05, 0.09)
    )
    households = np.round(population / rng.normal(3.3, 0.15, n))
    number = district + 1
    frame = pd.DataFrame(
        {
            "area_id": [f"A{i:03d}" for i in range(1, n + 1)],
            "name": en,
            "population": pd.array(population, dtype="Int64"),
            "district_id": [f"D{k:02d}" for k in number],
            "district_name": [f"District {k}" for k in number],
            "province": DEMO_PROVINCE,
            "households": pd.array(households.astype(np.int64), dtype="Int64"),
            "pop_female": pd.array(female.astype(np.int64), dtype="Int64"),
            "pop_65plus": pd.array(old.astype(np.int64), dtype="Int64"),
            "pop_under5": pd.array(young.astype(np.int64), dtype="Int64"),
            "underserved": underserved.astype(bool),
            "deprivation": deprivation.astype(float),
            "partner_id": list(partner),
            "name_fa": fa,
            "name_vi": vi,
            "name_en": en,
        }
    )
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs=schema.STORAGE_CRS)


def _with_population_centres(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``areas`` with ``pop_lon`` / ``pop_lat``: each neighbourhood's people live closer to the
    city's core, so its population-weighted centre is halfway between its centroid and its
    point nearest the region's population-weighted centre (inside: the cells are convex)."""
    polygons = areas.geometry.to_numpy()
    centroids = shapely.centroid(polygons)
    xy = shapely.get_coordinates(centroids)
    weights = areas["population"].to_numpy(dtype=float)
    core = shapely.Point(*(xy * weights[:, None]).sum(axis=0) / weights.sum())
    nearest = shapely.get_coordinates(shapely.shortest_line(polygons, core))[0::2]
    centre = (xy + nearest) / 2
    out = areas.assign(pop_lon=np.round(centre[:, 0], 6), pop_lat=np.round(centre[:, 1], 6))
    return out[[*areas.columns.drop("geometry"), "pop_lon", "pop_lat", "geometry"]]


def _points_inside(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """One random point strictly inside each (convex) polygon, vectorised."""
    centroid = shapely.centroid(polygons)
    edge = shapely.line_interpolate_point(
        shapely.get_exterior_ring(polygons), rng.uniform(0, 1, len(polygons)), normalized=True
    )
    t = rng.uniform(0.0, 0.7, len(polygons))[:, None]
    c, e = shapely.get_coordinates(centroid), shapely.get_coordinates(edge)
    xy = np.round(c + t * (e - c), 7)
    return shapely.points(xy)


def _facilities_table(
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
    points = _points_inside(rng, areas.geometry.to_numpy()[np.array(hosts)])
    return gpd.GeoDataFrame(frame, geometry=list(points), crs=schema.STORAGE_CRS)


def _staff_and_utilisation(
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


def _insured_and_outreach(
    rng: np.random.Generator, areas: gpd.GeoDataFrame, periods: pd.DatetimeIndex, big: int
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Monthly insured counts per area and scheme, and the enrolment sessions behind the jumps."""
    n, m = len(areas), len(periods)
    pop = areas["population"].to_numpy(dtype=np.int64)
    dep = areas["deprivation"].to_numpy(dtype=float)
    under = areas["underserved"].to_numpy(dtype=bool)
    t = np.arange(m)

    # Smooth trend: lower where deprivation is higher, rising slowly.
    c0 = np.clip(0.93 - 0.50 * dep + rng.normal(0, 0.03, n), 0.38, 0.94)
    growth = rng.uniform(0.001, 0.004, n)
    cover = c0[:, None] + growth[:, None] * t[None, :] + rng.normal(0, 0.0015, (n, m))
    cover = np.clip(cover, 0.36, 0.97)
    # The big campaign area: 75 % uninsured, flat, until the campaign; then only the campaign.
    cover[big] = 0.25 + rng.normal(0, 0.001, m)
    base = np.round(cover * pop[:, None]).astype(np.int64)
    mc = CAMPAIGN_MONTH_INDEX
    base[big, mc:] = base[big, mc - 1]

    # Enrolment sessions: (area index, month index, day, kind, enrolled).
    sessions: list[tuple[int, int, int, str, int]] = []
    total_after = int(np.floor(0.97 * pop[big]))
    enrolled = total_after - int(base[big, mc - 1])
    first = int(round(enrolled * rng.uniform(0.62, 0.72)))
    a = int(round(first * rng.uniform(0.5, 0.6)))
    b = int(round((enrolled - first) * rng.uniform(0.6, 0.75)))
    sessions += [
        (big, mc, int(rng.integers(3, 8)), "mobile_desk", a),
        (big, mc, int(rng.integers(12, 20)), "mobile_desk", first - a),
        (big, mc + 1, int(rng.integers(2, 10)), "mobile_desk", b),
        (big, mc + 1, int(rng.integers(14, 26)), "door_to_door", enrolled - first - b),
    ]

    # A few smaller campaigns in other underserved areas (jumps of a few hundred people).
    pool = np.flatnonzero(under & (np.arange(n) != big))
    small = rng.choice(pool, size=4, replace=False)
    for area in small:
        month = int(rng.integers(4, m - 2))
        for kind in ("mobile_desk", "door_to_door"):
            sessions.append(
                (int(area), month, int(rng.integers(1, 29)), kind, int(rng.integers(150, 451)))
            )
    # Routine sessions: tens to hundreds enrolled, already part of the trend.
    routine_pool = np.setdiff1d(pool, small)
    routine = rng.choice(routine_pool, size=14, replace=False)
    months = rng.integers(0, m, size=14)
    days = rng.integers(1, 29, size=14)
    kinds = rng.choice(np.array(schema.OUTREACH_KINDS), size=14)
    counts = rng.integers(20, 300, size=14)
    for area, month, day, kind, count in zip(routine, months, days, kinds, counts, strict=True):
        sessions.append((int(area), int(month), int(day), str(kind), int(count)))

    # Campaign jumps (cumulative, into the health scheme).
    jump = np.zeros((n, m), dtype=np.int64)
    for area, month, _day, _kind, count in sessions[: 4 + 2 * len(small)]:
        jump[area, month:] += count
    cap = np.floor(0.98 * pop).astype(np.int64)[:, None]
    base = np.minimum(base, cap - jump)

    # Split the trend over schemes; campaign enrolments go to the health scheme.
    f_ss = rng.uniform(0.32, 0.50, n) * (1 - 0.3 * dep)
    f_vol = rng.uniform(0.04, 0.10, n)
    ss = np.round(base * f_ss[:, None]).astype(np.int64)
    vol = np.round(base * f_vol[:, None]).astype(np.int64)
    health = base - ss - vol + jump
    schemes = ("health", "social_security", "voluntary")
    values = np.stack([health, ss, vol], axis=2)  # area, month, scheme

    area_ids = areas["area_id"].to_numpy()
    ai, mi, si = np.meshgrid(np.arange(n), np.arange(m), np.arange(len(schemes)), indexing="ij")
    insured = pd.DataFrame(
        {
            "area_id": area_ids[ai.ravel()],
            "period": periods[mi.ravel()],
            "insured": pd.array(values.ravel(), dtype="Int64"),
            "scheme": np.array(schemes)[si.ravel()],
            "source": "synthetic",
        }
    )
    # A couple of areas with a missing month or two (no rows at all for those months).
    excluded = np.r_[big, small]
    gaps_pool = np.setdiff1d(np.arange(n), excluded)
    gap_areas = rng.choice(gaps_pool, size=2, replace=False)
    gap_month = int(rng.integers(2, m - 3))
    missing = {(int(gap_areas[0]), gap_month), (int(gap_areas[1]), gap_month + 1)}
    missing.add((int(gap_areas[1]), gap_month + 2))
    drop = np.zeros(len(insured), dtype=bool)
    for area, month in sorted(missing):
        drop |= (ai.ravel() == area) & (mi.ravel() == month)
    insured = insured.loc[~drop].reset_index(drop=True)

    # Outreach table, sessions in date order.
    s_area = np.array([s[0] for s in sessions])
    dates = pd.to_datetime([periods[s[1]] + pd.Timedelta(days=s[2] - 1) for s in sessions])
    order = np.lexsort((s_area, dates.to_numpy()))
    points = _points_inside(rng, areas.geometry.to_numpy()[s_area])
    outreach = pd.DataFrame(
        {
            "date": dates,
            "enrolled": pd.array([s[4] for s in sessions], dtype="Int64"),
            "area_id": area_ids[s_area],
            "partner_id": areas["partner_id"].to_numpy()[s_area],
            "kind": [s[3] for s in sessions],
        }
    )
    outreach = gpd.GeoDataFrame(outreach, geometry=list(points), crs=schema.STORAGE_CRS)
    outreach = outreach.iloc[order].reset_index(drop=True)
    outreach.insert(0, "session_id", [f"S{i:03d}" for i in range(1, len(outreach) + 1)])
    return insured, outreach


def _targets_table(periods: pd.DatetimeIndex) -> pd.DataFrame:
    """Region and district coverage targets rising linearly from 0.80 to 1.00."""
    target = np.round(np.linspace(0.80, 1.00, len(periods)), 4)
    scopes = ["region"] + [f"D{k:02d}" for k in range(1, N_DISTRICTS + 1)]
    return pd.DataFrame(
        {
            "scope": np.repeat(scopes, len(periods)),
            "period": np.tile(periods.to_numpy(), len(scopes)),
            "target_coverage": np.tile(target, len(scopes)),
        }
    )


def holds_only_demo_data(versions: Sequence[object]) -> bool:
    """Whether the newest of ``versions`` (:class:`geodata.store.workspace.Version`) holds the demo
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


def reset_demo_workspace(path: str | Path, *, author: str = "") -> int:
    """Write the synthetic demo region again, as a new version of the demo workspace ``path``.

    Every table goes back to what :func:`build_demo_tables` makes; tables the demo does not have
    (name crosswalk, scenarios) are emptied. Nothing is deleted: the versions before stay in the
    list (and version numbers only grow, so nothing cached for an older version is shown again).

    Raises
    ------
    DataError
        When ``path`` was not made by the demo generator (a real workspace is never reset).

    Returns
    -------
    int
        The new version number.
    """
    from geodata.sources.workspaces import DEMO_GENERATOR_VERSION, is_demo
    from geodata.store.workspace import STORED_TABLES, empty_table, list_versions, save_version
    from geodata.tables.problems import DataError

    if not is_demo(list_versions(path)):
        raise DataError(f"{path} is not a demo workspace; only the demo can be reset.")
    tables = build_demo_tables(DEMO_SEED)
    for name in STORED_TABLES:
        if name not in tables:
            tables[name] = empty_table(name)
    return save_version(
        path,
        tables,
        message=f"demo workspace reset (seed {DEMO_SEED}) — {DEMO_LABEL}",
        author=author or "demo generator",
        summary={
            "demo": True,
            "reset": True,
            "generator_version": DEMO_GENERATOR_VERSION,
            "title": "Demo region",
        },
    )
