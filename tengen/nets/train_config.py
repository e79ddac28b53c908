"""Settings of training runs (kept free of torch so the CLI starts fast): the loop's
(``LoopConfig``, read by ``training_core.run``) and the supervised run's on top."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LoopConfig:
    out: str = "runs/train"
    steps: int = 1000
    batch_size: int = 256
    optimizer: str = "sgd"  # sgd (momentum, nesterov) or adamw
    lr: float = 0.05
    lr_min: float = 0.0005
    schedule: str = "cosine"  # cosine (from lr down to lr_min after warm-up) or constant
    warmup_steps: int = 500
    momentum: float = 0.9
    weight_decay: float = 1e-4
    eval_every: int = 1000
    checkpoint_every: int = 250
    bf16: bool = False  # autocast on CPU (measure it: benchmarks/speed/bench_train.py)
    channels_last: bool = False
    device: str = "auto"
    threads: int = 0  # torch threads; 0 = torch's default
    max_minutes: float = 0.0  # stop (after a checkpoint) after this long; 0 = no limit
    best_metric: str = ""  # validation metric that picks best.pt ("" = none)
    best_higher: bool = True
    name: str = "train"  # the progress bar's label
    log_name: str = "train_log.csv"
    step_name: str = "step"  # what one optimizer step is called in the log and the bar
    frozen_norm: bool = False  # batch norms keep their running statistics (fine-tuning)
    restart: bool = False  # start afresh in a folder with a run in it (its files moved aside)

    def __post_init__(self):
        if self.optimizer not in ("sgd", "adamw"):
            raise ValueError(f"optimizer must be sgd or adamw, not {self.optimizer!r}")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"schedule must be cosine or constant, not {self.schedule!r}")


@dataclass
class TrainConfig(LoopConfig):
    out: str = "runs/sl"
    steps: int = 200_000
    data: str = "runs/shards"  # folder with train/ and val/
    model: str = "b6c64"
    init: str = ""  # start from this net's weights (grown when smaller), fresh optimizer and schedule
    data_workers: int = 1  # threads computing the batches' input planes (one per GPU-hungry core)
    value_weight: float = 0.25
    val_positions: int = 8192
    seed: int = 1
    best_metric: str = "val_top1"
    name: str = "train-sl"


@dataclass
class DistillConfig(TrainConfig):
    out: str = "runs/distill"
    teacher: str = ""  # the larger trained net whose move distribution and value are taught
    teacher_weight: float = 0.5  # policy loss: this share on the teacher's distribution, the rest on the move played
    temperature: float = 1.0  # the teacher's logits are divided by this before its softmax
    value_teacher: float = 0.5  # value target: this share the teacher's value, the rest the game's outcome
    name: str = "distill"

    def __post_init__(self):
        super().__post_init__()
        if not self.teacher:
            raise ValueError("distillation needs --teacher")
        if not 0 <= self.teacher_weight <= 1 or not 0 <= self.value_teacher <= 1:
            raise ValueError("--teacher-weight and --value-teacher are shares in [0, 1]")
        if self.temperature <= 0:
            raise ValueError("--temperature must be positive")


LOOP_ONLY = ("best_metric", "best_higher", "name", "log_name", "step_name", "frozen_norm")  # fixed by the trainer, not CLI flags
