"""``tengen train-rollout``: fit the rollout softmax to KGS moves, and measure it.

Games are replayed in Numba; at every position all candidates' features are computed from
scratch (the same ``point_features`` the rollouts use incrementally), and the weights take
one AdaGrad step on the log-likelihood of the move played. Sparse pattern weights each see
few positions, which is what AdaGrad's per-weight step sizes are for.

Accuracy counts every non-pass move of the archive: a move the rollouts would never play
(an own eye, say) counts as a miss.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tengen.engine.numba_kernel import kernel

from tengen.engine.board import (BLACK, M_KO, M_KO_PLA, M_NEMPTY, EMPTIES, PASS, Board, is_legal,
                    new_record, play)
from tengen.engine.rollout.policy import save_weights
from tengen.engine.rollout.features import (MAXF, NDIAMOND, NWEIGHTS, diamond, diamond_code, near_index,
                               point_features, response_index)
from tengen.engine.sgf import SgfError, iter_sgf_files, parse_sgf

# stats slots
S_POS, S_HIT, S_LOGLIK, S_MISSING = range(4)


@kernel
def candidates(B, meta, w, pla, prev, feats, nfeat, cands, logits, pts):
    """Every point a rollout could play for ``pla`` now, with its features and logit.
    Returns how many."""
    k = 0
    ne = meta[M_NEMPTY]
    for i in range(ne):
        q = B[EMPTIES, i]
        if q == meta[M_KO] and pla == meta[M_KO_PLA]:
            continue
        n = point_features(B, meta, q, pla, feats[k])
        if n < 0:
            continue
        cands[k] = q
        nfeat[k] = n
        k += 1
    if prev != PASS:
        diamond(meta, prev, pts)
        code = diamond_code(B, prev, pla, pts)
        for j in range(NDIAMOND):
            q = pts[j]
            if q < 0:
                continue
            for i in range(k):
                if cands[i] == q:
                    feats[i, nfeat[i]] = response_index(code, j)
                    feats[i, nfeat[i] + 1] = near_index(j)
                    nfeat[i] += 2
                    break
    for i in range(k):
        s = np.float32(0.0)
        for j in range(nfeat[i]):
            s += w[feats[i, j]]
        logits[i] = s
    return k


@kernel
def replay_game(B, meta, zob, rec, locs, plas, w, acc, lr, stats, feats, nfeat, cands,
                logits, pts):
    """Replay one game from the position in ``B``; learn when ``lr > 0``. Stops at the
    first move the board rejects (the caller counts the game as done)."""
    prev = PASS
    for t in range(locs.shape[0]):
        loc = locs[t]
        pla = plas[t]
        if loc != PASS:
            k = candidates(B, meta, w, pla, prev, feats, nfeat, cands, logits, pts)
            target = -1
            for i in range(k):
                if cands[i] == loc:
                    target = i
                    break
            stats[S_POS] += 1
            if target < 0:
                stats[S_MISSING] += 1
            elif k > 0:
                mx = logits[0]
                best = 0
                for i in range(1, k):
                    if logits[i] > mx:
                        mx = logits[i]
                        best = i
                z = 0.0
                for i in range(k):
                    z += np.exp(np.float64(logits[i] - mx))
                if best == target:
                    stats[S_HIT] += 1
                stats[S_LOGLIK] += np.float64(logits[target] - mx) - np.log(z)
                if lr > 0.0:
                    for i in range(k):
                        p = np.exp(np.float64(logits[i] - mx)) / z
                        g = p - (1.0 if i == target else 0.0)
                        if abs(g) < 1e-5:
                            continue
                        for j in range(nfeat[i]):
                            f = feats[i, j]
                            acc[f] += g * g
                            w[f] -= lr * g / np.sqrt(acc[f] + 1e-8)
            if not is_legal(B, meta, loc, pla):
                return
        play(B, meta, zob, loc, pla, rec)
        prev = loc


class Replayer:
    """Scratch buffers and the replay of one SGF record at a time."""

    def __init__(self, size: int = 19):
        L = (size + 2) ** 2
        self.size = size
        self.feats = np.zeros((L, MAXF), np.int64)
        self.nfeat = np.zeros(L, np.int64)
        self.cands = np.zeros(L, np.int64)
        self.logits = np.zeros(L, np.float32)
        self.pts = np.zeros(NDIAMOND, np.int64)
        self.rec = new_record(size)

    def game(self, data: bytes, w, acc, lr: float, stats) -> bool:
        try:
            record = parse_sgf(data)
        except SgfError:
            return False
        if record.size != self.size or len(record.moves) < 2:
            return False
        b = Board(self.size)
        try:
            for loc in record.setup_black:
                b.place_stone(loc, BLACK)
            for loc in record.setup_white:
                b.place_stone(loc, 3 - BLACK)
        except ValueError:
            return False
        locs = np.array([m.loc for m in record.moves], np.int64)
        plas = np.array([m.pla for m in record.moves], np.int64)
        replay_game(b.B, b.meta, b.zob, self.rec, locs, plas, w, acc, lr, stats, self.feats,
                    self.nfeat, self.cands, self.logits, self.pts)
        return True


def _summary(stats) -> dict:
    n = max(stats[S_POS], 1)
    return {"positions": int(stats[S_POS]), "accuracy": round(float(stats[S_HIT] / n), 4),
            "mean_loglik": round(float(stats[S_LOGLIK] / n), 4),
            "never_played": int(stats[S_MISSING])}


def evaluate(w: np.ndarray, archive: str, games: int | None = None) -> dict:
    """Top-1 accuracy of the rollout policy's most likely move on an archive."""
    rp = Replayer()
    stats = np.zeros(4, np.float64)
    used = 0
    for _, data in iter_sgf_files(archive):
        if games is not None and used >= games:
            break
        used += rp.game(data, w, np.zeros(1), 0.0, stats)
    return {"games": used, **_summary(stats)}


