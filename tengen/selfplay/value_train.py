"""Value regression on value-data positions (``value_data.py``): the value network.

A separate network, as AlphaGo's: its weights start from a policy-value checkpoint (the
shipped SL network by default, whose trunk already reads Go) or from scratch
(``--model``), and the loss is the value MSE alone (the trunk adapts too; this copy's
policy output is never used). The SL network keeps
giving the search its priors; ``tengen gtp --value-net`` takes values from this one.

Every ``val_every``-th data batch (by batch number) is held out; validation reports the
MSE there and, with ``kgs_val`` (a shard folder such as ``runs/shards/val``), on KGS
positions with a known winner. ``train_on kgs`` trains on KGS positions instead
(``kgs_train``, every position of a game with a known winner: AlphaGo's overfitting
comparison), still validated on the held-out self-play batches; ``kgs_mix`` draws that
share of every self-play batch from them instead (a value net fine-tuned on self-play
positions alone forgot real games: KGS MSE 0.798 -> 0.867, and lost its gate 2-9);
``positions_per_game`` K takes at most K positions of each self-play game (the other
side of that comparison). The loop, resume, curves and checkpoints are the training
core's; ``best.pt`` is the lowest held-out MSE.
"""
from __future__ import annotations

import os
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from tengen.engine.coords import apply_symmetry
from tengen.nets.model import CONFIGS, SCORE_UNIT, build_model
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.value_config import ValueTrainConfig
from tengen.nets.training_core import run
from tengen.selfplay.records import Examples, value_examples

HEADS = ("ownership_", "score_", "aux_")  # the auxiliary outputs' parameter names


def batch_files(data: str) -> list[Path]:
    """Each folder's batches: value-data records, or judged KGS finals (``kgs_finals``)."""
    files = []
    for folder in data.split(","):
        files += sorted(list(Path(folder).glob("batch-*/records.npz"))
                        + list(Path(folder).glob("batch-*/examples.npz")))
    return files


def read_batch(path: Path, per_game: int = 0, before: int = 0) -> Examples:
    if path.name == "examples.npz":  # positions written as they are (KGS finals)
        from tengen.selfplay.kgs_finals import load_examples
        return load_examples(str(path))
    return value_examples(str(path), per_game, before)


def load_split(cfg: ValueTrainConfig) -> tuple[Examples, Examples]:
    """(train, held out): every ``val_every``-th batch of each folder is held out, all its
    positions (the same for every ``positions_per_game``). With ``positions_before`` the
    held-out positions are drawn as the training ones are, so that the checkpoint kept
    is the best on the phase trained for."""
    train, val = [], []
    before = cfg.positions_before
    for path in batch_files(cfg.data):
        number = int(path.parent.name.split("-")[1])
        held = number % cfg.val_every == cfg.val_every - 1
        if held:
            val.append(read_batch(path, cfg.positions_per_game if before else 0, before))
        elif cfg.train_on == "selfplay":
            train.append(read_batch(path, cfg.positions_per_game, before))
    if cfg.train_on == "kgs":
        return None, concat(val) if val else None
    if not train or not val:
        raise ValueError(f"{cfg.data}: need at least {cfg.val_every} value-data batches "
                         f"(every {cfg.val_every}th is held out for validation)")
    return concat(train), concat(val)


class KgsPositions:
    """Positions of KGS games with a known winner, drawn from shards (``build-data``)."""

    def __init__(self, folder: str):
        from tengen.nets.data import ShardSet
        self.shards = ShardSet(folder)
        self.known = np.concatenate([np.flatnonzero(np.asarray(m[:, 4]) != 0) + off
                                     for m, off in zip(self.shards.meta, self.shards.offsets)])
        if not len(self.known):
            raise ValueError(f"{folder}: no positions with a known winner")

    def sample(self, rng, n: int):
        """A training batch: planes, outcomes, and no ownership (KGS records lack it)."""
        idx = np.sort(self.known[rng.integers(len(self.known), size=n)])
        planes, _, z = self.shards.batch(idx, rng.integers(8, size=n))
        return planes, z, None


