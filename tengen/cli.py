"""The ``tengen`` command: one subcommand per job (play over GTP, and later train,
self-play and matches). Heavy imports happen inside each subcommand."""
from __future__ import annotations

import argparse
import sys


def _gtp(args: argparse.Namespace) -> int:
    # GTP owns stdout: anything else printed (warnings, libraries) goes to stderr
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    from .engine.gtp import GtpEngine
    from .engine.players import RandomPlayer

    engine = GtpEngine(RandomPlayer(seed=args.seed), size=args.size, komi=args.komi)
    try:
        engine.serve(sys.stdin.buffer, out)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tengen", description="AlphaGo-style Go engine")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("gtp", help="speak GTP v2 on stdin/stdout (for Sabaki, GNU Go, ...)")
    g.add_argument("--size", type=int, default=19, help="initial board size")
    g.add_argument("--komi", type=float, default=7.5, help="initial komi")
    g.add_argument("--seed", type=int, default=None, help="random seed of the player")
    g.set_defaults(func=_gtp)

    r = sub.add_parser("replay-check", help="replay SGF records and report which fail, why")
    r.add_argument("paths", nargs="+", help="SGF files, folders or archives")
    r.add_argument("--out", help="write the JSON report here")
    r.add_argument("--jobs", type=int, default=1)
    r.set_defaults(func=_replay_check)
    return p


def _replay_check(args: argparse.Namespace) -> int:
    from .engine.replay import main_replay_check
    return main_replay_check(args.paths, args.out, args.jobs)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
