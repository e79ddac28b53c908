"""How predictable are value-data outcomes at all? The noise floor of issue 13's targets.

A position's outcome z under the policy that plays it out is a coin with some bias; no
value network can do better than that coin's variance, 1 - E[z|s]^2. This script takes
s_{U+1} positions of held-out value-data batches, plays each out K more times with the
same policy (the SL network sampling, as ``tengen value-data`` does before an RL policy
exists; ``--net`` for another), and estimates the floor as the mean over positions of the
unbiased variance K/(K-1) * (1 - mean(z)^2), overall and by game phase. With
``--value-net`` it also reports that network's MSE on the same positions against the
recorded outcome, and against the K-continuation mean (the part of its error that is not
the coin's).

    python experiments/value_noise_floor.py --data runs/vd16 --positions 64 --continuations 8

All continuations are stepped together, one batched forward pass per ply and colour.

``--search-visits N`` plays the continuations with the tree search instead (``--lam``,
value network and rollouts mixed as in ``tengen gtp``; each move drawn from the root's
visit counts at ``--temperature``, so that continuations differ; resigning below
``--resign``; a game that ends on passes is counted by tengen's judge, dead stones off).
This asks whether a stronger continuation policy makes the outcomes of these positions
predictable: the floor of value data that search self-play (AlphaGo Zero's targets) would
make. One game at a time per worker process (``--workers``).
Prints one JSON object as its last line.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from tengen.engine.board import BLACK
from tengen.engine.game import GameState
from tengen.nets import SHIPPED_NET
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.games import sample_move
from tengen.selfplay.records import load_records
from tengen.selfplay.value_eval import PHASES
from tengen.selfplay.value_train import batch_files


def held_out_positions(data: str, val_every: int, n: int, seed: int):
    """(moves before s_{U+1}, recorded z for the side to move there, size, komi) of ``n``
    games drawn from the held-out batches."""
    rows = []
    for path in batch_files(data):
        if int(path.parent.name.split("-")[1]) % val_every != val_every - 1:
            continue
        games, info = load_records(str(path))
        with np.load(path) as d:
            us = d["u"]
        for g, u in zip(games, us):
            mover = 3 - g.moves[int(u) - 1].pla  # to move at s_{U+1}
            rows.append((g.moves[:int(u)], g.outcome(mover), int(info["size"]),
                         float(info["komi"])))
    pick = np.random.default_rng(seed).choice(len(rows), size=min(n, len(rows)), replace=False)
    return [rows[i] for i in sorted(pick)]


def outcome(score: float, mover: int) -> float:
    """z for ``mover`` of a black-minus-white count (komi included)."""
    return 0.0 if score == 0 else (1.0 if (score > 0) == (mover == BLACK) else -1.0)


def play_out(net, starts: list[GameState], k: int, seed: int,
             temperature: float = 1.0) -> np.ndarray:
    """(len(starts), k) outcomes for the side to move at each start."""
    states = [s.copy() for s in starts for _ in range(k)]
    movers = [s.to_play for s in states]
    rngs = [np.random.default_rng([seed, i]) for i in range(len(states))]
    cap = 3 * starts[0].size ** 2
    active = [i for i, s in enumerate(states) if not s.is_over()]
    while active:
        for pla in (BLACK, 3 - BLACK):
            group = [i for i in active if states[i].to_play == pla]
            if group:
                probs, _ = net.evaluate([states[i] for i in group])
                for i, p in zip(group, probs):
                    states[i].play(sample_move(states[i], pla, p, temperature, rngs[i]), pla)
        active = [i for i in active if not states[i].is_over() and len(states[i].moves) < cap]
    z = [outcome(s.area_score(), mover) for s, mover in zip(states, movers)]
    return np.array(z, np.float32).reshape(len(starts), k)


_PLAYER = None


def _search_worker_init(net: str, visits: int, lam: float, resign: float, backend: str,
                        seed: int) -> None:
    import torch
    torch.set_num_threads(1)
    from tengen.engine.search.mcts import SearchConfig
    from tengen.players.search import build_search_player
    global _PLAYER
    _PLAYER = build_search_player(net, SearchConfig(lam=lam, visits=visits,
                                                    resign_threshold=resign, seed=seed),
                                  move_time=600.0, seed=seed, backend=backend)


def _search_game(task) -> float:
    """One continuation by the search, both sides: the outcome for the side to move at
    the start."""
    from tengen.engine.player import RESIGN, Clock
    start, temperature, seed = task
    player = _PLAYER
    player.rng = np.random.default_rng(seed)
    state = start.copy()
    mover = state.to_play
    cap = 3 * state.size ** 2
    while not state.is_over() and len(state.moves) < cap:
        pla = state.to_play
        loc = player.choose(state, pla, Clock(), temperature=temperature).loc
        if loc == RESIGN:
            return -1.0 if pla == mover else 1.0
        state.play(loc, pla)
    return outcome(player.judge(state).score, mover)


def search_play_out(args, starts: list[GameState]) -> np.ndarray:
    """(len(starts), k) outcomes of search continuations, spread over worker processes."""
    import multiprocessing as mp
    from tqdm import tqdm
    k = args.continuations
    tasks = [(s, args.temperature, args.seed * 100_003 + i * k + j)
             for i, s in enumerate(starts) for j in range(k)]
    ctx = mp.get_context("spawn")
    with ctx.Pool(args.workers, _search_worker_init,
                  (args.net, args.search_visits, args.lam, args.resign, args.backend,
                   args.seed)) as pool:
        z = list(tqdm(pool.imap(_search_game, tasks), total=len(tasks), unit="game",
                      file=sys.stderr))
    return np.array(z, np.float32).reshape(len(starts), k)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="runs/vd16")
    ap.add_argument("--val-every", type=int, default=5)
    ap.add_argument("--positions", type=int, default=64)
    ap.add_argument("--continuations", type=int, default=8)
    ap.add_argument("--net", default=str(SHIPPED_NET), help="the policy that plays out")
    ap.add_argument("--value-net", action="append", default=[], help="networks to score")
    ap.add_argument("--temperature", type=float, default=1.0,
                    help="of the continuations (value-data's after move U is 1)")
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--search-visits", type=int, default=0,
                    help="play out with the tree search at this many visits a move")
    ap.add_argument("--lam", type=float, default=0.0, help="the search's rollout weight")
    ap.add_argument("--resign", type=float, default=0.03, help="the search's resign rate")
    ap.add_argument("--workers", type=int, default=2, help="search processes")
    ap.add_argument("--save", help="an .npz of the outcomes, move numbers, recorded z")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    rows = held_out_positions(args.data, args.val_every, args.positions, args.seed)
    starts = []
    for moves, _, size, komi in rows:
        s = GameState(size, komi)
        for m in moves:
            s.play(m.loc, m.pla)
        starts.append(s)
    t = time.perf_counter()
    if args.search_visits:
        z = search_play_out(args, starts)
    else:
        net = SharedEvaluator(load_checkpoint(args.net)[0],
                              EvaluatorConfig(backend=args.backend))
        z = play_out(net, starts, args.continuations, args.seed, args.temperature)
        net.close()
    elapsed = time.perf_counter() - t
    k = args.continuations
    mean = z.mean(axis=1)
    floor = k / (k - 1) * (1 - mean ** 2)
    recorded = np.array([r[1] for r in rows], np.float32)
    move_no = np.array([len(r[0]) + 1 for r in rows])

    def by_phase(err):
        out = {"all": round(float(err.mean()), 4)}
        for name, lo, hi in PHASES:
            sel = (move_no >= lo) & (move_no <= hi)
            out[name] = round(float(err[sel].mean()), 4) if sel.any() else None
        return out

    result = {"positions": len(rows), "continuations": k, "temperature": args.temperature,
              "player": (f"search visits={args.search_visits} lam={args.lam}"
                         if args.search_visits else "policy"),
              "play_s": round(elapsed, 1),
              "phase_counts": {name: int(((move_no >= lo) & (move_no <= hi)).sum())
                               for name, lo, hi in PHASES},
              "noise_floor": by_phase(floor),
              "mean_as_predictor_vs_recorded": by_phase((mean - recorded) ** 2),
              "recorded_agrees_with_majority": round(float(((np.sign(mean) == recorded)
                                                            | (mean == 0)).mean()), 3)}
    for path in args.value_net:
        from tengen.selfplay.value_train import predict_values
        from tengen.nets.evaluator import planes_of
        model = load_checkpoint(path)[0]
        v = predict_values(model, lambda i, j: planes_of(starts[i:j]), len(starts))
        result[f"value_net {Path(path).parent.name}/{Path(path).name}"] = {
            "mse_vs_recorded": by_phase((v - recorded) ** 2),
            # every continuation's outcome as a target: the MSE the net would score on
            # value data made by the continuations' policy (the floor included)
            "mse_vs_continuations": by_phase(((v[:, None] - z) ** 2).mean(axis=1)),
            "mse_vs_continuation_mean": by_phase((v - mean) ** 2)}
    if args.save:
        np.savez(args.save, z=z, recorded=recorded, move_no=move_no)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
