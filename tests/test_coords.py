import pytest

from tengen.engine.board import PASS
from tengen.engine.coords import (CoordError, all_locs, gtp_to_loc, loc_to_gtp, loc_to_sgf,
                                  sgf_to_loc, to_loc)


@pytest.mark.parametrize("size", [2, 9, 13, 19, 25])
def test_round_trips(size):
    locs = all_locs(size)
    assert len(set(locs)) == size * size
    for loc in locs:
        assert gtp_to_loc(loc_to_gtp(loc, size), size) == loc
        assert gtp_to_loc(loc_to_gtp(loc, size).lower(), size) == loc
        assert sgf_to_loc(loc_to_sgf(loc, size), size) == loc


def test_known_points():
    assert gtp_to_loc("A1", 19) == to_loc(18, 0, 19)  # bottom-left
    assert gtp_to_loc("T19", 19) == to_loc(0, 18, 19)  # top-right, no I
    assert gtp_to_loc("J1", 9) == to_loc(8, 8, 9)
    assert loc_to_gtp(to_loc(0, 8, 9), 9) == "J9"
    assert sgf_to_loc("aa", 19) == to_loc(0, 0, 19)
    assert sgf_to_loc("dp", 19) == gtp_to_loc("D4", 19)
    assert gtp_to_loc("pass", 19) == gtp_to_loc("PASS", 19) == PASS
    assert sgf_to_loc("", 19) == sgf_to_loc("tt", 19) == PASS
    assert sgf_to_loc("tt", 21) == to_loc(19, 19, 21)  # tt is a point above 19x19


@pytest.mark.parametrize("bad", ["I5", "Z99", "K10", "A0", "", "5", "AA", "A-1", "B2x"])
def test_bad_gtp_vertices(bad):
    with pytest.raises(CoordError):
        gtp_to_loc(bad, 9)


def test_network_index_round_trip_and_symmetries():
    import numpy as np
    from tengen.engine.coords import (apply_symmetry, index_to_loc, loc_to_index,
                                      locs_to_indices, symmetry_maps, undo_symmetry)
    for size in (2, 9, 19):
        locs = all_locs(size) + [PASS]
        idx = [loc_to_index(loc, size) for loc in locs]
        assert idx == list(range(size * size + 1))  # row-major, pass last
        assert [index_to_loc(i, size) for i in idx] == locs
        assert locs_to_indices(np.array(locs), size).tolist() == idx
        grid = np.arange(size * size).reshape(size, size)
        for k, m in enumerate(symmetry_maps(size)):
            # the point at index i lands where the transformed grid shows i
            moved = apply_symmetry(grid, k).ravel()
            assert all(moved[m[i]] == i for i in range(size * size))
            assert m[-1] == size * size
            assert np.array_equal(undo_symmetry(apply_symmetry(grid, k), k), grid)
