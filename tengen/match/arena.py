"""``tengen arena``: a match between two GTP engines, refereed, recorded, summarised.

Each finished game leaves ``DIR/game-NNNN.sgf`` and then ``DIR/game-NNNN.json`` (written
atomically, the JSON last): a game counts as played when its JSON exists, so a killed
match loses only the games in flight and a rerun with the same folder plays only the rest.
"""
from __future__ import annotations

import itertools
import json
import shutil
import signal
import sys
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, CancelledError, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tengen.atomic import save_figure, write_text
from tengen.errors import UserError
from tengen.run_folder import claim
from tengen.match.gtp_client import gnugo_command
from tengen.match.refereed_game import SIDES, Abandoned, GameConfig, GameResult, play_game
from tengen.match.stats import match_stats, sprt


def default_engine_command() -> str:
    exe = shutil.which("tengen")
    return f"{exe} gtp" if exe else f"{sys.executable} -m tengen.cli gtp"


@dataclass
class ArenaConfig:
    engine: str = field(default_factory=default_engine_command)
    opponent: str = field(default_factory=lambda: gnugo_command(level=10))
    games: int = 10
    out: str = "arena"
    jobs: int = 1
    # "alternate": the engine takes black in even games, white in odd ones; "black" or
    # "white": always that colour (a handicap match: the stronger side gives the stones)
    engine_colour: str = "alternate"
    # game i is played with seed seed + i: GNU Go's --seed on the opponent's command,
    # and wherever a command has {seed}. Without it GNU Go seeds from the clock, so two
    # games started in the same second repeat each other against a deterministic engine,
    # and a rerun of the match is not the same match
    seed: int | None = None
    # (elo0, elo1): stop once Wald's SPRT on the games decided on the board accepts one
    # (alpha = beta = 0.05); games in flight then finish and count
    sprt: tuple[float, float] | None = None
    game: GameConfig = field(default_factory=GameConfig)


def game_commands(cfg: ArenaConfig, index: int) -> tuple[str, str]:
    """The engine's and the opponent's command lines for game ``index``: ``{seed}`` in
    either becomes ``seed + index``; the opponent gets GNU Go's ``--seed`` otherwise."""
    if cfg.seed is None:
        if "{seed}" in cfg.engine + cfg.opponent:
            raise ValueError("a command has {seed}: give the match a --seed")
        return cfg.engine, cfg.opponent
    if cfg.seed < 1:
        raise ValueError(f"seed {cfg.seed}: at least 1 (GNU Go's 0 means the clock)")
    seed = str(cfg.seed + index)
    opponent = cfg.opponent.replace("{seed}", seed) if "{seed}" in cfg.opponent \
        else f"{cfg.opponent} --seed {seed}"
    return cfg.engine.replace("{seed}", seed), opponent


def finished_games(out: Path) -> dict[int, dict]:
    done = {}
    for p in sorted(out.glob("game-*.json")):
        try:
            rec = json.loads(p.read_text())
            done[int(rec["index"])] = rec
        except (ValueError, KeyError):
            continue  # a torn file cannot happen with atomic writes, but never trust it
    return done


class MatchError(UserError, RuntimeError):
    """The match cannot go on (or on in this folder); nothing was counted for it."""


class MatchStopped(RuntimeError):
    """SIGINT or SIGTERM: no new games; those in flight abandoned, nothing of them kept."""


# what may differ when a match is resumed: more games, other jobs or timeouts do not
# change what a game is
FREE = ("games", "jobs", "out", "game.move_timeout", "game.setup_timeout", "sprt")


def _broken_command(res: GameResult, done: dict) -> bool:
    """A side failed before its first move and has not played a move in any game of this
    match: its command is broken (a typo, a missing net), not unlucky."""
    if not res.failure or not res.before_first_move or res.failed_side not in SIDES:
        return False
    return not any(r["moves"] >= 2 for r in done.values())  # both sides have moved


