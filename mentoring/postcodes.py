"""Approximate coordinates of Danish postcodes, for ranking mentors by distance to a youth.

The table (postcodes.csv beside this module) holds hand-compiled approximate centroids for the
postcode areas of the main towns; a postcode takes the nearest area at or below it, so a result
is good to a few kilometres, which is all matching needs. Unknown or foreign postcodes give None.
"""

from __future__ import annotations

import bisect
import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA_FILE = Path(__file__).with_name("postcodes.csv")
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class PostcodeTable:
    starts: tuple[int, ...]
    lats: tuple[float, ...]
    lons: tuple[float, ...]

    def coordinates(self, postcode: str | None) -> tuple[float, float] | None:
        """(lat, lon) of a four-digit Danish postcode, or None when unknown."""
        if not postcode or len(postcode) != 4 or not postcode.isdigit():
            return None
        index = bisect.bisect_right(self.starts, int(postcode)) - 1
        if index < 0 or math.isnan(self.lats[index]):
            return None
        return self.lats[index], self.lons[index]

    def coordinate_arrays(
        self, postcodes: list[str | None]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Latitudes and longitudes in radians, NaN where the postcode is unknown."""
        lat = np.full(len(postcodes), np.nan)
        lon = np.full(len(postcodes), np.nan)
        for i, code in enumerate(postcodes):
            point = self.coordinates(code)
            if point is not None:
                lat[i], lon[i] = point
        return np.radians(lat), np.radians(lon)


@cache
def load_table(path: Path = DATA_FILE) -> PostcodeTable:
    rows: list[tuple[int, float, float]] = []
    with path.open(encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter=";"):
            lat = float(row["lat"]) if row["lat"] else math.nan
            lon = float(row["lon"]) if row["lon"] else math.nan
            rows.append((int(row["from"]), lat, lon))
    rows.sort()
    return PostcodeTable(
        starts=tuple(r[0] for r in rows),
        lats=tuple(r[1] for r in rows),
        lons=tuple(r[2] for r in rows),
    )


def distance_matrix(
    lat_a: npt.NDArray[np.float64],
    lon_a: npt.NDArray[np.float64],
    lat_b: npt.NDArray[np.float64],
    lon_b: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Great-circle km between every point of A (rows) and B (columns); NaN where unknown."""
    dlat = lat_b[None, :] - lat_a[:, None]
    dlon = lon_b[None, :] - lon_a[:, None]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(lat_a)[:, None] * np.cos(lat_b)[None, :] * np.sin(dlon / 2) ** 2
    )
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return result


def distance_km(table: PostcodeTable, a: str | None, b: str | None) -> float | None:
    pa, pb = table.coordinates(a), table.coordinates(b)
    if pa is None or pb is None:
        return None
    lat_a, lon_a = np.radians([pa[0]]), np.radians([pa[1]])
    lat_b, lon_b = np.radians([pb[0]]), np.radians([pb[1]])
    return float(distance_matrix(lat_a, lon_a, lat_b, lon_b)[0, 0])
