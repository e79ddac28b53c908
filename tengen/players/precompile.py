"""Compile the search's Numba kernels in other processes on a first start.

On a fresh install Numba compiles each kernel once (about 29 s of CPU on this 2-core
machine: ``benchmarks/startup/bench_first_start.py``). Compiled inside the GTP process, LLVM holds
the interpreter lock for seconds at a time and the process cannot answer even a
stand-in's move. So a first start compiles them in two processes (the board, feature and
tree kernels in one, the rollouts, the largest part, in the other), which write Numba's
on-disk cache; this process then loads them from it. When a start has finished its
warm-up it leaves a marker in the cache folder, and every later start skips the
processes (they would only load what this process loads in milliseconds)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path


def _marker() -> Path | None:
    """A file in this version's kernel cache that says the kernels of this installation
    (Numba keys its cache by the source folder too) were all compiled there, by this
    Numba, llvmlite and Python (an upgrade of any makes Numba compile afresh)."""
    from importlib import metadata
    folder = os.environ.get("NUMBA_CACHE_DIR")  # tengen.numba_cache sets it on import
    if not folder:
        return None
    versions = []
    for package in ("numba", "llvmlite"):
        try:
            versions.append(metadata.version(package))
        except metadata.PackageNotFoundError:
            versions.append("-")
    what = [str(Path(__file__).resolve().parent), sys.version, *versions]
    here = hashlib.sha256("\0".join(what).encode()).hexdigest()[:16]
    return Path(folder) / f"kernels-{here}.ready"


class KernelPrecompile:
    def __init__(self):
        self._procs = []
        if self.cached():
            return
        for part in ("search", "rollouts"):
            try:
                self._procs.append(subprocess.Popen(
                    [sys.executable, "-m", "tengen.players.precompile", part],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            except OSError:
                pass  # then this process compiles them itself

    @property
    def compiling(self) -> bool:
        return bool(self._procs)

    def wait(self) -> None:
        """Block until the other processes are done (their success is not needed: a
        kernel they left out compiles here)."""
        for p in self._procs:
            p.wait()

    @staticmethod
    def cached() -> bool:
        """Whether a start of this installation has finished its warm-up since the
        kernels last changed (then they are all in the cache)."""
        marker = _marker()
        return marker is not None and marker.exists()

    @staticmethod
    def done() -> None:
        """Say that this process has loaded every kernel a move needs."""
        marker = _marker()
        if marker is not None:
            try:
                marker.touch()
            except OSError:
                pass


def _lower_priority() -> None:
    """The compiling processes yield the cores to the GTP process and its stand-in (set
    by the child itself: ``preexec_fn`` is unsafe in a process with threads)."""
    try:
        os.nice(10)
    except OSError:
        pass


def warm_board() -> None:
    """Compile (or load) the board kernels the GTP process itself runs on every command,
    first of all: on a first start the rest compiles elsewhere."""
    from tengen.engine.board import PASS
    from tengen.engine.game import GameState
    g = GameState(9)
    for loc in g.sensible_moves()[:3]:
        g.is_legal(loc)
        g.play(loc)
    g.play(PASS)
    g.undo()
    g.copy().colors()
    g.area_score()


class _Uniform:
    """The network's place in a search that only compiles kernels."""

    def evaluate(self, states):
        import numpy as np
        n = states[0].size
        return (np.full((len(states), n * n + 1), 1.0 / (n * n + 1), np.float32),
                np.zeros(len(states), np.float32))


def _compile(part: str) -> None:
    _lower_priority()
    from tengen.engine.game import GameState
    g = GameState(9)
    if part == "search":
        warm_board()
    if part == "rollouts":
        from tengen.engine.rollout.policy import RolloutPolicy
        RolloutPolicy().run(g, 1)
        return
    from tengen.engine.search.mcts import MCTS, SearchConfig
    from tengen.engine.search.state import SimState
    from tengen.nets.features import state_planes
    s = SimState.from_game(g)
    state_planes(s)
    s.moves()
    mcts = MCTS(_Uniform(), SearchConfig(lam=0.0, batch=8))
    mcts.set_root(SimState.from_game(g))
    mcts.search(visits=16)


if __name__ == "__main__":
    _compile(sys.argv[1])