def concat(parts: list[Examples]) -> Examples:
    return Examples(np.concatenate([p.planes for p in parts]),
                    np.concatenate([p.actions for p in parts]),
                    np.concatenate([p.z for p in parts]), parts[0].size,
                    np.concatenate([p.played for p in parts]),
                    np.concatenate([p.ownership for p in parts]),
                    None if parts[0].after_u is None else np.concatenate([p.after_u for p in parts]),
                    np.concatenate([_owner_known(p) for p in parts]),
                    np.concatenate([p.margin for p in parts]))


def _owner_known(ex: Examples) -> np.ndarray:
    return np.ones(len(ex), bool) if ex.owner_known is None else ex.owner_known


def predict_heads(model, planes, n: int, device="cpu", bf16=False, batch: int = 512):
    """The value of positions 0..n-1, their score (the final margin in points for the
    side to move) and the sign of their ownership output (int8, +1: the mover's), the
    last two None where the net lacks that output (or n is 0), in one pass that skips the policy;
    ``planes(i, j)`` gives the planes of i..j-1, so only a batch is unpacked at a time."""
    values, margins, owners = [], [], []
    with torch.no_grad():
        for i in range(0, n, batch):
            x = torch.from_numpy(planes(i, min(i + batch, n))).to(device, torch.float32)
            with torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16):
                v, own, score = value_forward(model, x)
            values.append(v.float().cpu().numpy())
            if score is not None:
                margins.append(score.float().cpu().numpy())
            if own is not None:
                owners.append(np.sign(own.float().cpu().numpy()).astype(np.int8))
    empty = np.zeros(0, np.float32)
    return (np.concatenate(values) if values else empty,
            (np.concatenate(margins) if margins else empty) if model.cfg.score else None,
            np.concatenate(owners) if owners else None)


def predict_values(model, planes, n: int, device="cpu", bf16=False,
                   batch: int = 512) -> np.ndarray:
    """``predict_heads``' values alone."""
    return predict_heads(model, planes, n, device, bf16, batch)[0]


def value_mse(model, planes, z: np.ndarray, device, bf16=False) -> float:
    v = predict_values(model, planes, len(z), device, bf16)
    return float(((v - z) ** 2).mean()) if len(z) else 0.0


def value_forward(model, x: torch.Tensor, train_blocks: int = -1, heads_only: bool = False):
    """The value, the ownership logits and the margin (None without that output), skipping the
    policy; with ``train_blocks`` N >= 0 the stem and all but the last N blocks run
    frozen (no gradients, batch norms on their running statistics), which also makes a
    step several times cheaper; ``heads_only`` freezes everything but the ownership and
    score outputs, so the policy and value stay exactly as they were."""
    if heads_only:
        model.eval()  # frozen batch norms: their running statistics must not move
        if model.cfg.aux_channels:
            model.aux_conv.train()  # the outputs' own convolution learns (loss() alone comes here)
        with torch.no_grad():
            h = model.trunk(x)
            f = model.value_conv(h)
            pooled = f.mean(dim=(2, 3))
            value = torch.tanh(model.value_fc(pooled)).squeeze(1)
        return (value, *model.aux_heads(h, f, pooled))
    frozen = len(model.tower) - train_blocks if train_blocks >= 0 else 0
    if frozen:
        model.stem.eval()
        model.tower[:frozen].eval()
        with torch.no_grad():
            h = model.tower[:frozen](model.stem(x))
        h = model.tower[frozen:](h)
    else:
        h = model.trunk(x)
    return model.value_head(h)


