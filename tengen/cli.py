"""The ``tengen`` command: one subcommand per job (play over GTP, and later train,
self-play and matches). Heavy imports happen inside each subcommand."""
from __future__ import annotations

import argparse
import os
import sys


def _gtp(args: argparse.Namespace) -> int:
    # GTP owns stdout: anything else printed (warnings, libraries) goes to stderr
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    # waiting OpenMP threads sleep rather than spin; read when torch loads, so set first
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    opts = player_options(args)
    plan = _plan_threads(args)
    opts.in_flight, opts.torch_threads = plan.passes, plan.torch_threads
    from tengen.engine.gtp import GtpEngine
    from tengen.engine.judge.judgment import Judge
    from tengen.players.build import build_player

    judge = Judge(weights=args.rollout_weights)  # the engine's own rollouts count the game
    if args.prepare:
        return _prepare(build_player(opts, judge))
    engine = GtpEngine(build_player(opts, judge), size=args.size, komi=args.komi, judge=judge,
                       ponder=args.ponder)
    try:
        engine.serve(sys.stdin.buffer, out)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


def _prepare(player) -> int:
    """Do now what a first start would: compile every kernel into Numba's cache and fill
    the load cache (the net's ONNX graphs, its int8 tower, the backend choice)."""
    import time
    t0 = time.perf_counter()
    player.start(stand_in=False)  # nothing to play: no stand-in
    player.ready()
    player.close()
    print(f"tengen: prepared in {time.perf_counter() - t0:.1f} s; the next start with these "
          "settings loads from the caches", file=sys.stderr)
    return 0


def _analysis_flags(p: argparse.ArgumentParser, visits: int) -> None:
    p.add_argument("--net", default=None, help="network checkpoint (default: the shipped one)")
    p.add_argument("--value-net", default=None, help="take leaf values from this network")
    p.add_argument("--visits", type=int, default=visits,
                   help="visits a position (the JSON protocol: when a query gives no maxVisits)")
    p.add_argument("--parallel", type=int, default=2,
                   help="positions searched at once, their network passes batched together")
    p.add_argument("--lam", type=float, default=0.5, help="leaf value mix (0: network only)")
    p.add_argument("--backend", choices=("auto", "torch", "onnx", "int8"), default="auto")
    p.add_argument("--threads", type=int, default=0, help="threads of each network pass")
    p.add_argument("--seed", type=int, default=0)


def _review(args: argparse.Namespace) -> int:
    import json

    from tengen.analysis.review import review
    from tengen.engine.sgf import SgfError
    players = _analysis_players(args, "review")
    try:
        summary = review(args.sgf, players, args.visits, args.out, args.png)
    except (OSError, SgfError, ValueError) as e:
        raise SystemExit(f"tengen review: {args.sgf}: {e}")
    finally:
        for p in players:
            p.close()
    print(json.dumps(summary))
    return 0


def _analysis(args: argparse.Namespace) -> int:
    out = sys.stdout
    sys.stdout = sys.stderr  # stdout carries the protocol alone
    from tengen.analysis.json_engine import AnalysisEngine
    players = _analysis_players(args, "analysis")
    try:
        AnalysisEngine(players, args.visits, out).serve(sys.stdin)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    for p in players:
        p.close()
    return 0


