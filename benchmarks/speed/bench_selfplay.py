"""Self-play throughput: games/hour and positions/s of batched self-play (both sides the
same network, moves sampled, games played to the true end), as `tengen rl` plays them.

    python benchmarks/speed/bench_selfplay.py                      # b6c64 (shipped) and b4c48
    python benchmarks/speed/bench_selfplay.py --nets b6c64 --games 64 --workers 2
    python benchmarks/speed/bench_selfplay.py --device cuda --workers 1 --games 256
    python benchmarks/speed/bench_selfplay.py --nets b6c64 --ray local --workers 2   # Ray actors
    python benchmarks/speed/bench_selfplay.py --nets b6c64 --workers 1 --threads 1   # = 1 actor's work

b6c64 is the shipped SL network; other configs have random weights, whose games differ
in length from a trained network's, so compare them by positions/s. One warm-up game
per worker is played first (compilation, process start).
"""
from __future__ import annotations

import argparse
import json
import os
import time

import torch

from tengen.nets import SHIPPED_NET
from tengen.nets.model import CONFIGS, build_model
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.games import GamesConfig
from tengen.selfplay.workers import Opponent, WorkersConfig
from tengen.selfplay.workers.local import SelfPlayWorkers


def net(name: str):
    model, _ = load_checkpoint(str(SHIPPED_NET))
    if model.cfg == CONFIGS[name]:
        return model, "shipped SL weights"
    torch.manual_seed(0)
    return build_model(name), "random weights"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nets", nargs="+", default=["b6c64", "b4c48"])
    p.add_argument("--games", type=int, default=32, help="games per measurement")
    p.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--device", default="cpu")
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--ray", default="", help="play on Ray actors: local, auto or an address "
                   "(--workers actors, default 2)")
    p.add_argument("--share", type=int, default=8, help="games per Ray task")
    p.add_argument("--threads", type=int, default=0, help="torch threads of in-process play "
                   "(--workers 1); 1 is the work of one Ray actor (0: torch's default)")
    p.add_argument("--backend", default="torch", help="torch, onnx or int8 (local workers)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{os.cpu_count()} cores; device {args.device}; bf16 {args.bf16}")
    for name in args.nets:
        model, weights = net(name)
        if args.ray:
            from tengen.selfplay.workers.ray_actors import RayConfig, RayWorkers
            workers = RayWorkers(RayConfig(args.ray, args.workers or 2, args.share,
                                           device=args.device))
        else:
            workers = SelfPlayWorkers(WorkersConfig(args.workers, args.device, args.bf16,
                                                    backend=args.backend))
        workers.play(model, Opponent.learner(), GamesConfig(size=args.size, games=workers.n * args.share,
                                                max_moves=20))
        t = time.time()
        games = workers.play(model, Opponent.learner(), GamesConfig(size=args.size, games=args.games))
        dt = time.time() - t
        workers.close()
        positions = sum(len(g.moves) for g in games)
        row = {"net": name, "weights": weights, "workers": workers.n, "backend": args.backend,
               "threads": torch.get_num_threads() if workers.n == 1 and not args.ray else 1,
               "ray": args.ray or None, "games": len(games),
               "seconds": round(dt, 1), "games_per_hour": round(len(games) / dt * 3600),
               "positions_per_s": round(positions / dt, 1),
               "moves_per_game": round(positions / len(games), 1)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
