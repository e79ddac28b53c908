"""Settings of a supervised training run (kept free of torch so the CLI starts fast)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainConfig:
    data: str = "runs/shards"  # folder with train/ and val/
    out: str = "runs/sl"
    model: str = "b6c64"
    batch_size: int = 256
    steps: int = 200_000
    optimizer: str = "sgd"  # sgd (momentum, nesterov) or adamw
    lr: float = 0.05
    lr_min: float = 0.0005
    warmup_steps: int = 500
    momentum: float = 0.9
    weight_decay: float = 1e-4
    value_weight: float = 0.25
    eval_every: int = 1000
    val_positions: int = 8192
    checkpoint_every: int = 250
    seed: int = 1
    bf16: bool = False  # autocast on CPU (measure it: benchmarks/bench_train.py)
    channels_last: bool = False
    device: str = "auto"
    threads: int = 0  # torch threads; 0 = torch's default
    max_minutes: float = 0.0  # stop (after a checkpoint) after this long; 0 = no limit