class ValueTask:
    step_fields = ["loss_value", "loss_ownership", "loss_score"]
    eval_fields = ["val_mse", "val_mse_u", "kgs_mse", "val_score_error", "val_ownership"]

    def __init__(self, cfg: ValueTrainConfig):
        self.cfg = cfg
        self.train, self.val = load_split(cfg)
        self.rng = np.random.default_rng(cfg.seed)
        self.counted = np.flatnonzero(_owner_known(self.train)) if self.train else None
        if cfg.heads_only and not len(self.counted):
            raise ValueError(f"{cfg.data}: heads_only needs counted games (every one resigned)")
        self.kgs_train = (KgsPositions(cfg.kgs_train)
                          if cfg.train_on == "kgs" or cfg.kgs_mix > 0 else None)
        if cfg.kgs_mix > 0 and self.kgs_train.shards.size != self.train.size:
            raise ValueError(f"kgs_mix: the KGS positions are {self.kgs_train.shards.size}x"
                             f"{self.kgs_train.shards.size}, the value data "
                             f"{self.train.size}x{self.train.size}")
        if self.val is None and not cfg.kgs_val:
            raise ValueError("nothing to validate on: give value-data batches (data) or kgs_val")
        self.kgs = None
        if cfg.kgs_val:
            from tengen.nets.data import ShardSet
            shards = ShardSet(cfg.kgs_val)
            idx = np.linspace(0, len(shards) - 1, cfg.kgs_positions).astype(np.int64)
            planes, _, outcome = shards.batch(idx)
            known = outcome != 0
            self.kgs = planes[known], outcome[known].astype(np.float32)

    def next_batch(self):
        if self.cfg.train_on == "kgs":
            return self.kgs_train.sample(self.rng, self.cfg.batch_size)
        kgs = int(round(self.cfg.batch_size * self.cfg.kgs_mix))
        own = self.selfplay_batch(self.cfg.batch_size - kgs)
        if not kgs:
            return own
        planes, z, _ = self.kgs_train.sample(self.rng, kgs)  # no final owners or margins
        owner, known, margin = own[2]
        n2 = owner.shape[1]
        return (np.concatenate([own[0], planes]), np.concatenate([own[1], z]),
                (np.concatenate([owner, np.zeros((kgs, n2), owner.dtype)]),
                 np.concatenate([known, np.zeros(kgs, bool)]),
                 np.concatenate([margin, np.zeros(kgs, margin.dtype)])))

    def selfplay_batch(self, size: int):
        if self.cfg.heads_only:  # counted games alone: the value is not trained
            idx = self.counted[self.rng.integers(len(self.counted), size=size)]
        else:
            idx = self.rng.integers(len(self.train), size=size)
        planes = self.train.unpack(idx)
        k = int(self.rng.integers(8))  # one of the 8 symmetries per batch
        n = self.train.size
        owner = apply_symmetry(self.train.ownership[idx].reshape(-1, n, n), k).reshape(-1, n * n)
        known = _owner_known(self.train)[idx]
        return (np.ascontiguousarray(apply_symmetry(planes, k)), self.train.z[idx],
                (np.ascontiguousarray(owner), known, self.train.margin[idx]))

    def loss(self, model, batch, device):
        planes, z, finals = batch
        v, own, score = value_forward(model, torch.from_numpy(planes).to(device, torch.float32),
                                      self.cfg.train_blocks, self.cfg.heads_only)
        loss_v = ((v.float() - torch.from_numpy(z).to(device)) ** 2).mean()
        loss_o = loss_s = torch.zeros((), device=device)
        if finals is not None and finals[1].any():  # KGS batches: no finals at all
            owner, known, margin = finals  # resigned games have no final count: left out
            rows = torch.from_numpy(known).to(device)
            if own is not None:
                target = (torch.from_numpy(owner).to(device, torch.float32)[rows] + 1) / 2
                loss_o = torch.nn.functional.binary_cross_entropy_with_logits(
                    own.float()[rows], target)
            if score is not None:
                # Huber's loss in the output's unit (quadratic within 20 points)
                target = torch.from_numpy(margin).to(device)[rows] / SCORE_UNIT
                loss_s = torch.nn.functional.huber_loss(score.float()[rows] / SCORE_UNIT,
                                                        target)
        loss = loss_v + self.cfg.ownership_weight * loss_o + self.cfg.score_weight * loss_s
        return loss, {"loss_value": loss_v.item(), "loss_ownership": loss_o.item(),
                      "loss_score": loss_s.item()}

    def evaluate(self, model, device, bf16):
        out = {}
        if self.val is not None:
            n = len(self.val)
            v, margins, owners = predict_heads(
                model, lambda i, j: self.val.unpack(np.arange(i, min(j, n))), n, device, bf16)
            err = (v - self.val.z) ** 2
            out["val_mse"] = float(err.mean())  # every held-out position
            if self.val.after_u.any():  # AlphaGo's: s_{U+1} alone (KGS finals have none)
                out["val_mse_u"] = float(err[self.val.after_u].mean())
            known = _owner_known(self.val)
            if owners is not None and known.any():  # of the counted games' points, dame out
                final = self.val.ownership[known]
                counted = final != 0
                out["val_ownership"] = float((owners[known][counted] == final[counted]).sum()
                                             / max(int(counted.sum()), 1))
            if margins is not None and known.any():  # mean absolute, in points
                out["val_score_error"] = float(np.abs(margins - self.val.margin)[known].mean())
        if self.kgs is not None:
            planes, z = self.kgs
            out["kgs_mse"] = value_mse(model, lambda i, j: planes[i:j], z, device, bf16)
        return out

    def sampler_state(self):
        return self.rng.bit_generator.state

    def load_sampler_state(self, state) -> None:
        self.rng.bit_generator.state = state

    def close(self) -> None:
        pass


