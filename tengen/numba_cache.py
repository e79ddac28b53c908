"""Where Numba keeps tengen's compiled kernels: one folder per version of their sources.

Numba's cache checks only the source file of the function it compiled, not the files that
function calls into. A board kernel inlined into ``playout.py``'s cached playout stays
compiled from the old ``board.py`` after ``board.py`` changes (seen: ``bench_board.py``
measured the old board after an edit, until the cache was deleted). An upgrade that
changes one kernel file would run stale machine code the same way. So the cache folder
is named by a digest of every tengen source file that defines kernels: a change to any
of them compiles everything afresh, once.

``NUMBA_CACHE_DIR``, when set, is the base; otherwise ``$XDG_CACHE_HOME/tengen/numba``
(``~/.cache/tengen/numba``). Folders unused for ``KEEP_DAYS`` are removed.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
KEEP_DAYS = 14
_USES_NUMBA = re.compile(rb"numba|njit|jit import")
_PREFIX = "tengen-"


def kernel_sources(root: Path = PACKAGE) -> list[Path]:
    """The package's source files that define or import Numba kernels."""
    return [p for p in sorted(root.rglob("*.py")) if _USES_NUMBA.search(p.read_bytes())]


def source_digest(root: Path = PACKAGE) -> str:
    h = hashlib.sha256()
    for p in kernel_sources(root):
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_dir(root: Path = PACKAGE, env: dict | None = None) -> Path:
    """The folder for this version of the kernel sources (not created)."""
    env = os.environ if env is None else env
    name = _PREFIX + source_digest(root)
    base = env.get("NUMBA_CACHE_DIR")
    if base:
        base = Path(base)
        if base.name == name:  # a parent tengen process already chose it
            return base
    else:
        xdg = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = Path(xdg) / "tengen" / "numba"
    return base / name


def _prune(folder: Path) -> None:
    """Remove sibling version folders unused for KEEP_DAYS (best effort)."""
    cutoff = time.time() - KEEP_DAYS * 86400
    try:
        for p in folder.parent.glob(_PREFIX + "*"):
            if p != folder and p.is_dir() and p.stat().st_mtime < cutoff:
                shutil.rmtree(p, ignore_errors=True)
    except OSError:
        pass


def install() -> Path:
    """Point Numba's cache at this version's folder, before any kernel is compiled. Runs
    on ``import tengen``; sets the environment so that child processes agree."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # marks it used, for pruning
    except OSError:
        return folder  # unwritable: Numba falls back to its own locations
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # imported before tengen: its config is already read
        sys.modules["numba"].config.CACHE_DIR = str(folder)
    _prune(folder)
    return folder
