"""AlphaGo's RL stage: the policy network improves by REINFORCE against its past selves.

Each iteration plays ``batch_size`` games between the learner and an opponent drawn from
the pool (the learner black in half of them), then takes one SGD step on
``-(1/n) sum_i sum_t (z_t - b(s_t)) log p(a_t | s_t)`` over the learner's moves in the n
games (AlphaGo's normalisation; not its step size, see ``RLConfig.lr``): ``z_t`` is
the game's outcome for the learner, ``b`` zero or the learner's own value head, and
``p`` the distribution the move was drawn from: the softmax (at the games' temperature)
over the sensible moves alone. The full softmax would be the gradient of another
policy: a forced move would carry the weight of every masked point and of pass, and so
would the endgame's fill-in moves of a game played to the end (a fifth of a learner's
moves come where the SL network itself would pass). Those fill-in moves, where the
learner's own pass probability is above ``pass_cutoff``, are left out: the outcome is
settled there, so their credit is noise (``moves_trained``: the moves a game that
entered the update). With
``train_fraction`` f < 1 each move enters with probability f and weight 1/f. Every
``snapshot_every`` iterations the learner joins the pool; every ``eval_every`` it plays
the SL network (both sampling, as AlphaGo measured) and the best so far is ``best.pt``.

The loop, resume, log, curves and checkpoints are the training core's. What makes a
resume exact is here: an iteration's opponent, games and subsample come from a random
generator seeded by (seed, iteration), the pool's member list is saved with the
optimizer, and an iteration's finished games are written (``games/iter-NNNNNN``) before
the update, so a kill during the update replays nothing.

With ``overlap`` the workers play iteration i+1's games while the learner trains on
iteration i's: the learner's weights are sent with each minibatch, so those games are
one update stale (at the default step, ~0.005 nats a move; the loss takes them as
on-policy). A kill loses only the games in flight: their plan and the weights playing
them are part of the checkpoint, and the resumed run replays them exactly.

Under ``torchrun`` rank 0 plays (its workers or Ray) and sends the games to the other
ranks; each trains on its slice of the learner's moves.
"""
from __future__ import annotations

import copy
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from tengen.nets.features import SENSIBLE_PLANE
from tengen.nets.checkpoint import load_checkpoint
from tengen.nets import distributed as ddp
from tengen.nets.device import resolve_device
from tengen.nets.training_core import run
from tengen.selfplay.games import GamesConfig, write_games
from tengen.selfplay.pool import OpponentPool
from tengen.selfplay.records import learner_examples, load_records, save_records
from tengen.selfplay.rl_config import RLConfig
from tengen.selfplay.workers import Opponent, make_workers

_EVAL_SEED = 10_000_019  # the SL matches' games differ from every training iteration's


def sampled_log_probs(logits: torch.Tensor, planes: torch.Tensor,
                      temperature: float = 1.0) -> torch.Tensor:
    """(N, n*n) log-probabilities of what self-play samples (``games.sample_move``): the
    points' logits over temperature, softmax over the sensible moves (plane 46) only."""
    sensible = planes[:, SENSIBLE_PLANE].flatten(1) > 0.5
    points = (logits[:, :-1].float() / temperature).masked_fill(~sensible, float("-inf"))
    return F.log_softmax(points, dim=1)


def sampled_log_prob(logits: torch.Tensor, planes: torch.Tensor, actions: torch.Tensor,
                     temperature: float = 1.0) -> torch.Tensor:
    """log p(action) under what self-play samples."""
    return sampled_log_probs(logits, planes, temperature).gather(1, actions[:, None]).squeeze(1)