def with_heads(model, ownership: bool, score: bool, aux_channels: int = 0):
    """The same network with fresh ownership and/or score outputs beside its weights
    (reading their own convolution of the trunk with ``aux_channels``)."""
    from tengen.nets.model import PolicyValueNet
    grown = PolicyValueNet(replace(model.cfg, ownership=model.cfg.ownership or ownership,
                                   score=model.cfg.score or score,
                                   aux_channels=model.cfg.aux_channels or aux_channels))
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    assert not unexpected and all(k.startswith(HEADS) for k in missing)
    return grown



def train_value(cfg: ValueTrainConfig, progress: bool = True) -> dict:
    from tengen.nets import SHIPPED_NET, net_path
    task = ValueTask(cfg)
    if task.val is None:  # KGS alone: its validation positions pick best.pt
        cfg = replace(cfg, best_metric="kgs_mse")
    if cfg.heads_only and cfg.best_metric == "val_mse":  # the value cannot change
        cfg = replace(cfg, best_metric="val_score_error" if cfg.score_weight > 0
                      else "val_ownership", best_higher=cfg.score_weight <= 0)
    if cfg.model:
        torch.manual_seed(cfg.seed)
        model, start = build_model(CONFIGS[cfg.model]), f"scratch:{cfg.model}"
    else:
        start = os.path.abspath(net_path(cfg.net or SHIPPED_NET))
        model, _ = load_checkpoint(start)
    own = cfg.ownership_weight > 0 and cfg.train_on == "selfplay" and not model.cfg.ownership
    score = cfg.score_weight > 0 and cfg.train_on == "selfplay" and not model.cfg.score
    if own or score:
        torch.manual_seed(cfg.seed)  # the new outputs' initial weights: a rerun is the same run
        model = with_heads(model, own, score, cfg.aux_channels)
    if cfg.heads_only:
        for name, p in model.named_parameters():
            p.requires_grad_(name.startswith(HEADS))
    meta = {"value_net": True, "start": start, "train_config": asdict(cfg),
            "train_positions": (len(task.kgs_train.known) if cfg.train_on == "kgs"
                                else len(task.train))}
    return run(task, model, cfg, meta, progress)


__all__ = ["ValueTrainConfig", "ValueTask", "train_value", "load_split", "value_mse", "predict_values",
           "predict_heads", "value_forward", "with_heads"]