def run_match(cfg: ArenaConfig, progress: bool = True) -> dict:
    if cfg.engine_colour not in ("alternate", "black", "white"):
        raise ValueError(f"engine colour {cfg.engine_colour!r}: alternate, black or white")
    game_commands(cfg, 0)  # a bad seed fails before any game starts
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.game.referee is None:
        cfg.game.referee = gnugo_command(level=10)
    done = finished_games(out)
    claim(out, asdict(cfg), FREE, "match", started=bool(done))
    if done and progress:
        print(f"arena: resuming {out}: {len(done)} of {cfg.games} games already played",
              file=sys.stderr)
    todo = [i for i in range(cfg.games) if i not in done]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=cfg.games, initial=len(done), unit="game", file=sys.stderr,
                   desc="arena")
    stop = threading.Event()

    def one(i: int) -> GameResult:
        black = (i % 2 == 0) if cfg.engine_colour == "alternate" else cfg.engine_colour == "black"
        return play_game(i, *game_commands(cfg, i), cfg.game, str(out), black, stop)

    broken = None
    queue = iter([] if _decided(cfg, done) else todo)
    with _stop_on_signals(stop), ThreadPoolExecutor(max(1, cfg.jobs)) as pool:
        # at most `jobs` games are submitted at a time, so that a stop (a signal, a broken
        # command, a decided SPRT) starts no game the pool has already queued
        pending = {pool.submit(one, i) for i in itertools.islice(queue, max(1, cfg.jobs))}
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    res = fut.result()
                except (Abandoned, CancelledError):
                    continue
                if _broken_command(res, done):
                    broken = broken or res
                    stop.set()
                    _discard(out, res)
                    continue
                done[res.index] = res.to_json()
                write_text(out / f"game-{res.index:04d}.json",
                              json.dumps(res.to_json(), indent=1))
                s = summarize(list(done.values()))
                if bar:
                    bar.set_postfix(w=s["wins"], l=s["losses"], fail=sum(s["failures"].values()))
                    bar.update(1)
                if _decided(cfg, done):
                    queue = iter([])  # decided: games in flight finish and count
            if not stop.is_set():
                pending |= {pool.submit(one, i)
                            for i in itertools.islice(queue, len(finished))}
    if bar:
        bar.close()
    if broken is not None:
        side = broken.failed_side
        raise MatchError(f"the {side} failed before its first move in game {broken.index} "
                         f"({broken.failure}: {broken.detail}); its command: "
                         f"{broken.commands.get(side)!r}. Stopped: no game was counted for it "
                         f"(its log: {out / 'logs'})")
    results = [done[i] for i in sorted(done) if i < cfg.games]
    summary = summarize(results)
    if cfg.sprt:
        summary["sprt"] = sequential_test(results, cfg.sprt)
    summary["engine_command"], summary["opponent_command"] = cfg.engine, cfg.opponent
    summary["size"], summary["komi"], summary["handicap"] = cfg.game.size, cfg.game.komi, cfg.game.handicap
    write_text(out / "summary.json", json.dumps(summary, indent=1))
    plot_running_rate(results, out / "win_rate.png")
    if stop.is_set():
        raise MatchStopped(f"stopped after {len(results)} of {cfg.games} games (each with "
                           f"its record and JSON; summary.json counts them); rerun the same "
                           f"command to play the rest")
    return summary


def _decided(cfg: ArenaConfig, done: dict[int, dict]) -> bool:
    """The match's SPRT (if any) has accepted a hypothesis on the games ``done``."""
    return (bool(cfg.sprt)
            and sequential_test([done[i] for i in sorted(done)], cfg.sprt)["decision"] is not None)


def sequential_test(results: list[dict], bounds) -> dict:
    """Wald's SPRT on the counted games taken in game order: its decision is the first
    bound crossed (``decided_after``: that many counted games), which games finished after
    it (in flight when it crossed) cannot take back; the log-likelihood ratio is every
    counted game's. Without it a gate stopped on H0 by 4 of 16 was written undecided once
    the game in flight came in a win (5 of 17: LLR -2.71 of -2.94), and a rerun would have
    played on."""
    counted = [r for r in results
               if (r["winner"] in SIDES or r["reason"] == "score") and _counts(r)]
    wins = losses = 0.0
    crossed = None
    for n, r in enumerate(counted, 1):
        won = 1.0 if r["winner"] == "engine" else 0.0 if r["winner"] == "opponent" else 0.5
        wins, losses = wins + won, losses + 1 - won
        if crossed is None and sprt(wins, losses, *bounds)["decision"] is not None:
            crossed = (sprt(wins, losses, *bounds)["decision"], n)
    total = sprt(wins, losses, *bounds)
    if crossed is None:
        return total
    return {**total, "decision": crossed[0], "decided_after": crossed[1]}


def _discard(out: Path, res: GameResult) -> None:
    """A game not counted leaves no record (every SGF in the folder has its JSON)."""
    (out / res.sgf).unlink(missing_ok=True)


