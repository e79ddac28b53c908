"""What several test modules share (not a test module: tests import this, never each
other)."""
import shutil
import sys

import numpy as np


def tengen_cmd() -> list[str]:
    """The ``tengen`` command as installed, or the module where it is not on PATH."""
    exe = shutil.which("tengen")
    return [exe] if exe else [sys.executable, "-m", "tengen.cli"]


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
