"""How the engine's Numba kernels are compiled.

``kernel`` is ``njit(cache=True)`` without Numba's reference counting (NRT). With it,
every call increfs and decrefs each array argument, atomic operations that Numba's
refcount pruner leaves in wherever a function branches: a fifth of a random playout's
time went there (``benchmarks/bench_board.py``, 1.25x without). A ``kernel`` cannot
create arrays: its scratch space is passed in. Functions that allocate stay ``njit``.
"""
from numba import njit

kernel = njit(cache=True, _nrt=False)

__all__ = ["kernel"]