def _analysis_players(args: argparse.Namespace, command: str) -> list:
    """Search players on one shared network for ``tengen analysis`` and ``review``."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from tengen.nets import SHIPPED_NET, net_path
    from tengen.nets.threads import apply, plan_threads
    from tengen.players.build import PlayerOptions, check_files, search_config
    from tengen.players.search import build_search_players
    if args.parallel < 1 or args.visits < 1:
        raise SystemExit(f"tengen {command}: --parallel and --visits must be at least 1")
    opts = PlayerOptions(net=args.net, value_net=args.value_net, lam=args.lam,
                         backend=args.backend, seed=args.seed, visits=args.visits)
    check_files(opts)
    plan = plan_threads(rollouts=args.lam > 0, override=args.threads, passes=args.parallel)
    apply(plan)
    opts.in_flight = plan.passes
    players = build_search_players(args.parallel, str(net_path(args.net or SHIPPED_NET)),
                                   search_config(opts), seed=args.seed,
                                   value_net=args.value_net, backend=args.backend)
    print(f"tengen {command}: ready ({args.parallel} positions at once, {plan.describe()})",
          file=sys.stderr, flush=True)
    return players


def player_options(args: argparse.Namespace):
    """``tengen gtp``'s options as the player builder's dataclass."""
    from tengen.players.build import PlayerOptions
    return PlayerOptions(
        player=args.player, net=args.net, value_net=args.value_net, value_mix=args.value_mix,
        rollout_weights=args.rollout_weights, rollout_ladders=args.rollout_ladders,
        random_symmetry=args.random_symmetry, seed=args.seed, move_time=args.move_time,
        visits=args.visits, lam=args.lam, lam_late=args.lam_late, c_puct=args.c_puct,
        c_puct_log=args.c_puct_log, fpu=args.fpu,
        select=args.select, lcb_z=args.lcb_z, score_weight=args.score_weight,
        score_scale=args.score_scale, batch=args.batch, backend=args.backend,
        resign=args.resign, time_management=args.time_management)


def _plan_threads(args: argparse.Namespace):
    """The engine's threads (``tengen.nets.threads``), said on stderr; the player's
    background load applies them to torch (importing torch here would delay the first
    answer by seconds)."""
    from tengen.nets.threads import plan_threads
    rollouts = args.lam > 0 or (args.lam_late or 0) > 0
    plan = plan_threads(rollouts=args.player == "mcts" and rollouts, override=args.threads,
                        passes=args.passes)
    if args.player != "random":
        print(f"tengen: {plan.describe()}", file=sys.stderr)
    return plan


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tengen", description="AlphaGo-style Go engine")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("gtp", help="speak GTP v2 on stdin/stdout (for Sabaki, GNU Go, ...)")
    g.add_argument("--size", type=int, default=19, help="initial board size")
    g.add_argument("--komi", type=float, default=7.5, help="initial komi")
    g.add_argument("--seed", type=int, default=0,
                   help="random seed: the rollouts, moves drawn with a temperature, the "
                   "random player (default 0: the same moves on every run)")
    g.add_argument("--player", choices=("mcts", "policy", "random"), default="mcts",
                   help="mcts: tree search (default); policy: the network's move, no "
                   "search; random: placeholder")
    g.add_argument("--net", default=None, help="network checkpoint, or sl / rl for a shipped "
                   "one (default: sl, the supervised net)")
    g.add_argument("--value-net", default=None,
                   help="the search takes leaf values from this network (priors still "
                   "from --net): a value network from tengen train-value")
    g.add_argument("--value-mix", type=float, default=1.0,
                   help="with --value-net: its share of the leaf value, the rest from --net's "
                   "own value output, which comes with the priors at no cost (default 1)")
    g.add_argument("--rollout-weights", default=None,
                   help="rollout policy weights (default: the shipped ones)")
    g.add_argument("--rollout-ladders", action="store_true",
                   help="rollouts read ladders: an escape into a working ladder is never "
                   "played out (off by default: unmeasured in matches, and it costs time)")
    g.add_argument("--random-symmetry", action="store_true",
                   help="each network pass sees the board in one of its 8 symmetries, drawn "
                   "at random, as AlphaGo's search did (off by default: unmeasured in matches)")
    g.add_argument("--move-time", type=float, default=5.0,
                   help="seconds per move when the controller sends no time settings")
    g.add_argument("--visits", type=int, default=None,
                   help="simulations per move (a fixed budget; time still caps it)")
    g.add_argument("--lam", type=float, default=0.5,
                   help="leaf value mix: 0 value network only, 1 rollouts only")
    g.add_argument("--lam-late", type=float, default=None,
                   help="the mix late in the game: --lam while stones cover a quarter of "
                   "the board, this from 55%% on, linear between (default: --lam throughout)")
    g.add_argument("--c-puct", type=float, default=1.5)
    g.add_argument("--fpu", choices=("average", "legacy"), default="average",
                   help="first-play urgency: the parent's running average less a reduction "
                   "by the visited prior (default), or legacy: its single leaf value less 0.25")
    g.add_argument("--select", choices=("lcb", "visits"), default="lcb",
                   help="the move played: best lower confidence bound among well-visited "
                   "moves (default), or the most visited")
    g.add_argument("--lcb-z", type=float, default=3.0,
                   help="standard errors below a move's mean its lower confidence bound "
                   "lies (KataGo uses 5)")
    g.add_argument("--time-management", choices=("adaptive", "flat"), default="adaptive",
                   help="adaptive (default): stop a move early once it cannot change, search "
                   "on while it is unclear and main time is left; flat: every move its share")
    g.add_argument("--c-puct-log", type=float, default=0.0,
                   help="exploration grows as c-puct + this * log((N + 500) / 500) (0: off)")
    g.add_argument("--score-weight", type=float, default=0.0,
                   help="weigh the rollouts' margins beside the win rate (KataGo's score "
                   "utility): prefer the bigger lead, or the smaller deficit, among moves "
                   "the win rate cannot tell apart (default 0: off; 0.3 is KataGo's)")
    g.add_argument("--score-scale", type=float, default=0.0,
                   help="points of margin the score utility spans (default: the board size)")
    g.add_argument("--batch", type=int, default=8, help="leaves per network call")
    g.add_argument("--backend", choices=("auto", "torch", "onnx", "int8"), default="auto",
                   help="what runs the network on a CPU: auto measures torch, ONNX "
                   "Runtime and its int8 tower (where it keeps fp32's answers) at load and "
                   "takes the fastest at each batch size")
    g.add_argument("--threads", type=int, default=0,
                   help="threads of each network pass (default: half the cores left after "
                   "the rollout thread, at least 1)")
    g.add_argument("--passes", type=int, default=0,
                   help="network passes at once, the search's batches in flight "
                   "(default: 2, 1 on one core)")
    g.add_argument("--ponder", action="store_true",
                   help="think on the opponent's time, until its move arrives (off by "
                   "default: in a match it takes cores the opponent may need)")
    g.add_argument("--prepare", action="store_true",
                   help="compile and cache what a first start computes (Numba kernels, the "
                   "network's ONNX and int8 forms, the backend choice) for these settings, "
                   "then exit: run once after installing")
    g.add_argument("--resign", type=float, default=0.0,
                   help="resign below this win rate (default 0: never)")
    g.set_defaults(func=_gtp)

    an = sub.add_parser("analysis", help="KataGo's JSON analysis protocol on stdin/stdout "
                        "(for KaTrain and other review tools)")
    _analysis_flags(an, visits=500)
    an.set_defaults(func=_analysis)

    rv = sub.add_parser("review", help="analyse every position of a finished game: the SGF "
                        "back with win rates (SBKV) and comments, and a PNG of the curves")
    rv.add_argument("sgf", help="the game record")
    rv.add_argument("--out", default=None, help="reviewed SGF (default: GAME-review.sgf)")
    rv.add_argument("--png", default=None, help="curves (default: beside the reviewed SGF)")
    _analysis_flags(rv, visits=400)
    rv.set_defaults(func=_review)

    a = sub.add_parser("arena", help="play a refereed match between two GTP engines")
    a.add_argument("--engine", help="GTP command line of the engine measured "
                   "(default: tengen gtp)")
    a.add_argument("--opponent", help="GTP command line of the opponent "
                   "(default: gnugo --mode gtp --level 10 --chinese-rules)")
    a.add_argument("--games", type=int, default=10)
    a.add_argument("--size", type=int, default=19)
    a.add_argument("--komi", type=float, default=7.5)
    a.add_argument("--handicap", type=int, default=0, help="fixed handicap stones for black")
    a.add_argument("--engine-colour", choices=("alternate", "black", "white"),
                   default="alternate", help="the engine's colour: alternate game by game "
                   "(default), or always black or white (with --handicap: white gives the "
                   "stones)")
    a.add_argument("--seed", type=int, default=None, metavar="N",
                   help="game i is played with seed N+i: GNU Go's --seed on the opponent, "
                   "and {seed} in --engine or --opponent (e.g. 'tengen gtp --seed {seed}'): "
                   "a rerun replays the match, and parallel games started in the same "
                   "second differ (default: the engines' own seeding; GNU Go's is the clock)")
    a.add_argument("--no-alternate", action="store_true", help="short for --engine-colour black")
    a.add_argument("--move-time", type=float, default=None,
                   help="a clock of T seconds per move for both engines: short for "
                   "--time 'canadian 0 T 1'")
    a.add_argument("--time", default=None, metavar="SYSTEM",
                   help="a clock the match keeps for both sides, written as "
                   "kgs-time_settings: 'absolute 600', 'byoyomi 600 30 5' (Japanese), "
                   "'canadian 600 300 25'; a side whose clock runs out loses on time")
    a.add_argument("--move-timeout", type=float, default=60.0,
                   help="without a clock, a genmove slower than this loses the game as "
                   "a hang (default 60 s)")
    a.add_argument("--max-moves", type=int, default=None, help="default 3 x size^2")
    a.add_argument("--referee", help="GTP engine that counts finished games "
                   "(default: GNU Go level 10, Chinese rules)")
    a.add_argument("--out", required=True, help="output folder (rerun the same to resume)")
    a.add_argument("--jobs", type=int, default=1, help="games in parallel")
    a.add_argument("--sprt", default=None, metavar="ELO0,ELO1",
                   help="stop early once a sequential probability ratio test (alpha = beta "
                        "= 0.05) accepts Elo <= ELO0 or Elo >= ELO1; --games is the cap")
    a.set_defaults(func=_arena)

    d = sub.add_parser("build-data", help="KGS archives / SGF folders -> position shards")
    d.add_argument("sources", nargs="+", help="archives (.tar.gz, .tar.bz2, .zip) or folders")
    d.add_argument("--out", required=True, help="shard folder (train/ and val/ inside)")
    d.add_argument("--validation", default="KGS-2017_05",
                   help="comma-separated name patterns of validation sources")
    d.add_argument("--min-moves", type=int, default=30)
    d.add_argument("--jobs", type=int, default=1)
    d.add_argument("--parts", type=int, default=1,
                   help="split each source into this many shards, so --jobs cores share "
                   "a large archive")
    d.set_defaults(func=_build_data)

    t = sub.add_parser("train-sl", help="supervised training on position shards")
    from tengen.nets.train_config import TrainConfig
    _add_config_flags(t, TrainConfig)
    t.set_defaults(func=_train_sl)

    ds = sub.add_parser("distill", help="train a (fast) net on a larger teacher's move "
                        "distribution and value as well as the moves played")
    from tengen.nets.train_config import DistillConfig
    _add_config_flags(ds, DistillConfig)
    ds.set_defaults(func=_distill)

    rl = sub.add_parser("rl", help="self-play policy gradient against a pool of past selves "
                        "(rerun the same command to resume)")
    from tengen.selfplay.rl_config import RLConfig
    _add_config_flags(rl, RLConfig)
    rl.set_defaults(func=_rl)

    vd = sub.add_parser("value-data", help="value-network positions, AlphaGo's procedure "
                        "(SL policy to move U-1, a random move U, RL policy to the end)")
    from tengen.selfplay.value_config import ValueDataConfig
    _add_config_flags(vd, ValueDataConfig)
    vd.add_argument("--sl", default=None, help="SL policy (default: the shipped network)")
    vd.add_argument("--rl", default=None, help="RL policy (default: the SL policy)")
    vd.add_argument("--judge", default=None, help="value net whose values decide "
                    "resignation (default: the RL policy's own value output)")
    vd.add_argument("--device", default="cpu")
    vd.add_argument("--backend", choices=("torch", "onnx", "int8"), default="torch",
                    help="the network's runtime in the workers (onnx: 1.3x on CPUs here, "
                    "int8: 1.9x onnx)")
    vd.add_argument("--workers", type=int, default=0,
                    help="worker processes (one torch thread each); 0 = one per core")
    vd.add_argument("--ray", default="",
                    help="play on a Ray cluster: auto, ray://host:port or local")
    vd.set_defaults(func=_value_data)

    sd = sub.add_parser("search-data", help="AlphaGo Zero's data: the search plays itself; "
                        "visit counts of its full searches and the outcomes (rerun to resume)")
    from tengen.selfplay.zero_config import SearchDataConfig, ZeroTrainConfig
    _add_config_flags(sd, SearchDataConfig)
    sd.add_argument("--net", default=None, help="the search's network (default: the shipped one)")
    sd.add_argument("--backend", choices=("torch", "onnx", "int8"), default="int8",
                    help="the network's runtime in the workers")
    sd.add_argument("--workers", type=int, default=0,
                    help="worker processes, one search each; 0 = one per core")
    sd.add_argument("--ray", default="",
                    help="play on a Ray cluster: auto, ray://host:port or local")
    sd.set_defaults(func=_search_data)

    tz = sub.add_parser("train-zero", help="a net trained on search data: the visit counts "
                        "as its policy target, the outcomes as its value target")
    _add_config_flags(tz, ZeroTrainConfig)
    tz.set_defaults(func=_train_zero)

    tv = sub.add_parser("train-value", help="value regression on value-data positions")
    from tengen.selfplay.value_config import ValueTrainConfig
    _add_config_flags(tv, ValueTrainConfig)
    tv.set_defaults(func=_train_value)

    kf = sub.add_parser("kgs-finals", help="positions of KGS games that ended by count, "
                        "with their judged final owners and margin (ownership and score "
                        "targets for train-value)")
    kf.add_argument("sources", nargs="+", help="archives or folders (never the validation one)")
    kf.add_argument("--out", required=True, help="folder of batches (rerun to resume)")
    kf.add_argument("--every", type=int, default=8, help="a position every N moves")
    kf.add_argument("--games", type=int, default=0, help="first N counted games (0: all)")
    kf.set_defaults(func=_kgs_finals)

    tl = sub.add_parser("train-loop", help="generations of self-play data, a candidate value "
                        "net, a gate against the best engine and an anchor match (rerun the "
                        "same command to resume)")
    from tengen.loop.train_loop import TrainLoopConfig
    _add_config_flags(tl, TrainLoopConfig)
    tl.set_defaults(func=_train_loop)

    ev = sub.add_parser("eval-value", help="value MSE on held-out self-play positions and "
                        "KGS positions, by game phase")
    ev.add_argument("--net", action="append", default=None,
                    help="checkpoint (default: the shipped network); repeat it to compare "
                    "nets on the same positions, one JSON line each")
    ev.add_argument("--data", default=None, help="value-data folder(s), comma-separated")
    ev.add_argument("--val-every", type=int, default=20, help="as train-value held it out")
    ev.add_argument("--all", action="store_true", help="every batch, not only held-out ones")
    ev.add_argument("--value-mix", default=None,
                    help="with two --net: also the search's mix of them (gtp --value-net "
                    "SECOND --value-mix W): W of the second's value, the rest the first's; "
                    "several W comma-separated")
    ev.add_argument("--kgs", default=None, help="KGS archive (e.g. KGS-2017_05)")
    ev.add_argument("--games", type=int, default=200, help="KGS games (0: all)")
    ev.add_argument("--device", default="cpu", help="cpu or cuda")
    ev.add_argument("--workers", type=int, default=1, help="threads building input planes")
    ev.set_defaults(func=_eval_value)

    e = sub.add_parser("eval-policy", help="top-1/top-5 and value MSE of a net on an archive")
    e.add_argument("--net", default=None, help="checkpoint (default: the shipped network)")
    e.add_argument("--archive", required=True, help="archive, folder or SGF file")
    e.add_argument("--games", type=int, default=None, help="first N games (default: all)")
    e.add_argument("--batch", type=int, default=256)
    e.add_argument("--device", default="cpu", help="cpu or cuda")
    e.set_defaults(func=_eval_policy)

    o = sub.add_parser("train-rollout", help="fit the fast rollout policy to KGS moves")
    o.add_argument("archives", nargs="+", help="training archives, folders or SGF files")
    o.add_argument("--out", required=True, help="weights file (.npz); rerun to resume")
    o.add_argument("--val", default=None, help="validation archive (never trained on)")
    o.add_argument("--val-games", type=int, default=200)
    o.add_argument("--epochs", type=int, default=1)
    o.add_argument("--lr", type=float, default=0.05, help="AdaGrad step size")
    o.add_argument("--max-games", type=int, default=None, help="games per epoch")
    o.set_defaults(func=_train_rollout)

    v = sub.add_parser("eval-rollout", help="top-1 accuracy of the rollout policy")
    v.add_argument("--weights", default=None, help="weights file (default: the shipped one)")
    v.add_argument("--archive", required=True)
    v.add_argument("--games", type=int, default=None)
    v.set_defaults(func=_eval_rollout)

    r = sub.add_parser("replay-check", help="replay SGF records and report which fail, why")
    r.add_argument("paths", nargs="+", help="SGF files, folders or archives")
    r.add_argument("--out", help="write the JSON report here")
    r.add_argument("--jobs", type=int, default=1)
    r.set_defaults(func=_replay_check)
    return p


def _arena(args: argparse.Namespace) -> int:
    import json

    from tengen.match.arena import ArenaConfig, format_summary, run_match
    from tengen.match.refereed_game import GameConfig

    from tengen.match.clock import TimeSystem

    if args.time:
        try:
            TimeSystem.parse(args.time)
        except ValueError as e:
            raise SystemExit(f"tengen arena: {e}")
    game = GameConfig(size=args.size, komi=args.komi, handicap=args.handicap,
                      move_time=args.move_time, time=args.time, move_timeout=args.move_timeout,
                      max_moves=args.max_moves, referee=args.referee)
    cfg = ArenaConfig(games=args.games, out=args.out, jobs=args.jobs,
                      engine_colour="black" if args.no_alternate else args.engine_colour,
                      seed=args.seed, game=game, sprt=_sprt_bounds(args.sprt))
    if args.engine:
        cfg.engine = args.engine
    if args.opponent:
        cfg.opponent = args.opponent
    from tengen.match.arena import MatchError, MatchStopped
    try:
        summary = run_match(cfg)
    except MatchError as e:
        raise SystemExit(f"tengen arena: {e}")
    except MatchStopped as e:
        print(f"tengen arena: {e}", file=sys.stderr)
        return 130
    print(format_summary(summary))
    print(json.dumps(summary))
    return 0


def _sprt_bounds(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        elo0, elo1 = (float(x) for x in text.split(","))
    except ValueError:
        raise SystemExit(f"tengen arena: --sprt {text!r}: two Elo figures, e.g. 0,100")
    if elo1 <= elo0:
        raise SystemExit(f"tengen arena: --sprt {text!r}: ELO1 must be above ELO0")
    return elo0, elo1


def _build_data(args: argparse.Namespace) -> int:
    import json

    from tengen.nets.data import DataConfig, build_shards
    cfg = DataConfig(min_moves=args.min_moves, jobs=args.jobs, parts=args.parts,
                     validation=tuple(v for v in args.validation.split(",") if v))
    total = build_shards(args.sources, args.out, cfg)
    print(json.dumps({k: v for k, v in total.items() if k != "sources"}))
    return 0


def _add_config_flags(parser: argparse.ArgumentParser, cls) -> None:
    """One flag per field of a training config dataclass (``--field-name``), its default
    the dataclass's; the loop's fixed fields (``LOOP_ONLY``) are not flags."""
    from dataclasses import fields

    from tengen.nets.train_config import LOOP_ONLY
    notes = _field_comments(cls)
    for f in fields(cls):
        if f.name in LOOP_ONLY:
            continue
        flag = "--" + f.name.replace("_", "-")
        note = notes.get(f.name, "").replace("%", "%%")  # argparse formats help with %
        if f.type in ("bool", bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default,
                                help=note)
        else:
            kind = {"int": int, "float": float}.get(str(f.type), str)
            parser.add_argument(flag, type=kind, default=f.default,
                                help=f"{note} (default: %(default)s)".lstrip())


def _field_comments(cls) -> dict[str, str]:
    """``name: type = value  # note`` in a config class and its bases: the notes, which
    say what a setting means, become the flags' help."""
    import inspect
    import re
    notes: dict[str, str] = {}
    for klass in reversed(cls.__mro__[:-1]):
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        for m in re.finditer(r"^\s+(\w+):[^#\n]*#\s*(.+)$", source, re.M):
            notes[m.group(1)] = m.group(2).strip()
    return notes


