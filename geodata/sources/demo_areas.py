"""The demo region's neighbourhoods: their cells, districts, deprivation, partners and people.

Part of the synthetic demo generator (:mod:`geodata.sources.demo`): the geometry of about 300
neighbourhoods in 12 districts, which of them are underserved and which partner answers for each,
and the areas and partners tables built from them. Every draw comes from the generator handed in.
"""

from __future__ import annotations

import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.tables import schema

DEMO_PROVINCE = "Demo province"

N_AREAS = 300
N_DISTRICTS = 12
UNDERSERVED_SHARE = 0.40

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


# --- geometry ----------------------------------------------------------------------------------


def neighbourhood_cells(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
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


def to_lonlat(cells: np.ndarray) -> np.ndarray:
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


def group_districts(
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


def draw_deprivation(
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


def assign_partners(
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


def draw_population(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lognormal neighbourhood populations of 3,000-60,000, about 6 million in all."""
    pop = rng.lognormal(mean=np.log(16_500), sigma=0.6, size=n)
    pop *= rng.uniform(5.6e6, 6.4e6) / pop.sum()
    return np.clip(np.round(pop), 3_000, 60_000).astype(np.int64)


# --- tables ------------------------------------------------------------------------------------


def partners_table() -> pd.DataFrame:
    """The four partners, named in English, Persian and Vietnamese, each aiming at full coverage."""
    return pd.DataFrame(
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


#: Persian names are written with Persian digits (۰–۹), as Persian data is.
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def areas_table(
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
            # The district's name in each language, as the areas' own (name_fa...): a Persian map
            # reads منطقهٔ ۵, a Vietnamese one Quận 5.
            "district_name_fa": [f"منطقهٔ {str(k).translate(_PERSIAN_DIGITS)}" for k in number],
            "district_name_vi": [f"Quận {k}" for k in number],
            "district_name_en": [f"District {k}" for k in number],
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


def with_population_centres(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def points_inside(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """One random point strictly inside each (convex) polygon, vectorised."""
    centroid = shapely.centroid(polygons)
    edge = shapely.line_interpolate_point(
        shapely.get_exterior_ring(polygons), rng.uniform(0, 1, len(polygons)), normalized=True
    )
    t = rng.uniform(0.0, 0.7, len(polygons))[:, None]
    c, e = shapely.get_coordinates(centroid), shapely.get_coordinates(edge)
    xy = np.round(c + t * (e - c), 7)
    return shapely.points(xy)
