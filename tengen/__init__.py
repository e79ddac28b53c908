"""tengen: an AlphaGo-style Go engine."""
from tengen import numba_cache

__version__ = "0.1.0"
numba_cache.install()  # before any kernel is compiled: see numba_cache.py