def _config_from_args(cls, args: argparse.Namespace):
    from dataclasses import fields

    from tengen.nets.train_config import LOOP_ONLY
    try:
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls)
                      if f.name not in LOOP_ONLY})
    except ValueError as e:
        raise SystemExit(f"tengen {args.command}: {e}")


def _train_sl(args: argparse.Namespace) -> int:
    import json

    from tengen.nets.train_config import TrainConfig
    from tengen.nets.train_sl import train
    print(json.dumps(train(_config_from_args(TrainConfig, args))))
    return 0


def _rl(args: argparse.Namespace) -> int:
    import json

    from tengen.selfplay.policy_gradient import train_rl
    from tengen.selfplay.rl_config import RLConfig
    print(json.dumps(train_rl(_config_from_args(RLConfig, args))))
    return 0


def _distill(args: argparse.Namespace) -> int:
    import json

    from tengen.nets.distill import distill
    from tengen.nets.train_config import DistillConfig
    print(json.dumps(distill(_config_from_args(DistillConfig, args))))
    return 0


def _eval_policy(args: argparse.Namespace) -> int:
    import json

    from tengen.nets.accuracy import evaluate_archive
    print(json.dumps(evaluate_archive(args.net, args.archive, args.games, args.batch,
                                      args.device)))
    return 0


