"""How the engine's Numba kernels are compiled.

``kernel`` is ``njit(cache=True)`` without Numba's reference counting (NRT). With it,
every call increfs and decrefs each array argument, atomic operations that Numba's
refcount pruner leaves in wherever a function branches: a fifth of a random playout's
time went there (``benchmarks/speed/bench_board.py``, 1.25x without). A ``kernel`` cannot
create arrays: its scratch space is passed in. Functions that allocate stay ``njit``.

``inline_kernel`` is a kernel that Numba inlines into its callers at the IR level: a call
between kernels passes every array as seven scalars, a cost per rollout point that LLVM
does not remove on its own.
"""
from numba import njit

kernel = njit(cache=True, _nrt=False)
inline_kernel = njit(cache=True, _nrt=False, inline="always")

__all__ = ["kernel", "inline_kernel"]
