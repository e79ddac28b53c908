"""``tengen eval-value``: how well a network knows who is winning, as MSE between its
value and the final outcome (+1/-1 for the side to move), by game phase.

Self-play positions: the held-out batches of value-data folders (``--all`` for every
batch). KGS positions: every position of the first games of an archive (the validation
archive ``KGS-2017_05``), with the recorded winner. Always answering 0 gives 1.0.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from tengen.engine.board import zobrist_table
from tengen.engine.game import IllegalMove
from tengen.engine.sgf import SgfError, iter_sgf_files, parse_sgf
from tengen.nets.data import game_positions
from tengen.nets.features import NUM_PLANES, batch_planes
from tengen.selfplay.records import value_examples
from tengen.selfplay.value_train import batch_files, concat, predict_values

PHASES = (("moves_1_50", 1, 50), ("moves_51_150", 51, 150), ("moves_151_plus", 151, 10**9))


def mse_by_phase(values: np.ndarray, z: np.ndarray, move_number: np.ndarray) -> dict:
    """Overall and per-phase MSE (``move_number``: 1 for the first move's position)."""
    err = (values - z) ** 2
    out = {"positions": int(len(z)), "mse": round(float(err.mean()), 4) if len(z) else None}
    for name, lo, hi in PHASES:
        sel = (move_number >= lo) & (move_number <= hi)
        out[name] = {"positions": int(sel.sum()),
                     "mse": round(float(err[sel].mean()), 4) if sel.any() else None}
    return out


def eval_selfplay(model, data: str, val_every: int = 20, held_out_only: bool = True) -> dict:
    parts = []
    for path in batch_files(data):
        number = int(path.parent.name.split("-")[1])
        if not held_out_only or number % val_every == val_every - 1:
            parts.append(value_examples(str(path)))
    if not parts:
        return {"positions": 0, "mse": None}
    ex = concat(parts)
    values = predict_values(model, lambda i, j: ex.unpack(np.arange(i, j)), len(ex))
    u = ex.after_u  # AlphaGo's test positions: s_{U+1} alone, one a game
    return {**mse_by_phase(values, ex.z, ex.played + 1),
            "after_u": mse_by_phase(values[u], ex.z[u], ex.played[u] + 1)}


def rows_planes(rows: list, size: int = 19):
    """``planes(i, j)``: the input planes of rows i..j-1 of ``game_positions`` tuples,
    built a batch at a time."""
    zob = zobrist_table(size)

    def planes(i, j):
        chunk = rows[i:j]
        out = np.zeros((len(chunk), NUM_PLANES, size, size), np.uint8)
        batch_planes(size, zob, np.stack([r[0] for r in chunk]), np.array([r[1] for r in chunk]),
                     np.array([r[2] for r in chunk]), np.array([r[3] for r in chunk]), out)
        return out
    return planes


def eval_kgs(model, archive: str, games: int = 200, size: int = 19) -> dict:
    """Positions of finished KGS games with a known winner."""
    rows, number, used, skipped = [], [], 0, Counter()
    for _, data in iter_sgf_files(archive):
        if used >= games:
            break
        try:
            rec = parse_sgf(data)
            if rec.size != size:
                continue
            game = [r for r in game_positions(rec, size)]
        except (SgfError, IllegalMove):
            skipped["unreadable"] += 1
            continue
        used += 1
        for i, r in enumerate(game):
            if r[5] != 0:
                rows.append(r)
                number.append(i + 1)

    values = predict_values(model, rows_planes(rows, size), len(rows))
    z = np.array([float(r[5]) for r in rows], np.float32)
    return {"games": used, "skipped": dict(skipped),
            **mse_by_phase(values, z, np.array(number, np.int64))}


__all__ = ["eval_selfplay", "eval_kgs", "rows_planes", "mse_by_phase", "PHASES"]
