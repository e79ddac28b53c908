"""Settings of a self-play policy-gradient run (kept free of torch so the CLI starts fast).

One optimizer step is one iteration: a minibatch of games between the learner and an
opponent from the pool, then one REINFORCE update over the learner's moves. The loop's
settings (``LoopConfig``) count iterations as steps and games as samples.
"""
from __future__ import annotations

from dataclasses import dataclass

from tengen.nets.train_config import LoopConfig


@dataclass
class RLConfig(LoopConfig):
    out: str = "runs/rl"
    net: str = ""  # the starting network and the pool's first member ("" = the shipped SL net)
    steps: int = 10_000  # iterations
    batch_size: int = 128  # games per iteration, half with each colour
    optimizer: str = "sgd"
    # AlphaGo's loss (a sum over a game's moves, a mean over games) but not its 0.001: with
    # batch norms frozen the step is scale-sensitive; measured on the sampled distribution
    # 2e-4 moves the shipped net by 0.005 nats a move a step, 5e-5 by 0.0003
    lr: float = 2e-4  # a step moves the policy about 0.005 nats a move (pg_step_kl.py)
    schedule: str = "constant"
    warmup_steps: int = 0
    momentum: float = 0.0  # plain SGD, as AlphaGo
    weight_decay: float = 0.0
    size: int = 19
    komi: float = 7.5
    temperature: float = 1.0  # moves drawn from the policy's own softmax
    snapshot_every: int = 500  # iterations between the learner's snapshots joining the pool
    baseline: str = "zero"  # zero, or value: the learner's value head as b(s)
    # the game is over for the learner where it would pass: the fill-in's credit is noise
    pass_cutoff: float = 0.5  # leave out moves where the learner's p(pass) is above this
    train_fraction: float = 1.0  # share of the learner's moves in the update (drawn at random)
    micro_batch: int = 512  # positions per backward pass (memory, not the update)
    eval_every: int = 10  # iterations between matches against the SL network
    eval_games: int = 128  # games of that match
    checkpoint_every: int = 1
    workers: int = 0  # self-play processes (one torch thread each); 0 = one per core
    overlap: bool = False  # play iteration i+1 while i's update trains (one update stale)
    # self-play's network runtime: torch, onnx (1.3x on CPUs here) or int8 (1.9x onnx)
    backend: str = "torch"
    ray: str = ""  # play on a Ray cluster: auto, ray://host:port, or local ("" = no Ray)
    keep_sgf: bool = True  # every game's SGF beside the compact records
    seed: int = 1
    frozen_norm: bool = True  # the update sees the network exactly as it played
    best_metric: str = "win_rate_sl"
    name: str = "rl"
    log_name: str = "rl_log.csv"
    step_name: str = "iteration"

    def __post_init__(self):
        super().__post_init__()
        if self.baseline not in ("zero", "value"):
            raise ValueError(f"baseline must be zero or value, not {self.baseline!r}")
        if self.backend not in ("torch", "onnx", "int8"):
            raise ValueError(f"backend must be torch, onnx or int8, not {self.backend!r}")
        if not 0 < self.pass_cutoff <= 1:
            raise ValueError("pass_cutoff must be in (0, 1]")
        if not 0 < self.train_fraction <= 1:
            raise ValueError("train_fraction must be in (0, 1]")
        if self.batch_size < 2 or self.batch_size % 2:
            raise ValueError("batch_size (games per iteration) must be even: half with "
                             "each colour")


__all__ = ["RLConfig"]
