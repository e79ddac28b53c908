"""``tengen train-zero``: the network trained on the search's own games (AlphaGo Zero's
step): the policy by cross-entropy against the root's visit shares of the full searches,
the value by squared error against the game's outcome, ``l = -pi.log p + w (z - v)^2``.

One network, priors and values both (unlike the value route, where a separate value net
joins the shipped priors). ``kgs_mix`` draws that share of every batch from KGS shards
(the move played as a one-point target, the known outcome): a net fine-tuned on a few
hundred games of one engine would otherwise drift from the human play its priors came
from. Every ``val_every``-th data batch is held out: ``val_loss`` (its policy
cross-entropy plus the weighted value error) picks ``best.pt``; ``val_top1`` is how often
the net's first move is the search's most visited one. The loop, resume, curves and
checkpoints are the training core's.
"""
from __future__ import annotations

import os
from dataclasses import asdict

import numpy as np
import torch
import torch.nn.functional as F

from tengen.engine.coords import apply_symmetry
from tengen.nets.checkpoint import load_checkpoint
from tengen.nets.training_core import run
from tengen.selfplay.zero_config import ZeroTrainConfig


def batch_files(data: str) -> list:
    from pathlib import Path
    return [p for folder in data.split(",")
            for p in sorted(Path(folder).glob("batch-*/records.npz"))]


def load_split(cfg: ZeroTrainConfig):
    """((examples, policies) to train on, the same held out)."""
    from tengen.selfplay.search_data import search_examples
    from tengen.selfplay.value_train import concat
    parts: dict[bool, list] = {True: [], False: []}
    for path in batch_files(cfg.data):
        held = int(path.parent.name.split("-")[1]) % cfg.val_every == cfg.val_every - 1
        ex, pi = search_examples(str(path))
        if len(ex):
            parts[held].append((ex, pi))
    if not parts[True] or not parts[False]:
        raise ValueError(f"{cfg.data}: need at least {cfg.val_every} search-data batches with "
                         f"targets (every {cfg.val_every}th is held out for validation)")
    return tuple((concat([e for e, _ in parts[h]]), np.concatenate([p for _, p in parts[h]]))
                 for h in (False, True))


def symmetric_policy(pi: np.ndarray, n: int, k: int) -> np.ndarray:
    """Visit shares (N, n*n + 1) under board symmetry ``k`` (the pass stays last)."""
    board = apply_symmetry(pi[:, :n * n].reshape(-1, n, n), k).reshape(-1, n * n)
    return np.ascontiguousarray(np.concatenate([board, pi[:, n * n:]], axis=1))


class ZeroTask:
    step_fields = ["loss_policy", "loss_value", "loss_kgs_policy"]
    eval_fields = ["val_loss", "val_policy_ce", "val_top1", "val_mse"]

    def __init__(self, cfg: ZeroTrainConfig):
        self.cfg = cfg
        (self.train, self.train_pi), (self.val, self.val_pi) = load_split(cfg)
        self.rng = np.random.default_rng(cfg.seed)
        self.kgs = None
        if cfg.kgs_mix > 0:
            from tengen.selfplay.value_train import KgsPositions
            self.kgs = KgsPositions(cfg.kgs_train)
            if self.kgs.shards.size != self.train.size:
                raise ValueError(f"kgs_mix: the KGS positions are {self.kgs.shards.size}x"
                                 f"{self.kgs.shards.size}, the search data "
                                 f"{self.train.size}x{self.train.size}")

    def next_batch(self):
        cfg, n = self.cfg, self.train.size
        kgs = int(round(cfg.batch_size * cfg.kgs_mix))
        idx = self.rng.integers(len(self.train), size=cfg.batch_size - kgs)
        k = int(self.rng.integers(8))  # one of the 8 symmetries per batch
        planes = np.ascontiguousarray(apply_symmetry(self.train.unpack(idx), k))
        pi = symmetric_policy(self.train_pi[idx], n, k)
        z = self.train.z[idx]
        moves = np.full(len(idx), -1, np.int64)  # -1: the target is the distribution
        if kgs:
            known = self.kgs.known[self.rng.integers(len(self.kgs.known), size=kgs)]
            kp, km, kz = self.kgs.shards.batch(np.sort(known), self.rng.integers(8, size=kgs))
            planes = np.concatenate([planes, kp])
            pi = np.concatenate([pi, np.zeros((kgs, pi.shape[1]), pi.dtype)])
            z, moves = np.concatenate([z, kz]), np.concatenate([moves, km])
        return planes, pi, z, moves

    def loss(self, model, batch, device):
        planes, pi, z, moves = batch
        x = torch.from_numpy(planes).to(device, torch.float32)
        logits, value = model(x)
        logp = F.log_softmax(logits.float(), dim=1)
        own = torch.from_numpy(moves < 0).to(device)
        loss_p = -(torch.from_numpy(pi).to(device)[own] * logp[own]).sum(1).mean()
        loss_k = torch.zeros((), device=device)
        if (~own).any():
            loss_k = F.nll_loss(logp[~own], torch.from_numpy(moves).to(device)[~own])
        loss_v = ((value.float() - torch.from_numpy(z).to(device)) ** 2).mean()
        # each position weighs the same, whichever its policy target
        share = own.float().mean()
        loss = share * loss_p + (1 - share) * loss_k + self.cfg.value_weight * loss_v
        return loss, {"loss_policy": loss_p.item(), "loss_value": loss_v.item(),
                      "loss_kgs_policy": loss_k.item()}

    @torch.no_grad()
    def evaluate(self, model, device, bf16):
        ce = se = 0.0
        top = 0
        n = len(self.val)
        for i in range(0, n, 256):
            idx = np.arange(i, min(i + 256, n))
            x = torch.from_numpy(self.val.unpack(idx)).to(device, torch.float32)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits, value = model(x)
            pi = torch.from_numpy(self.val_pi[idx]).to(device)
            ce += float(-(pi * F.log_softmax(logits.float(), dim=1)).sum())
            top += int((logits.argmax(1) == pi.argmax(1)).sum())
            se += float(((value.float() - torch.from_numpy(self.val.z[idx]).to(device)) ** 2).sum())
        return {"val_loss": (ce + self.cfg.value_weight * se) / n, "val_policy_ce": ce / n,
                "val_top1": top / n, "val_mse": se / n}

    def sampler_state(self):
        return self.rng.bit_generator.state

    def load_sampler_state(self, state) -> None:
        self.rng.bit_generator.state = state

    def close(self) -> None:
        pass


def train_zero(cfg: ZeroTrainConfig, progress: bool = True) -> dict:
    from tengen.nets import SHIPPED_NET, net_path
    task = ZeroTask(cfg)
    start = os.path.abspath(net_path(cfg.net or SHIPPED_NET))
    model, _ = load_checkpoint(start)
    meta = {"start": start, "train_config": asdict(cfg), "train_positions": len(task.train),
            "route": "zero"}
    return run(task, model, cfg, meta, progress)


__all__ = ["ZeroTask", "train_zero", "load_split", "symmetric_policy"]
