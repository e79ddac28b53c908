"""Settings of value-data runs and value training, kept free of torch and Numba so that
the command line starts fast (its flags are made from these dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass

from tengen.nets.train_config import LoopConfig


@dataclass
class ValueDataConfig:
    out: str = "runs/value_data"
    games: int = 10_000  # games to finish (one position each by default)
    batch: int = 128  # games stepped together (and one file of records)
    size: int = 19
    komi: float = 7.5
    max_u: int = 450
    positions_per_game: int = 1
    temperature: float = 1.0  # the SL policy's moves before U (1: its own softmax)
    rl_temperature: float = 1.0  # the RL policy's moves after U (0: its top move)
    seed: int = 1
    keep_sgf: bool = True
    # a game stops once decided: the judge (the value net, or the RL policy's own value
    # output) gives one side a win probability below ``resign`` for ``resign_after``
    # plies in a row after U; ``played_out`` of the games play on to the end regardless,
    # which measures how often a resigned game would have been won
    resign: float = 0.0  # 0: every game is played to the end
    resign_after: int = 6
    played_out: float = 0.1


@dataclass
class ValueTrainConfig(LoopConfig):
    out: str = "runs/value"
    data: str = "runs/value_data"  # folder(s) of value-data batches, comma-separated
    net: str = ""  # starting weights ("" = the shipped SL network) ...
    model: str = ""  # ... or a named config trained from scratch
    val_every: int = 20  # every N-th batch is held out
    kgs_val: str = ""  # shard folder of KGS validation positions (optional)
    kgs_positions: int = 8192
    train_on: str = "selfplay"  # selfplay (value-data batches) or kgs (kgs_train shards)
    kgs_train: str = ""  # shard folder of KGS training positions (e.g. runs/shards/train)
    kgs_mix: float = 0.0  # self-play training: this share of every batch from kgs_train
    positions_per_game: int = 0  # at most K self-play positions a game (0 = all kept)
    # > 0: positions drawn afresh from each game's continuation, those with fewer moves
    # played than this (the kept ones are mostly near-finished boards; records.value_examples)
    positions_before: int = 0
    ownership_weight: float = 1.0  # the final-ownership target's weight (self-play data; 0 = none)
    score_weight: float = 1.0  # the final-margin target's weight (self-play data; 0 = none)
    train_blocks: int = -1  # -1 = the whole network; N = the value head and the last N blocks on a frozen trunk (0: the policy is untouched)
    aux_channels: int = 0  # new ownership/score outputs read their own 3x3 convolution of the trunk with this many channels (0: the value's features)
    heads_only: bool = False  # only the ownership and score outputs train: the policy and value stay bit-identical, so the engine that plays is unchanged
    steps: int = 20_000
    batch_size: int = 256
    lr: float = 0.01
    seed: int = 1
    eval_every: int = 500
    best_metric: str = "val_mse"
    best_higher: bool = False
    name: str = "train-value"

    def __post_init__(self):
        super().__post_init__()
        if self.train_on not in ("selfplay", "kgs"):
            raise ValueError(f"train_on must be selfplay or kgs, not {self.train_on!r}")
        if (self.train_on == "kgs" or self.kgs_mix > 0) and not self.kgs_train:
            raise ValueError("train_on kgs and kgs_mix need kgs_train (a shard folder)")
        if self.heads_only and (self.train_on == "kgs" or self.kgs_mix > 0):
            raise ValueError("heads_only trains on counted self-play games; KGS positions "
                             "carry no final owners or margins")
        if not 0 <= self.kgs_mix < 1:
            raise ValueError(f"kgs_mix is a share of a batch, in [0, 1), not {self.kgs_mix}")


__all__ = ["ValueDataConfig", "ValueTrainConfig"]
