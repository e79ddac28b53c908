"""tengen: an AlphaGo-style Go engine."""
from tengen import jitcache

__version__ = "0.1.0"
jitcache.install()  # before any kernel is compiled: see jitcache.py