def _train_rollout(args: argparse.Namespace) -> int:
    import json

    from tengen.engine.rollout.train import RolloutTrainConfig, train
    val = args.val
    if val and any(val == a for a in args.archives):
        raise SystemExit("tengen: the validation archive is also a training archive")
    cfg = RolloutTrainConfig(archives=args.archives, out=args.out, val_archive=val,
                             val_games=args.val_games, epochs=args.epochs, lr=args.lr,
                             max_games=args.max_games)
    print(json.dumps(train(cfg)))
    return 0


def _eval_rollout(args: argparse.Namespace) -> int:
    import json

    from tengen.engine.rollout.policy import load_weights
    from tengen.engine.rollout.train import evaluate
    w, _ = load_weights(args.weights)
    print(json.dumps(evaluate(w, args.archive, args.games)))
    return 0


def _replay_check(args: argparse.Namespace) -> int:
    from tengen.engine.replay import main_replay_check
    return main_replay_check(args.paths, args.out, args.jobs)


def _value_data(args: argparse.Namespace) -> int:
    import json

    from tengen.nets import SHIPPED_NET
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.selfplay.value_data import ValueDataConfig, generate
    cfg = _config_from_args(ValueDataConfig, args)
    sl = load_checkpoint(args.sl or str(SHIPPED_NET))[0]
    rl = load_checkpoint(args.rl)[0] if args.rl else None
    judge = load_checkpoint(args.judge)[0] if args.judge else None
    from tengen.selfplay.workers import make_workers
    workers = make_workers(args.ray, args.workers, args.device, backend=args.backend)
    try:
        print(json.dumps(generate(cfg, sl, rl, workers, judge=judge)))
    finally:
        workers.close()
    return 0


