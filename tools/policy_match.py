"""Two policy networks against each other, both drawing every move from their own
softmax over sensible moves (AlphaGo's measure of its RL policy against its SL policy),
games played to the end and counted exactly, colours alternating.

    python tools/policy_match.py runs/rl/best.pt              # against the shipped SL
    python tools/policy_match.py A.pt --against B.pt --games 400 --out runs/match
    python tools/policy_match.py A.pt --backend onnx --workers 1   # ONNX Runtime, one core

Prints wins, the Wilson 95% interval and Elo; ``--out`` keeps every SGF.
"""
from __future__ import annotations

import argparse
import json
import time

from tengen.nets import SHIPPED_NET
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.games import GamesConfig, write_games
from tengen.match.stats import match_stats
from tengen.selfplay.workers import Opponent, WorkersConfig
from tengen.selfplay.workers.local import SelfPlayWorkers


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("net", help="the network measured")
    p.add_argument("--against", default=str(SHIPPED_NET), help="default: the shipped SL net")
    p.add_argument("--games", type=int, default=400)
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--komi", type=float, default=7.5)
    p.add_argument("--temperature", type=float, default=1.0, help="the measured net's")
    p.add_argument("--against-temperature", type=float, default=None,
                   help="the other's (default: the same); e.g. a cold policy against its "
                   "own sampled self: `NET --against NET --temperature 0.25`")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--backend", choices=("torch", "onnx", "int8"), default="torch",
                   help="the networks' runtime in the workers (onnx: 1.3x on CPUs here, "
                   "int8: 1.9x onnx)")
    p.add_argument("--out", default=None, help="folder for the SGFs")
    args = p.parse_args(argv)
    model, _ = load_checkpoint(args.net)
    workers = SelfPlayWorkers(WorkersConfig(args.workers, args.device, backend=args.backend))
    t = time.time()
    cfg = GamesConfig(args.size, args.komi, args.games, temperature=args.temperature,
                      opponent_temperature=args.against_temperature, seed=args.seed)
    games = workers.play(model, Opponent.checkpoint(args.against), cfg,
                         names=(args.net, args.against))
    workers.close()
    if args.out:
        write_games(games, args.out)
    wins = sum(g.outcome(g.learner) > 0 for g in games)
    draws = sum(g.outcome(g.learner) == 0 for g in games)
    summary = {"net": args.net, "against": args.against, "temperature": cfg.temperature,
               "against_temperature": cfg.opponent_temperature, "games": len(games), "wins": wins,
               "draws": draws, "seconds": round(time.time() - t),
               **match_stats(wins, len(games) - wins - draws, draws)}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
