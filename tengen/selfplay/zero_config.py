"""Settings of AlphaGo Zero's route (the search plays itself; the net learns the search's
visit counts and the games' outcomes), kept free of torch and Numba so that the command
line starts fast (its flags are made from these dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass

from tengen.nets.train_config import LoopConfig


@dataclass
class SearchDataConfig:
    out: str = "runs/search_data"
    games: int = 256  # games to finish
    batch: int = 8  # games a job (and one file of records)
    size: int = 19
    komi: float = 7.5
    # playout cap randomization (KataGo, Wu 2019): a move gets a full search with
    # probability full_share and becomes a training target; the others get a fast search
    # and are only played, so more games (and outcomes) come from the same compute
    full_visits: int = 200
    fast_visits: int = 50
    full_share: float = 0.25
    sample_moves: int = 30  # the first N moves drawn by visit counts (the openings vary)
    lam: float = 0.5  # the search's rollout weight (the played engine's default)
    max_moves: int = 0  # 0: 3 * size * size, then the game is judged as it stands
    # a game stops once decided: a side's win rate below ``resign`` (by the search at the
    # move) for ``resign_after`` plies in a row, from move ``resign_min_moves`` on; the
    # ``played_out`` share plays on regardless, to count the false resignations
    resign: float = 0.05
    resign_after: int = 4
    resign_min_moves: int = 60
    played_out: float = 0.1
    seed: int = 1
    keep_sgf: bool = True
    # each network pass in a random board symmetry (the engine's --random-symmetry): the
    # visit shares then do not follow one orientation's quirks, which no training with
    # random symmetries can learn (docs/experiments/zero-route.md)
    random_symmetry: bool = False

    def __post_init__(self):
        if not 0 < self.full_share <= 1:
            raise ValueError(f"full_share is a probability in (0, 1], not {self.full_share}")
        if self.fast_visits < 1 or self.full_visits < self.fast_visits:
            raise ValueError("need 1 <= fast_visits <= full_visits")


@dataclass
class ZeroTrainConfig(LoopConfig):
    out: str = "runs/zero"
    data: str = "runs/search_data"  # folder(s) of search-data batches, comma-separated
    net: str = ""  # starting weights ("" = the shipped network)
    val_every: int = 5  # every N-th batch is held out
    kgs_train: str = ""  # a KGS shard folder (build-data) ...
    kgs_mix: float = 0.5  # ... whose moves and outcomes make this share of every batch
    value_weight: float = 1.0  # AlphaGo Zero weighs the two losses equally
    steps: int = 1000
    batch_size: int = 64
    lr: float = 0.002
    warmup_steps: int = 30
    seed: int = 1
    eval_every: int = 250
    best_metric: str = "val_loss"
    best_higher: bool = False
    name: str = "train-zero"
    # the batch norms keep the playing net's running statistics: updated in train mode on
    # batches of 64 self-play positions they drift, and the held-out cross-entropy rose
    # (1.650 -> 1.685 in 100 steps at lr 5e-4) where frozen it fell (-> 1.636)
    frozen_norm: bool = True

    def __post_init__(self):
        super().__post_init__()
        if not 0 <= self.kgs_mix < 1:
            raise ValueError(f"kgs_mix is a share of a batch, in [0, 1), not {self.kgs_mix}")
        if self.kgs_mix > 0 and not self.kgs_train:
            raise ValueError("kgs_mix needs kgs_train (a shard folder)")


__all__ = ["SearchDataConfig", "ZeroTrainConfig"]