def _search_data(args: argparse.Namespace) -> int:
    import json

    from tengen.nets import SHIPPED_NET, net_path
    from tengen.selfplay.search_data import generate
    from tengen.selfplay.workers import make_workers
    from tengen.selfplay.zero_config import SearchDataConfig
    cfg = _config_from_args(SearchDataConfig, args)
    workers = make_workers(args.ray, args.workers, backend=args.backend)
    try:
        print(json.dumps(generate(cfg, str(net_path(args.net or SHIPPED_NET)), workers)))
    finally:
        workers.close()
    return 0


def _train_zero(args: argparse.Namespace) -> int:
    import json

    from tengen.selfplay.zero_config import ZeroTrainConfig
    from tengen.selfplay.zero_train import train_zero
    print(json.dumps(train_zero(_config_from_args(ZeroTrainConfig, args))))
    return 0


def _train_value(args: argparse.Namespace) -> int:
    import json

    from tengen.selfplay.value_train import ValueTrainConfig, train_value
    print(json.dumps(train_value(_config_from_args(ValueTrainConfig, args))))
    return 0


def _kgs_finals(args: argparse.Namespace) -> int:
    import json

    from tengen.selfplay.kgs_finals import build_finals
    if any("2017_05" in src for src in args.sources):
        from tengen.errors import UserError
        raise UserError("KGS-2017_05 is the validation archive: it never trains a net")
    print(json.dumps(build_finals(args.sources, args.out, args.every, args.games)))
    return 0


