"""The network's own move while a fresh install's search is still compiling.

The first start after an install compiles the search's Numba kernels: about 29 s of CPU
(``benchmarks/startup/bench_first_start.py``), longer than a move's time. So a first start also
runs this stand-in: a second process with Numba's JIT off (the board and the features in
plain Python take milliseconds a position) that loads the network with torch and names
the network's best sensible move for any position sent to it. A genmove that arrives
before the search is ready waits for it until the move's time is up, then plays the
stand-in's move (and says so on stderr). Every later start finds the kernels cached and
starts no stand-in.

Protocol (one JSON object a line each way): ``{"id", "size", "komi", "black", "white",
"moves": [[loc, pla], ...], "to_play"}`` in, ``{"id", "loc"}`` out, after a first
``{"ready": true}``.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.game import GameState


def position(state: GameState, pla: int | None = None) -> dict:
    """What the stand-in needs to rebuild ``state``: the stones before the first move, the
    moves (their order makes the history planes), and the side to move (``pla``, which
    a GTP genmove names: after handicap stones, or out of turn)."""
    start = state.copy()
    while start.moves:
        start.undo()
    colors = start.colors().reshape(-1)
    return {"size": state.size, "komi": state.komi,
            "black": [int(i) for i in (colors == BLACK).nonzero()[0]],
            "white": [int(i) for i in (colors == WHITE).nonzero()[0]],
            "moves": [[int(m.loc), int(m.pla)] for m in state.moves],
            "to_play": int(state.to_play if pla is None else pla)}


def rebuild(pos: dict) -> GameState:
    from tengen.engine.coords import index_to_loc
    g = GameState(pos["size"], pos["komi"])
    for pla, key in ((BLACK, "black"), (WHITE, "white")):
        if pos[key]:
            g.place_setup(pla, [index_to_loc(i, g.size) for i in pos[key]])
    for loc, pla in pos["moves"]:
        g.play(loc, pla)
    g.to_play = pos["to_play"]
    return g


class StandIn:
    """The client: starts the process at once (its torch import overlaps the compile)."""

    def __init__(self, net: str):
        env = dict(os.environ, NUMBA_DISABLE_JIT="1", OMP_NUM_THREADS="1")
        self._answers: queue.Queue = queue.Queue()
        self._asked = 0
        self._lock = threading.Lock()  # GTP's thread asks; the loading thread closes
        self._closed = False
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tengen.players.stand_in", str(net)], env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, bufsize=1)
        except OSError:
            self._proc = None
            return
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self._proc.stdout:
            try:
                self._answers.put(json.loads(line))
            except ValueError:
                pass
        self._answers.put(None)  # it ended

    def ask(self, state: GameState, pla: int) -> None:
        """Send a position and the side to move; ``answer`` collects the move."""
        line = json.dumps({"id": self._asked + 1, **position(state, pla)}) + "\n"
        with self._lock:
            if not self.alive:
                return
            self._asked += 1
            try:
                self._proc.stdin.write(line)
                self._proc.stdin.flush()
            except (OSError, ValueError):
                self._closed = True

    def answer(self, timeout: float) -> int | None:
        """The move for the last position asked, or None (no answer within ``timeout``,
        or the process failed)."""
        if not self.alive:
            return None
        try:
            while True:
                got = self._answers.get(timeout=max(0.0, timeout))
                if got is None:  # the process ended
                    self._closed = True
                    return None
                if got.get("id") == self._asked:  # not an answer to an earlier question
                    return int(got["loc"])
        except queue.Empty:
            return None

    @property
    def alive(self) -> bool:
        return self._proc is not None and not self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
        if self._proc is not None:
            self._proc.wait()
            for f in (self._proc.stdin, self._proc.stdout):
                try:
                    f.close()
                except (OSError, ValueError):
                    pass


def main(net: str) -> None:
    import numpy as np
    import torch

    from tengen.engine.coords import locs_to_indices
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.nets.features import state_planes
    torch.set_num_threads(1)
    model = load_checkpoint(net)[0].eval()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        pos = json.loads(line)
        g = rebuild(pos)
        sensible = g.sensible_moves(g.to_play)  # the network reads the mover's view
        loc = PASS
        if sensible:
            with torch.no_grad():
                logits, _ = model(torch.from_numpy(state_planes(g)[None]).float())
            scores = logits[0].numpy()[locs_to_indices(np.asarray(sensible, np.int64), g.size)]
            loc = int(sensible[int(np.argmax(scores))])
        print(json.dumps({"id": pos["id"], "loc": loc}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
