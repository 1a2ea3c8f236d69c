"""Geodesic-correct distances to a border and buffers around it.

No single map projection keeps distances right along a border of thousands of kilometres, so
the border is cut into pieces of at most `PIECE_KM` and each piece is measured in an azimuthal
equidistant projection centred on it. Within `PIECE_KM / 2 + range` of the centre, that
projection's scale error stays below 0.05 %, an order of magnitude inside the 0.5 % the zones
promise; results of all pieces are combined (union of buffers, minimum of distances).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

WGS84 = Geod(ellps="WGS84")
PIECE_KM = 150.0
# Vertex spacing, in km, of the border before projection: the NE line is straight in
# longitude/latitude between its vertices, and must stay so after projection.
DENSIFY_KM = 1.0
# Arcs of a buffer are drawn with this many segments per quarter circle; the chord of such an
# arc lies 1 - cos(pi / 64) = 0.12 % inside the true circle.
QUAD_SEGMENTS = 16


@dataclass(frozen=True)
class _Piece:
    to_local: Transformer
    to_lonlat: Transformer
    line: BaseGeometry  # in local metres
    centre: tuple[float, float]  # lon, lat
    radius_km: float  # farthest vertex from the centre
    runs: "_Runs"  # the line in short runs, for distances


# Segments per run of a piece's line: a distance is measured against the runs that can hold the
# nearest point, not against all of a piece's ~200 segments.
RUN_SEGMENTS = 16


@dataclass(frozen=True)
class _Runs:
    """A line (local metres) cut into runs of RUN_SEGMENTS segments sharing their end vertices,
    each with the circle that holds it.

    The distance from a point to the line is the least of its distances to the segments, so the
    least of its distances to the runs is the very same number (GEOS measures each segment
    alike): runs that cannot hold the nearest point may be left out without changing a bit."""

    lines: np.ndarray  # one LineString per run
    centres: np.ndarray  # (runs, 2)
    radii: np.ndarray  # farthest vertex of each run from its centre

    @classmethod
    def of(cls, xy: np.ndarray) -> "_Runs":
        starts = list(range(0, max(len(xy) - 1, 1), RUN_SEGMENTS))
        vertices = [xy[start : start + RUN_SEGMENTS + 1] for start in starts]
        centres = np.array([(run.min(axis=0) + run.max(axis=0)) / 2 for run in vertices])
        radii = np.array([np.hypot(*(run - centre).T).max() for run, centre in zip(vertices, centres)])
        lines = shapely.linestrings(np.concatenate(vertices), indices=np.repeat(np.arange(len(vertices)),
                                                                              [len(run) for run in vertices]))
        return cls(lines, centres, radii)

    def distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from each point to the line: measured first against the run whose circle
        comes nearest, then against the runs whose circle comes nearer than that distance."""
        gap = np.hypot(x[:, None] - self.centres[:, 0], y[:, None] - self.centres[:, 1])
        lower = gap - self.radii
        first = np.argmin(lower, axis=1)
        points = shapely.points(x, y)
        best = shapely.distance(points, self.lines[first])
        lower[np.arange(len(first)), first] = np.inf
        point, run = np.nonzero(lower <= best[:, None] * (1 + 1e-9) + 1e-6)
        if len(point):
            found = shapely.distance(points[point], self.lines[run])
            starts = np.flatnonzero(np.diff(point, prepend=-1))
            best[point[starts]] = np.minimum(best[point[starts]], np.minimum.reduceat(found, starts))
        return best


# A great circle on a sphere of the mean radius differs from the WGS 84 geodesic by < 0.6 %.
_SPHERE_SLACK = 0.01
_MEAN_RADIUS_KM = 6371.0088
# A point is weighed against this many pieces (the nearest centres) before all the others.
_NEAREST_PIECES = 8
# Points measured against every piece centre at once (a block of 8,192 × 100 pieces × 3: 20 MB).
_BLOCK_POINTS = 8192


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: straight-line (chord) distances between them grow with the
    great-circle distance, so a k-d tree finds the nearest on the sphere."""
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _chords(xyz: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Chords from each unit vector to each centre, by one matrix product (|a - b|² = 2 - 2 a·b):
    a few times cheaper than the differences, and its rounding (< 1e-7 km) is far inside the
    slack the bounds leave (the pieces only ever measured exactly)."""
    return np.sqrt(np.maximum(2.0 - 2.0 * (xyz @ centres.T), 0.0))


