"""``tengen eval-policy``: how well a network predicts the moves and winners of real games."""
from __future__ import annotations

from collections import Counter
import numpy as np
import torch

from tengen.engine.board import zobrist_table
from tengen.engine.game import IllegalMove
from tengen.engine.sgf import SgfError, iter_sgf_files, parse_sgf
from tengen.nets.data import game_positions
from tengen.nets.features import NUM_PLANES, batch_planes
from tengen.nets.checkpoint import load_checkpoint

from tengen.nets import SHIPPED_NET


def accuracy_counts(logits: torch.Tensor, value: torch.Tensor, moves: torch.Tensor,
                    outcome: torch.Tensor) -> tuple[int, int, float, int]:
    """(top-1 hits, top-5 hits, value squared error, positions with a known outcome)."""
    top = logits.float().topk(5, dim=1).indices
    known = outcome != 0
    return (int((top[:, 0] == moves).sum()), int((top == moves[:, None]).any(dim=1).sum()),
            float(((value.float() - outcome)[known] ** 2).sum()), int(known.sum()))


def archive_positions(archive: str, games: int | None = None, size: int = 19):
    """(rows of ``game_positions``, games used, skipped records by reason)."""
    rows, used, skipped = [], 0, Counter()
    for _, data in iter_sgf_files(archive):
        if games is not None and used >= games:
            break
        try:
            rec = parse_sgf(data)
            if rec.size != size:
                skipped["wrong size"] += 1
                continue
            rows.extend(game_positions(rec, size))
            used += 1
        except (SgfError, IllegalMove):
            skipped["unreadable"] += 1
    return rows, used, skipped


def rows_planes(rows, size: int = 19, zob=None) -> np.ndarray:
    """uint8 planes (N, 49, n, n) of ``game_positions`` rows."""
    packed = np.stack([r[0] for r in rows])
    planes = np.zeros((len(rows), NUM_PLANES, size, size), np.uint8)
    batch_planes(size, zobrist_table(size) if zob is None else zob, packed,
                 np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                 np.array([r[3] for r in rows]), planes)
    return planes


def evaluate_archive(net: str | None, archive: str, games: int | None = None,
                     batch: int = 256, device: str = "cpu") -> dict:
    """Top-1, top-5 and value MSE over all positions of the first ``games`` games."""
    model, _ = load_checkpoint(str(net or SHIPPED_NET))
    model = model.to(device)
    size = 19
    zob = zobrist_table(size)
    rows, used, skipped = archive_positions(archive, games, size)
    top1 = top5 = 0
    se, nv = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(rows), batch):
            chunk = rows[i:i + batch]
            planes = rows_planes(chunk, size, zob)
            logits, value = model(torch.from_numpy(planes).to(device).float())
            a, b, c, d = accuracy_counts(logits.cpu(), value.cpu(),
                                         torch.tensor([r[4] for r in chunk]),
                                         torch.tensor([float(r[5]) for r in chunk]))
            top1, top5, se, nv = top1 + a, top5 + b, se + c, nv + d
    n = max(len(rows), 1)
    return {"games": used, "positions": len(rows), "skipped": dict(skipped),
            "top1": round(top1 / n, 4), "top5": round(top5 / n, 4),
            "value_mse": round(se / max(nv, 1), 4), "net": str(net or SHIPPED_NET)}