def _train_loop(args: argparse.Namespace) -> int:
    from tengen.match.arena import MatchStopped
    from tengen.loop.train_loop import TrainLoopConfig, train_loop
    try:
        rows = train_loop(_config_from_args(TrainLoopConfig, args))
    except MatchStopped as e:
        print(f"tengen train-loop: {e}", file=sys.stderr)
        return 130
    for r in rows:
        gate = (f"gate {r['gate_wins']}/{r['gate_games']} Elo {r['gate_elo']:+.0f} "
                f"[{r['gate_elo_low']:+.0f}, {r['gate_elo_high']:+.0f}]"
                f"{' promoted' if r['promoted'] else ''}" if r["gate_games"] != "" else "")
        anchor = (f"anchor {r['anchor_wins']}/{r['anchor_games']} Elo {r['anchor_elo']:+.0f}"
                  if r["anchor_games"] != "" else "")
        print(f"generation {r['generation']}: best {r['best']}  {gate}  {anchor}".rstrip())
    return 0


def _eval_value(args: argparse.Namespace) -> int:
    import json

    from tengen.nets import SHIPPED_NET
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.selfplay.value_eval import eval_kgs_many, eval_selfplay
    if not (args.data or args.kgs):
        raise SystemExit("tengen eval-value: give --data, --kgs or both")
    names = args.net or [str(SHIPPED_NET)]
    models = {name: load_checkpoint(name)[0] for name in names}
    if args.value_mix is not None:
        from tengen.selfplay.value_eval import MixedValue
        try:
            mixes = [float(w) for w in args.value_mix.split(",")]
        except ValueError:
            mixes = [-1.0]
        if len(names) != 2 or not all(0.0 <= w <= 1.0 for w in mixes):
            raise SystemExit("tengen eval-value: --value-mix W[,W...] takes two --net "
                             "(priors, value) and each W in [0, 1]")
        for w in mixes:
            mixed = f"mix {w}: {names[1]} into {names[0]}"
            models[mixed] = MixedValue(models[names[0]], models[names[1]], w)
            names = names + [mixed]
    out = {name: {"net": name} for name in names}
    if args.data:
        for name, model in models.items():
            out[name]["selfplay"] = eval_selfplay(model, args.data, args.val_every, not args.all,
                                                  args.device)
    if args.kgs:
        kgs = eval_kgs_many(models, args.kgs, args.games or None, device=args.device,
                            workers=args.workers)
        for name in names:
            out[name]["kgs"] = kgs[name]
    for name in names:
        print(json.dumps(out[name]))
    return 0


def main(argv: list[str] | None = None) -> int:
    from tengen.errors import UserError
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as e:
        raise SystemExit(f"tengen {args.command}: {e}")


if __name__ == "__main__":
    sys.exit(main())