@contextmanager
def _stop_on_signals(stop: threading.Event):
    """SIGINT and SIGTERM set ``stop`` (no new game starts; those in flight end at their
    next move, unrecorded) instead of unwinding the match from wherever it was."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum, frame):
        if stop.is_set():  # a second Ctrl-C: the user means it
            signal.signal(signal.SIGINT, signal.default_int_handler)
        print(f"\narena: {signal.Signals(signum).name}: stopping (no new games; games in "
              "flight are abandoned at their next move)", file=sys.stderr)
        stop.set()
    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def _tally(decided: list[dict]) -> dict:
    """Games, wins, losses, draws of decided games, with the rate, interval and Elo."""
    wins = sum(r["winner"] == "engine" for r in decided)
    losses = sum(r["winner"] == "opponent" for r in decided)
    draws = len(decided) - wins - losses
    return {"games": len(decided), "wins": wins, "losses": losses, "draws": draws,
            **match_stats(wins, losses, draws)}


# faults that are a side's own play, as in any tournament: they count as losses
PLAY_LOSSES = ("time", "illegal")


def _counts(r: dict) -> bool:
    return not r["failure"] or r["failure"] in PLAY_LOSSES


def summarize(results: list[dict]) -> dict:
    """Counts for ``--engine``: games, wins, losses, draws, per colour, failures by kind."""
    decided = [r for r in results if r["winner"] in SIDES or r["reason"] == "score"]
    # a fault ends a game as a forfeit; a crash says nothing of strength, so the headline
    # figures are the games played out (on the board, or lost on the clock or by an illegal
    # move: those are the side's own play), and the other forfeits are counted apart
    on_board = [r for r in decided if not r["failure"]]
    counted = [r for r in decided if _counts(r)]
    tally = _tally(counted)
    by_color = {}
    for color in ("black", "white"):
        rs = [r for r in counted if r[color] == "engine"]
        by_color[color] = {"games": len(rs), "wins": sum(r["winner"] == "engine" for r in rs),
                           "losses": sum(r["winner"] == "opponent" for r in rs)}
    failures: dict[str, int] = {}
    failures_by_side: dict[str, dict[str, int]] = {s: {} for s in SIDES}
    for r in results:
        if r["failure"]:
            failures[r["failure"]] = failures.get(r["failure"], 0) + 1
            if r["failed_side"] in failures_by_side:
                d = failures_by_side[r["failed_side"]]
                d[r["failure"]] = d.get(r["failure"], 0) + 1
    forfeits = {side: sum(r["winner"] == side for r in decided if not _counts(r))
                for side in SIDES}
    secs = {}
    for s in SIDES:
        all_t = [t for r in results for t in r["seconds"][s]]
        secs[s] = round(sum(all_t) / len(all_t), 3) if all_t else None
    return {
        **tally, "games": len(results), "void": len(results) - len(decided),
        "forfeits": len(decided) - len(counted),
        "play_losses": {k: sum(r["failure"] == k for r in counted) for k in PLAY_LOSSES},
        "by_color": by_color,
        "reasons": dict(Counter(r["reason"] for r in results)),
        "failures": failures, "failures_by_side": failures_by_side,
        "forfeit_wins": forfeits,
        "after_game_faults": {side: sum(side in r.get("after_game", {}) for r in results)
                              for side in SIDES},
        "on_the_board": _tally(on_board),
        "with_forfeits": _tally(decided),  # the old headline, for comparison only
        "seconds_per_move": secs,
        "moves_per_game": round(sum(r["moves"] for r in results) / len(results), 1) if results else 0,
    }


def plot_running_rate(results: list[dict], path: Path) -> None:
    """Running win rate of the engine after each game, with its Wilson 95% band."""
    if not results:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tengen.match.stats import wilson_interval

    xs, rate, lo, hi = [], [], [], []
    score = n = 0.0
    for r in results:
        if (r["winner"] is None and r["reason"] != "score") or not _counts(r):
            continue  # void games and forfeits do not count
        n += 1
        score += 1.0 if r["winner"] == "engine" else 0.5 if r["winner"] is None else 0.0
        a, b = wilson_interval(score, int(n))
        xs.append(n)
        rate.append(score / n)
        lo.append(a)
        hi.append(b)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(xs, lo, hi, alpha=0.25, label="Wilson 95%")
    ax.plot(xs, rate, marker="o", label="engine win rate")
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_ylim(0, 1)
    ax.set_xlabel("games")
    ax.set_ylabel("win rate")
    ax.legend(loc="best")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def format_summary(s: dict) -> str:
    lines = [
        f"games {s['games']}: engine {s['wins']} wins, {s['losses']} losses, {s['draws']} draws"
        f" played ({s.get('forfeits', 0)} forfeits apart, {s['void']} void)",
        f"win rate {s['win_rate']:.3f}  [{s['wilson_low']:.3f}, {s['wilson_high']:.3f}] (Wilson 95%)",
        f"Elo {s['elo']:+.0f}  [{s['elo_low']:+.0f}, {s['elo_high']:+.0f}]",
        "as black: {games} games, {wins} wins; ".format(**s["by_color"]["black"])
        + "as white: {games} games, {wins} wins".format(**s["by_color"]["white"]),
        f"seconds per move: engine {s['seconds_per_move']['engine']}, "
        f"opponent {s['seconds_per_move']['opponent']}",
        f"endings: {s['reasons']}; failures: {s['failures'] or 'none'}",
    ]
    if s.get("sprt"):
        t = s["sprt"]
        # accepting H1 rejects H0 at alpha: Elo above elo0; accepting H0, below elo1
        verdict = {"H1": f"H1 accepted: Elo above {t['elo0']:+g} (error 5%)",
                   "H0": f"H0 accepted: Elo below {t['elo1']:+g} (error 5%)",
                   None: "undecided"}[t["decision"]]
        if "decided_after" in t:  # games in flight then came in after it
            verdict += f", after {t['decided_after']} games"
        lines.append(f"SPRT [{t['elo0']:+g}, {t['elo1']:+g}]: LLR {t['llr']:+.2f} in "
                     f"[{t['lower']:+.2f}, {t['upper']:+.2f}]: {verdict}")
    if any(s["forfeit_wins"].values()):
        lines.insert(3, f"forfeits (not counted above): {s['forfeit_wins']['engine']} won by "
                        f"the engine, {s['forfeit_wins']['opponent']} by the opponent")
    return "\n".join(lines)
