"""Value regression on value-data positions (``value_data.py``): the value network.

A separate network, as AlphaGo's: its weights start from a policy-value checkpoint (the
shipped SL network by default, whose trunk already reads Go) or from scratch
(``--model``), and the loss is the value MSE alone (the trunk adapts too; this copy's
policy output is never used). The SL network keeps
giving the search its priors; ``tengen gtp --value-net`` takes values from this one.

Every ``val_every``-th data batch (by batch number) is held out; validation reports the
MSE there and, with ``kgs_val`` (a shard folder such as ``runs/shards/val``), on KGS
positions with a known winner. The loop, resume, curves and checkpoints are the training
core's; ``best.pt`` is the lowest held-out MSE.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from tengen.engine.coords import apply_symmetry
from tengen.nets.model import CONFIGS, build_model, load_checkpoint
from tengen.nets.train_config import LoopConfig
from tengen.nets.training_core import run
from tengen.selfplay.records import Examples, value_examples


@dataclass
class ValueTrainConfig(LoopConfig):
    out: str = "runs/value"
    data: str = "runs/value_data"  # folder(s) of value-data batches, comma-separated
    net: str = ""  # starting weights ("" = the shipped SL network) ...
    model: str = ""  # ... or a named config trained from scratch
    val_every: int = 20  # every N-th batch is held out
    kgs_val: str = ""  # shard folder of KGS validation positions (optional)
    kgs_positions: int = 8192
    steps: int = 20_000
    batch_size: int = 256
    lr: float = 0.01
    seed: int = 1
    eval_every: int = 500
    best_metric: str = "val_mse"
    best_higher: bool = False
    name: str = "train-value"


def batch_files(data: str) -> list[Path]:
    files = []
    for folder in data.split(","):
        files += sorted(Path(folder).glob("batch-*/records.npz"))
    return files


def load_split(cfg: ValueTrainConfig) -> tuple[Examples, Examples]:
    """(train, held out): every ``val_every``-th batch of each folder is held out."""
    train, val = [], []
    for path in batch_files(cfg.data):
        number = int(path.parent.name.split("-")[1])
        (val if number % cfg.val_every == cfg.val_every - 1 else train).append(
            value_examples(str(path)))
    if not train or not val:
        raise ValueError(f"{cfg.data}: need at least {cfg.val_every} value-data batches "
                         f"(every {cfg.val_every}th is held out for validation)")
    return concat(train), concat(val)


def concat(parts: list[Examples]) -> Examples:
    return Examples(np.concatenate([p.planes for p in parts]),
                    np.concatenate([p.actions for p in parts]),
                    np.concatenate([p.z for p in parts]), parts[0].size,
                    np.concatenate([p.played for p in parts]))


def predict_values(model, planes, n: int, device="cpu", bf16=False,
                   batch: int = 512) -> np.ndarray:
    """The value of positions 0..n-1; ``planes(i, j)`` gives the planes of i..j-1, so
    only a batch is unpacked at a time."""
    out = []
    with torch.no_grad():
        for i in range(0, n, batch):
            x = torch.from_numpy(planes(i, min(i + batch, n))).to(device, torch.float32)
            with torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16):
                _, v = model(x)
            out.append(v.float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def value_mse(model, planes, z: np.ndarray, device, bf16=False) -> float:
    v = predict_values(model, planes, len(z), device, bf16)
    return float(((v - z) ** 2).mean()) if len(z) else 0.0


class ValueTask:
    step_fields = ["loss_value"]
    eval_fields = ["val_mse", "kgs_mse"]

    def __init__(self, cfg: ValueTrainConfig):
        self.cfg = cfg
        self.train, self.val = load_split(cfg)
        self.rng = np.random.default_rng(cfg.seed)
        self.kgs = None
        if cfg.kgs_val:
            from tengen.nets.data import ShardSet
            shards = ShardSet(cfg.kgs_val)
            idx = np.linspace(0, len(shards) - 1, cfg.kgs_positions).astype(np.int64)
            planes, _, outcome = shards.batch(idx)
            known = outcome != 0
            self.kgs = planes[known], outcome[known].astype(np.float32)

    def next_batch(self):
        idx = self.rng.integers(len(self.train), size=self.cfg.batch_size)
        planes = self.train.unpack(idx)
        k = int(self.rng.integers(8))  # one of the 8 symmetries per batch
        return np.ascontiguousarray(apply_symmetry(planes, k)), self.train.z[idx]

    def loss(self, model, batch, device):
        planes, z = batch
        _, v = model(torch.from_numpy(planes).to(device, torch.float32))
        loss = ((v.float() - torch.from_numpy(z).to(device)) ** 2).mean()
        return loss, {"loss_value": loss.item()}

    def evaluate(self, model, device, bf16):
        n = len(self.val)
        out = {"val_mse": value_mse(model, lambda i, j: self.val.unpack(np.arange(i, min(j, n))),
                                    self.val.z, device, bf16)}
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


def train_value(cfg: ValueTrainConfig, progress: bool = True) -> dict:
    from tengen.nets import SHIPPED_NET
    task = ValueTask(cfg)
    if cfg.model:
        torch.manual_seed(cfg.seed)
        model, start = build_model(CONFIGS[cfg.model]), f"scratch:{cfg.model}"
    else:
        start = os.path.abspath(cfg.net or str(SHIPPED_NET))
        model, _ = load_checkpoint(start)
    meta = {"value_net": True, "start": start, "train_config": asdict(cfg),
            "train_positions": len(task.train)}
    return run(task, model, cfg, meta, progress)


__all__ = ["ValueTrainConfig", "ValueTask", "train_value", "load_split", "value_mse", "predict_values"]
