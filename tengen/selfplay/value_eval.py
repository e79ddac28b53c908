"""``tengen eval-value``: how well a network knows who is winning, as MSE between its
value and the final outcome (+1/-1 for the side to move), by game phase.

Self-play positions: the held-out batches of value-data folders (``--all`` for every
batch). KGS positions: every position of the first games of an archive (the validation
archive ``KGS-2017_05``), with the recorded winner. Always answering 0 gives 1.0.

Scale: ``mse`` is the mean of (z - v)^2 with z in {-1, +1}, so a coin gives 1.0. AlphaGo's
paper (Nature 2016: 0.226 / 0.234 on self-play, 0.37 on KGS, Figure 2b) plots 0.50 at move
0, where nothing is known, so its figures are half of these; ``half_mse`` is on that scale.
(AlphaGo Zero's figures, like Leela Zero's logs, are a quarter of ``mse``.)
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from tengen.engine.board import zobrist_table
from tengen.engine.game import IllegalMove
from tengen.engine.sgf import SgfError, iter_sgf_files, parse_sgf
from tengen.nets.data import game_positions
from tengen.nets.accuracy import rows_planes as planes_of
from tengen.selfplay.records import value_examples
from tengen.selfplay.value_train import batch_files, concat, predict_values

class MixedValue(torch.nn.Module):
    """Two networks as the search with ``--value-net V --value-mix w`` reads them: the
    first one's policy, ``w`` of the second one's value plus ``1 - w`` of the first one's."""

    def __init__(self, priors: torch.nn.Module, value: torch.nn.Module, mix: float):
        super().__init__()
        self.priors, self.value, self.mix = priors, value, mix

    def forward(self, x):
        logits, own = self.priors(x)[:2]
        return logits, self.mix * self.value(x)[1] + (1.0 - self.mix) * own


PHASES = (("moves_1_50", 1, 50), ("moves_51_150", 51, 150), ("moves_151_plus", 151, 10**9))
MOVE_BIN, LAST_BIN = 20, 300  # by_move: 20-move bins to move 300, then one bin for the rest


def mse_by_phase(values: np.ndarray, z: np.ndarray, move_number: np.ndarray) -> dict:
    """Overall and per-phase MSE (``move_number``: 1 for the first move's position)."""
    err = (values - z) ** 2
    out = {"positions": int(len(z)), "mse": round(float(err.mean()), 4) if len(z) else None,
           "half_mse": round(float(err.mean()) / 2, 4) if len(z) else None}
    for name, lo, hi in PHASES:
        sel = (move_number >= lo) & (move_number <= hi)
        out[name] = {"positions": int(sel.sum()),
                     "mse": round(float(err[sel].mean()), 4) if sel.any() else None}
    return out


def mse_by_move(values: np.ndarray, z: np.ndarray, move_number: np.ndarray) -> list:
    """[first move, last move (None: to the end), positions, MSE] per bin of move numbers
    (AlphaGo's Figure 2b); empty bins are left out."""
    err = (values - z) ** 2
    edges = list(range(1, LAST_BIN + 1, MOVE_BIN)) + [LAST_BIN + 1]
    out = []
    for lo, hi in zip(edges, edges[1:] + [10**9]):
        sel = (move_number >= lo) & (move_number < hi)
        if sel.any():
            last = hi - 1 if hi < 10**9 else None
            out.append([lo, last, int(sel.sum()), round(float(err[sel].mean()), 4)])
    return out


def eval_selfplay(model, data: str, val_every: int = 20, held_out_only: bool = True,
                  device: str = "cpu") -> dict:
    parts = []
    for path in batch_files(data):
        number = int(path.parent.name.split("-")[1])
        if not held_out_only or number % val_every == val_every - 1:
            parts.append(value_examples(str(path)))
    if not parts:
        return {"positions": 0, "mse": None}
    ex = concat(parts)
    values = _values(model.to(device).eval(), lambda i, j: ex.unpack(np.arange(i, j)),
                     len(ex), device)
    u = ex.after_u  # AlphaGo's test positions: s_{U+1} alone, one a game
    return {**mse_by_phase(values, ex.z, ex.played + 1),
            "after_u": mse_by_phase(values[u], ex.z[u], ex.played[u] + 1),
            "by_move": mse_by_move(values, ex.z, ex.played + 1)}


def _values(model, planes, n: int, device) -> np.ndarray:
    """``predict_values``, which runs the value head alone, of each network of a mix."""
    if isinstance(model, MixedValue):
        return (model.mix * _values(model.value, planes, n, device)
                + (1.0 - model.mix) * _values(model.priors, planes, n, device))
    return predict_values(model, planes, n, device)


def rows_planes(rows: list, size: int = 19):
    """``planes(i, j)``: the input planes of rows i..j-1 of ``game_positions`` tuples,
    built a batch at a time."""
    zob = zobrist_table(size)
    return lambda i, j: planes_of(rows[i:j], size, zob)


def kgs_rows(archive: str, games: int | None = 200, size: int = 19):
    """(rows of positions with a known winner, their move numbers from 1, games used,
    skipped records by reason), from the first ``games`` games of an archive (None: all)."""
    rows, number, used, skipped = [], [], 0, Counter()
    for _, data in iter_sgf_files(archive):
        if games is not None and used >= games:
            break
        try:
            rec = parse_sgf(data)
            if rec.size != size:
                continue
            game = list(game_positions(rec, size))
        except (SgfError, IllegalMove):
            skipped["unreadable"] += 1
            continue
        used += 1
        for i, r in enumerate(game):
            if r[5] != 0:
                rows.append(r)
                number.append(i + 1)
    return rows, np.array(number, np.int64), used, skipped


def eval_kgs_many(models: dict, archive: str, games: int | None = 200, size: int = 19,
                  device: str = "cpu", workers: int = 1, batch: int = 512) -> dict:
    """Each model's MSE by phase on the same KGS positions; every batch's planes are built
    once for all models, in ``workers`` threads (the feature kernel releases the GIL)."""
    rows, number, used, skipped = kgs_rows(archive, games, size)
    z = np.array([float(r[5]) for r in rows], np.float32)
    planes_of_rows = rows_planes(rows, size)
    chunks = [(i, min(i + batch, len(rows))) for i in range(0, len(rows), batch)]
    values = {name: [] for name in models}
    nets = {name: m.to(device).eval() for name, m in models.items()}
    with ThreadPoolExecutor(max(1, workers)) as pool, torch.no_grad():
        window = 4 * max(1, workers)  # planes in flight, so memory stays a few batches
        for w in range(0, len(chunks), window):
            for planes in pool.map(lambda c: planes_of_rows(*c), chunks[w:w + window]):
                x = torch.from_numpy(planes).to(device, torch.float32)
                for name, net in nets.items():
                    values[name].append(net(x)[1].float().cpu().numpy())
    out = {}
    for name in models:
        v = np.concatenate(values[name]) if rows else np.zeros(0, np.float32)
        out[name] = {"games": used, "skipped": dict(skipped), **mse_by_phase(v, z, number),
                     "by_move": mse_by_move(v, z, number)}
    return out


def eval_kgs(model, archive: str, games: int | None = 200, size: int = 19, device: str = "cpu",
             workers: int = 1) -> dict:
    """Positions of finished KGS games with a known winner."""
    return eval_kgs_many({"net": model}, archive, games, size, device, workers)["net"]


__all__ = ["MixedValue", "eval_selfplay", "eval_kgs", "eval_kgs_many", "kgs_rows", "rows_planes",
           "mse_by_phase", "mse_by_move", "PHASES"]