@dataclass
class RolloutTrainConfig:
    archives: list[str]
    out: str  # weights file written (atomically) at every checkpoint
    val_archive: str | None = None
    val_games: int = 200
    epochs: int = 1
    lr: float = 0.05
    max_games: int | None = None  # per epoch
    checkpoint_games: int = 2000


def train(cfg: RolloutTrainConfig, progress: bool = True) -> dict:
    """AdaGrad over the archives' games; resumes from ``<out>.state.npz``."""
    from tqdm import tqdm

    state_path = Path(cfg.out + ".state.npz")
    w = np.zeros(NWEIGHTS, np.float32)
    acc = np.zeros(NWEIGHTS, np.float64)
    epoch, done = 0, 0
    if state_path.exists():
        with np.load(state_path) as z:
            w, acc = z["w"].copy(), z["acc"].copy()
            epoch, done = int(z["epoch"]), int(z["done"])
    rp = Replayer()
    log = []

    def checkpoint(stats):
        tmp = state_path.with_name(state_path.name + f".tmp{os.getpid()}.npz")
        np.savez(tmp, w=w, acc=acc, epoch=epoch, done=done)
        os.replace(tmp, state_path)
        save_weights(cfg.out, w, {"config": asdict(cfg), "epoch": epoch, "games": done,
                                  "train": _summary(stats)})

    while epoch < cfg.epochs:
        stats = np.zeros(4, np.float64)
        bar = tqdm(total=cfg.max_games, initial=done, disable=not progress,
                   desc=f"rollout epoch {epoch + 1}")
        seen = 0
        for archive in cfg.archives:
            for _, data in iter_sgf_files(archive):
                if cfg.max_games is not None and seen >= cfg.max_games:
                    break
                seen += 1
                if seen <= done:
                    continue
                rp.game(data, w, acc, cfg.lr, stats)
                done += 1
                bar.update(1)
                if done % cfg.checkpoint_games == 0:
                    bar.set_postfix(_summary(stats))
                    checkpoint(stats)
            else:
                continue
            break
        bar.close()
        entry = {"epoch": epoch + 1, "games": done, "train": _summary(stats)}
        if cfg.val_archive:
            entry["val"] = evaluate(w, cfg.val_archive, cfg.val_games)
        log.append(entry)
        print(json.dumps(entry), flush=True)
        epoch += 1
        done = 0
        checkpoint(stats)
    return {"epochs": log}
