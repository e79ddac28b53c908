"""Assembles the search player: network evaluator, rollout policy, time policy."""
from __future__ import annotations

from dataclasses import replace

from tengen.engine.game import GameState
from tengen.engine.judge.judgment import Judge
from tengen.engine.search.mcts import SearchConfig
from tengen.engine.rollout.policy import RolloutPolicy, load_weights
from tengen.engine.rollout.precompile import RolloutPrecompile
from tengen.engine.search.search_player import SearchPlayer
from tengen.engine.search.state import SimState
from tengen.engine.search.timecontrol import TimePolicy
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator, SplitEvaluator
from tengen.nets.heads import NetHeads
from tengen.nets.int8 import Int8Gate
from tengen.nets.checkpoint import load_checkpoint


def build_search_player(net: str, cfg: SearchConfig, rollout_weights: str | None = None,
                        move_time: float = 5.0, seed: int = 0, warm_up: bool = True,
                        device: str = "cpu", judge: Judge | None = None,
                        value_net: str | None = None, backend: str = "torch") -> SearchPlayer:
    """``value_net``: take leaf values from this network, priors from ``net``;
    ``backend``: ``EvaluatorConfig.backend``."""
    rollouts_ready = RolloutPrecompile() if warm_up else None
    ecfg = EvaluatorConfig(device=device, backend=backend, parallel=cfg.in_flight)
    if not value_net:
        evaluator = SharedEvaluator(load_checkpoint(net)[0], ecfg)
    else:  # each network's int8 is judged on the output the search takes from it
        evaluator = SplitEvaluator(
            SharedEvaluator(load_checkpoint(net)[0],
                            replace(ecfg, int8_gate=Int8Gate(max_value_diff=float("inf")))),
            SharedEvaluator(load_checkpoint(value_net)[0],
                            replace(ecfg, int8_gate=Int8Gate(min_same_top=0.0))))
    w, _ = load_weights(rollout_weights)
    player = SearchPlayer(evaluator, cfg,
                          RolloutPolicy(w, seed=seed) if cfg.lam > 0 or cfg.score_weight > 0 else None,
                          TimePolicy(default_move_time=move_time),
                          judge=judge or Judge(RolloutPolicy(w, seed=seed + 1)),
                          heads=NetHeads.of(evaluator))
    if warm_up:  # compile or load every kernel a move needs, and prime torch, now:
        g = GameState(9)  # a clock announced to GTP waits for this, not the first move
        s = SimState.from_game(g)
        player.mcts.evaluator.evaluate([s])  # board and feature kernels, here...
        s.moves()
        rollouts_ready.wait()  # ...while the rollout kernels compile beside them
        player.mcts.set_root(SimState.from_game(g))
        player.mcts.search(visits=2 * cfg.batch)
        player.mcts.set_root(SimState.from_game(g))  # forget the warm-up tree
        player.judge.rollouts.run(g, 1)
    return player


def build_search_players(count: int, net: str, cfg: SearchConfig, **kw) -> list[SearchPlayer]:
    """``count`` search players on one shared network (its forward passes batch their
    positions together), each with its own tree and rollouts."""
    first = build_search_player(net, cfg, **kw)
    w, _ = load_weights(kw.get("rollout_weights"))
    seed = kw.get("seed", 0)
    return [first] + [
        SearchPlayer(first.mcts.evaluator, cfg,
                     RolloutPolicy(w, seed=seed + 2 * k) if cfg.lam > 0 or cfg.score_weight > 0
                     else None, TimePolicy(), judge=first.judge, heads=first.heads)
        for k in range(1, count)]


__all__ = ["build_search_player", "build_search_players"]
