"""The one place that builds a player from options: ``tengen gtp``, the tests and
scripts describe what they want in a ``PlayerOptions`` and call ``build_player``.

Every file an option names is read and checked here, before anything is loaded in the
background, so a bad one ends the start with one message naming it (``UserError``)
instead of a ``?`` to every genmove. The network itself loads in a background thread
(``BackgroundPlayer``) so a GUI's first commands are answered at once.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tengen.errors import UserError


@dataclass
class PlayerOptions:
    player: str = "mcts"  # mcts: tree search; policy: the network's move; random
    net: str | None = None  # checkpoint, or sl / rl (default: the shipped SL net)
    value_net: str | None = None  # leaf values from this net, priors from ``net``
    value_mix: float = 1.0  # value_net's share of the leaf value; the rest ``net``'s own
    rollout_weights: str | None = None  # default: the shipped ones
    rollout_ladders: bool = False  # rollouts never run into a working ladder
    random_symmetry: bool = False  # each network pass in a random board symmetry
    seed: int = 0
    move_time: float = 5.0  # seconds a move when no time was announced
    visits: int | None = None  # simulations a move (None: the clock decides)
    lam: float = 0.5  # leaf value mix: 0 value net only, 1 rollouts only
    lam_late: float | None = None  # the mix late in the game (SearchConfig.lam_late)
    c_puct: float = 1.5
    c_puct_log: float = 0.0
    fpu: str = "average"  # or "legacy" (ablations)
    select: str = "lcb"  # or "visits" (ablations)
    lcb_z: float = 3.0
    score_weight: float = 0.0
    score_scale: float = 0.0
    batch: int = 8
    in_flight: int = 1  # network passes at once
    torch_threads: int = 0  # intra-op threads of each pass (0: leave torch's setting)
    backend: str = "auto"
    resign: float = 0.0
    # adaptive: stop once the move cannot change, search on while it is unclear (main
    # time); flat: every move its share of the clock (the measured baseline)
    time_management: str = "adaptive"


class FileOptionError(UserError):
    pass


def search_config(o: PlayerOptions):
    from tengen.engine.search.mcts import SearchConfig
    extra = {"fpu_reduction": 0.25} if o.fpu == "legacy" else {}
    return SearchConfig(lam=o.lam, lam_late=o.lam_late, c_puct=o.c_puct, c_puct_log=o.c_puct_log, batch=o.batch,
                        visits=o.visits, resign_threshold=o.resign, seed=o.seed,
                        in_flight=o.in_flight, score_weight=o.score_weight,
                        score_scale=o.score_scale, fpu=o.fpu, select=o.select, lcb_z=o.lcb_z,
                        **extra)


def check_files(o: PlayerOptions) -> None:
    """Read every file an option names; ``FileOptionError`` naming the first bad one."""
    from tengen.nets import net_path
    if o.rollout_weights:  # the count needs them even with --player random
        from tengen.engine.rollout.policy import load_weights
        try:
            load_weights(o.rollout_weights)
        except ValueError as e:
            raise FileOptionError(f"--rollout-weights: {e}") from None
    if o.player == "random":
        return
    if o.value_mix != 1.0 and not (o.value_net and 0.0 <= o.value_mix <= 1.0):
        raise FileOptionError(f"--value-mix {o.value_mix}: a share in [0, 1] of the "
                              "--value-net's value (it needs --value-net)")
    for flag, given in (("--net", o.net), ("--value-net", o.value_net)):
        if not given:
            continue
        if not net_path(given).is_file():
            raise FileOptionError(f"{flag} {given}: no such file (a checkpoint, or sl / rl "
                                  "for a shipped network)")
        from tengen.nets.checkpoint import CheckpointError, model_from_state, read_checkpoint
        try:
            model_from_state(read_checkpoint(net_path(given)), Path(given))
        except CheckpointError as e:
            raise FileOptionError(f"{flag}: {e}") from None


def build_player(o: PlayerOptions, judge=None):
    """The tree search with the shipped network unless told otherwise; the random
    placeholder if no network is installed (said on stderr, which GUIs show)."""
    from tengen.engine.player import BackgroundPlayer, RandomPlayer
    from tengen.nets import SHIPPED_NET, net_path

    check_files(o)
    if o.player == "random":
        return RandomPlayer(seed=o.seed)
    path = net_path(o.net) if o.net else SHIPPED_NET
    if not o.net and not path.exists():
        print(f"tengen: no network at {path}; playing random moves", file=sys.stderr)
        return RandomPlayer(seed=o.seed)

    def threads():
        if o.torch_threads:
            import torch
            torch.set_num_threads(o.torch_threads)

    def load_policy():
        threads()
        from tengen.players.policy import PolicyPlayer
        player = PolicyPlayer(str(path), judge=judge)
        player.warm_up()
        return player

    def load_search():  # torch's threads are set where it loads (nets.file_load)
        from tengen.players.search import build_search_player
        return build_search_player(str(path), search_config(o), o.rollout_weights,
                                   move_time=o.move_time, seed=o.seed, judge=judge,
                                   value_net=o.value_net, backend=o.backend,
                                   torch_threads=o.torch_threads, time_policy=time_policy(o),
                                   rollout_ladders=o.rollout_ladders,
                                   value_mix=o.value_mix, random_symmetry=o.random_symmetry)
    if o.player == "policy":
        return BackgroundPlayer(load_policy, name="policy")
    return BackgroundPlayer(load_search, name="mcts", stand_in=lambda: _stand_in(path),
                            budget=_move_budget(o))


def _stand_in(path):
    """The network's move while a first start compiles its kernels (None on later starts)."""
    from tengen.players.precompile import KernelPrecompile
    from tengen.players.stand_in import StandIn
    return None if KernelPrecompile.cached() else StandIn(str(path))


def time_policy(o: PlayerOptions):
    from tengen.engine.search.timecontrol import TimePolicy
    if o.time_management not in ("adaptive", "flat"):
        raise ValueError(f"time management {o.time_management!r}: adaptive or flat")
    adaptive = o.time_management == "adaptive"
    return TimePolicy(default_move_time=o.move_time, early_stop=adaptive,
                      extend=TimePolicy.extend if adaptive else 0.0)


def _move_budget(o: PlayerOptions):
    """The search's own time budget for a move; None with a visit count and no clock."""
    def budget(state, pla, clock):
        from tengen.engine.search.timecontrol import move_budget
        if o.visits is not None and clock.main_time is None:
            return None
        return move_budget(clock, pla, len(state.board.empties()), time_policy(o))
    return budget


__all__ = ["PlayerOptions", "build_player", "check_files", "search_config", "time_policy",
           "FileOptionError"]
