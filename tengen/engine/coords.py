"""Conversions between the coordinate forms used in tengen.

=========  ===========================  ==================================================
form       example (19x19)              notes
=========  ===========================  ==================================================
loc        ``(r + 1) * (n + 2) + c + 1`` padded 1-D index used by the board; 0 is PASS
(r, c)     ``(15, 3)``                  row 0 at the top (as SGF and printed boards)
GTP        ``"D4"``                     column letter A-Z without I, row 1 at the bottom;
                                        case-insensitive; ``"pass"``
SGF        ``"dd"``                     column then row, ``a`` = 0 from the top-left;
                                        pass is ``""`` (or ``"tt"`` on boards up to 19)
index      ``r * n + c``                the network's move index (policy output, training
                                        targets); pass is ``n * n``, last
=========  ===========================  ==================================================

The 8 symmetries of the square (``symmetry_maps``, ``apply_symmetry``) act on indices
and on feature planes alike: rotation by ``k % 4`` quarter turns, then a mirror for k >= 4.
"""
from __future__ import annotations

import numpy as np

from tengen.engine.board import PASS

GTP_COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # 25 letters: GTP's largest board


class CoordError(ValueError):
    """A vertex that does not name a point on this board."""


def to_loc(r: int, c: int, size: int) -> int:
    return (r + 1) * (size + 2) + c + 1


def from_loc(loc: int, size: int) -> tuple[int, int]:
    w = size + 2
    return loc // w - 1, loc % w - 1


def on_board(r: int, c: int, size: int) -> bool:
    return 0 <= r < size and 0 <= c < size


def gtp_to_loc(vertex: str, size: int) -> int:
    v = vertex.strip().upper()
    if v == "PASS":
        return PASS
    if len(v) < 2 or v[0] not in GTP_COLUMNS or not v[1:].isdigit():
        raise CoordError(f"invalid vertex {vertex!r}")
    c = GTP_COLUMNS.index(v[0])
    r = size - int(v[1:])
    if not on_board(r, c, size):
        raise CoordError(f"vertex {vertex!r} is off the {size}x{size} board")
    return to_loc(r, c, size)


def loc_to_gtp(loc: int, size: int) -> str:
    if loc == PASS:
        return "pass"
    r, c = from_loc(loc, size)
    return f"{GTP_COLUMNS[c]}{size - r}"


def sgf_to_loc(point: str, size: int) -> int:
    if point == "" or (point == "tt" and size <= 19):
        return PASS
    if len(point) != 2 or not point.isalpha() or not point.islower():
        raise CoordError(f"invalid SGF point {point!r}")
    c, r = ord(point[0]) - 97, ord(point[1]) - 97
    if not on_board(r, c, size):
        raise CoordError(f"SGF point {point!r} is off the {size}x{size} board")
    return to_loc(r, c, size)


def loc_to_sgf(loc: int, size: int) -> str:
    if loc == PASS:
        return ""
    r, c = from_loc(loc, size)
    return chr(97 + c) + chr(97 + r)


def all_locs(size: int) -> list[int]:
    return [to_loc(r, c, size) for r in range(size) for c in range(size)]


# ------------------------------------------------------------------ network move index


def loc_to_index(loc: int, size: int) -> int:
    """The network's index of a loc: ``r * n + c``, and ``n * n`` for PASS."""
    if loc == PASS:
        return size * size
    w = size + 2
    return (loc // w - 1) * size + loc % w - 1


def index_to_loc(index: int, size: int) -> int:
    if index == size * size:
        return PASS
    return to_loc(index // size, index % size, size)


def locs_to_indices(locs: np.ndarray, size: int) -> np.ndarray:
    """``loc_to_index`` over an array of locs."""
    w = size + 2
    return np.where(locs == PASS, size * size, (locs // w - 1) * size + locs % w - 1)


def symmetry_maps(size: int) -> np.ndarray:
    """(8, n*n + 1) index maps: new index of each point (and pass) under symmetry k."""
    grid = np.arange(size * size).reshape(size, size)
    maps = np.empty((8, size * size + 1), np.int64)
    for k in range(8):
        inv = np.empty(size * size, np.int64)
        inv[apply_symmetry(grid, k).ravel()] = np.arange(size * size)
        maps[k, :-1] = inv
        maps[k, -1] = size * size
    return maps


def apply_symmetry(planes: np.ndarray, k: int) -> np.ndarray:
    """Symmetry ``k`` of an array whose last two axes are the board."""
    t = np.rot90(planes, k % 4, axes=(-2, -1))
    return t[..., ::-1] if k >= 4 else t


def undo_symmetry(planes: np.ndarray, k: int) -> np.ndarray:
    """The inverse of ``apply_symmetry(planes, k)``."""
    t = planes[..., ::-1] if k >= 4 else planes
    return np.rot90(t, -(k % 4), axes=(-2, -1))