def _chord_km(chord: np.ndarray) -> np.ndarray:
    """The great-circle distance on the mean sphere, in km, of a chord of the unit sphere."""
    return 2 * _MEAN_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def densify_lonlat(geometry: BaseGeometry, max_km: float = DENSIFY_KM) -> BaseGeometry:
    """Insert vertices so that no segment is longer than about `max_km` (at the equator)."""
    return shapely.segmentize(geometry, max_km / 111.0)


def _aeqd(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """To and from an azimuthal equidistant projection (metres) centred on lon/lat.

    Written as PROJ pipelines: the very operations `Transformer.from_crs` picks between
    EPSG:4326 and this projection (the results are bit-identical), made in microseconds
    rather than milliseconds, as no database of operations is searched."""
    aeqd = f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +x_0=0 +y_0=0 +ellps=WGS84"
    return (
        Transformer.from_pipeline(f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {aeqd}"),
        Transformer.from_pipeline(f"+proj=pipeline +step +inv {aeqd} +step +proj=unitconvert +xy_in=rad +xy_out=deg"),
    )


def _split_line(coords: np.ndarray, piece_km: float) -> list[np.ndarray]:
    """Cut a vertex array into runs of at most `piece_km` geodesic length (sharing end points)."""
    if len(coords) < 2:
        return [coords]
    _, _, seg = WGS84.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    cumulative = np.concatenate([[0.0], np.cumsum(seg) / 1000.0])
    pieces, start = [], 0
    while start < len(coords) - 1:
        end = int(np.searchsorted(cumulative, cumulative[start] + piece_km, side="right")) - 1
        end = max(end, start + 1)
        pieces.append(coords[start : end + 1])
        start = end
    return pieces


class BorderGeometry:
    """A border line (lon/lat) ready for geodesic distances and buffers."""

    def __init__(self, border: BaseGeometry, piece_km: float = PIECE_KM) -> None:
        if border.is_empty:
            raise ValueError("the border line is empty")
        self.lonlat = border
        parts = shapely.get_parts(densify_lonlat(border))
        self._pieces: list[_Piece] = []
        for part in parts:
            coords = np.asarray(shapely.get_coordinates(part))
            for run in _split_line(coords, piece_km):
                if len(run) < 2:
                    continue
                mid = run[len(run) // 2]
                to_local, to_lonlat = _aeqd(float(mid[0]), float(mid[1]))
                x, y = to_local.transform(run[:, 0], run[:, 1])
                radius = float(np.hypot(x, y).max()) / 1000.0
                xy = np.column_stack([x, y])
                self._pieces.append(_Piece(to_local, to_lonlat, shapely.linestrings(xy), (float(mid[0]), float(mid[1])),
                                           radius, _Runs.of(xy)))
        centres = np.array([p.centre for p in self._pieces])
        self._centres = _unit_vectors(centres[:, 0], centres[:, 1])
        self._radii = np.array([p.radius_km for p in self._pieces])

    @cached_property
    def length_km(self) -> float:
        return WGS84.geometry_length(self.lonlat) / 1000.0

    def distance_km(self, lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
        """Geodesic distance, in km, from each point to the nearest point of the border."""
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        # A piece cannot be nearer than (distance to its centre - its radius): measure a point
        # against a piece only while that lower bound can still beat the best found so far,
        # starting with the piece most likely to be nearest. Only the few pieces whose centres
        # are nearest are weighed, so the exact measuring grows with the number of points, not
        # with points times pieces.
        everywhere = np.arange(len(lon))
        xyz = _unit_vectors(lon, lat)
        count = min(_NEAREST_PIECES, len(self._pieces))
        chord, near = self._nearest_centres(xyz, count)
        bound = _chord_km(chord) * (1 - _SPHERE_SLACK) - self._radii[near]
        best = np.full(lon.shape, np.inf)
        first = near[everywhere, np.argmin(bound, axis=1)]
        self._measure_pairs(everywhere, first, lon, lat, best)
        points, column = np.nonzero((bound < best[:, None] * (1 + 1e-9)) & (near != first[:, None]))
        self._measure_pairs(points, near[points, column], lon, lat, best)
        if count < len(self._pieces):
            # Every other piece is at least this far; weigh them all where that is not enough.
            beyond = _chord_km(chord[:, -1]) * (1 - _SPHERE_SLACK) - self._radii.max()
            far = np.flatnonzero(beyond < best * (1 + 1e-9))
            if len(far):
                chords = _chords(xyz[far], self._centres)
                bound = _chord_km(chords) * (1 - _SPHERE_SLACK) - self._radii
                weighed = np.zeros(bound.shape, dtype=bool)
                weighed[np.arange(len(far))[:, None], near[far]] = True
                points, piece = np.nonzero((bound < best[far, None] * (1 + 1e-9)) & ~weighed)
                self._measure_pairs(far[points], piece, lon, lat, best)
        return best

    def _nearest_centres(self, xyz: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The chords to the `count` nearest piece centres of each point, nearest first, and
        their pieces. A border has tens of pieces, not thousands: measuring every centre, a
        block of points at a time, costs less than building (and importing) a k-d tree."""
        chord = np.empty((len(xyz), count))
        near = np.empty((len(xyz), count), dtype=np.intp)
        for start in range(0, len(xyz), _BLOCK_POINTS):
            block = slice(start, start + _BLOCK_POINTS)
            chords = _chords(xyz[block], self._centres)
            if count < chords.shape[1]:
                chosen = np.argpartition(chords, count - 1, axis=1)[:, :count]
            else:
                chosen = np.broadcast_to(np.arange(count), chords.shape)
            picked = np.take_along_axis(chords, chosen, axis=1)
            order = np.argsort(picked, axis=1, kind="stable")
            chord[block] = np.take_along_axis(picked, order, axis=1)
            near[block] = np.take_along_axis(chosen, order, axis=1)
        return chord, near

    def _measure_pairs(self, points: np.ndarray, pieces: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                       best: np.ndarray) -> None:
        """Lower `best[point]` to the distance to `piece`, for each (point, piece) pair."""
        order = np.argsort(pieces, kind="stable")
        points, pieces = points[order], pieces[order]
        starts = np.flatnonzero(np.diff(pieces, prepend=-1))
        for start, stop in zip(starts.tolist(), [*starts[1:].tolist(), len(pieces)]):
            todo = points[start:stop]
            best[todo] = np.minimum(best[todo], self._measure(self._pieces[int(pieces[start])], lon[todo], lat[todo]))

    @staticmethod
    def _measure(piece: _Piece, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        x, y = piece.to_local.transform(lon, lat)
        return piece.runs.distance(np.asarray(x), np.asarray(y)) / 1000.0

    def buffer(self, distance_km: float) -> BaseGeometry:
        """The set of points within `distance_km` of the border, as a lon/lat polygon."""
        if distance_km <= 0:
            return shapely.Polygon()
        metres = distance_km * 1000.0
        parts = []
        for piece in self._pieces:
            local = shapely.buffer(piece.line, metres, quad_segs=QUAD_SEGMENTS)
            # Keep curved edges curved after the transformation back to lon/lat.
            local = shapely.segmentize(local, max(metres / 20.0, 500.0))
            parts.append(shapely.transform(local, lambda xy, t=piece.to_lonlat: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))))
        return shapely.union_all(parts)


def distance_range_km(lon: float, lat: float, geometry: BaseGeometry) -> tuple[float, float]:
    """The nearest and the farthest geodesic distance, in km, from a point to a lon/lat polygon
    (0 nearest when the point is inside it).

    Measured in an azimuthal equidistant projection centred on the point, where the distance
    from the centre is the true geodesic one; the polygon is densified first so that its edges,
    straight in lon/lat, stay so. The farthest point of a polygon is one of its vertices."""
    to_local, _ = _aeqd(lon, lat)
    dense = densify_lonlat(geometry)
    local = shapely.transform(dense, lambda xy: np.column_stack(to_local.transform(xy[:, 0], xy[:, 1])))
    origin = shapely.Point(0.0, 0.0)
    corners = shapely.get_coordinates(local)
    farthest = float(np.hypot(corners[:, 0], corners[:, 1]).max()) if len(corners) else 0.0
    return shapely.distance(origin, local) / 1000.0, farthest / 1000.0


def window_km(lon: float, lat: float, km: float) -> tuple[float, float, float, float]:
    """A west, south, east, north window holding every point within `km` of the point (a window
    across the antimeridian has west > east; near a pole, every longitude)."""
    dlat = km / 110.5 + 1e-6  # a degree of latitude is never shorter than 110.57 km
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(south), abs(north))
    cos = np.cos(np.radians(widest)) if widest < 90 else 0.0
    if cos * 111.3 * 180 <= km:
        return -180.0, south, 180.0, north
    dlon = km / (111.3 * cos) + 1e-6  # 111.32 km per degree at the equator, on the ellipsoid
    west, east = lon - dlon, lon + dlon
    return (west + 360 if west < -180 else west), south, (east - 360 if east > 180 else east), north
