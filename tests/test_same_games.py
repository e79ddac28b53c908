"""The same games at the same seeds: ``tengen gtp`` at fixed visits on the torch backend,
one network pass at a time, plays these moves move for move (golden records made with
``TENGEN_REGOLD=1``). A layout change must not change them; a search change that means
to changes them on purpose, and says so in its commit."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "games.json"
GAMES = {"9x9": (9, 40), "19x19": (19, 30)}


def play(size: int, moves: int) -> list[str]:
    cmds = [f"boardsize {size}", "clear_board", "komi 7.5"]
    cmds += [f"genmove {'bw'[i % 2]}" for i in range(moves)] + ["quit"]
    r = subprocess.run([sys.executable, "-m", "tengen", "gtp", "--size", str(size),
                        "--visits", "32", "--move-time", "1000", "--backend", "torch",
                        "--passes", "1", "--threads",
                        "1", "--seed", "7"], input="\n".join(cmds) + "\n", text=True,
                       capture_output=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return [line[2:].strip() for line in r.stdout.split("\n")
            if line.startswith("= ") and line[2:].strip()]


@pytest.mark.parametrize("name", list(GAMES))
def test_the_same_moves_at_the_same_seeds(name):
    moves = play(*GAMES[name])
    if os.environ.get("TENGEN_REGOLD"):
        golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        golden[name] = moves
        GOLDEN.write_text(json.dumps(golden, indent=1) + "\n")
    assert moves == json.loads(GOLDEN.read_text())[name]