class PolicyGradientTask:
    step_fields = ["loss_pg", "win_rate_pool", "moves_per_game", "moves_trained",
                   "play_games_per_s"]
    eval_fields = ["win_rate_sl"]

    def __init__(self, cfg: RLConfig, model, start_net: str):
        self.cfg = cfg
        self.model = model  # the learner: the loop trains this very module
        self.out = Path(cfg.out)
        self.pool = OpponentPool(str(self.out / "pool"), start_net)
        self.start_net = start_net
        self.iteration = 0
        # with ``overlap``: the next iteration's plan, its games in flight, and the
        # weights playing them (saved with the checkpoint, so a resume replays them exactly)
        self.pending, self.in_flight, self.behaviour = None, None, None
        device = resolve_device(cfg.device)
        self.ranks = ddp.from_env(device.type)
        self.workers = (make_workers(cfg.ray, cfg.workers, str(device), cfg.bf16, cfg.backend)
                        if self.ranks.main else None)

    # ------------------------------------------------------------ data: one iteration

    def games_config(self, games: int, seed: int) -> GamesConfig:
        return GamesConfig(size=self.cfg.size, komi=self.cfg.komi, games=games,
                           temperature=self.cfg.temperature, seed=seed)

    def _plan(self, it: int) -> dict:
        """Iteration ``it``'s opponent and games seed, drawn from the pool as it is now."""
        rng = np.random.default_rng([self.cfg.seed, it])
        opponent = self.pool.draw(rng)
        return {"iteration": it, "opponent": opponent, "seed": int(rng.integers(2**31))}

    def _records(self, it: int) -> Path:
        return self.out / "games" / f"iter-{it:06d}" / "records.npz"

    def _launch(self, plan: dict, model):
        """Start ``plan``'s games on the workers (None when they are already written)."""
        if self._records(plan["iteration"]).exists():
            return None
        games = self.games_config(self.cfg.batch_size, plan["seed"])
        return self.workers.submit(model, Opponent.checkpoint(plan["opponent"]), games,
                                   names=(f"learner-{plan['iteration']}",
                                          Path(plan["opponent"]).stem))

    def _collect(self, plan: dict, flight):
        """``plan``'s games: read back if written before a kill, else waited for and
        written (SGF and records, each atomically) before the update uses them."""
        records = self._records(plan["iteration"])
        if records.exists():  # played before a kill: the update was what was lost
            games, info = load_records(str(records))
            return games, float(info["play_seconds"])
        games, seconds = flight.result(), flight.seconds
        if self.cfg.keep_sgf:
            write_games(games, str(records.parent))
        records.parent.mkdir(parents=True, exist_ok=True)
        save_records(games, str(records), self.cfg.size, self.cfg.komi,
                     {"opponent": plan["opponent"], "play_seconds": seconds})
        return games, seconds

    def next_batch(self):
        cfg, it = self.cfg, self.iteration
        games, play_seconds = self._play(it) if self.ranks.main else (None, 0.0)
        if self.ranks.active:  # under torchrun rank 0 plays; every rank trains on its slice
            import torch.distributed as dist
            box = [games, play_seconds]
            dist.broadcast_object_list(box, 0)
            games, play_seconds = box
        rng = np.random.default_rng([cfg.seed, it, 1])
        examples = learner_examples(games, cfg.size, cfg.komi, cfg.train_fraction, rng)
        self.iteration = it + 1
        wins = sum(g.outcome(g.learner) > 0 for g in games)
        stats = {"win_rate_pool": wins / len(games),
                 "moves_per_game": float(np.mean([len(g.moves) for g in games])),
                 "play_games_per_s": len(games) / max(play_seconds, 1e-9)}
        return examples, stats

    def _play(self, it: int):
        """Iteration ``it``'s games (and the next one's started, with ``overlap``)."""
        cfg = self.cfg
        if it and it % cfg.snapshot_every == 0:
            self.pool.add(self.model, it, {"start_net": self.start_net})
        ahead = self.pending is not None and self.pending["iteration"] == it
        plan, flight = (self.pending, self.in_flight) if ahead else (self._plan(it), None)
        if flight is None:  # not started: the first iteration, or games lost to a kill
            flight = self._launch(plan, self._player() if ahead else self.model)
        games, play_seconds = self._collect(plan, flight)
        self.pending = self.in_flight = self.behaviour = None
        if cfg.overlap and it + 1 < cfg.steps:
            # the next iteration's games, played by these weights (before this update)
            # while the update trains: the learner never waits for a whole minibatch
            self.pending = self._plan(it + 1)
            self.behaviour = {k: v.detach().cpu().clone()
                              for k, v in self.model.state_dict().items()}
            self.in_flight = self._launch(self.pending, self.model)
        return games, play_seconds

    def _player(self):
        """The weights that play the pending games: the learner's, or (after a resume)
        the older ones that were playing them when the run was killed."""
        if self.behaviour is None:
            return self.model
        player = copy.deepcopy(self.model)
        player.load_state_dict(self.behaviour)
        return player

    def chunks(self, batch):
        examples, stats = batch
        r, n = self.ranks, len(examples)
        lo, hi = n * r.rank // r.world, n * (r.rank + 1) // r.world  # this rank's slice
        step = max(1, self.cfg.micro_batch)
        # the loss is a sum over the learner's moves over a fixed scale (games, and the
        # subsample); the ranks' gradients are averaged, so each rank's part counts x world
        scale = self.cfg.batch_size * self.cfg.train_fraction / r.world
        return [(examples, np.arange(a, min(a + step, hi)), scale, stats if a == lo else None)
                for a in range(lo, max(hi, lo + 1), step)]

    # ------------------------------------------------------------ the update

    def loss(self, model, chunk, device):
        examples, idx, scale, stats = chunk
        parts = dict.fromkeys(self.step_fields, 0.0)
        if stats:
            parts.update(stats)
        if len(idx) == 0:  # no learner move at all: nothing to learn
            return torch.zeros((), device=device, requires_grad=True), parts
        x = torch.from_numpy(examples.unpack(idx)).to(device, torch.float32)
        a = torch.from_numpy(examples.actions[idx]).to(device)
        z = torch.from_numpy(examples.z[idx]).to(device)
        logits, value = model(x)
        logp = sampled_log_prob(logits, x, a, self.cfg.temperature)
        advantage = z - value.detach().float() if self.cfg.baseline == "value" else z
        # where the learner itself would pass, the game is over for it: what follows is
        # the fill-in of a game played to the end, whose outcome it no longer decides
        p_pass = torch.softmax(logits.detach().float(), dim=1)[:, -1]
        kept = (p_pass <= self.cfg.pass_cutoff).float()
        loss = -(advantage * logp * kept).sum() / scale
        parts["loss_pg"] = loss.item()
        # (scale = games / ranks x train_fraction: the mean over ranks is per game)
        parts["moves_trained"] = kept.sum().item() * self.cfg.train_fraction / scale
        return loss, parts

    # ------------------------------------------------------------ the match against SL

    def evaluate(self, model, device, bf16):
        games = self.workers.play(model, Opponent.checkpoint(self.start_net),
                                  self.games_config(self.cfg.eval_games,
                                                    _EVAL_SEED + self.iteration),
                                  names=(f"learner-{self.iteration}", "sl"))
        return {"win_rate_sl": sum(g.outcome(g.learner) > 0 for g in games) / len(games)}

    # ------------------------------------------------------------ resume

    def sampler_state(self):
        return {"iteration": self.iteration, "pool": self.pool.state(),
                "pending": self.pending, "behaviour": self.behaviour}

    def load_sampler_state(self, state) -> None:
        self.iteration = state["iteration"]
        self.pool.load_state(state["pool"])
        self.pending, self.behaviour = state.get("pending"), state.get("behaviour")
        self.in_flight = None

    def close(self) -> None:
        if self.in_flight is not None:
            self.in_flight.cancel()
        if self.workers is not None:
            self.workers.close()


def train_rl(cfg: RLConfig, progress: bool = True) -> dict:
    """Run (or resume) the loop in ``cfg.out`` to ``cfg.steps`` iterations."""
    from tengen.nets import SHIPPED_NET, net_path
    start = os.path.abspath(net_path(cfg.net or SHIPPED_NET))
    model, _ = load_checkpoint(start)
    task = PolicyGradientTask(cfg, model, start)
    meta = {"rl": True, "start_net": start, "train_config": asdict(cfg)}
    return run(task, model, cfg, meta, progress)


__all__ = ["PolicyGradientTask", "train_rl", "sampled_log_prob", "sampled_log_probs"]
