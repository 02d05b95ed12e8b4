"""Reference tables: départements (101, plus the overseas collectivités that
host Maisons), régions (18), populations and centroids; département contours."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # an import loads neither pandas nor, until it needs them, the maps' tools
    import pandas as pd
    import pyarrow as pa

REF_DIR = Path(__file__).parent / "ref"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTOURS_FILE = "departements-contours.geojson"


REF_FILES = (("departements.csv", "departement"), ("collectivites_outre_mer.csv", "com"))


@lru_cache(maxsize=1)
def departements_table() -> pa.Table:
    """101 départements (type "departement") and the collectivités d'outre-mer (type "com"), as Arrow: what an
    import needs, without loading pandas."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    codes = pacsv.ConvertOptions(column_types={"code_departement": pa.string(), "code_region": pa.string()},
                                 strings_can_be_null=True)
    tables = []
    for name, kind in REF_FILES:
        t = pacsv.read_csv(REF_DIR / name, convert_options=codes)
        tables.append(t.append_column("type", pa.array([kind] * t.num_rows, pa.string())))
    return pa.concat_tables(tables, promote_options="default")


def reference_bytes() -> bytes:
    """The reference files as written (what the store's schema fingerprint rests on)."""
    return b"".join((REF_DIR / name).read_bytes() for name, _ in REF_FILES)


@lru_cache(maxsize=1)
def departements() -> pd.DataFrame:
    """``departements_table`` as a DataFrame (for the charts and the maps)."""
    return departements_table().to_pandas()


@lru_cache(maxsize=1)
def regions() -> pd.DataFrame:
    """18 régions: population and a population-weighted centroid of their départements."""
    d = departements()
    d = d[d["type"] == "departement"].copy()
    d["wlat"] = d["latitude"] * d["population"]
    d["wlon"] = d["longitude"] * d["population"]
    g = d.groupby(["code_region", "region"], as_index=False)[["population", "wlat", "wlon"]].sum()
    g["latitude"] = (g["wlat"] / g["population"]).round(4)
    g["longitude"] = (g["wlon"] / g["population"]).round(4)
    return g[["code_region", "region", "population", "latitude", "longitude"]].sort_values("region", ignore_index=True)


def contours_path() -> Path | None:
    """The département contours, from $MSAP_CONTOURS, data/cache/, or ../shared/data/.

    The contours are not part of the project; without them maps fall back to
    points at the centroids.
    """
    configured = os.environ.get("MSAP_CONTOURS")
    if configured is not None:  # an explicit setting wins, even when it points nowhere
        return Path(configured) if configured and Path(configured).is_file() else None
    candidates = [PROJECT_DIR / "data" / "cache" / CONTOURS_FILE, PROJECT_DIR.parent / "shared" / "data" / CONTOURS_FILE]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


