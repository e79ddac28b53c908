"""Compile (or load) the rollout kernels in a second process while this one compiles the
board and feature kernels: on a fresh install Numba compiles each kernel once, and the
rollouts are the largest part (``benchmarks/bench_first_start.py``). Both processes
write Numba's on-disk cache; this one then loads the rollout kernels from it."""
from __future__ import annotations

import subprocess
import sys

_CODE = ("from tengen.engine.game import GameState\n"
         "from tengen.engine.rollout.policy import RolloutPolicy\n"
         "RolloutPolicy().run(GameState(9), 1)\n")


class RolloutPrecompile:
    def __init__(self):
        try:
            self._proc = subprocess.Popen([sys.executable, "-c", _CODE],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self._proc = None  # then this process compiles them itself

    def wait(self) -> None:
        """Block until the other process is done (its success is not needed)."""
        if self._proc is not None:
            self._proc.wait()


__all__ = ["RolloutPrecompile"]
