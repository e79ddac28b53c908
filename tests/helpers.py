"""What several test modules share (not a test module: tests import this, never each
other)."""
import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np


def tengen_cmd() -> list[str]:
    """The ``tengen`` command as installed, or the module where it is not on PATH."""
    exe = shutil.which("tengen")
    return [exe] if exe else [sys.executable, "-m", "tengen.cli"]


def load_script(relative: str):
    """A script of the repository (``tools/x.py``, ``benchmarks/...``) as a module, by its
    path from the repository's root; registered in ``sys.modules`` under its file's stem,
    since dataclasses look their module up."""
    path = Path(__file__).resolve().parents[1] / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def batch_contents(folder) -> dict:
    """Every value-data batch under ``folder``: its moves, U, kept positions and scores."""
    out = {}
    for path in sorted(folder.glob("batch-*/records.npz")):
        with np.load(path) as d:
            out[path.parent.name] = {k: d[k].tolist() for k in ("locs", "u", "keep", "score")}
    return out


# a white group with one eye, black all around it (judgment and rollout tests)
ONE_EYE = """
. X . X O . O . .
X X X X O O O O O
. X . X O . O . O
X X X X O O O O O
X X X X X O . O .
X O O O X O O O O
X O . O X O . O .
X O O O X O O O O
X . X X X O . O .
"""


# Black's three stones in white's area make every empty point there neutral, so the tree's
# count of a finished game (every stone alive) gives black the win; the pass rule, which
# removes dead stones or finds them in doubt, says play on (arena game-0024 of the
# distilled 1,600-simulation row: 1,600 visits on a pass that could not be played, and
# the move played instead chosen from the 0-7 visits left over, for 70 moves).
PASS_MIRAGE = """
. X . X . X . X .
X X X X X X X X X
O O O O O O O O O
. . . . . . . . .
. . X . . . X . .
. . . . . . . . .
. . . X . . . . .
. . . . . . . . .
. . . . . . . . .
"""


class TickingClock:
    """A ``time.monotonic`` that advances ``step`` seconds each time it is read, from
    ``start``; after ``limit`` seconds it fails the test (a search that ignores its
    deadline would otherwise run on)."""

    def __init__(self, start: float = 1000.0, step: float = 0.01, limit: float = 10.0):
        self.now, self.step, self.end = start, step, start + limit

    def __call__(self) -> float:
        self.now += self.step
        if self.now > self.end:
            raise AssertionError("the search ran far past its deadline")
        return self.now


def tiny_search_players(count: int = 2):
    """``count`` search players on one shared tiny random network (b1c8), each with its
    own rollouts: what the analysis engine and the review run on, fast."""
    import torch

    from tengen.engine.rollout.policy import RolloutPolicy
    from tengen.engine.search.mcts import SearchConfig
    from tengen.engine.search.search_player import SearchPlayer
    from tengen.nets.evaluator import SharedEvaluator
    from tengen.nets.model import build_model
    torch.manual_seed(0)
    net = SharedEvaluator(build_model("b1c8"))
    return [SearchPlayer(net, SearchConfig(lam=0.5, batch=8), RolloutPolicy(seed=k + 1))
            for k in range(count)]