@lru_cache(maxsize=4)
def _load_contours(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as f:
        geo = json.load(f)
    for feat in geo.get("features", []):
        geometry = feat.get("geometry") or {}
        if "coordinates" in geometry:  # about 100 m: plenty for a national map, and a lighter page
            geometry["coordinates"] = _rounded(geometry["coordinates"])
        props = feat.setdefault("properties", {})
        code = props.get("insee_dep") or props.get("code") or props.get("code_departement")
        feat["id"] = str(code) if code is not None else None
    return geo


def _rounded(coords):
    if isinstance(coords, (int, float)):
        return round(coords, 3)
    return [_rounded(c) for c in coords]


def outlines() -> dict[str, tuple[list, list]] | None:
    """Each département's outline as lon and lat lists (rings separated by None), or None."""
    return _from_contours_file(_outlines)


@lru_cache(maxsize=4)
def _outlines(path: str, mtime: float) -> dict[str, tuple[list, list]]:
    geo = _load_contours(path, mtime)
    out: dict[str, tuple[list, list]] = {}
    for feat in geo.get("features", []):
        geometry = feat.get("geometry") or {}
        polygons = {"Polygon": [geometry.get("coordinates")], "MultiPolygon": geometry.get("coordinates")}.get(
            geometry.get("type"), [])
        lons: list = []
        lats: list = []
        for polygon in polygons or []:
            for ring in polygon or []:
                points = _simplified(ring)
                if len(points) >= 4:  # rings smaller than a map pixel vanish
                    lons += [p[0] for p in points] + [None]
                    lats += [p[1] for p in points] + [None]
        if feat.get("id"):
            out[feat["id"]] = (lons, lats)
    return out


def _simplified(ring: list, tolerance: float = 0.015) -> list:
    """A ring simplified to about 1.5 km (Douglas-Peucker): light enough for a national map."""
    points = [(float(p[0]), float(p[1])) for p in ring]
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [(round(x, 3), round(y, 3)) for (x, y), k in zip(points, keep) if k]


def inside(code: str, lons: np.ndarray, lats: np.ndarray) -> np.ndarray | None:
    """Which points fall inside the département's outline (even-odd rule over its rings); None without contours."""
    shapes = outlines()
    if shapes is None or code not in shapes:
        return None
    ring_lons, ring_lats = shapes[code]
    result = np.zeros(len(lons), dtype=bool)
    start = 0
    for end in [i for i, v in enumerate(ring_lons) if v is None]:
        x, y = np.array(ring_lons[start:end], float), np.array(ring_lats[start:end], float)
        x2, y2 = np.roll(x, -1), np.roll(y, -1)
        for xa, ya, xb, yb in zip(x, y, x2, y2):
            crosses = (ya > lats) != (yb > lats)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = xa + (lats - ya) * (xb - xa) / (yb - ya)
            result ^= crosses & (lons < at)
        start = end + 1
    return result


def contours() -> dict | None:
    """GeoJSON FeatureCollection whose feature ids are the codes of département, or None."""
    return _from_contours_file(_load_contours)


def _from_contours_file(loader):
    """Read the contours file through a loader cached on its path and modification time."""
    path = contours_path()
    if path is None:
        return None
    try:
        return loader(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        return None


# About 5 km: the outlines are simplified to 1.5 km, and a site on the border is in its département.
BORDER_MARGIN_DEG = 0.05


def outside_departement(codes, lons, lats) -> np.ndarray | None:
    """For each point, whether it lies out of its département's outline (beyond a margin for the outlines'
    simplification), or for a collectivité d'outre-mer, which the contours do not draw, farther from its centre than
    its islands reach (``rayon_km``); None when nothing can be checked."""
    shapes = outlines() or {}
    refs = departements_table()
    radius = refs.column("rayon_km").to_pylist() if "rayon_km" in refs.column_names else [None] * refs.num_rows
    reach = {c: (la, lo, km) for c, la, lo, km in zip(*(refs.column(n).to_pylist() for n in (
        "code_departement", "latitude", "longitude")), radius) if km == km and km is not None and c not in shapes}
    if not shapes and not reach:
        return None
    codes, lons, lats = list(codes), np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    out = np.zeros(len(codes), dtype=bool)
    for code in set(codes):
        at = np.array([c == code for c in codes])
        if code in shapes:
            inside = np.zeros(at.sum(), dtype=bool)
            for dx in (-BORDER_MARGIN_DEG, 0, BORDER_MARGIN_DEG):
                for dy in (-BORDER_MARGIN_DEG, 0, BORDER_MARGIN_DEG):
                    inside |= _inside(shapes[code], lons[at] + dx, lats[at] + dy)
            out[at] = ~inside
        elif code in reach:
            la, lo, km = reach[code]
            out[at] = km_from(la, lo, lats[at], lons[at]) > km
    return out


def km_from(lat0: float, lon0: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances in km from one point."""
    p0, p, dl = np.radians(lat0), np.radians(lats), np.radians(lons - lon0)
    return 6371.0 * np.arccos(np.clip(np.sin(p0) * np.sin(p) + np.cos(p0) * np.cos(p) * np.cos(dl), -1, 1))


def _inside(outline: tuple[list, list], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Even-odd rule over every ring of an outline (rings separated by None)."""
    inside = np.zeros(len(x), dtype=bool)
    lons, lats = outline
    start = 0
    for end in [i for i, v in enumerate(lons) if v is None] + [len(lons)]:
        ring_x = np.array(lons[start:end], dtype=float)
        ring_y = np.array(lats[start:end], dtype=float)
        start = end + 1
        if len(ring_x) < 3:
            continue
        a, b = ring_x[None, :], ring_y[None, :]  # each edge (a, b) -> (c, d), against each point (x, y)
        c, d = np.roll(ring_x, -1)[None, :], np.roll(ring_y, -1)[None, :]
        px, py = x[:, None], y[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            crosses = ((b > py) != (d > py)) & (px < (c - a) * (py - b) / np.where(d == b, 1e-12, d - b) + a)
        inside ^= (crosses.sum(axis=1) % 2).astype(bool)
    return inside
