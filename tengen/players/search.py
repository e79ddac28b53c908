"""Assembles the search player: network evaluator, rollout policy, time policy."""
from __future__ import annotations

from dataclasses import replace

from tengen.engine.game import GameState
from tengen.engine.judge.judgment import Judge
from tengen.engine.search.mcts import SearchConfig
from tengen.engine.rollout.policy import RolloutPolicy, load_weights
from tengen.players.precompile import KernelPrecompile, warm_board
from tengen.engine.search.search_player import SearchPlayer
from tengen.engine.search.state import SimState
from tengen.engine.search.timecontrol import TimePolicy
from tengen.nets.evaluator import EvaluatorConfig, SplitEvaluator
from tengen.nets.file_load import load_evaluator
from tengen.nets.heads import NetHeads
from tengen.nets.int8 import Int8Gate


def build_search_player(net: str, cfg: SearchConfig, rollout_weights: str | None = None,
                        move_time: float = 5.0, seed: int = 0, warm_up: bool = True,
                        device: str = "cpu", judge: Judge | None = None,
                        value_net: str | None = None, backend: str = "torch",
                        torch_threads: int = 0,
                        time_policy: TimePolicy | None = None,
                        rollout_ladders: bool = False, value_mix: float = 1.0,
                        random_symmetry: bool = False) -> SearchPlayer:
    """``value_net``: take leaf values from this network, priors from ``net``;
    ``backend``: ``EvaluatorConfig.backend``; ``torch_threads``: as the player set them
    (0: torch's own count), part of the load cache's key; ``time_policy``: how the clock
    is spent (default: the adaptive one, ``move_time`` seconds a move without a clock);
    ``rollout_ladders``: the rollouts (the search's and the judge's) read ladders;
    ``value_mix``: with ``value_net``, its share of the leaf value, the rest the priors
    net's own (``SplitEvaluator``); ``random_symmetry``: each network pass in a symmetry
    drawn at random (``EvaluatorConfig``)."""
    kernels = KernelPrecompile() if warm_up else None  # compiling beside the net's load
    if kernels is not None and kernels.compiling:
        warm_board()  # the kernels a GTP command runs, here first
    ecfg = EvaluatorConfig(device=device, backend=backend, parallel=cfg.in_flight,
                           random_symmetry=random_symmetry, seed=seed)
    if not value_net:
        evaluator = load_evaluator(net, ecfg, torch_threads)
    else:  # each network's int8 is judged on the outputs the search takes from it
        priors_gate = Int8Gate() if value_mix < 1.0 else Int8Gate(max_value_diff=float("inf"))
        evaluator = SplitEvaluator(
            load_evaluator(net, replace(ecfg, int8_gate=priors_gate), torch_threads),
            load_evaluator(value_net, replace(ecfg, int8_gate=Int8Gate(min_same_top=0.0)),
                           torch_threads), mix=value_mix)
    if kernels is not None:
        kernels.wait()
    w, _ = load_weights(rollout_weights)
    lad = rollout_ladders
    player = SearchPlayer(evaluator, cfg,
                          RolloutPolicy(w, seed=seed, ladders=lad) if cfg.uses_rollouts() else None,
                          time_policy or TimePolicy(default_move_time=move_time),
                          judge=judge or Judge(RolloutPolicy(w, seed=seed + 1, ladders=lad)),
                          heads=NetHeads.of(evaluator))
    if warm_up:  # load every kernel a move needs, and prime the network, now:
        g = GameState(9)  # a clock announced to GTP waits for this, not the first move
        s = SimState.from_game(g)
        player.mcts.evaluator.evaluate([s])
        s.moves()
        player.mcts.set_root(SimState.from_game(g))
        player.mcts.search(visits=2 * cfg.batch)
        player.mcts.set_root(SimState.from_game(g))  # forget the warm-up tree
        player.judge.rollouts.run(g, 1)
        kernels.done()
    return player


def build_search_players(count: int, net: str, cfg: SearchConfig, **kw) -> list[SearchPlayer]:
    """``count`` search players on one shared network (its forward passes batch their
    positions together), each with its own tree and rollouts."""
    first = build_search_player(net, cfg, **kw)
    w, _ = load_weights(kw.get("rollout_weights"))
    seed = kw.get("seed", 0)
    return [first] + [
        SearchPlayer(first.mcts.evaluator, cfg,
                     RolloutPolicy(w, seed=seed + 2 * k,
                                   ladders=kw.get("rollout_ladders", False))
                     if cfg.uses_rollouts()
                     else None, TimePolicy(), judge=first.judge, heads=first.heads)
        for k in range(1, count)]


__all__ = ["build_search_player", "build_search_players"]
