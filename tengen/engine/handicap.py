"""Handicap stone placement as the GTP specification lays it out (section 4.1.1)."""
from __future__ import annotations

from tengen.engine.coords import to_loc


def max_fixed_handicap(size: int) -> int:
    if size < 7:
        return 0
    return 9 if size % 2 == 1 and size >= 9 else 4


def fixed_handicap(size: int, n: int) -> list[int]:
    """The spec's points for ``n`` stones (D4 Q16 D16 Q4, sides, centre on 19x19);
    raises ValueError when ``n`` is not allowed on this size."""
    if not 2 <= n <= max_fixed_handicap(size):
        raise ValueError("invalid number of stones")
    d = 3 if size >= 13 else 2  # the 4-4 points on big boards, the 3-3 points on small
    lo, hi, mid = d, size - 1 - d, size // 2

    def pt(col, row_from_bottom):
        return to_loc(size - 1 - row_from_bottom, col, size)

    corners = [pt(lo, lo), pt(hi, hi), pt(lo, hi), pt(hi, lo)]  # D4 Q16 D16 Q4
    sides_lr = [pt(lo, mid), pt(hi, mid)]  # D10 Q10
    sides_tb = [pt(mid, lo), pt(mid, hi)]  # K4 K16
    centre = [pt(mid, mid)]
    if n <= 4:
        return corners[:n]
    if n == 5:
        return corners + centre
    if n == 6:
        return corners + sides_lr
    if n == 7:
        return corners + sides_lr + centre
    if n == 8:
        return corners + sides_lr + sides_tb
    return corners + sides_lr + sides_tb + centre


def free_handicap(size: int, n: int) -> list[int]:
    """Our choice for ``place_free_handicap``: the fixed points first, then a spread of
    points on the third and fourth lines and inward."""
    if not 2 <= n < size * size:
        raise ValueError("invalid number of stones")
    chosen = fixed_handicap(size, min(n, max_fixed_handicap(size))) if max_fixed_handicap(size) >= 2 else []
    chosen = chosen[:n]
    taken = set(chosen)
    # then points ordered by closeness to the 4th line, centre-most last, deterministic
    d = 3 if size >= 13 else 2
    rest = sorted(
        (to_loc(r, c, size) for r in range(size) for c in range(size)),
        key=lambda loc: (abs(min(loc // (size + 2) - 1, size - loc // (size + 2)) - d)
                         + abs(min(loc % (size + 2) - 1, size - loc % (size + 2)) - d), loc))
    for loc in rest:
        if len(chosen) >= n:
            break
        if loc not in taken:
            chosen.append(loc)
            taken.add(loc)
    return chosen
